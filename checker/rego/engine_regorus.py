"""The :class:`~natpolicy.rego.engine.RegoEngine` on regorus (``gordon-to-regorus``): the default engine.

regorus 0.13.0 behaviour handled here, each verified by ``tests/test_rego_conformance.py``:

* a module is only parsed by ``add_policy``; unsafe variables and the other
  checks of a whole module happen on the first evaluation, so ``compile``
  evaluates ``true`` once to report them before any query runs;
* errors are one text: ``--> file:line:col``, the source line, ``error: ...``
  and a Rust backtrace; the location and the message are kept, the rest dropped;
* results come back as JSON with sets in Rego's order (sorted), as OPA
  writes them, except a set holding both an object and a set (regorus lists
  the set first): a value that may hold one is checked by a second query
  and stops with the rule's line; an undefined rule is an empty result,
  never ``null``;
* a builtin regorus lacks is an error only when a call is reached, so
  :meth:`is_builtin` asks the engine itself about each called name up front;
* a partial rule whose head computes returns nothing when the head is
  undefined for one element: each module is compiled with such heads bound
  in the body (``regorus_heads``), which OPA and regorus answer alike;
* ``not`` over an expression holding ``_`` negated each element in turn,
  where OPA's negation holds only when no element matches: compiled as
  ``count([1 | EXPR]) == 0`` (``regorus_negation``);
* a ``some j`` declaration that runs twice in one body stops it with
  "duplicated definition of local variable": each is moved to the start of
  its body (``regorus_some``), where it runs once and means the same;
* its ``sprintf`` prints many arguments otherwise than OPA (``%s`` of 1 is
  ``1``, OPA's ``%!s(int=1)``): every engine gets OPA's, in Python, under the
  same name (``add_extension`` replaces the builtin; ``sprintf_opa``). What
  that cannot print exactly stops the query with the line of the call;
* its ``strings.replace_n`` replaces one pattern after another, OPA's in one
  pass (Go's ``strings.NewReplacer``): OPA's, in Python (``replace_opa``); its
  ``strings.count`` counts overlapping occurrences (``"aaa"``, ``"aa"``: 2, OPA
  1) and panics on ``""``, and its ``indexof``/``indexof_n`` answer an empty
  search, where OPA errors: OPA's (``text_opa``); its ``substring`` answers a
  non-integer offset or length, where OPA errors, and its ``format_int``
  writes ``-0``: OPA's (``strings_opa``);
* its ``ceil`` and ``floor`` are mathematics' between -1 and 0, OPA's are not
  (``ceil(-0.5)`` is 1 there), and its ``to_number`` reads text OPA does not
  (``" 1"``) and refuses text OPA reads (``".5"``), and its ``bits.lsh`` past 2^53 is a
  float: OPA's, in Python (``numbers_opa``);
* its ``lower`` and ``upper`` map case as Rust does (a final sigma, ``ß`` to ``SS``), OPA's
  character by character as Go does: OPA's, in Python (``case_opa``);
* its ``urlquery.*`` escape and split otherwise than Go's ``net/url`` (``decode``
  dropped ``&``): OPA's, in Python (``urlquery_opa``); so does ``time.format``
  Go's ``Time.Format`` (``.500Z`` for ``.5Z``) and ``time.add_date`` its ``AddDate``
  (a month past January 31 is March 2, not February 29), and ``time.date``/``clock``/``weekday`` in a zone
  dropped daylight saving time from 2100 on, and ``time.diff`` subtracted UTC's clocks (OPA: the first time's
  zone's): OPA's, in Python (``time_opa``);
  and ``uuid.parse`` google/uuid's (variant ``NCS`` for ``Reserved``): OPA's, in
  Python (``uuid_opa``; the calls renamed to keep undefined undefined); and
  ``indexof``, ``indexof_n``, ``strings.count`` (an empty search) and
  ``glob.quote_meta``: OPA's, in Python (``text_opa``); ``yaml.unmarshal`` read
  YAML 1.2 where OPA's go-yaml v2 reads 1.1 (``yes`` is true): natpolicy reads the YAML (``yaml_opa``);
* its ``sum`` and ``product`` of non-integers are f64 (OPA: 64- and 53-bit big floats), its ``units.parse(_bytes)``
  undefined on a unit OPA refuses, and its ``object.subset`` false (or a panic) where OPA answers otherwise:
  OPA's, in Python (``arith_opa``, ``units_opa``, ``subset_opa``); and its ``time.parse_duration_ns`` stopped
  without a line: Go's, in Python (``duration_opa``); its ``net.cidr_contains`` reads an IPv4-mapped IPv6
  address as IPv6 (Go: as IPv4), its ``semver.is_valid`` refuses ``1.0.0-`` and ``01.0.0`` (OPA: valid) and its
  ``rand.intn`` of a negative n is undefined: OPA's, in Python (``cidr_opa``, ``semver_opa``); its
  ``json.filter`` and ``json.remove`` read ``~0``/``~1``, ``//`` and paths below a scalar otherwise than OPA:
  OPA's, in Python (``json_paths_opa``); its ``json.is_valid`` of a lone surrogate escape is false (Go:
  true): Go's grammar, in Python (``json_valid_opa``); its ``regex.template_match`` matched each part's leftmost
  match in turn and panicked on text shorter than the template's prefix: OPA's, in Python (``template_opa``);
* its ``regex.*`` read patterns with Rust's ``regex`` (``\\d \\w \\s \\b`` Unicode's, ``a**`` taken, ``[a[b]]``
  nested): each pattern operand is written as Rust reads it the way Go's RE2 reads it, a literal in place, any
  other through a call of an extension on its line (``re2_regorus``, ``re2_syntax``);
* its ``count`` of a string counts UTF-16 code units (``count("😀")`` is 2, OPA's 1 rune): each
  call's first argument goes through a function that hands a string to OPA's count in Python
  form (``runes_opa``), on its line; its ``time.parse_ns`` and ``time.parse_rfc3339_ns`` read text Go's
  ``time.Parse`` refuses (``"2020-03-4"`` for ``2006-01-02``, a leap second, a lowercase ``t``), dropped a
  ``+05`` offset and read ``69`` as 2069: Go's parse, in Python, on the call's line (``time_parse_opa``);
* its ``+ - * /`` of non-integers are f64 (``0.1 + 0.2 == 0.3`` is false), OPA's a
  64-bit-mantissa big.Float: each such operator becomes a call of OPA's, in Python
  (``arith_regorus``, ``arith_opa``), which stops the query where no f64 holds OPA's answer.

What regorus answers differently from OPA is refused before it runs, by
``natpolicy.rego.guards``, never here.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from natpolicy.records import record
from natpolicy.rego.arith_regorus import ARITH_EXTENSIONS, arith_site_line, arithmetic_for_regorus
from natpolicy.rego.conftest_numbers import conftest_document, conftest_json_text
from natpolicy.rego.engine import UNDEFINED, EngineUnavailable, EvaluationError
from natpolicy.rego.go_json_numbers import (
    NUMBER_KEY,
    NUMBERS_EXTENSION,
    answer_number,
    forget_computed_texts,
    holds_negative_zero,
    number_key_written_otherwise,
    opa_json_numbers,
)
from natpolicy.rego.import_names import data_import_refs_for_regorus
from natpolicy.rego.input_pruning import PrunerOnDemand
from natpolicy.rego.json_first_regorus import json_values_for_regorus
from natpolicy.rego.lazy_extensions import made_on_first_call, on_first_call
from natpolicy.rego.marshal_html import escape_html_in_marshals
from natpolicy.rego.negated_operands import bind_negated_operands, original_column, package_refs
from natpolicy.rego.number_texts_regorus import (
    NO_TEXT_CONTEXT,
    TextContext,
    add_number_text_extensions,
    number_texts_for_regorus,
    text_contexts,
)
from natpolicy.rego.numbers_opa import opa_bits_lsh, opa_ceil, opa_floor, opa_to_number_by_value
from natpolicy.rego.re2_regorus import (
    PATTERN_EXTENSION,
    VALID_EXTENSION,
    opa_re2_pattern,
    opa_re2_valid_pattern,
    re2_for_regorus,
)
from natpolicy.rego.regorus_else import bind_else_values
from natpolicy.rego.regorus_errors import one_line, report_prints, syntax_error
from natpolicy.rego.regorus_heads import bind_heads, head_site
from natpolicy.rego.regorus_helpers import without_repeated_helpers
from natpolicy.rego.regorus_input import prepared_input, set_input
from natpolicy.rego.regorus_iteration import iterables_for_regorus
from natpolicy.rego.regorus_negation import negations_for_regorus
from natpolicy.rego.regorus_negative_zero import ANSWER_NEGATIVE_ZERO, answer_holds_negative_zero, negative_zero_stop
from natpolicy.rego.regorus_object_keys import keys_to_check
from natpolicy.rego.regorus_order import (
    MIXED_SET_QUERY,
    ORDER_REFUSED,
    order_for_regorus,
    site_line,
    value_may_hold_mixed_set,
)
from natpolicy.rego.regorus_shadow import rename_comprehension_shadows
from natpolicy.rego.regorus_some import hoist_declarations
from natpolicy.rego.runes_opa import (
    CHECKED_EXTENSION,
    COUNT_SITE,
    RUNES_EXTENSION,
    count_for_regorus,
    mocks_count,
    opa_rune_text,
    opa_rune_text_checked,
)
from natpolicy.rego.source import rule_line
from natpolicy.rego.sprintf_opa import opa_sprintf
from natpolicy.rego.time_parse_opa import (
    TIME_PARSE_EXTENSION,
    opa_parse_ns,
    opa_parse_rfc3339_ns,
    time_parse_for_regorus,
)
from natpolicy.rego.uuid_opa import PARSE_EXTENSION, opa_uuid_parse, uuid_for_regorus
from natpolicy.rego.yaml_opa import YAML_JSON_EXTENSION, opa_yaml_json, yaml_for_regorus

__all__ = ["REGORUS_VERSION", "INPUT_DEPTH_LIMIT", "RegorusEngine", "new_engine", "panic_error"]

REGORUS_VERSION = "0.13.0"
INPUT_DEPTH_LIMIT = 127
_PROBE_PACKAGE = "natpolicy_builtin_probe"
_IMPORTS_REGO_V1 = re.compile(r"^\s*import\s+rego\.v1\b", re.MULTILINE)


class RegorusEngine:
    """:class:`RegoEngine` on top of ``regorus``."""

    name = "regorus"
    # set_input_json (serde_json) refuses JSON nested 128 levels deep or more (measured on 0.13.0).
    input_depth_limit = INPUT_DEPTH_LIMIT
    reads_rego_v0 = True  # `compile(..., rego_version="v0")`: a policy set holding Rego v0 (natpolicy.rego.child)

    def __init__(self) -> None:
        # Not importlib.metadata (about 20 ms of every child's start): installed_version reads the same answer
        # from the common dist-info layout, as the parent does (engines), and asks importlib.metadata for any other.
        from natpolicy.rego.dist_version import installed_version

        try:
            import regorus
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EngineUnavailable(f"Rego needs gordon-to-regorus=={REGORUS_VERSION}: pip install "
                                    f"'natpolicy[rego]' ({exc})") from None
        version = installed_version("gordon-to-regorus") or "unknown"  # None: imported, yet not installed by pip
        if version != REGORUS_VERSION:
            raise EngineUnavailable(f"natpolicy is verified against gordon-to-regorus=={REGORUS_VERSION}, "
                                    f"found {version}; pip install 'gordon-to-regorus=={REGORUS_VERSION}'")
        self._regorus = regorus
        self._builtins: dict[str, bool] = {}

    # -- the interface ----------------------------------------------------
    def prepare_input(self, document: Any) -> Any:
        # JSON text once per plan: set_input_json parses it in Rust, faster
        # than converting nested Python values call by call (measured).
        # Numbers from 2^53 up as conftest hands them to OPA, float64s (conftest_numbers).
        return prepared_input(json.dumps(conftest_document(document), ensure_ascii=False))

    def prepare_input_json(self, text: str | None, utf8: bytes | None = None) -> Any:
        """A JSON text as it is: a plan as Terraform wrote it is never built in Python, nor written again (but
        for a number from 2^53 up, written as the float64 conftest hands OPA for it: conftest_numbers). ``utf8``:
        the text's UTF-8, where the caller holds it (searched for such a number without encoding the text);
        ``text`` may then be ``None``: decoded from ``utf8`` only where it is read whole."""
        written = conftest_json_text(text, utf8)
        return prepared_input(written, utf8 if written is text else None)

    def is_builtin(self, name: str) -> bool:
        if name not in self._builtins:
            # Called with no arguments: an existing builtin fails on its
            # arity, a missing one on "could not find function".
            engine = self._regorus.Engine()
            engine.add_policy("probe.rego", f"package {_PROBE_PACKAGE}\nx := {name}()\n")
            try:
                engine.eval_rule(f"data.{_PROBE_PACKAGE}.x")
                found = True
            except RuntimeError as exc:
                found = "could not find function" not in str(exc)
            self._builtins[name] = found
        return self._builtins[name]

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str],
                rego_version: str = "v1") -> Any:
        if not entrypoints:
            raise EvaluationError("nothing to evaluate: no rule was chosen as an entrypoint", "no_entrypoints")
        engine = new_engine(self._regorus)
        engine.set_rego_v0(rego_version == "v0")
        # A module is read as v0 unless it says `import rego.v1`: natpolicy's functions appended to it follow.
        v0 = {name: rego_version == "v0" and _IMPORTS_REGO_V1.search(source) is None
              for name, source in modules.items()}
        engine.set_gather_prints(True)
        count_mocked = any(mocks_count(source) for source in modules.values())
        contexts = text_contexts(modules)
        # Heads that compute are bound in the body instead (regorus_heads), `some x` declarations moved to the
        # start of their body (regorus_some), ...; each helper function defined once per package (regorus_helpers).
        refs = package_refs(modules)
        # Objects iterated are checked for keys of both an object and a set only where one may be built.
        keyed = keys_to_check(modules.values())
        rewritten = without_repeated_helpers(
            {name: _for_regorus(source, v0[name], count_mocked, refs[name], contexts[name], keyed)
             for name, source in modules.items()},
            modules)
        for name, text in rewritten.items():
            try:
                engine.add_policy(name, text)
            except RuntimeError as exc:
                raise syntax_error(str(exc), modules) from None
        zero_stop = negative_zero_stop(modules)  # a call showing a negative zero otherwise (regorus_negative_zero)
        if data:
            data_text = json.dumps(data)
            if zero_stop and holds_negative_zero(data_text):
                raise EvaluationError(zero_stop.format(where="data"), "regorus_negative_zero")
            engine.add_data_json(data_text)
        try:
            # The whole-module checks (unsafe variables, unknown references)
            # run on the first evaluation: run one now, before any query.
            engine.eval_query("true")
        except RuntimeError as exc:
            raise syntax_error(str(exc), modules) from None
        orders = any(ORDER_REFUSED in _for_regorus(source, v0[name], False, refs[name], contexts[name], keyed)
                     for name, source in modules.items())
        # Each input is cut down to what these modules can observe (input_paths, input_pruning).
        return _Compiled(engine, orders=orders, modules=dict(modules), v0=v0, zero_stop=zero_stop,
                         pruner=PrunerOnDemand(engine, INPUT_DEPTH_LIMIT))

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        engine = compiled.engine
        try:
            if compiled.zero_stop and prepared_input.negative_zero():
                raise EvaluationError(compiled.zero_stop.format(where="input"), "regorus_negative_zero")
            if compiled.input is not prepared_input:
                compiled.input = None
                set_input(engine, prepared_input.pruned(compiled.pruner))
                compiled.input = prepared_input
            forget_computed_texts()  # regorus computes each query afresh (measured): its arithmetic's texts only
            text = engine.eval_query_as_json("data." + ".".join(entrypoint.split("/")))
        except RuntimeError as exc:
            message = one_line(str(exc))
            if _CONFLICT in message and compiled.orders:
                message = _order_refusal(message, compiled.modules, compiled.v0)
            mapped = _at_minus_site(_at_head_site(_at_count_site(message), compiled.modules, compiled.v0),
                                    compiled.modules, compiled.v0)
            raise EvaluationError(_at_policy_column(message, compiled.modules) if mapped == message else mapped) \
                from None
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException, a BaseException
            raise panic_error(exc) from None
        finally:
            report_prints(engine.take_prints())
        # A whole float past 64 bits is answered as OPA answers conftest's number: Go's text of it (answer_number).
        results = json.loads(text, parse_float=answer_number).get("result") or []
        if not results:
            return UNDEFINED
        expressions = results[0].get("expressions") or []
        value = expressions[0].get("value") if expressions else UNDEFINED
        key = number_key_written_otherwise(value)
        if key is not None:  # before forget_computed_texts runs again: the query's arithmetic is noted
            package, _, rule = entrypoint.rpartition("/")
            module, line = rule_line(compiled.modules or {}, package.replace("/", "."), rule)
            raise EvaluationError(f"{module}:{line}:1: the value of {rule} {NUMBER_KEY.format(key=key)}")
        if answer_holds_negative_zero(value):
            package, _, rule = entrypoint.rpartition("/")
            module, line = rule_line(compiled.modules or {}, package.replace("/", "."), rule)
            raise EvaluationError(f"{module}:{line}:1: {ANSWER_NEGATIVE_ZERO.format(rule=rule)}",
                                  "regorus_negative_zero")
        if value is not UNDEFINED and value_may_hold_mixed_set(value):
            _stop_mixed_set_value(compiled, entrypoint)
        return value


def panic_error(exc: BaseException) -> BaseException:
    """A Rust panic in regorus (pyo3's ``PanicException``) as one line naming it; any other exception as it is."""
    if type(exc).__name__ != "PanicException":
        return exc
    return EvaluationError(f"regorus {REGORUS_VERSION} panicked ({one_line(str(exc))}): a bug of the engine, met by "
                           "a builtin's arguments, not the policy's; run with --rego-engine regopy")


def _stop_mixed_set_value(compiled: _Compiled, entrypoint: str) -> None:
    """Stop where the rule's value holds a set holding both an object and a set: its elements are in regorus'
    order (the set first), which natpolicy cannot put back in OPA's from the JSON (a set is an array there)."""
    query = MIXED_SET_QUERY.format(value="data." + ".".join(entrypoint.split("/")))
    try:
        results = json.loads(compiled.engine.eval_query_as_json(query)).get("result") or []
    except RuntimeError as exc:
        raise EvaluationError(one_line(str(exc))) from None
    if not results or results[0]["expressions"][0].get("value") is not True:
        return
    package, _, rule = entrypoint.rpartition("/")
    module, line = rule_line(compiled.modules or {}, package.replace("/", "."), rule)
    raise EvaluationError(f"{module}:{line}:1: the value of {rule} holds a set holding both an object and a set"
                          f"{_VALUE_REFUSED}")


def new_engine(regorus: Any) -> Any:
    """A regorus ``Engine`` with OPA's ``sprintf`` in place of its own (see the module's docstring)."""
    engine = regorus.Engine()
    engine.add_extension("sprintf", 2, opa_sprintf)
    engine.add_extension("strings.replace_n", 2, on_first_call("replace_opa", "opa_replace_n"))
    engine.add_extension("substring", 3, on_first_call("strings_opa", "opa_substring"))
    engine.add_extension("format_int", 2, on_first_call("strings_opa", "opa_format_int"))
    engine.add_extension("ceil", 1, opa_ceil)
    engine.add_extension("floor", 1, opa_floor)
    engine.add_extension("to_number", 1, opa_to_number_by_value)
    add_number_text_extensions(engine)
    engine.add_extension("bits.lsh", 2, opa_bits_lsh)
    engine.add_extension("lower", 1, on_first_call("case_opa", "opa_lower"))
    engine.add_extension("upper", 1, on_first_call("case_opa", "opa_upper"))
    engine.add_extension("urlquery.encode", 1, on_first_call("urlquery_opa", "opa_urlquery_encode"))
    engine.add_extension("urlquery.decode", 1, on_first_call("urlquery_opa", "opa_urlquery_decode"))
    engine.add_extension("urlquery.encode_object", 1, on_first_call("urlquery_opa", "opa_urlquery_encode_object"))
    engine.add_extension("urlquery.decode_object", 1, on_first_call("urlquery_opa", "opa_urlquery_decode_object"))
    engine.add_extension("time.format", 1, on_first_call("time_opa", "opa_time_format"))
    engine.add_extension("time.add_date", 4, on_first_call("time_opa", "opa_add_date"))
    engine.add_extension("time.date", 1, on_first_call("time_opa", "opa_time_date"))
    engine.add_extension("time.clock", 1, on_first_call("time_opa", "opa_time_clock"))
    engine.add_extension("time.weekday", 1, on_first_call("time_opa", "opa_time_weekday"))
    engine.add_extension("time.diff", 2, on_first_call("time_opa", "opa_time_diff"))
    engine.add_extension("time.parse_rfc3339_ns", 1, opa_parse_rfc3339_ns)
    engine.add_extension(PARSE_EXTENSION, 1, opa_uuid_parse)
    engine.add_extension("indexof", 2, on_first_call("text_opa", "opa_indexof"))
    engine.add_extension("indexof_n", 2, on_first_call("text_opa", "opa_indexof_n"))
    engine.add_extension("strings.count", 2, on_first_call("text_opa", "opa_strings_count"))
    engine.add_extension("glob.quote_meta", 1, on_first_call("text_opa", "opa_glob_quote_meta"))
    engine.add_extension("sum", 1, on_first_call("arith_opa", "opa_sum"))
    engine.add_extension("product", 1, on_first_call("arith_opa", "opa_product"))
    engine.add_extension("units.parse", 1, on_first_call("units_opa", "opa_units_parse"))
    engine.add_extension("units.parse_bytes", 1, on_first_call("units_opa", "opa_units_parse_bytes"))
    engine.add_extension("object.subset", 2, on_first_call("subset_opa", "opa_object_subset"))
    engine.add_extension("time.parse_duration_ns", 1, on_first_call("duration_opa", "opa_parse_duration_ns"))
    engine.add_extension("net.cidr_contains", 2, on_first_call("cidr_opa", "opa_cidr_contains"))
    engine.add_extension("semver.is_valid", 1, on_first_call("semver_opa", "opa_semver_is_valid"))
    engine.add_extension("rand.intn", 2, made_on_first_call("semver_opa", "rand_intn_for_engine"))
    engine.add_extension("json.filter", 2, on_first_call("json_paths_opa", "opa_json_filter"))
    engine.add_extension("json.remove", 2, on_first_call("json_paths_opa", "opa_json_remove"))
    engine.add_extension("json.is_valid", 1, on_first_call("json_valid_opa", "opa_json_is_valid"))
    engine.add_extension("graph.reachable_paths", 2, on_first_call("reachable_opa", "opa_reachable_paths"))
    engine.add_extension("regex.template_match", 4,
                         made_on_first_call("template_opa", "template_match_for_regorus", (regorus,)))
    engine.add_extension(YAML_JSON_EXTENSION, 1, opa_yaml_json)
    engine.add_extension(RUNES_EXTENSION, 1, opa_rune_text)
    engine.add_extension(CHECKED_EXTENSION, 2, opa_rune_text_checked)
    engine.add_extension(TIME_PARSE_EXTENSION, 2, opa_parse_ns)
    engine.add_extension(PATTERN_EXTENSION, 1, opa_re2_pattern)
    engine.add_extension(NUMBERS_EXTENSION, 1, opa_json_numbers)
    engine.add_extension(VALID_EXTENSION, 1, opa_re2_valid_pattern)
    for operator, compute in (("+", "opa_plus"), ("-", "opa_minus"), ("*", "opa_multiply"), ("/", "opa_divide")):
        engine.add_extension(ARITH_EXTENSIONS[operator], 2, on_first_call("arith_opa", compute))
    # OPA's own: abs writes a non-integer as arithmetic does (1.2345675e+06); round stops past 2^64, as ceil does.
    engine.add_extension("abs", 1, on_first_call("arith_opa", "opa_abs"))
    engine.add_extension("round", 1, on_first_call("arith_opa", "opa_round"))
    return engine


@record
class _Compiled:
    """An engine with its policies, and the input last handed to it (held, so its id is not reused)."""

    engine: Any
    input: Any = None
    orders: bool = False  # the modules hold regorus_order's functions, which may stop a query
    modules: Mapping[str, str] | None = None
    v0: Mapping[str, bool] | None = None  # each module read as Rego v0 (its appended functions without `if`)
    zero_stop: str | None = None  # the stop at the first call showing a negative zero otherwise (its {where} unfilled)
    pruner: PrunerOnDemand | None = None  # cuts each large input down to what the modules observe (None: whole)


def _at_minus_site(message: str, modules: Mapping[str, str] | None, v0: Mapping[str, bool] | None) -> str:
    """An error inside arith_regorus' function for a ``-`` (a set minus an array), placed at the policy's ``-``."""
    location = re.match(r"^(?P<module>.+?):(?P<line>\d+):(?P<col>\d+): ", message)
    if location is None or not modules or location.group("module") not in modules:
        return message
    module = location.group("module")
    line = arith_site_line(_rewritten(modules, module, v0), int(location.group("line")))
    return message if line is None else f"{module}:{line}:1: {message[location.end():]}"


def _at_policy_column(message: str, modules: Mapping[str, str] | None) -> str:
    """An error's column on a line where negated_operands bound operands before a `not`, put back on the policy's
    own text (the operand's place for an error in its binding)."""
    location = re.match(r"^(?P<module>.+?):(?P<line>\d+):(?P<col>\d+): ", message)
    if location is None or not modules or location.group("module") not in modules:
        return message
    module, line = location.group("module"), int(location.group("line"))
    col = original_column(modules[module], package_refs(modules)[module], line, int(location.group("col")))
    return f"{module}:{line}:{col}: {message[location.end():]}"


_COUNT_STOP = re.compile(rf"^(?P<module>.+?):\d+:\d+: {COUNT_SITE}(?P<line>\d+): ")


def _at_count_site(message: str) -> str:
    """runes_opa's stop inside its wrapper of count's argument, placed at the policy's count call."""
    stop = _COUNT_STOP.match(message)
    return message if stop is None else f"{stop.group('module')}:{stop.group('line')}:1: {message[stop.end():]}"


def _at_head_site(message: str, modules: Mapping[str, str] | None, v0: Mapping[str, bool] | None) -> str:
    """An error in a head term regorus_heads bound at the end of its body, placed back at the head."""
    location = re.match(r"^(?P<module>.+?):(?P<line>\d+):(?P<col>\d+): ", message)
    if location is None or not modules or location.group("module") not in modules:
        return message
    module = location.group("module")
    rewritten = _rewritten(modules, module, v0)
    site = head_site(rewritten, int(location.group("line")), int(location.group("col")))
    return message if site is None else f"{module}:{site[0]}:{site[1]}: {message[location.end():]}"


def _order_refusal(message: str, modules: Mapping[str, str] | None, v0: Mapping[str, bool] | None) -> str:
    """regorus' conflict error at a check of regorus_order, placed at the policy's comparison or sort call."""
    location = re.match(r"^(?P<module>.+?):(?P<line>\d+):(?P<col>\d+): ", message)
    if location is None or not modules or location.group("module") not in modules:
        return message + _ORDER_REFUSED
    module = location.group("module")
    site = site_line(_rewritten(modules, module, v0), int(location.group("line")))
    if site is None:
        return message + _ORDER_REFUSED
    line, checked = site
    why = {"glob": _GLOB_REFUSED, "iteration": _ITERATION_REFUSED, "sprintf": _MERGED_REFUSED,
           "marshal": _MARSHAL_REFUSED, "split": _SPLIT_REFUSED, "yaml": _YAML_REFUSED}.get(
        checked, _ORDER_REFUSED)
    return f"{location.group('module')}:{line}:1: {message[location.end():]}{why}"


# What regorus_order's functions stop a query with, where regorus would order an object and a set otherwise than OPA.
_CONFLICT = "functions must not produce multiple outputs for same inputs"
_ORDER_REFUSED = (" (natpolicy: an object and a set compared, or sorted, min or max among each other, at any depth: "
                  "regorus 0.13.0 orders an object after a set, OPA before; natpolicy refuses it: run with "
                  "--rego-engine opa)")


_ITERATION_REFUSED = (" (natpolicy: a set holding both an object and a set, or an object keyed by both, iterated "
                      "(or walked) in an array comprehension: regorus 0.13.0 lists the set first, OPA the object; "
                      "natpolicy refuses it: run with --rego-engine opa)")
_MARSHAL_REFUSED = (" (natpolicy: a set holding both an object and a set written by json.marshal, "
                    "json.marshal_with_options or yaml.marshal: regorus 0.13.0 writes the set first, OPA the object; "
                    "or an object keyed by a number, boolean or null beside the string of its text there, or by "
                    "an array and a set of one text: regorus writes both keys, OPA one; natpolicy refuses it: run "
                    "with --rego-engine opa)")
_YAML_REFUSED = (" (natpolicy: yaml.marshal of a value regorus 0.13.0 writes otherwise than OPA's go-yaml v2 (keys in "
                 "its natural order, a2 before a10; strings YAML 1.1 reads as another type, \"yes\", \"on\", dates, "
                 "double-quoted; strings past 80 columns folded; Go's float format), or, as for json.marshal, a set "
                 "holding both an object and a set, or an object keyed by a number, boolean or null beside the "
                 "string of its text: natpolicy writes only strings of printable ASCII starting with a letter (one "
                 "holding a space at most 40 characters, 8 levels down, under a key of at most 20), keys of letters "
                 "and `_ . / -`, integers, booleans and null; run with --rego-engine opa)")
_SPLIT_REFUSED = (" (natpolicy: regex.split with a pattern that matches the empty text: regorus 0.13.0 keeps the "
                  "empty pieces at the ends, OPA (Go's regexp.Split) drops them (regex.split(\"\", \"abc\") is "
                  "[\"a\", \"b\", \"c\"] in OPA); natpolicy refuses it: run with --rego-engine opa)")
_VALUE_REFUSED = (" (natpolicy: regorus 0.13.0 lists such a set's set first, OPA its object, and the rule's value "
                  "leaves the engine in regorus' order; natpolicy refuses it: run with --rego-engine opa)")
_MERGED_REFUSED = (" (natpolicy: a set holding both true and 1, or false and 0, or an object keyed by both, given to "
                   "sprintf: regorus 0.13.0 hands natpolicy's sprintf the two as one element (Python's True == 1), "
                   "where OPA prints both; natpolicy refuses it: run with --rego-engine opa)")
_GLOB_REFUSED = (" (natpolicy: glob.match with `?` or a class `[...]` on text holding a non-ASCII character: regorus "
                 "0.13.0 matches bytes, OPA characters (`glob.match(\"a?b\", [], \"aéb\")` is true in OPA); or with "
                 "a class on text holding a delimiter, `[^`, `**` inside a segment, or a delimiter that is `:` or not "
                 "one character, which regorus reads otherwise than OPA's gobwas/glob (`glob.match(\"a**\", [], "
                 "\"a.b\")` is true in OPA); natpolicy refuses it: run with --rego-engine opa)")


def _rewritten(modules: Mapping[str, str], module: str, v0: Mapping[str, bool] | None) -> str:
    """The text regorus compiled for ``module`` (without count's mocked wrapper, which moves no line)."""
    return _for_regorus(modules[module], bool(v0 and v0.get(module)), False, package_refs(modules)[module],
                        text_contexts(modules)[module], keys_to_check(modules.values()))


@functools.lru_cache(maxsize=256)
def _for_regorus(source: str, v0: bool = False, count_mocked: bool = False,
                 refs: frozenset[str] | None = None, texts: TextContext = NO_TEXT_CONTEXT,
                 keyed: frozenset[str] | None = None) -> str:
    """The rewrites, once per module text: a set with per-plan data (the twins) is compiled
    again for every plan, and the rewrites' tokenizer costs more than regorus' own parse. ``refs``: the names
    of the package's rules and the module's imports (negated_operands); ``keyed``: where the run may key an object
    by a set, the rules iterated without a check of their keys (regorus_object_keys)."""
    # And comparisons and sort/min/max that may meet an object and a set, ordered as OPA does (regorus_order).
    # And json.marshal escaping `<`, `>`, `&`, U+2028 and U+2029 as Go does (marshal_html).
    # And + - * / of non-integers as OPA's 64-bit big.Float (arith_regorus), last: it reads the others' output.
    # And uuid.parse renamed to OPA's (uuid_opa), which keeps text that is no UUID undefined, and yaml.unmarshal
    # read by natpolicy as go-yaml v2 reads it, into the JSON text regorus' json.unmarshal decodes (yaml_opa).
    # First, `not EXPR` with `_` as the count of EXPR's solutions (regorus_negation). Last, count's argument
    # wrapped so a string is counted in characters, as OPA counts it (runes_opa): no line moves, and only the
    # appended wrapper depends on count_mocked, so the sites below map lines without it.
    # First of all, names bound by an import of a data package spelled as their data refs (import_names: regorus
    # answered the module's own package's rules read so as undefined, and read another package whole there),
    # then each regex.* pattern written as Rust's regex reads it the way Go's RE2 reads it (re2_regorus).
    # Before all: a negated call's ref operands bound before the `not`, as OPA's compiler does (negated_operands),
    # once a comprehension's own `some n in` variable named like one of the rule around it has a name of its own
    # (regorus_shadow: regorus refuses it, OPA declares a new variable). Then to_number and sprintf renamed where a
    # number's text can show (number_texts_regorus), before any rewrite moves the operators that tell a value read
    # alone.
    bound = number_texts_for_regorus(bind_negated_operands(rename_comprehension_shadows(source), refs), texts)
    spelled = data_import_refs_for_regorus(bound)
    negated = negations_for_regorus(re2_for_regorus(spelled))
    checked = yaml_for_regorus(uuid_for_regorus(negated, v0))
    # A function's `else` values bound in their bodies, as OPA binds them (regorus_else).
    headed = bind_else_values(bind_heads(checked, v0), v0)
    ordered = order_for_regorus(escape_html_in_marshals(hoist_declarations(headed), numbers=True), v0, keyed)
    # And time.parse_ns of a layout modelled renamed to Go's parse in Python, on its line (time_parse_opa); the
    # collection of each `some ... in` undefined where it is none, as in OPA (regorus_iteration), after the order's
    # checks, which read the collection as written.
    iterated = iterables_for_regorus(ordered, v0)
    # Last, json.unmarshal's operand cut at the null after its first value, as OPA reads it (json_first_regorus).
    counted = count_for_regorus(arithmetic_for_regorus(iterated, v0), v0, count_mocked)
    return json_values_for_regorus(time_parse_for_regorus(counted), v0)
