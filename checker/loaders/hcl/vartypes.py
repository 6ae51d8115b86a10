"""Variable type constraints: conversion and ``optional()`` attribute defaults.

Modules declare ``type = list(object({ port = number, cidrs = optional(list(string), []) }))``
and rely on Terraform filling in defaults and converting ``"22"`` to ``22``;
without this, a module's ``each.value.cidrs`` would fail where Terraform's
succeeds. Converted values keep Terraform's kinds: a ``list(...)`` variable
is a ``TfList``, ``set(...)`` a ``TfSet`` (so ``for_each = var.names`` keys
instances by name), ``map(...)`` a ``TfMap``; ``list(any)``/``map(any)``
unify their elements as Terraform does (``map(any)`` of ``{a = 1, b = "x"}``
is all strings).
"""
from __future__ import annotations

from typing import Any

from lark import Token, Tree

from natpolicy.loaders.hcl.expr import Context, evaluate
from natpolicy.loaders.hcl.parse_tree import child_trees as _trees
from natpolicy.loaders.hcl.values import (
    EvalError,
    NotEvaluated,
    TfList,
    TfMap,
    UnknownType,
    make_set,
    parse_number,
    to_string,
    type_of_loose,
    unify_loose,
)
from natpolicy.loaders.hcl.values import convert as convert_to
from natpolicy.model import UNKNOWN
from natpolicy.records import record

__all__ = ["TypeSpec", "convert", "describe", "is_collection", "type_problem", "type_spec"]

_MAX_DEPTH = 32


@record(frozen=True)
class TypeSpec:
    kind: str  # string number bool any list set map object tuple
    element: TypeSpec | None = None
    attributes: tuple[tuple[str, TypeSpec, bool, Any], ...] = ()  # name, type, optional, default
    items: tuple[TypeSpec, ...] = ()


ANY = TypeSpec("any")


def type_spec(node: Any, depth: int = 0) -> TypeSpec:
    """Read a type expression tree; anything unreadable is ``any``."""
    if node is None or depth > _MAX_DEPTH or isinstance(node, Token):
        return ANY
    if node.data == "expr_term":
        inner = _trees(node)
        return type_spec(inner[0], depth + 1) if inner else ANY
    if node.data == "identifier":
        name = str(node.children[0])
        return TypeSpec(name) if name in ("string", "number", "bool", "any") else ANY
    if node.data != "function_call":
        return ANY
    trees = _trees(node)
    name = str(trees[0].children[0])
    args_node = next((t for t in trees if t.data == "arguments"), None)
    args = _trees(args_node) if args_node is not None else []
    if name in ("list", "set", "map") and args:
        return TypeSpec(name, element=type_spec(args[0], depth + 1))
    if name == "object" and args:
        obj = _unwrap(args[0])
        if obj is None or obj.data != "object":
            return ANY
        attrs = []
        for elem in _trees(obj):
            parts = _trees(elem)
            if len(parts) < 2:
                continue
            key = _key_name(parts[0])
            if key is None:
                continue
            value = _unwrap(parts[1])
            optional, default, spec = False, None, ANY
            if value is not None and value.data == "function_call" and str(_trees(value)[0].children[0]) == "optional":
                optional = True
                opt_args_node = next((t for t in _trees(value) if t.data == "arguments"), None)
                opt_args = _trees(opt_args_node) if opt_args_node is not None else []
                spec = type_spec(opt_args[0], depth + 1) if opt_args else ANY
                if len(opt_args) > 1:
                    default = evaluate(opt_args[1], Context(lambda n: UNKNOWN))
            else:
                spec = type_spec(parts[1], depth + 1)
            attrs.append((key, spec, optional, default))
        return TypeSpec("object", attributes=tuple(attrs))
    if name == "tuple" and args:
        tup = _unwrap(args[0])
        if tup is None or tup.data != "tuple":
            return ANY
        return TypeSpec("tuple", items=tuple(type_spec(t, depth + 1) for t in _trees(tup)))
    return ANY


def _unwrap(node: Any) -> Tree | None:
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = _trees(node)
        if len(inner) != 1:
            return None
        node = inner[0]
    return node if isinstance(node, Tree) else None


def _key_name(node: Tree) -> str | None:
    inner = _unwrap(_trees(node)[0]) if _trees(node) else None
    if inner is None:
        return None
    if inner.data in ("identifier", "keyword"):
        return str(inner.children[0])
    if inner.data == "string":
        value = evaluate(inner, Context(lambda n: UNKNOWN))
        return value if isinstance(value, str) else None
    return None


def convert(value: Any, spec: TypeSpec, depth: int = 0) -> Any:
    """Convert ``value`` to ``spec`` the way Terraform does; failures give unknown."""
    try:
        return _convert(value, spec, depth)
    except (EvalError, NotEvaluated, UnknownType):
        return UNKNOWN


def _convert(value: Any, spec: TypeSpec, depth: int) -> Any:
    if value is UNKNOWN or value is None or spec.kind == "any" or depth > _MAX_DEPTH:
        return value
    kind = spec.kind
    if kind == "string":
        if isinstance(value, (list, dict)):
            raise EvalError("string required")
        return to_string(value)
    if kind == "number":
        if isinstance(value, bool) or isinstance(value, (list, dict)):
            raise EvalError("number required")
        return parse_number(value) if isinstance(value, str) else value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        raise EvalError("bool required")
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError("list required")
        items = _elements([v for v in value], spec.element or ANY, depth)
        return TfList(items) if kind == "list" else make_set(items)
    if kind == "map":
        if not isinstance(value, dict):
            raise EvalError("map required")
        keys = list(value)
        return TfMap(zip(keys, _elements([value[k] for k in keys], spec.element or ANY, depth), strict=True))
    if kind == "object":
        if not isinstance(value, dict):
            raise EvalError("object required")
        out: dict[str, Any] = {}
        for name, sub, optional, default in spec.attributes:
            if name in value and value[name] is not None:
                out[name] = _convert(value[name], sub, depth + 1)
            elif optional:
                out[name] = _convert(default, sub, depth + 1) if default is not None else None
            elif name in value:
                out[name] = None
            else:
                raise EvalError(f"attribute {name!r} is required")
        return out
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(spec.items):
            raise EvalError("tuple required")
        return [_convert(v, s, depth + 1) for v, s in zip(value, spec.items, strict=True)]
    return value


def _has_any(spec: TypeSpec) -> bool:
    """Does ``spec`` leave a type to the value (``any``)? Then all elements share the type they unify to:
    in ``map(list(any))`` every list ends up with the same element type."""
    if spec.kind == "any":
        return True
    inner = [spec.element] if spec.element is not None else []
    inner += [a[1] for a in spec.attributes] + list(spec.items)
    return any(_has_any(t) for t in inner)


def _elements(items: list[Any], element: TypeSpec, depth: int) -> list[Any]:
    """Collection elements converted to ``element``; with ``any``, to the one type they unify to."""
    converted = [_convert(v, element, depth + 1) for v in items]
    if not _has_any(element) or len(converted) < 2:
        return converted
    # An unknown element that could change the common type makes the result unknown (UnknownType).
    common = unify_loose([type_of_loose(v) for v in converted])
    return [convert_to(v, common) for v in converted]


def describe(spec: TypeSpec) -> str:
    """A type as Terraform writes it (``list(string)``, ``object({...})``), for error messages."""
    if spec.kind in ("list", "set", "map"):
        return f"{spec.kind}({describe(spec.element or ANY)})"
    if spec.kind == "object":
        return "object({" + ", ".join(f"{name} = {describe(sub)}" for name, sub, _o, _d in spec.attributes) + "})"
    if spec.kind == "tuple":
        return "tuple([" + ", ".join(describe(s) for s in spec.items) + "])"
    return spec.kind


def is_collection(spec: TypeSpec) -> bool:
    """Terraform parses ``-var`` values as HCL for these types, and takes the others literally."""
    return spec.kind in ("list", "set", "map", "object", "tuple")


def type_problem(value: Any, spec: TypeSpec) -> str | None:
    """Why ``value`` does not convert to ``spec`` (Terraform's "Invalid value for input variable"), or None."""
    if value is UNKNOWN:
        return None
    try:
        _convert(value, spec, 0)
    except (EvalError, NotEvaluated) as exc:
        return str(exc) or f"{describe(spec)} required"
    except UnknownType:
        return None
    return None
