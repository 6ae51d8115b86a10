#!/usr/bin/env python3
"""natpolicy and Checkov side by side: per-resource verdicts for the families both cover.

    python benchmarks/parity.py [--set full|small] [--write] [--json OUT]

Runs natpolicy (in this interpreter) and Checkov 3.3.30 (in the venv made by
``benchmarks/checkov-env``) on the same inputs and compares, per resource,
the answer to questions both tools ask:

=========  ====================================  ==============================
question   Checkov                               natpolicy
=========  ====================================  ==============================
sg:22      CKV_AWS_24 fails                      an SG finding whose rule covers 22
sg:3389    CKV_AWS_25 fails                      ... covers 3389
sg:80      CKV_AWS_260 fails                     ... covers 80
sg:all     CKV_AWS_277 fails (protocol -1)       an SG finding for protocol -1
ebs:vol    CKV_AWS_3 fails                       EBS001
ebs:inst   CKV_AWS_8 fails                       EBS002 / EBS004
flow:vpc   CKV2_AWS_11 fails                     FLOW001
=========  ====================================  ==============================

A resource Checkov does not report as failed (passed, UNKNOWN, not
evaluated) counts as a pass: that is what its user sees. Every disagreement
is matched against the documented causes (``parity_causes.CAUSES``); each
names the fixture in ``fixtures/parity/`` that proves it, and recognises its
rows from the input itself, never from natpolicy's own verdict logic. A
disagreement no cause explains is *undocumented*: this script exits 1 and
``tests/test_checkov_parity.py`` fails on it.

The full set needs the shared corpus (``../shared/corpus``, or
``NATPOLICY_CORPUS``); without it the script stops rather than compare a
fraction of the inputs under the corpus's name.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import parity_evidence as ev  # noqa: E402
from measure import BENCH, CHECKOV_VENV, ROOT, replace_block  # noqa: E402
from parity_causes import CAUSE_BY_ID, CAUSES, Ctx, Row, View, classify  # noqa: E402

CORPUS = Path(os.environ.get("NATPOLICY_CORPUS") or ROOT.parent / "shared" / "corpus").resolve()
PARITY_FIXTURES = ROOT / "fixtures" / "parity"

SG_TYPES = ("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")


@dataclass(frozen=True)
class Question:
    name: str
    checkov_id: str
    types: tuple[str, ...]
    label: str


QUESTIONS: tuple[Question, ...] = (
    Question("sg:22", "CKV_AWS_24", SG_TYPES, "SSH (22) open to the internet"),
    Question("sg:3389", "CKV_AWS_25", SG_TYPES, "RDP (3389) open to the internet"),
    Question("sg:80", "CKV_AWS_260", SG_TYPES, "HTTP (80) open to the internet"),
    Question("sg:all", "CKV_AWS_277", SG_TYPES, "all traffic (protocol -1) open to the internet"),
    Question("ebs:vol", "CKV_AWS_3", ("aws_ebs_volume",), "EBS volume unencrypted"),
    Question("ebs:inst", "CKV_AWS_8", ("aws_instance", "aws_launch_configuration"), "instance volume unencrypted"),
    Question("flow:vpc", "CKV2_AWS_11", ("aws_vpc",), "VPC without flow log"),
)
BY_CHECKOV_ID = {q.checkov_id: q for q in QUESTIONS}
CHECKOV_IDS = ",".join(q.checkov_id for q in QUESTIONS)

# -- inputs ------------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    path: Path
    hcl: bool = False

    @property
    def label(self) -> str:
        for base in (CORPUS.parent, ROOT):
            try:
                return self.path.resolve().relative_to(base).as_posix()
            except ValueError:
                continue
        return self.path.as_posix()


class CorpusMissing(RuntimeError):
    """The shared corpus the full set compares is not there."""


def corpus_available() -> bool:
    return (CORPUS / "plans").is_dir() and (CORPUS / "checkov-plans").is_dir()


def local_inputs() -> list[Input]:
    """natpolicy's own fixtures: the parity proofs, the rule cases, the example plans."""
    found: list[Input] = [Input(p) for p in sorted(PARITY_FIXTURES.glob("*.json"))]
    found += [Input(d, hcl=True) for d in sorted(PARITY_FIXTURES.glob("hcl_*")) if d.is_dir()]
    found += [Input(p) for p in sorted((ROOT / "fixtures" / "plans").glob("*.json"))]
    return found


def inputs(which: str) -> list[Input]:
    """The small set: local fixtures plus Checkov's own plans (when the corpus is there).

    The full set adds every corpus plan and natpolicy's HCL fixtures, and
    raises ``CorpusMissing`` when the corpus is absent.
    """
    found = local_inputs()
    if which == "full" and not corpus_available():
        raise CorpusMissing(f"the shared corpus is not at {CORPUS} (set NATPOLICY_CORPUS to its directory)")
    if corpus_available():
        found += [Input(p) for p in sorted((CORPUS / "checkov-plans").glob("*.json"))]
    if which == "full":
        found += [Input(p) for p in sorted((CORPUS / "plans").rglob("*.json"))]
        hcl_root = ROOT / "fixtures" / "hcl"
        found += [Input(d, hcl=True) for d in sorted(hcl_root.iterdir())
                  if d.is_dir() and any(d.glob("*.tf")) and d.name != "syntax_error"]
        # Real `terraform show -json` plans of those directories.
        found += [Input(p) for p in sorted(hcl_root.glob("*/*.json")) if _is_plan(p)]
    return found


def _is_plan(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "planned_values" in doc and "resource_changes" in doc


# -- natpolicy ---------------------------------------------------------------------
@dataclass
class Side:
    """One tool's verdicts on one input: (question, address) -> failed?"""

    verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)
    error: str | None = None
    # HCL, Checkov's side: where it read each block (file, first line, last line).
    blocks: dict[str, tuple[Path, int, int]] = field(default_factory=dict)


def _strip_keys(address: str) -> str:
    """Drop instance keys (HCL: Checkov reports a block once, natpolicy per instance)."""
    out, depth, in_str = [], 0, False
    for ch in address:
        if depth:
            if in_str:
                in_str = ch != '"'
            elif ch == '"':
                in_str = True
            elif ch == "]":
                depth -= 1
            continue
        if ch == "[":
            depth += 1
            continue
        out.append(ch)
    return "".join(out)


def _covers(key: str, port: int | None) -> bool:
    """Does an SG finding key (``all:ipv4``, ``tcp:20-25:ipv4``, ``union:tcp:22-22:ipv4``) expose ``port``?

    A ``union:`` key is an exposure several rules of one group open together.
    """
    parts = key.removeprefix("union:").split(":")
    if port is None:
        return parts[0] == "all"
    if parts[0] == "all":
        return True
    if parts[0] in ("tcp", "udp") and len(parts) >= 2 and "-" in parts[1]:
        low, _, high = parts[1].partition("-")
        return low.isdigit() and high.isdigit() and int(low) <= port <= int(high)
    return False


_SG_PORTS = {"sg:22": 22, "sg:3389": 3389, "sg:80": 80, "sg:all": None}


def natpolicy_side(item: Input) -> tuple[Side, Any]:
    """natpolicy's verdicts, and its model (on Terraform code the causes read its evaluated values)."""
    from natpolicy import registry
    from natpolicy.errors import NatpolicyError
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    try:
        model = load_inputs([str(item.path)])
    except NatpolicyError as exc:
        return Side(error=str(exc)), None
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["SG", "EBS", "FLOW"])))
    side = Side()
    if result.errors:
        side.error = "; ".join(result.errors)
    norm = _strip_keys if item.hcl else (lambda a: a)
    for res in model:
        if res.mode != "managed" or not res.exists_after:
            continue
        for q in QUESTIONS:
            if res.type in q.types:
                side.verdicts.setdefault((q.name, norm(res.address)), False)
    for f in result.findings:
        addr = norm(f.address)
        if f.rule_id.startswith("SG"):
            for name, port in _SG_PORTS.items():
                if (name, addr) in side.verdicts and _covers(f.key, port):
                    side.verdicts[(name, addr)] = True
        elif f.rule_id == "EBS001" and ("ebs:vol", addr) in side.verdicts:
            side.verdicts[("ebs:vol", addr)] = True
        elif f.rule_id in ("EBS002", "EBS004") and ("ebs:inst", addr) in side.verdicts:
            side.verdicts[("ebs:inst", addr)] = True
        elif f.rule_id == "FLOW001" and ("flow:vpc", addr) in side.verdicts:
            side.verdicts[("flow:vpc", addr)] = True
    return side, model


# -- Checkov -----------------------------------------------------------------------
def checkov_available() -> bool:
    return (CHECKOV_VENV / "bin" / "checkov").is_file()


_ENSURED: list[Path] = []


def ensure_checkov() -> Path:
    """Create (or reuse) Checkov's venv, with this natpolicy in it; once per process.

    Raises ``RuntimeError`` naming the reason when it cannot be made (no
    network, no ``venv`` module...), so callers can skip cleanly.
    """
    if _ENSURED:
        return _ENSURED[0]
    try:
        proc = subprocess.run([str(BENCH / "checkov-env"), "create"], capture_output=True, text=True,
                              timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"benchmarks/checkov-env failed: {exc}") from None
    if proc.returncode != 0 or not checkov_available():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmarks/checkov-env exited {proc.returncode}: {last}")
    _ENSURED.append(CHECKOV_VENV)
    return CHECKOV_VENV


def checkov_for_tests() -> Path | str:
    """Checkov's venv for a test, or the reason to skip.

    ``NATPOLICY_REQUIRE_CHECKOV=1`` (CI) turns every reason to skip into an
    error: a cached venv that cannot be refreshed, or no registry, must not
    pass as a green run. ``NATPOLICY_SKIP_CHECKOV=1`` skips on purpose.
    """
    required = os.environ.get("NATPOLICY_REQUIRE_CHECKOV", "") not in ("", "0")
    if os.environ.get("NATPOLICY_SKIP_CHECKOV", "") not in ("", "0") and not required:
        return "NATPOLICY_SKIP_CHECKOV is set"
    try:
        return ensure_checkov()
    except RuntimeError as exc:
        if required:
            raise RuntimeError(f"NATPOLICY_REQUIRE_CHECKOV is set but Checkov is unavailable: {exc}") from None
        return f"Checkov's venv cannot be created, so these checks are not run: {exc}"


def checkov_sides(items: list[Input]) -> dict[Path, Side]:
    """Checkov on every input: all plans in one run (its start-up is ~3 s), HCL dirs one run each."""
    sides: dict[Path, Side] = {item.path.resolve(): Side() for item in items}
    plans = [i for i in items if not i.hcl]
    runs: list[tuple[list[str], list[Input]]] = []
    if plans:
        args = [a for i in plans for a in ("-f", str(i.path))]
        runs.append(([*args, "--framework", "terraform_plan"], plans))
    for item in (i for i in items if i.hcl):
        runs.append((["-d", str(item.path), "--framework", "terraform"], [item]))
    for args, group in runs:
        cmd = [str(CHECKOV_VENV / "bin" / "checkov"), *args, "-c", CHECKOV_IDS, "-o", "json", "--skip-download"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=1800)
        if proc.returncode not in (0, 1):
            for item in group:
                sides[item.path.resolve()].error = f"checkov exited {proc.returncode}"
            continue
        reports = json.loads(proc.stdout or "[]")
        for report in reports if isinstance(reports, list) else [reports]:
            results = report.get("results") if isinstance(report, dict) else None
            if not isinstance(results, dict):
                continue
            for key, failed in (("passed_checks", False), ("failed_checks", True)):
                for check in results.get(key, []):
                    q = BY_CHECKOV_ID.get(check.get("check_id", ""))
                    if q is None:
                        continue
                    abs_path = Path(check.get("file_abs_path", "")).resolve()
                    target = sides.get(abs_path) if not group[0].hcl else sides[group[0].path.resolve()]
                    if target is None:
                        continue
                    address = check["resource"]
                    if group[0].hcl:
                        address = _strip_keys(address)
                        lines = check.get("file_line_range") or [0, 0]
                        target.blocks.setdefault(address, (abs_path, int(lines[0]), int(lines[-1])))
                    prev = target.verdicts.get((q.name, address), False)
                    target.verdicts[(q.name, address)] = prev or failed
    return sides


# -- comparison -------------------------------------------------------------------------
@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)  # disagreements only
    agreements: Counter[str] = field(default_factory=Counter)  # per question
    agree_fail: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    inputs: int = 0

    @property
    def undocumented(self) -> list[Row]:
        return [r for r in self.rows if r.cause is None]


def compare(items: list[Input]) -> Outcome:
    outcome = Outcome(inputs=len(items))
    ckv = checkov_sides(items)
    for item in items:
        nat, model = natpolicy_side(item)
        theirs = ckv[item.path.resolve()]
        if nat.error:
            outcome.errors.append(f"{item.label}: natpolicy: {nat.error}")
        if theirs.error:
            outcome.errors.append(f"{item.label}: {theirs.error}")
        plan = None if item.hcl else ev.PlanFacts.read(item.path)
        for key in sorted(set(nat.verdicts) | set(theirs.verdicts)):
            mine, other = nat.verdicts.get(key), theirs.verdicts.get(key)
            if bool(mine) == bool(other):
                outcome.agreements[key[0]] += 1
                if mine:
                    outcome.agree_fail[key[0]] += 1
                continue
            row = Row(item.label, key[0], key[1], other, mine)
            ctx = _context(item, key[1], plan, model, theirs)
            outcome.rows.append(Row(row.input, row.question, row.address, other, mine, classify(row, ctx)))
    return outcome


def _context(item: Input, address: str, plan: ev.PlanFacts | None, model: Any, checkov: Side) -> Ctx:
    """What the classifiers see of one resource: the plan as written, or (HCL) natpolicy's evaluated instances."""
    if plan is not None:
        views = (View(plan.type_of(address), address, plan.values(address), plan.unknown(address)),) \
            if plan.exists_after(address) else ()
        return Ctx(hcl=False, root=item.path, plan=plan, views=views)
    instances = tuple(View(r.type, r.address, r.after if isinstance(r.after, dict) else {})
                      for r in (model or ()) if r.mode == "managed" and r.exists_after
                      and _strip_keys(r.address) == address)
    where = checkov.blocks.get(address)
    block = ev.block_at(*where) if where else ""
    return Ctx(hcl=True, root=item.path.resolve(), views=instances, block=block,
               block_dir=where[0].parent if where else None)


def _verdict(value: bool | None) -> str:
    return "not evaluated" if value is None else ("FAIL" if value else "pass")


def markdown(outcome: Outcome, title_inputs: str) -> str:
    by_q = Counter(r.question for r in outcome.rows)
    by_cause = Counter(r.cause or "UNDOCUMENTED" for r in outcome.rows)
    lines = [
        f"Inputs: {title_inputs} ({outcome.inputs} plans or directories). Checkov 3.3.30 with `--skip-download`.",
        "",
        "| question | Checkov | agreements (both fail) | disagreements |",
        "|---|---|---|---|",
    ]
    for q in QUESTIONS:
        lines.append(f"| {q.label} | {q.checkov_id} | {outcome.agreements[q.name]} ({outcome.agree_fail[q.name]}) "
                     f"| {by_q[q.name]} |")
    lines += ["", "### Disagreements by cause", "",
              "| cause | who is right | count | proof (fixtures/parity/) |", "|---|---|---|---|"]
    for cause in CAUSES:
        lines.append(f"| `{cause.id}`: {cause.title} | {cause.right} | {by_cause[cause.id]} | "
                         f"`{cause.fixture}` |")
    if by_cause["UNDOCUMENTED"]:
        lines.append(f"| **undocumented** | ? | {by_cause['UNDOCUMENTED']} | none |")
    lines += ["", "### Why", ""]
    for cause in CAUSES:
        verdict = "undecidable" if cause.right == "undecidable" else f"{cause.right} is right"
        lines.append(f"- `{cause.id}` ({verdict}): {cause.why}")
    lines += ["", "### Every disagreement", "",
              "| input | resource | question | Checkov | natpolicy | cause | who is right |",
              "|---|---|---|---|---|---|---|"]
    for r in outcome.rows:
        right = CAUSE_BY_ID[r.cause].right if r.cause else "?"
        lines.append(f"| {r.input} | `{r.address}` | {r.question} | {_verdict(r.checkov)} | {_verdict(r.natpolicy)} "
                     f"| {r.cause or '**undocumented**'} | {right} |")
    if outcome.errors:
        lines += ["", "### Inputs a tool could not read", ""]
        lines += [f"- {e}" for e in outcome.errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("full", "small"), default="full")
    parser.add_argument("--write", action="store_true", help="update benchmarks/PARITY.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    try:
        items = inputs(args.set)
    except CorpusMissing as exc:
        print(f"parity.py: {exc}", file=sys.stderr)
        return 2
    if not checkov_available():
        ensure_checkov()
    outcome = compare(items)
    corpus = "corpus/plans and corpus/checkov-plans"
    if args.set == "full":
        what = f"fixtures/parity, fixtures/plans, fixtures/hcl, {corpus}"
    else:
        what = "fixtures/parity, fixtures/plans" + (" and corpus/checkov-plans" if corpus_available() else
                                                    " (no corpus here)")
    body = markdown(outcome, what)
    print(body)
    if args.write:
        replace_block(BENCH / "PARITY.md", "parity.py", body)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in outcome.rows], indent=2), encoding="utf-8")
    return 1 if outcome.undocumented else 0


if __name__ == "__main__":
    raise SystemExit(main())
