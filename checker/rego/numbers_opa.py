"""OPA's ``ceil`` and ``floor``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/arithmetic.go, ``arithCeil``/``arithFloor``) truncates the number
toward zero to an integer ``i`` and reads the sign of ``i`` as a big.Float,
where 0 has no sign: so between -1 and 0, ``ceil`` adds one to 0 and ``floor``
keeps 0 (``ceil(-0.5)`` is 1, ``floor(-0.5)`` is 0). That is OPA's answer,
and conftest's; regorus answers 0 and -1. Elsewhere both agree with
mathematics.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["opa_ceil", "opa_floor"]

_INT64 = range(-(2**63), 2**63)


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
