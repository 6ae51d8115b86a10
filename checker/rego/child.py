"""The child process that runs every Rego engine call of a run (see ``sandbox``).

It reads one job on stdin: a JSON line with the engine's name, the call names
to check against its builtins, the policy sets (modules and entrypoints) and
the plans (an input document, or the size of a plan's text, and
``data.natpolicy``), then the text of each plan given as text, as its UTF-8
bytes. A plan's text goes to the engine as it is (``prepare_input_json``)
where the engine parses JSON itself: no Python object is built from it here.
It answers with JSON lines on its original stdout: ``stage`` lines before
each step (so the parent can name what was running when it had to stop the
child), one ``value`` line per query, an ``error`` line for a policy that does
not compile, a query that fails or a plan nested too deeply, and ``done``.
Whatever the engine writes to file descriptor 1 (Rego ``print()``) is sent to
stderr, which the parent reads as print output.

Nothing here decides what a value means: the parent does, with the same code
whether the values came from this process or from an engine in its own.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, BinaryIO

__all__ = ["main", "evaluate_job", "read_job"]

# Inputs reach regopy as nested Python values, converted recursively; nothing
# deeper than depth.MAX_INPUT_DEPTH gets there (the parent checks documents,
# _prepare a plan's text), well below this.
_RECURSION = 20_000

Emit = Callable[[dict[str, Any]], None]


def evaluate_job(engine: Any, job: dict[str, Any], emit: Emit) -> None:
    """Run ``job`` on ``engine``, reporting through ``emit``; stops at the first error."""
    from natpolicy.rego.conftest_numbers import InputNumberError
    from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError

    emit({"stage": "builtins"})
    missing = sorted(name for name in job.get("check_calls", []) if not engine.is_builtin(name))
    emit({"missing": missing})
    if missing:
        return  # the parent refuses the policy naming the call; nothing may run
    sets = job["sets"]
    compiled: list[Any] = [None] * len(sets)
    for i, policy_set in enumerate(sets):
        if policy_set.get("v0_modules") and not _reads_v0(engine, policy_set):
            # An engine reads Rego v0 through the optional compile_versions() (v0 and v1
            # modules side by side), or, with `reads_rego_v0`, a set holding v0 in v0 mode; any
            # other would misread v0 (regopy: `deny[msg] { }` is an object).
            emit({"error": {"kind": "no_v0", "set": i, "plan": 0, "message": getattr(engine, "name", "this")}})
            return
    for j, plan in enumerate(job["plans"]):
        emit({"stage": "input", "plan": j})
        prepared = None
        for i, policy_set in enumerate(sets):
            if "only" in policy_set and j not in policy_set["only"]:
                continue  # the built-in twins read plans only, not the other documents user policies get
            if prepared is None:
                try:
                    prepared = _prepare(engine, plan)
                except _TooDeep as exc:
                    emit({"error": {"kind": "too_deep", "plan": j, "limit": exc.limit}})
                    return
                except InputNumberError as exc:  # a number no float64 holds (conftest_numbers)
                    emit({"error": {"kind": "input_number", "plan": j, "message": str(exc)}})
                    return
            if compiled[i] is None or policy_set["per_plan_data"]:
                emit({"stage": "compile", "set": i, "plan": j})
                data = dict(policy_set.get("data") or {})
                if policy_set["per_plan_data"] and plan.get("data"):
                    data["natpolicy"] = plan["data"]
                try:
                    compiled[i] = _compile(engine, policy_set, data or None)
                except PolicySyntaxError as exc:
                    emit({"error": {"kind": "syntax", "set": i, "plan": j, "module": exc.module,
                                    "offset": exc.offset, "length": exc.length, "message": exc.message}})
                    return
                except EvaluationError as exc:
                    emit({"error": {"kind": "compile", "set": i, "plan": j, "message": exc.message,
                                    "code": exc.code}})
                    return
            for k, entrypoint in enumerate(policy_set["entrypoints"]):
                emit({"stage": "query", "set": i, "plan": j, "query": k})
                try:
                    value = engine.evaluate(compiled[i], entrypoint, prepared)
                except EvaluationError as exc:
                    if exc.code == "input_too_deep":  # the engine's own parser of the text refused it
                        emit({"error": {"kind": "too_deep", "plan": j, "limit": _depth_limit(engine, plan)}})
                        return
                    failure = {"kind": "evaluation", "set": i, "plan": j, "query": k, "message": exc.message,
                               "code": exc.code}
                    if job.get("keep_going"):  # natpolicy verify: a failing test is one result, not the run's end
                        emit({"query_error": failure})
                        continue
                    emit({"error": failure})
                    return
                answer = {"undefined": True} if value is UNDEFINED else {"value": value}
                emit({**answer, "set": i, "plan": j, "query": k})
    emit({"done": True})


class _TooDeep(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _prepare(engine: Any, plan: dict[str, Any]) -> Any:
    """The engine's input for one plan: its text as it is where the engine parses JSON itself."""
    from natpolicy.rego.depth import MAX_INPUT_DEPTH, depth_over
    from natpolicy.rego.input_json import loads

    from_text = getattr(engine, "prepare_input_json", None)
    if from_text is not None and plan.get("text_utf8") is not None:
        # The bytes read_job read, and their text where it decoded them (else None: ASCII, decoded by the engine
        # only if it reads the text whole). Its parser has a depth limit of its own (see _depth_limit).
        return from_text(plan.get("text"), plan["text_utf8"])
    text = _plan_text(plan)
    if text is None:
        return engine.prepare_input(plan["input"])
    if from_text is not None:
        return from_text(text, None)  # no bytes were read (else the first branch took them): the text alone
    # Engines that convert Python values (regopy, opa) get the plan parsed here, within the same
    # depth limit natpolicy applies to every other input (depth.MAX_INPUT_DEPTH).
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames() + MAX_INPUT_DEPTH + 100)  # json.loads fails past it, never the C stack
    try:
        value = loads(text)  # an integer -0 read as -0.0, as conftest hands it to OPA (input_json)
    except RecursionError:
        raise _TooDeep(MAX_INPUT_DEPTH) from None
    finally:
        sys.setrecursionlimit(saved)
    if depth_over(value, MAX_INPUT_DEPTH):
        raise _TooDeep(MAX_INPUT_DEPTH)
    return engine.prepare_input(value)


def _plan_text(plan: dict[str, Any]) -> str | None:
    """A plan's text: read_job's (decoded here where it kept the bytes alone), or, in a job run in process
    (sandbox.run_in_process), the job's own ``text``, or its ``utf8`` decoded where the Rego stage gave that alone
    (evaluate.Plan): what the child would have read."""
    text = plan.get("text")
    if text is None and plan.get("text_utf8") is not None:
        text = plan["text"] = plan["text_utf8"].decode("utf-8")
    elif text is None and plan.get("utf8") is not None:
        utf8 = plan["utf8"]
        if isinstance(utf8, tuple):  # the text's pieces (plan_bytes.sections_parts): joined, as the pipe does
            utf8 = b"".join(utf8)
        text = plan["text"] = utf8.decode("utf-8")
        plan["text_utf8"] = utf8
    return text


def _frames() -> int:
    """How deep the Python stack is here (the recursion limit counts these frames too)."""
    frame: FrameType | None = sys._getframe()
    count = 0
    while frame is not None:
        frame, count = frame.f_back, count + 1
    return count


def _depth_limit(engine: Any, plan: dict[str, Any]) -> int:
    """The limit a plan the engine refused as too deep is over: natpolicy's own, else the engine's lower one."""
    from natpolicy.rego.depth import MAX_INPUT_DEPTH, text_depth_over

    text = _plan_text(plan)
    if text is not None and text_depth_over(text, MAX_INPUT_DEPTH):
        return MAX_INPUT_DEPTH
    return int(getattr(engine, "input_depth_limit", MAX_INPUT_DEPTH))


def _reads_v0(engine: Any, policy_set: dict[str, Any]) -> bool:
    # An engine with `reads_rego_v0` compiles the whole set as Rego v0, as `conftest --rego-version v0` and
    # `opa --v0-compatible` read it: a module importing rego.v1 stays v1 there (a v0 policy beside a shared
    # v1 library), and one that holds no v0 construct either means the same or fails to parse, with its line.
    if getattr(engine, "compile_versions", None) is not None:
        return True
    return bool(getattr(engine, "reads_rego_v0", False))


def _compile(engine: Any, policy_set: dict[str, Any], data: dict[str, Any] | None) -> Any:
    from natpolicy.rego.engine import PolicySyntaxError

    try:
        return _compile_modules(engine, policy_set, policy_set["modules"], data)
    except PolicySyntaxError:
        # A module whose builtins' operands were guarded (natpolicy.rego.builtin_errors) does not parse: the error
        # is the policy's own, and the engine's position in its own text is what the user needs.
        unguarded = policy_set.get("unguarded")
        if not unguarded:
            raise
        _compile_modules(engine, policy_set, {**policy_set["modules"], **unguarded}, data)
        raise


def _compile_modules(engine: Any, policy_set: dict[str, Any], modules: dict[str, str],
                     data: dict[str, Any] | None) -> Any:
    v0 = policy_set.get("v0_modules")
    if v0 and getattr(engine, "compile_versions", None) is not None:
        return engine.compile_versions(modules, data, policy_set["entrypoints"], frozenset(v0))
    version = "v0" if v0 else "v1"  # the whole set in v0 mode (see _reads_v0)
    return engine.compile(modules, data, policy_set["entrypoints"], rego_version=version)


def read_job(stream: BinaryIO) -> dict[str, Any]:
    """The job as ``sandbox.run_child`` writes it: one JSON line, then each plan's text as its UTF-8 bytes."""
    job: dict[str, Any] = json.loads(stream.readline())
    for plan in job["plans"]:
        if "text_bytes" in plan:
            size = plan.pop("text_bytes")
            data = stream.read(size)
            if len(data) != size:
                raise EOFError(f"the job ended {size - len(data)} bytes into a plan's text")
            # An ASCII text (every plan terraform writes: it escapes the rest) is not decoded here: regorus gets it
            # cut to what its policies read, and its 8 MB string would cost about 5 ms of fresh pages for nothing.
            # Any other is decoded now, which also checks it is UTF-8.
            plan["text"] = None if data.isascii() else data.decode("utf-8")
            # Kept: regorus' input is searched for numbers in it (conftest_numbers). Not "utf8", which a job run in
            # process (sandbox.run_in_process) holds for the sections sent, beside the whole plan's text.
            plan["text_utf8"] = data
    return job


def _lift_address_space_limits() -> None:
    """Raise address-space limits to their hard maximum, where that is unlimited.

    rego-cpp's allocator reserves a huge address range at start and aborts
    under any RLIMIT_AS or RLIMIT_DATA (``ulimit -v``); natpolicy bounds the
    engine's memory by watching it from the parent instead.
    """
    try:
        import resource
    except ImportError:  # Windows
        return
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            resource.setrlimit(which, (hard, hard))
        except (OSError, ValueError):
            pass


def main(engine: str | None = None) -> int:
    """The child's work; ``engine``: whose module to import before the job comes (else the command line's)."""
    # Whatever native code prints (rego-cpp's print()) goes to fd 1: keep the
    # real stdout for answers only, and point fd 1 at stderr, which the parent
    # reads as print output.
    answers: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.setrecursionlimit(_RECURSION)

    def emit(event: dict[str, Any]) -> None:
        answers.write(json.dumps(event, ensure_ascii=True).encode("ascii") + b"\n")
        answers.flush()

    # Started with an empty environment; Python itself may have added to it
    # (LC_CTYPE, when it coerces a C locale). Empty it for the engine, whose
    # opa.runtime() hands the environment to every policy.
    os.environ.clear()
    _lift_address_space_limits()
    try:
        # The engine's module first (sandbox.Spawned: the job may not be written yet): natpolicy's own code.
        if engine is None:
            engine = sys.argv[2] if len(sys.argv) > 2 else ""
        from natpolicy.rego.engines import ENGINE_CLASSES, create_engine

        if engine in ENGINE_CLASSES:
            try:
                importlib.import_module(ENGINE_CLASSES[engine][0])
            except ImportError:
                pass  # create_engine imports it again below and says what is missing, in its words
        job = read_job(sys.stdin.buffer)
        evaluate_job(create_engine(job["engine"], job.get("engine_options")), job, emit)
    except Exception as exc:  # reported to the parent as one line, never a traceback
        detail = " ".join(str(exc).split())[:300]
        emit({"error": {"kind": "internal", "message": f"{type(exc).__name__}: {detail}"}})
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - run by sandbox.run_child
    raise SystemExit(main())
