"""A ref head's name typed as OPA's type tree holds it, where rules with a variable key share it (types29).

Settled from OPA's source (``v1/ast/env.go``, ``v1/ast/check.go``): ``checkRule`` files ``q[k] := v`` at
``data.p.q`` as ``nestedObject``'s object and ``q.k := 5`` at ``data.p.q.k``; ``typeTreeNode.Insert`` merges the
rule below into the object above (``insertIntoObject``: a string key and the rule's value joined by ``Or`` into the
dynamic property), whichever is typed first. ``getRefRec`` reads ``q.k`` from its own node and ``q.j`` from q's
merged value (``selectRef``); ``checkRefLeaf`` types an unbound key ``x`` of ``q[x]`` as the merged keys; a node
holding no value is read alone as ``getRefRecExtent``'s object of its children. And ``a.c``, where ``package p.a``
files ``c``, is that rule's type: OPA's tree holds every package's rules. Each near miss is valid Rego OPA accepts.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
BESIDE = 'q.k := 5 if { false }\nq[k] := 7 if { some k in ["a"] }\n'  # lines 3 and 4

REFUSED = [
    # A variable key into the name's object holding a function, unified: types.Values folds the static f (a
    # function) then the dynamic any by Or, nil (a function beside a non-function), and unify1 of a nil ref is a
    # match error (it passed here until types30a's third round: tests/test_rego_nil_values.py).
    ("a.f(x) := x + 1\nh if {\n  x := a\n  some k\n  x[k] == 2\n}\n", 7, "which OPA types as nil"),
    # Another key than the rule's name: the merged value, a number.
    (BESIDE + "h if {\n  upper(q.j)\n}\n", 6, "`q.j`, is a number"),
    (BESIDE + "h if {\n  y := q[input.k]\n  upper(y)\n}\n", 7, "`y`, is a number"),
    # The unbound key: the merged keys, strings.
    (BESIDE + "h if {\n  q[x]\n  x + 1\n}\n", 7, "`x + 1` applies `+` to a string"),
    # The name alone: the merged object (it was refused as one natpolicy cannot tell).
    (BESIDE + "h if {\n  upper(q)\n}\n", 6, "`q`, is an object"),
    ('q[k] := 1 if { some k in ["a"] }\nh if {\n  upper(q)\n}\n', 5, "`q`, is an object"),
    # A rule with a variable key below a name beside another: the name is the object of both.
    ('q.a[k] := 1 if { some k in ["x"] }\nq.b := 2\nh if {\n  x := q\n  upper(x.a)\n}\n', 7, "`x.a`, is an object"),
    ('q.a[k] := "s" if { some k in ["x"] }\nq.b := 2\nh if {\n  x := q\n  upper(x.b)\n}\n', 7,
     "`x.b`, is a number"),
    # Below a variable key's node, one name down: merged there (`q.a.j` reads q.a's merged value).
    ('q.a[k] := 1 if { some k in ["x"] }\nq.a.c := 2 if { false }\nh if {\n  upper(q.a.j)\n}\n', 6,
     "`q.a.j`, is a number"),
    # A function below the name, reached through the name's object: its function type (checkApply refuses it).
    ("a.f(x) := x + 1\nh if {\n  x := a\n  x.f\n}\n", 6, "`x.f` reads `f`, a function below a ref head's name"),
    ('a.f(x) := x + 1\nh if {\n  x := a\n  y := x["f"]\n}\n', 6, "reads `\"f\"`, a function"),
    ("a.f(x) := x + 1\nh if {\n  x := a\n  x.f.g == 1\n}\n", 6, "`x.f.g` reads `f`, a function"),
    ("a.b.f(x) := x + 1\na.c := 1\nh if {\n  x := a.b\n  x.f\n}\n", 7, "`x.f` reads `f`, a function"),
    # The name's object given whole where an object is taken: unifiesObjectsStatic meets the function type, which
    # unifies with nothing (unifiesAny refuses it even against any).
    ("a.f(x) := x + 1\nh if {\n  count(a) > 0\n}\n", 5,
     'argument 1 of count(...), `a`, is an object<"f": function, string: any>, which count never takes'),
    ('a.f(x) := x + 1\nh if {\n  object.get(a, "g", 1) == 1\n}\n', 5, "argument 1 of object.get(...), `a`"),
    ('a.f(x) := x + 1\nh if {\n  a == {"f": 1}\n}\n', 5, 'over the key "f" as a number and as a function'),
    # A pattern binds y to the function type (unify1, no check), which upper then refuses.
    ('a.f(x) := x + 1\nh if {\n  x := a\n  {"f": y} = x\n  upper(y)\n}\n', 7, "`y`, is a function"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    # The rule's own name: its own node (a number), so upper never meets the merged value.
    BESIDE + "h if {\n  q.k + 1\n}\n",
    # Values of two kinds merged: OPA's any<number, string> unifies with a string.
    'q.k := 5 if { false }\nq[k] := "s" if { some k in ["a"] }\nh if {\n  upper(q.j)\n}\n',
    # Keys of two kinds merged: any<number, string> unifies with a number.
    'q.k := 5 if { false }\nq[k] := 7 if { some k in [1] }\nh if {\n  q[x]\n  x + 1\n}\n',
    # The name alone where an object is taken; a key past a value of any type.
    BESIDE + "h if {\n  count(q) > 0\n  is_object(q)\n}\n",
    'q.k := 5 if { false }\nq[k] := input.v if { some k in ["a"] }\nh if {\n  upper(q.j)\n}\n',
    # The name's other children: x.b a number, x.z any.
    'q.a[k] := 1 if { some k in ["x"] }\nq.b := 2\nh if {\n  x := q\n  x.b + 1\n  upper(x.z)\n}\n',
    # Rules two names below a variable key's node: merged since types29c, the rule's own node read as before.
    'q[k] := 1 if { some k in ["x"] }\nq.a.b := "s"\nh if {\n  upper(q.a.b)\n}\n',
    # The name's other keys beside a function: any (the dynamic property), the function called; a variable key
    # alone (`x[k]`, whose values are OPA's nil: tests/test_rego_nil_values.py) passes as a bare statement.
    "a.f(x) := x + 1\nh if {\n  x := a\n  x.g == 1\n  some k\n  x[k]\n  a.f(1) == 2\n}\n",
    # Declared any (is_object, json.marshal, walk), another name, a pattern binding the function (no check).
    "a.f(x) := x + 1\nh if {\n  is_object(a)\n  json.marshal(a)\n  x := a\n  x == a\n  walk(a, [p, v])\n}\n",
    'a.f(x) := x + 1\nh if {\n  x := a\n  {"f": y} = x\n}\n',
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


def test_a_name_whose_merge_order_varies_is_typed_as_every_order_types_it() -> None:
    # Since types29c `q.a.b` beside `q[k]` is merged (test_rego_rule_tree_merge_types); set values of several
    # definitions beside a rule below, refused as unsure where read alone until types31, are typed as every order
    # OPA may merge them in types them (an object here, which count takes; upper does not).
    body = 'q[k] := {1} if { some k in ["x"] }\nq[k] := {"s"} if { some k in ["y"] }\nq.a := "s"\n'
    assert type_errors_by_line(P + body + "h if {\n  count(q)\n}\n") == []
    errors = type_errors_by_line(P + body + "h if {\n  upper(q)\n}\n")
    assert errors and errors[0][0] == 7 and "`q`, is an object" in errors[0][1], errors


BELOW = "package p.a\n\nc := 2\n"


@pytest.mark.parametrize(("read", "says"), [("a.c", "`a.c`, is a number"), ("data.p.a.c", "`data.p.a.c`, is a number")])
def test_another_packages_rule_below_this_ones_name_is_typed_as_it(read: str, says: str) -> None:
    main = P + f"a.b := 1\nh if {{\n  upper({read})\n}}\n"
    assert_refused_at(type_errors_by_line(main, (main, BELOW)), 5, says)
    for engine in ("regorus", "regopy"):
        said = refusal({"p.rego": main + "\nr := 1\n", "a.rego": BELOW}, engine)
        assert "p.rego:5:" in said and "OPA refuses the whole module" in said, said


def test_another_packages_rule_below_this_ones_name_near_miss() -> None:
    main = P + "a.b := 1\nh if {\n  a.c + 1\n  upper(a.z)\n}\n"
    assert type_errors_by_line(main, (main, BELOW)) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    names = [name for name in PROBES if name.startswith("types29-") and "-equal-" not in name]
    assert len(names) == 12
    for name in names:
        if name.endswith("-refused"):
            assert PROBES[name].get("refused") and refusal({"p.rego": PROBES[name]["source"]}, engine), name
        else:
            assert not PROBES[name].get("refused") and type_errors_by_line(PROBES[name]["source"]) == [], name
