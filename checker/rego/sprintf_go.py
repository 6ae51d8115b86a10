"""Go's ``fmt.Sprintf``, for the three kinds of value OPA's ``sprintf`` hands it.

OPA (topdown ``builtinSprintf``) turns each argument into a Go ``int`` (an
integer that fits int64), a ``*big.Int`` (a larger one), a ``float64`` (any
other number) or a ``string`` (strings as they are; everything else as its
Rego text, see ``sprintf_opa``), then calls ``fmt.Sprintf``. This module is
that call: a Python ``int`` is an ``int`` or, outside int64, a ``*big.Int``;
a ``float`` is a ``float64``; a ``str`` is a ``string``.

Written from Go's ``fmt`` (print.go ``doPrintf``/``printArg``, format.go) and
``strconv`` (``FormatFloat``, ``Quote``) and checked against Go's own output
(``tests/test_rego_sprintf.py``). What it does not reproduce exactly raises
:class:`GoFormatRefused` instead of guessing: ``*`` and ``[n]`` in a verb, a
string padded with the ``0`` flag (Go releases disagree on it), hex floats
(``%x`` of a non-integer), ``%p``.
"""
from __future__ import annotations

import struct
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from natpolicy.records import record
from natpolicy.rego.go_printable import is_go_printable

__all__ = ["GoFormatRefused", "go_sprintf", "go_quote", "go_type_name"]

GoValue = int | float | str
_INT64 = (-(1 << 63), (1 << 63) - 1)
_MAX_RUNE = 0x10FFFF
_NUMBER_LIMIT = 1_000_000  # Go's parsenum gives up on a width or precision past this ("tooLarge")


class GoFormatRefused(ValueError):
    """A format whose Go output natpolicy does not reproduce exactly."""


def go_type_name(value: GoValue) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "float64"
    return "int" if _INT64[0] <= value <= _INT64[1] else "*big.Int"


@record
class _Flags:
    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    plus_v: bool = False
    sharp_v: bool = False
    wid: int | None = None
    prec: int | None = None


def go_sprintf(fmt: str, args: Sequence[GoValue]) -> str:
    """``fmt.Sprintf(fmt, args...)`` as Go prints it, or :class:`GoFormatRefused`."""
    pieces = _plain_s_pieces(fmt)
    if pieces is not None and len(args) == len(pieces) - 1 and all(arg.__class__ is str for arg in args):
        # Only `%s` verbs, no flags, width or precision, one string each: Go prints each string as it is (the
        # loop below, verb by verb, gives the same), here without the loop (a rule's 6,000 messages).
        out: list[Any] = [pieces[0]]  # strings only (every arg was checked to be one)
        for arg, piece in zip(args, pieces[1:], strict=True):
            out += (arg, piece)
        return "".join(out)
    return _go_sprintf(fmt, args)


@lru_cache(maxsize=256)
def _plain_s_pieces(fmt: str) -> tuple[str, ...] | None:
    """The text around each ``%s`` of ``fmt``, when that is its only verb (no other ``%`` at all), else ``None``."""
    pieces = tuple(fmt.split("%s"))
    return None if any("%" in piece for piece in pieces) else pieces


def _go_sprintf(fmt: str, args: Sequence[GoValue]) -> str:
    out: list[str] = []
    arg_num, i, end = 0, 0, len(fmt)
    while i < end:
        start = i
        while i < end and fmt[i] != "%":
            i += 1
        out.append(fmt[start:i])
        if i >= end:
            break
        i += 1
        flags = _Flags()
        simple = False
        while i < end:
            c = fmt[i]
            if c == "#":
                flags.sharp = True
            elif c == "0":
                flags.zero = not flags.minus  # Go pads with zeros on the left only
            elif c == "+":
                flags.plus = True
            elif c == "-":
                flags.minus, flags.zero = True, False
            elif c == " ":
                flags.space = True
            else:
                # Go's fast path: a lower-case verb right after the flags, with an argument left.
                if "a" <= c <= "z" and arg_num < len(args):
                    if c == "v":
                        _verb_v(flags)
                    out.append(_print_arg(args[arg_num], c, flags))
                    arg_num += 1
                    i += 1
                    simple = True
                break
            i += 1
        if simple:
            continue
        _no_index_or_star(fmt, i)
        flags.wid, i = _parse_number(fmt, i)
        if i + 1 < end and fmt[i] == ".":
            i += 1
            _no_index_or_star(fmt, i)
            flags.prec, i = _parse_number(fmt, i)
            if flags.prec is None:
                flags.prec = 0
        _no_index_or_star(fmt, i)
        if i >= end:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":  # takes no argument, ignores width and precision
            out.append("%")
        elif arg_num >= len(args):
            out.append(f"%!{verb}(MISSING)")
        else:
            if verb == "v":
                _verb_v(flags)
            out.append(_print_arg(args[arg_num], verb, flags))
            arg_num += 1
    if arg_num < len(args):
        extra = [f"{go_type_name(a)}={_print_arg(a, 'v', _Flags())}" for a in args[arg_num:]]
        out.append("%!(EXTRA " + ", ".join(extra) + ")")
    return "".join(out)


def _verb_v(flags: _Flags) -> None:
    # %#v and %+v are different formats, not flags: Go moves them aside.
    flags.sharp_v, flags.sharp = flags.sharp, False
    flags.plus_v, flags.plus = flags.plus, False


def _no_index_or_star(fmt: str, i: int) -> None:
    if i < len(fmt) and fmt[i] in "[*":
        raise GoFormatRefused(f"sprintf format {fmt!r}: an argument index or `*` width is not supported")


def _parse_number(fmt: str, i: int) -> tuple[int | None, int]:
    num: int | None = None
    while i < len(fmt) and "0" <= fmt[i] <= "9":
        if num is not None and num > _NUMBER_LIMIT:
            return None, len(fmt)  # Go gives up on the rest of the format
        num = (num or 0) * 10 + ord(fmt[i]) - 48
        i += 1
    return num, i


# -- one argument ---------------------------------------------------------
def _print_arg(arg: GoValue, verb: str, f: _Flags) -> str:
    if verb == "T":
        return _fmt_s(go_type_name(arg), f)
    if verb == "p" or (verb == "w" and go_type_name(arg) == "*big.Int"):
        raise GoFormatRefused(f"sprintf verb %{verb}: not supported")
    if isinstance(arg, str):
        return _fmt_string(arg, verb, f)
    if isinstance(arg, float):
        return _fmt_float_verb(arg, verb, f)
    if _INT64[0] <= arg <= _INT64[1]:
        return _fmt_int_verb(arg, verb, f)
    return _fmt_big(arg, verb, f)


def _bad_verb(arg: GoValue, verb: str, f: _Flags) -> str:
    # Go prints the value with %v under the same flags, inside %!verb(type=...).
    return f"%!{verb}({go_type_name(arg)}={_print_arg(arg, 'v', f)})"


def _pad(text: str, f: _Flags, zero: bool = False) -> str:
    """Go's pad: to the width in runes, on the left unless ``-``; zeros only where the caller allows them."""
    if not f.wid:
        return text
    fill = f.wid - len(text)
    if fill <= 0:
        return text
    if f.zero and not zero:
        raise GoFormatRefused("sprintf: the 0 flag pads text here, which Go releases print differently")
    pad = ("0" if f.zero else " ") * fill
    return text + pad if f.minus else pad + text


def _fmt_string(s: str, verb: str, f: _Flags) -> str:
    if verb == "v":
        return _fmt_q(s, _Flags(**{**f.__dict__, "sharp": False, "plus": False})) if f.sharp_v else _fmt_s(s, f)
    if verb == "s":
        return _fmt_s(s, f)
    if verb in ("x", "X"):
        return _fmt_sx(s.encode("utf-8"), verb, f)
    if verb == "q":
        return _fmt_q(s, f)
    return _bad_verb(s, verb, f)


def _truncate(s: str, f: _Flags) -> str:
    return s[:f.prec] if f.prec is not None else s


def _fmt_s(s: str, f: _Flags) -> str:
    return _pad(_truncate(s, f), f)


def _fmt_q(s: str, f: _Flags) -> str:
    s = _truncate(s, f)
    if f.sharp and _can_backquote(s):
        return _pad("`" + s + "`", f)
    return _pad(go_quote(s, ascii_only=f.plus), f)


def _fmt_sx(data: bytes, verb: str, f: _Flags) -> str:
    digits = "0123456789abcdef" if verb == "x" else "0123456789ABCDEF"
    prefix = "0" + verb
    length = len(data) if f.prec is None else min(f.prec, len(data))
    if length == 0:
        return _pad("", f)
    parts = []
    for k in range(length):
        byte = digits[data[k] >> 4] + digits[data[k] & 15]
        if f.space:
            parts.append((" " if k else "") + (prefix if f.sharp else "") + byte)
        else:
            parts.append(byte)
    text = "".join(parts)
    if f.sharp and not f.space:
        text = prefix + text
    return _pad(text, f)


# -- integers -------------------------------------------------------------
def _fmt_int_verb(v: int, verb: str, f: _Flags) -> str:
    bases = {"v": 10, "d": 10, "b": 2, "o": 8, "O": 8, "x": 16, "X": 16}
    if verb in bases:
        return _fmt_integer(v, bases[verb], verb, f)
    if verb == "c":
        return _pad(chr(_rune(v)), f)
    if verb == "q":
        return _pad(_quote_rune(_rune(v), ascii_only=f.plus), f)
    if verb == "U":
        return _fmt_unicode(v, f)
    return _bad_verb(v, verb, f)


def _fmt_integer(v: int, base: int, verb: str, f: _Flags) -> str:
    negative = v < 0
    u = -v if negative else v
    prec = 0
    if f.prec is not None:
        prec = f.prec
        if prec == 0 and u == 0:
            return " " * (f.wid or 0)
    elif f.zero and f.wid is not None:
        prec = f.wid - (1 if negative or f.plus or f.space else 0)
    digits = _digits(u, base, upper=verb == "X").rjust(prec, "0")
    if f.sharp:
        if base == 2:
            digits = "0b" + digits
        elif base == 8 and digits[0] != "0":
            digits = "0" + digits
        elif base == 16:
            digits = ("0X" if verb == "X" else "0x") + digits
    if verb == "O":
        digits = "0o" + digits
    sign = "-" if negative else "+" if f.plus else " " if f.space else ""
    return _pad(sign + digits, _Flags(**{**f.__dict__, "zero": False}))


def _digits(u: int, base: int, upper: bool = False) -> str:
    text = {10: "{:d}", 16: "{:x}", 8: "{:o}", 2: "{:b}"}[base].format(u)
    return text.upper() if upper else text


def _rune(v: int) -> int:
    """Go's rune(c) for %c/%q: anything not a valid code point becomes U+FFFD."""
    if v < 0 or v > _MAX_RUNE or 0xD800 <= v <= 0xDFFF:
        return 0xFFFD
    return v


def _fmt_unicode(v: int, f: _Flags) -> str:
    u = v % (1 << 64)  # Go formats the uint64
    prec = f.prec if f.prec is not None and f.prec > 4 else 4
    text = "U+" + _digits(u, 16, upper=True).rjust(prec, "0")
    if f.sharp and u <= _MAX_RUNE and is_go_printable(u):
        text += f" '{chr(u)}'"
    return _pad(text, _Flags(**{**f.__dict__, "zero": False}))


def _fmt_big(v: int, verb: str, f: _Flags) -> str:
    """``(*big.Int).Format``: its own verbs, sign, prefix and padding."""
    bases = {"b": 2, "o": 8, "O": 8, "d": 10, "s": 10, "v": 10, "x": 16, "X": 16}
    if verb not in bases:
        return f"%!{verb}(big.Int={v})"
    sign = "-" if v < 0 else "+" if f.plus or f.plus_v else " " if f.space else ""
    prefix = ""
    if f.sharp or f.sharp_v:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb, "")
    if verb == "O":
        prefix = "0o"
    digits = _digits(abs(v), bases[verb], upper=verb == "X")
    zeros = 0
    if f.prec is not None and len(digits) < f.prec:
        zeros = f.prec - len(digits)
    length = len(sign) + len(prefix) + zeros + len(digits)
    left = right = 0
    if f.wid is not None and length < f.wid:
        if f.minus:
            right = f.wid - length
        elif f.zero and f.prec is None:
            zeros = f.wid - length
        else:
            left = f.wid - length
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


# -- floats ---------------------------------------------------------------
def _fmt_float_verb(v: float, verb: str, f: _Flags) -> str:
    if verb == "v":
        return _fmt_float(v, "g", -1, f)
    if verb in "bgG":
        return _fmt_float(v, verb, -1, f)
    if verb in "feE":
        return _fmt_float(v, verb, 6, f)
    if verb == "F":
        return _fmt_float(v, "f", 6, f)
    if verb in "xX":
        raise GoFormatRefused(f"sprintf verb %{verb} of a non-integer number (a hex float): not supported")
    return _bad_verb(v, verb, f)


def _fmt_float(v: float, verb: str, prec: int, f: _Flags) -> str:
    if f.prec is not None:
        prec = f.prec
    num = format_float(v, verb, prec)
    num = num if num[0] in "+-" else "+" + num
    if f.space and num[0] == "+" and not f.plus:
        num = " " + num[1:]
    if f.sharp and verb != "b":
        num = _sharp_float(num, verb, prec)
    if f.plus or num[0] != "+":
        if f.zero and f.wid is not None and f.wid > len(num):
            return num[0] + "0" * (f.wid - len(num)) + num[1:]
        return _pad(num, f, zero=True)
    return _pad(num[1:], f, zero=True)


def _sharp_float(num: str, verb: str, prec: int) -> str:
    """``#``: always a decimal point, and %g keeps its trailing zeros."""
    digits = (6 if prec == -1 else prec) if verb in "gG" else 0
    tail = ""
    for k, ch in enumerate(num):
        if ch in "eE" and k > 0:
            num, tail = num[:k], num[k:]
            break
    seen_nonzero = False
    for ch in num[1:]:
        if ch == ".":
            continue
        seen_nonzero = seen_nonzero or ch != "0"
        if seen_nonzero:
            digits -= 1
    if "." not in num:
        if num[1:] == "0":
            digits -= 1
        num += "."
    return num + "0" * max(digits, 0) + tail


def format_float(v: float, fmt: str, prec: int) -> str:
    """``strconv.FormatFloat(v, fmt, prec, 64)`` for fmt e, E, f, g, G and b (``prec`` -1: shortest)."""
    if v != v or v in (float("inf"), float("-inf")):
        raise GoFormatRefused("sprintf of a non-finite number: not supported")
    if fmt == "b":
        bits = struct.unpack("<Q", struct.pack("<d", v))[0]
        mant, exp = bits & ((1 << 52) - 1), (bits >> 52) & 0x7FF
        if exp == 0:
            exp = 1
        else:
            mant |= 1 << 52
        return ("-" if bits >> 63 else "") + f"{mant}p{exp - 1075:+d}"
    if prec >= 0:
        return format(v, f".{prec}{fmt}")
    if fmt not in "gG":
        raise GoFormatRefused(f"sprintf: shortest %{fmt} is not supported")
    # Shortest digits that read back as v (Go and Python agree on them), placed as Go's %g does:
    # exponent form when the exponent is below -4 or at least 6.
    sign, digit_tuple, exponent = Decimal(repr(v)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    point = len(digit_tuple) + int(exponent) if digits != "0" else 1  # position of the decimal point
    exp = point - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{mantissa}{'e' if fmt == 'g' else 'E'}{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return neg + digits + "0" * (point - len(digits))
    return f"{neg}{digits[:point]}.{digits[point:]}"


# -- quoting --------------------------------------------------------------
def _escape(r: int, quote: str, ascii_only: bool) -> str:
    ch = chr(r)
    if ch == quote or ch == "\\":
        return "\\" + ch
    if (r < 0x80 or not ascii_only) and is_go_printable(r):
        return ch
    named = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}
    if r in named:
        return named[r]
    if r < 0x20 or r == 0x7F:
        return f"\\x{r:02x}"
    if r < 0x10000:
        return f"\\u{r:04x}"
    return f"\\U{r:08x}"


def go_quote(s: str, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (``QuoteToASCII`` when ``ascii_only``)."""
    return '"' + "".join(_escape(ord(ch), '"', ascii_only) for ch in s) + '"'


def _quote_rune(r: int, ascii_only: bool) -> str:
    return "'" + _escape(r, "'", ascii_only) + "'"


def _can_backquote(s: str) -> bool:
    return not any((ch < " " and ch != "\t") or ch in "`\x7f\ufeff" for ch in s)
