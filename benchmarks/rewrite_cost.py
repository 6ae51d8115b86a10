"""CPU cost of the source rewrites that make regopy and regorus answer as OPA (issue 17), on the 10k plan.

Each case evaluates one policy in-process twice per round, with its rewrite on (what natpolicy runs)
and turned off (the engine's native answer, as before the rewrite), the two interleaved; cells are
the median CPU time (``time.process_time``) of ``--runs`` rounds:

* ``regopy-order``: the input handed over with every object's keys sorted against as written, and a
  comparison run for every resource (``i >= 0``), rewritten to compare kinds first, against native;
* ``regopy-strings``: ``count`` of a string of every resource, checked for escaped text, against native;
* ``regorus-order``: a comparison against a literal (left as it is) and a ``sort`` of every
  resource's actions (rewritten to a checked function), each against the rewrite turned off;
* ``regorus-sprintf``: a ``sprintf`` of every resource, its arguments checked for a set holding true and 1,
  against the check turned off.

    python benchmarks/rewrite_cost.py [--runs 3] [--only regopy-order|regopy-strings|regorus-order|regorus-sprintf]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import natpolicy.rego.engine_regopy as engine_regopy  # noqa: E402
import natpolicy.rego.engine_regorus as engine_regorus  # noqa: E402
import natpolicy.rego.regopy_rewrite as regopy_rewrite  # noqa: E402
import natpolicy.rego.regorus_order as regorus_order  # noqa: E402
from natpolicy.rego.engines import create_engine  # noqa: E402
from rego_bench import plan_file  # noqa: E402

# ONE_RULE of rego_bench.py with one more statement that runs for every resource (a rewrite's worst case).
ONE_RULE = """package main

deny contains msg if {
	some i, rc in input.resource_changes
	EXTRA
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    engine: str
    extra: str  # the statement put into ONE_RULE
    native: Callable[[], contextlib.AbstractContextManager[Any]]  # turns the rewrite off while compiling


CASES = (
    Case("regopy-order", "one rule, comparison", "regopy", "i >= 0",
         lambda: mock.patch.object(regopy_rewrite, "comparison_edits", return_value=[])),
    Case("regopy-strings", "one rule, count", "regopy", "count(rc.type) > 0",
         lambda: mock.patch.object(regopy_rewrite, "string_call_edits", return_value=([], []))),
    Case("regorus-order", "comparison against a literal", "regorus", "i >= 0",
         lambda: mock.patch.object(engine_regorus, "order_for_regorus", side_effect=lambda s, v0=False: s)),
    Case("regorus-order", "sort of every resource's actions", "regorus", 'sort(rc.change.actions)[0] != "x"',
         lambda: mock.patch.object(engine_regorus, "order_for_regorus", side_effect=lambda s, v0=False: s)),
    Case("regorus-sprintf", "sprintf of every resource's address", "regorus", 'sprintf("%s", [rc.address]) != ""',
         lambda: mock.patch.object(regorus_order, "_sprintf_arguments", return_value=None)),
)


def _as_written(value: Any) -> Any:
    """What ``engine_regopy._escaped`` did before the keys were sorted: the order the JSON text gave."""
    if isinstance(value, str):
        return engine_regopy._escape(value)
    if isinstance(value, dict):
        return {engine_regopy._escape(k): _as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    return value


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _rounds(cases: list[Case], plan_text: str, runs: int) -> Iterator[tuple[str, float]]:
    plan = json.loads(plan_text)
    engines = {name: create_engine(name) for name in {c.engine for c in cases}}
    prepared = {name: engine.prepare_input_json(plan_text) if name == "regorus" else engine.prepare_input(plan)
                for name, engine in engines.items()}
    for name, engine in engines.items():  # a warm-up: an engine's first evaluation pays one-time costs
        engine.evaluate(engine.compile({"p.rego": ONE_RULE.replace("EXTRA", "true")}, None, ["main/deny"]),
                        "main/deny", prepared[name])
    for _ in range(runs):
        if any(c.group == "regopy-order" for c in cases):
            yield "input, keys sorted (regopy)", _cpu(lambda: engine_regopy._escaped(plan))[0]
            yield "input, keys as written (regopy)", _cpu(lambda: _as_written(plan))[0]
        for case in cases:
            for label, switch in (("rewritten", contextlib.nullcontext), ("native", case.native)):
                engine_regopy._for_regopy.cache_clear()
                engine_regorus._for_regorus.cache_clear()
                with switch():
                    compiled = engines[case.engine].compile({"p.rego": ONE_RULE.replace("EXTRA", case.extra)},
                                                            None, ["main/deny"])
                engine, given = engines[case.engine], prepared[case.engine]
                start = time.process_time()
                found = engine.evaluate(compiled, "main/deny", given)
                seconds = time.process_time() - start
                name = f"{case.label}, {label} ({case.engine})"
                print(f"{name}: {seconds:.3f} s CPU, {len(found)} results", file=sys.stderr)
                yield name, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=sorted({c.group for c in CASES}))
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.only in (None, c.group)]
    times: dict[str, list[float]] = {}
    for name, seconds in _rounds(cases, plan_file(10000).read_text(encoding="utf-8"), args.runs):
        times.setdefault(name, []).append(seconds)
    print("| case | CPU, median |\n|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.3f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
