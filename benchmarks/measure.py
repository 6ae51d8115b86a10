"""Wall time and peak RSS of one child process, and a description of the machine.

Peak memory comes from ``os.wait4``, which returns the resource usage of the
one child just reaped: unlike ``getrusage(RUSAGE_CHILDREN)`` (a maximum over
every child so far) it is exact per run, and it needs no ``/usr/bin/time``.
"""
from __future__ import annotations

import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
OUT = BENCH / "out"  # generated plans and reports; gitignored
# Where benchmarks/checkov-env keeps Checkov's venv: the user's cache, never the checkout (300 MB).
CHECKOV_VENV = Path(os.environ.get("NATPOLICY_CHECKOV_VENV") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "natpolicy" / "checkov-3.3.30")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    rss_mib: float  # peak resident set size of the child
    code: int
    timed_out: bool = False
    cpu: float = 0.0  # user + system seconds of the child: what a load spike on a shared host inflates least


def run_once(cmd: Sequence[str], *, timeout: float | None = None, cwd: Path | None = None,
             stdout: Path | None = None) -> Sample:
    """Run ``cmd`` to completion; its stdout goes to ``stdout`` (or nowhere)."""
    # stderr goes to a file, not a pipe: a chatty child (Checkov logs a lot)
    # would fill a pipe nobody reads while we wait, and hang.
    with tempfile.TemporaryFile() as err_file, \
            (open(stdout, "wb") if stdout else open(os.devnull, "wb")) as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=sink, stderr=err_file, cwd=cwd)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Sample(time.perf_counter() - start, _mib(usage.ru_maxrss), -9, timed_out=True)
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.strip()[-500:]}")
    return Sample(wall, _mib(usage.ru_maxrss), proc.returncode, cpu=usage.ru_utime + usage.ru_stime)


def _mib(maxrss: int) -> float:
    # Linux reports KiB, macOS bytes.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def median_of(samples: Sequence[Sample]) -> tuple[float, float]:
    return statistics.median(s.wall for s in samples), max(s.rss_mib for s in samples)


def median_cpu(samples: Sequence[Sample]) -> float:
    return statistics.median(s.cpu for s in samples)


def natpolicy_head(python: str = sys.executable) -> list[str]:
    """How a user starts natpolicy under ``python``: the console script beside it if present."""
    script = Path(python).with_name("natpolicy")
    return [str(script)] if script.is_file() else [python, "-m", "natpolicy"]


def natpolicy_cmd(plan: Path, sarif: Path, python: str = sys.executable) -> list[str]:
    """The command a user runs, through the installed console script if present."""
    return [*natpolicy_head(python), "check", str(plan), "--format", "sarif", "--output", str(sarif)]


def install_kind(python: str = sys.executable) -> str:
    """``editable`` or ``regular``: how natpolicy is installed for ``python`` (PEP 610's direct_url.json).

    An editable install puts setuptools' finder in a ``.pth`` file, which imports ``pathlib``, ``re`` and
    ``urllib.parse`` as the interpreter starts and adds a lookup to the package's import, so the two kinds
    of install are timed apart.
    """
    probe = ("import importlib.metadata as m, json; t = m.distribution('natpolicy').read_text('direct_url.json'); "
             "print('editable' if t and json.loads(t).get('dir_info', {}).get('editable') else 'regular')")
    # Run from / so that a checkout's own ``natpolicy.egg-info`` (found through the current directory) is not read.
    got = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd="/")
    return got.stdout.strip() or "unknown"


def checkov_cmd(plan: Path) -> list[str]:
    return [str(CHECKOV_VENV / "bin" / "checkov"), "-f", str(plan), "--framework", "terraform_plan",
            "-o", "json", "--quiet", "--skip-download"]


def generate(n: int, *, seed: int = 1, nat_deletions: int = 0, modules: int = 0) -> Path:
    """Generate (or reuse) a compact plan of about ``n`` resources under ``benchmarks/out``."""
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = (f"-nat{nat_deletions}" if nat_deletions else "") + (f"-m{modules}" if modules else "")
    # The generator's own hash in the name: a changed generator never reuses a stale plan.
    tag = hashlib.sha1((BENCH / "generate_plan.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"plan-{n}-s{seed}{suffix}-{tag}.json"
    if not path.is_file():
        cmd = [sys.executable, str(BENCH / "generate_plan.py"), str(n), "-o", str(path), "--seed", str(seed)]
        if nat_deletions:
            cmd += ["--nat-deletions", str(nat_deletions)]
        if modules:
            cmd += ["--modules", str(modules)]
        subprocess.run(cmd, check=True)
    return path


def machine() -> dict[str, str]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu,
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}"}


def natpolicy_version() -> str:
    from natpolicy import __version__

    return __version__


def checkov_version() -> str | None:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if not exe.is_file():
        return None
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


def replace_block(path: Path, name: str, body: str) -> None:
    """Write ``body`` between ``<!-- NAME -->`` and ``<!-- /NAME -->`` in ``path``."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")
