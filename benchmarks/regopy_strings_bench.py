"""CPU cost of checking strings regopy holds escaped (issue 17), in-process, on the 10k benchmark plan.

A one-rule policy calling ``count`` on a value of every resource (wrapped in the check, now) against
the same call left native (before); CPU time (``time.process_time``), interleaved, median of 3 rounds:

    python benchmarks/regopy_strings_bench.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import natpolicy.rego.engine_regopy as engine_regopy  # noqa: E402
import natpolicy.rego.regopy_rewrite as regopy_rewrite  # noqa: E402
from natpolicy.rego.engines import create_engine  # noqa: E402
from rego_bench import plan_file  # noqa: E402

# ONE_RULE of rego_bench.py with a checked call that runs for every resource (the check's worst case).
POLICY = """package main

deny contains msg if {
	some rc in input.resource_changes
	count(rc.type) > 0
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    plan = json.loads(plan_file(10000).read_text(encoding="utf-8"))
    engine = create_engine("regopy")
    prepared = engine.prepare_input(plan)
    times: dict[str, list[float]] = {"one rule, count checked": [], "one rule, count native": []}
    for _ in range(args.runs):
        for label, native in (("one rule, count checked", False), ("one rule, count native", True)):
            engine_regopy._for_regopy.cache_clear()
            with mock.patch.object(regopy_rewrite, "string_call_edits", return_value=([], [])) if native \
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
