#!/usr/bin/env python3
"""natpolicy end to end on generated plans: wall time and peak RSS.

    python benchmarks/run.py [--sizes 1000,10000,50000] [--runs 5] [--write]

Each size runs ``natpolicy check plan.json --format sarif --output out.sarif``
as a subprocess (after one warm-up run that fills the page cache), reports the
median wall time and the peak RSS, and checks the targets from issue 2:

* 10k resources in at most 1 s, peak RSS at most 300 MiB;
* time(50k) / time(10k) at most 5.5 (linear, with room for noise);
* a 10k plan with hundreds of NAT deletions stays within the same budget,
  also when every NAT gateway is a ``count`` instance of one module
  (``generate_plan.py --layout count``: ``module.vpc.aws_nat_gateway.this[i]``),
  where twins must be matched by index, not by scanning each other.

``--write`` puts the table into ``benchmarks/RESULTS.md``. Speed is measured
here, never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    BENCH,
    OUT,
    Sample,
    generate,
    machine,
    median_of,
    natpolicy_cmd,
    natpolicy_version,
    replace_block,
    run_once,
)

TARGET_WALL_10K = 1.0
TARGET_RSS_MIB = 300.0
TARGET_SCALING = 5.5
NAT_DELETIONS = 300


def generate_count_layout(n: int, *, seed: int, nat_deletions: int) -> Path:
    """Like ``measure.generate``, with ``--layout count`` (cached by the generator's hash too)."""
    OUT.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha1((BENCH / "generate_plan.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"plan-{n}-s{seed}-nat{nat_deletions}-count-{tag}.json"
    if not path.is_file():
        subprocess.run([sys.executable, str(BENCH / "generate_plan.py"), str(n), "-o", str(path), "--seed", str(seed),
                        "--nat-deletions", str(nat_deletions), "--layout", "count"], check=True)
    return path


def measure_natpolicy(plan: Path, runs: int) -> list[Sample]:
    sarif = OUT / (plan.stem + ".sarif")
    cmd = natpolicy_cmd(plan, sarif)
    run_once(cmd)  # warm-up: page cache and .pyc files
    return [run_once(cmd) for _ in range(runs)]


def measure_yardstick(plan: Path, runs: int) -> float:
    """A bare ``json.load`` of ``plan`` in a fresh interpreter: what this machine makes of the floor.

    Absolute seconds move with the hardware (this 2-core machine has run the
    same commit 2x apart on different days); natpolicy's time as a multiple
    of this yardstick, measured in the same run, does not.
    """
    cmd = [sys.executable, "-c", "import gc, json, sys; gc.disable(); json.load(open(sys.argv[1], 'rb'))", str(plan)]
    run_once(cmd)
    return median_of([run_once(cmd) for _ in range(runs)])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    rows: list[tuple[str, Path, float, float]] = []
    for n in sizes:
        plan = generate(n, seed=args.seed)
        wall, rss = median_of(measure_natpolicy(plan, args.runs))
        rows.append((f"{n:,}", plan, wall, rss))
    nat_rows = []
    if 10000 in sizes:
        plan = generate(10000, seed=args.seed, nat_deletions=NAT_DELETIONS)
        wall, rss = median_of(measure_natpolicy(plan, args.runs))
        nat_rows.append((f"10,000 with {NAT_DELETIONS} NAT deletions", plan, wall, rss))
        plan = generate_count_layout(10000, seed=args.seed, nat_deletions=NAT_DELETIONS)
        wall, rss = median_of(measure_natpolicy(plan, args.runs))
        nat_rows.append((f"10,000 with {NAT_DELETIONS} NAT deletions, count layout", plan, wall, rss))
        rows.extend(nat_rows)

    lines = [
        f"| plan | size | wall (median of {args.runs}) | peak RSS |",
        "|---|---|---|---|",
    ]
    for label, plan, wall, rss in rows:
        lines.append(f"| {label} | {plan.stat().st_size / 1e6:.1f} MB | {wall:.2f} s | {rss:.0f} MiB |")

    by_n = {n: (wall, rss) for n, (_, _, wall, rss) in zip(sizes, rows, strict=False)}  # rows ends with the NAT rows
    verdicts: list[str] = []
    ok = True
    if 10000 in by_n:
        wall, rss = by_n[10000]
        good = wall <= TARGET_WALL_10K and rss <= TARGET_RSS_MIB
        ok &= good
        verdicts.append(f"- 10k: {wall:.2f} s (target ≤ {TARGET_WALL_10K:.0f} s), {rss:.0f} MiB "
                        f"(target ≤ {TARGET_RSS_MIB:.0f} MiB): **{'met' if good else 'MISSED'}**")
    if 10000 in by_n and 50000 in by_n:
        ratio = by_n[50000][0] / by_n[10000][0]
        good = ratio <= TARGET_SCALING
        ok &= good
        verdicts.append(f"- time(50k) / time(10k) = {ratio:.2f} (target ≤ {TARGET_SCALING}): "
                        f"**{'met' if good else 'MISSED'}**")
    for label, _, wall, rss in nat_rows:
        good = wall <= TARGET_WALL_10K and rss <= TARGET_RSS_MIB
        ok &= good
        verdicts.append(f"- {label.replace('10,000', '10k')}: {wall:.2f} s, {rss:.0f} MiB: "
                        f"**{'met' if good else 'MISSED'}**")

    if 10000 in by_n:
        plan = rows[sizes.index(10000)][1]
        floor = measure_yardstick(plan, args.runs)
        verdicts.append(f"- yardstick: `python -c 'json.load(plan)'` of the 10k plan takes {floor:.2f} s on this "
                        f"machine; natpolicy's whole 10k run is {by_n[10000][0] / floor:.1f}x that")

    info = machine()
    body = "\n".join([
        f"natpolicy {natpolicy_version()}, Python {info['python']}, {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['memory']} RAM, {info['os']}.",
        "Command: `natpolicy check plan.json --format sarif --output plan.sarif` (terminal report to /dev/null), "
        "one warm-up run, then the median wall time; peak RSS is the largest of the runs.",
        "",
        *lines,
        "",
        *verdicts,
    ])
    print(body)
    if args.write:
        replace_block(BENCH / "RESULTS.md", "run.py", body)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
