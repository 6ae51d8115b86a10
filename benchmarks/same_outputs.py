#!/usr/bin/env python3
"""Every report of two natpolicy installs, compared byte for byte: a speed change must not change one.

    pip install --no-deps --target /tmp/np-base <base checkout>
    pip install --no-deps --target /tmp/np-new .
    python benchmarks/same_outputs.py /tmp/np-base /tmp/np-new [--quick]

For each install and each format (``sarif``, ``text``, ``json``) it runs: the corpus plans of
``$NATPOLICY_CORPUS/plans`` or ``../shared/corpus/plans`` in one run (when there), each JSON file under
``fixtures/`` alone (plans, and files that are not plans, whose errors are compared too; ``--quick``
leaves these out) and each 10k benchmark plan in ``benchmarks/out`` (``generate_plan.py``). It
compares the exit code, stdout, stderr and the ``--output`` file. The one line a run prints when a
step is slow (``natpolicy: checking … 1.2 s``) depends on the host's load, not on the code, so it is
left out of stderr. Run it with the Python whose packages the installs need (the project's venv).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The corpus where the tests find it: NATPOLICY_CORPUS (a worktree has no ../shared beside it), else ../shared.
CORPUS = Path(os.environ.get("NATPOLICY_CORPUS") or ROOT.parent / "shared" / "corpus") / "plans"
FORMATS = ("sarif", "text", "json")
# The progress line of a slow step: its presence and its seconds follow the host's load.
_PROGRESS = re.compile("^natpolicy: [^\n]*\u2026 [0-9]+\\.[0-9] s\n".encode(), re.M)

Outcome = tuple[int, bytes, bytes, bytes]


def run(target: Path, args: list[str], output: Path) -> Outcome:
    env = dict(os.environ, PYTHONPATH=str(target), PYTHONHASHSEED="0", NO_COLOR="1", COLUMNS="120")
    proc = subprocess.run([sys.executable, "-m", "natpolicy", *args, "--output", str(output)],
                          capture_output=True, env=env, cwd=ROOT, check=False)
    try:
        written = output.read_bytes()
        output.unlink()
    except FileNotFoundError:
        written = b"<no file>"
    return proc.returncode, proc.stdout, _PROGRESS.sub(b"", proc.stderr), written


def cases(quick: bool) -> list[list[str]]:
    found: list[list[str]] = []
    corpus = sorted(str(p) for p in CORPUS.rglob("*.json")) if CORPUS.is_dir() else []
    if corpus:
        found.append(corpus)
    if not quick:
        found += [[str(p)] for p in sorted((ROOT / "fixtures").rglob("*.json"))]
    found += [[str(p)] for p in sorted((ROOT / "benchmarks" / "out").glob("plan-10000-*.json"))]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="an install of the code to compare with (pip install --target)")
    parser.add_argument("candidate", type=Path, help="an install of the changed code")
    parser.add_argument("--quick", action="store_true", help="leave out the fixture files run one by one")
    args = parser.parse_args(argv)
    different = 0
    todo = cases(args.quick)
    if not todo:  # nothing compared is no evidence that nothing differs
        print("same_outputs: no case found (no corpus, fixtures or benchmarks/out plan)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for paths in todo:
            label = paths[0] if len(paths) == 1 else f"the corpus ({len(paths)} plans in one run)"
            for fmt in FORMATS:
                command = ["check", *paths, "--format", fmt]
                old = run(args.base, command, Path(tmp, f"base.{fmt}"))
                new = run(args.candidate, command, Path(tmp, f"new.{fmt}"))
                if old != new:
                    different += 1
                    what = [name for name, a, b in zip(("exit code", "stdout", "stderr", "file"), old, new, strict=True)
                            if a != b]
                    print(f"DIFFERENT {fmt} {label}: {', '.join(what)}")
    print(f"{len(todo)} cases x {len(FORMATS)} formats: {different} different")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
