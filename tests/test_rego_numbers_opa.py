"""ceil and floor answer as OPA's (arithCeil/arithFloor) on regorus, between -1 and 0 too (numbers_opa)."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.numbers_opa import opa_ceil, opa_floor, opa_json_factors, opa_to_number, opa_to_number_factor

needs_regorus = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")


def _regorus(expression: str, document: Any = None) -> Any:
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": f"package p\nx := {expression}\n"}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input(document or {}))


@needs_regorus
def test_between_minus_one_and_zero_ceil_and_floor_answer_as_opa() -> None:
    # OPA truncates -0.5 to 0, whose big.Float has no sign bit: ceil adds one, floor keeps it (regorus: 0, -1).
    assert _regorus("[ceil(input.n), floor(input.n), ceil(-0.3), floor(-0.3)]", {"n": -0.5}) == [1, 0, 1, 0]


@needs_regorus
def test_elsewhere_ceil_and_floor_answer_as_before() -> None:
    assert _regorus("[ceil(1.2), floor(1.7), ceil(-1.5), floor(-1.5), ceil(3), floor(-2), ceil(-0.0), floor(0.5)]") \
        == [2, 1, -1, -2, 3, -2, 0, 0]


def test_what_regorus_cannot_take_back_or_is_no_number_is_an_error() -> None:
    assert opa_ceil(-1.0) == -1 and opa_floor(-1.0) == -1 and opa_ceil(2**62) == 2**62
    with pytest.raises(ValueError, match="past 2"):
        opa_floor(1e300)
    with pytest.raises(TypeError, match="must be number"):
        opa_ceil(True)


@needs_regorus
def test_to_number_reads_the_text_opa_reads() -> None:
    # OPA: strconv.ParseFloat; regorus alone refused ".5" and "+5".
    assert _regorus('[to_number("10"), to_number("-1.5"), to_number("1e3"), to_number(".5"), to_number("+5"), '
                    'to_number("5."), to_number(true), to_number(null), to_number(7)]') == [
        10, -1.5, 1000, 0.5, 5, 5, 1, 0, 7]


@needs_regorus
@pytest.mark.parametrize("text", [" 1", "1_000", "0x10", "NaN", "-Inf", "1e400", "12 "])
def test_to_number_of_text_opa_refuses_is_an_error_with_its_line_never_echoing_the_text(text: str) -> None:
    # regorus alone answered 1 for " 1"; OPA stops with an error.
    with pytest.raises(EvaluationError) as caught:
        _regorus("to_number(input.s)", {"s": text})
    assert caught.value.message.startswith("p.rego:2:") and "to_number" in caught.value.message
    assert text.strip() not in caught.value.message.split("to_number", 1)[1]


def test_to_number_refuses_what_regorus_cannot_take_back() -> None:
    with pytest.raises(ValueError, match="past 2"):
        opa_to_number("99999999999999999999")
    with pytest.raises(ValueError, match="too small"):
        opa_to_number("1e-400")
    assert opa_to_number("0e5") == 0 and opa_to_number("-0") == 0


def test_a_text_opas_number_int_reads_is_multiplied_as_its_integer() -> None:
    # to_number and json.unmarshal keep the text (ast.Number(a), UseNumber); v1.20's Number.Int reads "0.0" and
    # "-1.0" with util.Atoi64, so builtinMultiply's integer path gives 0, as regorus computes: no stop (residue31)
    assert [opa_to_number_factor(text) for text in ("0.0", "-1.0", "+0.00", "-3.000")] == [0, -1, 0, -3]
    assert opa_json_factors("[0.0, -1.00]") == "[0.0, -1.00]"
    # no integer to Number.Int (an exponent, past 19 characters): big.Float arithmetic, whose zero keeps a sign
    for text in ("0e0", "-1E0", "00000000000000000000.0"):
        with pytest.raises(ValueError, match="OPA reads as no integer"):
            opa_to_number_factor(text)
    with pytest.raises(ValueError, match="OPA reads as no integer"):
        opa_json_factors("[0e0]")


@needs_regorus
def test_to_number_of_a_zero_with_a_point_multiplied_answers_on_regorus() -> None:
    from tests.test_rego_conformance import PROBES, outcome

    engine = create_engine("regorus")
    names = ("to-number-of-a-zero-with-a-point-multiplied",
             "to-number-of-a-negative-whole-number-with-a-point-multiplied",
             "residue31-json-unmarshal-of-a-zero-with-a-point-multiplied")
    for probe in (p for p in PROBES if p["name"] in names):
        assert outcome(engine, probe) == ("ok", ""), probe["name"]
