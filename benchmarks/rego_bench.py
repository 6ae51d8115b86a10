#!/usr/bin/env python3
"""Rego engines side by side on one generated plan: regorus vs regopy, in the same run.

    python benchmarks/rego_bench.py [--size 10000] [--runs 3] [--write]

Whole ``natpolicy check PLAN --format json -q`` runs as subprocesses, median
of ``--runs``, for each installed engine (``--rego-engine``):

* no policy: the built-in Python rules only (no Rego at all; the baseline);
* one rule: a user policy with one ``deny`` rule (an EC2 instance without an
  Owner tag), the common conftest case;
* 6,000 results: a policy whose one rule reports 6,000 resources (every
  result goes through the child's answer, the findings and the JSON report);
* twins: ``--engine rego``, the built-in rules as their Rego twins.

Each cell is wall seconds and the CPU seconds (user + system) of natpolicy
and its Rego child; the ratio is wall time over the no-policy run. Goal
(issue 17): one rule <= 2x, 6,000 results <= 3x on regorus. ``--write`` puts
the tables into ``benchmarks/RESULTS-rego.md``. Speed is measured here,
never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

ONE_RULE = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""
MANY_RESULTS = """package main

import rego.v1

deny contains msg if {
	some i, rc in input.resource_changes
	i < 6000
	msg := sprintf("%s is listed", [rc.address])
}
"""


def plan_file(size: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"plan-{size}-s1.json"
    if not path.is_file():
        subprocess.run([sys.executable, str(HERE / "generate_plan.py"), str(size), "--seed", "1", "-o", str(path)],
                       check=True)
    return path


def policy_dir(name: str, source: str) -> Path:
    directory = OUT / f"policy-{name}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policy.rego").write_text(source, encoding="utf-8")
    return directory


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(plan: Path, extra: list[str]) -> tuple[float, float, int, int]:
    """(wall s, CPU s, exit code, findings) of one natpolicy check."""
    import json

    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan), "-q", "--format", "json",
                           "--no-progress", *extra], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    findings = len(json.loads(proc.stdout)["findings"]) if proc.stdout.startswith("{") else -1
    if proc.returncode == 2:
        print(f"  exit 2: {proc.stderr.strip().splitlines()[-1][:200]}", file=sys.stderr)
    return wall, _children_cpu() - cpu, proc.returncode, findings


def median_run(plan: Path, extra: list[str], runs: int) -> dict[str, float]:
    results = [run_once(plan, extra) for _ in range(runs)]
    return {"wall": statistics.median(r[0] for r in results), "cpu": statistics.median(r[1] for r in results),
            "code": results[-1][2], "findings": results[-1][3]}


Cells = dict[tuple[str, str], dict[str, float]]


def measure(size: int, runs: int, engines: list[str]) -> tuple[dict[str, float], Cells]:
    plan = plan_file(size)
    base = median_run(plan, [], runs)
    cases = {"one rule": ["--policy", str(policy_dir("one", ONE_RULE))],
             "6,000 results": ["--policy", str(policy_dir("many", MANY_RESULTS))],
             "twins (`--engine rego`)": ["--engine", "rego"]}
    cells: Cells = {}
    for case, extra in cases.items():
        for engine in engines:  # interleaved: both engines see the same machine load
            cells[(case, engine)] = median_run(plan, [*extra, "--rego-engine", engine], runs)
            print(f"{case} / {engine}: {cells[(case, engine)]}", file=sys.stderr)
    return base, cells


def table(size: int, base: dict[str, float], cells: dict[tuple[str, str], dict[str, float]],
          engines: list[str]) -> str:
    def cell(r: dict[str, float]) -> str:
        if r["code"] == 2:
            return f"exit 2 after {r['wall']:.1f} s"
        return f"{r['wall']:.2f} s ({r['cpu']:.2f} s CPU) **{r['wall'] / base['wall']:.1f}x**"

    lines = [f"| {size:,}-resource plan | " + " | ".join(engines) + " |",
             "|---|" + "---|" * len(engines),
             f"| no policy (Python rules) | {base['wall']:.2f} s ({base['cpu']:.2f} s CPU) = 1x"
             + " |" * len(engines)]
    for case in dict.fromkeys(c for c, _ in cells):
        lines.append(f"| {case} | " + " | ".join(cell(cells[(case, e)]) for e in engines) + " |")
    lines.append("")
    lines.append("| findings reported | " + " | ".join(engines) + " |")
    lines.append("|---|" + "---|" * len(engines))
    for case in dict.fromkeys(c for c, _ in cells):
        lines.append(f"| {case} | " + " | ".join(str(int(cells[(case, e)]["findings"])) for e in engines) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    from natpolicy.rego.engines import installed_engines

    engines = [e for e in ("regorus", "regopy") if e in installed_engines()]
    base, cells = measure(args.size, args.runs, engines)
    text = table(args.size, base, cells, engines)
    print(text)
    if args.write:
        from importlib import metadata

        versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("gordon-to-regorus", "regopy")
                             if _installed(d))
        header = (
            "# Rego benchmark: regorus vs regopy\n\n"
            f"`python benchmarks/rego_bench.py --write` (median of {args.runs} runs; Python "
            f"{platform.python_version()}, {versions}, {platform.machine()}, 2 cores, a machine shared with "
            "other jobs). Plan from `benchmarks/generate_plan.py 10000 --seed 1`. Whole `natpolicy check` runs "
            "(`-q --format json --no-progress`), engines interleaved so both see the same load. Each cell: wall "
            "seconds (CPU seconds of natpolicy and its Rego child) and the ratio to the no-policy run.\n\n"
            "Goal (issue 17): on regorus, a one-rule user policy at most 2x the no-policy run, a 6,000-result "
            "policy at most 3x. The policies are in `benchmarks/rego_bench.py` (ONE_RULE, MANY_RESULTS).\n\n"
        )
        (HERE / "RESULTS-rego.md").write_text(header + text + "\n", encoding="utf-8")
    return 0


def _installed(distribution: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
