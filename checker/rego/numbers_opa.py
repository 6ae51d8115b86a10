"""OPA's ``ceil``, ``floor`` and ``to_number``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/arithmetic.go, ``arithCeil``/``arithFloor``) truncates the number
toward zero to an integer ``i`` and reads the sign of ``i`` as a big.Float,
where 0 has no sign: so between -1 and 0, ``ceil`` adds one to 0 and ``floor``
keeps 0 (``ceil(-0.5)`` is 1, ``floor(-0.5)`` is 0). That is OPA's answer,
and conftest's; regorus answers 0 and -1. Elsewhere both agree with
mathematics.

OPA's ``to_number`` (topdown/casts.go) takes a string Go's
``strconv.ParseFloat`` reads, except infinities and NaN: regorus also takes
``" 1"`` (OPA: an error) and refuses ``".5"`` and ``"+5"`` (OPA: 0.5 and 5).
Go reads the syntax of its own float literals (strconv/atof.go ``readFloat``,
``underscoreOK``): a hexadecimal mantissa with a ``p`` exponent (``0x1p-2``)
and ``_`` between digits (``1_000``, ``0x_1p0``), which OPA keeps as the
number's text; natpolicy stops there (:data:`GO_FLOAT_TEXT` tells them from
text OPA refuses, and is the default mode's guard of ``to_number``).
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from natpolicy.rego.held_numbers import NOT_HELD, REGORUS_INTEGERS, regorus_holds_as_opa

__all__ = ["AS_HELD", "GO_FLOAT_TEXT", "NEGATIVE_ZERO_TEXT", "REGORUS_INTEGERS", "go_number", "opa_bits_lsh",
           "opa_ceil", "opa_floor", "opa_integer_text", "opa_json_factors", "opa_json_operands", "opa_json_texts",
           "opa_json_values",
           "opa_to_number", "opa_to_number_by_value", "opa_to_number_factor", "opa_to_number_kept",
           "opa_to_number_texted", "opa_to_number_whole", "text_as_held"]

_INT64 = range(-(2**63), 2**63)
# What strconv.ParseFloat reads in decimal (underscores only after a base prefix, so never here).
_DECIMAL = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_INTEGER = re.compile(r"^[+-]?[0-9]+\Z")
_ATOI64 = re.compile(r"[0-9]*(\.0*)?")  # OPA's util.Atoi64 after the sign (the 19-character bound apart)
# A zero written with a minus (`-0`, `-0.0`, `-.0e3`): OPA's number is that text, so its big.Float arithmetic and
# a printed answer keep the sign (`to_number("-0") / 5` and `to_number("-0")` itself are -0 in OPA), which
# neither engine holds apart from 0 (both answered 0, measured).
NEGATIVE_ZERO_TEXT = r"^-(0+[.]?0*|[.]0+)([eE][+-]?[0-9]+)?$"
_NEGATIVE_ZERO = re.compile(NEGATIVE_ZERO_TEXT.removesuffix("$") + r"\Z")
_SIGNED_ZERO = ("to_number of a negative zero (`-0`, `-0.0`): OPA keeps its sign (its arithmetic and the answer "
                "write -0), where {engine} holds 0; natpolicy stops here")
_FACTOR = ("to_number of a zero or a negative whole number OPA reads as no integer (an exponent, or more than 19 "
           "characters: `0e0`, `-1e0`), multiplied: OPA multiplies it as a big.Float, whose zero product keeps a sign "
           "(`to_number(\"0e0\") * -1` is -0), where {engine} holds an integer and answers 0; natpolicy stops here")
# All the text strconv.ParseFloat(s, 64) reads (but a range error: "1e400"), in RE2 syntax for the guard of
# operand_kinds: decimal digits, or hexadecimal ones after 0x with a p exponent; `_` only between two digits, or
# between the 0x and a digit (underscoreOK); a sign first; an exponent of decimal digits.
_DIGITS, _HEX = "[0-9]+(_[0-9]+)*", "[0-9a-fA-F]+(_[0-9a-fA-F]+)*"
GO_FLOAT_TEXT = (f"^[+-]?(({_DIGITS}([.]({_DIGITS})?)?|[.]{_DIGITS})([eE][+-]?{_DIGITS})?"
                 f"|0[xX](_?{_HEX}([.]({_HEX})?)?|[.]{_HEX})[pP][+-]?{_DIGITS})$")
_GO_FLOAT = re.compile(GO_FLOAT_TEXT.removesuffix("$") + r"\Z")
_SPECIAL = frozenset({"inf", "infinity", "nan"})
# A text both engines write back as it stands from the value they hold: an integer (not -0, no sign or leading
# zero), or a plain decimal with no trailing zero (the shortest text of its float64 is checked besides).
AS_HELD = re.compile(r"(0|-?[1-9][0-9]*(\.[0-9]*[1-9])?|-?0\.[0-9]*[1-9])\Z")
_TEXT_KEPT = ("to_number of text OPA keeps as the number's own (a whole number with a point or an exponent, a "
              "trailing zero, a sign or a leading zero: an index reads that text, and json.marshal, sprintf and "
              "object keys write it as it stands), where {engine} holds the value only; natpolicy stops here: "
              "compare or compute with it, or pass it to sprintf directly")
_WHOLE_FLOAT = ("to_number of text that is a whole number written with a point or an exponent: OPA's sprintf "
                "formats it as a float64 (`%d` is `%!d(float64=...)`), {engine} as an integer; natpolicy stops "
                "here: pass to_number(...) to sprintf directly")


def opa_ceil(number: Any) -> int:
    whole = _truncated(number, "ceil")
    # OPA: the truncated value itself where it is below zero (a sign bit) or equals the number, else one more.
    return whole if whole < 0 or whole == number else whole + 1


def opa_floor(number: Any) -> int:
    whole = _truncated(number, "floor")
    # OPA: the truncated value itself where it is not below zero or equals the number, else one less.
    return whole if whole >= 0 or whole == number else whole - 1


def _truncated(number: Any, name: str) -> int:
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{name}: operand 1 must be number")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"{name}: operand 1 is not a finite number")
    whole = math.trunc(number)
    if whole not in _INT64 or whole + 1 not in _INT64 or whole - 1 not in _INT64:
        # regorus takes no integer past 64 bits back from an extension; OPA would print every digit.
        raise ValueError(f"{name} of a number past 2^63: natpolicy cannot hand regorus OPA's answer; it refuses it")
    return whole


def opa_to_number(value: Any) -> int | float:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):
        raise TypeError("to_number: operand 1 must be one of {null, boolean, number, string}")
    if value.lstrip("+-").lower() in _SPECIAL:
        raise ValueError("to_number: operand 1 must be valid number string")
    if _INTEGER.match(value):
        number = int(value)
        if number not in _INT64:
            raise ValueError("to_number of an integer past 2^63: natpolicy cannot hand regorus OPA's answer; it "
                             "refuses it")
        return number
    # The text itself is never echoed: it may be a value the plan marks sensitive.
    if not _GO_FLOAT.match(value):
        raise ValueError("strconv.ParseFloat: invalid syntax: to_number of text that is no number")
    if not _DECIMAL.match(value):
        # Go reads hexadecimal floats (0x1p4) and digits apart by _ (1_000); OPA keeps that text as the number's.
        raise ValueError("to_number of a hexadecimal float or of digits set apart by _, which OPA reads as Go "
                         "does and keeps as the number's text: natpolicy refuses it (run with --rego-engine opa)")
    real = float(value)
    if math.isinf(real):
        raise ValueError("strconv.ParseFloat: value out of range: to_number of text past a float64's range")
    if real == 0 and any(digit in "123456789" for digit in value.split("e")[0].split("E")[0]):
        raise ValueError("to_number of a number too small for a float64: natpolicy refuses it")
    return real


def _negative_zero(value: Any) -> bool:
    return isinstance(value, str) and bool(_NEGATIVE_ZERO.match(value))


def opa_to_number_by_value(value: Any) -> int | float:
    """``to_number`` where only its value is read: stops on a negative zero, whose sign OPA keeps, and on text
    whose exact value regorus would not hold (``held_numbers``: ``to_number("0.10000000000000000001") == 0.1``)."""
    if _negative_zero(value):
        opa_to_number(value)  # OPA's own errors first
        raise ValueError(_SIGNED_ZERO.format(engine="regorus 0.13.0"))
    return _held(value, opa_to_number(value))


def _held(value: Any, number: int | float) -> int | float:
    """``number``, to_number's of ``value``, once regorus holds it as OPA holds the text ``value``."""
    if isinstance(value, str) and not regorus_holds_as_opa(value):
        raise ValueError("to_number of " + NOT_HELD.format(engine="regorus 0.13.0"))
    return number


def opa_integer_text(text: str) -> bool:
    """Does OPA (v1.20.0 on) read this number text as an integer? ``ast.Number.Int`` parses it with
    ``util.Atoi64`` (v1/util): a sign, then at most 19 characters of digits, with at most one point followed by
    zeros only; no exponent. ``0.0`` and ``-1.0`` are the integers 0 and -1 there, so their arithmetic takes the
    integer path (``0.0 * -1`` is 0), exactly as the engines, which hold them as integers, compute it. Before
    v1.20.0 ``json.Number.Int64`` read no point at all (``0.0 * -1`` was a big.Float product, -0)."""
    body = text[1:] if text[:1] in "+-" else text
    return 0 < len(body) <= 19 and _ATOI64.fullmatch(body) is not None


def opa_to_number_factor(value: Any) -> int | float:
    """``to_number`` whose value ``*`` reads: also stops on a zero or negative whole number whose text OPA reads as
    no integer (``0e0``: regorus hands ``*`` an integer for it, so OPA's big.Float product and its zero's sign are
    lost). ``to_number`` keeps the string as the number's text (topdown/casts.go ``ast.Number(a)``), and
    ``builtinMultiply`` takes the integer path where ``Number.Int`` reads it (``opa_integer_text``: ``"0.0"``,
    ``"-1.0"``), as regorus computes it: ``to_number("0.0") * -1`` is 0 in OPA v1.20 and on regorus."""
    number = opa_to_number_by_value(value)
    if isinstance(value, str) and not opa_integer_text(value) and float(number).is_integer() and number <= 0:
        raise ValueError(_FACTOR.format(engine="regorus 0.13.0"))
    return number


def text_as_held(text: str) -> bool:
    """Whether an engine holding the value of the number text ``text`` writes it back as ``text``."""
    if not AS_HELD.match(text):
        return False
    # Go's encoding/json (and so regorus) writes a number below 1e-6 with an exponent.
    return "." not in text or (Decimal(repr(float(text))) == Decimal(text) and abs(float(text)) >= 1e-6)


def opa_to_number_kept(value: Any) -> int | float:
    """``to_number`` where its result may show its text: stops on text the engine would write otherwise."""
    number = opa_to_number(value)
    if isinstance(value, str) and not text_as_held(value):
        raise ValueError(_TEXT_KEPT.format(engine="regorus 0.13.0"))
    return number


def opa_to_number_whole(value: Any) -> int | float:
    """``to_number`` whose result reaches sprintf through a name: stops on a whole number OPA formats as a float."""
    number = opa_to_number(value)
    if isinstance(value, str) and not _INTEGER.match(value) and float(number).is_integer():
        raise ValueError(_WHOLE_FLOAT.format(engine="regorus 0.13.0"))
    return _held(value, number)  # the name may be compared too


def opa_to_number_texted(value: Any) -> list[Any]:
    """``to_number`` as an element of sprintf's arguments: the value and the text OPA keeps (``null`` for none),
    read by natpolicy's sprintf (sprintf_opa.opa_sprintf_texts)."""
    return [opa_to_number(value), value if isinstance(value, str) else None]


def _json_numbers(text: str) -> list[str] | None:
    """The texts of the numbers of the JSON value ``text`` starts with, or None where it is no JSON value."""
    numbers: list[str] = []

    def kept(number: str) -> str:
        numbers.append(number)
        return number

    try:
        json.JSONDecoder(parse_float=kept, parse_int=kept, parse_constant=kept).raw_decode(text.lstrip(" \t\n\r"))
    except ValueError:
        return None
    return numbers


def opa_json_values(text: Any) -> Any:
    """``text`` as it is, once each number of the JSON value it starts with is one regorus compares and computes
    with as OPA does with its text (``held_numbers``; where only the numbers' values are read: ``number_texts``);
    anything else is left to ``json.unmarshal`` itself."""
    if isinstance(text, str) and not all(regorus_holds_as_opa(number) for number in _json_numbers(text) or ()):
        raise ValueError("json.unmarshal of text holding " + NOT_HELD.format(engine="regorus 0.13.0"))
    return text


def opa_json_operands(text: Any) -> Any:
    """:func:`opa_json_values` where ``+``, ``-`` or ``/`` reads the value: also stops on a negative zero (OPA
    divides a ``-0`` as a big.Float, whose quotient keeps the sign: ``json.unmarshal("-0") / 5`` is -0 there, where
    regorus answered 0; measured)."""
    numbers = _json_numbers(opa_json_values(text)) if isinstance(text, str) else None
    if any(_NEGATIVE_ZERO.match(number) for number in numbers or ()):
        raise ValueError("json.unmarshal of text holding a negative zero (-0, -0.0), computed with: OPA's arithmetic "
                         "keeps its sign (big.Float), where regorus 0.13.0 answers 0; natpolicy stops here")
    return text


def opa_json_factors(text: Any) -> Any:
    """:func:`opa_json_operands` where ``*`` reads the value: also stops on a zero or negative whole number whose
    text OPA reads as no integer, as ``to_number`` does (:func:`opa_to_number_factor`: OPA's big.Float product keeps
    a zero's sign; regorus hands ``*`` an integer). OPA decodes with ``UseNumber``, so the number keeps its text."""
    numbers = _json_numbers(opa_json_operands(text)) if isinstance(text, str) else None
    # A text Number.Int reads (`0.0`, `-1.0`) takes builtinMultiply's integer path, as on regorus (opa_integer_text)
    if any(not opa_integer_text(number) and Decimal(number) <= 0
           and Decimal(number) == Decimal(number).to_integral_value() for number in numbers or ()):
        raise ValueError("json.unmarshal of text holding a zero or a negative whole number OPA reads as no integer "
                         "(an exponent, or more than 19 characters: `0e0`), multiplied: OPA multiplies it as a "
                         "big.Float, whose zero product keeps a sign, where regorus 0.13.0 holds an integer; natpolicy "
                         "stops here")
    return text


def opa_json_texts(text: Any) -> Any:
    """``text`` as it is, once the numbers of the JSON value it starts with are ones regorus writes back as OPA
    keeps them (OPA decodes with ``UseNumber``: ``json.unmarshal("[2.0]")`` holds the number ``2.0``, no integer
    index, written ``2.0`` again); anything else is left to ``json.unmarshal`` itself."""
    numbers = _json_numbers(text) if isinstance(text, str) else None
    if numbers is None:
        return text
    if not all(text_as_held(number) and (not _INTEGER.match(number) or int(number) in REGORUS_INTEGERS)
               for number in numbers):
        raise ValueError("json.unmarshal of text holding a number OPA keeps as written (a whole number with a point "
                         "or an exponent, a trailing zero, -0, or an integer past 64 bits: an index reads that text, "
                         "and json.marshal and sprintf write it as it stands), where regorus 0.13.0 holds the value "
                         "only; natpolicy stops here: compare or compute with its numbers")
    return text


def go_number(text: str) -> int | float:
    """The Go value OPA's sprintf hands fmt for the number ``text`` (topdown/strings.go): an integer where the
    text parses as one (``ParseInt``, then ``big.Int``'s ``SetString``), a float64 otherwise."""
    return int(text) if _INTEGER.match(text) else float(text)


def opa_bits_lsh(number: Any, shift: Any) -> int:
    """``bits.lsh(number, shift)`` as OPA answers it, or a stop where regorus cannot hold OPA's answer."""
    for position, value in ((1, number), (2, shift)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"bits.lsh: operand {position} must be number")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"bits.lsh: operand {position} must be integer number but got floating-point number")
    if shift < 0:
        raise ValueError("bits.lsh: operand 2 must be an unsigned integer number but got a negative integer")
    result = int(number) << int(shift)
    if result not in _INT64:
        raise ValueError("bits.lsh past 64 bits: OPA's answer is an exact integer, which natpolicy cannot hand "
                         "regorus; it refuses it")
    return result
