"""A ref head's first name read alone (``a`` of ``a.b := 1``) as OPA's type environment types it.

OPA files a rule ``a.b.c := v`` in its type tree at ``data.p.a.b.c``
(``typeTreeNode.Insert``, ``v1/ast/env.go``), and rules ``a.b[k] := v`` with
a variable key at their names, ``data.p.a.b``, as the object ``nestedObject``
(``v1/ast/check.go``) builds: one dynamic property per key from the variable
on. A ref that stops above a rule, at a node with children only (``a``,
``a.b``), gets the object ``getRefRecExtent`` builds from the tree: one static
property per child, keyed by the child's key, holding the child's type (a
rule's value, or again such an object), and a dynamic property of string keys
and any values ("these objects can have any dynamic properties"). A node that
holds a value is typed by its value alone: where rules sit below such a node
(``q.k := 5`` beside ``q[k] := v``), ``Insert`` merged each of them into it
(``insertIntoObject``: a string key, and the rule's value, joined by ``Or``
into the dynamic property), whichever was typed first. So ``x := a`` then
``upper(x.b)`` is refused as OPA refuses it, ``x.z`` is any, ``upper(a)``
takes an object, and ``q.j`` beside ``q[k] := 1`` and ``q.k := 5`` is a number.
"""
from __future__ import annotations

from collections.abc import Mapping

from natpolicy.rego.builtin_types import ANY, FUNCTION, OBJECT, STRING, RegoType, kind, union
from natpolicy.rego.type_env import Package
from natpolicy.rego.type_keys import key_order

__all__ = ["type_ref_head_roots"]

# getRefRecExtent's dynamic property: any string key, any value.
_ANY_STRING_KEY = (kind(STRING), ANY)

_Path = tuple[str, ...]


def type_ref_head_roots(package: Package, packages_below: frozenset[str] = frozenset()) -> None:
    """Give each ref head's first name in ``package`` OPA's type of its rules, where this reader holds them all.

    A function below the name (``a.f(x) := ...``) is a static property too,
    of OPA's function type there, held here as ``FUNCTION`` (``a`` itself is
    an object all the same, so ``upper(a)`` is refused, and so is ``x.f`` of
    ``x := a``). A name stays any where its tree
    holds what is not followed here: a rule with rules below it, a function
    of that very name, or a rule of it.

    Refused as unsure where read alone (``package.unsure``): a name whose
    tree holds, below a variable key's rules, rules deeper than one name
    (``a[k] := 1`` beside ``a.b.c := 1``: OPA's tree then holds a node with no
    value between them), or a function (OPA's ``Or`` of a function type), or
    rules of several definitions there (OPA merges those with ``mergeTypes``,
    not followed here); or a name below which another loaded package files
    rules (``packages_below``: the first names of ``package p.a``, ..., below
    this package ``p``), whose rules OPA's tree holds there too.
    """
    functions = {name: FUNCTION for name in package.results if "[" not in name}
    entries: dict[str, RegoType] = {**functions, **package.values}
    named = {_root(name) for name in entries if name != _root(name)}
    for root in sorted(named & packages_below):
        package.unsure[root] = (f"another loaded package files rules below it (package ...{root}), which OPA's type "
                                f"tree holds there beside this package's; natpolicy types `{root}` from this "
                                f"package's rules only")
    for root in sorted(named - packages_below):
        if root in package.results or any(name.startswith(f"{root}[") for name in package.results):
            continue  # a function of that very name
        nodes: dict[_Path, RegoType] = {}
        keyed: set[_Path] = set()
        for name in sorted(name for name in entries if _root(name) == root and name != root):
            ground, bracket, _ = name.partition("[")
            path = tuple(ground.split(".")[1:])
            if path in nodes:  # `a.b` beside `a.b[k]`: two rules at one node (OPA refuses or merges)
                nodes = {}
                break
            nodes[path] = entries[name]
            if bracket:
                keyed.add(path)
        typed = _merged(nodes, keyed, set(functions)) if nodes else None
        if typed is not None:
            package.values[root] = _extent((), typed)
        elif keyed:
            package.unsure[root] = (f"rules below it hold a variable key beside rules this reader does not merge "
                                    f"into it (`{root}[k]` beside `{root}.b.c`, a function, or several definitions "
                                    f"at one name), which OPA's type tree merges; natpolicy does not follow it")


def _root(name: str) -> str:
    return name.split(".")[0].split("[")[0]


def _merged(nodes: dict[_Path, RegoType], keyed: set[_Path], functions: set[str]) -> dict[_Path, RegoType] | None:
    """The tree's nodes that hold a value, each variable key's node with the rules one name below it merged in as
    ``Insert`` merges them; None where that is not followed here (see ``type_ref_head_roots``)."""
    out = dict(nodes)
    for path, value in nodes.items():
        below = [other for other in nodes if other[:len(path)] == path and other != path]
        if not below:
            continue
        if path not in keyed:
            return None  # a rule with rules below it: OPA merges them into its value only where it is an object
        if value.kinds != {OBJECT} or value.rest is None or value.joined or value.candidates is not None:
            return None  # several definitions joined: OPA's mergeTypes of them is not followed here
        key, held = value.rest
        for other in below:
            child = nodes[other]
            if len(other) != len(path) + 1 or ".".join(other) in functions or any(
                    more[:len(other)] == other and more != other for more in nodes):
                return None
            key, held = _or(key, kind(STRING)), _or(held, child)
        out[path] = RegoType(frozenset({OBJECT}), static=value.static, rest=(key, held))
    return out


def _or(a: RegoType, b: RegoType) -> RegoType:
    """OPA's ``Or``: one type where both are the same, else either."""
    return a if a == b else union(a, b)


def _extent(path: _Path, nodes: Mapping[_Path, RegoType]) -> RegoType:
    """``getRefRecExtent`` of one node of the tree: its value where it holds one, else its children as static
    properties, any string key besides."""
    if path in nodes:
        return nodes[path]
    keys = sorted({other[len(path)] for other in nodes if other[:len(path)] == path and len(other) > len(path)})
    children = {key: _extent((*path, key), nodes) for key in keys}
    return RegoType(frozenset({OBJECT}), static=tuple(sorted(children.items(), key=key_order)),
                    rest=_ANY_STRING_KEY)
