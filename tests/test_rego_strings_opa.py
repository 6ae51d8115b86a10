"""substring and indexof_n answer as OPA's (v1/topdown/strings.go) on every engine, or stop where OPA errors.

regorus answered "" for a non-integer offset or length and every index for an empty indexof_n search
(strings_opa, an extension); regopy was undefined for an integral float offset (4 / 2) and listed every index
too (regopy_builtins).
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.strings_opa import opa_format_int, opa_substring
from natpolicy.rego.text_opa import opa_indexof_n
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("expression", "opa"), [
    ('substring("héllo", 1, 2)', "él"),  # characters, not bytes
    ('substring("héllo", 1, -1)', "éllo"),  # a negative length: the rest
    ('substring("abc", 5, 1)', ""),  # past the end
    ('substring("abc", 4 / 2, 1)', "c"),  # 4 / 2 is the integer 2 in OPA (regopy: undefined)
    ('substring("abc", input.n, 1)', "b"),
    ('indexof_n("aaa", "aa")', [0, 1]),  # overlaps included
    ('indexof_n("éaé", "é")', [0, 2]),
])
def test_answers_as_opa(engine_name: str, expression: str, opa: Any) -> None:
    assert answer(engine_name, expression, {"n": 1}) == opa


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("expression", [
    'substring("abc", 1, -0.5)',  # operand 3 must be integer number (regorus answered "")
    'substring("abc", input.f, 1)',
    'substring("abc", -1, 1)',  # negative offset
    'indexof_n("abc", "")',  # empty search character (both engines answered every index)
])
def test_stops_where_opa_errors(engine_name: str, expression: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        answer(engine_name, expression, {"f": 2.5})
    name = expression.split("(")[0]
    # regorus: OPA's error at the call's line; regopy: the call and its line among what stops the query
    said = f"p.rego:3:15: {name}: " if engine_name == "regorus" else f"{name} at p.rego:3 given "
    assert said in caught.value.message, caught.value.message


def test_the_python_twins_follow_go() -> None:
    assert opa_substring("héllo", 0, 99) == "héllo" and opa_substring("", 0, 1) == ""
    assert opa_substring("abc", 1.0, 1) == "b"  # regorus hands 2 / 2 over as 1.0
    assert opa_indexof_n("", "a") == [] and opa_indexof_n("ab", "abc") == []
    for bad in ((1, 0, 1), ("a", "0", 1), ("a", 0, 0.5), ("a", True, 1)):
        with pytest.raises((TypeError, ValueError)):
            opa_substring(*bad)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_format_int_truncates_to_a_big_int_with_no_negative_zero(engine_name: str) -> None:
    # builtinFormatInt: big.Float Int(nil), then %b/%o/%d/%x (regorus wrote "-0" for -0.5)
    assert answer(engine_name, '[format_int(-0.5, 16), format_int(-255, 16), format_int(3.9, 10), '
                                'format_int(-3.9, 8), format_int(255, 2)]') == ["0", "-ff", "3", "-3", "11111111"]


@pytest.mark.parametrize("engine_name", ENGINES)
def test_format_int_stops_on_a_base_opa_refuses(engine_name: str) -> None:
    with pytest.raises(EvaluationError):
        answer(engine_name, "format_int(5, 3)")  # OPA: operand 2 must be one of {2, 8, 10, 16}


def test_format_int_of_an_integer_past_64_bits_is_exact_on_regorus() -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    assert answer("regorus", "format_int(12345678901234567890, 16)") == "ab54a98ceb1f0ad2"
    assert opa_format_int(-12345678901234567890, 10) == "-12345678901234567890"


@pytest.mark.parametrize("engine_name", ENGINES)
def test_bits_lsh_answers_exactly_within_2_53_and_stops_past_it(engine_name: str) -> None:
    # OPA shifts a big.Int; regorus answered 1.2676506002282294e+30 and regopy 2^36 for bits.lsh(1, 100)
    assert answer(engine_name, "[bits.lsh(1, 52), bits.lsh(3, 2), bits.lsh(-1, 3)]") == [2**52, 12, -8]
    with pytest.raises(EvaluationError):
        answer(engine_name, "bits.lsh(1, 100)")


def test_opa_bits_lsh_follows_big_integers() -> None:
    from natpolicy.rego.numbers_opa import opa_bits_lsh

    assert opa_bits_lsh(1, 62) == 2**62 and opa_bits_lsh(-3, 1) == -6
    for bad in ((1, 64), (1.5, 1), (1, -1), ("1", 1)):
        with pytest.raises((TypeError, ValueError)):
            opa_bits_lsh(*bad)
