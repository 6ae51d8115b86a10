"""The Rego child as a fork of natpolicy's own process (Linux): the sandbox's child without a new interpreter.

``sandbox.Spawned`` starts the child at the very beginning of a run with --policy, when natpolicy's process is
small (about 22 MB) and has one thread. A new interpreter (``python -I -c ...``) then costs about 45 ms of CPU
before the child reads its job: the interpreter's start, ``site`` and the standard library natpolicy's process has
imported already. A fork skips all of that; the child then sets itself up as the spawned one starts (what
``sandbox``'s docstring promises), before it imports anything:

* its standard streams are the three pipes, every other file descriptor is closed (``close_fds``);
* its environment is empty (``os.environ`` and the C library's, which ``opa.runtime().env`` reads), and no
  variable's name or value is left in its memory: the bytes objects ``os.environ`` held and the environment
  block the kernel wrote (``/proc/<pid>/environ``) are overwritten with zeros before they are let go. Left are
  the few values Python and the C library derived at their start and keep (``HOME`` in ``site.USER_BASE``,
  ``PYTHON*`` settings, the locale's name, ``TZ``) and the temporary folder's name (``tempfile``, whose folder
  holds the child's own); natpolicy's process reads no other variable before the fork (measured: TEMP, TMP,
  TMPDIR, and the completion switch's presence);
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

__all__ = ["BYTES_DATA_OFFSET", "ForkedChild", "MAX_PARENT_RESIDENT", "can_fork", "overwrite_bytes"]

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
    """No variable in Python's environment nor the C library's, and none left in this process's memory: the
    contents of the bytes objects ``os.environ`` holds (``posix.environ``, built at the interpreter's start) are
    overwritten with zeros before they are freed, and so is the block ``/proc/self/environ`` shows (the one the
    kernel wrote, which the C library's ``environ`` pointed into)."""
    data: dict[Any, Any] = getattr(os.environ, "_data", {})  # POSIX: posix.environ itself, bytes to bytes
    names, values = list(data), list(data.values())
    try:
        memory: io.RawIOBase | None = open("/proc/self/mem", "r+b", buffering=0)  # noqa: SIM115 - its own: no ctypes
    except OSError:
        memory = None
    try:
        if memory is not None:
            # Before the variables leave: os.environ.clear() would decode each value into a str (a copy).
            overwrite_bytes(memory, values)
        for name in names:
            try:
                os.unsetenv(name)  # the C library's copy: what a native library's getenv would find
            except (OSError, ValueError):  # a name the C library cannot hold (empty): it has none to unset
                pass
        data.clear()  # os.environ and os.environb: both are views of this dict
        os.environ.clear()  # on a platform whose os.environ is not that dict: nothing left either
        if memory is not None:
            overwrite_bytes(memory, names)
            _overwrite_block(memory)
    finally:
        del names, values
        if memory is not None:
            memory.close()


# Where a bytes object's contents start, counted from its id(): CPython's PyBytesObject (3.9 to 3.13) is a
# PyObject_VAR_HEAD, ob_shash, then ob_sval, the contents and a closing NUL; its type's tp_basicsize is
# offsetof(ob_sval) + 1, which is what sys.getsizeof(b"") gives (bytes is no collector-tracked type: no GC header
# counted). overwrite_bytes checks it on each object before it writes.
BYTES_DATA_OFFSET = sys.getsizeof(b"") - 1


def overwrite_bytes(memory: io.RawIOBase, objects: list[Any]) -> int:
    """Overwrite with zeros, in place, the contents of each bytes object of ``objects``, through ``memory`` (this
    process's ``/proc/self/mem``, opened unbuffered for reading and writing); returns how many were overwritten.

    Nothing is written where the memory at the computed address does not read back as the object's own contents
    (a layout this code does not know, another implementation). Objects under 2 bytes are skipped: CPython shares
    them (``b""`` and the 256 one-byte objects), so zeroing one would change every such value of the process.
    The objects must not be used afterwards but to be freed: their contents and cached hash no longer agree."""
    wanted = [obj for obj in objects if type(obj) is bytes and len(obj) >= 2]
    scratch = bytearray(max((len(obj) for obj in wanted), default=0))
    view = memoryview(scratch)
    seen: set[int] = set()
    overwritten = 0
    try:
        for obj in wanted:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            size = len(obj)
            address = id(obj) + BYTES_DATA_OFFSET
            try:
                memory.seek(address)
                read = memory.readinto(view[:size])  # compared through a view: no other copy of the contents made
                if read != size or view[:size] != obj:
                    continue
                memory.seek(address)
                if memory.write(bytes(size)) == size:
                    overwritten += 1
            except (OSError, ValueError, OverflowError):
                continue
    finally:
        view[:] = bytes(len(scratch))  # what was read back: a copy of the last contents
        view.release()
    return overwritten


def _overwrite_block(memory: io.RawIOBase) -> None:  # pragma: no cover - runs in the forked child
    """Zeros over the environment block the kernel wrote at exec (``/proc/<pid>/environ`` reads it)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        # Fields 50 and 51 of proc(5) (env_start, env_end), counted from field 3 after the command's name.
        start, end = int(fields[47]), int(fields[48])
    except (OSError, IndexError, ValueError):
        return
    if 0 < start < end:
        try:
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
