"""natpolicy.rego.type_check: the type errors OPA's type checker finds through variables, refused up front.

Each refusal must name its line; each near miss is valid Rego that OPA
accepts and must stay quiet (a false refusal would break a user's policy).
The unsafe-variable cases here are the inputs-only places OPA counts as
unbound: a builtin's declared arguments and the left of ``x in xs``.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from natpolicy.rego.builtin_types import ANY, ARRAY, NUMBER, SET, STRING, accepts, kind, union
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.static_checks import unsafe_variables
from natpolicy.rego.type_check import type_errors
from rego_compile_checks import assert_refused_at, refusal, type_errors_by_line

ROOT = Path(__file__).parents[1]
P = "package p\n\nimport rego.v1\n\n"  # the body below starts on line 5


def found(body: str) -> list[tuple[int, str]]:
    """(line, message) of every type error in ``P + body``, its package names read from it."""
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # The examples, each in a helper no query reaches.
    ('helper if {\n  x := 1\n  y := x + "a"\n}\n', 7, '`x + "a"` applies `+` to a string'),
    ("helper if {\n  n := count(input.x)\n  upper(n)\n}\n", 7, "argument 1 of upper(...), `n`, is a number"),
    ("helper if {\n  s := {1}\n  s.foo\n}\n", 7, "looks up a key of type string (`foo`) in a set[number]"),
    ('helper if {\n  r := concat(",", input.xs)\n  r + 1 > 0\n}\n', 7, "applies `+` to a string (`r`)"),
    ('limit := 5\nhelper if {\n  startswith(limit, "a")\n}\n', 7, "argument 1 of startswith(...), `limit`, is a number"),
    # Refs into scalars and keys a collection never has.
    ("helper if {\n  x := 1\n  x[0] == 1\n}\n", 7, "`x[0]` looks inside a number"),
    ('helper if {\n  s := lower(input.s)\n  s.a\n}\n', 7, "`s.a` looks inside a string"),
    ("helper if {\n  xs := [1, 2]\n  xs.foo\n}\n", 7, "in an array[number]"),
    ("helper := count(input.a).n\n", 5, "looks inside a number"),
    ("helper := true[0]\n", 5, "looks inside a boolean"),
    # Arithmetic: + * / % take numbers; - numbers or sets; | & sets.
    ('helper := "a" + "b"\n', 5, "applies `+` to a string"),
    ("names := {\"a\"}\nhelper := names | 1\n", 6, "applies `|` to a number"),
    ("helper := [1] & {1}\n", 5, "applies `&` to an array[number]"),
    ('helper := 2 - "a"\n', 5, "applies `-` to a string"),
    ('helper := split("a.b", ".")[0] * 2\n', 5, 'applies `*` to a string'),
    # Builtin results, rule values and function results carried through names.
    ("joined(xs) := concat(\",\", xs)\nhelper := joined(input.xs) * 2\n", 6, "applies `*` to a string"),
    ("f(x) if x > 1\nhelper := f(2) + 1\n", 6, "applies `+` to a boolean"),
    ('n := 3\nhelper := concat(",", n)\n', 6, "argument 2 of concat(...), `n`, is a number"),
    ('helper := upper(to_number(input.a))\n', 5, "is a number"),
    ("helper := concat(\",\", [1, 2])\n", 5, "is an array[number]"),
    # A literal argument is unified piece by piece: a constant that does not fit, even beside others that do or
    # beside variables; a literal of a kind the argument never is; a variable where one kind is declared.
    ('helper := concat(",", [1, "a"])\n', 5, "argument 2 of concat(...), `[1, \"a\"]`"),
    ('helper := concat(",", {input.a, 1})\n', 5, "argument 2 of concat(...)"),
    ('helper := concat(",", [["a"]])\n', 5, "is an array[array[string]]"),
    ("helper if {\n  a := [1]\n  union({a})\n}\n", 7, "argument 1 of union(...), `{a}`"),
    ('helper := sprintf("%s", "a")\n', 5, "argument 2 of sprintf(...)"),
    ("helper contains d if {\n  some name in [\"a\"]\n  d := name - 1\n}\n", 7, "applies `-` to a string"),
    ("helper contains k if {\n  some k, _ in [\"a\"]\n  upper(k)\n}\n", 7, "`k`, is a number"),
    # OPA's type checker looks into an `every` body only for refs (into what is typed outside it), the
    # comprehensions there, and arity; its domain is moved out of it and checked in full.
    ('helper if {\n  o := {"a": 1}\n  every v in [1] {\n    o.b\n  }\n}\n', 8, "looks up `b` in an object literal"),
    ("helper if {\n  every v in [1] {\n    x := [upper(1) | true]\n  }\n}\n", 7, "argument 1 of upper(...), `1`"),
    ("helper if {\n  every v in [1] {\n    count(v, 1, 2)\n  }\n}\n", 7, "arity error: `count(v, 1, 2)`"),
    ('helper if {\n  every v in split(1, ",") {\n    v\n  }\n}\n', 6, "argument 1 of split(...), `1`"),
    ("helper := [upper(n) | some n in numbers.range(1, 2)]\n", 5, "`n`, is a number"),
    ("helper if {\n  y = 1\n  upper(y)\n}\n", 7, "`y`, is a number"),  # `=` binds a name nothing bound
    ("helper := x if {\n  x := 1\n} else := upper(2)\n", 7, "argument 1 of upper(...), `2`"),
    ("deny[msg] {\n  msg := count(input.a) + \"!\"\n}\n", 6, "applies `+` to a string"),  # v0 syntax too
    # A key an object literal never has, an index past an array literal (OPA: undefined ref).
    ('helper if {\n  o := {"a": 1}\n  o.b\n}\n', 7, 'looks up `b` in an object literal that has only the keys "a"'),
    ('cfg := {"a": {"b": 1}}\nhelper := cfg.a.c\n', 6, 'only the keys "b"'),
    ('helper if {\n  some o in [{"a": 1}]\n  o["b"]\n}\n', 7, "looks up `\"b\"`"),
    ('f(v) := {"a": v}\nhelper := f(1).b\n', 6, "looks up `b`"),
    ('helper if {\n  o := {"a": 1}\n  o[1]\n}\n', 7, "looks up `1`"),
    ('helper if {\n  o := {"a": 1}\n  o.a.c\n}\n', 7, "`o.a.c` looks inside a number"),
    ("helper if {\n  xs := [1, 2]\n  xs[2]\n}\n", 7, "looks up index 2 of an array of 2 elements and no more"),
    # A builtin's declared static elements: no literal (time.date: array<number, number, number>).
    ("helper if {\n  xs := time.date(0)\n  xs[3]\n}\n", 7, "looks up index 3 of an array of 3 elements and no more"),
    # A function's argument types, inferred from its body as OPA infers them, checked at each call.
    ('f(x) := upper(x)\nhelper := f(1)\n', 6, "argument 1 of f(...), `1`, is a number, where f takes only string"),
    ('f(x) := y if {\n  a := 1\n  y := x + a\n}\nhelper := f("a")\n', 9, "where f takes only number"),
    ('f(x) if {\n  not startswith(x, "a")\n}\nhelper := f(1)\n', 8, "where f takes only string"),
    ('f(x) if {\n  x = 1\n}\nhelper := f("a")\n', 8, "where f takes only number"),  # `=` types it too
    ('f(1) := "one"\nhelper := f("a")\n', 6, "where f takes only number"),  # a literal argument
    ('f(s, xs) := concat(s, xs)\nhelper := f(",", "a")\n', 6, "argument 2 of f(...)"),
    # `=` between two typed values whose kinds never meet (OPA: match error).
    ('helper if {\n  n := count(input.xs)\n  n = "2"\n}\n', 7, "`n = \"2\"` unifies a number with a string"),
    ('limit := 5\nhelper if {\n  limit = "a"\n}\n', 7, "unifies a number with a string"),
    ('helper if {\n  y = "a"\n  y = 1\n}\n', 7, "`y = 1` unifies a string with a number"),
    ('helper if {\n  s := {1}\n  s = {"a"}\n}\n', 7, "unifies a set[number] with a set[string]"),
    # A statement's `==` (negated or not) is rewritten into `=` before OPA types it (its issue 2132).
    ('helper if {\n  n := count(input.xs)\n  not n == {1}\n}\n', 7, "`n == {1}` unifies a number with a set"),
    ('limit := 5\nhelper if {\n  limit == "a"\n}\n', 7, "a statement's `==` is `=`"),
    # A ref past a ref head rule's value: OPA's type tree holds the rule at its whole path (checkRefLeaf).
    ("o.a.b := 1\nhelper := o.a.b.c\n", 6, "`o.a.b.c` looks inside a number"),
    ("o.a.b := 1\nhelper := data.p.o.a.b.c\n", 6, "`data.p.o.a.b.c` looks inside a number"),
    ('o.a.b := {"c": 2}\nhelper := o.a.b.d\n', 6, "has only the keys \"c\""),
    # Past a ref head with a variable key: OPA types it at its names, objects nested once per key holding the
    # value (checkRule's nestedObject), so one key more looks into the value (both engines: undefined).
    ("o.a[k] := 1 if {\n  some k in input.xs\n}\nhelper := o.a.b.c\n", 8, "`o.a.b.c` looks inside a number"),
    ("o.a[k] := 1 if {\n  some k in input.xs\n}\nhelper := data.p.o.a.b.c\n", 8, "`data.p.o.a.b.c` looks inside"),
    ('q[k] := "x" if {\n  some k in input.xs\n}\nhelper := q.b.c\n', 8, "`q.b.c` looks inside a string"),
    ('r.s[k].t := {"c": 1} if {\n  some k in input.xs\n}\nhelper := r.s.b.t.d\n', 8, "has only the keys \"c\""),
    # A function read as a value (OPA's checkApply: "undefined ref"), through any ref to it.
    ("f(a) := a\nhelper := f\n", 6, "`f` reads the function data.p.f as a value"),
    ("f(a) := a\nhelper := data.p.f\n", 6, "reads the function data.p.f"),
    ("f(a) := a\nhelper := [y | some y in f]\n", 6, "reads the function data.p.f"),
    ("f(a) := a\nhelper := f.g\n", 6, "reads the function data.p.f"),
    ("o.f(a) := a\nhelper := count(o.f)\n", 6, "reads the function data.p.o.f"),
])
def test_a_type_error_opa_infers_is_refused_with_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # Comparisons between any two types are valid Rego.
    # (A statement's `==` is `=` to OPA's type checker: see the refusals.)
    'x if {\n  n := count(input.xs)\n  n != "2"\n  n < "a"\n  not n >= {1}\n  b := n == "2"\n}\n',
    # The same name in separate rules, each with its own type.
    'a := v + 1 if {\n  v := 1\n}\nb := upper(v) if {\n  v := "s"\n}\n',
    # A comprehension or `every` body has its own scope: `n` there is not the outer number.
    "x if {\n  n := 1\n  z := [upper(n) | some n in input.xs]\n  n + 1 > 0\n}\n",
    "x if {\n  n := 1\n  z := {k: upper(n) | some k, n in input.o}\n  n + 1 > 0\n}\n",
    'x if {\n  n := 1\n  every n in input.xs {\n    upper(n) == "A"\n  }\n  n + 1 > 0\n}\n',
    "x if {\n  n := 1\n  z := [m | some s in input.xs; n := upper(s); m := n]\n  n + 1 > 0\n}\n",
    # OPA never type-checks the calls, operators and `=` of an `every` body: its names stay untyped there.
    'x if {\n  every s in {1} {\n    upper(s)\n    s + "a"\n    y := [1]\n    y.foo\n    s.foo\n    1 = "a"\n    [1, 2][5]\n    count(s).k\n  }\n}\n',
    'x if {\n  every k, v in {"a": 1} {\n    some w in v\n    upper(w)\n    k + 1\n  }\n}\n',
    # Values of `input` and `data`, function arguments, imports and other packages are `any`.
    'x if {\n  v := input.a\n  v + 1 == 3\n  upper(v)\n  v.b[0]\n}\n',
    "f(a) := upper(a)\ng(a) := a + 1\n",
    'import data.lib\nx := lib.f(1) + lib.g\ny := upper(lib.f(2))\n',
    "x := data.p.limit + 1\n",
    # A local name shadows a rule of the same name; a function argument too.
    'limit := 5\nx if {\n  limit := "a"\n  upper(limit)\n}\n',
    "limit := 5\nf(limit) := upper(limit)\n",
    # What OPA's signatures allow: `-` of a set and a number, count of a string, sets as keys of sets.
    "x := s - 1 if {\n  s := {1}\n}\n",
    'x := count("abc") + count({1}) + count({"a": 1})\n',
    'x if {\n  s := {"a", 1}\n  s["a"]\n  s[1]\n}\n',
    'x if {\n  xs := []\n  concat(",", xs)\n  sum(xs) == 0\n}\n',
    'x := y + 1 if {\n  z := 1 - 1\n  z.foo\n  y := 1\n}\n',  # `1 - 1` is any<number, set> to OPA
    # An object literal with a computed key, or none, may hold any key (OPA's dynamic part); a known key or
    # index is fine; an array comprehension has no length.
    'x if {\n  o := {"a": 1, input.k: 2}\n  o.b\n  e := {}\n  e.b\n  f := {"a": {}}\n  f.a.z\n}\n',
    'cfg := {"a": 1}\nx := cfg.a + cfg["a"]\ny := [1, 2][1] + [v | some v in [1]][5]\n',
    # Keys are compared by value: a raw string, an escape, a space.
    'x if {\n  o := {"a b": 1, `c`: 2, "d\\"e": 3, "\\u0066": 4}\n  o["a b"]\n  o.c\n  o[`d"e`]\n  o.f\n}\n',
    # A rule's object values are all its definitions' (`default` too): a key of either may be looked up.
    'default cfg := {"a": 1}\ncfg := {"b": 2} if input.x\ny := cfg.b + cfg.a\n',
    # A function's argument is typed by its first use only, and only where OPA's order is certain: a
    # comparison, a ref, `some`, a comprehension or another function give it any; a statement OPA runs later
    # (it needs a name bound below) does not count first; every definition of the function counts.
    'f(x) if {\n  x != 1\n  upper(x)\n}\nz := f(1)\n',
    'f(x) if {\n  x.a == 1\n  upper(x)\n}\ng(x) if {\n  some v in x\n  upper(x)\n}\nz := [f(1), g(1)]\n',
    'f(x) := [upper(s) | s := x[_]]\ng(v) := f(v)\nz := [f(1), g(1)]\n',
    # `upper(x)` is taken out of `==` and runs first (expandExpr), typing x a string: f("a") (test_rego_safety_reorder).
    'f(x) if {\n  a := y\n  upper(x) == a\n  y = x\n}\nz := f("a")\n',
    'f(x) := upper(x)\nf(x) := x + 1 if false\nz := f(1) + f(input.a)\n',
    'f(x) := upper(x)\nz := f("a")\ny := f(concat(",", input.xs))\n',
    # `=` that binds (a pattern, a ref's key) or meets a value of any type; both sides of one kind.
    'x if {\n  n := 1\n  n = input.a\n  [a, b] = [1, "x"]\n  upper(b)\n  xs := ["a"]\n  xs[i] = "a"\n  n = 2\n}\n',
    # Elements of a partial set from (possibly) several files; a collection literal's variables (and the calls,
    # refs and comprehensions OPA moves into variables) widen to fit where the argument may be of several kinds
    # (OPA's union mode, its issue 7273), whatever their own type.
    'x if {\n  n := 1\n  concat(",", [n, upper("a"), [v | v := 1][0]])\n  a := "foo"\n  sum({1, a, count("b")})\n}\n',
    'limit := 5\nx := concat(",", [limit, input.a])\n',
    'f(v) := concat(",", [v])\nx := [f("a"), sprintf("%v", [1, "a"]), union({{1}, input.s})]\n',
    'deny contains 1\ndeny contains msg if {\n  msg := "a"\n}\nx := [upper(d) | some d in deny]\n',
    # `=` whose value needs a name bound later: OPA may order it otherwise, so only `any`.
    "x if {\n  y = count(w)\n  w = input.ys\n  y = input.a\n  upper(y)\n}\n",
    # Output arguments, refs with keys the ref binds, destructuring.
    "x if {\n  count(input.xs, n)\n  n > 1\n  some i\n  upper(input.xs[i])\n}\n",
    'x := [a, b] if {\n  [a, b] := split("a.b", ".")\n  upper(a)\n}\n',
    "x := {k: v | some k, v in [\"a\"]; k + 1 > 0; upper(v) == \"A\"}\n",
    # Statements this reader does not type: `with`, print (any arguments), numbers written `3-1`; walk's value
    # [path, value] is typed (array<array[any], any>), its value any.
    "x if {\n  v := input.a with input as {\"a\": 1}\n  upper(v)\n}\n",
    'x if {\n  print("a", 1)\n  v := walk(input)\n  v[1].a\n}\n',
    "x := y - 1 if {\n  y := 3-1\n}\n",
    # An `else` value of another type: the rule may be either.
    'f(a) := "s" if a == 1 else := 2\nx := f(2) + 1\n',
    "x := time.now_ns() / 1000 + numbers.range(1, 3)[0] + sum([1]) + max([1])\n",
    # A rule with a ref head is an object of rules: `any` here, whatever its leaves hold.
    "a.b.c contains v if {\n  v := 1\n}\nx := count(a.b.c) + count(a)\n",
    "a[k].b := 1 if {\n  k := \"q\"\n}\nx := a.q.b + 1\n",
    # Near misses: a ref head's value read, or read into where it has the key; a prefix of it (an object).
    'o.a.b := {"c": 2}\nx := o.a.b.c + data.p.o.a.b.c\ny := o.a\nz := o.a.z\n',
    "o.a.b := [1]\nx := o.a.b[0]\n",
    # Near misses past a ref head with a variable key: as deep as its keys, a value of any type, two keys.
    "o.a[k] := 1 if {\n  some k in input.xs\n}\nx := o.a.b + 1\ny := o.a\n",
    "o.a[k] := input.v if {\n  some k in input.xs\n}\nx := o.a.b.c\n",
    "o.a[k][j] := 1 if {\n  some k in input.xs\n  some j in input.ys\n}\nx := o.a.b.c + 1\n",
    # A function called, replaced with `with`, or a local variable of its name.
    "f(a) := a\nx := f(1) + data.p.f(2)\ny := 1 if {\n  true with f as 2\n}\n",
    "f(a) := a\nx := z if {\n  some f in [1]\n  z := f\n}\n",
])
def test_valid_rego_opa_accepts_is_not_refused(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize(("body", "name"), [
    ('helper if {\n  startswith(w, "a")\n}\n', "w"),  # a builtin's arguments are inputs
    ("helper if {\n  w in input.xs\n}\n", "w"),  # so is the left of `in` outside some/every
    ('helper := sprintf("%s", [w])\n', "w"),
    ("helper if {\n  count(object.keys(w)) > 0\n}\n", "w"),
])
def test_a_variable_only_a_builtin_input_or_membership_uses_is_unsafe(body: str, name: str) -> None:
    source = P + body
    refused = [(char_line_col(source, offset)[0], message) for offset, message in unsafe_variables(source, {"helper"})]
    assert refused and f"variable `{name}` is unsafe" in refused[0][1]


@pytest.mark.parametrize("body", [
    'x contains i if {\n  some i\n  startswith(input.rs[i].type, "aws_")\n}\n',  # a ref in an argument binds
    "x if {\n  count(input.xs, n)\n  n > 1\n}\n",  # a builtin's output argument binds
    "x if {\n  some [a, b] in input.pairs\n  a == b\n}\n",
    "x if {\n  some k, [a, b] in input.pairs\n  a == b\n  k\n}\n",
    "x if {\n  f(w)\n  w == 1\n}\nf(a) := a\n",  # a user function's arguments: generous (outputs)
    "x if {\n  walk(input, [p, v])\n  v == 1\n  p\n}\n",  # a builtin natpolicy has no signature for
    "x contains v if {\n  v := input.a[_]\n  not v in {\"a\"}\n}\n",
    "x := [v | some v in input.xs]\n",
    # A ref head names a rule (`a`), not a variable, in its own statement and wherever it is used.
    "a.b.c contains v if {\n  v := 1\n}\nx := count(a.b.c)\n",
    "default limits.max := 3\nx := limits.max + 1\n",
    "a[k].b := 1 if {\n  k := \"q\"\n}\n",
])
def test_bound_variables_in_calls_and_membership_pass(body: str) -> None:
    assert list(unsafe_variables(P + body, {"x", "f"})) == []


def test_the_type_model_unifies_as_opa_does() -> None:
    strings = kind(ARRAY, SET, of=kind(STRING))
    assert accepts(strings, kind(SET, of=kind(STRING))) and accepts(strings, kind(ARRAY))
    assert not accepts(strings, kind(ARRAY, of=kind(NUMBER)))
    assert accepts(kind(NUMBER), kind(NUMBER, SET)) and accepts(kind(STRING), ANY)
    assert not accepts(kind(STRING), kind(NUMBER, SET))
    assert union(kind(ARRAY, of=kind(NUMBER)), kind(ARRAY, of=kind(STRING))).of == kind(NUMBER, STRING)
    assert union(kind(ARRAY, of=kind(NUMBER)), kind(ARRAY)).of is None


PROBES = yaml.safe_load((ROOT / "tests" / "rego_probes" / "probes.yaml").read_text(encoding="utf-8"))
# The line OPA's error names, for each refused probe of the regotypes block.
PROBE_LINES = {"type-error-through-variable": 4, "type-error-builtin-result": 4, "type-error-ref-into-set": 4,
               "type-error-concat-result": 4, "type-error-constant-rule": 4, "type-error-ref-into-number": 4,
               "type-error-function-result": 3, "type-error-some-element": 4, "type-error-set-union-number": 3,
               "unsafe-builtin-input": 3, "unsafe-membership": 3, "type-error-plus": 2, "type-error-unreached": 4,
               "type-error-object-key": 4, "type-error-array-index": 3, "type-error-unify-match": 4,
               "type-error-function-argument": 3}


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    # Refused before any engine runs, so on every engine host, with or without the engine.
    by_name = {p["name"]: p for p in PROBES}
    for name, line in PROBE_LINES.items():
        source = by_name[name]["source"]
        refusals = engine_refusals(source, engine)
        assert refusals and char_line_col(source, refusals[0][0])[0] == line, (name, refusals)
    for probe in PROBES:
        if probe["name"].startswith("types-"):  # the near misses: no type error, no unsafe variable
            names = set(scan_module(probe["source"]).rules)
            assert list(type_errors(probe["source"], names)) == [], probe["name"]
            assert list(unsafe_variables(probe["source"], names)) == [], probe["name"]


def _every_policy_in_the_repository() -> list[tuple[str, str]]:
    """Every .rego file (twins, fixtures, tests) and every ```rego block of the README and docs."""
    out = [(str(f.relative_to(ROOT)), f.read_text(encoding="utf-8"))
           for top in ("policies", "fixtures", "tests") for f in sorted((ROOT / top).rglob("*.rego"))]
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.finditer(r"```rego\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL):
            out.append((doc.name, block.group(1)))
    return out


def test_no_policy_of_the_repository_is_refused() -> None:
    # The twins, fixtures and docs examples are valid under OPA: none may be refused.
    policies = _every_policy_in_the_repository()
    assert len(policies) > 10
    for where, source in policies:
        info = scan_module(source)
        names = set(info.rules) | info.import_aliases
        assert list(type_errors(source, names)) == [], where
        assert list(unsafe_variables(source, names)) == [], where


_VALUES = ['1', '"a"', 'true', 'null', '[1]', '["a"]', '{1}', '{"a"}', '{"a": 1}', 'input.a', 'input.xs']
_COLLECTIONS = ['[1, 2]', '["a", "b"]', '{1}', '{"a"}', 'numbers.range(1, 2)', 'split("a.b", ".")', 'input.xs']
_USES = ['upper({})', '({} + 1)', '({} - 1)', 'count({})', '{}.foo', '{}[0]', 'concat(",", {})', '({} | {{1}})',
         'sprintf("%v", {})', 'abs({})', 'startswith({}, "a")', 'sum({})', 'object.keys({})', 'format_int({}, 10)']


def _random_policy(rng: random.Random) -> str:
    """A policy whose queried rule reaches every expression: a rule constant, a function, a local, a loop."""
    def use(name: str) -> str:
        return rng.choice(_USES).format(name)
    bodies = [f"some e in {rng.choice(_COLLECTIONS)}\n  y := {use('e')}",
              f"y := [{use('e')} | some e in {rng.choice(_COLLECTIONS)}]",
              f"e := {rng.choice(_VALUES)}\n  y := {use('e')}",
              f"y := {use('c')}", f"y := {use('f(' + rng.choice(_VALUES) + ')')}",
              f"y := {use(rng.choice(_VALUES))}", f"y := {use(use(rng.choice(_VALUES)))}"]
    function = rng.choice(["a", "upper(a)", "count(a)", 'concat(",", a)', "[a]", "{a}"])
    return (f"package p\nc := {rng.choice(_VALUES)}\nf(a) := {function}\n"
            f"x := y if {{\n  {rng.choice(bodies)}\n}}\n")


def test_what_is_refused_never_evaluates_to_a_value_on_regorus(raw_regorus: Callable[[], Any]) -> None:
    # A differential check against a real engine: where natpolicy refuses a type error in the queried rule,
    # regorus (which evaluates that rule) must fail or find nothing; a value would mean a false refusal.
    rng = random.Random(17)
    evaluated = 0
    for _ in range(400):
        source = _random_policy(rng)
        if not list(type_errors(source, {"c", "f", "x"})):
            continue
        engine = raw_regorus()
        engine.set_rego_v0(False)
        try:
            engine.add_policy("p.rego", source)
        except RuntimeError:
            continue  # regorus reads a few valid forms (`1.foo`) as syntax errors
        engine.set_input_json('{"a": 1, "xs": ["a", "b"]}')
        evaluated += 1
        try:
            value = engine.eval_rule("data.p.x")
        except RuntimeError:
            continue  # a type error at run time: what OPA refuses at compile time
        assert value in (None, [], set()), source
    assert evaluated > 150  # the generator reaches the checks


_USES_LIMIT = 'package p\n\nlimit := 5 if input.a\n\nf(x) := x + 1\n\nx if {\n  startswith(limit, "a")\n  upper(f(1))\n}\n'


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_a_rule_another_file_of_the_package_defines_too_is_typed_from_both(engine: str) -> None:
    # OPA types `limit` (number or string) and `f` from every definition in the package: it accepts this.
    other = 'package p\n\nlimit := "abc" if not input.a\n\nf(x) := "a" if x == 2\n'
    assert refusal({"a.rego": _USES_LIMIT, "b.rego": other}, engine) == ""
    # The same file alone, or beside a file of another package, is refused as before, with its line.
    assert refusal({"a.rego": _USES_LIMIT}, engine).startswith("a.rego:8:14: type error: argument 1 of startswith")
    elsewhere = other.replace("package p", "package q")
    assert refusal({"a.rego": _USES_LIMIT, "b.rego": elsewhere}, engine).startswith("a.rego:8:14: type error")


def test_a_rule_only_another_file_defines_is_typed_from_it() -> None:
    uses = 'package p\n\nx if {\n  startswith(limit, "a")\n}\n'
    assert refusal({"a.rego": uses, "b.rego": "package p\n\nlimit := 5\n"}).startswith(
        "a.rego:4:14: type error: argument 1 of startswith(...), `limit`, is a number")
    assert refusal({"a.rego": uses, "b.rego": 'package p\n\nlimit := "a"\n'}) == ""
    # Each file's error is named in that file.
    assert refusal({"b.rego": "package p\n\nlimit := 5\n", "a.rego": uses}).startswith("a.rego:4:14:")


def test_the_two_files_opa_accepts_evaluate_on_regorus(raw_regorus: Callable[[], Any]) -> None:
    # A real engine reads the package as OPA does: `limit` is a string here, and the rule answers.
    files = {"a.rego": 'package p\n\nlimit := 5 if input.a\n\nx if {\n  startswith(limit, "a")\n}\n',
             "b.rego": 'package p\n\nlimit := "abc" if not input.a\n'}
    assert refusal(files) == ""
    engine = raw_regorus()
    engine.set_rego_v0(False)
    for name, text in files.items():
        engine.add_policy(name, text)
    engine.set_input_json('{"a": false}')
    assert engine.eval_rule("data.p.x") is True
