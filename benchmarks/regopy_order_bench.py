"""CPU cost of what makes regopy answer OPA's order (issue 17), in-process, on the 10k benchmark plan.

(a) the input handed over with every object's keys sorted (now) against as written (before);
(b) a one-rule policy whose comparison is rewritten (now) against left native (before).
CPU time (``time.process_time``), the cases interleaved in each round, median of 3 rounds:

    python benchmarks/regopy_order_bench.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import natpolicy.rego.engine_regopy as engine_regopy  # noqa: E402
import natpolicy.rego.regopy_rewrite as regopy_rewrite  # noqa: E402
from natpolicy.rego.engines import create_engine  # noqa: E402
from rego_bench import plan_file  # noqa: E402

# ONE_RULE of rego_bench.py with a comparison that runs for every resource (the rewrite's worst case).
POLICY = """package main

deny contains msg if {
	some i, rc in input.resource_changes
	i >= 0
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""


def _as_written(value: Any) -> Any:
    """engine_regopy._escaped as it was before: keys in the order the JSON text gave them."""
    if isinstance(value, str):
        return engine_regopy._escape(value)
    if isinstance(value, dict):
        return {engine_regopy._escape(k): _as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    return value


def _cpu(fn: Any) -> tuple[float, Any]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    plan = json.loads(plan_file(10000).read_text(encoding="utf-8"))
    engine = create_engine("regopy")
    times: dict[str, list[float]] = {"input, keys sorted": [], "input, keys as written": [],
                                     "one rule, comparison rewritten": [], "one rule, comparison native": []}
    for _ in range(args.runs):
        times["input, keys sorted"].append(_cpu(lambda: engine_regopy._escaped(plan))[0])
        times["input, keys as written"].append(_cpu(lambda: _as_written(plan))[0])
        prepared = engine.prepare_input(plan)
        for label, native in (("one rule, comparison rewritten", False), ("one rule, comparison native", True)):
            engine_regopy._for_regopy.cache_clear()
            with mock.patch.object(regopy_rewrite, "comparison_edits", return_value=[]) if native \
                    else mock.patch.object(regopy_rewrite, "ORDERED", regopy_rewrite.ORDERED):
                compiled = engine.compile({"p.rego": POLICY}, None, ["main/deny"])
            start = time.process_time()
            found = engine.evaluate(compiled, "main/deny", prepared)
            seconds = time.process_time() - start
            times[label].append(seconds)
            print(f"{label}: {seconds:.3f} s CPU, {len(found)} results", file=sys.stderr)
    for label, values in times.items():
        print(f"| {label} | {statistics.median(values):.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
