"""Terraform's numeric functions (``max``, ``ceil``, ``parseint``, ``pow``...), exact as Terraform's big numbers."""
from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from natpolicy.loaders.hcl.functions.arguments import number, text, whole
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.values import Approx, EvalError, NotEvaluated, exact, normalise_number

__all__: list[str] = []


@fn("max", deep=True)
def _max(first: Any, *rest: Any) -> Any:
    return max((number(a) for a in (first, *rest)), key=exact)


@fn("min", deep=True)
def _min(first: Any, *rest: Any) -> Any:
    return min((number(a) for a in (first, *rest)), key=exact)


@fn("abs")
def _abs(value: Any) -> Any:
    n = number(value)
    return Approx(abs(n)) if isinstance(n, Approx) else abs(n)


def _round(value: Any, how: Callable[[Fraction], int]) -> int:
    n = number(value)
    if isinstance(n, Approx) and abs(n - round(n)) < 1e-9:
        raise NotEvaluated("rounding a fraction Terraform computes with 512-bit precision")
    return how(exact(n))


@fn("ceil")
def _ceil(value: Any) -> Any:
    return _round(value, math.ceil)


@fn("floor")
def _floor(value: Any) -> Any:
    return _round(value, math.floor)


@fn("signum")
def _signum(value: Any) -> Any:
    n = number(value)
    return (n > 0) - (n < 0)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@fn("parseint")
def _parseint(value: Any, base: Any) -> Any:
    digits, radix = text(value), whole(base)
    if not 2 <= radix <= 62:
        raise EvalError("parseint(): base must be between 2 and 62")
    sign, body = (-1, digits[1:]) if digits[:1] == "-" else (1, digits[1:] if digits[:1] == "+" else digits)
    if radix <= 36:
        body = body.lower()  # Go reads letters case-insensitively up to base 36
    allowed = _DIGITS[:radix]
    if not body or any(c not in allowed for c in body):
        raise EvalError(f"parseint(): cannot parse {digits!r} as a base {radix} integer")
    result = 0
    for c in body:
        result = result * radix + allowed.index(c)
    return sign * result


@fn("pow")
def _pow(a: Any, b: Any) -> Any:
    # Terraform's pow() computes with 64-bit floats, so a float is the exact answer here.
    try:
        result = math.pow(float(number(a)), float(number(b)))
    except (OverflowError, ValueError):
        raise NotEvaluated("pow() beyond 64-bit floats") from None
    if not math.isfinite(result):
        raise NotEvaluated("pow() beyond 64-bit floats")
    return normalise_number(result)
