"""natpolicy.rego.type_patterns: `=` (`:=`, a statement's `==`) whose two sides never match.

OPA refuses such a statement in every rule, reached or not: its type checker
finds a match error (``unify2``/``unify1``/``unifies`` in ``v1/ast/check.go``:
two array literals of different lengths, an element of another kind at one
index, a key one object never has), also for a function argument it has not
typed yet, which it unifies structurally; and where its safety check cannot
bind a name of the pattern (``Unify`` in ``v1/ast/unify.go``), the name is
unsafe first (``var x is unsafe``). Each refusal names its line; each near
miss is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rego_compile_checks import assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # Nothing else mentions the name, and the lengths (or keys) differ: OPA's Unify binds nothing, `x` is unsafe.
    ("helper if {\n  [x] = [1, 2]\n}\n", 4, "`[x] = [1, 2]` unifies an array of 1 element with an array of 2"),
    ("helper if {\n  [x] := [1, 2]\n}\n", 4, "`[x] := [1, 2]` unifies an array of 1 element"),
    ("helper if {\n  [x, 2] = [1, 2, 3]\n}\n", 4, "an array of 2 elements with an array of 3 elements"),
    ("helper if {\n  [[x]] = [[1, 2]]\n}\n", 4, "an array of 1 element with an array of 2 elements at index 0"),
    # Two unbound names, neither bound: both unsafe (OPA reports each; the first is named).
    ("helper if {\n  [x, 1] = [y, 2, 3]\n}\n", 4, "an array of 2 elements with an array of 3 elements"),
    ('helper if {\n  {"a": x} = {"b": 1}\n}\n', 4, 'over the key "a", which the other object never has'),
    # An object's key is never bound by a pattern (OPA's markAllSafe skips keys), whatever the other side.
    ("xs := [1]\n\nhelper if {\n  {x: 1} = xs\n}\n", 6, "`{x: 1} = xs` unifies an object with an array[number]"),
    # A statement's `==` is OPA's `equal` call to the safety check: it binds no name, whatever the other side.
    ("xs := [1, 2]\n\nhelper if {\n  [x] == xs\n}\n", 6, "`[x] == xs` unifies an array of 1 element"),
    # In an `else` branch too: each branch is a rule body of its own.
    ("helper := 1 if {\n  input.a\n} else := 2 if {\n  [x] = [1, 2]\n}\n", 6, "an array of 1 element"),
    # Two unbound names unified only with each other (OPA's markUnknown), neither bound by anything else: both
    # unsafe, whether the rest matches or not.
    ('helper if {\n  [x, "a"] = [y, "a"]\n}\n', 4, "binds it only to names nothing binds"),
    ('helper if {\n  {"a": x} = {"a": y}\n}\n', 4, "binds it only to names nothing binds"),
    ("helper if {\n  [x, y] = [y, x]\n}\n", 4, "binds it only to names nothing binds"),
    ('helper if {\n  [x, "a"] = [y, 2]\n}\n', 4, "unifies a string with a number at index 1"),
])
def test_a_pattern_whose_names_nothing_binds_is_their_unsafe_variable(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert_refused_at(errors, line, says)
    assert errors[0][1].startswith("variable `x` is unsafe: ") and "(OPA: var x is unsafe)" in errors[0][1], errors


@pytest.mark.parametrize(("body", "line", "says"), [
    # A function's argument OPA has not typed yet: unified structurally (unify1Array, unify1Object), and refused.
    ("f(x) := 1 if {\n  [x] = [1, 2]\n}\n", 4, "an array of 1 element with an array of 2 elements"),
    ('f(x) if {\n  {"a": x} = {"b": 1}\n}\n', 4, 'over the key "a", which the other object never has'),
    ('f(y) if {\n  {"a": y} == {"b": 1}\n}\n', 4, 'over the key "a", which the other object never has'),
    # Names bound before, of any type (`input.a` is any): the types never unify.
    ("helper if {\n  x := 1\n  [x] = [1, 2]\n}\n", 5, "an array of 1 element with an array of 2 elements"),
    ('helper if {\n  y := input.a\n  {"a": y} == {"b": 1}\n}\n', 5, 'over the key "a"'),
    # Unify binds the name from a bound name, so the statement is typed where it is.
    ("helper if {\n  xs := [1, 2]\n  [x] = xs\n}\n", 5, "`[x] = xs` unifies an array of 1 element"),
    # Two array literals of one length, index by index (OPA's static element types).
    ('helper if {\n  [x, "a"] = [1, 2]\n}\n', 4, "unifies a string with a number at index 1"),
    ("helper if {\n  [x, [1]] = [1, [1, 2]]\n}\n", 4, "an array of 2 elements at index 1"),
    ('helper if {\n  [1, 2] == [1, "2"]\n}\n', 4, "a number with a string at index 1"),
    # A name placed twice: typed at its first place, then unified with the second.
    ('helper if {\n  [x, x] = [1, "a"]\n}\n', 4, "makes `x` a number and then unifies it with a string"),
    ('helper if {\n  {"a": x, "b": [x]} = {"a": 1, "b": [true]}\n}\n', 4, "makes `x` a"),
    # An array held in a name: OPA's type is the literal's, index by index (unifiesArraysStatic).
    ('helper if {\n  xs := [1, "a"]\n  [x, 2] = xs\n}\n', 5, "`[x, 2] = xs` unifies a number with a string at index 1"),
    ('xs := [1, "a"]\n\nhelper if {\n  xs = [y, 2]\n}\n', 6, "unifies a string with a number at index 1"),
    # Beside a rule of several definitions (OPA's any<...>): unify1 tries each, a match error where none fits.
    ('helper if {\n  [x, 2] = r\n}\n\nr := [1, "a"] if input.a\n\nr := [2, "b"] if input.b\n', 4, "`[x, 2] = r` unifies a number with a string at index 1"),
    ('helper if {\n  {"b": x} = o\n}\n\no := {"a": 1, "b": 2} if input.a\n\no := {"a": 1} if input.b\n', 4, "(it may be any of 2 objects, and none matches)"),
])
def test_a_pattern_that_never_matches_is_a_match_error(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert_refused_at(errors, line, says)
    assert "(OPA: match error" in errors[0][1] and "unsafe" not in errors[0][1], errors


def test_a_name_a_later_statement_mentions_may_be_either() -> None:
    # If `x > 1` bound x, OPA would run the pattern after it (a match error); it does not, so x is unsafe. Either
    # way the refusal is at the pattern's line, the first statement that mentions x.
    errors = found("helper if {\n  [x] = [1, 2]\n  x > 1\n}\n")
    assert_refused_at(errors, 4, "(OPA: match error, or var x is unsafe when nothing else binds it)")


@pytest.mark.parametrize("body", [
    # Patterns that bind: lengths and keys agree, whatever the values (`[x, 1] = [2, 3]` never holds, but its
    # types unify).
    "helper if {\n  [x] = [1]\n  x > 0\n}\n",
    "helper if {\n  [x, y] = [1, 2]\n}\n",
    "helper if {\n  [x, 1] = [2, 3]\n}\n",
    'helper if {\n  [x, x] = [1, 2]\n  {"a": y, "b": y} = {"a": "s", "b": "t"}\n}\n',
    'helper if {\n  {"a": x} = {"a": 1}\n}\n',
    # Two unbound names unified with each other, one bound in the same pattern or by a later statement (OPA
    # reorders the body: it runs after that one).
    'helper if {\n  [x, y] = [y, 1]\n  x + 1\n}\n',
    'helper if {\n  [x, "a"] = [y, "a"]\n  y = 1\n}\n',
    'helper if {\n  [x, "a"] = [y, "a"]\n  y = input.ys[_]\n}\n',
    "helper if {\n  [x] = [[1, 2]]\n}\n",
    "f(x) := 1 if {\n  [x] = [1]\n}\n",
    # An array of any length (split, `[]`, a value of any type), or one of several (a rule of two definitions is
    # OPA's any<...>, tried alternative by alternative): it may match.
    'helper if {\n  [x] = split(input.s, ",")\n}\n',
    "helper if {\n  xs := []\n  [x] = xs\n}\n",
    "helper if {\n  [x] = input.a\n}\n",
    "r := [1] if input.a\n\nr := [1, 2] if input.b\n\nhelper if {\n  [x] = r\n}\n",
    # A name a ref binds (`xs[i]`), in a statement's `==` too.
    "xs := [[1, 2]]\n\nhelper if {\n  xs[i] == [1, 2]\n}\n",
    # Comparisons other than a statement's `==` compare any two values.
    "helper if {\n  [1] != [1, 2]\n}\n",
    "helper if {\n  b := [1] == [1, 2]\n}\n",
])
def test_a_pattern_that_may_match_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize(("body", "line", "says"), [
    # A pattern beside a literal of its shape: OPA's unify1 gives each new name the type at its place.
    ('helper if {\n  [x, y] = [1, "a"]\n  upper(x)\n}\n', 5, "argument 1 of upper(...), `x`, is a number"),
    ('helper if {\n  [x, y] := [1, "a"]\n  upper(x)\n}\n', 5, "argument 1 of upper(...), `x`, is a number"),
    ('helper if {\n  {"a": x} = {"a": 1}\n  upper(x)\n}\n', 5, "argument 1 of upper(...), `x`, is a number"),
    ('helper if {\n  [x, [y]] = [1, ["s"]]\n  y + 1\n}\n', 5, "`y + 1` applies `+` to a string"),
    # Beside a value known only by its type (a name, a rule, a call): unify1 gives the untyped pattern that type,
    # an array literal's index by index, an object literal's key by key, an array of one element type's at each.
    ('helper if {\n  xs := [1, "a"]\n  [x, y] = xs\n  y + 1\n}\n', 6, "`y + 1` applies `+` to a string (`y`)"),
    ('helper if {\n  xs := [1, "a"]\n  [x, y] := xs\n  upper(x)\n}\n', 6, "`x`, is a number"),
    ('xs := [[1], "a"]\n\nhelper if {\n  [[x], y] = xs\n  upper(x)\n}\n', 7, "`x`, is a number"),
    ('helper if {\n  o := {"a": 1, "b": "s"}\n  {"b": y, "a": x} = o\n  y + 1\n}\n', 6, "to a string (`y`)"),
    ('helper if {\n  [x, y] = split(input.s, ",")\n  x + 1\n}\n', 5, "`x + 1` applies `+` to a string (`x`)"),
    # The same through a constant index (OPA's selectConstant: the static element there).
    ('helper if {\n  xs := [1, "a"]\n  upper(xs[0])\n}\n', 5, "`xs[0]`, is a number"),
    # Beside a rule of several definitions: each is tried in union mode, the name the Or of its types where one
    # matches ({"a": 1, "b": 2} has another length).
    ('helper if {\n  [x, y] = r\n  y + 1\n}\n\nr := [1, "a"] if input.a\n\nr := [2, "b"] if input.b\n', 5, "`y + 1` applies `+` to a string (`y`)"),
    ('helper if {\n  {"a": x} = o\n  upper(x)\n}\n\no := {"a": 1, "b": 2} if input.a\n\no := {"a": 1} if input.b\n', 5, "`x`, is a number"),
    # An object literal of one computed key: OPA's static properties, and the key's value as its dynamic part
    # (Object.Select), also through a ref.
    ('helper if {\n  o := {"a": 1, input.k: "s"}\n  {"a": x, "b": y} = o\n  y + 1\n}\n', 6, "to a string (`y`)"),
    ('helper if {\n  o := {"a": 1, input.k: "s"}\n  o.b + 1\n}\n', 5, "`o.b + 1` applies `+` to a string (`o.b`)"),
    ('helper if {\n  o := {"a": 1, input.k: "s"}\n  o.c.d\n}\n', 5, "`o.c.d` looks inside a string"),
    # A string key such a computed key never holds (a number there): OPA's Object.Select finds nothing.
    ('helper if {\n  o := {"a": 1, count(input.k): "s"}\n  o.b\n}\n', 5,
     "`o.b` looks up `b` in an object literal of the key \"a\", one computed key of type number"),
    ('helper if {\n  n := count(input.k)\n  o := {n: "s"}\n  x := o.b\n}\n', 6, "one computed key of type number"),
    # Computed keys of one key type and one value type: whichever OPA keeps as the dynamic part, the same.
    ('helper if {\n  o := {"a": 1, input.k: "s", input.j: "t"}\n  o.b + 1\n}\n', 5, "to a string (`o.b`)"),
    ('helper if {\n  o := {"a": 1, input.k: "s", input.j: "t"}\n  {"b": y} = o\n  y + 1\n}\n', 6,
     "to a string (`y`)"),
    # A key of an object pattern such an object never holds, or holds of another type: unify1Object's
    # selectConstant finds nothing there, or unify1 fails (OPA's match error).
    ('helper if {\n  n := count(input.xs)\n  o := {n: "s"}\n  {"b": x} = o\n}\n', 6,
     'over the key "b", which the other object (of one computed key of type number) never has (OPA: match error)'),
    ('helper if {\n  o := {input.k: "s", "a": 1}\n  {"b": 1} = o\n}\n', 5,
     'over the key "b" as a number and as a string (OPA: match error)'),
    # An object comprehension: object[K: V], its head's key and value types (OPA's typeOf).
    ('o := {k: "s" | some k in ["a"]}\n\nhelper if {\n  o.b + 1\n}\n', 6, "to a string (`o.b`)"),
    ('helper if {\n  o := {k: 1 | some k in [1, 2]}\n  o.b\n}\n', 5,
     "`o.b` looks up `b` in an object (a literal's or a comprehension's) of one computed key of type number"),
    # A rule of several kinds (OPA's any<array<...>, string>): each tried in union mode, the string fails.
    ('r := [1, "a"] if input.a\n\nr := "s" if input.b\n\nhelper if {\n  [x, y] = r\n  y + 1\n}\n', 9,
     "to a string (`y`)"),
    ('r := [1, "a"] if input.a\n\nr := "s" if input.b\n\nhelper if {\n  [x] = r\n}\n', 8,
     "unifies an array of 1 element with an array of 2 elements"),
    # Several objects of the pattern's number of keys but others: unify1Object walks the pattern's keys sorted,
    # typing each until a key the object lacks ({"c": 1, "a": 2} stops at "b" before typing anything).
    ('o := {"c": 1, "a": 2} if input.a\n\no := {"b": "s", "c": 3} if input.b\n\nhelper if {\n'
     '  {"b": x, "c": y} = o\n  upper(y)\n}\n', 9, "`y`, is a number"),
    # The pattern of `some ... in`: OPA unifies it with the element (`[x, y] = xs[k]`), index by index.
    ('helper if {\n  some [x, y] in [[1, "a"]]\n  y + 1\n}\n', 5, "`y + 1` applies `+` to a string (`y`)"),
    ('helper if {\n  some {"a": v} in [{"a": 1}]\n  upper(v)\n}\n', 5, "`v`, is a number"),
    ('helper if {\n  some i, [x, y] in [[1, "a"], [2, "b"]]\n  y + 1\n}\n', 5, "to a string (`y`)"),
    # A function's argument placed in such a pattern: typed at its index, so f(1) is refused.
    ('f(x) if {\n  xs := [1, "a"]\n  [y, x] = xs\n}\n\nhelper := f(1)\n', 8, "where f takes only string"),
])
def test_a_name_a_pattern_binds_is_typed_at_its_place(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    'helper if {\n  [x, y] = [1, "a"]\n  upper(y)\n  x + 1\n}\n',
    'helper if {\n  [x, y] := [1, input.a]\n  upper(y)\n}\n',
    'helper if {\n  {"a": x, "b": y} = {"b": 1, "a": "s"}\n  upper(x)\n  y + 1\n}\n',
    "helper if {\n  [x] = input.a\n  upper(x)\n  x + 1\n}\n",  # any: OPA's A
    # The same beside a name, each use of the type at its index; a rule of two definitions (OPA's any<...>,
    # tried in union mode, where y is any<number, string>) types it as OPA does.
    'helper if {\n  xs := [1, "a"]\n  [x, y] = xs\n  x + 1\n  upper(y)\n  upper(xs[1])\n}\n',
    'helper if {\n  [x, y] = split(input.s, ",")\n  upper(x)\n}\n',
    'xs := [1, "a"] if input.a\n\nxs := ["a", 1] if input.b\n\nhelper if {\n  [x, y] = xs\n  y + 1\n}\n',
    'helper if {\n  o := {"a": 1, input.k: "s"}\n  {"a": x, "b": y} = o\n  upper(y)\n  x + 1\n  upper(o.c)\n}\n',
    'helper if {\n  o := {"a": 1, count(input.k): "s"}\n  o.a + 1\n  upper(o[1])\n}\n',
    'helper if {\n  o := {"a": 1, input.k: "s"}\n  x := o.b\n}\n',
    'helper if {\n  some [x, y] in [[1, "a"], [2, 3]]\n  y + 1\n}\n',
    'helper if {\n  some [x, y] in input.rs\n  y + 1\n  upper(y)\n}\n',
    'helper if {\n  every [x, y] in [[1, "a"]] {\n    y + 1\n  }\n}\n',
    'helper if {\n  [x, y] = r\n  upper(y)\n  x + 1\n}\n\nr := [1, "a"] if input.a\n\nr := [2, "b"] if input.b\n',
    'helper if {\n  {"a": x} = o\n  x + 1\n}\n\no := {"a": 1, "b": 2} if input.a\n\no := {"a": 1} if input.b\n',
    'helper if {\n  [x, 2] = r\n}\n\nr := [1, "a"] if input.a\n\nr := [2, 3] if input.b\n',
    'helper if {\n  {"a": x} = o\n  upper(x)\n}\n\no := {"a": 1} if input.a\n\no := {"a": "s"} if input.b\n',
    'f(x) if {\n  xs := [1, "a"]\n  [y, x] = xs\n}\n\nhelper := f("s")\n',
    # Computed keys of one type, an object comprehension, and keys an object of one computed key holds, where
    # the type fits.
    'helper if {\n  o := {"a": 1, input.k: "s", input.j: "t"}\n  upper(o.b)\n  o.a + 1\n}\n',
    'o := {k: "s" | some k in ["a"]}\n\nhelper if {\n  upper(o.b)\n  {"b": y} = o\n  upper(y)\n}\n',
    'helper if {\n  o := {k: 1 | some k in input.ks}\n  o.b + 1\n}\n',
    'helper if {\n  o := {input.k: "s", "a": 1}\n  {"b": "t", "a": 2} = o\n  {"c": x} = o\n  upper(x)\n}\n',
    # A rule of several kinds, and objects of other keys where a definition that fails types a name before it
    # stops ({"a": 1, "c": 2} makes x a number before "b", {"a": "s", "b": 3} a string: any<number, string>).
    'r := [1, "a"] if input.a\n\nr := "s" if input.b\n\nhelper if {\n  [x, y] = r\n  x + 1\n  upper(y)\n}\n',
    'o := {"a": 1, "c": 2} if input.a\n\no := {"a": "s", "b": 3} if input.b\n\nhelper if {\n'
    '  {"a": x, "b": y} = o\n  x + 1\n  upper(x)\n  y + 1\n}\n',
])
def test_a_name_a_pattern_binds_passes_where_its_type_fits(body: str) -> None:
    assert found(body) == []


def test_a_name_declared_twice_by_assignment_is_left_to_redeclared() -> None:
    # OPA refuses it as "var x assigned above", which natpolicy.rego.redeclared refuses; the type reader leaves it
    # (the other shapes once left here are refused now: tests/test_rego_unfollowed_types.py).
    assert found('helper if {\n  [x, x] := [1, "a"]\n}\n') == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize(("body", "where"), [
    ("helper if {\n  [x] = [1, 2]\n}\n", "a.rego:4:3: variable `x` is unsafe: "),
    ("f(x) := 1 if {\n  [x] = [1, 2]\n}\n\nhelper := f(1)\n", "a.rego:4:3: type error: "),
])
def test_every_engine_refuses_it_at_its_line(engine: str, body: str, where: str) -> None:
    assert refusal({"a.rego": P + body}, engine).startswith(where)


@pytest.mark.parametrize("body", [
    "helper if {\n  xs := [1, 2]\n  [x] = xs\n}\n",
    'f(x) := 1 if {\n  {"a": x} = {"b": 1}\n}\n\nhelper := f(1)\n',
    'helper if {\n  [x, "a"] = [1, 2]\n}\n',
    'helper if {\n  xs := [1, "a"]\n  [x, 2] = xs\n}\n',
])
def test_what_is_refused_never_answers_on_regorus_when_reached(body: str) -> None:
    regorus_never_answers(P + body)


@pytest.mark.parametrize(("body", "where"), [
    ("helper if {\n  [x] = [1, 2]\n}\n", "p.rego:4:9"),
    ('helper if {\n  {"a": x} = {"b": 1}\n}\n', "p.rego:4:14"),
])
def test_regorus_refuses_two_literals_that_never_match_itself(body: str, where: str,
                                                              raw_regorus: Callable[[], Any]) -> None:
    # The differential check where regorus' own analysis sees it: it refuses the module on the first query.
    engine = raw_regorus()
    engine.set_rego_v0(False)
    engine.add_policy("p.rego", P + body + "other := 1\n")
    with pytest.raises(RuntimeError, match=where):
        engine.eval_rule("data.p.other")
