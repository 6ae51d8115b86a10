"""What HCL's operators and ``for`` expressions do with values: truth, numbers, arithmetic, iteration order.

Kept apart from the evaluator because built-in functions need the same
semantics (``sum`` adds as ``+`` does) and must not import the evaluator.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from natpolicy.loaders.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    TfSet,
    exact,
    number_from_fraction,
    parse_number,
)
from natpolicy.model import UNKNOWN

__all__ = ["arithmetic", "as_bool", "compare", "pairs", "to_number"]


def as_bool(value: Any) -> bool:
    """A condition's value: a bool, or the string ``"true"``/``"false"`` (HCL converts it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError("a boolean is required")


def to_number(value: Any) -> Any:
    """An operand converted to a number, as Terraform converts it (a numeric string counts)."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        raise EvalError("a number is required")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return parse_number(value)
    raise EvalError("a number is required")


def arithmetic(op: str, a: int | float, b: int | float) -> int | float:
    """``a op b`` as Terraform computes it: exactly for integers, from the
    decimal values otherwise (``0.1 + 0.2`` is ``0.3``)."""
    if op in ("/", "%") and b == 0:
        raise EvalError("division by zero")
    if isinstance(a, int) and isinstance(b, int) and op != "/":
        if op == "+":
            result: int = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            if a.bit_length() + b.bit_length() > 2 * 13000:
                raise NotEvaluated("a number with thousands of digits")
            result = a * b
        else:
            result = a - b * int(Fraction(a, b))  # `%` keeps the dividend's sign, as Go's
        return number_from_fraction(Fraction(result))
    x, y = exact(a), exact(b)
    if op == "+":
        fraction = x + y
    elif op == "-":
        fraction = x - y
    elif op == "*":
        fraction = x * y
    elif op == "/":
        fraction = x / y
    else:
        fraction = x - y * int(x / y)
    value = number_from_fraction(fraction)
    if (isinstance(a, Approx) or isinstance(b, Approx)) and not isinstance(value, int):
        return Approx(value)  # built on an approximation: its digits stay uncertain
    return value


def compare(op: str, a: int | float, b: int | float) -> Any:
    """``a op b`` for ``<``, ``>``, ``<=``, ``>=``; unknown where a float's missing digits decide."""
    if (isinstance(a, Approx) or isinstance(b, Approx)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return UNKNOWN  # the digits a float lacks decide
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b


def pairs(coll: Any, *, ordered: bool) -> Iterator[tuple[Any, Any]]:
    """Key/value pairs in Terraform's order; a set's key is the value itself."""
    if isinstance(coll, dict):
        for key in sorted(coll):
            yield key, coll[key]
    elif isinstance(coll, TfSet):
        if ordered and not coll.ordered:
            raise NotEvaluated("the order of a set of collections")
        for value in coll:
            yield value, value
    elif isinstance(coll, list):
        yield from enumerate(coll)
    elif coll is None:
        raise EvalError("cannot iterate over a null value")
    else:
        raise EvalError("cannot iterate over a primitive value")
