"""OPA's ``substring`` and ``format_int``, in Python, for regorus (``add_extension`` replaces its own).

OPA (``builtinSubstring`` and ``builtinFormatInt`` in ``v1/topdown``; ``indexof_n`` is ``text_opa``'s):

* ``substring`` reads its offset and length with ``builtins.IntOperand``, so a
  non-integer is an error ("operand 2 must be integer number but got
  floating-point number"), and a negative offset is an error too; regorus
  answered ``""`` for ``substring("abc", 1, -0.5)``. The rest counts characters
  (runes): past the end is ``""``, a negative length is the rest.
* ``format_int`` truncates the number toward zero as a big.Int, which has no
  negative zero: ``format_int(-0.5, 16)`` is ``"0"`` (regorus: ``"-0"``).

An error stops the query with its line, as OPA's errors do in natpolicy.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["opa_substring", "opa_format_int"]


def opa_substring(text: Any, offset: Any, length: Any) -> str:
    """``substring(text, offset, length)`` as OPA answers it."""
    if not isinstance(text, str):
        raise TypeError("substring: operand 1 must be string")
    start, count = _integer(offset, 2), _integer(length, 3)
    if start < 0:
        raise ValueError("substring: negative offset")
    if start >= len(text):
        return ""
    return text[start:] if count < 0 else text[start:start + count]


def opa_format_int(number: Any, base: Any) -> str:
    """``format_int(number, base)`` as OPA answers it (``builtinFormatInt``: Go's %b, %o, %d or %x of a big.Int)."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError("format_int: operand 1 must be number")
    if isinstance(base, bool) or base not in (2, 8, 10, 16):
        raise ValueError("format_int: operand 2 must be one of {2, 8, 10, 16}")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError("format_int: operand 1 is not a finite number")
    whole = math.trunc(number)
    digits = {2: "b", 8: "o", 10: "d", 16: "x"}[int(base)]
    return ("-" if whole < 0 else "") + format(abs(whole), digits)


def _integer(value: Any, position: int) -> int:
    """OPA's ``builtins.IntOperand``: a number that is an integer (regorus hands 2 / 1 over as 2.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"substring: operand {position} must be number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"substring: operand {position} must be integer number but got floating-point number")
    return int(value)
