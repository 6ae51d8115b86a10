"""OPA's ``graph.reachable_paths``, in Python, for regorus (``add_extension`` replaces its own).

OPA (v1/topdown/reachable.go, ``builtinReachablePaths`` and ``pathBuilder``, as fixed by OPA PR #8510 for
issue #5871) walks from each start node that is a key of the graph: a node whose value is no array or set (a
number, a string, an object, null) has no edges; a node with none gives the path of itself; otherwise each
neighbour is followed by ``pathBuilder``, which commits the path so far at a neighbour that is no key of the
graph, at a node with no edges (the path with it), and at a neighbour already on the path (a cycle), each branch
with its own copy of the path's nodes. The start node itself is not checked against the path, so a start node
listing itself is followed once more: ``{"a": ["a"]}`` from ``a`` gives ``[["a", "a"]]``.

regorus 0.13 (src/builtins/graph.rs ``visit``) differs three ways, measured: it stops on a node holding a value
that is no array, set or null ("neighbors for node ... must be array/set"; OPA: no edges); it takes ``""`` for
no node even where the graph has that key (OPA follows it); and it checks a start node's neighbour against the
path (``[["a"]]`` for the self-loop above, silently). Here every call answers as OPA.

Values arrive as Python values, where ``True == 1``: regorus hands a set or an object holding both ``true`` and
``1`` as one element, so a graph, an edge set or a start set holding a boolean key or element stops (as
``object.subset`` does, :mod:`natpolicy.rego.subset_opa`); nodes are compared by :func:`_key`, which tells a
boolean from a number where they arrive apart (in arrays). regorus cannot hand over a set holding an array or an
object (Python's set cannot hold them): such a call stops in regorus, with its line.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.boolean_keys import refuse_boolean_keys

__all__ = ["opa_reachable_paths"]


def opa_reachable_paths(graph: Any, initial: Any) -> frozenset[tuple[Any, ...]]:
    if not isinstance(graph, dict):
        raise TypeError(f"graph.reachable_paths: operand 1 must be object but got {_type_name(graph)}")
    if not isinstance(initial, (list, set, frozenset)):
        raise TypeError(f"graph.reachable_paths: operand 2 must be one of {{array, set}} but got "
                        f"{_type_name(initial)}")
    _no_merged(graph)
    if not isinstance(initial, list):  # an array's start nodes arrive apart, each compared by its typed key
        _no_merged(initial)
    nodes = {_key(node): node for node in graph}
    edges = {_key(node): _neighbours(value) for node, value in graph.items()}
    paths: set[tuple[Any, ...]] = set()
    for start in initial:
        start_key = _key(start)
        if start_key not in edges:
            continue
        neighbours = edges[start_key]
        if not neighbours:
            paths.add((nodes[start_key],))
            continue
        for neighbour in neighbours:  # OPA does not check these against the path: see the module's docstring
            _build(edges, nodes, neighbour, (nodes[start_key],), frozenset({start_key}), paths)
    return frozenset(paths)


def _build(edges: dict[Any, list[Any]], nodes: dict[Any, Any], root: Any, path: tuple[Any, ...],
           reached: frozenset[Any], paths: set[tuple[Any, ...]]) -> None:
    """OPA's ``pathBuilder``, iterative (a long chain must not reach Python's recursion limit)."""
    stack = [(root, path, reached)]
    while stack:
        node, path, reached = stack.pop()
        key = _key(node)
        if key not in edges:
            paths.add(path)  # no such node: the path without it
            continue
        path = (*path, nodes[key])
        neighbours = edges[key]
        if not neighbours:
            paths.add(path)
            continue
        reached = reached | {key}
        for neighbour in neighbours:
            if _key(neighbour) in reached:
                paths.add(path)  # a cycle: the path so far
            else:
                stack.append((neighbour, path, reached))


def _neighbours(value: Any) -> list[Any]:
    """A node's edges: an array's or a set's elements; any other value has none (OPA's foreachVertex)."""
    if isinstance(value, list):
        return value
    if isinstance(value, (set, frozenset)):
        _no_merged(value)
        return list(value)
    return []


def _key(value: Any) -> Any:
    """A hashable stand-in for a Rego value, equal where Rego's values are equal (a boolean is never a number)."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null",)
    if isinstance(value, (list, tuple)):
        return ("array", tuple(_key(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(_key(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((_key(k), _key(v)) for k, v in value.items()))
    raise TypeError(f"graph.reachable_paths: a value natpolicy cannot read ({type(value).__name__})")


def _no_merged(keys: Any) -> None:
    """The graph's keys, a start set or an edge set: only these are looked up (see :mod:`boolean_keys`)."""
    refuse_boolean_keys(keys, "graph.reachable_paths", deep=False)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "set" if isinstance(value, (set, frozenset)) else "object"
