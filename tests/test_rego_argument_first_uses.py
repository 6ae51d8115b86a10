"""natpolicy.rego.type_parameters: a function argument first used in a collection literal, a domain or a pattern.

OPA types an argument at its first use (``checkRule`` in ``v1/ast/check.go``):
an element of an array or set literal passed to a call is unified with the
element type the call declares (``unify1``: ``concat(",", [x])`` makes x a
string); the domain of ``some`` and ``every`` is a statement of its own, its
calls moved out first (``expandExpr``); an array, set or object pattern
beside ``=`` is unified with the other side's type (``unify2``, ``unify1``),
also where it binds another name that OPA's safety check binds there. A typed argument passed
in a collection literal where an ``any<...>`` is declared widens instead
(union mode, OPA's issue 7273). Each refusal names its line; each near miss
is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import char_line_col
from rego_compile_checks import PROBES, assert_refused_at, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # An element of a literal passed to a call: the declared element type (concat: an array or set of strings).
    ('f(x) := concat(",", [x])\nh := f(1)\n', 4, "argument 1 of f(...), `1`, is a number, where f takes only string"),
    ('f(x) if {\n  concat(",", {x})\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  concat(",", ["a", x])\n}\nh := f([1])\n', 6, "where f takes only string"),
    ('f(x) if {\n  concat(",", [x])\n  x + 1\n}\n', 5, "`x + 1` applies `+` to a string (`x`)"),
    # The domain of `some` and `every`: its call is moved into a statement before the loop.
    ('f(x) if {\n  some v in split(x, ",")\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  every v in split(x, ",") {\n    v != ""\n  }\n}\nh := f(1)\n', 8, "where f takes only string"),
    # A pattern beside `=` (or a statement's `==`): unified with the other side's type.
    ('f(x) if {\n  [x] = [1]\n}\nh := f("a")\n', 6, 'argument 1 of f(...), `"a"`, is a string, where f takes only '
                                                    "number"),
    ('f(x) if {\n  [x, 2] == [1, 2]\n  upper(x)\n}\n', 5, "argument 1 of upper(...), `x`, is a number"),
    ('f(x) if {\n  {x} = {"a"}\n}\nh := f(1)\n', 6, "where f takes only string"),
    # A literal holding a call or ref: OPA moves it into a variable first, of its type, and types the literal.
    ('f(x) if {\n  concat(",", [x, upper("a")])\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  concat(",", [input.a, x])\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  union({object.keys({}), x})\n}\nh := f(1)\n', 6, "is a number, where f takes only set"),
    # A pattern that binds another name too, one OPA's safety check binds right there (Unify): the statement
    # runs in place, and the names before the argument, untyped, never stop it.
    ('f(x) if {\n  [x, y] = [1, 2]\n}\nh := f("a")\n', 6, "where f takes only number"),
    ('f(x) if {\n  [y, x] = [1, 2]\n}\nh := f("a")\n', 6, "where f takes only number"),
    # A literal holding the argument and a call on it: the call is moved out first and types it (upper: a
    # string), then the literal is unified (concat's any<...> in union mode: still a string).
    ('f(x) if {\n  concat(",", [x, upper(x)])\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  concat(",", [upper(x), x])\n}\nh := f(1)\n', 6, "where f takes only string"),
    ('f(x) if {\n  concat(",", [x, upper(x)])\n  x + 1\n}\n', 5, "`x + 1` applies `+` to a string (`x`)"),
    # An object literal passed to a call: unified key by key (unify1Object). A function's object argument
    # typed from a literal (o == {"a": 1}: o is an object of the key "a", a number) types the value there.
    ('g(o) if {\n  o == {"a": 1}\n}\n\nf(x) if {\n  g({"a": x})\n}\n\nh := f("s")\n', 11,
     "where f takes only number"),
    ('g(o) if {\n  o == {"a": [1], "b": 2}\n}\n\nf(x) if {\n  g({"b": 3, "a": [x]})\n}\n\nh := f("s")\n', 11,
     "where f takes only number"),
    # An argument typed before, then in an object of any values outside union mode (object.keys): it keeps its
    # type (unify1 only checks it), so f(1) is refused.
    ('f(x) if {\n  upper(x)\n  object.keys({"a": x})\n}\nh := f(1)\n', 7, "where f takes only string"),
    # An object pattern: unified key by key with an object of known keys (unify1Object).
    ('f(x) if {\n  {"a": x} = {"a": 1}\n}\nh := f("a")\n', 6, "where f takes only number"),
    ('f(x) if {\n  o := {"a": 1, "b": "s"}\n  {"b": x, "a": y} = o\n}\nh := f(2)\n', 7,
     "where f takes only string"),
    ('f(x) if {\n  {"a": x, "b": 2} == {"a": 1, "b": 2}\n  upper(x)\n}\n', 5, "argument 1 of upper(...), `x`, is a number"),
    # Beside a rule of several object values (OPA's any<...>): unify1 tries each in union mode; {"a": 1, "b": 2}
    # has another length and fails before typing x, {"a": 1} types it a number.
    ('f(x) if {\n  {"a": x} = o\n}\n\no := {"a": 1, "b": 2} if input.a\n\no := {"a": 1} if input.b\n\nh := f("s")\n',
     11, "where f takes only number"),
    ('f(x) if {\n  [y, x] = r\n}\n\nr := [1, "a"] if input.a\n\nr := [2, "b", 3] if input.b\n\nh := f(1)\n', 11,
     "where f takes only string"),
    # Beside an object literal of one computed key: "b" is its dynamic part's value (a string).
    ('f(x) if {\n  o := {"a": 1, input.k: "s"}\n  {"b": x} = o\n}\nh := f(1)\n', 7, "where f takes only string"),
    # A function's object argument typed from an object comprehension (object[K: V], OPA's typeOf): a literal
    # passed to it takes V at a string key where K may be a string; where K is a number no string key fits.
    ('g(o) if {\n  o == {k: 1 | some k in ["a"]}\n}\n\nf(x) if {\n  g({"a": x})\n}\n\nh := f("s")\n', 11,
     "where f takes only number"),
    ('g(o) if {\n  o == {k: 1 | some k in [1]}\n}\n\nf(x) if {\n  g({"a": x})\n}\n', 8,
     'argument 1 of g(...), `{"a": x}`, is an object'),
    # A bare key of a ref into an array: OPA's ref checker types it a number before the statement (types.Keys),
    # also where the ref sits in a literal passed to a call (moved out of it first).
    ('xs := ["a"]\nf(x) if {\n  y := xs[x]\n}\nh := f("a")\n', 7, "where f takes only number"),
    ('xs := ["a"]\nf(x) if {\n  array.concat([x, xs[x]], [])\n}\nh := f("a")\n', 7, "where f takes only number"),
    ('xs := ["a"]\nf(x) if {\n  concat(",", [x, xs[x]])\n}\nh := f(true)\n', 7,
     "where f takes only number or string"),
    ('xs := ["a"]\nf(x) if {\n  upper(xs[x])\n  upper(x)\n}\n', 6, "argument 1 of upper(...), `x`, is a number"),
    # Beside objects of other keys: unify1Object walks the pattern's keys sorted, in union mode, and stops at a
    # key an object lacks ({"c": 1, "a": 2} at "b", before typing anything).
    ('o := {"c": 1, "a": 2} if input.a\n\no := {"b": "s", "c": 3} if input.b\n\nf(x, y) if {\n'
     '  {"b": x, "c": y} = o\n}\n\nh := f("s", "t")\n', 11, "argument 2 of f(...), `\"t\"`"),
    # A pattern that never matches is OPA's match error in the function itself (type_patterns).
    ('f(x) if {\n  [x] = [1, 2]\n}\nh := f("a")\n', 4, "an array of 1 element with an array of 2 elements"),
])
def test_a_first_use_opa_follows_types_the_argument(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # The same uses, called with what they take.
    'f(x) := concat(",", [x])\nh := f("a")\n',
    'f(x) if {\n  some v in split(x, ",")\n}\nh := f("a")\n',
    'f(x) if {\n  [x] = [1]\n}\nh := f(2)\n',
    # Declared any, or an array of any elements (array.concat, outside union mode): the element is any.
    "f(x) if {\n  array.concat([x], [])\n  upper(x)\n}\nh := f(1)\n",
    "f(x) if {\n  count([x]) > 0\n}\nh := f(1)\n",
    "f(x) if {\n  is_array([x])\n  upper(x)\n}\nh := [f(1), f(\"a\")]\n",
    # Typed, then widened in union mode (OPA's Or): any<...> or any, so another type passes.
    "f(x) if {\n  upper(x)\n  count([x]) > 0\n}\nh := f(1)\n",
    'f(x) if {\n  concat(",", [x])\n  count({x}) > 0\n}\nh := f(1)\n',
    # An object of any values (object.keys): the field is any; a pattern beside a value of any type; a bare
    # domain is looked into, `v = x[k]`, which types it any.
    "f(x) if {\n  object.keys({\"a\": x})\n}\nh := f(1)\n",
    'f(x) if {\n  [x] = input.a\n}\nh := f("a")\n',
    # A literal holding a call or ref, called with what it takes.
    'f(x) if {\n  concat(",", [input.a, x])\n}\nh := f("a")\n',
    'f(x) if {\n  union({object.keys({}), x})\n}\nh := f({1})\n',
    # The same patterns, called with what they take; an object of any keys types nothing, one of several (a rule
    # of two definitions, OPA's any<...>, tried in union mode) the Or of its types there (any<number, string>).
    'f(x) if {\n  [y, x] = [1, 2]\n}\nh := f(3)\n',
    'f(x) if {\n  {"a": x} = {"a": 1}\n}\nh := f(2)\n',
    'f(x) if {\n  {"a": x} = input.o\n}\nh := f("a")\n',
    'f(x) if {\n  {"a": x} = r\n}\n\nr := {"a": 1} if input.a\n\nr := {"a": "s"} if input.b\n\nh := f("s")\n',
    'f(x) if {\n  {"a": x} = o\n}\n\no := {"a": 1, "b": 2} if input.a\n\no := {"a": 1} if input.b\n\nh := f(1)\n',
    "f(x) if {\n  some v in x\n  upper(x)\n}\nh := f(1)\n",
    # A call on the argument moved out of the literal, widened by the literal in union mode (format_int makes x
    # a number, concat's array of strings then any<number, string>; count's any<...> makes it any).
    'f(x) if {\n  concat(",", [x, format_int(x, 10)])\n}\nh := f(1)\n',
    'f(x) if {\n  count([x, upper(x)]) > 0\n}\nh := f(1)\n',
    'f(x) if {\n  concat(",", [x, upper(x)])\n}\nh := f("a")\n',
    # An object literal: an object of any values (object.keys) types the argument any, which a later use
    # never narrows; declared any, or in union mode (count), any too; an object typed from a literal, called
    # with what it takes.
    'f(x) if {\n  object.keys({"a": x})\n  upper(x)\n  x + 1\n}\nh := f(1)\n',
    'f(x) if {\n  json.marshal({"a": x})\n  upper(x)\n}\nh := f(1)\n',
    'f(x) if {\n  upper(x)\n  count({"a": x}) > 0\n}\nh := f(1)\n',
    'g(o) if {\n  o == {"a": 1}\n}\n\nf(x) if {\n  g({"a": x})\n}\n\nh := f(2)\n',
    # A ref holding the argument, moved out of the literal: its key is typed by the ref checker first, as any
    # (input has no type), so concat widens nothing.
    'f(x) if {\n  concat(",", [x, input.a[x]])\n}\nh := f(1)\n',
    # An argument typed by an object comprehension's value type, called with what it takes.
    'g(o) if {\n  o == {k: 1 | some k in ["a"]}\n}\n\nf(x) if {\n  g({"a": x})\n}\n\nh := f(2)\n',
    # A definition that fails after typing a name ({"a": 1, "c": 2} makes x a number before "b") and one that
    # matches (a string): any<number, string>.
    'o := {"a": 1, "c": 2} if input.a\n\no := {"a": "s", "b": 3} if input.b\n\nf(x, y) if {\n'
    '  {"a": x, "b": y} = o\n}\n\nh := [f(1, 2), f("s", 3)]\n',
    # A ref's key typed a number, then widened by concat's any<...> (union mode) to any<number, string>.
    'xs := ["a"]\nf(x) if {\n  concat(",", [x, xs[x]])\n}\nh := [f("a"), f(1)]\n',
    # A literal that is no call's argument types nothing (`y := [x]` unifies y); nor does a comprehension.
    "f(x) if {\n  y := [x]\n  y[0] + 1\n  upper(x)\n}\n",
    'f(x) if {\n  z := [s | s := concat(",", [x])]\n}\nh := f(1)\n',
])
def test_a_use_opa_accepts_or_this_reader_cannot_follow_passes(body: str) -> None:
    assert found(body) == []


def test_a_widened_argument_is_still_checked_outside_union_mode() -> None:
    # `y := [x]` is no call argument: x stays a string, so f(1) is refused; count([x]) would widen it.
    refused = found("f(x) if {\n  upper(x)\n  y := [x]\n}\nh := f(1)\n")
    assert refused and refused[0][0] == 7, refused
    assert found("f(x) if {\n  upper(x)\n  y := [x]\n  count([x])\n}\nh := f(1)\n") == []


@pytest.mark.parametrize("body", [
    'f(x) := concat(",", [x])\nhelper := f(1)\n',
    'f(x) := count(split(x, ","))\nhelper := f(1)\n',
])
def test_what_is_refused_fails_on_regorus_when_reached(body: str) -> None:
    # The differential check against a real engine: regorus meets the same error when a query reaches it.
    assert found(body)
    regorus_never_answers(P + body)




@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    source = PROBES["argument-typed-in-a-collection-literal"]["source"]
    refusals = engine_refusals(source, engine)
    assert refusals and char_line_col(source, refusals[0][0])[0] == 3, refusals
    assert engine_refusals(PROBES["argument-widened-in-union-mode"]["source"], engine) == []
