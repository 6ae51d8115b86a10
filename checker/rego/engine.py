"""The one interface natpolicy needs from a Rego engine, and its regopy implementation.

Everything else in ``natpolicy.rego`` talks to :class:`RegoEngine` only, so a
different engine (regorus, OPA-wasm) can replace regopy by implementing three
methods. ``regopy`` is imported lazily: runs that use no Rego never load the
14 MB shared library.

regopy 1.5.2 (rego-cpp) quirks handled here, each verified by
``tests/test_rego_engine.py``:

* syntax errors come back as an S-expression with *byte offsets*; they are
  turned into :class:`PolicySyntaxError` and mapped to line:col by the caller;
* rego-cpp writes diagnostics and ``print()`` output to the process's stdout
  (file descriptor 1, below Python); every engine call runs with fd 1
  redirected, so SARIF/JSON on stdout can never be corrupted;
* evaluation errors (the 10,000,000-statement cap, conflicting rule values,
  unknown functions) come back as ``<error>`` or as an S-expression in place
  of JSON; the message is dug out of the result node instead;
* base documents (``data``) are re-processed on every ``query()``; compiling
  once into a bundle with entrypoints and querying those avoids that.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "REGOPY_VERSION",
    "UNDEFINED",
    "RegoEngine",
    "RegopyEngine",
    "EngineUnavailable",
    "PolicySyntaxError",
    "EvaluationError",
    "STATEMENT_LIMIT",
    "DEFAULT_ENGINE",
    "ENGINES",
    "default_engine",
    "create_engine",
    "engine_problem",
]

# The exact version every quirk above was verified against (pyproject pins it).
REGOPY_VERSION = "1.5.2"
# rego-cpp stops each query after this many VM statements; not configurable.
STATEMENT_LIMIT = 10_000_000


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()


class EngineUnavailable(Exception):
    """The Rego engine cannot be imported (not installed, wrong platform)."""


@dataclass
class PolicySyntaxError(Exception):
    """A module does not compile. ``offset``/``length`` are UTF-8 byte offsets."""

    module: str
    offset: int
    length: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}@{self.offset}: {self.message}"


@dataclass
class EvaluationError(Exception):
    """A query failed at run time. ``code`` is rego-cpp's error code, if any."""

    message: str
    code: str = ""

    @property
    def is_statement_cap(self) -> bool:
        return self.code == "timeout_error" or "statement count" in self.message.lower()

    def __str__(self) -> str:
        return self.message


class RegoEngine(Protocol):
    """Compile modules once, then evaluate entrypoints against prepared inputs."""

    name: str

    def prepare_input(self, document: Any) -> Any:
        """Convert a JSON document once; the result is reused for every query."""

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str]) -> Any:
        """Compile ``modules`` (name -> source) with base ``data``.

        ``entrypoints`` are ``package/path/rule`` strings. Raises
        :class:`PolicySyntaxError` or :class:`EvaluationError`.
        """

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        """The JSON value of ``entrypoint``, or ``UNDEFINED``. Raises :class:`EvaluationError`."""

    def is_builtin(self, name: str) -> bool:
        """Does the engine have the builtin function ``name`` (``net.cidr_contains``)?"""


# Every engine natpolicy can run: name -> (distribution, the version verified).
# An engine is one class implementing RegoEngine; natpolicy runs it only in
# the child process of natpolicy.rego.sandbox, which adds the limits and the
# empty environment whichever engine it is.
ENGINES: dict[str, tuple[str, str]] = {"regopy": ("regopy", REGOPY_VERSION)}
DEFAULT_ENGINE = "regopy"


def engine_problem(name: str) -> str | None:
    """Why engine ``name`` cannot run here, or ``None``; never loads the engine.

    Loading rego-cpp initialises its allocator, which aborts the whole process
    under an address-space limit: the checking process itself must not.
    """
    from importlib import metadata

    distribution, wanted = ENGINES[name]
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return f"Rego needs the optional dependency {distribution}=={wanted}: pip install 'natpolicy[rego]'"
    if version != wanted:
        # Other versions may fix or change the quirks handled here; refuse
        # rather than produce subtly different findings.
        return (f"natpolicy is verified against {distribution}=={wanted}, found {version}; "
                f"pip install '{distribution}=={wanted}'")
    return None


def create_engine(name: str) -> RegoEngine:
    if name == "regopy":
        return RegopyEngine()
    raise EngineUnavailable(f"unknown Rego engine {name!r}")


def default_engine() -> RegoEngine:
    return create_engine(DEFAULT_ENGINE)


class RegopyEngine:
    """:class:`RegoEngine` on top of ``regopy`` (rego-cpp)."""

    name = "regopy"

    def __init__(self) -> None:
        try:
            import regopy
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EngineUnavailable(
                f"Rego needs the optional dependency regopy=={REGOPY_VERSION}: "
                f"pip install 'natpolicy[rego]' ({exc})"
            ) from None
        version = getattr(regopy, "__version__", "")
        if version != REGOPY_VERSION:
            # Other versions may fix or change the quirks handled here; refuse
            # rather than produce subtly different findings.
            raise EngineUnavailable(
                f"natpolicy is verified against regopy=={REGOPY_VERSION}, found {version or 'unknown'}; "
                f"pip install 'regopy=={REGOPY_VERSION}'"
            )
        self._regopy = regopy
        self._builtins: Any = None

    # -- the interface ----------------------------------------------------
    def prepare_input(self, document: Any) -> Any:
        # Input(dict) is 2-3x faster than set_input_term(json) (measured), but
        # it hands strings over raw while rego-cpp keeps every string in its
        # JSON-escaped form: `"` and `\\` would then compare unequal to Rego
        # literals and come back as invalid JSON. Escape them first.
        with _quiet_stdout():
            return self._regopy.Input(_escaped(document))

    def is_builtin(self, name: str) -> bool:
        if self._builtins is None:
            self._builtins = self._regopy.Interpreter()
        return bool(self._builtins.is_builtin(name))

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str]) -> Any:
        if not entrypoints:
            # regopy asserts on this (a bare AssertionError); callers choose
            # what to query, so this is their bug to report, not the user's.
            raise EvaluationError("nothing to evaluate: no rule was chosen as an entrypoint", "no_entrypoints")
        regopy = self._regopy
        interp = regopy.Interpreter()
        interp.log_level = regopy.LogLevel.NONE
        with _quiet_stdout():
            try:
                for name, source in modules.items():
                    interp.add_module(name, source)
                if data:
                    interp.add_data_json(json.dumps(data))
                bundle = interp.build(None, list(entrypoints))
            except regopy.RegoError as exc:
                raise _compile_error(str(exc)) from None
        if not bundle.ok():
            raise _compile_error(_node_text(bundle.node()._impl))
        return _Compiled(interp, bundle)

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        from regopy import rego_shared as rs

        interp, bundle = compiled.interp, compiled.bundle
        with _quiet_stdout():
            try:
                # set_input copies the whole document into the interpreter
                # (about 0.35 s at 1k resources): once per input, not per query.
                if compiled.input is not prepared_input:
                    compiled.input = None
                    interp.set_input(prepared_input)
                    compiled.input = prepared_input
                impl = rs.rego_bundle_query_entrypoint(interp._impl, bundle._impl, entrypoint)
            except self._regopy.RegoError as exc:
                raise EvaluationError(_first_message(str(exc)) or str(exc).strip()) from None
        try:
            ok = rs.rego_output_ok(impl)
            text = rs.rego_output_string(impl)
            if not ok or not text.startswith("{"):
                if text == "undefined":
                    return UNDEFINED
                message, code = _error_from_node(rs, rs.rego_output_node(impl))
                raise EvaluationError(message or _first_message(text) or text.strip(), code)
        finally:
            rs.rego_free_output(impl)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            raise EvaluationError(
                "the result is not valid JSON; regopy 1.5.2 leaks quotes when sprintf formats a string made by "
                "concat/upper/lower/replace/json.marshal (rego-cpp#201): build the message with concat instead",
                "invalid_json",
            ) from None
        if isinstance(doc, list):
            doc = doc[0] if doc else {}
        expressions = doc.get("expressions") if isinstance(doc, dict) else None
        if not expressions:
            return UNDEFINED
        return expressions[0]


@dataclass
class _Compiled:
    """An interpreter with its bundle, and the input last handed to it.

    ``input`` holds the prepared input itself (not its ``id``), so it cannot
    be freed and its id reused by the next plan's input.
    """

    interp: Any
    bundle: Any
    input: Any = None


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPE.search(text) else text


_INT64 = range(-(2**63), 2**63)


def _escaped(value: Any) -> Any:
    """``value`` with every string (keys too) in rego-cpp's escaped form; shares unchanged parts.

    Integers outside int64 would wrap around in regopy's Input (12345678901234567890
    becomes negative): they become floats (precision lost, order kept), or,
    beyond a float's range, their decimal text.
    """
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        try:
            return float(value)
        except OverflowError:
            return str(value)
    if isinstance(value, dict):
        return {(_escape(k) if isinstance(k, str) else k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


# -- rego-cpp error S-expressions -------------------------------------------
def _parse_sexpr_errors(text: str) -> list[tuple[str, int, int, str]]:
    """``(error N:name|offset|len (errormsg M:text) ...)`` -> [(name, offset, len, message)].

    Names and messages are length-prefixed (``17:dir/bad file.rego``), so they
    may hold spaces, bars or parentheses; lengths count UTF-8 bytes.
    """
    data = text.encode("utf-8")
    out: list[tuple[str, int, int, str]] = []
    pos = 0
    while True:
        start = data.find(b"(error ", pos)
        if start < 0:
            return out
        i = start + len(b"(error ")
        name, i = _prefixed(data, i)
        offset = length = -1
        if name is not None and data[i:i + 1] == b"|":
            j = data.find(b"|", i + 1)
            k = j + 1
            while k < len(data) and data[k:k + 1].isdigit():
                k += 1
            try:
                offset, length = int(data[i + 1:j]), int(data[j + 1:k])
            except ValueError:
                pass
            i = k
        msg_at = data.find(b"(errormsg ", i)
        message = ""
        if msg_at >= 0:
            parsed, _ = _prefixed(data, msg_at + len(b"(errormsg "))
            message = parsed or ""
        out.append((name or "", offset, length, message))
        pos = i if i > start else start + 1


def _prefixed(data: bytes, i: int) -> tuple[str | None, int]:
    j = i
    while j < len(data) and data[j:j + 1].isdigit():
        j += 1
    if j == i or data[j:j + 1] != b":":
        return None, i
    n = int(data[i:j])
    return data[j + 1:j + 1 + n].decode("utf-8", "replace"), j + 1 + n


def _first_message(text: str) -> str:
    errors = _parse_sexpr_errors(text)
    if errors:
        return errors[0][3]
    marker = "(errormsg "
    at = text.find(marker)
    if at >= 0:
        parsed, _ = _prefixed(text.encode(), at + len(marker))
        return parsed or ""
    return ""


def _compile_error(text: str) -> Exception:
    errors = [e for e in _parse_sexpr_errors(text) if e[0]]
    if errors:
        # rego-cpp reports the innermost cause first; later entries repeat it
        # at the enclosing construct (often `package` at offset 0).
        name, offset, length, message = errors[0]
        return PolicySyntaxError(name, max(offset, 0), max(length, 0), message or "does not compile")
    return EvaluationError(_first_message(text) or "the policies do not compile (rego-cpp gave no detail)")


def _node_text(impl: Any) -> str:
    from regopy import rego_shared as rs

    try:
        return rs.rego_node_json(impl)
    except Exception:  # an error node has no JSON form
        message, code = _error_from_node(rs, impl)
        return f"(error (errormsg {len(message.encode())}:{message}))"


def _error_from_node(rs: Any, node: Any) -> tuple[str, str]:
    """First error message and code inside an error node tree (``<error>`` results)."""
    values: list[str] = []

    def walk(n: Any, depth: int) -> None:
        if not n or depth > 6 or len(values) > 8:
            return
        try:
            size = rs.rego.regoNodeValueSize(n)
            buf = ctypes.create_string_buffer(size)
            rs.rego.regoNodeValue(n, buf, size)
            value = buf.value.decode("utf-8", "replace").strip()
        except Exception:
            value = ""
        if value:
            values.append(value)
        for i in range(rs.rego_node_size(n)):
            walk(rs.rego_node_get(n, i), depth + 1)

    walk(node, 0)
    message = values[0] if values else ""
    code = values[-1] if len(values) > 1 and values[-1].endswith("_error") else ""
    return message, code


# -- stdout protection --------------------------------------------------------
_REDIRECT_LOCK = threading.Lock()
_redirect_depth = 0
_saved_stdout: int | None = None


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send whatever native code writes to fd 1 to stderr instead.

    LogLevel.NONE silences rego-cpp's own diagnostics, but Rego ``print()``
    still writes to the process stdout; a policy author's debug output belongs
    on stderr, next to natpolicy's other messages, never inside SARIF.
    Nested and concurrent uses (a query abandoned by ``--rego-timeout`` still
    runs in its thread) share one redirection, undone by the last to leave.
    """
    global _redirect_depth, _saved_stdout
    with _REDIRECT_LOCK:
        if _redirect_depth == 0:
            _saved_stdout = _redirect_stdout_to_stderr()
        _redirect_depth += 1
    try:
        yield
    finally:
        with _REDIRECT_LOCK:
            _redirect_depth -= 1
            if _redirect_depth == 0 and _saved_stdout is not None:
                _flush_c_stdio()
                os.dup2(_saved_stdout, 1)
                os.close(_saved_stdout)
                _saved_stdout = None


def _redirect_stdout_to_stderr() -> int | None:
    """Point fd 1 at fd 2; the saved original, or None when there is no real fd 1."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real fd 1 (embedded interpreters)
        return None
    try:
        sys.stderr.flush()
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        return None
    return saved


def _flush_c_stdio() -> None:
    # rego-cpp writes through C stdio; flush it before fd 1 is put back.
    try:
        libc = ctypes.CDLL(None)
        libc.fflush(None)
    except (OSError, AttributeError, TypeError):  # Windows has no CDLL(None)
        pass

