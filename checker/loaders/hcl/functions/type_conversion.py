"""Terraform's type conversion functions (``tolist``, ``tostring``, ``sensitive``...)."""
from __future__ import annotations

from typing import Any

from natpolicy.loaders.hcl.functions.arguments import as_list, charge_set, mapping, number, text
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.values import EvalError, NotEvaluated, TfMap, TfSet, convert, make_set, type_of, unify

__all__: list[str] = []


@fn("tolist", deep=True)
def _tolist(value: Any) -> Any:
    if isinstance(value, dict):
        raise EvalError("tolist() needs a list, set or tuple")
    return as_list(value)


@fn("toset", deep=True)
def _toset(value: Any) -> Any:
    if isinstance(value, TfSet):
        return value
    if isinstance(value, dict) or not isinstance(value, list):
        raise EvalError("toset() needs a list, set or tuple")
    element = unify([type_of(v) for v in value])
    charge_set(value)
    return make_set(convert(v, element) for v in value)


@fn("tomap", deep=True)
def _tomap(value: Any) -> Any:
    table = mapping(value, "tomap() argument")
    if isinstance(table, TfMap):
        return table
    element = unify([type_of(v) for v in table.values()])
    return TfMap({k: convert(v, element) for k, v in table.items()})


@fn("tostring")
def _tostring(value: Any) -> Any:
    return None if value is None else text(value)


@fn("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else number(value)


@fn("tobool")
def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError("tobool(): not a boolean")


@fn("sensitive")
def _sensitive(value: Any) -> Any:
    return value  # sensitivity is tracked per argument by the loader, not per value


@fn("nonsensitive")
def _nonsensitive(value: Any) -> Any:
    return value


@fn("issensitive", lenient=True)
def _issensitive(value: Any) -> Any:
    # Values carry no sensitivity mark here (the loader masks whole arguments
    # fed by sensitive variables), so the answer is never known; -v says so.
    raise NotEvaluated("issensitive() (values carry no sensitivity mark in natpolicy)")
