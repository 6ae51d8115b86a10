"""regopy_arith: on regopy, ``+ - * /`` that OPA computes otherwise stop with their line; integer arithmetic answers.

OPA computes a non-integer with a 64-bit big.Float and an integer with big.Int (topdown/arithmetic.go); regopy
1.5.2 uses a float64 for the one and divides even integers through a float64. Each fire has a near miss.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from natpolicy.rego.regopy_arith import arithmetic_for_regopy
from rego_answers import regopy_answer as answer
from rego_answers import regopy_stops as stops

pytestmark = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")


def test_sites_are_the_operators_that_may_meet_a_non_integer() -> None:
    source = "package p\nx := input.a + 1\ny := 2 * 3\nz := count([1]) - 1\nw := 4 / 2\n"
    out, sites = arithmetic_for_regopy(source)
    assert [operator for _, operator in sites] == ["+", "/"]  # integer literals and count() stay native
    assert out.splitlines()[1:5] == ["x := __natpolicy_rp_plus(input.a , 1)", "y := 2 * 3",
                                     "z := count([1]) - 1", "w := __natpolicy_rp_div(4 , 2)"]
    assert arithmetic_for_regopy("package p\nx := 1 + 2\n") == ("package p\nx := 1 + 2\n", [])


def test_non_integer_arithmetic_stops_by_line() -> None:
    stops("0.3 - 0.1 == 0.2", "-")  # regopy: true; OPA: false (0.20000000000000000002)
    stops("0.1 + 0.2", "+")
    stops("input.f * 2", "*", {"f": 0.5})
    message = stops("input.n - 1.5", "-", {"n": 3})
    assert "non-integer operand" in message and "--rego-engine regorus" in message


def test_division_stops_unless_exact_in_integers() -> None:
    stops("1 / 3", "/")  # regopy: 16 digits; OPA: 20
    stops("input.n / 0", "/", {"n": 3})  # regopy: undefined; OPA: divide by zero
    stops("9007199254740993 / input.n", "/", {"n": 3})  # regopy: ...330 (a float64); OPA: ...331
    # near misses: exact integer division answers
    assert answer("[6 / 3, input.n / 3, -9 / input.n, 9007199254740992 / 2]", {"n": 3}) \
        == [2, 1, -3, 4503599627370496]


def test_integer_arithmetic_answers_at_any_size() -> None:
    assert answer("[input.n + 1, input.n * input.n, input.n - 5, -input.n, count([1, 2]) + input.n]",
                  {"n": 3}) == [4, 9, -2, -3, 5]
    # regopy holds big integers exactly, as OPA's big.Int does
    assert answer("123456789012345678901234567890 + input.n", {"n": 3}) == 123456789012345678901234567893
    assert answer("9007199254740993 * input.n", {"n": 3}) == 27021597764222979


def test_set_difference_keeps_regopys_own_minus() -> None:
    assert answer("{1, 2, 3} - {x | some x in input.s}", {"s": [2]}) == [1, 3]


def test_an_exact_quotient_is_an_integer_for_builtins_that_want_one() -> None:
    # regopy's 4 / 2 was the float 2.0, which numbers.range, bits.lsh and time.add_date left undefined (OPA: 2)
    assert answer("[numbers.range(1, 4 / 2), bits.lsh(1, 4 / 2), substring(\"abc\", input.n / 2, 1), "
                  "time.add_date(0, 0, 4 / 2, 0) > 0]", {"n": 4}) == [[1, 2], 4, "c", True]
