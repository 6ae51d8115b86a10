#!/usr/bin/env python3
"""Rego cost next to the Python rules, at 1k and 10k resources.

    python benchmarks/rego_bench.py [--sizes 1000 10000] [--runs 3] [--write]

For each generated plan (``benchmarks/generate_plan.py``, seed 1), measured
in-process, median of ``--runs``:

* load: ``load_inputs`` (parse + model), the common start of every run;
* python rules: the built-in Python checks on the model;
* input conversion: the plan JSON into regopy's input, done once per plan;
* user policy: the conftest-style example ``fixtures/rego/policy`` (compile +
  evaluate, input already converted);
* twins: all Rego twins (compile + evaluate), and each family alone;

and end to end as subprocesses: ``natpolicy check`` with the Python rules,
with ``--engine rego``, and with ``--policy fixtures/rego/policy``.
``--write`` puts the table into ``benchmarks/RESULTS-rego.md``. Speed is
measured here, never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
POLICY = ROOT / "fixtures" / "rego" / "policy"


def plan_file(size: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"plan-{size}-s1.json"
    if not path.is_file():
        subprocess.run([sys.executable, str(HERE / "generate_plan.py"), str(size), "--seed", "1", "-o", str(path)],
                       check=True)
    return path


def median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(size: int, runs: int) -> dict[str, Any]:
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.loaders.plan_text import load_document
    from natpolicy.rego.engine import RegopyEngine
    from natpolicy.rego.evaluate import PolicySet, Progress
    from natpolicy.rego.loading import load_policy_paths
    from natpolicy.rego.conftest import select_queries
    from natpolicy.rego.twins import Twins
    from natpolicy.runner import _Scrubber, run

    path = plan_file(size)
    engine = RegopyEngine()
    checks = registry.instantiate(registry.discover())
    row: dict[str, Any] = {"size": size}
    row["load"], model = median(lambda: load_inputs([str(path)]), runs)
    row["resources"] = len(model)
    row["python"], result = median(lambda: run(model, checks), runs)
    row["findings"] = len(result.findings)
    _, doc = load_document(str(path))
    row["convert"], prepared = median(lambda: engine.prepare_input(doc), runs)

    policies = load_policy_paths([str(POLICY)])
    queries = select_queries(policies, [], False)

    def user() -> int:
        pset = PolicySet(engine, policies, queries)
        compiled = pset.compile(None)
        return sum(len(pset.evaluate(compiled, q, prepared) or []) for q in queries
                   if isinstance(pset.evaluate(compiled, q, prepared), list))

    row["user"], row["user_findings"] = median(user, runs)
    origin = model.facts["origins"][0]
    scrub = _Scrubber(model)

    def twins(families: tuple[str, ...] | None = None) -> int:
        t = Twins.load(engine, checks)
        if families:
            t.set.queries = [q for q in t.set.queries if q.package.rsplit(".", 1)[-1] in families]
        return len(t.run(model, origin, None, prepared, Progress(False, ""), scrub))

    row["twins"], row["twin_findings"] = median(lambda: twins(), runs)
    for family in ("sg", "ebs", "flow", "nat"):
        row[f"twin_{family}"], _ = median(lambda f=family: twins((f,)), runs)

    def cli(*extra: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "natpolicy", "check", str(path), "-q", "--format", "json", *extra],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    row["cli_python"] = statistics.median(cli() for _ in range(runs))
    row["cli_rego"] = statistics.median(cli("--engine", "rego") for _ in range(runs))
    row["cli_policy"] = statistics.median(cli("--policy", str(POLICY)) for _ in range(runs))
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| resources | load | Python rules | input conversion | user policy | twins (all) | sg | ebs | flow | nat "
        "| CLI python | CLI `--engine rego` | CLI `--policy` |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['resources']:,} | {r['load']:.2f} s | {r['python']:.2f} s | {r['convert']:.2f} s "
            f"| {r['user']:.2f} s | {r['twins']:.2f} s | {r['twin_sg']:.2f} | {r['twin_ebs']:.2f} "
            f"| {r['twin_flow']:.2f} | {r['twin_nat']:.2f} | {r['cli_python']:.2f} s | {r['cli_rego']:.2f} s "
            f"| {r['cli_policy']:.2f} s |")
    lines.append("")
    lines.append("| resources | findings (Python) | findings (twins) | user policy results "
                 "| twins / Python rules | `--engine rego` / Python CLI | `--policy` / Python CLI |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(
            f"| {r['resources']:,} | {r['findings']} | {r['twin_findings']} | {r['user_findings']} "
            f"| {r['twins'] / max(r['python'], 1e-9):.0f}x | {r['cli_rego'] / r['cli_python']:.1f}x "
            f"| {r['cli_policy'] / r['cli_python']:.1f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    rows = [measure(size, args.runs) for size in args.sizes]
    text = table(rows)
    print(text)
    if args.write:
        import regopy

        header = (
            "# Rego benchmark\n\n"
            "`python benchmarks/rego_bench.py --write` (median of "
            f"{args.runs} runs; Python {platform.python_version()}, regopy {regopy.__version__}, "
            f"{platform.machine()}, 2 cores). Plans from `benchmarks/generate_plan.py N --seed 1`.\n\n"
            "Columns: *load* parses the plan into the model (shared by every engine); *input conversion* turns\n"
            "the plan JSON into regopy's input once per plan; *user policy* is the conftest-style example\n"
            "`fixtures/rego/policy`; *twins* are the four Rego rule families together and alone (seconds,\n"
            "compile included). The CLI columns are whole `natpolicy check` runs as subprocesses.\n\n"
        )
        (HERE / "RESULTS-rego.md").write_text(header + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
