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
is matched against the documented causes in ``CAUSES``; each cause names
the fixture in ``fixtures/parity/`` that proves it. A disagreement no cause
explains is *undocumented*: ``tests/test_checkov_parity.py`` fails on it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, CHECKOV_VENV, ROOT, replace_block  # noqa: E402

SHARED = ROOT.parent / "shared"
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
        for base in (SHARED, ROOT):
            try:
                return self.path.relative_to(base).as_posix()
            except ValueError:
                continue
        return self.path.as_posix()


def inputs(which: str) -> list[Input]:
    found: list[Input] = [Input(p) for p in sorted(PARITY_FIXTURES.glob("*.json"))]
    found += [Input(d, hcl=True) for d in sorted(PARITY_FIXTURES.glob("hcl_*")) if d.is_dir()]
    found += [Input(p) for p in sorted((ROOT / "fixtures" / "plans").glob("*.json"))]
    checkov_plans = SHARED / "corpus" / "checkov-plans"
    found += [Input(p) for p in sorted(checkov_plans.glob("*.json"))]
    if which == "full":
        found += [Input(p) for p in sorted((SHARED / "corpus" / "plans").rglob("*.json"))]
        hcl_root = ROOT / "fixtures" / "hcl"
        if hcl_root.is_dir():
            found += [Input(d, hcl=True) for d in sorted(hcl_root.iterdir())
                      if d.is_dir() and any(d.glob("*.tf")) and d.name != "syntax_error"]
    return found


# -- natpolicy ---------------------------------------------------------------------
@dataclass
class Side:
    """One tool's verdicts on one input: (question, address) -> failed?"""

    verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)
    error: str | None = None


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
    """Does an SG finding key (``all:ipv4``, ``tcp:20-25:ipv4``) expose ``port``?"""
    parts = key.split(":")
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
    """natpolicy's verdicts, and its model (the classifier reads resource values)."""
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
                    prev = target.verdicts.get((q.name, address), False)
                    target.verdicts[(q.name, address)] = prev or failed
    return sides


# -- causes --------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    input: str
    question: str
    address: str
    checkov: bool | None  # None: Checkov did not evaluate the resource
    natpolicy: bool | None
    cause: str | None = None


@dataclass(frozen=True)
class Ctx:
    """What a classifier may look at besides the row: natpolicy's model of the input."""

    model: Any
    hcl: bool
    planned: frozenset[str] | None  # addresses in the plan's planned_values


@dataclass(frozen=True)
class Cause:
    id: str
    title: str
    right: str  # "natpolicy" or "checkov"
    why: str
    fixture: str  # in fixtures/parity/ (a plan, or an hcl_* directory)
    proves: tuple[tuple[str, str], ...]  # (question, address) disagreements the fixture shows
    applies: Callable[[Row, Any, Ctx], bool]


def _resource(model: Any, address: str) -> Any:
    if model is None:
        return None
    for res in model:
        if res.address == address or _strip_keys(res.address) == address:
            if res.exists_after:
                return res
    return None


def _blocks(res: Any) -> list[dict[str, Any]]:
    """Ingress entries in a common shape: inline blocks, or the rule resource itself."""
    after = res.after if isinstance(res.after, dict) else {}
    if res.type == "aws_security_group":
        return [b for b in after.get("ingress") or [] if isinstance(b, dict)]
    return [after]


def _open(block: dict[str, Any]) -> bool:
    from natpolicy.policies.sg._ingress import Source, internet_sources

    values = [v for attr in ("cidr_blocks", "ipv6_cidr_blocks") for v in (block.get(attr) or [])
              if isinstance(v, str)]
    values += [v for attr in ("cidr_ipv4", "cidr_ipv6") if isinstance(v := block.get(attr), str)]
    return bool(internet_sources(Source(v, ()) for v in values))


def _nat_only(row: Row) -> bool:
    return bool(row.natpolicy) and not row.checkov


def _ckv_only(row: Row) -> bool:
    return bool(row.checkov) and not row.natpolicy


def _self_first(row: Row, res: Any, ctx: Ctx) -> bool:
    if not (_nat_only(row) and res is not None and res.type == "aws_security_group"):
        return False
    seen_self = False
    for block in _blocks(res):
        if block.get("self") is True:
            seen_self = True
        elif seen_self and _open(block):
            return True
    return False


def _prefix_null(row: Row, res: Any, ctx: Ctx) -> bool:
    return (_nat_only(row) and res is not None and res.type == "aws_security_group_rule"
            and any(_open(b) and b.get("prefix_list_ids") is None for b in _blocks(res)))


def _prefix_beside_cidr(row: Row, res: Any, ctx: Ctx) -> bool:
    return (_nat_only(row) and res is not None and res.type in SG_TYPES
            and any(_open(b) and b.get("prefix_list_ids") for b in _blocks(res)))


def _ip_protocol(row: Row, res: Any, ctx: Ctx) -> bool:
    if not (_nat_only(row) and res is not None and res.type == "aws_vpc_security_group_ingress_rule"):
        return False
    after = res.after if isinstance(res.after, dict) else {}
    return str(after.get("ip_protocol")) in ("-1", "all") and _open(after)


def _split_cidr(row: Row, res: Any, ctx: Ctx) -> bool:
    from natpolicy.policies.sg._ingress import _network

    if not (_nat_only(row) and res is not None and res.type in SG_TYPES):
        return False
    for block in _blocks(res):
        values = [v for attr in ("cidr_blocks", "ipv6_cidr_blocks") for v in (block.get(attr) or [])
                  if isinstance(v, str)]
        values += [v for attr in ("cidr_ipv4", "cidr_ipv6") if isinstance(v := block.get(attr), str)]
        nets = [n for n in (_network(v) for v in values) if n is not None]
        if _open(block) and not any(n.prefixlen == 0 for n in nets):
            return True
    return False


def _default_encryption(row: Row, res: Any, ctx: Ctx) -> bool:
    from natpolicy.policies.ebs._encryption import Default, default_encryption

    return (_ckv_only(row) and row.question == "ebs:vol" and ctx.model is not None
            and default_encryption(ctx.model) is not Default.OFF)


def _snapshot(row: Row, res: Any, ctx: Ctx) -> bool:
    if not (_ckv_only(row) and row.question == "ebs:vol" and res is not None):
        return False
    after = res.after if isinstance(res.after, dict) else {}
    snap = after.get("snapshot_id")
    return isinstance(snap, str) and snap != "" and after.get("encrypted") is not False


def _flow_by_id(row: Row, res: Any, ctx: Ctx) -> bool:
    model = ctx.model
    if not (_ckv_only(row) and row.question == "flow:vpc" and res is not None and model is not None):
        return False
    ids = {side.get("id") for side in (res.after, res.before) if isinstance(side, dict)}
    ids = {i for i in ids if isinstance(i, str) and i}
    return any(isinstance(f.after, dict) and f.after.get("vpc_id") in ids and f.exists_after
               for f in model.of_type("aws_flow_log"))


def _flow_by_module_output(row: Row, res: Any, ctx: Ctx) -> bool:
    model = ctx.model
    if not (_ckv_only(row) and row.question == "flow:vpc" and res is not None and model is not None):
        return False
    return bool(res.module) and any(f.exists_after for f in model.references_to(res, types=("aws_flow_log",)))


def _unset_block(row: Row, res: Any, ctx: Ctx) -> bool:
    from natpolicy.model import UNKNOWN

    if not (row.question == "ebs:inst" and row.checkov is None and row.natpolicy and res is not None):
        return False
    after = res.after if isinstance(res.after, dict) else {}
    blocks = [b for attr in ("root_block_device", "ebs_block_device") if isinstance(after.get(attr), list)
              for b in after[attr] if isinstance(b, dict)]
    # Unset, or unknown in the plan while the configuration does not set it
    # (natpolicy only reports the latter when the configuration says so).
    return any(b.get("encrypted") is None or b.get("encrypted") is UNKNOWN for b in blocks)


def _planned_values_only(row: Row, res: Any, ctx: Ctx) -> bool:
    return (row.checkov is None and bool(row.natpolicy) and not ctx.hcl and ctx.planned is not None
            and row.address not in ctx.planned)


def _unknown_judged(row: Row, res: Any, ctx: Ctx) -> bool:
    from natpolicy.model import UNKNOWN

    if not (_ckv_only(row) and res is not None):
        return False
    after = res.after if isinstance(res.after, dict) else {}
    if row.question == "ebs:vol":
        return after.get("encrypted") is UNKNOWN
    if row.question == "ebs:inst":
        roots = after.get("root_block_device")
        return roots is UNKNOWN or any(isinstance(b, dict) and b.get("encrypted") is UNKNOWN for b in roots or [])
    if row.question.startswith("sg:"):
        if after.get("ingress") is UNKNOWN:
            return True
        return any(b.get(attr) is UNKNOWN for b in _blocks(res)
                   for attr in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6", "protocol", "ip_protocol"))
    return False


def _reversed_range(row: Row, res: Any, ctx: Ctx) -> bool:
    if not (_nat_only(row) and res is not None and res.type in SG_TYPES):
        return False
    for block in _blocks(res):
        low, high = block.get("from_port"), block.get("to_port")
        if isinstance(low, int) and isinstance(high, int) and low > high and _open(block):
            return True
    return False


def _hcl_unevaluated(row: Row, res: Any, ctx: Ctx) -> bool:
    # natpolicy evaluated count/for_each/module expressions that Checkov left unresolved.
    return ctx.hcl and _nat_only(row) and res is not None and (res.index is not None or bool(res.module))


def _hcl_zero_instances(row: Row, res: Any, ctx: Ctx) -> bool:
    return ctx.hcl and bool(row.checkov) and row.natpolicy is None and res is None


CAUSES: tuple[Cause, ...] = (
    Cause("ckv-self-shortcircuit", "Checkov #6073: a `self` ingress block passes the whole group", "natpolicy",
          "AbsSecurityGroupUnrestrictedIngress returns PASSED at the first `self = true` block, so an open block "
          "after it is never read. The open block is reachable from the internet.",
          "sg_self_first.json", (("sg:22", "aws_security_group.self_first"),), _self_first),
    Cause("ckv-prefix-list-null", "Checkov: `prefix_list_ids: null` in a plan passes the rule", "natpolicy",
          "The plan's `null` reaches the check as `[None]`, which is truthy, so the rule is treated as limited to "
          "a prefix list. Its `cidr_blocks` still hold 0.0.0.0/0.",
          "sg_prefix_list_null.json", (("sg:3389", "aws_security_group_rule.rdp_null"),), _prefix_null),
    Cause("ckv-prefix-list-beside-cidr", "Checkov: any prefix list passes the rule, even beside 0.0.0.0/0",
          "natpolicy",
          "Sources are a union: a prefix list in the same rule does not narrow `cidr_blocks = [\"0.0.0.0/0\"]`.",
          "sg_prefix_list_and_cidr.json", (("sg:22", "aws_security_group.prefix_and_world"),),
          _prefix_beside_cidr),
    Cause("ckv-ip-protocol-ignored", "Checkov: `ip_protocol = \"-1\"` of aws_vpc_security_group_ingress_rule is never read",
          "natpolicy",
          "A rule without from_port/to_port passes; `-1` means every protocol and port, from the whole internet.",
          "sg_vpc_rule_ip_protocol.json",
          tuple((q, "aws_vpc_security_group_ingress_rule.all_v6") for q in ("sg:22", "sg:3389", "sg:80", "sg:all")),
          _ip_protocol),
    Cause("ckv-split-cidr", "Checkov: only the literal 0.0.0.0/0 (or ::/0) counts as the internet", "natpolicy",
          "0.0.0.0/1 plus 128.0.0.0/1 (or any set of ranges whose union is every address) is the whole internet.",
          "sg_split_cidr.json", (("sg:22", "aws_security_group.split"),), _split_cidr),
    Cause("ckv-default-encryption-ignored", "Checkov CKV_AWS_3 ignores aws_ebs_encryption_by_default", "natpolicy",
          "With default encryption enabled in the plan or the prior state, AWS encrypts every new volume that does "
          "not set `encrypted`.",
          "ebs_default_encryption.json", (("ebs:vol", "aws_ebs_volume.data"),), _default_encryption),
    Cause("ckv-snapshot-inherits", "Checkov CKV_AWS_3 fails a volume restored from a snapshot", "natpolicy",
          "A volume made from `snapshot_id` inherits the snapshot's encryption (an encrypted snapshot always gives "
          "an encrypted volume); natpolicy cannot see the snapshot, so it does not guess. CKV_AWS_8 itself accepts "
          "`snapshot_id` for block devices.",
          "ebs_snapshot.json", (("ebs:vol", "aws_ebs_volume.restored"),), _snapshot),
    Cause("ckv-flow-needs-reference", "Checkov CKV2_AWS_11 needs a reference edge; a literal vpc_id is ignored",
          "natpolicy",
          "The flow log's `vpc_id` equals the VPC's id: AWS records that VPC's traffic whatever wrote the id.",
          "flow_literal_vpc_id.json", (("flow:vpc", "aws_vpc.main"),), _flow_by_id),
    Cause("ckv-flow-module-output", "Checkov #3871: a flow log that names a module's VPC through its output",
          "natpolicy",
          "The flow log's `vpc_id` refers to `module.network.vpc_id`, an output that is the module's VPC id; "
          "Checkov's graph has no edge through the module output.",
          "flow_module_output.json", (("flow:vpc", "module.network.aws_vpc.this"),), _flow_by_module_output),
)
CAUSES += (
    Cause("ckv8-unset-block-unknown", "Checkov CKV_AWS_8 scores a block without `encrypted` UNKNOWN (not reported)",
          "natpolicy",
          "A root or EBS block that does not set `encrypted`, in an account without default encryption, is created "
          "unencrypted unless the AMI's snapshot is encrypted (hence EBS002's medium precision). Checkov drops the "
          "result, so nothing is reported.",
          "ebs_root_encrypted_unset.json", (("ebs:inst", "aws_instance.web"),), _unset_block),
    Cause("ckv-planned-values-only", "Checkov reads resources from `planned_values` only", "natpolicy",
          "`resource_changes` is the plan's list of changes; a resource missing from `planned_values` (trimmed or "
          "hand-edited plans) is never checked by Checkov.",
          "planned_values_trimmed.json", tuple((q, "aws_security_group.only_in_changes") for q in ("sg:22",)),
          _planned_values_only),
    Cause("ckv-unknown-judged", "Checkov judges a value known only at apply as missing (plan) or open (HCL)",
          "natpolicy",
          "Checkov drops `after_unknown` values (and leaves unset variables unresolved) and then fails the resource. "
          "natpolicy never reports a value Terraform will only know at apply: it could be compliant. When the plan's "
          "configuration shows the attribute is simply not set, natpolicy does judge it as unset.",
          "ebs_unknown_encrypted.json", (("ebs:vol", "aws_ebs_volume.data"),), _unknown_judged),
    Cause("ckv-hcl-unevaluated-expression", "Checkov leaves count/for_each/module expressions unevaluated (HCL)",
          "natpolicy",
          "natpolicy evaluates `count.index` conditionals, `for`/`flatten`, `lookup`/`try` and module inputs per "
          "instance; Checkov keeps the raw expression and misses the open rule it yields.",
          "hcl_count_expression", (("sg:all", "aws_security_group.debug"),), _hcl_unevaluated),
    Cause("ckv-hcl-zero-instances", "Checkov judges a block whose count/for_each is empty (HCL)", "natpolicy",
          "With `create = false` the module's `for_each` map is empty: Terraform creates nothing, so there is "
          "nothing to report.",
          "hcl_count_zero_module", (("ebs:vol", "module.disabled.aws_ebs_volume.this"),), _hcl_zero_instances),
    Cause("natpolicy-reversed-port-range", "natpolicy bug (reported): a reversed TCP range is read as a range",
          "checkov",
          "AWS rejects `from_port = 443, to_port = 22` for TCP, so the rule never exists; natpolicy swaps the ends "
          "and reports 22-443 as open. Harmless (apply fails anyway) but a false positive.",
          "sg_reversed_range.json", (("sg:22", "aws_security_group.reversed"), ("sg:80", "aws_security_group.reversed")),
          _reversed_range),
)
CAUSE_BY_ID = {c.id: c for c in CAUSES}


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
        ctx = Ctx(model, item.hcl, None if item.hcl else _planned_addresses(item.path))
        keys = set(nat.verdicts) | set(theirs.verdicts)
        for key in sorted(keys):
            mine, other = nat.verdicts.get(key), theirs.verdicts.get(key)
            if bool(mine) == bool(other):
                outcome.agreements[key[0]] += 1
                if mine:
                    outcome.agree_fail[key[0]] += 1
                continue
            row = Row(item.label, key[0], key[1], other, mine)
            res = _resource(model, key[1])
            cause = next((c.id for c in CAUSES if c.applies(row, res, ctx)), None)
            outcome.rows.append(Row(row.input, row.question, row.address, other, mine, cause))
    return outcome


def _planned_addresses(path: Path) -> frozenset[str] | None:
    from natpolicy.loaders.plan_text import load_document

    try:
        _, doc = load_document(str(path))
    except Exception:  # unreadable: no classifier needs it then
        return None
    found: set[str] = set()
    stack = [((doc.get("planned_values") or {}).get("root_module") or {})] if isinstance(doc, dict) else []
    while stack:
        module = stack.pop()
        found.update(r.get("address") for r in module.get("resources") or () if isinstance(r, dict))
        stack.extend(c for c in module.get("child_modules") or () if isinstance(c, dict))
    return frozenset(a for a in found if isinstance(a, str))


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
        lines.append(f"- `{cause.id}` ({cause.right} is right): {cause.why}")
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
    if not checkov_available():
        ensure_checkov()
    items = inputs(args.set)
    outcome = compare(items)
    what = ("fixtures/parity, fixtures/plans, fixtures/hcl, ../shared/corpus/plans and checkov-plans"
            if args.set == "full" else "fixtures/parity, fixtures/plans and ../shared/corpus/checkov-plans")
    body = markdown(outcome, what)
    print(body)
    if args.write:
        replace_block(BENCH / "PARITY.md", "parity.py", body)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in outcome.rows], indent=2), encoding="utf-8")
    return 1 if outcome.undocumented else 0


if __name__ == "__main__":
    raise SystemExit(main())
