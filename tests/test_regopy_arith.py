"""regopy_arith: on regopy, ``+ - * / %`` that OPA computes otherwise stop with their line; integer arithmetic answers.

OPA computes a non-integer with a 64-bit big.Float and an integer with big.Int (topdown/arithmetic.go); regopy
1.5.2 uses a float64 for the one and divides even integers through a float64, and its own ``%`` answers wrongly
(``30 % 3`` is 1). Each fire has a near miss.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.arith_regorus import arithmetic_for_regorus
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


def _go_remainder(a: int, b: int) -> int:
    """Go's ``%`` (OPA's rem): truncated, the sign of the dividend."""
    return -(abs(a) % abs(b)) if a < 0 else abs(a) % abs(b)


def test_remainder_answers_as_opa_where_regopys_own_does_not() -> None:
    # regopy 1.5.2's own `%`: 30 % 3 is 1, -1172 % 3 is 0, and 8501 % 10 is no JSON at all (measured, raw regopy)
    pairs = [[a, b] for a in range(-40, 41) for b in (-12, -10, -3, -1, 1, 3, 7, 10, 100)]
    pairs += [[210, -3], [-1172, 3], [284043540, 7], [8501, 10], [2000, 100], [2**53, 3], [-(2**53), 7],
              [2**53 - 1, 2**53], [5, -(2**53)], [4503599627370497, 3]]
    got = answer("[r | some p in input.ps; r := p[0] % p[1]]", {"ps": pairs})
    assert got == [_go_remainder(a, b) for a, b in pairs]
    assert answer("[30 % 3, 7 % -2, count([1, 2, 3]) % 2 + 1, 30 / 3]") == [0, 1, 2, 10]  # literals too


def test_remainder_past_2_to_the_53_or_of_a_float_stops_by_line() -> None:
    # OPA: 9007199254740994 % 3 is 2 (big.Int) and 1e20 % 3 is 1; regopy computes neither exactly here. (2^53 + 2:
    # a float64 holds it, so conftest hands it over as it is; 2^53 + 1 is 2^53 there, conftest_numbers.)
    message = stops("input.n % 3", "%", {"n": 2**53 + 2})
    assert "an integer past 2^53" in message
    stops("input.f % 3", "%", {"f": 1e20})
    assert answer("input.n % 3", {"n": 2**53}) == 2  # the near miss: 2^53 itself


def test_every_remainder_is_a_site_and_other_engines_keep_theirs() -> None:
    out, sites = arithmetic_for_regopy("package p\nx := 30 % 3\n")
    assert out.splitlines()[1] == "x := __natpolicy_rp_rem(30 , 3)" and [op for _, op in sites] == ["%"]
    assert arithmetic_for_regorus("package p\nx := input.a % 3\n") == "package p\nx := input.a % 3\n"
