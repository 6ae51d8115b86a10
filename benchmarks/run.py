#!/usr/bin/env python3
"""natpolicy end to end on generated plans: wall time and peak RSS, beside a bare ``json.load``.

    python benchmarks/run.py [--sizes 1000,10000,50000] [--runs 5] [--python PATH] [--write]

Each size runs ``natpolicy check plan.json --format sarif --output out.sarif``
as a subprocess (after one warm-up run that fills the page cache), and in the
same rounds, interleaved, a bare ``json.load`` of the same file in a fresh
interpreter (the yardstick) and natpolicy with the reference decoder
(``NATPOLICY_PLAN_DECODER=json``), so a load spike on a shared machine hits
all three alike. It reports medians and peak RSS and checks issue 20's goals:

* 10k resources: the whole run at most 1.0x the yardstick, peak RSS at most 150 MiB;
* 50k: time(50k) / time(10k) at most 5, peak RSS at most 400 MiB;
* ``natpolicy --version`` in at most 100 ms;

and shows the 10k plans with hundreds of NAT deletions (also as ``count``
instances of one module) and two 10k plans read with ``--jobs 1`` and ``--jobs 2``.
``--python`` runs natpolicy and the yardstick under another interpreter (a venv
where natpolicy is installed as ``pip install .`` installs it, which is what
pre-commit and CI users run; the header says which kind of install was timed).
``--write`` puts the tables into ``benchmarks/RESULTS.md``. Speed is measured
here, never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    BENCH,
    OUT,
    Sample,
    generate,
    install_kind,
    machine,
    median_cpu,
    median_of,
    natpolicy_cmd,
    natpolicy_head,
    natpolicy_version,
    replace_block,
    run_once,
)

TARGET_RATIO_10K = 1.0  # natpolicy's whole 10k run / json.load of the same file
TARGET_RSS_10K = 150.0
TARGET_SCALING = 5.0
TARGET_RSS_50K = 400.0
TARGET_VERSION = 0.1
NAT_DELETIONS = 300
YARDSTICK = "import gc, json, sys; gc.disable(); json.load(open(sys.argv[1], 'rb'))"


def generate_count_layout(n: int, *, seed: int, nat_deletions: int) -> Path:
    """Like ``measure.generate``, with ``--layout count`` (cached by the generator's hash too)."""
    OUT.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha1((BENCH / "generate_plan.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"plan-{n}-s{seed}-nat{nat_deletions}-count-{tag}.json"
    if not path.is_file():
        subprocess.run([sys.executable, str(BENCH / "generate_plan.py"), str(n), "-o", str(path), "--seed", str(seed),
                        "--nat-deletions", str(nat_deletions), "--layout", "count"], check=True)
    return path


def _with_env(env: dict[str, str], fn):  # type: ignore[no-untyped-def]
    old = dict(os.environ)
    os.environ.update(env)
    try:
        return fn()
    finally:
        os.environ.clear()
        os.environ.update(old)


def measure_side_by_side(plan: Path, runs: int, python: str, *, reference: bool = True) -> dict[str, list[Sample]]:
    """natpolicy, the yardstick and (optionally) natpolicy on the json decoder, interleaved round by round."""
    sarif = OUT / (plan.stem + ".sarif")
    cmds = {"natpolicy": natpolicy_cmd(plan, sarif, python), "json.load": [python, "-c", YARDSTICK, str(plan)]}
    envs = {"natpolicy": {}, "json.load": {}}
    if reference:
        cmds["reference decode"] = cmds["natpolicy"]
        envs["reference decode"] = {"NATPOLICY_PLAN_DECODER": "json"}
    out: dict[str, list[Sample]] = {name: [] for name in cmds}
    for name, cmd in cmds.items():  # warm-up: page cache and .pyc files
        _with_env(envs[name], lambda cmd=cmd: run_once(cmd))
    for _ in range(runs):
        for name, cmd in cmds.items():
            out[name].append(_with_env(envs[name], lambda cmd=cmd: run_once(cmd)))
    return out


def measure_version(runs: int, python: str) -> float:
    cmd = natpolicy_head(python)
    run_once([*cmd, "--version"])
    return median_of([run_once([*cmd, "--version"]) for _ in range(max(runs, 5))])[0]


def measure_jobs(plan: Path, runs: int, python: str) -> dict[int, tuple[float, float]]:
    """Two copies of ``plan`` in one run, read serially and by two workers (same output, checked)."""
    copies = [OUT / f"jobs-{i}-{plan.name}" for i in (1, 2)]
    for copy in copies:
        if not copy.is_file():
            shutil.copyfile(plan, copy)
    head = natpolicy_head(python)
    reports = {jobs: OUT / f"jobs{jobs}.json" for jobs in (1, 2)}
    cmds = {jobs: [*head, "check", *map(str, copies), "--format", "json", "--output", str(reports[jobs]),
                   "--jobs", str(jobs)] for jobs in (1, 2)}
    samples: dict[int, list[Sample]] = {1: [], 2: []}
    for cmd in cmds.values():
        run_once(cmd)
    for _ in range(runs):
        for jobs, cmd in cmds.items():
            samples[jobs].append(run_once(cmd))
    if reports[1].read_bytes() != reports[2].read_bytes():
        raise SystemExit("--jobs 2 gave a different report than --jobs 1")
    return {jobs: median_of(s) for jobs, s in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter to time natpolicy and the yardstick under (default: this one)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    # The warm-up runs write the .pyc files a user's install has; a shell exporting this would make every
    # measured run compile the changed modules again (a tenth of a second and more).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    plans: list[tuple[str, Path, int | None]] = [(f"{n:,}", generate(n, seed=args.seed), n) for n in sizes]
    if 10000 in sizes:
        plans.append((f"10,000 with {NAT_DELETIONS} NAT deletions",
                      generate(10000, seed=args.seed, nat_deletions=NAT_DELETIONS), None))
        plans.append((f"10,000 with {NAT_DELETIONS} NAT deletions, count layout",
                      generate_count_layout(10000, seed=args.seed, nat_deletions=NAT_DELETIONS), None))
    lines = [
        f"| plan | size | natpolicy (median of {args.runs}) | peak RSS | `json.load` | ratio | peak RSS | "
        "reference decode | peak RSS | CPU: natpolicy / `json.load` |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_n: dict[int, tuple[float, float, float]] = {}
    for label, plan, n in plans:
        got = measure_side_by_side(plan, args.runs, args.python, reference=n is not None and n >= 10000)
        wall, rss = median_of(got["natpolicy"])
        floor, floor_rss = median_of(got["json.load"])
        ref = (f"{median_of(got['reference decode'])[0]:.2f} s | {median_of(got['reference decode'])[1]:.0f} MiB"
               if "reference decode" in got else "- | -")
        cpu, floor_cpu = median_cpu(got["natpolicy"]), median_cpu(got["json.load"])
        lines.append(f"| {label} | {plan.stat().st_size / 1e6:.1f} MB | {wall:.2f} s | {rss:.0f} MiB | "
                     f"{floor:.2f} s | {wall / floor:.2f}x | {floor_rss:.0f} MiB | {ref} | "
                     f"{cpu:.2f} s / {floor_cpu:.2f} s = {cpu / floor_cpu:.2f}x |")
        if n is not None:
            by_n[n] = (wall, rss, floor)
        print(lines[-1], flush=True)

    verdicts: list[str] = []
    if 10000 in by_n:
        wall, rss, floor = by_n[10000]
        verdicts.append(f"- 10k: {wall / floor:.2f}x a bare `json.load` (goal ≤ {TARGET_RATIO_10K:.1f}x): "
                        f"**{'met' if wall / floor <= TARGET_RATIO_10K else 'MISSED'}**; peak RSS {rss:.0f} MiB "
                        f"(goal ≤ {TARGET_RSS_10K:.0f} MiB): **{'met' if rss <= TARGET_RSS_10K else 'MISSED'}**")
    if 10000 in by_n and 50000 in by_n:
        ratio = by_n[50000][0] / by_n[10000][0]
        rss = by_n[50000][1]
        verdicts.append(f"- 50k: time(50k) / time(10k) = {ratio:.2f} (goal ≤ {TARGET_SCALING:.0f}): "
                        f"**{'met' if ratio <= TARGET_SCALING else 'MISSED'}**; peak RSS {rss:.0f} MiB "
                        f"(goal ≤ {TARGET_RSS_50K:.0f} MiB): **{'met' if rss <= TARGET_RSS_50K else 'MISSED'}**")
    version = measure_version(args.runs, args.python)
    verdicts.append(f"- `natpolicy --version`: {version * 1000:.0f} ms (goal ≤ {TARGET_VERSION * 1000:.0f} ms): "
                    f"**{'met' if version <= TARGET_VERSION else 'MISSED'}**")
    if 10000 in sizes:
        jobs = measure_jobs(plans[sizes.index(10000)][1], args.runs, args.python)
        verdicts.append(f"- two 10k plans in one run: `--jobs 1` {jobs[1][0]:.2f} s ({jobs[1][1]:.0f} MiB), "
                        f"`--jobs 2` {jobs[2][0]:.2f} s ({jobs[2][1]:.0f} MiB), same report")

    info = machine()
    kind = {"editable": "an editable", "regular": "a regular (`pip install .`)"}.get(install_kind(args.python),
                                                                              "an unknown")
    body = "\n".join([
        f"natpolicy {natpolicy_version()}, Python {info['python']}, {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['memory']} RAM, {info['os']}; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "when written.",
        f"natpolicy timed as {kind} install{'' if args.python == sys.executable else ' (`--python`)'}.",
        "Command: `natpolicy check plan.json --format sarif --output plan.sarif`; yardstick: "
        "`python -c 'json.load(plan)'` (collector off); reference decode: natpolicy with "
        "`NATPOLICY_PLAN_DECODER=json`. One warm-up run each, then the rounds interleaved; wall times are "
        "medians, peak RSS the largest of the runs.",
        "",
        *lines,
        "",
        *verdicts,
    ])
    print(body)
    if args.write:
        replace_block(BENCH / "RESULTS.md", "run.py", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
