"""Reading built-in function arguments as Terraform's parameter types convert them.

Results keep Terraform's collection kinds (a list stays a list, a tuple a
tuple), so equality and ``for_each`` behave as in Terraform.
"""
from __future__ import annotations

from typing import Any

from natpolicy.loaders.hcl.budget import charge_steps
from natpolicy.loaders.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    TfList,
    TfSet,
    UnknownType,
    convert,
    make_set,
    parse_number,
    to_string,
    type_of,
    unify,
)
from natpolicy.model import UNKNOWN

__all__ = ["as_list", "charge_set", "kind_like", "mapping", "number", "seq", "set_of", "strings", "text", "whole"]


def seq(value: Any, what: str = "argument", *, sets: bool = True, ordered: bool = True) -> list[Any]:
    """The elements of a list, tuple or (if ``sets``) set argument."""
    if isinstance(value, TfSet):
        if not sets:
            raise EvalError(f"{what} must be a list or tuple, not a set")
        if ordered and not value.ordered:
            raise NotEvaluated("the order of a set of collections")
        return value
    if isinstance(value, list):
        return value
    raise EvalError(f"{what} must be a list")


def mapping(value: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise EvalError(f"{what} must be a map or object")


def as_list(value: Any) -> TfList:
    """``value`` converted to a list, as a ``list(any)`` parameter converts it (elements unified)."""
    items = seq(value)
    if isinstance(value, TfList):
        return value
    element = unify([type_of(i) for i in items])  # once: per element it made as_list quadratic
    return TfList(convert(v, element) for v in items)


def strings(value: Any, what: str = "argument") -> list[str | None]:
    """``value`` converted to a ``list(string)``: nulls stay, collections are an error."""
    out: list[str | None] = []
    for item in seq(value, what):
        if item is UNKNOWN:
            raise UnknownType
        if isinstance(item, (list, dict)):
            raise EvalError(f"{what}: a string is required")
        out.append(None if item is None else to_string(item))
    return out


def whole(value: Any) -> int:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise EvalError("a whole number is required")
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, float):
        if isinstance(value, Approx) or not value.is_integer():
            raise EvalError("a whole number is required")
        value = int(value)
    return value


def number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise EvalError("a number is required")
    if isinstance(value, str):
        return parse_number(value)
    return value


def text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        raise EvalError("a string is required")
    return to_string(value)


def kind_like(source: Any, items: list[Any]) -> list[Any]:
    """``items`` as a list if ``source`` is one, else as a tuple (plain list)."""
    return TfList(items) if isinstance(source, (TfList, TfSet)) else list(items)


def set_of(items: list[Any]) -> TfSet:
    element = unify([type_of(v) for v in items])
    charge_set(items)
    return make_set(convert(v, element) for v in items)


def charge_set(items: list[Any]) -> None:
    """``make_set`` compares the elements pair by pair (strings aside): charge that before."""
    n = len(items)
    charge_steps(n if all(isinstance(i, str) for i in items) else n * (n + 1) // 2)
