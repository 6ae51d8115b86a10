#!/usr/bin/env python3
"""Instructions per phase of one ``natpolicy check PLAN --format sarif --output FILE`` run, under callgrind.

    python benchmarks/phase_counts.py benchmarks/out/plan-10000-….json [--pythonpath DIR]

Wall time on a shared 2-CPU host moves by more than a pass changes the code;
instruction counts do not. This runs the real CLI under ``valgrind --tool=callgrind
--dump-before=getppid`` (``PYTHONHASHSEED=0``, after one run that writes the
``.pyc`` files) with wrappers that call ``os.getppid()`` between the phases, so
callgrind writes one count per phase, and prints them. The rules run one at a
time (a family's shared index counts in the first rule that asks for it); every
other step is the CLI's own. The wrappers add about 20 M to a 10k run.
``--pythonpath`` measures another install (``pip install --no-deps --target DIR``).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARK = "@@phase "


def _mark(label: str) -> None:
    os.getppid()  # callgrind dumps the counts so far on entry to getppid
    os.write(2, f"{MARK}{label}\n".encode())


def _around(owner: Any, name: str, label: str, before: str = "(between)") -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _mark(before)
        result = original(*args, **kwargs)
        _mark(label)
        return result

    setattr(owner, name, wrapper)


def _instrumented_run(argv: list[str]) -> None:
    """The child: the CLI with a mark between the phases."""
    import natpolicy.cli as cli

    _mark("interpreter and the CLI's imports")
    from natpolicy import app, call_sites, runner, suppressions
    from natpolicy.check import Note, ResourceCheck
    from natpolicy.findings import Finding
    from natpolicy.loaders import inputs, plan_fast, plan_json
    from natpolicy.outputs import redaction

    _around(plan_json, "read_bytes", "read the file", "configuration, rule registry, loader imports")
    _around(plan_fast, "decode", "msgspec decode")
    _around(plan_fast.FastPlan, "change_resources", "resources from resource_changes")
    _around(plan_json, "_add_unchanged", "prior_state resources")
    _around(plan_json, "finish_resources", "configuration join, shape checks, plan lines")
    _around(inputs, "_model_of", "the model's indexes")
    _around(suppressions, "apply_to_result", "suppressions")
    _around(call_sites, "move_to_call_sites", "call sites")
    _around(redaction, "redact_result", "credential redaction")
    render = app.render

    def rendered(result: Any, fmt: str, opts: Any) -> str:
        _mark("(between)")
        text = render(result, fmt, opts)
        _mark(f"render {fmt}")
        return text

    app.render = rendered

    def by_rule(model: Any, checks: Any) -> Any:  # runner._run, one rule at a time
        checks = list(checks)
        _mark("(between)")
        raw: list[tuple[Any, Any, Any]] = []
        notes: dict[str, None] = {}
        for check in checks:
            if isinstance(check, ResourceCheck):
                # Skipped, as the runner skips them (an install from before ``quiet_resources`` skips none).
                quiet_of = getattr(check, "quiet_resources", None)
                quiet = (quiet_of(model) if quiet_of is not None else None) or {}
                found = [(v, r) for t in check.supported_types for r in model.of_type(t)
                         if r.mode == "managed" and r.exists_after
                         and (quiet.get(id(r)) or (None, None))[0] is not r for v in check.scan(r, model)]
            else:
                found = [(v, v.resource) for v in check.scan(model)]
            for violation, resource in found:
                if isinstance(violation, Note):
                    notes.setdefault(violation.text, None)
                else:
                    raw.append((check, violation, violation.resource or resource))
            _mark(f"rule {check.id}")
        scrub = runner.Scrubber(model)
        findings = runner._dedupe([runner._finding(c, v, r, scrub) for c, v, r in raw])  # noqa: SLF001
        findings.sort(key=Finding.sort_key)
        _mark(f"{len(findings)} findings: scrubber, dedupe, sort")
        return runner.RunResult(findings=findings, checks=checks, resources=len(model), errors=[],
                                rule_notes=list(notes))

    runner._run = by_rule  # noqa: SLF001
    sys.argv = ["natpolicy", *argv]
    cli.run()


def _counts(err: Path, prefix: Path) -> list[tuple[str, int]]:
    labels = [line[len(MARK):].rstrip("\n") for line in err.read_text().splitlines(keepends=True)
              if line.startswith(MARK)]
    dumps = sorted((int(p.name.rsplit(".", 1)[1]), p) for p in prefix.parent.glob(prefix.name + ".*.*"))
    last = [p for p in prefix.parent.glob(prefix.name + ".*") if re.fullmatch(r".*\.\d+", p.name)
            and not re.fullmatch(r".*\.\d+\.\d+", p.name)]
    rows = [(labels[i] if i < len(labels) else "?", _total(p)) for i, (_, p) in enumerate(dumps)]
    return rows + [("the last report, exit", _total(last[0]))]


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _instrumented_run(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan")
    parser.add_argument("--pythonpath", help="measure the natpolicy installed here")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONHASHSEED"] = "0"
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        child = [sys.executable, __file__, "--child", "check", args.plan, "--format", "sarif", "--output",
                 str(out / "plan.sarif"), "--no-progress"]
        subprocess.run(child, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # .pyc
        prefix = out / "cg"
        with open(out / "err", "wb") as err:
            subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=getppid",
                            f"--callgrind-out-file={prefix}.%p", *child], env=env, stdout=subprocess.DEVNULL,
                           stderr=err, check=False)
        rows = _counts(out / "err", prefix)
    total = sum(count for _, count in rows)
    for label, count in rows:
        if count < 100_000:
            continue  # the steps between the marked ones
        print(f"{count / 1e6:10.1f} M {100 * count / total:5.1f} %  {label}")
    print(f"{total / 1e6:10.1f} M          total")


if __name__ == "__main__":
    main()
