"""A rule whose type a `q[k]` definition holds as its value, which OPA may widen in place (``mergeTypes``).

OPA types `q[k] := v if { v := r }` with `v`'s type, which is ``GetByRef``'s: the very ``types.Type`` value its type
tree holds at ``data.p.r`` (a Go pointer, ``typeTreeNode.Value``), and ``nestedObject`` (v1/ast/check.go) puts that
value, not a copy, into the object it files at ``data.p.q``. Merging the head's definitions one by one
(``typeTreeNode.Insert``), ``mergeTypes`` (v1/ast/env.go) merges their values again; where it meets an object of no
static property and an ``Any`` holding one, it widens the object in the ``Any`` in place (``tDynProps.Key =
types.Or(...)``, ``tDynProps.Value = ...``). Where that object is `r`'s own (`r`'s type is such an ``Any``, or such
an object another definition's value of another shape was joined with by ``Or`` first), `r`'s type widens too, for
every rule typed after: its keys and values Or-ed with the other definition's. The order OPA types rules in
(``Graph.Sort``) walks Go maps, so a statement reading `r` sees the widened type in some runs only.

Widening joins parts by ``Or``, and every check OPA makes on an ``Or`` (``unifies``, ``unify1``, ``Select``) passes
where one part passes, so `r` read with its own type is never laxer than OPA in any order: a statement that passes
so passes in every order. Where it is refused so and passes with a widened type, OPA's own answer varies from run to
run, and the statement is refused as unsure (``type_orders.OrderVariants._refused_by_alias``), not as OPA's error.
Followed where the head's value is a rule's name, or a name bound to one by a single `:=` or `=` of the body; a
`data.` ref, a key past the rule (`v := r.a`) or a function's result are not read as aliases here, so such a
statement keeps its own type's verdict: at worst a refusal where OPA passes in some runs, never the reverse.
"""
from __future__ import annotations

from collections.abc import Collection
from itertools import combinations

from natpolicy.rego.builtin_types import OBJECT, RegoType, union
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["aliased_rule", "alias_widenings"]

_MOST_OBJECTS = 6  # other definitions' objects tried together (2**6 subsets); past it, the first six


def aliased_rule(head: Node | None, body: list[Statement], rules: Collection[str]) -> str | None:
    """The package rule whose type ``head`` (a `q[k]` definition's value) is, as OPA holds it, or None."""
    if head is None:
        return None
    target = head
    if head.what == "name":
        bound = [s for s in body if s.what == "bind" and len(s.parts) == 2 and s.parts[0].what == "name"
                 and s.parts[0].text == head.text]
        if len(bound) > 1:
            return None
        if bound:
            target = bound[0].parts[1]
    if target.what != "name" or target.text not in rules:
        return None
    local = any(s.what in ("bind", "some", "declare") and (
        target.text in s.names or any(part.what == "name" and part.text == target.text for part in s.parts[:-1]))
        for s in body)
    return None if local else target.text


def alias_widenings(own: RegoType, others: list[RegoType]) -> tuple[RegoType, ...]:
    """The types ``own`` (a rule's, held as one definition's value) may be widened to in place by ``mergeTypes``
    merging ``others`` (the other definitions' values), its own aside; none where no merge meets it in an ``Any``."""
    parts = own.alternatives if own.alternatives is not None and not own.unsure else (own,)
    targets = [part for part in parts if _dynamic_only(part)]
    objects = [other for other in others if _dynamic_only(other)][:_MOST_OBJECTS]
    # `own` is in an Any where it is one (an `else` of another shape), or once Or-ed with a value of another shape.
    in_any = len(parts) > 1 or any(not _dynamic_only(other) for other in others)
    if not targets or not objects or not in_any:
        return ()
    out: list[RegoType] = []
    for target in targets:
        for size in range(1, len(objects) + 1):
            for chosen in combinations(objects, size):
                key, held = target.rest or (own, own)
                for one in chosen:
                    if one.rest is not None:
                        key, held = _or(key, one.rest[0]), _or(held, one.rest[1])
                widened = RegoType(frozenset({OBJECT}), static=(), rest=(key, held))
                whole = widened
                if len(parts) > 1:
                    others_kept = [part for part in parts if part is not target]
                    whole = others_kept[0]
                    for part in [*others_kept[1:], widened]:
                        whole = union(whole, part)
                if whole != own and whole not in out:
                    out.append(whole)
    return tuple(out)


def _dynamic_only(value: RegoType) -> bool:
    """An object type of one dynamic property and no static one (OPA's ``NewObject(nil, dynamic)``)."""
    return (value.kinds == {OBJECT} and value.static == () and value.rest is not None and value.fields is None
            and not value.joined and value.candidates is None and not value.unsure)


def _or(a: RegoType, b: RegoType) -> RegoType:
    return a if a == b else union(a, b)
