#!/usr/bin/env python3
"""Plan decoding alone, side by side in one process: json, msgspec (typed, untyped) and pysimdjson.

    python benchmarks/decode_bench.py [--sizes 10000,50000] [--runs 5] [--write]

For each generated plan (and the corpus in ``../shared/corpus``, all plans as
one run) it times, with the cyclic GC paused as natpolicy runs:

* ``json.loads`` of the bytes: the reference decode and the yardstick;
* msgspec, untyped: the whole document into Python objects;
* msgspec, typed (``natpolicy.loaders.plan_structs``): only ``resource_changes``
  and ``configuration`` decoded, ``planned_values`` and each ``prior_state``
  resource's values left raw; then each change's ``before``/``after`` (once when
  they are the same bytes) and each distinct mask: what natpolicy does;
* pysimdjson, lazy: parse, then walk ``resource_changes`` reading each
  address and action (no values): the floor of a lazy decode;
* pysimdjson, what the model needs: the lazy walk plus ``as_dict()`` of
  every change and of ``configuration`` (the rules read whole values).

pysimdjson is not a dependency (``pip install pysimdjson`` to measure it).
``--write`` puts the table into ``benchmarks/RESULTS.md``.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, ROOT, generate, machine, replace_block  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def _json(data: bytes) -> Any:
    import json

    return json.loads(data)


def _msgspec_any(data: bytes) -> Any:
    import msgspec

    return msgspec.json.decode(data)


def _msgspec_typed(data: bytes) -> Any:
    from natpolicy.loaders import plan_structs

    plan = plan_structs.decode_plan(data)
    # The values the loader decodes from raw: before/after (once when the bytes are the same) and each distinct mask.
    masks: dict[bytes, Any] = {}
    values = []
    for rc in plan.resource_changes or ():
        change = rc.change
        before = plan_structs.decode_values(change.before) if len(change.before) else None
        after = before if change.after == change.before else (
            plan_structs.decode_values(change.after) if len(change.after) else None)
        for raw in (change.after_unknown, change.before_sensitive, change.after_sensitive):
            if len(raw) and (text := bytes(memoryview(raw))) not in masks:
                masks[text] = plan_structs.decode_mask(raw)
        values.append((before, after))
    return plan, values, masks


def _simdjson_walk(data: bytes) -> Any:
    import simdjson

    doc = simdjson.Parser().parse(data)
    count = 0
    for rc in doc.get("resource_changes") or ():
        count += len(rc["address"]) + len(rc["change"]["actions"])
    del doc
    return count


def _simdjson_model(data: bytes) -> Any:
    import simdjson

    doc = simdjson.Parser().parse(data)
    changes = [rc.as_dict() for rc in doc.get("resource_changes") or ()]
    config = doc.get("configuration")
    out = (changes, config.as_dict() if config is not None else None)
    del doc, config
    return out


METHODS: dict[str, Callable[[bytes], Any]] = {
    "json.loads": _json,
    "msgspec, untyped": _msgspec_any,
    "msgspec, typed (natpolicy)": _msgspec_typed,
    "pysimdjson, lazy walk": _simdjson_walk,
    "pysimdjson, what the model needs": _simdjson_model,
}


def _available(name: str) -> bool:
    module = "simdjson" if "simdjson" in name else "msgspec" if "msgspec" in name else "json"
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _time(fn: Callable[[bytes], Any], blobs: list[bytes]) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        for blob in blobs:
            try:
                fn(blob)
            except Exception:  # noqa: BLE001 - a plan one decoder refuses (UTF-16, big ints) costs its attempt
                pass
        return time.perf_counter() - start
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    inputs: list[tuple[str, list[bytes]]] = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        path = generate(n, seed=1)
        inputs.append((f"{n:,} resources ({path.stat().st_size / 1e6:.1f} MB)", [path.read_bytes()]))
    corpus = sorted(CORPUS.glob("**/*.json")) if CORPUS.is_dir() else []
    if corpus:
        blobs = [p.read_bytes() for p in corpus]
        inputs.append((f"corpus: {len(blobs)} plans ({sum(map(len, blobs)) / 1e6:.1f} MB)", blobs))
    methods = [m for m in METHODS if _available(m)]
    header = "| decoder | " + " | ".join(label for label, _ in inputs) + " |"
    lines = [header, "|---|" + "---:|" * len(inputs)]
    results: dict[str, list[float]] = {m: [] for m in methods}
    for _, blobs in inputs:
        # Interleaved: each round times every decoder once, so a load spike hits them all alike.
        rounds: dict[str, list[float]] = {m: [] for m in methods}
        for _ in range(args.runs):
            for m in methods:
                rounds[m].append(_time(METHODS[m], blobs))
        for m in methods:
            results[m].append(statistics.median(rounds[m]))
    base = results["json.loads"]
    for m in methods:
        cells = [f"{t:.3f} s ({t / b:.2f}x)" for t, b in zip(results[m], base, strict=True)]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    info = machine()
    body = "\n".join([
        f"Python {info['python']}, {info['nproc']} CPUs ({info['cpu']}); median of {args.runs} interleaved "
        "rounds in one process, collector paused; in parentheses: the multiple of `json.loads` in the same run.",
        "",
        *lines,
    ])
    print(body)
    if args.write:
        replace_block(BENCH / "RESULTS.md", "decode_bench.py", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
