"""Types OPA's checker gives that this reader once left as any, in a rule no query reaches (types28b).

Settled from OPA's source: a body typed in the order ``reorderBodyForSafety`` (``v1/ast/compile.go``) runs it, so
``x = y`` waits for what binds ``y`` (``type_order``); a ref head's first name read alone as the object
``getRefRecExtent`` (``v1/ast/typeenv.go``) builds from its rules, any other string key besides
(``type_rule_tree``); ``set()`` as the empty set, a constant and so a static key (``parseCall``). ``{}`` and ``[]``
stay any object and any array: OPA types them so (an object of dynamic property ``(A, A)``, ``NewArray(nil, A)``).
Each near miss is valid Rego OPA accepts and must stay quiet, among them the shapes this reader still leaves to
written order or to any.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


REFUSED = [
    # `=` of a lone name to a side nothing has bound yet: typed once what binds that side is.
    ('h if {\n  x = y\n  y = "a"\n  x + 1\n}\n', 6, "`x + 1` applies `+` to a string (`x`)"),
    ('h if {\n  y = x\n  y = "a"\n  x + 1\n}\n', 6, "`x + 1` applies `+` to a string (`x`)"),
    ('h if {\n  x = y\n  x + 1\n  y = "a"\n}\n', 5, "`x + 1` applies `+` to a string (`x`)"),
    ('h if {\n  x = [y]\n  y = "a"\n  x[0] + 1\n}\n', 6, "`x[0] + 1` applies `+` to a string"),
    ('h if {\n  x = y\n  z := x\n  y = "a"\n  z + 1\n}\n', 7, "`z + 1` applies `+` to a string (`z`)"),
    ('h if {\n  x = y\n  y = z\n  z = "a"\n  x + 1\n}\n', 7, "`x + 1` applies `+` to a string (`x`)"),
    ('h := [x | x = y; y = "a"; x + 1]\n', 3, "`x + 1` applies `+` to a string (`x`)"),
    # A ref head's first name alone: an object of its rules.
    ("a.b := 1\nh if {\n  x := a\n  upper(x.b)\n}\n", 6, "`x.b`, is a number"),
    ("a.b := 1\nh if {\n  upper(a)\n}\n", 5, "`a`, is an object"),
    ('a.b.c := 1\na.d := "s"\nh if {\n  x := a.b\n  upper(x.c)\n}\n', 7, "`x.c`, is a number"),
    ("a.b := 1\nh if {\n  x := a\n  x[1]\n}\n", 6, "looks up the number 1 in an object whose keys are of type "
                                                   "string"),
    # `set()`: the empty set, a static key.
    ('h if {\n  o := {set(): "x"}\n  o[{1}]\n}\n', 5, "`o[{1}]`"),
    ('h if {\n  o := {set(): 1}\n  o.b\n}\n', 5, "looks up `b` in an object literal that has only the keys {}"),
    ('h if {\n  o := {set(): "x"}\n  o[set()]\n}\n', 5, "looks up the set {} in an object whose keys are of type "
                                                       "array"),
    ('h if {\n  k := "b"\n  o := {set(): 1, k: "x"}\n  upper(o[set()])\n}\n', 6, "keys are of type array or string"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # The same shapes where the types fit.
    'h if {\n  x = y\n  y = 1\n  x + 1\n}\n',
    'h if {\n  x = [y]\n  y = 1\n  x[0] + 1\n}\n',
    '"a" = y\nh if {\n  x = y\n  upper(x)\n}\n',
    # What binds the other side itself (a ref key, a call's output), types that fit (test_rego_reordered_outputs).
    'h if {\n  x = y\n  input.a[y]\n  x + 1\n}\n',
    'h if {\n  x = y\n  count(input.a, y)\n  x + 1\n}\n',
    # Nothing binds either side: refused elsewhere as unsafe, never typed otherwise here.
    'h if {\n  x = y\n  x + 1\n}\n',
    # Empty literals: any object (dynamic property (A, A)) and any array (NewArray(nil, A)) to OPA.
    'h if {\n  o := {}\n  o.a\n  o[input.k]\n  some k, v in o\n}\n',
    'h if {\n  xs := []\n  xs[0]\n  xs[i]\n  some x in xs\n  x.a\n}\n',
    'h if {\n  y := {}\n  y == {"a": 1}\n  z := []\n  z == [1]\n}\n',
    'default d := {}\nd := {"a": 1} if input.x\nh if { upper(d.b); upper(d.a) }\n',
    'default d := []\nd := [1] if input.x\nh if { upper(d[1]); d[0] + 1 }\n',
    # A ref head's first name: any other string key, and what this reader does not build stays any.
    "a.b := 1\nh if {\n  x := a\n  upper(x.z)\n  a.c\n  count(a) > 0\n}\n",
    # A function below: an object all the same, where any is taken (`count(a)` is refused since types29: OPA's
    # unifiesObjectsStatic meets the function type; test_rego_rule_tree_merged).
    "a.f(x) := 1\nh if { is_object(a) }\n",
    # `set()` beside a computed key: one dynamic key, read as OPA's Object.Select reads it.
    'h if {\n  k := "b"\n  o := {set(): 1, k: "x"}\n  upper(o.b)\n}\n',
    'h if {\n  upper(concat(",", set()))\n}\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize(("body", "line"), [(REFUSED[0][0], 6), (REFUSED[7][0], 6), (REFUSED[11][0], 5)])
def test_every_engine_refuses_it_at_its_line(engine: str, body: str, line: int) -> None:
    said = refusal({"p.rego": P + body + "\nr := 1\n"}, engine)
    assert f"p.rego:{line}:" in said and "OPA refuses the whole module" in said, said


@pytest.mark.parametrize("body", [
    'helper if {\n  x = y\n  y = "a"\n  x + 1\n}\n',
    'helper if {\n  o := {set(): "x"}\n  o[{1}]\n}\n',
    'a.b := 1\nhelper if {\n  x := a\n  upper(x.b)\n}\n',
])
def test_what_is_refused_never_answers_on_regorus_when_reached(body: str) -> None:
    regorus_never_answers(P + body)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    refused = [name for name, probe in PROBES.items() if name.startswith("types28b-") and probe.get("refused")]
    passing = [name for name, probe in PROBES.items() if name.startswith("types28b-") and not probe.get("refused")]
    assert len(refused) == 14 and len(passing) == 11  # the three rounds'
    for name in refused:
        assert refusal({"p.rego": PROBES[name]["source"]}, engine), name
    for name in passing:
        assert type_errors_by_line(PROBES[name]["source"]) == [], name
