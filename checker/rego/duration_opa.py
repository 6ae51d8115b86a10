"""OPA's ``time.parse_duration_ns``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/time.go ``builtinParseDurationNanos``) calls Go's ``time.ParseDuration``. regorus answered
alike on what Go reads, but its errors ("unknown unit: d") named no line; this port of Go's parser
stops with the call's line, as every natpolicy extension does. Go's grammar is
``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` read byte by byte: each number is an integer part (an error past
2^63) and a fraction (digits past what 63 bits hold are dropped), the fraction times the unit computed
in float64 and truncated; units ``ns``, ``us``, ``µs`` (U+00B5), ``μs`` (U+03BC), ``ms``, ``s``, ``m``,
``h``; the total must fit int64 (``-2^63`` too).
"""
from __future__ import annotations

from typing import Any

__all__ = ["opa_parse_duration_ns"]

_UNITS = {b"ns": 1, b"us": 10**3, "µs".encode(): 10**3, "μs".encode(): 10**3, b"ms": 10**6, b"s": 10**9,
          b"m": 60 * 10**9, b"h": 3600 * 10**9}
_LIMIT = 1 << 63


def opa_parse_duration_ns(text: Any) -> int:
    if not isinstance(text, str):
        raise TypeError("time.parse_duration_ns: operand 1 must be string")
    s = text.encode("utf-8")
    # (Go's messages quote the text; natpolicy never echoes a value, which may come from the plan.)
    invalid = ValueError("time: invalid duration")
    negative = False
    if s[:1] in (b"-", b"+"):
        negative, s = s[:1] == b"-", s[1:]
    if s == b"0":
        return 0
    if not s:
        raise invalid
    total = 0
    while s:
        if not (s[:1] == b"." or s[:1].isdigit()):
            raise invalid
        digits = len(s) - len(s.lstrip(b"0123456789"))
        whole = 0
        for c in s[:digits]:
            whole = whole * 10 + c - 48
            if whole > _LIMIT:
                raise invalid
        s = s[digits:]
        fraction, scale, post = 0, 1.0, False
        if s[:1] == b".":
            s = s[1:]
            fraction_digits = len(s) - len(s.lstrip(b"0123456789"))
            post = fraction_digits > 0
            overflow = False
            for c in s[:fraction_digits]:
                # Go's leadingFraction: digits past what fits are skipped, not an error
                if overflow or fraction > (_LIMIT - 1) // 10 or fraction * 10 + c - 48 > _LIMIT:
                    overflow = True
                    continue
                fraction, scale = fraction * 10 + c - 48, scale * 10
            s = s[fraction_digits:]
        if digits == 0 and not post:
            raise invalid
        unit_end = next((i for i, c in enumerate(s) if c == 46 or 48 <= c <= 57), len(s))
        if unit_end == 0:
            raise ValueError("time: missing unit in duration")
        unit = _UNITS.get(s[:unit_end])
        if unit is None:
            raise ValueError("time: unknown unit in duration")
        s = s[unit_end:]
        if whole > _LIMIT // unit:
            raise invalid
        value = whole * unit
        if fraction > 0:
            value += int(float(fraction) * (float(unit) / scale))  # float64, truncated: Go's uint64(...)
            if value > _LIMIT:
                raise invalid
        total += value
        if total > _LIMIT:
            raise invalid
    if negative:
        return -total
    if total > _LIMIT - 1:
        raise invalid
    return total
