"""The guards that read a value and not only its kind (``natpolicy.rego.operand_kinds``: ``json_text`` for
``json.unmarshal``, ``numeric`` for ``to_number``, ``pattern`` for the regular expressions of ``regex.*``): text OPA
fails on is undefined in OPA's default mode, as in OPA.

Go's answers below were measured with Go 1.19's ``encoding/json`` and ``strconv.ParseFloat``, called as OPA calls them
(``UnmarshalJSON`` in v1/util/json.go: decode one value, then ask the decoder for one more token; ``builtinToNumber``
in v1/topdown/casts.go: Inf and NaN refused first), and Go 1.19's ``regexp.Compile`` (``getRegexp`` in
v1/topdown/regex.go); their source is the same in Go's current release.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.builtin_errors import guard_operands
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engine import UNDEFINED, RegoEngine
from natpolicy.rego.engines import create_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.numbers_opa import GO_FLOAT_TEXT, opa_to_number
from natpolicy.rego.source import scan_module
from tests.rego_answers import ENGINES
from tests.test_rego_default_mode import default_answer

# (text, does OPA's to_number read it)
NUMBER_TEXTS: list[tuple[str, bool]] = [
    ("1", True), ("-2", True), ("+5", True), (".5", True), ("5.", True), ("1e3", True), ("1E-3", True),
    ("00.5", True), ("0_1", True), ("1_000", True), ("1_0.5_5", True), ("1e1_0", True), ("0x1p-2", True),
    ("0X_1.8P+1", True), ("0x.8p1", True), ("0x1.p0", True), ("-0x1_fp0", True),
    ("", False), (" 1", False), ("1 ", False), ("1_", False), ("_1", False), ("1__0", False), ("1_.5", False),
    ("1._5", False), ("1e_5", False), ("1e5_", False), ("1e", False), ("e1", False), (".", False), ("+", False),
    ("--1", False), ("+-1", False), ("0x10", False), ("0x1e1", False), ("0x1_p0", False), ("0x_.8p0", False),
    ("0x1p", False), ("0b101", False), ("0o7", False), ("inf", False), ("-Infinity", False), ("NaN", False),
    ("+nan", False), ("infin", False), ("1,000", False), ("\u0967", False), ("abc", False), ("1.2.3", False),
]
# (text, does OPA's json.unmarshal read it); json.Valid says true for the first ten only
JSON_TEXTS: list[tuple[str, bool]] = [
    ("[1]", True), ('{"a": 1}', True), ("true", True), (" null ", True), ('"x"', True), ("-0.5e-3", True),
    ('{"a":1,"a":2}', True), ("123456789012345678901234567890", True), ("1e400", True), ("[[[]]]", True),
    ("", False), ("{", False), ("a", False), ("[1,]", False), ("01", False), ("1.", False), (".5", False),
    ("NaN", False), ("Infinity", False), ("'a'", False), ("[1] [2]", False), ("1 2", False), ("{} }", False),
    ("tru", False), ("1 false", False),
    # Go's Decoder.Token() answers nil for a null after the value, which UnmarshalJSON takes for the end
    ("[1] null", True), ("1null", True), ("truenull", True), ('"a" nullx', True), ("null null", True),
    ("[1] nul", False), ("[1] x null", False),
]

# (pattern, does Go's regexp compile it)
PATTERNS: list[tuple[str, bool]] = [
    ("^a.*$", True), ("[ab]+", True), ("a|", True), ("\\d{2,3}", True), ("(?i)a", True), ("(?P<n>a)", True),
    ("a{,3}", True), ("$?", True), ("[]a]", True), ("\\pL", True), ("", True),
    ("(", False), ("a)", False), ("[a", False), ("*a", False), ("a{2", True), ("x{1001}", False), ("\\", False),
    ("a**", False), ("a{2}{3}", False), ("(?<", False), ("\\e", False), ("[z-a]", False), ("(?z)", False),
]

_GUARDS_MODULE = """package p

n := to_number(input.v)
j := json.unmarshal(input.v)
m := regex.match(input.v, "a")
numeric := {i | s := input.vs[i]; __natpolicy_if_numeric(s)}
json_text := {i | s := input.vs[i]; __natpolicy_if_json_text(s)}
pattern := {i | s := input.vs[i]; __natpolicy_if_pattern(s)}
"""


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> RegoEngine:
    return create_engine(request.param)


def _guarded(source: str) -> str:
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    return guard_operands(source, [call for _, call in builtin_calls([policy])], False).text


def _holding(engine: RegoEngine, guard: str, texts: list[str]) -> set[int]:
    """The indexes of the texts the guard lets through on the engine."""
    compiled = engine.compile({"p.rego": _guarded(_GUARDS_MODULE)}, None, [f"p/{guard}"])
    held = engine.evaluate(compiled, f"p/{guard}", engine.prepare_input({"vs": texts}))
    assert isinstance(held, list)
    return set(held)


def test_the_grammar_is_go_parse_floats() -> None:
    for text, reads in NUMBER_TEXTS:
        assert bool(re.search(GO_FLOAT_TEXT, text)) == reads, text


def test_the_numeric_guard_holds_exactly_where_go_reads_the_text(engine: RegoEngine) -> None:
    texts = [text for text, _ in NUMBER_TEXTS]
    assert _holding(engine, "numeric", texts) == {i for i, (_, reads) in enumerate(NUMBER_TEXTS) if reads}


def test_the_json_guard_holds_where_opa_reads_the_text_or_it_holds_null(engine: RegoEngine) -> None:
    texts = [text for text, _ in JSON_TEXTS]
    # where it holds "null", text OPA refuses passes on too: the engines stop there (loud), never a silent undefined
    assert _holding(engine, "json_text", texts) == {
        i for i, (text, reads) in enumerate(JSON_TEXTS) if reads or "null" in text}


def test_the_pattern_guard_holds_wherever_go_compiles_the_pattern(engine: RegoEngine) -> None:
    texts = [text for text, _ in PATTERNS]
    held = _holding(engine, "pattern", texts)
    assert {i for i, (_, compiles) in enumerate(PATTERNS) if compiles} <= held
    # what no engine reads otherwise than Go is undefined where Go refuses it; a pattern holding what regopy reads
    # otherwise (regopy_patterns.HELD_UNLIKE: a repetition after one, (?, an escape it does not know) passes on
    assert not held & {texts.index(p) for p in ("(", "a)", "[a", "*a", "[z-a]")}


def _default(engine: RegoEngine, expression: str, document: Any) -> tuple[str, Any]:
    probe = {"source": f"package p\n\nx := {expression}\n", "rule": "x", "input": document}
    return default_answer(engine, probe)


@pytest.mark.parametrize(("expression", "document"), [
    ("to_number(input.v)", {"v": "abc"}),
    ("to_number(input.v)", {"v": " 1"}),
    ("to_number(input.v)", {"v": "0x10"}),
    ("to_number(input.v)", {"v": "Infinity"}),
    ('to_number("1,5")', {}),  # a literal is guarded too
    # Go's range error (strconv.ParseFloat): decimal text that rounds past a float64, at or above 2^1024 - 2^970
    ("to_number(input.v)", {"v": "1e400"}),
    ("to_number(input.v)", {"v": "-1.7976931348623159e308"}),
    ("to_number(input.v)", {"v": "0.000_018e313"}),
    ("to_number(input.v)", {"v": str(2**1024 - 2**970)}),
    ("to_number(input.v)", {"v": "1e0400"}),
    ("json.unmarshal(input.v)", {"v": "{"}),
    ("json.unmarshal(input.v)", {"v": "[1] [2]"}),
    ('json.unmarshal("")', {}),
    ('regex.match(input.v, "a")', {"v": "("}),
    ('regex.replace("a", input.v, "b")', {"v": "[a"}),
    ('regex.split(input.v, "a")', {"v": "[z-a]"}),
    ('regex.find_n(input.v, "a", -1)', {"v": "a)"}),
])
def test_text_opa_fails_on_is_undefined_by_default(engine: RegoEngine, expression: str, document: Any) -> None:
    assert _default(engine, expression, document) == ("ok", UNDEFINED)


@pytest.mark.parametrize(("expression", "document", "expected"), [
    ("to_number(input.v)", {"v": "+5"}, 5),
    ("to_number(input.v)", {"v": ".5"}, 0.5),
    ("to_number(input.v)", {"v": "-1e3"}, -1000),
    ("to_number(input.v)", {"v": None}, 0),
    ("to_number(input.v)", {"v": False}, 0),
    ("to_number(input.v)", {"v": 2.5}, 2.5),
    ("to_number(input.v)", {"v": "12e-5"}, 0.00012),
    ("json.unmarshal(input.v)", {"v": ' {"a": [1, "b"]} '}, {"a": [1, "b"]}),
    ("json.unmarshal(input.v)", {"v": '"a\\"b"'}, 'a"b'),  # an escape inside the text: regopy holds it escaped
])
def test_text_opa_reads_is_answered_by_default(engine: RegoEngine, expression: str, document: Any,
                                                expected: Any) -> None:
    assert _default(engine, expression, document) == ("ok", expected)


@pytest.mark.parametrize(("text", "expected"), [("1.7976931348623157e308", 1.7976931348623157e308),
                                              ("000.000e400", 0), ("10e307", 1e308)])
def test_text_just_within_a_float64_passes_the_guard(engine: RegoEngine, text: str, expected: Any) -> None:
    # the near misses of Go's range error: regorus answers; regopy stops on an exponent of three digits (loud)
    kind, value = _default(engine, "to_number(input.v)", {"v": text})
    assert (kind, value) == ("ok", expected) if engine.name == "regorus" else kind == "stop"
    if engine.name == "regorus":
        # Within range too, but more digits than its float64 keeps: OPA's number is that text, not the float
        # regorus would hold, so it stops (held_numbers).
        kind, message = _default(engine, "to_number(input.v)", {"v": "1.7976931348623158e308"})
        assert kind == "stop" and "more digits than a float64 keeps" in message


@pytest.mark.parametrize("text", ['a"b', "a\\b", "line\nbreak", "\u00e9", "\u0967"])
def test_a_string_regopy_holds_escaped_is_undefined_not_a_stop_at_the_guard(engine: RegoEngine, text: str) -> None:
    # regopy reads the escaped form of such a string (regopy_strings); the guards read it knowingly: no such text is
    # a number, and the escaped form holds "null" wherever the text does
    value = text.encode().decode("unicode_escape")
    assert _default(engine, "to_number(input.v)", {"v": value}) == ("ok", UNDEFINED)
    assert _default(engine, "json.unmarshal(input.v)", {"v": value}) == ("ok", UNDEFINED)


@pytest.mark.parametrize(("expression", "text"), [
    ("to_number(input.v)", "1_000"),  # Go reads it; OPA keeps the text as the number's: natpolicy refuses it
    ("to_number(input.v)", "0x1p-2"),
    ("to_number(input.v)", str(2**1024 - 2**970 - 1)),  # below the range error, but no float64 holds its text
    ("json.unmarshal(input.v)", "[1] [2] null"),  # OPA fails: the token after [1] is no null
    ("json.unmarshal(input.v)", "[1] x null"),  # OPA fails; the guard lets text holding null through
    ('regex.match(input.v, "a")', "b**"),  # Go refuses it; regopy compiles it: the guard lets it through
])
def test_what_the_guards_let_through_and_the_engines_cannot_answer_stops_at_the_policys_line(
        engine: RegoEngine, expression: str, text: str) -> None:
    kind, message = _default(engine, expression, {"v": text})
    assert kind == "stop"
    assert re.search(r"p\.rego:3\b", message), message  # the policy's line, never a guard's (appended below it)
    assert text not in message  # a plan's value is never echoed


def test_regorus_to_number_tells_text_go_refuses_from_text_natpolicy_refuses() -> None:
    with pytest.raises(ValueError, match="invalid syntax"):
        opa_to_number("1__000")
    with pytest.raises(ValueError, match="natpolicy refuses it"):
        opa_to_number("1_000")
    with pytest.raises(ValueError, match="natpolicy refuses it"):
        opa_to_number("-0X1.8p1")
    with pytest.raises(ValueError, match="out of range"):
        opa_to_number("1e400")
    assert opa_to_number("+5") == 5 and opa_to_number(".5") == 0.5
