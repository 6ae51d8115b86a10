"""A ref head's first name read alone (``a`` of ``a.b := 1``) as OPA's type environment types it.

OPA files a rule ``a.b.c := v`` in its type tree at ``data.p.a.b.c``; a ref
that stops above a rule, at a node with children only (``a``, ``a.b``), gets
the object ``getRefRecExtent`` (``v1/ast/typeenv.go``) builds from the tree:
one static property per child, keyed by the child's key, holding the child's
type (a rule's value, or again such an object), and a dynamic property of
string keys and any values ("these objects can have any dynamic properties").
So ``x := a`` then ``upper(x.b)`` is refused as OPA refuses it, ``x.z`` is
any, and ``upper(a)`` takes an object.
"""
from __future__ import annotations

from natpolicy.rego.builtin_types import ANY, OBJECT, STRING, RegoType, kind
from natpolicy.rego.type_env import Package
from natpolicy.rego.type_keys import key_order

__all__ = ["type_ref_head_roots"]

# getRefRecExtent's dynamic property: any string key, any value.
_ANY_STRING_KEY = (kind(STRING), ANY)


def type_ref_head_roots(package: Package, packages_below: frozenset[str] = frozenset()) -> None:
    """Give each ref head's first name in ``package`` OPA's object of its rules, where this reader holds them all.

    A function below the name (``a.f(x) := ...``) is a static property too,
    of OPA's function type there, held here as any (never stricter than OPA;
    ``a`` itself is an object all the same, so ``upper(a)`` is refused). A
    name stays any where its tree holds what is not followed here: a ref head
    with a variable key (``a[k] := 1``, typed by ``nestedObject``), a rule
    with rules below it, a function of that very name, or a rule of it.

    Refused as unsure where read alone (``package.unsure``): a name whose
    tree holds a variable key beside names (``a[k] := 1`` beside ``a.b :=
    1``: OPA's node ``a`` then holds a value and children, which OPA's
    versions type differently), or below which another loaded package files
    rules (``packages_below``: the first names of ``package p.a``, ...,
    below this package ``p``), whose rules OPA's tree holds there too.
    """
    functions = {name: ANY for name in package.results if "[" not in name}
    named = {name.split(".")[0] for name in [*package.values, *functions] if "." in name}
    for root in sorted(named & packages_below):
        package.unsure[root] = (f"another loaded package files rules below it (package ...{root}), which OPA's type "
                                f"tree holds there beside this package's; natpolicy types `{root}` from this "
                                f"package's rules only")
    for root in sorted(named - packages_below):
        if any(name.startswith(f"{root}[") for name in [*package.values, *package.results]):
            package.unsure[root] = (f"rules below it hold a variable key beside names (`{root}[k]` beside "
                                    f"`{root}.b`), which OPA's type tree holds as a value with children, typed "
                                    f"differently across OPA's versions; natpolicy does not follow it")
    dotted = [name for name in [*package.values, *functions] if "." in name]
    for root in sorted({name.split(".")[0] for name in dotted}):
        below = sorted({name for name in [*package.values, *functions] if name.startswith(f"{root}.")})
        if root in package.results or any(name.startswith(f"{root}[") for name in package.results) or any(
                "[" in name for name in below) or any(name.startswith(f"{root}[") for name in package.values) or any(
                other.startswith(f"{name}.") for name in below for other in below):
            continue
        tree: dict[str, object] = {}
        for name in below:
            node = tree
            *path, leaf = name.split(".")[1:]
            for step in path:
                child = node.setdefault(step, {})
                assert isinstance(child, dict)
                node = child
            node[leaf] = package.values.get(name, functions.get(name, ANY))
        package.values[root] = _extent(tree)


def _extent(tree: dict[str, object]) -> RegoType:
    """``getRefRecExtent`` of one node of the tree: its children as static properties, any string key besides."""
    children = {key: _extent(child) if isinstance(child, dict) else child for key, child in tree.items()
                if isinstance(child, dict | RegoType)}
    return RegoType(frozenset({OBJECT}), static=tuple(sorted(children.items(), key=key_order)),
                    rest=_ANY_STRING_KEY)
