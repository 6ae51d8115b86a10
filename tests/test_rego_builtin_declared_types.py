"""Builtins' declared object properties, static array elements and ``any<...>`` parts, and the output argument.

OPA's ``checkExprBuiltin`` (v1/ast/check.go) appends a builtin's declared
result to its declared arguments and unifies each given one with its own:
a literal piece by piece (``unify1Object`` selects each constant key in the
declared object, ``unify1Array`` wants the declared number of static
elements), anything else by ``unifies``, where two object types select each
other's static keys (``unifiesObjects``) and two array types each other's
indexes (``unifiesArrays``). ``Object.Select`` finds a key under the dynamic
property only where the key is of its key type. The declarations are
``v1/ast/builtins.go``'s. Each refusal names its line (all pass silently
before this change); each near miss is valid Rego OPA accepts.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.builtin_types import ANY, BUILTINS, NUMBER, OBJECT, STRING, RegoType, accepts, kind
from rego_compile_checks import assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # A declared object's dynamic property: object[string: string].
    ('h := strings.replace_n({"a": 1}, "x")\n', 3, "it takes object[string: string]"),
    ('h := strings.replace_n({1: "b"}, "x")\n', 3, "argument 1 of strings.replace_n(...)"),
    ('h if {\n  o := {"a": 1}\n  strings.replace_n(o, "x")\n}\n', 5, "`o`, is an object"),
    ('h := urlquery.encode_object({"a": 1})\n', 3, "object[string: string or array[string] or set[string]]"),
    ('h := io.jwt.encode_sign({1: "a"}, {}, {})\n', 3, "argument 1 of io.jwt.encode_sign(...)"),
    ('h := graph.reachable({"a": 1}, ["a"])\n', 3, "argument 1 of graph.reachable(...)"),
    # Declared static properties: a variable's object type must hold each (unifiesObjectsStatic both ways).
    ('h if {\n  o := {"pretty": true}\n  json.marshal_with_options(1, o)\n}\n', 5,
     'object<"indent": string, "prefix": string, "pretty": boolean, string: any>'),
    ('h := json.marshal_with_options(1, {"pretty": 1})\n', 3, "argument 2 of json.marshal_with_options(...)"),
    ('h := json.patch({}, [{"op": 1, "path": "/a"}])\n', 3, "argument 2 of json.patch(...)"),
    # Static array elements, one part of an any<...> each.
    ('h := time.format([1, 2])\n', 3, "number or array<number, string> or array<number, string, string>"),
    ('h := time.format([1, "UTC", "a", "b"])\n', 3, "argument 1 of time.format(...)"),
    ('h if {\n  t := [1, "UTC", "a"]\n  time.date(t)\n}\n', 5, "it takes number or array<number, string>"),
    ('h := strings.any_prefix_match("a", [1])\n', 3, "string or array[string] or set[string]"),
    ('h := glob.match("a", [1], "b")\n', 3, "null or array[string]"),
    # A variable's array of static elements against a declared dynamic one (no union mode for a variable).
    ('h if {\n  xs := [1, "a"]\n  sum(xs)\n}\n', 5, "`xs`, is an array[any<number, string>]"),
    ('h if {\n  xs := ["a", 1]\n  concat(",", xs)\n}\n', 5, "argument 2 of concat(...)"),
    # Results of their declared static elements and dynamic properties.
    ('h := time.date(0)[3]\n', 3, "looks up index 3"),
    ('h := time.diff(0, 1)[6]\n', 3, "looks up index 6"),
    ('h if {\n  [a, b] := io.jwt.decode(input.t)\n}\n', 4, "an array of 2 elements with an array of 3 elements"),
    ('h if {\n  [ok, h, p] := io.jwt.decode_verify(input.t, {})\n  upper(ok)\n}\n', 5, "`ok`, is a boolean"),
    ('h if {\n  u := uuid.parse(input.id)\n  u[1]\n}\n', 5, "looks up the number 1 in an object whose keys"),
    ('h if {\n  some k, _ in urlquery.decode_object(input.q)\n  k + 1\n}\n', 5, "applies `+` to a string"),
    ('h if {\n  [ok, errs] := json.match_schema({}, {})\n  errs[0].foo\n}\n', 5, "looks up `foo`"),
    ('h if {\n  c := crypto.x509.parse_certificates(input.c)\n  c[0][1]\n}\n', 5, "looks up the number 1"),
    # walk: its output [path, value], path an array.
    ('h if {\n  walk(input, [p, v])\n  p.foo\n}\n', 5, "in an array, which has none"),
    ('h if {\n  [p, v] := walk(input)\n  upper(p)\n}\n', 5, "`p`, is an array"),
    ('h if {\n  walk(input, [p, v, w])\n}\n', 4, "the output of walk(...), `[p, v, w]`"),
    ('h if {\n  walk(input, x)\n  x[2]\n}\n', 5, "looks up index 2"),
    ('h if {\n  v := walk(input)\n  v.a\n}\n', 5, "in an array"),
    # Any builtin's output: unified with its declared result.
    ('h if {\n  count([1], "a")\n}\n', 4, "the output of count(...), `\"a\"`, is a string"),
    ('h if {\n  s := "a"\n  count([1], s)\n}\n', 5, "never matches its result (number)"),
    ('h if {\n  time.date(0, [y, m, d])\n  upper(y)\n}\n', 5, "`y`, is a number"),
    ('h if {\n  split("a", ",", [x, y])\n  x + 1\n}\n', 5, "applies `+` to a string"),
    # A package function's output: unified with the function's result.
    ('f(x) := 1 if x\nh if {\n  f(true, "a")\n}\n', 5, "the output of f(...), `\"a\"`, is a string"),
    ('f(x) := 1 if x\nh if {\n  f(true, n)\n  upper(n)\n}\n', 6, "`n`, is a number"),
    # The operators by their own names.
    ('h if {\n  mul(1, "a") == 1\n}\n', 4, "argument 2 of mul(...), `\"a\"`, is a string"),
    ('h if {\n  gt(1, 2, x)\n  x + 1\n}\n', 5, "applies `+` to a boolean"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    'h := [strings.replace_n({"a": "b"}, "x"), strings.replace_n({}, "x"), strings.replace_n(input.o, "x")]\n',
    'h if {\n  o := {"a": "b"}\n  strings.replace_n(o, "x")\n}\n',
    # A computed key's value is unified with any (unify1Object), a variable inside a literal in union mode only
    # where the declared type is an any<...>; here it must fit as typed.
    'h if {\n  some k in input.ks\n  strings.replace_n({k: 1}, "x")\n}\n',
    'h := strings.render_template("{{.a}}", {"a": 1, "b": [1]})\n',
    # The literal itself only has its own keys looked up (unify1Object), with the declared dynamic property.
    'h := [json.marshal_with_options(1, {"pretty": true}), json.marshal_with_options(1, {"x": 1})]\n',
    'h if {\n  o := {"pretty": true, "indent": " ", "prefix": ""}\n  json.marshal_with_options(1, o)\n}\n',
    'h := json.patch({}, [{"op": "add", "path": ["a"], "value": 1}])\n',
    'h := [time.format(1), time.format([1, "UTC"]), time.format([1, "UTC", "RFC822"]), time.date([1, "UTC"])]\n',
    'h if {\n  t := [1, "UTC"]\n  time.date(t)\n}\n',
    'h := [glob.match("a", null, "b"), glob.match("a", ["."], "b"), glob.match("a", [], "b")]\n',
    'h := [strings.any_prefix_match("a", ["b"]), strings.any_prefix_match({"a"}, "b")]\n',
    # A variable in an array literal passed where an any<...> is declared: union mode (OPA issue 7273).
    'h if {\n  a := "foo"\n  sum([1, a])\n}\n',
    'h if {\n  xs := [1, 2]\n  sum(xs)\n  ys := [x | some x in input.a]\n  sum(ys)\n}\n',
    'h := [time.date(0)[2], time.diff(0, 1)[5], io.jwt.decode("a")[2], uuid.parse("a").version]\n',
    'h if {\n  [header, payload, sig] := io.jwt.decode(input.t)\n  header.alg\n  payload.sub\n  upper(sig)\n}\n',
    'h if {\n  u := uuid.parse(input.id)\n  some k, v in u\n  upper(k)\n}\n',
    'h if {\n  [ok, errs] := json.match_schema({}, {})\n  errs[0].desc\n  ok == true\n}\n',
    # walk: path an array of any, value any.
    'h if {\n  walk(input, [p, v])\n  p[0] == "a"\n  count(p) > 1\n  v.x\n}\n',
    'h := [p | walk(input, [p, _])]\n',
    'h if {\n  walk(input, [["a"], v])\n}\n',
    'h if {\n  walk(input, x)\n  x[1]\n}\n',
    # An output already bound elsewhere, typed as the result.
    'h if {\n  n := 1\n  count([1], n)\n  bits.lsh(1, 2, y)\n  y == 4\n}\n',
    'h := [plus(1, 2), minus({1}, {2}), minus(3, 1), and({1}, {2}), gt("a", 1), equal([1], {})]\n',
    'f(x) := 1 if x\nh if {\n  f(true, n)\n  n + 1\n  f(false, 2)\n}\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_unifies_objects_and_arrays_as_opa_does() -> None:
    strings = RegoType(frozenset({OBJECT}), static=(), rest=(kind(STRING), kind(STRING)))
    literal = RegoType(frozenset({OBJECT}), fields=(("a", kind(NUMBER)),))
    assert not accepts(strings, literal) and accepts(strings, RegoType(frozenset({OBJECT}), fields=(("a", kind(STRING)),)))
    assert accepts(strings, kind(OBJECT)) and accepts(strings, ANY)  # not held whole here: passes
    # The dynamic keys are not compared (unifiesObjects): only the dynamic values.
    numbers = RegoType(frozenset({OBJECT}), static=(), rest=(kind(NUMBER), kind(STRING)))
    assert accepts(strings, numbers)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_every_engine_refuses_it_at_its_line(engine: str) -> None:
    body = 'helper if {\n  walk(input, [p, v])\n  p.foo == v\n}\n'
    assert refusal({"a.rego": P + body}, engine).startswith("a.rego:5:")


def test_what_is_refused_never_answers_on_regorus_when_reached() -> None:
    regorus_never_answers(P + 'helper if {\n  o := {"a": 1}\n  strings.replace_n(o, "x") == "x"\n}\n')


def test_walk_is_typed_and_print_is_not() -> None:
    assert BUILTINS["walk"].args == (ANY,)
    assert "print" not in BUILTINS  # variadic, every argument any, no result: nothing to check
