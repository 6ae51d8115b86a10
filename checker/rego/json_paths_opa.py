"""OPA's ``json.filter`` and ``json.remove``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/json.go) reads each path as a ``/``-separated string (leading slashes trimmed, ``~1`` read as
``/`` and ``~0`` as ``~``) or as an array of segments, merges the paths into one tree (``pathsToObject``:
a shorter path given later replaces a longer one given before, a longer one under a shorter one given
before is dropped) and walks the document with it (ast ``filterObject``, ``jsonRemove``): a number, string,
boolean or null met above a path's end is kept whole, and an array's element is found by the string of its
index only. regorus answered otherwise, measured: ``json.filter({"a": 2}, ["a/1"])`` was ``{}`` (OPA
``{"a": 2}``), ``json.filter({"a~b": 1}, ["a~0b"])`` and ``json.filter({"a": 1}, ["//a"])`` ``{}`` (OPA keeps
the key), ``json.filter(o, ["a/b", "a"])`` kept ``a.b`` only (OPA all of ``a``), and ``json.remove({"a":
2}, ["a/1"])`` dropped ``a`` (OPA keeps it). A boolean used as a key or set element stops: regorus hands
``true`` and ``1`` over as one value.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.boolean_keys import refuse_boolean_keys

__all__ = ["opa_json_filter", "opa_json_remove"]

_LEAF = None  # OPA's null at a path's end


def opa_json_filter(document: Any, paths: Any) -> Any:
    if not isinstance(document, dict):
        raise TypeError("json.filter: operand 1 must be object")
    refuse_boolean_keys(document, "json.filter or json.remove", deep=True, name_the_kind=True)
    return _filter(document, _paths_tree(_paths("json.filter", paths)))


def opa_json_remove(document: Any, paths: Any) -> Any:
    if not isinstance(document, dict):
        raise TypeError("json.remove: operand 1 must be object")
    refuse_boolean_keys(document, "json.filter or json.remove", deep=True, name_the_kind=True)
    return _remove(document, _paths_tree(_paths("json.remove", paths)))


def _paths(name: str, paths: Any) -> list[list[Any]]:
    if not isinstance(paths, (list, set, frozenset)):
        raise TypeError(f"{name}: operand 2 must be one of {{set, array}}")
    out: list[list[Any]] = []
    for path in paths:
        if isinstance(path, str):
            out.append([] if path == "" else [part.replace("~1", "/").replace("~0", "~")
                                              for part in path.lstrip("/").split("/")])
        elif isinstance(path, list):
            out.append(list(path))
        else:
            raise TypeError(f"{name}: operand 2 must be one of {{set, array}} containing string paths or array of "
                            "path segments")
    for path in out:
        if any(isinstance(segment, bool) or not _hashable(segment) for segment in path):
            raise ValueError(f"{name} of a path holding a boolean or a collection: natpolicy cannot match it as OPA "
                             "does in what regorus hands over, so it refuses it: run with --rego-engine opa")
    return out


def _paths_tree(paths: list[list[Any]]) -> dict[Any, Any]:
    """OPA's ``pathsToObject``: nested dicts, ``_LEAF`` where a path ends."""
    root: dict[Any, Any] = {}
    for path in paths:
        if not path:
            continue
        node: dict[Any, Any] | None = root
        for key in path[:-1]:
            child = node.get(key, KeyError) if node is not None else _LEAF
            if child is KeyError:
                node[key] = {}  # type: ignore[index]
                node = node[key]  # type: ignore[index]
            elif child is _LEAF:
                node = None  # a shorter path ends here: this one is dropped
                break
            else:
                node = child
        if node is not None:
            node[path[-1]] = _LEAF
    return root


def _filter(value: Any, tree: Any) -> Any:
    if tree is _LEAF or not isinstance(value, (dict, list, set, frozenset)):
        return value
    if isinstance(value, list):
        return [_filter(v, tree[str(i)]) for i, v in enumerate(value) if str(i) in tree]
    if isinstance(value, (set, frozenset)):
        return {_filter(v, tree[v]) for v in value if v in tree}
    return {k: _filter(v, tree[k]) for k, v in value.items() if k in tree}


def _remove(value: Any, tree: Any) -> Any:
    """OPA's ``jsonRemove`` of ``value`` under ``tree`` (a subtree, or ``_LEAF``); ``KeyError`` for removed."""
    if not isinstance(value, (dict, list, set, frozenset)):
        return value
    if isinstance(value, list):
        kept = [_removed(v, tree, str(i)) for i, v in enumerate(value)]
    elif isinstance(value, (set, frozenset)):
        return {r for r in (_removed(v, tree, v) for v in value) if r is not KeyError}
    else:
        return {k: r for k, r in ((k, _removed(v, tree, k)) for k, v in value.items()) if r is not KeyError}
    return [r for r in kept if r is not KeyError]


def _removed(value: Any, tree: dict[Any, Any], key: Any) -> Any:
    if key not in tree:
        return value
    sub = tree[key]
    return KeyError if sub is _LEAF else _remove(value, sub)




def _hashable(value: Any) -> bool:
    return not isinstance(value, (list, dict, set))
