"""``+ - * / %`` on regopy 1.5.2: integer arithmetic kept, anything OPA computes otherwise stops the query by line.

regopy computes a non-integer as a float64 (``0.3 - 0.1 == 0.2`` is true
there; OPA's 64-bit big.Float says false) and ``1 / 3`` with 16 digits (OPA
20), and it has no hook for natpolicy's own arithmetic (``arith_opa``, which
regorus gets). Integers it holds exactly at any size (measured:
``123456789012345678901234567890 + 1``), except that ``/`` goes through a
float64 (``9007199254740993 / 3`` is ``3002399751580330`` there), ``1 / 0``
is undefined (OPA stops), ``0 / -1`` is 0 (OPA's big.Float quotient is -0,
written ``-0``) and an exact quotient is a float there (``4 / 2`` is 2.0,
which ``numbers.range``, ``bits.lsh`` and ``time.add_date`` leave undefined;
OPA: the integer 2). So each operator that may meet a non-integer
(arith_regorus finds them; ``-`` keeps regopy's own for sets) becomes a
function that answers natively where both operands are integers (and for
``/``, divides exactly, by a non-zero, within 2^53, giving the integer; a
zero by a negative stops), leaves a non-number to regopy's own error, and
stops the query otherwise. A number written with a point or exponent
(``2.0``, ``1e20``) counts as a non-integer: regopy holds it as a float.

regopy's own ``%`` answers integers wrongly (``30 % 3`` is 1, ``210 % -3`` is
1, ``2000 % 100`` is no JSON: measured on raw regopy 1.5.2), so every ``%``,
literals too, calls a function computing Go's truncated remainder from
regopy's exact ``- *`` and its float64 quotient: off by at most one for
integers up to 2^53, which the function corrects (the remainder is the one of
``r - |b|``, ``r``, ``r + |b|`` below ``|b|`` with the dividend's sign); past
2^53 it stops.
"""
from __future__ import annotations

from natpolicy.rego.arith_regorus import rewrite_arithmetic
from natpolicy.rego.sprintf_regopy import private_locals

__all__ = ["ARITH_REFUSE", "ARITH_HELPERS", "ARITH_STOPPING", "arithmetic_for_regopy"]

_FUNCTIONS = {"+": "__natpolicy_rp_plus", "-": "__natpolicy_rp_minus", "*": "__natpolicy_rp_mul",
              "/": "__natpolicy_rp_div", "%": "__natpolicy_rp_rem"}
# Two values for one call: regopy stops the query ("functions must not produce multiple outputs"), which
# engine_regopy words with each site's line. Its own name: the other rewrites' helpers may be absent.
ARITH_REFUSE = "__natpolicy_rp_refused"
ARITH_STOPPING = {
    operator: "a non-integer operand or a number written with a point or exponent"
    + (", or integers that do not divide exactly, a zero divisor, a zero by a negative (OPA: -0) or a dividend "
       "past 2^53" if operator == "/" else "")
    for operator in _FUNCTIONS if operator != "%"
}
ARITH_STOPPING["*"] += ", or a zero by an integer from -1000 down (OPA: -0)"
ARITH_STOPPING["%"] = "a number written with a point or exponent, a zero divisor or an integer past 2^53"
# A zero product of integers past OPA's int fast path (-1000, 1000), one negative, is a big.Float -0 there
# (inSmallIntRange; arith_opa): `__natpolicy_rp_mul_zero` stops on it.
_NATIVE = {"+": "a + b", "-": "a - b", "*": "__natpolicy_rp_mul_zero(a, b)"}
# regopy's floor(x) == x is true for an integer of any size and false for a float, even 2.0 (measured).
ARITH_HELPERS = private_locals(f"""
{ARITH_REFUSE}(x) := 1
{ARITH_REFUSE}(x) := 2
__natpolicy_rp_int(x) if {{ is_number(x); floor(x) == x }}
__natpolicy_rp_ints(a, b) if {{ __natpolicy_rp_int(a); __natpolicy_rp_int(b) }}
__natpolicy_rp_numbers(a, b) if {{ is_number(a); is_number(b) }}
""" + "".join(f"""{_FUNCTIONS[operator]}(a, b) := {native} if __natpolicy_rp_ints(a, b)
{_FUNCTIONS[operator]}(a, b) := {native} if not __natpolicy_rp_numbers(a, b)
{_FUNCTIONS[operator]}(a, b) := {ARITH_REFUSE}([a, b]) if {{
  __natpolicy_rp_numbers(a, b); not __natpolicy_rp_ints(a, b)
}}
""" for operator, native in _NATIVE.items()) + f"""
__natpolicy_rp_mul_zero(a, b) := {ARITH_REFUSE}([a, b]) if {{ __natpolicy_rp_signed_zero(a, b) }}
__natpolicy_rp_mul_zero(a, b) := a * b if not __natpolicy_rp_signed_zero(a, b)
__natpolicy_rp_signed_zero(a, b) if {{ a == 0; b <= -1000 }}
__natpolicy_rp_signed_zero(a, b) if {{ b == 0; a <= -1000 }}
__natpolicy_rp_div(a, b) := floor(a / b) if {{ __natpolicy_rp_exact(a, b) }}
__natpolicy_rp_div(a, b) := a / b if not __natpolicy_rp_numbers(a, b)
__natpolicy_rp_div(a, b) := {ARITH_REFUSE}([a, b]) if {{
  __natpolicy_rp_numbers(a, b); not __natpolicy_rp_exact(a, b)
}}
__natpolicy_rp_exact(a, b) if {{
  __natpolicy_rp_ints(a, b); b != 0; abs(a) <= 9007199254740992; __natpolicy_rp_rem(a, b) == 0
  not __natpolicy_rp_negative_zero(a, b)
}}
__natpolicy_rp_negative_zero(a, b) if {{ a == 0; b < 0 }}
__natpolicy_rp_rem(a, b) := __natpolicy_rp_rem_of(a - b * __natpolicy_rp_trunc(a / b), a, b) if {{
  __natpolicy_rp_small(a, b)
}}
__natpolicy_rp_rem(a, b) := a % b if not __natpolicy_rp_numbers(a, b)
__natpolicy_rp_rem(a, b) := {ARITH_REFUSE}([a, b]) if {{
  __natpolicy_rp_numbers(a, b); not __natpolicy_rp_small(a, b)
}}
__natpolicy_rp_small(a, b) if {{
  __natpolicy_rp_ints(a, b); b != 0; abs(a) <= 9007199254740992; abs(b) <= 9007199254740992
}}
__natpolicy_rp_trunc(q) := floor(q) if q >= 0
__natpolicy_rp_trunc(q) := 0 - floor(0 - q) if q < 0
__natpolicy_rp_rem_of(r, a, b) := c if {{
  some c in [r - abs(b), r, r + abs(b)]
  abs(c) < abs(b)
  __natpolicy_rp_sign_of(c, a)
}}
__natpolicy_rp_sign_of(c, a) if c == 0
__natpolicy_rp_sign_of(c, a) if {{ c > 0; a > 0 }}
__natpolicy_rp_sign_of(c, a) if {{ c < 0; a < 0 }}
""")


def arithmetic_for_regopy(source: str) -> tuple[str, list[tuple[int, str]]]:
    """``source`` with each ``+ - * /`` that may meet a non-integer calling a function that answers as OPA or stops
    (ARITH_HELPERS, to append once the other rewrites are done), and (offset, operator) of each such site."""
    return rewrite_arithmetic(source, _FUNCTIONS)
