"""Run the Rego engine in a child process, with a memory and a wall-clock limit.

Rego policies and the plans they read come from pull requests: a policy can
build a value of many gigabytes (``walk`` over a deep value, ``concat``
doublings, ``numbers.range(1, 2e9)``), loop for hours, or hand the engine a
string that crashes it (a deeply nested JSON text given to ``json.unmarshal``
makes rego-cpp overflow its stack). None of that may take natpolicy down, so
every engine call of a run happens in one child process (``natpolicy.rego.child``),
started once per run with the plans sent once:

* **time**: one wall-clock limit covers starting the engine, converting the
  plans, compiling and evaluating every query; past it the child is killed;
* **memory**: the parent reads the child's resident memory every few
  milliseconds (``/proc/<pid>/statm``; ``ps`` where there is no ``/proc``) and
  kills it past the limit. Address-space limits cannot be used: rego-cpp's
  allocator (snmalloc) reserves a huge address range at start, so any
  ``RLIMIT_AS`` *or* ``RLIMIT_DATA`` makes it abort with "Failed to initialise
  snmalloc" (measured from 512 MiB to 64 GiB);
* **environment**: the child starts with an empty environment, in isolated
  mode (``-I``: no ``PYTHON*`` variables, no user site, no current directory
  on ``sys.path``), in an empty temporary directory. ``opa.runtime().env`` is
  therefore empty whichever engine runs, and no secret of the job is in reach.
  On Linux, where natpolicy's console script runs regorus, the child a run with
  --policy starts first (:class:`Spawned`) is a fork of natpolicy's process
  instead of a new interpreter, set up the same way before it imports anything
  (``fork_child``: its environment emptied, every descriptor but its pipes
  closed, the same ``sys.path``). Its memory is a copy of what natpolicy's
  process held at its start, less the environment: the bytes of every
  variable's name and value (Python's ``os.environ`` objects, the block the
  kernel wrote) are overwritten with zeros before the child imports anything.
  What stays is natpolicy's options and what Python and the C library derived
  from a few variables at their start (``HOME`` in ``site``'s user paths,
  ``PYTHON*`` settings, the locale's name, ``TZ``, the temporary folder): no
  builtin reads it, only a memory-safety bug of the engine could (stage.spawn_child
  says why that is regorus only, and never the GitHub Action's step);
* **output**: the child's stdout carries only JSON answers; what the engine
  prints (Rego ``print()``) comes back on its stderr, capped, for the caller
  to scrub and report like any other note.

No engine runs in natpolicy's own process, so a crash or an allocator abort
there cannot lose the built-in findings. The one engine library it loads is
regorus' extension module, imported to see that it loads here
(``engines.choose_engine``; it runs nothing and starts no thread), which a
forked child then has already; rego-cpp is never loaded there.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from natpolicy.rego.fork_child import ForkedChild

from natpolicy.gc_pause import paused_gc
from natpolicy.records import field, record
from natpolicy.rego.depth import MAX_INPUT_DEPTH, depth_over, text_depth_over
from natpolicy.rego.engine import UNDEFINED

__all__ = [
    "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MIB", "MAX_INPUT_DEPTH", "Limits", "Outcome",
    "run_child", "RunningChild", "Spawned",
    "run_in_process", "depth_over", "text_depth_over", "answer_bytes", "job_payload",
]

DEFAULT_TIMEOUT = 600.0  # seconds for the whole Rego stage of a run
DEFAULT_MEMORY_MIB = 2048  # resident memory of the child
PRINT_BYTES = 64 * 1024  # print() output kept; the rest is counted, not stored
# The child: a new interpreter, or (Spawned, on Linux) a fork of this process with the same interface.
_Process = Union["subprocess.Popen[bytes]", "ForkedChild"]
_POLL = 0.02  # seconds between memory readings (a doubling bomb grows ~1 GB/s)
_BOOTSTRAP = ("import sys, json\nsys.path[:0] = json.loads(sys.argv[1])\n"
              "from natpolicy.rego.child import main\nraise SystemExit(main())\n")


@record(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_mib: int = DEFAULT_MEMORY_MIB


@record
class Outcome:
    """What the child answered, and why it stopped if it did not finish."""

    values: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # (set, plan, query) -> value
    missing: list[str] = field(default_factory=list)  # call names that are not builtins
    error: dict[str, Any] | None = None  # a policy that does not compile, a query that failed
    # With the job's `keep_going`: (set, plan, query) -> the child's error of each query that failed.
    query_errors: dict[tuple[int, int, int], dict[str, Any]] = field(default_factory=dict)
    stage: dict[str, Any] | None = None  # the last step the child began
    done: bool = False
    stopped: str = ""  # "timeout", "memory", "answers" (too large) or "crash"
    detail: str = ""  # for a crash: the signal or exit status
    printed: bytes = b""
    printed_dropped: int = 0


def run_in_process(engine: Any, job: dict[str, Any]) -> Outcome:
    """The same job on an engine in this process: no limits, no isolation (for tests and tools)."""
    from natpolicy.rego.child import evaluate_job

    outcome = Outcome()

    def emit(event: dict[str, Any]) -> None:
        _record(outcome, event)

    evaluate_job(engine, job, emit)
    return outcome


def run_child(job: dict[str, Any], limits: Limits,
              on_stage: Callable[[dict[str, Any]], None] | None = None) -> Outcome:
    """Run ``job`` in a fresh child process within ``limits``.

    The cyclic collector is paused meanwhile, as the check pipeline that starts a child itself runs: a collection
    triggered on one of the watching threads would drop there what a reference cycle of the caller holds, and a
    regorus ``Engine`` may be dropped only on the thread that made it (pyo3: "unsendable, but is being dropped on
    another thread", met by the test suite calling this directly)."""
    with paused_gc():
        return RunningChild(job, limits).wait(on_stage)


class RunningChild:
    """A child started on its job, watched from a thread of this process until :meth:`wait` returns.

    Started before natpolicy runs its Python rules (with --policy, before the
    loaders read the plans: stage.start_early), the child converts the plan
    and evaluates the policies on another core meanwhile; its limits hold
    from the moment it gets its job, whatever this process is doing.
    """

    _proc: _Process

    def __init__(self, job: dict[str, Any], limits: Limits, spawned: Spawned | None = None) -> None:
        """``spawned``: the process :class:`Spawned` started ahead for this job (taken over), else a new one."""
        self.outcome = Outcome()
        self._stages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._failure: BaseException | None = None
        payload = job_payload(job)
        process = spawned.take() if spawned is not None else None
        self._proc, self._cwd = process if process is not None else _spawn(job.get("engine", ""))
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        lines: queue.Queue[bytes | None] = queue.Queue()
        self._printed = _Capped(PRINT_BYTES)
        self._threads = [
            threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True),
            threading.Thread(target=_lines, args=(proc.stdout, lines, answer_bytes(limits)), daemon=True),
            threading.Thread(target=self._printed.drain, args=(proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._watcher = threading.Thread(target=self._watch, args=(lines, limits), daemon=True)
        self._watcher.start()

    def _watch(self, lines: queue.Queue[bytes | None], limits: Limits) -> None:
        try:
            _watch(self._proc, lines, limits, self.outcome, self._stages.put)
        except BaseException as exc:  # noqa: BLE001 - raised again by wait(), in the caller's thread
            self._failure = exc
        finally:
            if self._proc.poll() is None:
                self._proc.kill()  # our own child, by its handle
            self._proc.wait()
            for thread in self._threads:
                thread.join(timeout=5)

    def wait(self, on_stage: Callable[[dict[str, Any]], None] | None = None) -> Outcome:
        """The child's answers, once it has finished or been stopped; ``on_stage`` sees each step it began."""
        try:
            while True:
                self._watcher.join(timeout=_POLL)
                while not self._stages.empty():
                    event = self._stages.get()
                    if on_stage is not None:
                        on_stage(event)
                if not self._watcher.is_alive():
                    break
        finally:
            if self._watcher.is_alive():  # interrupted (Ctrl-C): stop the child before leaving
                self.stop()
        self._cwd.cleanup()
        if self._failure is not None:
            raise self._failure
        outcome = self.outcome
        outcome.printed, outcome.printed_dropped = self._printed.data(), self._printed.dropped
        if not outcome.stopped and not outcome.done and outcome.error is None and not outcome.missing:
            outcome.stopped = "crash"
            outcome.detail = _exit_detail(self._proc.returncode)
        return outcome

    def stop(self) -> None:
        """Kill the child (its answers are no longer wanted) and wait for the watcher to see it end."""
        if self._proc.poll() is None:
            self._proc.kill()  # our own child, by its handle
        self._watcher.join(timeout=10)
        self._cwd.cleanup()


def _watch(proc: _Process, lines: queue.Queue[bytes | None], limits: Limits,
           outcome: Outcome, on_stage: Callable[[dict[str, Any]], None] | None) -> None:
    deadline = time.monotonic() + limits.timeout
    memory = limits.memory_mib * 2**20
    reader = _memory_reader(proc.pid)
    next_reading = 0.0
    eof = False
    while True:
        try:
            line = lines.get(timeout=_POLL)
        except queue.Empty:
            line = b""
        if line is None:
            eof = True
        elif line is _TOO_MUCH:
            outcome.stopped = "answers"
            return
        elif line:
            event = _record(outcome, json.loads(line))
            if "stage" in event and on_stage is not None:
                on_stage(event)
        now = time.monotonic()
        if now >= next_reading or not line:
            next_reading = now + _POLL
            resident = reader()
            if resident is not None and resident > memory:
                outcome.stopped = "memory"
                return
        if now > deadline:
            outcome.stopped = "timeout"
            return
        if eof:
            try:
                proc.wait(timeout=max(0.0, min(_POLL, deadline - now)))
            except subprocess.TimeoutExpired:
                continue
            return


def _record(outcome: Outcome, event: dict[str, Any]) -> dict[str, Any]:
    if "value" in event or "undefined" in event:
        # JSON has no undefined: the child says so in its own field.
        outcome.values[(event["set"], event["plan"], event["query"])] = event.get("value", UNDEFINED)
    elif "stage" in event:
        outcome.stage = event
    elif "missing" in event:
        outcome.missing = list(event["missing"])
    elif "error" in event:
        outcome.error = event["error"]
    elif "query_error" in event:
        failure = event["query_error"]
        outcome.query_errors[(failure["set"], failure["plan"], failure["query"])] = failure
    elif event.get("done"):
        outcome.done = True
    return event


def job_payload(job: dict[str, Any]) -> list[Any]:
    """What the child reads (``child.read_job``): the job as one JSON line, then each plan's text as its bytes.

    A plan given as text (``"text"``) travels as the bytes of that text, not
    as a JSON string inside the job: nothing escapes, builds or parses it on
    the way, and the child hands it to the engine as it is.
    """
    texts: list[Any] = []  # bytes, and the raw values of a plan cut to some sections (buffers)
    plans = []
    for plan in job["plans"]:
        if "text" in plan:
            utf8 = plan.get("utf8")  # the text's own UTF-8, kept from the file: not encoded again
            pieces = utf8 if isinstance(utf8, tuple) else (utf8 if utf8 is not None else plan["text"].encode("utf-8"),)
            texts += pieces  # one after the other in the pipe: the child reads them as one text of text_bytes
            size = sum(memoryview(piece).nbytes for piece in pieces)
            plan = {**{k: v for k, v in plan.items() if k not in ("text", "utf8")}, "text_bytes": size}
        plans.append(plan)
    # ASCII: a lone surrogate in a document string travels as its escape instead of failing to encode.
    head = json.dumps({**job, "plans": plans}, ensure_ascii=True).encode("ascii") + b"\n"
    return [head, *texts]


def _feed(pipe: IO[bytes], payload: list[Any]) -> None:
    try:
        for part in payload:
            pipe.write(part)
    except (BrokenPipeError, OSError):  # the child died or was stopped: reported from its exit
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def answer_bytes(limits: Limits) -> int:
    """How much the child may answer in all: natpolicy keeps every answer until the run ends."""
    return limits.memory_mib * 2**20 // 4


# Put on the queue instead of a line once the answers exceed answer_bytes.
_TOO_MUCH = b"\0"


def _lines(pipe: IO[bytes], out: queue.Queue[bytes | None], cap: int) -> None:
    total = 0
    while line := pipe.readline(cap - total + 1):  # a line past the cap is never read whole
        total += len(line)
        if total > cap:
            out.put(_TOO_MUCH)
            return  # the child blocks on its next write until it is stopped
        out.put(line)
    out.put(None)


class _Capped:
    """Keeps the first ``limit`` bytes read from a pipe, counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0

    def drain(self, pipe: IO[bytes]) -> None:
        read = getattr(pipe, "read1", pipe.read)  # read1: whatever has arrived, without waiting for more
        while chunk := read(65536):
            room = self.limit - self.kept
            self.chunks.append(chunk[:room])
            self.kept += min(room, len(chunk))
            self.dropped += max(0, len(chunk) - room)

    def data(self) -> bytes:
        return b"".join(self.chunks)


def _memory_reader(pid: int) -> Callable[[], int | None]:
    statm = Path(f"/proc/{pid}/statm")
    if statm.parent.is_dir():
        page = os.sysconf("SC_PAGE_SIZE")

        def from_proc() -> int | None:
            try:
                return int(statm.read_text().split()[1]) * page
            except (OSError, IndexError, ValueError):
                return None  # the child has just exited

        return from_proc
    last = [0.0, None]

    def from_ps() -> int | None:  # macOS and the BSDs: a few readings a second
        if time.monotonic() - float(last[0] or 0.0) < 0.25:
            return last[1]  # type: ignore[return-value]
        last[0] = time.monotonic()
        try:
            out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=False,
                                 env=_child_environment(), timeout=5).stdout.strip()
            last[1] = int(out) * 1024 if out else None
        except (OSError, ValueError, subprocess.TimeoutExpired):
            last[1] = None
        return last[1]  # type: ignore[return-value]

    return from_ps


class Spawned:
    """A child process started before its job is known: its interpreter starts (or, forked, it sets itself up) and
    it imports the engine's module (nothing of a policy or an input: natpolicy's own code) while this process reads
    the inputs; the job, and with
    it the limits (:class:`RunningChild`), come later. Taken over by one RunningChild, or discarded."""

    def __init__(self, engine: str, shared: tuple[str, ...] = (), fork: bool = False,
                 engine_notes: tuple[str, ...] = ()) -> None:
        """``fork``: a fork of this process where ``fork_child.can_fork`` allows it, else a new interpreter.
        ``shared``: modules this process imports later in the run anyway that the child imports too; where the
        child is a fork, they are imported first, so that the child has them without importing them again.
        ``engine_notes``: what choosing ``engine`` noted (engines.choose_engine), kept so that the run reports them
        without choosing again (the installed versions read twice: about 0.6 ms)."""
        self.engine = engine
        self.engine_notes = engine_notes
        self._process: tuple[_Process, tempfile.TemporaryDirectory[str]] | None = (
            _fork_or_spawn(engine, shared) if fork else _spawn(engine))

    def take(self) -> tuple[_Process, tempfile.TemporaryDirectory[str]] | None:
        process, self._process = self._process, None
        return process

    def discard(self) -> None:
        """End the process if no RunningChild took it (it was waiting for its job); else nothing."""
        process = self.take()
        if process is None:
            return
        proc, cwd = process
        proc.kill()  # our own child, by its handle
        proc.communicate()  # closes its pipes and reaps it
        cwd.cleanup()


def _fork_or_spawn(engine: str, shared: tuple[str, ...]) -> tuple[_Process, tempfile.TemporaryDirectory[str]]:
    """The early child (:class:`Spawned`): a fork of this process where ``fork_child.can_fork`` allows it, on Linux
    at the start of a run (no interpreter to start, nothing this process imported to import again: about 45 ms of
    CPU), else a new interpreter."""
    if sys.platform.startswith("linux"):
        import importlib

        from natpolicy.rego.fork_child import ForkedChild, can_fork

        if can_fork():
            for module in shared:
                importlib.import_module(module)
            cwd = tempfile.TemporaryDirectory(prefix="natpolicy-rego-")
            try:
                return ForkedChild(engine, cwd.name, _import_paths()), cwd
            except BaseException:
                cwd.cleanup()
                raise
    return _spawn(engine)


def _spawn(engine: str) -> tuple[subprocess.Popen[bytes], tempfile.TemporaryDirectory[str]]:
    """A child process in a private folder of its own, to read its job on stdin (``engine``: whose module first)."""
    cwd = tempfile.TemporaryDirectory(prefix="natpolicy-rego-")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP, json.dumps(_import_paths()), engine],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_child_environment(), cwd=cwd.name, close_fds=True,
        )
    except BaseException:
        cwd.cleanup()
        raise
    return proc, cwd


def _child_environment() -> dict[str, str]:
    # Nothing of natpolicy's environment: no tokens, no cloud credentials.
    # Windows cannot start Python without SYSTEMROOT.
    if os.name == "nt":
        return {k: v for k, v in os.environ.items() if k.upper() == "SYSTEMROOT"}
    return {}


def _import_paths() -> list[str]:
    """Where natpolicy comes from, if ``-I`` and the site packages alone would not find it.

    Never the current directory: that is the scanned repository, and a
    ``regopy.py`` there must not be imported.
    """
    import natpolicy

    package = Path(natpolicy.__file__).resolve().parent
    return [str(package.parent)] if package.name == "natpolicy" else []


def _exit_detail(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"
