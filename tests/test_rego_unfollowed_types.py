"""Types OPA's checker infers that this reader once left as any, in a rule no query reaches: now right, or loud.

Right where OPA's source settles them (``v1/ast/check.go``, ``v1/types/types.go``): a key of a ref types an
untyped function argument by the keys there, at every key (``checkRefLeaf``: ``types.Keys``); ``some v in o``
and ``o[k]`` give an object's values (``selectRef``: ``types.Values``); a ref head ``a[k] := v`` is an object of
``k``'s type holding ``v`` (``nestedObject``); an ``any<...>`` holding a set is tried part by part (``unify1``); a
pattern that never matches is refused whichever error OPA gives. Loud where OPA's answer hangs on an order this
reader does not follow (an object literal's computed keys, an object pattern's keys across OPA releases, a body
reordered for a name only a later statement may bind) or on what it does not read (a function under a ref head
with a variable key, two collection types it does not hold whole): one line, its line, saying natpolicy cannot
tell. Each near miss is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
CANNOT_TELL = "natpolicy cannot tell whether OPA's type checker accepts"


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # A function argument first used as a key of a ref into an object (its keys: strings), or past a ref's first
    # key (each key typed by what the ref has reached there).
    ('o := {"a": 1}\nf(x) if {\n  o[x] > 0\n}\nh := f(1)\n', 7, "where f takes only string"),
    ('o := {"a": {"b": 1}}\nf(x) if {\n  o.a[x] > 0\n}\nh := f(1)\n', 7, "where f takes only string"),
    ('xs := [[1]]\nf(x) if {\n  xs[0][x] > 0\n}\nh := f("a")\n', 7, "where f takes only number"),
    ('o := {k: 1 | some k in ["a"]}\nf(x) if {\n  o[x] > 0\n}\nh := f(1)\n', 7, "where f takes only string"),
    ('o := {"a": 1}\nf(x) if {\n  y := o[x]\n  x + 1\n}\n', 6, "`x + 1` applies `+` to a string"),
    # ... beside a literal that is no call's argument: the ref checker types it before the statement.
    ('xs := ["a"]\nf(x) if {\n  y := [x, xs[x]]\n}\nh := f("a")\n', 7, "where f takes only number"),
    ('xs := ["a"]\nf(x) if {\n  y = [x, xs[x]]\n}\nh := f("a")\n', 7, "where f takes only number"),
    # An object's values and keys: `some v in o`, `some k, v in o`, `o[k]`, and a key of another type.
    ('h if {\n  o := {"a": 1}\n  some v in o\n  upper(v)\n}\n', 6, "argument 1 of upper(...), `v`, is a number"),
    ('h if {\n  o := {"a": 1}\n  some k, v in o\n  k + 1\n}\n', 6, "`k + 1` applies `+` to a string"),
    ('h if {\n  o := {"a": 1}\n  upper(o[input.k])\n}\n', 5, "`o[input.k]`, is a number"),
    ('h if {\n  o := {"a": 1}\n  k := 1\n  o[k]\n}\n', 6, "looks up a key of type number (`k`) in an object whose "
                                                   "keys are of type string"),
    # An object of computed keys of several types whose candidates all type the step alike.
    ('f(x) if {\n  o := {input.k: 2, upper(input.j): 2, "c": 1}\n  {"b": x} = o\n}\nh := f("s")\n', 7,
     "where f takes only number"),
    ('h if {\n  o := {"a": 1, input.k: 2, count(input.j): "x"}\n  upper(o.a)\n}\n', 5, "`o.a`, is a number"),
    # A rule of several kinds, one a set: an array pattern skips the set (unify1 tries each in union mode).
    ('r := {1} if input.a\nr := [1, "a"] if input.b\nh if {\n  [x, y] = r\n  y + 1\n}\n', 7,
     "`y + 1` applies `+` to a string"),
    ('r := {1} if input.a\nr := [1, "a"] if input.b\nf(y) if {\n  [x, y] = r\n}\nh := f(1)\n', 8,
     "where f takes only string"),
    ('r1 := 1 if input.a\nr1 := "s" if input.b\nr := r1 if input.c\nr := [1, "a"] if input.d\nh if {\n'
     '  [x, y] = r\n  y + 1\n}\n', 9, "`y + 1` applies `+` to a string"),
    # Objects of other keys, a pattern's keys not written sorted, where both orders type the names alike.
    ('o := {"c": 1, "a": 2} if input.a\n\no := {"b": "s", "c": 3} if input.b\n\nh if {\n  {"c": y, "b": x} = o\n'
     '  upper(y)\n}\n', 9, "argument 1 of upper(...), `y`, is a number"),
    # Patterns that never match: OPA refuses, by an unsafe variable or a match error, whichever its order gives.
    ("h := [y | [y] = [1, 2]]\n", 3, "`[y] = [1, 2]` unifies an array of 1 element with an array of 2 elements"),
    ('h if {\n  y > 0\n  {"a": x} = {"b": y}\n}\n', 5, "unifies two objects that never match"),
    ("h if {\n  [_] = [1, 2]\n}\n", 4, "OPA: match error, or an unsafe variable"),
    ('h if {\n  [x, "a"] = [y, "a"]\n  x > 1\n}\n', 4, "variable `x` is unsafe"),
    # A number looked up in an object of computed keys that are never numbers (Object.Select).
    ('h if {\n  o := {"a": 1, upper(input.k): 2}\n  o[1]\n}\n', 5, "looks up the number 1 in an object whose "
                                                                  "keys are of type string"),
    ('h if {\n  o := {k: 1 | some k in ["a"]}\n  o[0]\n}\n', 5, "looks up the number 0"),
    ('h if {\n  o := {"a": 1, count(input.k): "s"}\n  o[1] + 1\n}\n', 5, "applies `+` to a string"),
    # A ref head with a variable key: an object of that variable's type, holding the value.
    ("a[k] := 1 if { k := 2 }\nh if { a.b }\n", 4, "one computed key of type number, which is never a string"),
    ("a[k] := 1 if { k := 2 }\na[k] := 1 if { k := 3 }\nh if { a.b }\n", 5, "which is never a string"),
    ('a[k] := 1 if { some k in ["x"] }\nh if { some v in a; v.c }\n', 4, "`v.c` looks inside a number"),
    ('a[k] := 1 if { some k in ["x"] }\nh if { a.b.c }\n', 4, "`a.b.c` looks inside a number"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line and says in errors[0][1], errors
    assert "\n" not in errors[0][1] and "OPA refuses the whole module" in errors[0][1], errors


@pytest.mark.parametrize(("body", "line", "says"), [
    # Computed keys of several types: OPA keeps the last in its order of keys (as its compiler rewrote them).
    ('h if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  o.b + 1\n}\n', 5, "`o.b`: it reads an object literal of "
                                                                           "computed keys of several types"),
    ('h if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  {"b": y} = o\n  y + 1\n}\n', 5, '`{"b": y} = o`'),
    ('f(x) if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  {"b": x} = o\n}\nh := f(1)\n', 5, '`{"b": x} = o`'),
    ('h if {\n  o := {"a": 1, input.k: 2, count(input.j): 3}\n  o.b\n}\n', 5, "`o.b`"),
    ('h if {\n  o := {"a": 1, input.k: 2, count(input.j): "x"}\n  o[input.z]\n}\n', 5, "`o[input.z]`"),
    ('h if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  some v in o\n  upper(v)\n}\n', 5, "`some ... in o`"),
    ('r := {"a": 1, input.k: "s", input.j: 2}\nh if {\n  r.b\n}\n', 5, "`r.b`"),
    ('r := {"a": 1, input.k: "s", input.j: 2} if input.x\nr := {"a": 2} if input.y\nh if {\n  r.a\n}\n', 6,
     "`r.a`"),
    # An object pattern whose keys are not written sorted: OPA releases walk them sorted, or as written.
    ('o := {"a": 1, "c": 2} if input.a\n\no := {"a": "s", "b": 3} if input.b\n\nh if {\n  {"b": y, "a": x} = o\n'
     '  upper(x)\n}\n', 8, "the keys of its object pattern are not written sorted"),
    ('o := {"a": 1, "c": 2} if input.a\n\no := {"a": "s", "b": 3} if input.b\n\nf(x, y) if {\n'
     '  {"b": y, "a": x} = o\n}\nh := f(1, 2)\n', 8, "the keys of its object pattern are not written sorted"),
    # A function under a ref head with a variable key, and a rule of two collection types not held whole.
    ('a[k](x) := x if { k := "b" }\n', 3, "the function `a[k](...)`"),
    ("r := [x | some x in input.a] if input.a else := [y | some y in input.b]\nh if { r(1) }\n", 4, "`r(1)`"),
])
def test_what_opa_may_refuse_is_refused_as_unsure(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line and CANNOT_TELL in errors[0][1] and says in errors[0][1], errors
    assert "\n" not in errors[0][1] and "so natpolicy refuses it rather than answer otherwise" in errors[0][1]


@pytest.mark.parametrize("body", [
    # A literal key of such an object, or the object only passed on: OPA's static property, any candidate alike.
    'h if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  o.a + 1\n}\n',
    'h if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  x := o\n  count(x) > 0\n  object.get(o, "b", 1)\n}\n',
    # Computed keys of one type: OPA's dynamic property whichever is last.
    'h if {\n  o := {"a": 1, input.k: "s", input.j: "t"}\n  upper(o.b)\n}\n',
    'h if {\n  o := {"a": 1, input.k: 2, input.j: 3}\n  {"b": y} = o\n  y + 1\n}\n',
    # Keys and values of the type they hold; an object of values of two kinds; objects of no known type.
    'o := {"a": 1}\nf(x) if {\n  o[x] > 0\n}\nh := f("a")\n',
    'h if {\n  o := {"a": 1, "b": "s"}\n  some v in o\n  upper(v)\n}\n',
    'h if {\n  some v in input.o\n  upper(v)\n}\n',
    'h if {\n  o := {}\n  some v in o\n  upper(v)\n}\n',
    'f(x) if {\n  input.a[x] > 0\n}\nh := f(1)\n',
    'h if {\n  o := {"a": 1, input.k: 2}\n  o[1] + 1\n}\n',
    # A later statement that binds one of two names only each other binds: OPA runs the pattern after it.
    'h if {\n  [x, "a"] = [y, "a"]\n  y = 1\n}\n',
    'h if {\n  [x, "a"] = [y, "a"]\n  input.a[x]\n}\n',
    # A set beside arrays: the pattern's names take what the arrays give.
    'r := {1} if input.a\nr := [1, "a"] if input.b\nh if {\n  [x, y] = r\n  upper(y)\n}\n',
    # Objects of the pattern's keys, or patterns written sorted: every order types the same names.
    'o := {"a": 1, "b": 2} if input.a\n\no := {"a": "s", "b": 3} if input.b\n\nh if {\n  {"b": y, "a": x} = o\n'
    '  upper(x)\n}\n',
    # Ref heads: keys of the type a lookup uses; a constant key after the variable is a string key.
    'a[k] := 1 if { some k in ["x"] }\nh if { a.b + 1 }\n',
    'a[k] := 1 if { some k in input.x }\nh if { a.b }\n',
    "o.a[k].b := 1 if { some k in input.x }\nh if { o.a.x.b }\nh2 if { o.a.x.c }\n",
    "a.b(x) := x\nc[\"d\"](x) := x\n",
    # Two array types OPA keeps apart (its any): a static array beside another length, or a dynamic one.
    "r := [1] if input.a else := [1, 2]\nh if { r(1) }\n",
    "default r := []\n\nr := [1] if input.a\n\nh if {\n  r(1)\n}\n",
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize(("body", "where"), [
    ('helper if {\n  o := {"a": 1, input.k: "s", input.j: 2}\n  o.b + 1\n}\n', f"a.rego:5:3: {CANNOT_TELL} `o.b`"),
    ("a[k] := 1 if { k := 2 }\nhelper if { a.b }\n", "a.rego:4:13: type error: `a.b` looks up `b`"),
    ('helper if {\n  o := {"a": 1}\n  some v in o\n  upper(v)\n}\n', "a.rego:6:9: type error: argument 1 of upper"),
])
def test_every_engine_refuses_it_at_its_line(engine: str, body: str, where: str) -> None:
    assert refusal({"a.rego": P + body}, engine).startswith(where)


@pytest.mark.parametrize("body", [
    "a[k] := 1 if { k := 2 }\nhelper if { a.b }\n",
    'helper if {\n  o := {"a": 1}\n  some v in o\n  upper(v)\n}\n',
    'a[k] := 1 if { some k in ["x"] }\nhelper if { a.b.c }\n',
])
def test_what_is_refused_never_answers_on_regorus_when_reached(body: str) -> None:
    regorus_never_answers(P + body)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    refused = [name for name, probe in PROBES.items() if name.startswith("types27-") and probe.get("refused")]
    passing = [name for name, probe in PROBES.items() if name.startswith("types27-") and not probe.get("refused")]
    assert refused and passing
    for name in refused:
        assert refusal({"p.rego": PROBES[name]["source"]}, engine), name
    for name in passing:  # (an engine's own guard may still refuse one: regopy's order of a body)
        assert type_errors_by_line(PROBES[name]["source"]) == [], name
