"""The :class:`~natpolicy.rego.engine.RegoEngine` on ``regopy`` (rego-cpp): the fallback engine.

regopy 1.5.2 (rego-cpp) quirks handled here, each verified by
``tests/test_rego_engine.py``:

* syntax errors come back as an S-expression with *byte offsets*; they are
  turned into :class:`PolicySyntaxError`, put back on the policy's own line
  (``regopy_errors``) and mapped to line:col by the caller;
* rego-cpp writes diagnostics and ``print()`` output to the process's stdout
  (file descriptor 1, below Python); every engine call runs with fd 1
  redirected, so SARIF/JSON on stdout can never be corrupted;
* evaluation errors (the 10,000,000-statement cap, conflicting rule values,
  unknown functions) come back as ``<error>`` or as an S-expression in place
  of JSON; the message is dug out of the result node instead;
* base documents (``data``) are re-processed on every ``query()``; compiling
  once into a bundle with entrypoints and querying those avoids that;
* ``input`` and ``data`` are handed over with strings escaped, keys sorted and
  numbers as regopy can hold them (``regopy_documents``).
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from natpolicy.records import field, record
from natpolicy.rego.conftest_numbers import conftest_document
from natpolicy.rego.engine import UNDEFINED, EngineUnavailable, EvaluationError, PolicySyntaxError
from natpolicy.rego.go_json_numbers import NUMBER_KEY, number_key_written_otherwise
from natpolicy.rego.marshal_html import escape_html_in_marshals
from natpolicy.rego.negated_operands import bind_negated_operands, package_refs
from natpolicy.rego.number_texts_regopy import float_texts_for_regopy
from natpolicy.rego.regopy_arith import ARITH_HELPERS, ARITH_REFUSE, ARITH_STOPPING, arithmetic_for_regopy
from natpolicy.rego.regopy_assign import assignments_for_regopy
from natpolicy.rego.regopy_builtins import STOPPING, builtin_call_edits
from natpolicy.rego.regopy_causes import helpers_reached, refusal_causes
from natpolicy.rego.regopy_closure_unify import closure_unifications_for_regopy
from natpolicy.rego.regopy_closures import copies_for_regopy
from natpolicy.rego.regopy_documents import (
    LONG,
    LOSSY,
    NEGATIVE_ZERO,
    data_json,
    escaped_document,
    first_unreadable_string,
    go_json_dumps,
    has_long_float,
    has_negative_zero,
    int64_or_float,
)
from natpolicy.rego.regopy_errors import compile_error, error_from_node, first_message, node_text, on_policy_line
from natpolicy.rego.regopy_first_binding import move_head_terms
from natpolicy.rego.regopy_head_reads import head_reads_for_regopy
from natpolicy.rego.regopy_hoist import hoist_first_bindings
from natpolicy.rego.regopy_imports import without_rego_v1_imports
from natpolicy.rego.regopy_keys import KEYS_STOPPING, mentioned_names
from natpolicy.rego.regopy_loop_order import loops_for_regopy
from natpolicy.rego.regopy_queried import QueriedCheck, checked_module, queried_checks, unmerged_value
from natpolicy.rego.regopy_rewrite import rewrite_and_key_sites
from natpolicy.rego.regopy_sets import SetOrderUnknown, order_may_differ, set_paths_query, sets_in_opa_order
from natpolicy.rego.regopy_some_pairs import some_pairs_for_regopy
from natpolicy.rego.regopy_strings import BYTEWISE, string_call_edits
from natpolicy.rego.regopy_time import ZONE_ERROR, zone_stop
from natpolicy.rego.regorus_shadow import rename_comprehension_shadows
from natpolicy.rego.source import char_line_col, rule_line, tokens
from natpolicy.rego.sprintf_regopy import REFUSE

__all__ = ["REGOPY_VERSION", "STATEMENT_LIMIT", "RegopyEngine", "quiet_stdout"]

# The exact version every quirk above was verified against (pyproject pins it).
REGOPY_VERSION = "1.5.2"
# rego-cpp stops each query after this many VM statements; not configurable.
STATEMENT_LIMIT = 10_000_000


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
        # literals and come back as invalid JSON. Escape them first. It also
        # writes a float with six decimals (3.14159265 became 3.141593, 1e-07
        # became 0, measured): a document holding such a float goes as JSON
        # text (set_input_term), which keeps it.
        found: set[str] = set()
        document = conftest_document(document)  # numbers from 2^53 up as conftest hands them (conftest_numbers)
        escaped = escaped_document(document, found)
        imprecise, zero = LONG in found, NEGATIVE_ZERO in found
        if LOSSY in found:
            return _Prepared(None, document, imprecise=imprecise, negative_zero=zero)
        with quiet_stdout():
            return _Prepared(self._regopy.Input(escaped), document, imprecise=imprecise, negative_zero=zero)

    def is_builtin(self, name: str) -> bool:
        if self._builtins is None:
            self._builtins = self._regopy.Interpreter()
        return bool(self._builtins.is_builtin(name))

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str],
                rego_version: str = "v1") -> Any:
        if rego_version != "v1":
            # rego-cpp reads `deny[msg] { }` as an object, silently: never hand it v0.
            raise EvaluationError("regopy 1.5.2 misreads Rego v0 (`deny[msg] { ... }` becomes an object): run "
                                  "v0 policies with --rego-engine regorus, or rewrite them in Rego v1", "rego_v0")
        if not entrypoints:
            # regopy asserts on this (a bare AssertionError); callers choose
            # what to query, so this is their bug to report, not the user's.
            raise EvaluationError("nothing to evaluate: no rule was chosen as an entrypoint", "no_entrypoints")
        # The names each module's fellows mention: a rule of it they read may be read whole (regopy_keys).
        elsewhere = {name: mentioned_names(other for o, other in modules.items() if o != name) for name in modules}
        # Where a string regopy holds escaped stops the query: named in its error (see evaluate).
        string_sites = [(f"{name}:{char_line_col(source, offset)[0]}", builtin)
                        for name, source in modules.items() for offset, builtin in _string_sites(source)]
        # What regopy answers differently from OPA, rewritten to what it answers alike (regopy_rewrite), with the
        # lines of the objects wrapped to stop on their keys (regopy_keys).
        refs = package_refs(modules)
        rewritten = {name: _for_regopy(source, refs[name], elsewhere[name]) for name, source in modules.items()}
        # Where a rewrite for regopy may stop the query: named likewise.
        builtin_sites = [site for name, source in modules.items()
                         for site in _stop_sites(name, source, elsewhere[name], rewritten[name][1])]
        # Read before the rewrite, whose appended functions (regopy_builtins) name the marshals too.
        marshals = any(_MARSHAL.search(source) for source in modules.values())
        policies, modules = modules, {name: text for name, (text, _) in rewritten.items()}
        if data and has_long_float(data):
            raise EvaluationError(_LONG_FLOAT.format(where="data"), "regopy_digits")
        if data and has_negative_zero(data):
            raise EvaluationError(_NEGATIVE_ZERO.format(where="data"), "regopy_negative_zero")
        # A partial object rule queried through a hidden rule that counts its keys (regopy_queried).
        checks = queried_checks(policies, entrypoints)
        built = {**modules, **({_CHECKED: checked_module(checks)} if checks else {})}
        targets = [checks[e].entrypoint if e in checks else e for e in entrypoints]
        regopy = self._regopy
        interp = regopy.Interpreter()
        interp.log_level = regopy.LogLevel.NONE
        with quiet_stdout():
            try:
                for name, source in built.items():
                    interp.add_module(name, source)
                if data:
                    interp.add_data_json(data_json(data))
                bundle = interp.build(None, targets)
            except regopy.RegoError as exc:
                raise on_policy_line(compile_error(str(exc)), policies, modules) from None
        if not bundle.ok():
            error = compile_error(node_text(bundle.node()._impl))
            if isinstance(error, EvaluationError):
                # The error node holds the message but not its place; rego-cpp
                # prints both (`-- p.rego:3:23`) at log level ERROR: build again to read them.
                error = _located_error(built, data, targets) or error
            raise on_policy_line(error, policies, modules)  # rewrites make lines longer, never more
        return _Compiled(interp, bundle, may_refuse=any(REFUSE in source or ARITH_REFUSE in source
                                                        for source in modules.values()),
                         string_sites=string_sites, builtin_sites=builtin_sites, data=data,
                         marshals=marshals, sources=(policies, modules), checks=checks)

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        from regopy import rego_shared as rs

        interp, bundle = compiled.interp, compiled.bundle
        check = compiled.checks.get(entrypoint)
        with quiet_stdout():
            if prepared_input.imprecise:
                raise EvaluationError(_LONG_FLOAT.format(where="input"), "regopy_digits")
            if prepared_input.negative_zero:
                raise EvaluationError(_NEGATIVE_ZERO.format(where="input"), "regopy_negative_zero")
            try:
                # set_input copies the whole document into the interpreter
                # (about 0.35 s at 1k resources): once per input, not per query.
                if compiled.input is not prepared_input:
                    compiled.input = None
                    if compiled.marshals or prepared_input.input is None:
                        interp.set_input_term(prepared_input.json_text())
                    else:
                        interp.set_input(prepared_input.input)
                    compiled.input = prepared_input
                impl = rs.rego_bundle_query_entrypoint(interp._impl, bundle._impl,
                                                       entrypoint if check is None else check.entrypoint)
            except self._regopy.RegoError as exc:
                raise EvaluationError(first_message(str(exc)) or str(exc).strip()) from None
        try:
            ok = rs.rego_output_ok(impl)
            try:
                text = rs.rego_output_string(impl)
            except UnicodeDecodeError:  # a decode of bytes that are no UTF-8 (`"%ff"`): OPA keeps the bytes
                raise EvaluationError(_NOT_UTF8, "not_utf8") from None
            if not ok or not text.startswith("{"):
                if text == "undefined":
                    return UNDEFINED
                message, code = error_from_node(rs, rs.rego_output_node(impl))
                message = message or first_message(text) or text.strip()
                if ZONE_ERROR in message:  # rego-cpp names no line: the calls that read a zone are named
                    message = zone_stop(compiled.builtin_sites)
                elif compiled.may_refuse and _CONFLICT in message:
                    message += _causes(compiled, prepared_input)
                raise EvaluationError(message, code)
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
        value = expressions[0] if check is None else unmerged_value(check, expressions[0])
        key = number_key_written_otherwise(value)
        if key is not None:
            package, _, rule = entrypoint.rpartition("/")
            module, line = rule_line(compiled.sources[0], package.replace("/", "."), rule)
            raise EvaluationError(f"{module}:{line}:1: the value of {rule} {NUMBER_KEY.format(key=key)}")
        if order_may_differ(value):
            return _sets_in_opa_order(compiled.interp, entrypoint, value)
        return value


def _sets_in_opa_order(interp: Any, entrypoint: str, value: Any) -> Any:
    """``value`` with its sets in OPA's order, asking regopy which arrays are sets (see regopy_sets)."""
    refused = EvaluationError(
        "the rule's value holds a set of arrays, objects or sets, or of strings holding `\"`, `\\` or a control "
        "character, which regopy 1.5.2 lists in another order than OPA, and natpolicy could not tell which arrays "
        "are sets; run with --rego-engine regorus", "set_order")
    with quiet_stdout():
        try:
            text = interp.query(set_paths_query(entrypoint))
        except Exception:  # noqa: BLE001 - any failure of the second query leaves the order unknown
            raise refused from None
    try:
        paths = json.loads(str(text))[0]["bindings"]["paths"] if str(text).startswith("[") else \
            json.loads(str(text))["bindings"]["paths"]
        return sets_in_opa_order(value, paths)
    except (SetOrderUnknown, json.JSONDecodeError, KeyError, IndexError, TypeError):
        raise refused from None


@record
class _Compiled:
    """An interpreter with its bundle, and the input last handed to it.

    ``input`` holds the prepared input itself (not its ``id``), so it cannot
    be freed and its id reused by the next plan's input.
    """

    interp: Any
    bundle: Any
    input: Any = None
    may_refuse: bool = False  # the modules hold regopy_rewrite's functions, which may refuse a value
    string_sites: list[tuple[str, str]] = field(default_factory=list)  # (module:line, builtin) checking strings
    builtin_sites: list[tuple[str, str]] = field(default_factory=list)  # (module:line, builtin) that may stop
    data: Mapping[str, Any] | None = None
    # json.marshal and yaml.marshal of an array from an Input(dict) are undefined (its elements are not terms,
    # measured); input handed over as JSON text (set_input_term, slower) marshals as OPA does.
    marshals: bool = False
    # The modules as given and as compiled: which of natpolicy's functions the policy's lines reach, read only
    # when one may have stopped the query (regopy_causes).
    sources: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {})
    # The queried partial object rules answered through a hidden rule, by entrypoint (regopy_queried).
    checks: Mapping[str, QueriedCheck] = field(default_factory=dict)


@record
class _Prepared:
    """regopy's copy of an input document, and the document (to name where a string it cannot read is)."""

    input: Any
    document: Any
    text: str | None = None
    imprecise: bool = False  # a float of more than 15 significant digits, which regopy 1.5.2 rounds
    negative_zero: bool = False  # -0.0, which regopy 1.5.2 holds unequal to 0 (has_negative_zero)

    def json_text(self) -> str:
        """The document as JSON text, keys sorted (see data_json), for set_input_term; made once."""
        if self.text is None:
            self.text = go_json_dumps(int64_or_float(self.document))
        return self.text


def _stop_sites(name: str, source: str, elsewhere: frozenset[str], key_sites: Sequence[tuple[int, str]]
                ) -> list[tuple[str, str]]:
    """(module:line, builtin or site) of each builtin rewritten for regopy that may stop (regopy_builtins), each
    arithmetic (regopy_arith), and each object wrapped for its keys (``key_sites``, the lines _for_regopy found);
    ``elsewhere``: the names the run's other modules mention."""
    lines = [(char_line_col(source, offset)[0], builtin)
             for offset, builtin in builtin_call_edits(tokens(source), source, elsewhere)[1]
             + arithmetic_for_regopy(source)[1]]
    return [(f"{name}:{line}", builtin) for line, builtin in [*lines, *key_sites]]


def _string_sites(source: str) -> list[tuple[int, str]]:
    return string_call_edits(tokens(source))[1]


def _causes(compiled: _Compiled, prepared: _Prepared) -> str:
    """What a conflict may have come from (regopy_causes): the refusing functions the policy reaches, the calls
    that stop on a string regopy holds escaped (and where the first such string is), the rewritten builtins."""
    bytewise = any(builtin in BYTEWISE for _, builtin in compiled.string_sites)
    where = ""
    for label, document in (("input", prepared.document), ("data", compiled.data)):
        path = first_unreadable_string(document, bytewise)
        if path is not None:
            where = f"; the first such string in the {label} is at {label}{path}"
            break
    stopping = {**STOPPING, **ARITH_STOPPING, **KEYS_STOPPING}
    builtins = [f"or {builtin} at {site} given {stopping[builtin]}, which regopy 1.5.2 answers otherwise than OPA"
                for site, builtin in list(dict.fromkeys(compiled.builtin_sites))[:5]]
    return refusal_causes(helpers_reached(*compiled.sources), compiled.string_sites, where, bytewise, builtins)


# The hidden module's name (regopy_queried): no policy file's display path ends so.
_CHECKED = "<natpolicy queried keys>"
_NOT_UTF8 = ("the result holds bytes that are no UTF-8 (a base64.decode, hex.decode or urlquery.decode of them): OPA "
             "keeps them, which regopy 1.5.2 cannot; natpolicy refuses it: run with --rego-engine regorus")
# regopy's message for a conflict, the way natpolicy's functions stop a query too (regopy_causes).
_CONFLICT = "functions must not produce multiple outputs for same inputs"


# regopy 1.5.2 holds a float with 15 significant digits (0.30000000000000004 equals 0.3 there; OPA tells them apart):
# a document holding a longer one stops, never a silent difference (none of the 199 corpus plans holds one).
_LONG_FLOAT = ("the {where} holds a number of more than 15 significant digits, which regopy 1.5.2 rounds to 15 "
               "(0.30000000000000004 equals 0.3 there; OPA keeps every digit): run with --rego-engine regorus")


_MARSHAL = re.compile(r"\b(?:json|yaml)\s*\.\s*marshal")
# Handed as 0 instead, it would compare as OPA compares but print 0 in json.marshal, sprintf's arrays and object keys
# (OPA: -0); handed as the text -0, it reads as below 0. A document holding it is rare: it stops, as a long float.
_NEGATIVE_ZERO = ("the {where} holds a negative zero (-0 or -0.0), which regopy 1.5.2 holds unequal to 0 "
                  "inside arrays, sets and objects (`[-0.0] == [0]` is false there, true in OPA) and writes -0.0 in "
                  "json.marshal (OPA: -0): run with --rego-engine regorus")


_PRINTED_ERROR = re.compile(r"^(?P<message>[^\n]+)\n-- (?P<module>.+?):(?P<line>\d+):(?P<col>\d+)[ \t]*$", re.MULTILINE)
# Another pass prints its place first: `p.rego:3:1: conflicting definitions of `a`:` (a function's parameters
# naming one variable twice, `f(a, a) := a`), whose error node held no message ("rego-cpp gave no detail").
_PRINTED_PLACE_FIRST = re.compile(
    r"^(?P<module>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): (?P<message>[^\n]*?):?[ \t]*$", re.MULTILINE)


def _located_error(modules: Mapping[str, str], data: Mapping[str, Any] | None,
                   entrypoints: Sequence[str]) -> PolicySyntaxError | None:
    """The first error rego-cpp prints with its ``module:line:col``, as a :class:`PolicySyntaxError`."""
    import tempfile

    import regopy

    interp = regopy.Interpreter()
    interp.log_level = regopy.LogLevel.ERROR
    with _REDIRECT_LOCK, tempfile.TemporaryFile() as sink:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            os.dup2(sink.fileno(), 1)
            try:
                for name, source in modules.items():
                    interp.add_module(name, source)
                if data:
                    interp.add_data_json(data_json(data))
                interp.build(None, list(entrypoints))
            except regopy.RegoError:
                pass
            finally:
                _flush_c_stdio()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        sink.seek(0)
        printed = sink.read(1 << 20).decode("utf-8", "replace")
    for match in [*_PRINTED_ERROR.finditer(printed), *_PRINTED_PLACE_FIRST.finditer(printed)]:
        name = match.group("module")
        if name in modules:
            lines = modules[name].split("\n")
            row, col = int(match.group("line")), int(match.group("col"))
            before = "".join(line + "\n" for line in lines[:row - 1])
            current = lines[row - 1] if 0 < row <= len(lines) else ""
            offset = len((before + current[:max(col - 1, 0)]).encode("utf-8"))
            return PolicySyntaxError(name, offset, 1, match.group("message").strip())
    return None


# -- stdout protection --------------------------------------------------------
_REDIRECT_LOCK = threading.Lock()
_redirect_depth = 0
_saved_stdout: int | None = None


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
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


@functools.lru_cache(maxsize=256)
def _for_regopy(source: str, refs: frozenset[str] | None = None, elsewhere: frozenset[str] = frozenset()
                ) -> tuple[str, tuple[tuple[int, str], ...]]:
    """rewrite_for_regopy once per module text (a set with per-plan data is compiled for every plan), and (line,
    site) of each object it wraps to stop on its keys (regopy_keys); ``refs``: the names of the package's rules
    and the module's imports (negated_operands); ``elsewhere``: the names the run's other modules mention."""
    # A negated call's ref operands bound before the `not` as OPA's compiler does (negated_operands); a bracket
    # variable bound outside a comprehension copied before it (regopy_closures); iterating refs assigned through a
    # unification first (regopy_assign: rego-cpp crashes on `h := x[_].t` read again); refs hoisted
    # (regopy_hoist); then arithmetic, its helpers last: no other rewrite sees them.
    # A two-name `some ... in` of an array or set comprehension, which regopy cannot parse, written as OPA's
    # compiler reads it (regopy_some_pairs), before the closures' copies read its ref.
    # Before all: a comprehension's own `some v in` variable named like one of the rule around it renamed inside it,
    # as OPA scopes it (regorus_shadow; regopy bound the outer one).
    # First of all: a head term reading a variable regopy binds only in a body moved to the body's end, as OPA's
    # compiler moves it (regopy_first_binding.move_head_terms); then a sprintf element naming a whole float
    # literal marked with its text (number_texts_regopy), as guards read the policy; then a comprehension's head
    # reading a name from outside that its body never mentions gets the name mentioned in its body, so that regopy
    # binds it from outside (regopy_head_reads; it answered empty), and a comprehension's `=` of a name bound
    # outside it compared through a new name (regopy_closure_unify).
    # Before anything: `import rego.v1` blanked (regopy_imports: rego-cpp binds `v1` by it, OPA binds nothing).
    first = head_reads_for_regopy(float_texts_for_regopy(move_head_terms(without_rego_v1_imports(source))))
    shadows = closure_unifications_for_regopy(rename_comprehension_shadows(first))
    negated = some_pairs_for_regopy(bind_negated_operands(shadows, refs))
    arithmetic, sites = arithmetic_for_regopy(hoist_first_bindings(assignments_for_regopy(copies_for_regopy(negated))))
    # json.marshal escaping as Go does (marshal_html); a prefix or indent it would reach stops (regopy_builtins).
    out, key_sites = rewrite_and_key_sites(escape_html_in_marshals(arithmetic, options_apart=False), elsewhere)
    # Last: each later iteration of an array comprehension reads the earlier ones' names, so regopy keeps OPA's order
    # of loops; after the rewrites above, it reads the collections they wrapped (regopy_loop_order).
    out = loops_for_regopy(out)
    return (out + ("" if out.endswith("\n") else "\n") + ARITH_HELPERS if sites else out), key_sites
