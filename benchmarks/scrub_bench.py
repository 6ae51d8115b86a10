"""Timing of the sensitive-value scrubber and the text report on hostile sizes (not a test).

    python benchmarks/scrub_bench.py

Before the head index, 100k secrets x 10k findings took 134-165 s; an 8 MB
key took 24 s in the text report (textwrap).
"""
from __future__ import annotations

import time

from natpolicy.outputs.text import wrap
from natpolicy.runner import _SecretIndex


def main() -> int:
    secrets = [f"s3cr3t-{i:07}" for i in range(100_000)]
    messages = [f"aws_security_group.sg{i} allows SSH (22/tcp) from 0.0.0.0/0 via s3cr3t-{i:07}"
                for i in range(10_000)]
    start = time.perf_counter()
    index = _SecretIndex(secrets)
    scrubbed = [index.sub(m) for m in messages]
    print(f"100k secrets x 10k messages: {time.perf_counter() - start:.2f} s ({len(scrubbed)} messages)")
    start = time.perf_counter()
    wrap("k" * 8_000_000, 80)
    print(f"wrapping an 8 MB word: {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
