"""number_literals, surrogate_escapes and arith_regorus' integer bound: literals an engine holds otherwise than OPA.

Each fire case is refused with its line (or, for integer arithmetic past 2^63 on regorus, stopped with it) and
the raw engine's answer shown; near misses (shortest float texts, 15 digits, integers within 64 bits, surrogate
pairs) stay quiet and answer as OPA.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.number_literals import number_literal_refusals, unary_minus_refusals
from natpolicy.rego.source import char_line_col, tokens
from natpolicy.rego.surrogate_escapes import lone_surrogates
from rego_answers import ENGINES, answer

FIRES = [
    # (expression, refused on regorus, refused on regopy)
    ("0.3 == 0.30000000000000001", True, True),
    ("1e400 > 1", True, True),
    ("1e-400 > 0", True, True),
    ("2.5e-324", True, True),
    ("1.23456789012345678", True, True),
    ("0.30000000000000004 == 0.3", False, True),
    ("1.0000000000000002 == 1", False, True),
    ("12345678901234567890123", True, False),
    ("-9223372036854775809", True, False),
    # OPA keeps a literal's text: a whole one written with a point or exponent is no integer there (an array
    # index is undefined, numbers.range an error), and json.marshal writes the text; regorus holds the value,
    # regopy the text but hands a whole one to integer arguments (numbers.range(1.0, 2) was [1, 2] there).
    ("[5, 6][1.0]", True, True),
    ('object.get({"a": [5, 6]}, ["a", 1e0], "d")', True, True),
    ("numbers.range(1.0, 2)", True, True),
    ('substring("abc", 1.0, 1)', True, True),
    ("json.marshal([2.50])", True, False),
    ("json.marshal([1e-7])", True, False),
    ("[-0]", True, True),
    ("0 == -0", False, True),  # regopy: false
]
QUIET = [
    # (expression, OPA's answer)
    ("[0.3 == 0.3, 0.1, 1.5e3 == 1500, -0.5]", [True, 0.1, True, -0.5]),
    # A literal OPA keeps as text, read only by its value: a comparison's or arithmetic's operand.
    ("[1.0 == 1, 2 > 1.0, 1e2 < 101, -1.0 < 0, count([1]) >= 1.0, 10.5, 0.25]", [True, True, True, True, True, 10.5, 0.25]),
    ("0.123456789012345 < 0.123456789012346", True),
    ("[9223372036854775807, -9223372036854775808]", [9223372036854775807, -9223372036854775808]),
    ("count([1]) * 1000000000 + 3600", 1000003600),
]


def _module(expression: str) -> str:
    return f"package p\nimport rego.v1\nx := {expression}\n"


@pytest.mark.parametrize(("expression", "on_regorus", "on_regopy"), FIRES)
def test_a_literal_an_engine_holds_otherwise_is_refused_by_line(expression: str, on_regorus: bool,
                                                                on_regopy: bool) -> None:
    source = _module(expression)
    for engine, refused in (("regorus", on_regorus), ("regopy", on_regopy)):
        found = list(number_literal_refusals(tokens(source), engine))
        assert bool(found) == refused, (engine, found)
        if found:
            assert char_line_col(source, found[0][0])[0] == 3 and "\n" not in found[0][1]
            assert found[0] in engine_refusals(source, engine)


def test_the_engines_hold_a_whole_literal_otherwise_than_opa_keeps_its_text() -> None:
    # What the refusals above keep out (OPA: undefined, an error, "[2.50]", true).
    if "regorus" in ENGINES:
        assert answer("regorus", "[5, 6][1.0]") == 6
        assert answer("regorus", "json.marshal([2.50])") == "[2.5]"
    if "regopy" in ENGINES:
        assert answer("regopy", "numbers.range(1.0, 2)") == [1, 2]
        assert answer("regopy", "0 == -0") is False


def test_regopy_keeps_fifteen_digits_and_regorus_collapses_what_no_float_tells_apart() -> None:
    if "regopy" in ENGINES:
        assert answer("regopy", "0.30000000000000004 == 0.3") is True  # OPA: false
    if "regorus" in ENGINES:
        assert answer("regorus", "0.3 == 0.30000000000000001") is True  # OPA: false (64-bit mantissa)
        assert answer("regorus", "12345678901234567890123") == 1.2345678901234568e22


@pytest.mark.parametrize(("expression", "expected"), QUIET)
def test_shortest_texts_and_sixty_four_bit_integers_answer_as_opa(expression: str, expected: object) -> None:
    source = _module(expression)
    for engine in ("regorus", "regopy"):
        assert list(number_literal_refusals(tokens(source), engine)) == []
    for engine in ENGINES:
        assert answer(engine, expression) == expected


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize("expression", ["9223372036854775807 * 2 + 3", "4611686018427387904 * 4",
                                        "10 - 18446744073709551615", "-9223372036854775808 - 1"])
def test_integer_arithmetic_past_int64_stops_on_regorus_by_line(expression: str) -> None:
    # regorus computed these as f64 (1.8446744073709552e+19); OPA keeps every digit: the query stops instead.
    with pytest.raises(EvaluationError) as caught:
        answer("regorus", expression)
    assert "p.rego:3:" in caught.value.message and "past 2^64 or below -2^63" in caught.value.message


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize(("expression", "expected"), [
    ("9223372036854775807 + 1", 2**63), ("9223372036854775807 * 2 + 1", 2**64 - 1),
    ("4294967296 * 4294967295", 2**64 - 2**32), ("9223372036854775807 * 2 + 2 - 2", None),
    ("-9223372036854775807 - 1", -(2**63)), ("(9223372036854775807 + 1) / 2", 2**62),
])
def test_regorus_integer_arithmetic_within_uint64_answers_exactly(expression: str, expected: object) -> None:
    # regorus holds an integer in [2^63, 2^64) as a u64, exactly, also from natpolicy's arithmetic: OPA's answer
    # (before, every result past 2^63 stopped); a step past 2^64 still stops (the near miss, None).
    if expected is None:
        with pytest.raises(EvaluationError, match="past 2\\^64 or below -2\\^63"):
            answer("regorus", expression)
    else:
        assert answer("regorus", expression) == expected


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_computes_big_integers_exactly() -> None:
    assert answer("regopy", "9223372036854775807 * 2 + 3") == 18446744073709551617


@pytest.mark.parametrize(("literal", "lone"), [
    ('"\\ud83dx"', True), ('"\\ude00\\ud83d"', True), ('"\\ud83d \\ude00"', True), ('"a\\ud83d"', True),
    ('"\\ud83d\\ude00"', False), ('"\\\\ud83d"', False), ('"\\u00e9"', False), ("`\\ud83d`", False),
])
def test_a_lone_surrogate_escape_is_refused_on_regopy(literal: str, lone: bool) -> None:
    source = _module(literal)
    assert bool(list(lone_surrogates(tokens(source)))) == lone
    assert any("lone UTF-16 surrogate" in m for _, m in engine_refusals(source, "regopy")) == lone


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_kept_the_escape_and_reads_a_pair_as_opa() -> None:
    assert answer("regopy", 'count("\\ud83dx")') == 7  # OPA: 2 (U+FFFD, then x)
    assert answer("regopy", '"\\ud83d\\ude00" == "\U0001F600"') is True


def test_a_literal_inside_sprintfs_arguments_is_left_to_sprintf() -> None:
    # sprintf formats a number by its value (OPA: a float64 unless the text is an integer), so 2.50 prints as
    # 2.5 there; a whole one (1.0) is guards' sprintf refusal, not this one.
    for engine in ("regorus", "regopy"):
        assert list(number_literal_refusals(tokens(_module('sprintf("%v %v", [1e-2, 2.50])')), engine)) == []
    # After the call's closing parenthesis, or inside another call among its arguments (json.marshal writes the
    # text before sprintf sees it), the literal is the policy's again (regopy keeps 2.50's text, as OPA).
    assert list(number_literal_refusals(tokens(_module('[sprintf("%v", [1]), 2.50]')), "regorus")) != []
    assert list(number_literal_refusals(tokens(_module('sprintf("%s", [json.marshal([2.50])])')), "regorus")) != []


@pytest.mark.parametrize(("rule", "refused_before"), [
    # OPA's parser reads a minus where a term starts only as a number's sign (parseTerm -> parseNumber,
    # "expected number"): regopy negated the value (`-input.n` was -3), regorus stopped with its own message.
    ("x := -input.n\n", "input"),
    ("x := [1, -count(input.xs)]\n", "count"),
    ("x if not -input.n < 0\n", "input"),
    ('x := {"a": -(input.n)}\n', "("),
    ("x := [y | some y in input.xs; -y > 0]\n", "y"),
])
def test_a_minus_where_a_term_starts_before_no_number_is_refused(rule: str, refused_before: str) -> None:
    source = "package p\nimport rego.v1\n" + rule
    found = list(unary_minus_refusals(tokens(source)))
    assert len(found) == 1 and f"a minus before `{refused_before}`" in found[0][1]
    assert char_line_col(source, found[0][0])[0] == 3
    for engine_name in ENGINES:
        assert engine_refusals(source, engine_name), engine_name


@pytest.mark.parametrize("rule", [
    # Near misses: a number's sign (after a space too) and a minus between two operands.
    "x := [-1, - 2, input.n - -1, input.n -1, (input.n)-input.m, input.xs[0]-input.n, {1}-{2}]\n",
    'x := {"a": -0.5}\n',
])
def test_a_sign_and_a_minus_between_operands_are_not_refused(rule: str) -> None:
    assert list(unary_minus_refusals(tokens("package p\nimport rego.v1\n" + rule))) == []


# OPA v1.20's Number.Int reads a point followed by zeros as the integer (util.Atoi64): `0.0 * -1` takes the integer
# path, 0, as both engines compute it (refused until 2026-12-07, as the big.Float -0 of releases before v1.20.0).
OPA_INTEGER_TEXTS = [("[0.0 * -1, -1.0 * 0, 0 * -1.00, -999.0 * 0.0, 5.00 * -2]", [0, 0, 0, 0, -10]),
                     ("z * -1 if { z := 0.0 }", 0)]
# What Number.Int reads as no integer, or a product past its integer path, is a big.Float product there: -0.
SIGNED_ZEROS = ["0e0 * -1", "-1e0 * 0", "-1.0000000000000000000 * 0", "0.0 * -1000", "-1000.0 * 0",
                "z * -1 if { z := 0e0 }"]


@pytest.mark.parametrize(("rule", "expected"), OPA_INTEGER_TEXTS)
@pytest.mark.parametrize("engine", ENGINES)
def test_a_literal_opas_number_int_reads_as_an_integer_multiplies_as_one(rule: str, expected: object,
                                                                        engine: str) -> None:
    source = f"package p\n\nx := {rule}\n"
    assert engine_refusals(source, engine) == []
    assert answer(engine, rule) == expected  # `x := RULE`


@pytest.mark.parametrize("rule", SIGNED_ZEROS)
@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_a_literal_whose_product_is_a_signed_zero_in_opa_is_refused(rule: str, engine: str) -> None:
    refusals = engine_refusals(f"package p\n\nx := {rule}\n", engine)
    assert refusals and all("-0" in message for _, message in refusals), refusals
