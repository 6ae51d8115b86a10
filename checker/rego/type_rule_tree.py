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
from itertools import combinations

from natpolicy.rego.builtin_types import ANY, FUNCTION, OBJECT, SET, STRING, RegoType, kind, union
from natpolicy.rego.type_aliases import alias_widenings
from natpolicy.rego.type_env import Package
from natpolicy.rego.type_keys import key_order

__all__ = ["type_ref_head_roots", "order_hazards"]

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

    Rules any number of names below a variable key's rules are merged into
    its object (``a[k] := 1`` beside ``a.b.c := 1``), and the nodes of no value
    between are filed as their extents (``a.b``). Refused as unsure where read
    alone (``package.unsure``): a name whose tree holds, below a variable key's
    rules of several definitions, rules whose merge with them depends on the
    order OPA types them in (a set, or an object of no static property, among
    the definitions' values: ``mergeTypes``); or a name below which another loaded package files
    rules (``packages_below``: the first names of ``package p.a``, ..., below
    this package ``p``), whose rules OPA's tree holds there too.
    """
    for name, each in package.definitions.items():
        if "[" in name and len(each) > 1:  # `q[k] := v` defined several times: OPA's mergeTypes of them
            merged = _merge_all(each)
            if merged is not None:
                package.values[name] = merged
        elif len(each) > 1:  # a rule of several definitions, its `else` branches among them
            merged = _merge_dynamic_objects(each)
            if merged is not None:
                package.values[name] = merged
    for name, each in package.definitions.items():
        aliases = package.definition_aliases.get(name, ())
        if "[" not in name or len(each) < 2 or len(aliases) != len(each):
            continue
        for n, rule in enumerate(aliases):  # `q[k] := v` of `v := r`: r's type, which mergeTypes may widen in place
            if rule is None or rule not in package.values or rule in package.results or "[" in rule or "." in rule:
                continue
            others = [one.rest[1] for m, one in enumerate(each) if m != n and one.rest is not None]
            widened = alias_widenings(package.values[rule], others)
            if widened:
                known = package.aliased.get(rule, (package.values[rule],))
                package.aliased[rule] = (*known, *(way for way in widened if way not in known))
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
        definitions: dict[_Path, tuple[RegoType, ...]] = {}
        for name in sorted(name for name in entries if _root(name) == root and name != root):
            ground, bracket, _ = name.partition("[")
            path = tuple(ground.split(".")[1:])
            if path in nodes:  # `a.b` beside `a.b[k]`: two rules at one node (OPA refuses or merges)
                nodes = {}
                break
            nodes[path] = entries[name]
            if bracket:
                keyed.add(path)
                definitions[path] = package.definitions.get(name, ())
        typed = _merged(nodes, keyed, definitions) if nodes else None
        for child, widened in order_hazards(nodes, keyed, definitions) if typed is not None else ():
            package.order_variants[".".join((root, *child))] = (nodes[child], *widened)
        if typed is not None:
            package.values[root] = _extent((), typed)
            for between in _between(typed):  # `q.a` of `q.a.b` below `q[k]`: getRefRec reads its node's extent
                package.values[".".join((root, *between))] = _extent(between, typed)
        elif keyed:
            package.unsure[root] = (f"rules below it hold a variable key beside rules this reader does not merge "
                                    f"into it (several definitions of `{root}[k]` whose values OPA merges with the "
                                    f"rules below in an order not followed here, or a rule with rules below it), "
                                    f"which OPA's type tree merges; natpolicy does not follow it")


def _root(name: str) -> str:
    return name.split(".")[0].split("[")[0]


def _merged(nodes: dict[_Path, RegoType], keyed: set[_Path],
            definitions: Mapping[_Path, tuple[RegoType, ...]]) -> dict[_Path, RegoType] | None:
    """The tree's nodes that hold a value, each variable key's node with the rules below it merged in as
    ``Insert`` merges them, and each node of no value between them as ``getRefRecExtent`` reads it; None where that
    is not followed here (see ``type_ref_head_roots``).

    A rule ``d`` names below the node (``q.a.b`` under ``q``) is merged as
    ``insertIntoObject`` builds it: a string key, and objects of a string key
    for the names between (``object[string: T]`` for ``q.a.b := T``), joined
    by ``Or`` into the node's dynamic property, whether ``q[k]`` or ``q.a.b``
    was typed first (``Leafs`` then merges every rule below). A function below
    is merged alike, its function type joined by ``Or`` (``insertIntoObject``
    holds no case of its own for one)."""
    out = dict(nodes)
    for path, value in nodes.items():
        below = [other for other in nodes if other[:len(path)] == path and other != path]
        if not below:
            continue
        if path not in keyed:
            return None  # a rule with rules below it: OPA merges them into its value only where it is an object
        several = definitions.get(path, ())
        if len(several) > 1:
            if not all(_dynamic_only(one) for one in several):
                return None  # a definition of a type nestedObject never builds here: not followed
            # OPA's value here depends on the order it types the definitions and the rules below in (Graph.Sort,
            # random from run to run): mergeTypes of two sets is one set of either's elements and of two objects
            # of no static property one object (their keys and values merged), where Or keeps them apart, and a
            # definition merged into an Or holding such an object changes that object in place. Each order gives
            # the same parts at the bottom, Or-ed or merged, which every check OPA makes (unifies, Select, Keys,
            # Values, unify1) reads alike: the join of every definition's keys and values, as Or joins them here.
            # (Where the object changed in place is a rule below's own type, reads through that rule differ by
            # order: ``order_hazards``.)
            key, held = several[0].rest or (ANY, ANY)
            for one in several[1:]:
                if one.rest is not None:
                    key, held = _or(key, one.rest[0]), _or(held, one.rest[1])
        elif value.kinds != {OBJECT} or value.rest is None or value.joined or value.candidates is not None:
            return None  # several definitions joined: OPA's mergeTypes of them is not followed here
        else:
            key, held = value.rest
        for other in below:
            child = nodes[other]
            if any(more[:len(other)] == other and more != other for more in nodes):
                return None
            for _ in range(len(other) - len(path) - 1):
                child = RegoType(frozenset({OBJECT}), static=(), rest=(kind(STRING), child))  # insertIntoObject
            key, held = _or(key, kind(STRING)), _or(held, child)
        out[path] = RegoType(frozenset({OBJECT}), static=value.static, rest=(key, held))
    return out


def order_hazards(nodes: Mapping[_Path, RegoType], keyed: set[_Path],
                  definitions: Mapping[_Path, tuple[RegoType, ...]]) -> list[tuple[_Path, tuple[RegoType, ...]]]:
    """The rules right below a variable key's node whose own type OPA changes in place in some orders of typing
    only: an object of no static property, Or-ed into the node's dynamic value (``insertIntoObject``), which a later
    definition of several, its value such an object too, meets in ``mergeTypes`` (``v1/ast/env.go``: it widens the
    first object of no static property of the ``Any`` it meets, in place, which may be that rule's type, also held
    at the rule's own node). Reading that rule (``q.c``, ``q.c.x``) gives its own type or a widened one by order:
    each such rule's path, with the types it may be widened to (its own aside).
    """
    out: list[tuple[_Path, tuple[RegoType, ...]]] = []
    for path in sorted(keyed):
        several = definitions.get(path, ())
        objects = [one.rest[1] for one in several if one.rest is not None and _dynamic_only(one.rest[1])]
        if len(several) < 2 or not objects:
            continue
        for other in sorted(nodes):
            own = nodes[other]
            if len(other) != len(path) + 1 or other[:len(path)] != path or not _dynamic_only(own) \
                    or own.rest is None:
                continue
            # Widened by a later definition's value (its key and value Or-ed into this object's), or by several in
            # turn: by any of them but the first typed, so by any set of them smaller than all, in some order.
            widened = []
            for size in range(1, min(len(several) - 1, len(objects)) + 1):
                for chosen in combinations(objects, size):
                    key, held = own.rest
                    for one in chosen:
                        if one.rest is not None:
                            key, held = _or(key, one.rest[0]), _or(held, one.rest[1])
                    variant = RegoType(frozenset({OBJECT}), static=(), rest=(key, held))
                    if variant != own and variant not in widened:
                        widened.append(variant)
            if widened:
                out.append((other, tuple(widened)))
    return out


def _merge_all(values: tuple[RegoType, ...]) -> RegoType | None:
    """``mergeTypes`` of a ref head's definitions with a variable key, one after another, or None where a step
    is one whose result this reader does not follow."""
    merged: RegoType | None = values[0]
    for more in values[1:]:
        merged = _merge_types(merged, more) if merged is not None else None
    return merged


def _merge_types(a: RegoType, b: RegoType) -> RegoType | None:
    """OPA's ``mergeTypes`` (``v1/ast/env.go``): two objects of no static property are one object, their keys
    joined by ``Or`` and their values merged again; two sets one set of either's elements; anything else ``Or``.
    None where an object of no static property, or a set, meets a type of another shape: OPA's result then
    depends on the order of the definitions (and may change an object an ``Or`` holds, in place)."""
    if _dynamic_only(a) and _dynamic_only(b) and a.rest is not None and b.rest is not None:
        value = _merge_types(a.rest[1], b.rest[1])
        return None if value is None else RegoType(frozenset({OBJECT}), static=(),
                                                   rest=(_or(a.rest[0], b.rest[0]), value))
    if a.kinds == b.kinds == {SET} and not a.joined and not b.joined:
        return kind(SET, of=union(a.of, b.of)) if a.of is not None and b.of is not None else kind(SET)
    if not _plain(a) or not _plain(b):
        return None
    return _or(a, b)


def _merge_dynamic_objects(values: tuple[RegoType, ...]) -> RegoType | None:
    """A rule's value from its definitions where ``mergeTypes`` merges two or more objects of no static property
    among them into one object (an object comprehension's, ``{k: v}``'s), or None where it merges none, or merges
    in a way the order of definitions decides (a set or an object of no static property among their values, a set
    or an object this reader does not hold as static or dynamic properties beside them).

    Each ``else`` branch is a rule of its own to OPA's type checker, at the
    rule's path: ``WalkRules`` (``v1/ast/visit.go``) visits ``Rule.Else``,
    ``NewGraph`` adds each as a node, ``CheckTypes`` runs ``checkRule`` on every
    sorted node, and the parser gives an ``else`` a copy of the rule's head
    (``parseElse``), so ``typeTreeNode.Insert`` merges it in by ``mergeTypes``
    as it merges another definition. Two objects of no static property become
    one object (their keys and values joined by ``Or``: both plain here, so the
    order OPA's graph sorts them in makes no difference, ``Any`` merged in
    place or not); any other definition joins it by ``Or``, as ``union`` keeps
    them here. So ``r := {k: 1 | ...} if input.a else := {k: "s" | ...}`` is
    one object, and ``r(1)`` "undefined function" to OPA.
    """
    objects = [value for value in values if _dynamic_only(value)]
    others = [value for value in values if not _dynamic_only(value)]
    if len(objects) < 2 or not all(_plain(value) for value in others):
        return None
    if any(one.rest == (ANY, ANY) for one in objects):
        # `{}` (OPA's object[any: any]) among them: `Or` of any with any key type is any (`Any.Merge`: the empty
        # Any contains every type but a function), and so is `mergeTypes` of any with any value, in either order
        # (an Any beside a non-Any is merged the other way round, then joined by `Or`): object[any: any], whatever
        # the others' values hold and whichever order OPA's graph sorts the definitions in.
        key, held = ANY, ANY
    elif not all(_plain(part) for one in objects if one.rest is not None for part in one.rest):
        return None
    else:
        key, held = objects[0].rest or (ANY, ANY)
        for more in objects[1:]:
            if more.rest is not None:
                key, held = union(key, more.rest[0]), union(held, more.rest[1])
    merged = RegoType(frozenset({OBJECT}), static=(), rest=(key, held))
    for other in others:
        merged = union(merged, other)
    return merged


def _dynamic_only(value: RegoType) -> bool:
    """An object type of one dynamic property and no static one (OPA's ``NewObject(nil, dynamic)``)."""
    return (value.kinds == {OBJECT} and value.static == () and value.rest is not None and value.fields is None
            and not value.joined and value.candidates is None and not value.unsure)


def _between(nodes: Mapping[_Path, RegoType]) -> list[_Path]:
    """The nodes of no value below a node that holds one (``q.a`` between ``q[k]`` and ``q.a.b``): a ref through
    them is read from the tree (``getRefRec``: a leaf with children goes on to the child), not from the value."""
    return sorted({other[:n] for other in nodes for n in range(1, len(other))
                   if other[:n] not in nodes and any(other[:m] in nodes for m in range(n))})


def _plain(value: RegoType) -> bool:
    """Does ``mergeTypes`` join ``value`` with any other type by ``Or`` alone (no set, no object of no static
    property, in any of its parts)?"""
    for part in value.alternatives or value.unsure_parts or (value,):
        if SET in part.kinds or (OBJECT in part.kinds and not part.fields and not part.static):
            return False
    return True


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
