"""OPA's ``units.parse`` and ``units.parse_bytes``, in Python, for regorus (``add_extension`` replaces its own).

regorus answered otherwise, measured: a unit OPA does not know (``units.parse_bytes("1B")``,
``units.parse("1x")``) was undefined, where OPA (topdown/parse_bytes.go ``builtinNumBytes``,
parse_units.go ``builtinUnits``) stops with "unit ... not recognized"; ``units.parse_bytes("1.5")``
was 2, where OPA truncates the product to an integer (``big.Float.Int``: 1); and a quoted unit
(``1"K"``, whose quotes OPA drops) was undefined.

OPA splits the text at the first byte that is no digit, ``.``, or part of an exponent
(``extractNumAndUnit``): ``units.parse_bytes`` lowercases the whole text first and reads the number
with a 64-bit mantissa (``big.Float``), multiplies (rounded to 64 bits) and truncates;
``units.parse`` keeps the unit's first letter's case (``m`` is milli, ``M`` mega), multiplies exactly
(``big.Rat``; milli is the float64 0.001 exactly) and writes a non-integer with ten decimals
(``FloatString(10)``). An answer regorus cannot hold (an integer past 64 bits, a decimal past a
float64's digits) stops the query, with the call's line.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from natpolicy.rego.arith_opa import rounded_to_64_bits

__all__ = ["opa_units_parse", "opa_units_parse_bytes"]

_INT64 = range(-(2**63), 2**63)
_EXPONENT_DIGITS = 6  # OPA's maxExponentDigits
_BYTE_UNITS = {"": 1, **{u: 1000 ** (i + 1) for i, p in enumerate("kmgtpe") for u in (p, p + "b")},
               **{u: 1024 ** (i + 1) for i, p in enumerate("kmgtpe") for u in (p + "i", p + "ib")}}
_SI_UNITS = {"": Fraction(1), "m": Fraction(0.001),  # milli: OPA's big.Rat of the float64 0.001, exactly
             "k": Fraction(10**3), "K": Fraction(10**3), "M": Fraction(10**6), "g": Fraction(10**9),
             "G": Fraction(10**9), "t": Fraction(10**12), "T": Fraction(10**12), "p": Fraction(10**15),
             "P": Fraction(10**15), "e": Fraction(10**18), "E": Fraction(10**18),
             **{u: Fraction(1024 ** (i + 1)) for i, p in enumerate("kmgtpe") for u in (p + "i", p.upper() + "i")}}
# What big.Float.SetString and big.Rat.SetString read of the characters the number part may hold.
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")


def opa_units_parse_bytes(text: Any) -> int:
    number, unit = _split("units.parse_bytes", text.lower().replace('"', "") if isinstance(text, str) else text)
    if unit not in _BYTE_UNITS:
        # OPA names the unit; it is the input's own text (which the plan may mark sensitive): not echoed.
        raise ValueError("units.parse_bytes: byte unit not recognized")
    amount = _number("units.parse_bytes", number)
    whole = int(rounded_to_64_bits(rounded_to_64_bits(amount) * _BYTE_UNITS[unit]))  # int() truncates, as Go's
    return _held("units.parse_bytes", whole)


def opa_units_parse(text: Any) -> int | float:
    number, unit = _split("units.parse", text.replace('"', "") if isinstance(text, str) else text)
    if len(unit) > 1:
        unit = unit[0] + unit[1:].lower()
    if unit not in _SI_UNITS:
        raise ValueError("units.parse: unit not recognized")  # the unit is not echoed (above)
    value = _number("units.parse", number) * _SI_UNITS[unit]
    if value.denominator == 1:
        return _held("units.parse", value.numerator)
    # big.Rat.FloatString(10): ten decimals, the last rounded half away from zero.
    scaled = abs(value) * 10**10
    tenths = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    decimal = Fraction(-tenths if value < 0 else tenths, 10**10)
    held = float(decimal)
    if Fraction(repr(held)) != decimal:
        raise ValueError("units.parse: OPA's answer has more digits than a float64 holds; regorus cannot hold it, "
                         "so natpolicy refuses it: run with --rego-engine opa")
    return held


def _split(name: str, text: Any) -> tuple[str, str]:
    """OPA's ``extractNumAndUnit`` (byte by byte) after its checks for a string, spaces and an amount."""
    if not isinstance(text, str):
        raise TypeError(f"{name}: operand 1 must be string")
    if " " in text:
        raise ValueError(f"{name}: spaces not allowed in resource strings")
    raw = text.encode("utf-8")
    cut = len(raw)
    i = 0
    while i < len(raw):
        c = chr(raw[i])
        if not (c.isascii() and c.isdigit()) and c not in ".eE+-":
            cut = i
            break
        if c in "eE":
            after = chr(raw[i + 1]) if i + 1 < len(raw) else ""
            if not after or not (after.isascii() and after.isdigit() or after in "+-"):
                cut = i
                break
            if after in "+-":
                i += 1
            digits = len(re.match(rb"[0-9]*", raw[i + 1:]).group())  # type: ignore[union-attr]
            if digits > _EXPONENT_DIGITS:
                raise ValueError(f"{name}: exponent too large")
        i += 1
    number, unit = raw[:cut].decode("ascii"), raw[cut:].decode("utf-8")
    if not number:
        raise ValueError(f"{name}: no amount provided")
    return number, unit


def _number(name: str, number: str) -> Fraction:
    if not _NUMBER.match(number):
        raise ValueError(f"{name}: could not parse amount to a number")
    return Fraction(number)


def _held(name: str, value: int) -> int:
    if value not in _INT64:
        raise ValueError(f"{name} of a result past 2^63: natpolicy cannot hand regorus OPA's answer; it refuses it")
    return value
