"""The Rego child as a fork of natpolicy's own process (Linux): the sandbox's child without a new interpreter.

``sandbox.Spawned`` starts the child at the very beginning of a run with --policy, when natpolicy's process is
small (about 22 MB) and has one thread. A new interpreter (``python -I -c ...``) then costs about 45 ms of CPU
before the child reads its job: the interpreter's start, ``site`` and the standard library natpolicy's process has
imported already. A fork skips all of that; the child then sets itself up as the spawned one starts (what
``sandbox``'s docstring promises), before it imports anything:

* its standard streams are the three pipes, every other file descriptor is closed (``close_fds``);
* its environment is empty (``os.environ`` and the C library's, which ``opa.runtime().env`` reads), and the
  environment block the kernel shows in ``/proc/<pid>/environ`` is overwritten with zeros;
* its working directory is its own empty temporary one, and ``sys.path`` holds neither the script's directory nor
  the current one nor ``PYTHONPATH``'s entries (a ``regorus.py`` in the scanned repository is never imported), as
  ``-I`` gives the spawned child;
* signal handlers are a new interpreter's; the cyclic collector runs (natpolicy's process pauses it) on the
  child's own objects only (``gc.freeze``: the pages it shares with its parent stay shared);
* it ends with ``os._exit``, whatever happens: nothing of the parent's stack runs again in it.

Where any condition does not hold (not Linux, a second thread alive, a process already large, which the child's
resident memory would count against the memory limit), :func:`can_fork` says no and the child is spawned.
"""
from __future__ import annotations

import gc
import io
import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

__all__ = ["ForkedChild", "can_fork", "MAX_PARENT_RESIDENT"]

# A forked child's resident memory counts the pages it shares with natpolicy's process at the fork; a spawned
# child's counts its own interpreter (about 17 MB with its imports). natpolicy's process at the early spawn holds
# about 22 MB: above this bound, fork would make the memory limit noticeably stricter, so the child is spawned.
MAX_PARENT_RESIDENT = 64 * 2**20


def can_fork() -> bool:
    """Whether this process may fork its Rego child now: Linux, one thread (no lock another thread holds is
    copied), a small resident size."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1:
        return False
    try:
        if len(os.listdir("/proc/self/task")) != 1:  # native threads too (an extension's), not only Python's
            return False
        with open("/proc/self/statm", "rb") as statm:
            resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return False
    return resident <= MAX_PARENT_RESIDENT


class ForkedChild:
    """A forked child running ``natpolicy.rego.child.main``, with the part of ``subprocess.Popen``'s interface the
    sandbox uses (its pipes, ``poll``, ``wait``, ``kill``, ``communicate``)."""

    def __init__(self, engine: str, cwd: str, import_paths: list[str]) -> None:
        assert threading.active_count() == 1, "fork with another thread alive"
        self.args = ["natpolicy.rego.child", engine]  # for subprocess.TimeoutExpired's message
        self.returncode: int | None = None
        self._lock = threading.Lock()
        to_child, child_in = os.pipe()[::-1]  # (write end, read end)
        child_out, from_child = os.pipe()
        child_err, from_err = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # buffered output must not be written twice
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        try:
            pid = os.fork()
        except BaseException:  # no process (EAGAIN, ENOMEM): raised, as Popen raises it, with no descriptor left
            for end in (to_child, child_in, child_out, from_child, child_err, from_err):
                os.close(end)
            raise
        if pid == 0:  # pragma: no cover - the child: measured through its answers
            _run_child(child_in, from_child, from_err, engine, cwd, import_paths)
        self.pid = pid
        for end in (child_in, from_child, from_err):
            os.close(end)
        self.stdin: IO[bytes] = open(to_child, "wb")  # noqa: SIM115 - closed by the sandbox's feeder
        self.stdout: IO[bytes] = open(child_out, "rb")  # noqa: SIM115
        self.stderr: IO[bytes] = open(child_err, "rb")  # noqa: SIM115

    def poll(self) -> int | None:
        with self._lock:  # held only for a WNOHANG waitpid: never while blocked
            return self._reap()

    def _reap(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (never by natpolicy): its status is lost
                self.returncode = -1
            else:
                if pid == self.pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while self.poll() is None:  # polled, as Popen.wait with a timeout: a blocking waitpid would hold the lock
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(delay if deadline is None else min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.02)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        with self._lock:  # reaping waits for this: the pid cannot be reaped, and reused, before the signal
            if self._reap() is None:
                os.kill(self.pid, signal.SIGKILL)

    def communicate(self) -> tuple[bytes, bytes]:
        """Close the child's stdin, read what it wrote until it ends, and reap it (after :meth:`kill`)."""
        for pipe in (self.stdin,):
            try:
                pipe.close()
            except OSError:
                pass
        out, err = self.stdout.read(), self.stderr.read()
        self.stdout.close()
        self.stderr.close()
        self.wait()
        return out, err


# What the child keeps alive: the parent's standard stream objects, never finalized (they would flush or close
# descriptors that are the child's pipes now).
_KEPT: list[object] = []


def _run_child(stdin: int, stdout: int, stderr: int, engine: str, cwd: str,
               import_paths: list[str]) -> None:  # pragma: no cover - runs in the forked child
    code = 70
    try:
        os.dup2(stdin, 0)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.closerange(3, _max_fd())
        os.chdir(cwd)
        path = [*import_paths, *_isolated_path()]  # before the environment goes: PYTHONPATH's entries leave too
        _empty_environment()
        _default_signals()
        sys.path[:] = path
        sys.path_importer_cache.clear()
        # sys.__stdout__ and the others stay the parent's objects (flushed before the fork, kept alive here): on fds
        # 0 to 2 they write to the child's pipes too.
        _KEPT.extend((sys.stdin, sys.stdout, sys.stderr))
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "rb", closefd=False)), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "wb", closefd=False)), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "wb", closefd=False)), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
        gc.freeze()  # the parent's objects: never traversed here, their pages never copied for it
        gc.enable()
        from natpolicy.rego.child import main

        code = main(engine)
    except BaseException:  # noqa: BLE001 - as an interpreter would: the traceback on stderr (print output), exit 1
        code = 1
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code)


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (OSError, ValueError):
        return 65536


def _empty_environment() -> None:  # pragma: no cover - runs in the forked child
    """No variable in Python's environment nor the C library's (os.environ.clear unsets each), and none left in
    the block ``/proc/self/environ`` shows, which is the parent's memory until overwritten."""
    os.environ.clear()
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        # Fields 50 and 51 of proc(5) (env_start, env_end), counted from field 3 after the command's name.
        start, end = int(fields[47]), int(fields[48])
    except (OSError, IndexError, ValueError):
        return
    if 0 < start < end:
        try:
            with open("/proc/self/mem", "r+b", buffering=0) as memory:  # this process's own: no ctypes to import
                memory.seek(start)
                memory.write(bytes(end - start))
        except OSError:
            pass


def _default_signals() -> None:  # pragma: no cover - runs in the forked child
    """A new interpreter's handlers: SIGINT raises KeyboardInterrupt, SIGPIPE and SIGXFSZ ignored, all else default."""
    python_own: dict[int, Any] = {signal.SIGINT: signal.default_int_handler, signal.SIGPIPE: signal.SIG_IGN,
                                  getattr(signal, "SIGXFSZ", signal.SIGPIPE): signal.SIG_IGN}
    for signum in signal.valid_signals():
        if signum in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            wanted = python_own.get(signum, signal.SIG_DFL)
            if signal.getsignal(signum) is not wanted:
                signal.signal(signum, wanted)
        except (OSError, ValueError):
            pass
    signal.set_wakeup_fd(-1)


def _isolated_path() -> list[str]:
    """``sys.path`` as ``-I`` makes it: without the script's directory or the current one (the first entry,
    unless this process is isolated or safe_path already), ``PYTHONPATH``'s entries, the user site, relative
    entries."""
    import site

    path = list(sys.path)
    if path and not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
        path = path[1:]
    dropped: set[str] = set()
    if not sys.flags.ignore_environment:
        dropped.update(entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry)
    user_site = getattr(site, "USER_SITE", None)
    if user_site:
        dropped.add(user_site)
    return [entry for entry in path if entry and os.path.isabs(entry) and entry not in dropped]
