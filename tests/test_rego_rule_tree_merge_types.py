"""A ref head's name where OPA's type tree merges what the sixth and seventh rounds left any (types29c).

Settled from OPA's source (``v1/ast/env.go``, ``v1/ast/check.go``): ``checkRule`` runs ``typeTreeNode.Insert`` on
each rule's type at its path. A rule two or more names below a variable key's node (``q.a.b := T`` beside
``q[k] := v``) is merged into that node's object by ``insertIntoObject``: a string key, and ``object[string: T]``
(one object of a string key per name between), joined by ``Or`` into its dynamic property, whichever rule is
typed first (``Leafs`` merges the rules below into an object inserted later). ``getRefRec`` reads ``q.a``, a node
of no value, as its extent. Several definitions of ``q[k] := v`` are merged by ``mergeTypes``: two objects of no
static property are one object, their keys joined by ``Or`` and their values merged again. Each near miss is valid
Rego OPA accepts.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
DEEP = 'q[k] := 7 if { some k in ["a"] }\nq.a.b := "s" if { false }\n'  # lines 3 and 4
TWO = 'q[k] := 7 if { some k in ["a"] }\nq[k] := true if { some k in ["b"] }\n'  # lines 3 and 4

REFUSED = [
    # Another key: the merged value, any<number, object[string: string]>.
    (DEEP + "h if {\n  upper(q.j)\n}\n", 6, "`q.j`, is an any<number, object>"),
    # The node of no value between: its extent, an object (it was the any of the dynamic property here).
    (DEEP + "h if {\n  q.a + 1\n}\n", 6, "`q.a`"),
    (DEEP + "h if {\n  x := q.a\n  upper(x)\n}\n", 7, "`x`, is an object"),
    # Three names below: object[string: object[string: number]] joined in.
    ('q[k] := 7 if { some k in ["a"] }\nq.a.b.c := 1 if { false }\nh if {\n  upper(q.j)\n}\n', 6,
     "`q.j`, is an any<number, object>"),
    # Several definitions: object[string: any<boolean, number>] (mergeTypes).
    (TWO + "h if {\n  upper(q.j)\n}\n", 6, "`q.j`, is an any<boolean, number>"),
    (TWO + "h if {\n  upper(q)\n}\n", 6, "`q`, is an object"),
    # Several definitions beside a rule below whose merge is Or alone: the merged object, q.j as before.
    (TWO + "q.c := 1 if { false }\nh if {\n  upper(q.j)\n}\n", 7, "`q.j`, is an any<boolean, number>"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    # The name alone: the merged object (refused as unsure until types29c).
    DEEP + "h if {\n  x := q\n  count(q) > 0\n}\n",
    # A value that unifies with a string: any<string, object>.
    'q[k] := "t" if { some k in ["a"] }\nq.a.b := "s" if { false }\nh if {\n  upper(q.j)\n}\n',
    # The rule's own node, and the extent's other keys (any: getRefFallback).
    DEEP + "h if {\n  upper(q.a.b)\n  upper(q.a.z)\n}\n",
    # The keys: any<string>, a string key either way.
    DEEP + "h if {\n  q[x]\n  upper(x)\n}\n",
    # Several definitions with a string among their values; read alone beside a rule below.
    'q[k] := 7 if { some k in ["a"] }\nq[k] := "s" if { some k in ["b"] }\nh if {\n  upper(q.j)\n}\n',
    TWO + "q.c := 1 if { false }\nh if {\n  x := q\n  count(q) > 0\n}\n",
    # Keys of two definitions joined: any<number, string>.
    'q[k] := 7 if { some k in ["a"] }\nq[k] := 8 if { some k in [1] }\nh if {\n  q[x]\n  x + 1\n}\n',
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


SETS = 'q[k] := {1} if { some k in ["a"] }\nq[k] := {"s"} if { some k in ["b"] }\nq.c := 1 if { false }\n'
OBJECTS = ('q[k] := {k: 1} if { some k in ["a"] }\nq[k] := {k: "s"} if { some k in ["b"] }\n'
           'q.c := 1 if { false }\n')
# q.c an object of no static property itself: a later definition may widen it in place (mergeTypes), by order.
WIDENED = ('q[k] := {j: 1 | some j in ["x"]} if { some k in ["a"] }\n'
           'q[k] := {j: "s" | some j in ["y"]} if { some k in ["b"] }\nq.c := {j: true | some j in ["z"]}\n')


@pytest.mark.parametrize("body", [
    # Sets, or objects of no static property, among several definitions beside a rule below (types31): every order
    # OPA may type them in (Graph.Sort) gives the same parts, merged or Or-ed, which every check reads alike. The
    # name read alone was refused as unsure, and `q.j` was any (silent).
    SETS + "h if {\n  x := q\n  count(x) > 0\n  q.j + 1\n  count(q.j)\n}\n",
    OBJECTS + "h if {\n  x := q\n  q.j + 1\n  q.j.x\n}\n",
    # A rule widened in place by order: a read every way passes, passes.
    WIDENED + "h if {\n  q.c.x == true\n  count(q.c)\n}\n",
    WIDENED + "h if {\n  x := q.c.x\n}\n",  # x's type varies, but nothing reads it
])
def test_a_merge_every_order_types_alike_is_typed(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize(("body", "line", "says"), [
    (SETS + "h if {\n  upper(q.j)\n}\n", 7, "`q.j`, is an any<number, set>"),
    (OBJECTS + "h if {\n  q.j == true\n}\n", 7, "unifies an any<number, object> with a boolean"),
    # Refused every way: OPA refuses it whatever its order.
    (WIDENED + "h if {\n  upper(q.c)\n}\n", 7, "`q.c`, is an object"),
])
def test_what_every_order_refuses_is_refused(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize(("body", "line"), [
    # q.c.x a boolean, or any<boolean, number> or any<boolean, string> where a later definition widened q.c in
    # place: upper's verdict, and OPA's, varies with the order it types the rules in.
    (WIDENED + "h if {\n  upper(q.c.x)\n}\n", 7),
    (WIDENED + "h if {\n  x := q.c.x\n  y := x\n}\n", 7),  # x's type varies, and a statement reads it
    (WIDENED + "r := q.c.x\n", 6),  # a rule's value varies
])
def test_what_the_order_decides_is_refused_as_unsure(body: str, line: int) -> None:
    errors = type_errors_by_line(P + body)
    assert errors and errors[0][0] == line and "cannot tell" in errors[0][1] and "varies" in errors[0][1], errors


@pytest.mark.parametrize("prefix, count", [("types29c-", 5), ("types31-merge-", 2)])
@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str, prefix: str, count: int) -> None:
    names = [name for name in PROBES if name.startswith(prefix)]
    assert len(names) == count
    for name in names:
        if name.endswith("-refused"):
            assert PROBES[name].get("refused") and refusal({"p.rego": PROBES[name]["source"]}, engine), name
        else:
            assert not PROBES[name].get("refused") and type_errors_by_line(PROBES[name]["source"]) == [], name
            said = refusal({"p.rego": PROBES[name]["source"]}, engine)
            # regorus refuses a rule inside `q[k]` (`q.a.b`, `q.c`) on its own account
            # (ref_head_conflicts.keyed_extent_refusals).
            assert said == "" or (engine == "regorus" and "whose ref holds a var" in said), (name, said)
