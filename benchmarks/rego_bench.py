#!/usr/bin/env python3
"""Rego engines side by side on one generated plan: regorus vs regopy, in the same run.

    python benchmarks/rego_bench.py [--size 10000] [--runs 3] [--no-twins] [--write]

Whole ``natpolicy check PLAN --format json -q`` runs as subprocesses, for each
installed engine (``--rego-engine``):

* no policy: the built-in Python rules only (no Rego at all; the baseline);
* one rule: a user policy with one ``deny`` rule (an EC2 instance without an
  Owner tag), the common conftest case;
* 6,000 results: a policy whose one rule reports 6,000 resources (every
  result goes through the child's answer, the findings and the JSON report);
* builtin calls: a rule handing plan values to ``startswith``, ``object.get``,
  ``count`` and ``lower`` (a deleted resource's ``after`` is null), in OPA's default
  mode for builtin errors, which guards each such operand (``natpolicy.rego.builtin_errors``),
  and with ``--strict-builtin-errors`` (no guards; regorus only: regopy cannot hold it);
* twins: ``--engine rego``, the built-in rules as their Rego twins.

The runs are interleaved: each of ``--runs`` rounds runs the baseline and
every case once, so a change in the machine's load touches every cell alike.
Each cell is the median wall seconds and CPU seconds (user + system of
natpolicy and its Rego child, from ``RUSAGE_CHILDREN``), each as a ratio to
the no-policy run; the load average is recorded before and after, since the
machine is shared. Goal (issue 17): one rule <= 2x, 6,000 results <= 3x on
regorus. ``--write`` puts the tables into ``benchmarks/RESULTS-rego.md``
(between its ``<!-- bench -->`` markers, keeping the text around them).
Speed is measured here, never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import os
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
BUILTIN_CALLS = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	startswith(rc.type, "aws_inst")
	tags := object.get(rc.change.after, "tags", {})
	count(object.keys(tags)) < 2
	not startswith(lower(object.get(tags, "Owner", "")), "team-")
	msg := sprintf("%s has no team owner", [rc.address])
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


Cells = dict[tuple[str, str], dict[str, float]]
BASE = ("no policy", "")


def measure(size: int, runs: int, engines: list[str], twins: bool) -> tuple[dict[str, float], Cells]:
    plan = plan_file(size)
    builtin_calls = ["--policy", str(policy_dir("builtins", BUILTIN_CALLS))]
    cases = {"one rule": ["--policy", str(policy_dir("one", ONE_RULE))],
             "6,000 results": ["--policy", str(policy_dir("many", MANY_RESULTS))],
             "builtin calls, OPA's default mode (guarded)": builtin_calls,
             "builtin calls, `--strict-builtin-errors`": [*builtin_calls, "--strict-builtin-errors"]}
    if twins:
        cases["twins (`--engine rego`)"] = ["--engine", "rego"]
    samples: dict[tuple[str, str], list[tuple[float, float, int, int]]] = {}
    for round_ in range(runs):
        # Interleaved: the baseline and every case once per round, so all see the same load.
        samples.setdefault(BASE, []).append(run_once(plan, []))
        for case, extra in cases.items():
            for engine in engines:
                if engine == "regopy" and "--strict-builtin-errors" in extra:
                    continue  # refused before anything runs: regopy cannot stop on a failing builtin
                samples.setdefault((case, engine), []).append(run_once(plan, [*extra, "--rego-engine", engine]))
                print(f"round {round_ + 1}: {case} / {engine}: {samples[(case, engine)][-1]}", file=sys.stderr)
    cells = {key: {"wall": statistics.median(r[0] for r in rs), "cpu": statistics.median(r[1] for r in rs),
                   "code": rs[-1][2], "findings": rs[-1][3]} for key, rs in samples.items()}
    base = cells.pop(BASE)
    return base, cells


def table(size: int, base: dict[str, float], cells: Cells, engines: list[str]) -> str:
    def cell(r: dict[str, float] | None) -> str:
        if r is None:
            return "refused (needs an engine that stops)"
        if r["code"] == 2:
            return f"exit 2 after {r['wall']:.1f} s ({r['cpu']:.1f} s CPU)"
        return (f"{r['wall']:.2f} s, **{r['wall'] / base['wall']:.2f}x** wall; "
                f"{r['cpu']:.2f} s CPU, **{r['cpu'] / base['cpu']:.2f}x**")

    lines = [f"| {size:,}-resource plan | " + " | ".join(engines) + " |",
             "|---|" + "---|" * len(engines),
             f"| no policy (Python rules only) | {base['wall']:.2f} s wall; {base['cpu']:.2f} s CPU (= 1x)"
             + " | same run" * (len(engines) - 1) + " |"]
    for case in dict.fromkeys(c for c, _ in cells):
        lines.append(f"| {case} | " + " | ".join(cell(cells.get((case, e))) for e in engines) + " |")
    lines.append("")
    lines.append("| findings reported | " + " | ".join(engines) + " |")
    lines.append("|---|" + "---|" * len(engines))
    lines.append(f"| no policy | {int(base['findings'])}" + " | same run" * (len(engines) - 1) + " |")
    for case in dict.fromkeys(c for c, _ in cells):
        lines.append(f"| {case} | " + " | ".join(str(int(cells[(case, e)]["findings"])) if (case, e) in cells
                                                 else "-" for e in engines) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-twins", action="store_true", help="leave out the --engine rego row")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    # As run.py: with this exported, every measured run would compile natpolicy's modules again, and the
    # policy runs more of them (the Rego package) than the no-policy run they are divided by.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.path.insert(0, str(HERE.parent))
    from natpolicy.rego.engines import installed_engines

    engines = [e for e in ("regorus", "regopy") if e in installed_engines()]
    load_before = os.getloadavg()
    base, cells = measure(args.size, args.runs, engines, not args.no_twins)
    load_after = os.getloadavg()
    text = table(args.size, base, cells, engines)
    load = (f"Load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load_before)} before the run and "
            f"{', '.join(f'{x:.2f}' for x in load_after)} after it, on {os.cpu_count()} CPUs.")
    print(text + "\n\n" + load)
    if args.write:
        from importlib import metadata

        versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("gordon-to-regorus", "regopy")
                             if _installed(d))
        block = (f"`python benchmarks/rego_bench.py --runs {args.runs}{' --no-twins' if args.no_twins else ''} "
                 f"--write` (median of {args.runs} interleaved rounds; Python {platform.python_version()}, "
                 f"{versions}, {platform.machine()}).\n\n{text}\n\n{load}\n")
        results = HERE / "RESULTS-rego.md"
        current = results.read_text(encoding="utf-8") if results.is_file() else ""
        start, end = "<!-- bench -->\n", "<!-- /bench -->\n"
        if start in current and end in current:
            current = current[:current.index(start) + len(start)] + block + current[current.index(end):]
        else:
            current = f"# Rego benchmark: regorus vs regopy\n\n{start}{block}{end}"
        results.write_text(current, encoding="utf-8")
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
