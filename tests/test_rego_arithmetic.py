"""+ - * / of non-integers as OPA's 64-bit big.Float on regorus (arith_regorus rewrites, arith_opa computes)."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.arith_opa import opa_divide, opa_minus, opa_multiply, opa_plus
from natpolicy.rego.arith_regorus import arith_site_line, arithmetic_for_regorus
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines

needs_regorus = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")


def _regorus(expression: str, document: Any = None) -> Any:
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": f"package p\n\nx := {expression}\n"}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input(document or {}))


def _body(source: str) -> str:
    """The rewritten statement lines, without the appended functions."""
    return arithmetic_for_regorus(f"package p\n{source}\n").split("\n")[1]


@pytest.mark.parametrize(("source", "rewritten"), [
    ("x := a + b * c", "x := __natpolicy_plus(a , __natpolicy_mul(b , c))"),
    ("x := a * b + c", "x := __natpolicy_plus(__natpolicy_mul(a , b) , c)"),
    ("x := a - b - c", "x := __natpolicy_minus_l2_21(__natpolicy_minus_l2_17(a , b) , c)"),
    ("x := y - -1", "x := __natpolicy_minus_l2_17(y , -1)"),
    ("x := y-1", "x := __natpolicy_minus_l2_16(y,1)"),
    ("x := (a + 0.5) / 2", "x := __natpolicy_div((__natpolicy_plus(a , 0.5)) , 2)"),
    ("x := f(r.a[i] + 1, {\"k\": 2.5 * input.n})",
     "x := f(__natpolicy_plus(r.a[i] , 1), {\"k\": __natpolicy_mul(2.5 , input.n)})"),
    ("x := [v * 1.5 | v := input.xs[_]]", "x := [__natpolicy_mul(v , 1.5) | v := input.xs[_]]"),
    ("x := count(xs) / 2", "x := __natpolicy_div(count(xs) , 2)"),
    ("x := input.a % 2 + 0.5", "x := __natpolicy_plus(input.a % 2 , 0.5)"),
    ("x := ((a * 0.5)) + (count(y) - 1)", "x := __natpolicy_plus(((__natpolicy_mul(a , 0.5))) , (count(y) - 1))"),
])
def test_each_operator_that_may_meet_a_non_integer_becomes_a_call_in_rego_precedence(source: str,
                                                                                     rewritten: str) -> None:
    assert _body(source) == rewritten


@pytest.mark.parametrize("source", [
    "x := count(xs) + 1 - 2 * 3",
    "x := (count(xs) + 1) * 2",
    "x := 7 % 2 + count(y)",
    "x := input.a % 2",
    "default x := 0.5 + 1",
    "x := -1",
    "x := [1, -2]",
    "x := input.a < -1",
])
def test_integer_only_arithmetic_and_no_arithmetic_are_left_alone(source: str) -> None:
    module = f"package p\n{source}\n"
    assert arithmetic_for_regorus(module) == module


def test_the_function_for_a_minus_names_its_line_and_is_defined_once() -> None:
    module = arithmetic_for_regorus("package p\n\nx := input.a - 1\n")
    lines = module.split("\n")
    nested = arithmetic_for_regorus("package p\nx := ((((a - 0.5))))\n")
    assert nested.count("__natpolicy_minus_l2_") == 3  # the call and the function's two bodies
    site = next(number for number, line in enumerate(lines, 1) if line.startswith("__natpolicy_minus_l3_24("))
    assert arith_site_line(module, site) == 3 and arith_site_line(module, 3) is None
    assert "{ is_number(__natpolicy_a) }" in arithmetic_for_regorus("package p\n\nx := input.a - 1\n", v0=True)


def test_opa_arithmetic_in_python_matches_go_big_float() -> None:
    # Each measured with Go's math/big: SetString at 64 bits, Add/Sub/Mul/Quo, Text('g', -1) ('f' if integral).
    assert [opa_plus(0.1, 0.2), opa_multiply(1.1, 1.1), opa_multiply(2.5, 4), opa_divide(7, 2), opa_divide(6, 3),
            opa_minus(1, -1.5), opa_plus(1e-07, 2e-07), opa_divide(0, 5)] == [0.3, 1.21, 10, 3.5, 2, 2.5, 3e-07, 0]
    assert isinstance(opa_multiply(2.5, 4), int) and isinstance(opa_divide(6, 3), int)
    assert opa_plus(2**62, 2**62 - 1) == 2**63 - 1
    # regorus holds a u64 exactly: up to 2^64 - 1 is handed back, not refused
    assert opa_plus(2**62, 2**62) == 2**63 and opa_multiply(2**32 + 1, 2**32 - 1) == 2**64 - 1
    assert opa_minus(-(2**62), 2**62) == -(2**63)


@pytest.mark.parametrize(("compute", "a", "b", "says"), [
    (opa_minus, 0.3, 0.1, "more digits"),  # Go: 0.20000000000000000002
    (opa_divide, 1, 3, "more digits"),  # Go: 0.33333333333333333334
    (opa_divide, 0, -5, "-0"),  # Go: -0
    (opa_multiply, 0, -1.5, "-0"),
    (opa_plus, 2**63, 2**63, "past 2"),
    (opa_minus, -(2**63), 1, "past 2"),
    (opa_divide, 1.5, 0, "divide by zero"),
])
def test_what_no_f64_holds_as_opa_writes_it_is_refused(compute: Any, a: Any, b: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        compute(a, b)


def test_no_number_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="operand 1 must be number"):
        opa_plus(True, 1)
    with pytest.raises(TypeError, match="operand 2 must be number"):
        opa_multiply(1.5, "2")


@needs_regorus
def test_regorus_answers_non_integer_arithmetic_as_opa() -> None:
    # regorus alone: 0.30000000000000004, so false.
    assert _regorus("[0.1 + 0.2 == 0.3, input.a + 0.2, 2 + 3 * 0.5, (2 + 3) * 0.5, 1 - -0.5, input.h-1]",
                    {"a": 0.1, "h": 0.5}) == [True, 0.3, 3.5, 2.5, 1.5, -0.5]


@needs_regorus
def test_integers_and_sets_answer_as_before() -> None:
    # A set minus a set is still regorus' own difference (the function for `-` hands it back).
    assert _regorus("[input.n * 3 - 1, 7 % 3, count([1, 2]) * 2, {1, 2} - {1}, 9 / 3, input.n / 8]", {"n": 4}) \
        == [11, 1, 4, [2], 3, 0.5]


@needs_regorus
@pytest.mark.parametrize(("expression", "says"), [
    ("input.a - 0.1", "more digits"),
    ("1 / input.b", "more digits"),
    ("input.s - {1}", "set"),
])
def test_what_regorus_cannot_hold_stops_with_the_operators_line(expression: str, says: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        _regorus(expression, {"a": 0.3, "b": 3, "s": [1]})
    assert caught.value.message.startswith("p.rego:3:") and says in caught.value.message
    assert "raises Python error" not in caught.value.message  # natpolicy's words, not regorus' wrapper
