"""OPA's ``+ - * /`` of numbers, in Python, for regorus (which computes non-integers as f64).

OPA (topdown/arithmetic.go) computes two integers exactly (a quotient only
where the divisor divides a non-zero dividend) and anything else as a
``big.Float``: each operand's text read with a 64-bit mantissa, the result
rounded to 64 bits (nearest, ties to even) and written as its shortest text at
that precision (``Text('g', -1)``; ``'f'`` where it is an integer). So
``0.1 + 0.2`` is ``0.3`` in OPA and ``0.30000000000000004`` on regorus.

Here the same in fractions. The answer handed back to regorus is an ``int``
(an integral result within 64 bits) or the ``float`` whose own shortest text is
OPA's text; where no f64 holds OPA's text (``1 / 3`` is
``0.3333333333333333333`` in OPA), where OPA writes ``-0``, or for an integer
outside ``[-2^63, 2^64)`` (regorus holds an i64 or a u64 exactly, anything past
them as an f64: measured), the query stops (``ValueError``) with the line of the operator,
as regorus reports an extension's error. A float operand is read as its
shortest text, which is OPA's text for every literal written that way (a
number's own text is out of any check's sight; docs/rego.md).
"""
from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from natpolicy.rego.go_json_numbers import go_float64_text, note_computed_text

__all__ = ["opa_abs", "opa_divide", "opa_minus", "opa_multiply", "opa_plus", "opa_product", "opa_round", "opa_sum",
           "rounded_to_64_bits"]

_MANTISSA_BITS = 64  # big.Float's precision for a number read from text (SetString with precision 0)
# The integers regorus 0.13.0 holds exactly (an i64, or a u64 from 2^63 up), from an extension as from the input
# document; past them it reads an f64 (2^64 came back as 18446744073709551615, measured).
_HELD_INTEGERS = range(-(2**63), 2**64)


def opa_plus(a: Any, b: Any) -> int | float:
    return _arith("plus", a, b)


def opa_minus(a: Any, b: Any) -> int | float:
    return _arith("minus", a, b)


def opa_multiply(a: Any, b: Any) -> int | float:
    return _arith("mul", a, b)


def opa_divide(a: Any, b: Any) -> int | float:
    return _arith("div", a, b)


def opa_sum(values: Any) -> int | float:
    """OPA's ``sum`` (topdown/aggregates.go): integers exactly, else a big.Float accumulated from 0, each
    element read with a 64-bit mantissa and each partial sum rounded to 64 bits (regorus adds f64s:
    ``sum([0.1, 0.2])`` was 0.30000000000000004 there, 0.3 in OPA)."""
    return _aggregate("sum", values, Fraction(0), lambda x, y: x + y)


def opa_product(values: Any) -> int | float:
    """OPA's ``product``, as ``sum``, but from ``big.NewFloat(1)``, whose 53-bit precision every partial
    product keeps (a big.Float result takes its receiver's precision where that is not 0)."""
    return _aggregate("product", values, Fraction(1), lambda x, y: x * y)


def _aggregate(name: str, values: Any, start: Fraction, step: Any) -> int | float:
    if not isinstance(values, (list, set, frozenset)):
        raise TypeError(f"{name}: operand 1 must be one of {{set, array}}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name}: operand 1 must be array or set of numbers")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name}: operand 1 holds a number that is not finite")
    if all(isinstance(v, int) or v.is_integer() for v in values):  # OPA's exact big.Int path (2.0 is 2 there)
        return _held_integer(name, int(functools.reduce(step, (Fraction(int(v)) for v in values), start)))
    bits = 53 if name == "product" else _MANTISSA_BITS
    total = start
    for value in values:
        total = _rounded(step(total, _read(value)), bits)
    if total == 0 and name == "product" and sum(math.copysign(1, v) < 0 for v in values) % 2:
        raise ValueError("product: OPA's answer is -0, which regorus cannot hold apart from 0; natpolicy refuses "
                         "it: run with --rego-engine opa")
    return _handed_back(name, total, bits)


def opa_abs(a: Any) -> int | float:
    """OPA's ``abs`` (topdown/arithmetic.go ``opAbs``): an integer exactly, anything else as a big.Float read from
    the number's text and written by ``FloatToNumber`` (``Text('g', -1)`` for a non-integer): ``abs(-1234567.5)``
    is ``1.2345675e+06``, which ``json.marshal`` writes so; regorus' own abs held 1234567.5, which it wrote
    ``1234567.5`` (measured). The text is noted as arithmetic's is (``_handed_back``)."""
    _unary_operand("abs", a)
    if isinstance(a, int):
        return _held_integer("abs", abs(a))
    return _handed_back("abs", abs(_read(a)))


def opa_round(a: Any) -> int:
    """OPA's ``round`` (``arithRound``): half away from zero, the half added to the 64-bit big.Float (so rounded
    to 64 bits) before the integer part is taken. Its integer result is written by ``FloatToNumber`` with ``'f'``:
    every digit (``1000000000000000000000`` for ``round(1e21)``), where regorus wrote its f64 (``1e+21``), so a
    result past what regorus holds as an integer (2^64) stops (``_held_integer``), as numbers_opa's ``ceil`` and
    ``floor`` do. An integer operand is its own answer (OPA's int path, or a 64-bit big.Float holding it)."""
    def half_away(value: Fraction) -> int:
        return math.trunc(_rounded(value + (Fraction(-1, 2) if value < 0 else Fraction(1, 2))))
    _unary_operand("round", a)
    if isinstance(a, int):
        return a
    return _held_integer("round", half_away(_read(a)))


def _unary_operand(name: str, a: Any) -> None:
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        raise TypeError(f"{name}: operand 1 must be number")
    if isinstance(a, float) and not math.isfinite(a):
        raise ValueError(f"{name}: operand 1 is not a finite number")


def rounded_to_64_bits(value: Fraction) -> Fraction:
    """``value`` as a big.Float of OPA's default precision holds it (64-bit mantissa, ties to even)."""
    return _rounded(value)


def _arith(name: str, a: Any, b: Any) -> int | float:
    for position, operand in ((1, a), (2, b)):
        if isinstance(operand, bool) or not isinstance(operand, (int, float)):
            raise TypeError(f"{name}: operand {position} must be number")
        if isinstance(operand, float) and not math.isfinite(operand):
            raise ValueError(f"{name}: operand {position} is not a finite number")
    if isinstance(a, int) and isinstance(b, int):
        if name == "div":
            if b == 0:
                raise ValueError("div: divide by zero")
            if a != 0 and a % b == 0:  # OPA's exact quotient; 0 / n goes the float way (and may be -0)
                return _held_integer(name, a // b)
        elif name == "mul" and ((a == 0 and b <= -1000) or (b == 0 and a <= -1000)):
            # OPA multiplies integers as integers only within (-1000, 1000) (inSmallIntRange), else as big.Floats,
            # whose zero product carries the sign: 0 * -1000 is -0 there (regorus answered 0, measured).
            raise ValueError("mul: OPA's answer is -0, which regorus cannot hold apart from 0; natpolicy refuses "
                             "it: run with --rego-engine opa")
        else:
            return _held_integer(name, a + b if name == "plus" else a - b if name == "minus" else a * b)
    x, y = _read(a), _read(b)
    if name == "div" and y == 0:
        raise ValueError("div: divide by zero")
    exact = x + y if name == "plus" else x - y if name == "minus" else x * y if name == "mul" else x / y
    if exact == 0 and _negative_zero(name, a, b):
        raise ValueError(f"{name}: OPA's answer is -0, which regorus cannot hold apart from 0; natpolicy refuses "
                         "it: run with --rego-engine opa")
    return _handed_back(name, _rounded(exact))


def _read(number: int | float) -> Fraction:
    """The number as OPA's big.Float holds it: its (shortest) text read with a 64-bit mantissa."""
    return _rounded(Fraction(repr(number)) if isinstance(number, float) else Fraction(number))


def _negative_zero(name: str, a: int | float, b: int | float) -> bool:
    """Does big.Float's zero result carry a sign (IEEE rules, rounding to nearest)?"""
    a_negative, b_negative = math.copysign(1, a) < 0, math.copysign(1, b) < 0
    if name in ("mul", "div"):  # a zero product or quotient carries the sign of the operands' signs
        return a_negative != b_negative
    if name == "minus":
        b_negative = not b_negative
    # x + y exactly zero: -0 only where both are -0 (rounding to nearest turns x + -x into +0).
    return a == 0 and b == 0 and a_negative and b_negative


def _rounded(value: Fraction, bits: int = _MANTISSA_BITS) -> Fraction:
    """``value`` rounded to a ``bits``-bit mantissa, ties to even (big.Float's ToNearestEven)."""
    if value == 0:
        return value
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    scale = Fraction(2) ** (exponent - bits + 1)  # one unit in the last of `bits` places
    return sign * round(magnitude / scale) * scale  # round() on a Fraction ties to even


def _shortest_text(value: Fraction, bits: int = _MANTISSA_BITS) -> str:
    """The fewest significant decimal digits that read back (at 64 bits) to ``value``: big.Float's
    ``Text('g', -1)`` digits, as a plain decimal string for Fraction/float to read."""
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    point = len(str(magnitude.numerator // magnitude.denominator)) if magnitude >= 1 else \
        -_leading_zeros(magnitude)
    for digits in range(1, 40):
        shift = digits - point
        scaled = round(magnitude * Fraction(10) ** shift)  # the closest number of `digits` digits
        candidate = Fraction(scaled) / Fraction(10) ** shift
        if _rounded(candidate, bits) == magnitude:
            return f"{sign}{scaled}e{-shift}"
    raise AssertionError("a 64-bit mantissa never needs more than 21 digits")


def _leading_zeros(magnitude: Fraction) -> int:
    """How many zeros follow the decimal point before the first digit of a number below one."""
    zeros = 0
    while magnitude * 10 ** (zeros + 1) < 1:
        zeros += 1
    return zeros


def _handed_back(name: str, result: Fraction, bits: int = _MANTISSA_BITS) -> int | float:
    if result.denominator == 1:
        return _held_integer(name, result.numerator)
    text = _shortest_text(result, bits)
    held = float(text)
    # regorus prints and compares the f64, OPA its 64-bit text: the same only where both are one decimal.
    if Fraction(repr(held)) != Fraction(text):
        raise ValueError(f"{name}: OPA's answer has more digits than a float64 holds (OPA computes with a 64-bit "
                         "mantissa, as 1 / 3 = 0.33333333333333333334); regorus cannot hold it, so natpolicy refuses "
                         "it: compare without dividing (a * 100 >= b * 80 for a / b >= 0.8), or run with "
                         "--rego-engine opa")
    if go_float64_text(held) != (opa_text := _g_text(text)):
        note_computed_text(held, opa_text)  # json.marshal writes OPA's text, which regorus does not keep
    return held


def _g_text(text: str) -> str:
    """big.Float's ``Text('g', -1)`` of the non-integer whose shortest digits ``_shortest_text`` gave (as
    ``{sign}{digits}e{exponent}``): ``%e`` where the decimal exponent is below -4 or from 6 up (shortest: math/big
    ftoa.go takes 6 as the precision), with two exponent digits at least; else ``%f``."""
    sign, digits_exponent = ("-", text[1:]) if text.startswith("-") else ("", text)
    digits, _, exponent = digits_exponent.partition("e")
    point = len(digits) + int(exponent)  # the digits are d.ddd x 10^(point - 1)
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if point - 1 < 0 else '+'}{abs(point - 1):02d}"
    return sign + format(Decimal(text.lstrip("-")), "f")


def _held_integer(name: str, value: int) -> int:
    if value not in _HELD_INTEGERS:
        # regorus takes no integer past 64 bits back from an extension; OPA would print every digit.
        raise ValueError(f"{name} of a result past 2^64 or below -2^63, which regorus does not hold exactly: "
                         "natpolicy cannot hand regorus OPA's answer; it refuses it")
    return value
