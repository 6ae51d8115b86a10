#!/usr/bin/env python3
"""natpolicy and Checkov 3.3.30 on the same generated plans, in one run.

    python benchmarks/compare.py [--sizes 1000,10000,50000] [--runs 5] [--checkov-runs 3,3,1]
                                 [--nat-deletions 30] [--checkov-timeout 600] [--write]

For each size: natpolicy (``check plan.json --format sarif --output ...``) and
Checkov (``-f plan.json --framework terraform_plan -o json --quiet
--skip-download``, in the venv from ``benchmarks/checkov-env``), each after
one warm-up run for natpolicy (Checkov's 10k run takes minutes, so it gets no
warm-up; the page cache is already warm from natpolicy's runs). Reports the
median wall time, the peak RSS, and the ratios. A Checkov run that exceeds
``--checkov-timeout`` is killed and reported as not finished.

Also counts what each tool reports per family against what the generator
injected, on a plan of the first size with ``--nat-deletions`` NAT gateways
deleted without replacement (``--stats`` numbers), so speed is never bought
with missed findings and the NAT rows count something.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    BENCH,
    OUT,
    Sample,
    checkov_cmd,
    checkov_version,
    generate,
    machine,
    median_of,
    natpolicy_cmd,
    natpolicy_version,
    replace_block,
    run_once,
)

GOAL_SPEEDUP = 50.0
GOAL_MEMORY = 10.0


def natpolicy_samples(plan: Path, runs: int) -> list[Sample]:
    cmd = natpolicy_cmd(plan, OUT / (plan.stem + ".sarif"))
    run_once(cmd)
    return [run_once(cmd) for _ in range(runs)]


def checkov_samples(plan: Path, runs: int, timeout: float) -> list[Sample]:
    out = OUT / (plan.stem + ".checkov.json")
    samples: list[Sample] = []
    for _ in range(runs):
        sample = run_once(checkov_cmd(plan), timeout=timeout, stdout=out, cwd=OUT)
        samples.append(sample)
        if sample.timed_out:
            break
    return samples


def checkov_failures(plan: Path) -> Counter[str]:
    out = OUT / (plan.stem + ".checkov.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    reports = data if isinstance(data, list) else [data]
    return Counter(c["check_id"] for r in reports for c in r.get("results", {}).get("failed_checks", []))


def natpolicy_failures(plan: Path) -> Counter[str]:
    sarif = json.loads((OUT / (plan.stem + ".sarif")).read_text(encoding="utf-8"))
    return Counter(r["ruleId"] for r in sarif["runs"][0]["results"])


def family_counts(n: int, seed: int, nat_deletions: int,
                  timeout: float) -> tuple[Counter[str], Counter[str], dict[str, int]]:
    """natpolicy's and Checkov's findings per rule on one plan, and what the generator injected."""
    import generate_plan

    plan = generate(n, seed=seed, nat_deletions=nat_deletions)
    run_once(natpolicy_cmd(plan, OUT / (plan.stem + ".sarif")))
    sample = run_once(checkov_cmd(plan), timeout=timeout, stdout=OUT / (plan.stem + ".checkov.json"), cwd=OUT)
    _, stats = generate_plan.generate(n, seed, nat_deletions=nat_deletions)
    checkov = Counter[str]() if sample.timed_out else checkov_failures(plan)
    return natpolicy_failures(plan), checkov, generate_plan.expected_findings(stats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5, help="natpolicy runs per size")
    parser.add_argument("--checkov-runs", default="3,3,1", help="Checkov runs per size, in --sizes order")
    parser.add_argument("--nat-deletions", type=int, default=30,
                        help="NAT gateways deleted without replacement in the plan the findings are counted on")
    parser.add_argument("--checkov-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ck_runs = [int(s) for s in args.checkov_runs.split(",") if s]
    ck_runs += [ck_runs[-1] if ck_runs else 1] * (len(sizes) - len(ck_runs))
    version = checkov_version()
    if version is None:
        print("Checkov's venv is missing: run benchmarks/checkov-env first", file=sys.stderr)
        return 2

    lines = ["| resources | plan | natpolicy wall | natpolicy RSS | Checkov wall | Checkov RSS | faster "
             "| less memory |",
             "|---|---|---|---|---|---|---|---|"]
    verdicts: list[str] = []
    for n, runs in zip(sizes, ck_runs, strict=False):
        plan = generate(n, seed=args.seed)
        nat_wall, nat_rss = median_of(natpolicy_samples(plan, args.runs))
        ck = checkov_samples(plan, runs, args.checkov_timeout)
        size = f"{plan.stat().st_size / 1e6:.1f} MB"
        if ck and ck[-1].timed_out:
            lines.append(f"| {n:,} | {size} | {nat_wall:.2f} s | {nat_rss:.0f} MiB | did not finish in "
                         f"{args.checkov_timeout:.0f} s | > {ck[-1].rss_mib:.0f} MiB "
                         f"| > {ck[-1].wall / nat_wall:.0f}× | "
                         f"> {ck[-1].rss_mib / nat_rss:.1f}× |")
            continue
        ck_wall, ck_rss = median_of(ck)
        speed, memory = ck_wall / nat_wall, ck_rss / nat_rss
        lines.append(f"| {n:,} | {size} | {nat_wall:.2f} s | {nat_rss:.0f} MiB | {ck_wall:.1f} s ({len(ck)} run"
                     f"{'s' if len(ck) > 1 else ''}) | {ck_rss:.0f} MiB | {speed:.0f}× | {memory:.1f}× |")
        if n == 10000:
            good = speed >= GOAL_SPEEDUP and memory >= GOAL_MEMORY
            verdicts.append(f"- 10k goal (≥ {GOAL_SPEEDUP:.0f}× faster, ≤ 1/{GOAL_MEMORY:.0f} of the memory): "
                            f"{speed:.0f}× and 1/{memory:.1f}: **{'met' if good else 'MISSED'}**")
    host = machine()
    body = [
        f"natpolicy {natpolicy_version()} and Checkov {version}, Python {host['python']}, "
        f"{host['nproc']} CPUs ({host['cpu']}), {host['memory']} RAM, {host['os']}. Plans from "
        f"`generate_plan.py N --seed {args.seed}` (compact). natpolicy: median of "
        f"{args.runs} runs after a warm-up; Checkov: median of the runs shown.",
        "",
        *lines,
        "",
        *verdicts,
    ]
    if sizes:
        nat, ck, expected = family_counts(sizes[0], args.seed, args.nat_deletions, args.checkov_timeout)
        body += [
            "",
            f"What each tool reported on the {sizes[0]:,}-resource plan with {args.nat_deletions} NAT gateways "
            f"deleted without replacement (`--nat-deletions {args.nat_deletions}`), against what the generator "
            "injected:",
            "",
            "| family | injected | natpolicy | Checkov |",
            "|---|---|---|---|",
            f"| all traffic open | {expected['SG001']} | SG001: {nat['SG001']} | CKV_AWS_277: {ck['CKV_AWS_277']} |",
            f"| SSH/RDP open (admin ports) | {expected['SG002']} | SG002: {nat['SG002']} | CKV_AWS_24 + 25: "
            f"{ck['CKV_AWS_24'] + ck['CKV_AWS_25']} |",
            f"| unencrypted EBS volume | {expected['EBS001']} | EBS001: {nat['EBS001']} | "
            f"CKV_AWS_3: {ck['CKV_AWS_3']} |",
            f"| unencrypted instance root | {expected['EBS002']} | EBS002: {nat['EBS002']} | "
            f"CKV_AWS_8: {ck['CKV_AWS_8']} |",
            f"| unencrypted launch template | {expected['EBS003']} | EBS003: {nat['EBS003']} | (no check) |",
            f"| VPC without flow log | {expected['FLOW001']} | FLOW001: {nat['FLOW001']} | CKV2_AWS_11: "
            f"{ck['CKV2_AWS_11']} |",
            f"| NAT deleted, nothing replaces it | {expected['NAT001']} | NAT001: {nat['NAT001']} | no check "
            f"(CKV2_AWS_19 \"EIP attached\", a side effect when the EIP stays: {ck['CKV2_AWS_19']}) |",
            f"| NAT replaced destroy-before-create | {expected['NAT002']} | NAT002: {nat['NAT002']} | (no check) |",
        ]
    text = "\n".join(body)
    print(text)
    if args.write:
        replace_block(BENCH / "RESULTS.md", "compare.py", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
