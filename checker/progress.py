"""Progress lines on standard error for long runs (see :class:`Progress`).

The CLI opens one for a check run (``--quiet`` silences it, and the pre-commit
hook, whose output pre-commit shows only at the end, runs without it); Rego
policies report their queries through their own, labelled ``rego``.
"""
from __future__ import annotations

import _thread
import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported when the first enabled step starts the thread (see Progress.step)
    import threading

from natpolicy.redact import redact
from natpolicy.safe_text import one_line

__all__ = ["Progress"]

_NEW_STEP = 0.5  # seconds a new step runs before it is named (short steps stay silent)


class Progress:
    """Says on stderr what a long run is doing, once it has run for more than a second.

    One step (reading a 100 MB plan, parsing a large Terraform tree, one Rego
    query) can take a minute and returns only at its end, so progress cannot
    be reported between steps alone: a daemon thread looks at the current step
    every tenth of a second and prints it after ``after`` seconds of the run:
    each new step once it has lasted half a second, the same one again every
    ``every`` seconds. Python code gives the thread its turn every
    few milliseconds, and regopy calls rego-cpp through ``ctypes.CDLL``, which
    releases the GIL, so the thread runs while a query does (``json.loads``
    holds the GIL: a huge plan's parse is reported when it returns). Short runs
    print nothing; nothing ever goes to stdout. Plain lines, not a redrawn
    status line: they read the same in a terminal and in a CI log. Use as a
    context manager; a disabled one costs nothing.
    """

    def __init__(self, enabled: bool, label: str, after: float = 1.0, every: float = 5.0,
                 stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.label = label
        self.after = after
        self.every = every
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.shown = False
        self._what = ""
        self._since = self.start
        self._last_line = 0.0
        self._last_what = ""
        # threading is imported only by an enabled run's first step: a run without progress lines
        # (--no-progress, --quiet, the hook) skipped about 1 M instructions of its import. The lock is
        # the very type threading.Lock returns; the stop event is made with the thread, already set if
        # close() came first (so a thread started after close stops at once, as before).
        self._lock = _thread.allocate_lock()
        self._stop: threading.Event | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        """Mark ``what`` ("p.json: evaluating data.main.deny") as running until the block ends."""
        if not self.enabled:
            yield
            return
        with self._lock:
            self._what, self._since = what, time.monotonic()
        if self._thread is None:
            import threading

            if self._stop is None:
                self._stop = threading.Event()
                if self._closed:
                    self._stop.set()
            self._thread = threading.Thread(target=self._watch, args=(self._stop,), name="natpolicy-progress",
                                            daemon=True)
            self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._what = ""

    def close(self) -> None:
        self._closed = True
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(0.1):
            # The line is written under the lock: a step that ends waits for it, so no
            # line about a finished step can follow what the run prints next (its error).
            with self._lock:
                if not self._line_due(time.monotonic()):
                    continue
                try:
                    self._write_line()
                except (OSError, ValueError):  # stderr closed under us: progress is not worth failing for
                    return

    def _line_due(self, now: float) -> bool:
        what, since = self._what, self._since
        if not what or now - self.start < self.after:
            return False
        # A step not named yet gets its line once it has lasted a moment;
        # the same step (or a stream of short ones) only every `every` s.
        fresh = what != self._last_what and now - since >= _NEW_STEP
        if self.shown and not fresh and now - self._last_line < self.every:
            return False
        self._last_line, self._last_what = now, what
        self.shown = True
        return True

    def _write_line(self) -> None:
        label = f"{self.label}: " if self.label else ""
        elapsed = self._last_line - self._since
        # Steps name files of the scanned repository: written out like every error line.
        line = one_line(redact(f"natpolicy: {label}{self._what}\u2026 {elapsed:.1f} s"))
        self.stream.write(line + "\n")
        self.stream.flush()
