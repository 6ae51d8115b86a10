"""Whether regorus, holding the value of a number text a builtin read at run time, compares and computes with it as
OPA does with the text.

OPA keeps a number ``json.unmarshal`` or ``to_number`` read as its text (``UseNumber``; ``ast.Number``) and compares
two numbers by their exact values (``ast.NumberCompare``: ``big.Rat`` of each text, but where both are equal as
int64s, or both written with trailing zeros after a point and equal as float64s): so
``json.unmarshal("18446744073709551616")`` is 2^64 there, unequal to an input number conftest hands as
``18446744073709552000`` (Go's text of that float64), and ``json.unmarshal("0.10000000000000000001")`` is above the
literal ``0.1``. regorus 0.13.0 holds an integer text within 64 bits exactly (an i64 or u64) and any other number as
the float64 nearest it, and compares a float with an integer through the float (``10000000000000000.0 ==
10000000000000001`` is true there; OPA: false). Measured on regorus: ``input.n ==
json.unmarshal("18446744073709551616")`` with ``n`` 18446744073709551616 was true, and ``to_number(
"0.10000000000000000001") == 0.1`` true too, silently.

Every number regorus holds otherwise stands for one OPA number the same way: an input number is Go's text of a
float64 (conftest_numbers: a whole one from 2^53 below 2^64 handed over as the integer of that text), a literal's
text is checked at load (number_literals), and arithmetic is natpolicy's (arith_regorus). A float whose shortest
text has the value OPA's text has compares with any of those as in OPA: two such floats in the order of their
shortest texts, and a float with a fraction (so below 2^52) with any integer. A text this module refuses is one
where that fails: an integer past 64 bits, a float text holding more digits than its float64 keeps (its value is
not its shortest text's), a whole float from 2^53 to 2^64 (compared with an integer through a float64), a value past
a float64's range or below its smallest. (A negative zero is held apart: regorus reads ``json.unmarshal("-0")`` as
-0.0, equal to 0, as OPA compares it, and natpolicy's arithmetic keeps its sign; ``to_number``'s stops elsewhere,
numbers_opa.)
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

__all__ = ["NOT_HELD", "REGORUS_INTEGERS", "regorus_holds_as_opa"]

REGORUS_INTEGERS = range(-(2**63), 2**64)  # what regorus holds as an integer (past it, an f64)

_INTEGER = re.compile(r"-?[0-9]+\Z")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
# A whole float from 2^53 up to 2^64 may equal an integer regorus compares through a float64 (the nearest to
# 18446744073709551615 is 2^64); past that no integer it holds comes near.
_WHOLE_FROM, _WHOLE_TO = 2.0**53, 2.0**64
NOT_HELD = ("a number OPA compares and computes with by its exact text, which {engine} would hold otherwise (an "
            "integer past 64 bits, more digits than a float64 keeps, a whole number from 2^53 to 2^64 written with a "
            "point or an exponent, or a value past a float64's range); natpolicy stops here")


def regorus_holds_as_opa(text: str) -> bool:
    """Whether regorus, holding the number ``text`` as it reads it, compares and computes with it as OPA does."""
    if not _NUMBER.match(text):
        return False
    if _INTEGER.match(text):
        return int(text) in REGORUS_INTEGERS
    try:
        exact = Decimal(text)
    except InvalidOperation:  # pragma: no cover - _NUMBER matched
        return False
    real = float(text)
    if not math.isfinite(real) or (real == 0 and exact != 0):
        return False
    if real.is_integer() and _WHOLE_FROM <= abs(real) <= _WHOLE_TO:
        return False
    # The float64 regorus holds stands for its shortest text (as an input number does): the text must be worth that.
    return exact == Decimal(repr(real))
