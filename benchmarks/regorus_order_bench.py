"""CPU cost of ordering objects and sets as OPA on regorus (issue 17), in-process, on the 10k benchmark plan.

A one-rule policy whose only comparison is against a literal (the common case: left as it is) and one that
also sorts every resource's actions (sort rewritten to a checked function), each against the same policy
with the rewrite off; CPU time (``time.process_time``), interleaved, median of 3 rounds:

    python benchmarks/regorus_order_bench.py [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import natpolicy.rego.engine_regorus as engine_regorus  # noqa: E402
from natpolicy.rego.engines import create_engine  # noqa: E402
from rego_bench import plan_file  # noqa: E402

LITERAL = """package main

deny contains msg if {
	some i, rc in input.resource_changes
	i >= 0
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""
SORTED = LITERAL.replace("	i >= 0\n", "	sort(rc.change.actions)[0] != \"x\"\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    engine = create_engine("regorus")
    prepared = engine.prepare_input_json(plan_file(10000).read_text(encoding="utf-8"))
    times: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, policy in (("comparison against a literal", LITERAL), ("sort of every resource's actions", SORTED)):
            for label, native in (("rewritten", False), ("native", True)):
                engine_regorus._for_regorus.cache_clear()
                with mock.patch.object(engine_regorus, "order_for_regorus", side_effect=lambda s: s) if native \
                        else mock.patch.object(engine_regorus, "ORDER_REFUSED", engine_regorus.ORDER_REFUSED):
                    compiled = engine.compile({"p.rego": policy}, None, ["main/deny"])
                    start = time.process_time()
                    found = engine.evaluate(compiled, "main/deny", prepared)
                    seconds = time.process_time() - start
                times.setdefault(f"{name}, {label}", []).append(seconds)
                print(f"{name}, {label}: {seconds:.3f} s CPU, {len(found)} results", file=sys.stderr)
    for label, values in times.items():
        print(f"| {label} | {statistics.median(values):.3f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
