"""An object literal's constant keys of any type, and `some` over an object OPA types by a candidate it keeps.

OPA types a constant key of an object literal (``1``, ``true``, ``null``, ``[1]``) as a static property under its
value (``v1/ast/typeenv.go``; its ``check_test.go``, "object-numeric-key": ``{1: 2}`` is ``object<1: number>``),
finds it by ``util.Compare`` (``1`` is ``1.0``, not ``"1"``) in ``Object.Select``, and refuses a constant key it
never holds ("undefined ref", a match error in a pattern). natpolicy typed such an object as one of any keys. A
`some` over an object of computed keys of several types is refused only where the rest of the rule types otherwise
by the candidate OPA keeps (it was refused at the `some` whatever followed). The keys and values of a rule of
several definitions (OPA's ``types.Keys``/``types.Values`` of an ``any<...>``) and a partial set rule's elements
were any here too.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
CANNOT_TELL = "natpolicy cannot tell whether OPA's type checker accepts"
SEVERAL = 'o := {"a": 1, input.k: "s", input.j: 2}\n'  # candidates: values any<number, string>, or number


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    ('h if {\n  o := {1: "a"}\n  o.b\n}\n', 5, "looks up `b` in an object literal that has only the keys 1"),
    ('h if {\n  o := {1: "a"}\n  o["1"]\n}\n', 5, 'looks up `"1"` in an object literal that has only the keys 1'),
    ('h if {\n  o := {1: "a"}\n  o[2]\n}\n', 5, "looks up `2`"),
    ('h if {\n  o := {[1]: "a"}\n  o.b\n}\n', 5, "that has only the keys [1]"),
    ('h if {\n  o := {1: "a"}\n  o[1] + 1\n}\n', 5, "applies `+` to a string (`o[1]`)"),
    ('h if {\n  o := {1: "a"}\n  o[1.0] + 1\n}\n', 5, "applies `+` to a string (`o[1.0]`)"),
    ('h if {\n  o := {true: "a", null: 1}\n  o[true] + 1\n}\n', 5, "applies `+` to a string"),
    ('h if {\n  o := {1: "a"}\n  some k, v in o\n  upper(k)\n}\n', 6, "`k`, is a number"),
    ('h if {\n  o := {1: "a"}\n  k := "x"\n  o[k]\n}\n', 6, "key of type string (`k`) in an object whose keys are "
                                                          "of type number"),
    ('h if {\n  o := {1: "a"}\n  {1: y} = o\n  y + 1\n}\n', 6, "applies `+` to a string (`y`)"),
    ('h if {\n  {1: y} = {1.0: "a"}\n  y + 1\n}\n', 5, "applies `+` to a string (`y`)"),
    ('h if {\n  o := {1: "a"}\n  {"b": y} = o\n}\n', 5, 'over the key "b", which the other object never has'),
    ('h if {\n  o := {1: "a", upper(input.k): 2}\n  o[1] + 1\n}\n', 5, "applies `+` to a string"),
    ('h if {\n  o := {1: "a", upper(input.k): 2}\n  o[2]\n}\n', 5, "looks up the number 2 in an object whose keys "
                                                               "are of type any<number, string>"),
    ('f(x) if {\n  o := {1: "a"}\n  o[x]\n}\nh := f("s")\n', 7, "where f takes only number"),
    ('f(y) if {\n  o := {1: "a"}\n  {1: y} = o\n}\nh := f(1)\n', 7, "where f takes only string"),
    ('r := {1: "a"} if input.a\nr := {"b": 2} if input.b\nh if {\n  r[1] + 1\n}\n', 6, "applies `+` to a string"),
    # A set constant key is an array to OPA's types.Keys (TypeOf of its JSON): a set literal key never unifies.
    ('h if {\n  o := {[1]: "a", {"x"}: 2}\n  o[{"x"}] + 1\n}\n', 5, 'looks up the set {"x"} in an object whose '
                                                                     "keys are of type array"),
])
def test_a_constant_key_is_typed_as_opa_types_it(body: str, line: int, says: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line and says in errors[0][1], errors
    assert "\n" not in errors[0][1] and "OPA refuses the whole module" in errors[0][1], errors


@pytest.mark.parametrize("body", [
    'h if {\n  o := {1: "a"}\n  upper(o[1])\n}\n',
    'h if {\n  o := {true: "a", null: 1}\n  o[null] + 1\n}\n',
    # A key written as a collection is unified with the keys' types and reads any value (checkRefLeaf: Values).
    'h if {\n  o := {[1]: "a", {"x"}: 2}\n  upper(o[[1]])\n  o[[1]] + 1\n}\n',
    'h if {\n  o := {1: "a", "1": 2}\n  o["1"] + 1\n  upper(o[1])\n}\n',
    'h if {\n  o := {1: "a", input.k: 2}\n  o.b + 1\n}\n',  # a key of any type: the dynamic property's value
    'h if {\n  o := {1: "a"}\n  {1: y} = o\n  upper(y)\n}\n',
    'h if {\n  o := {1: "a"}\n  some k, v in o\n  k + 1\n  upper(v)\n}\n',
    'f(x) := x\nh if {\n  f({1: "a"})\n}\n',
    'f(x) if {\n  x == {1: "a"}\n}\nh if {\n  f({1: "b"})\n}\n',
    'r := {1: "a"} if input.a\nr := {1: 2} if input.b\nh if {\n  r[1]\n}\n',
])
def test_a_constant_key_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_a_pattern_of_a_constant_key_beside_objects_of_several_definitions_is_refused_as_unsure() -> None:
    # OPA walks such a pattern's keys in its order of values (null, booleans, numbers, strings), not followed here.
    errors = found('r := {1: "a"} if input.a\nr := {1: 2} if input.b\nh if {\n  {1: y} = r\n}\n')
    assert errors and errors[0][0] == 6 and CANNOT_TELL in errors[0][1] and "`{1: y} = r`" in errors[0][1], errors


@pytest.mark.parametrize(("body", "line"), [
    ("h if {\n  " + SEVERAL + "  some v in o\n  upper(v)\n}\n", 5),  # a number in one candidate only
    ("h contains v if {\n  " + SEVERAL + "  some v in o\n}\n", 5),  # the rule's own type differs
    ("a[v] := 1 if {\n  " + SEVERAL + "  some v in o\n}\n", 5),  # its ref head's key type differs
    ("h := [v | " + SEVERAL.strip() + "; some v in o]\n", 3),  # in a comprehension: not tried
    ("f(x) if {\n  " + SEVERAL + "  some v in o\n  v == x\n}\n", 5),  # a function: its argument takes v's type
])
def test_some_over_candidates_that_type_what_follows_otherwise_is_refused(body: str, line: int) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line and CANNOT_TELL in errors[0][1] and "`some ... in o`" in errors[0][1], \
        errors


@pytest.mark.parametrize("body", [
    "h if {\n  " + SEVERAL + "  some v in o\n}\n",
    "h if {\n  " + SEVERAL + "  some _, v in o\n}\n",
    "h if {\n  " + SEVERAL + "  some v in o\n  v == 1\n  v + 1 > 0\n}\n",
    "h if {\n  " + SEVERAL + "  some k, v in o\n  k == \"a\"\n}\n",
    "h contains 1 if {\n  " + SEVERAL + "  some v in o\n  v != 2\n}\n",
    "f(x) if {\n  " + SEVERAL + "  some v in o\n  x > 0\n}\n",  # a function whose body never reads v
    "h if {\n  " + SEVERAL + "  some v in o\n  y := v\n}\n",  # y typed otherwise, but no check reads it
])
def test_some_over_candidates_whose_difference_no_check_reads_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_every_engine_refuses_a_constant_key_at_its_line(engine: str) -> None:
    assert refusal({"a.rego": P + 'helper if {\n  o := {1: "a"}\n  o.b\n}\n'}, engine).startswith(
        "a.rego:5:3: type error: `o.b` looks up `b`")


def test_what_is_refused_never_answers_on_regorus_when_reached() -> None:
    regorus_never_answers(P + 'helper if {\n  o := {1: "a"}\n  o[1] + 1\n}\n', fails=True)


@pytest.mark.parametrize(("body", "line", "says"), [
    # OPA's types.Keys/Values of an any<...> (a rule of several definitions): the Or of each part's.
    ('r := {"a": 1} if input.a\nr := {"b": 2} if input.b\nh if {\n  some v in r\n  upper(v)\n}\n', 7,
     "`v`, is a number"),
    ('r := {"a": 1} if input.a\nr := [2] if input.b\nh if {\n  some k, v in r\n  upper(v)\n}\n', 7,
     "`v`, is a number"),
    ('r := {"a": 1} if input.a\nr := {"b": 2} if input.b\nh if {\n  some k, v in r\n  k + 1\n}\n', 7,
     "applies `+` to a string (`k`)"),
    # A partial set rule: OPA's set of its head's type, its definitions joined, wherever they are read.
    ('deny contains 1 if input.a\nh if {\n  some m in deny\n  upper(m)\n}\n', 6, "`m`, is a number"),
    ('h if {\n  some m in deny\n  m + 1\n}\ndeny contains msg if {\n  msg := sprintf("%v", [1])\n}\n', 5,
     "applies `+` to a string (`m`)"),
])
def test_keys_and_values_of_several_definitions_and_a_sets_elements_are_typed(body: str, line: int,
                                                                               says: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == line and says in errors[0][1], errors


@pytest.mark.parametrize("body", [
    'r := {"a": 1} if input.a\nr := {"b": "s"} if input.b\nh if {\n  some v in r\n  upper(v)\n}\n',
    'r := {"a": 1} if input.a\nr := [2] if input.b\nh if {\n  some k, v in r\n  k == 1\n}\n',
    'deny contains "s" if input.a\ndeny contains 1 if input.b\nh if {\n  some m in deny\n  upper(m)\n}\n',
    'deny contains input.x if input.a\nh if {\n  some m in deny\n  upper(m)\n}\n',
])
def test_keys_values_and_elements_opa_accepts_pass(body: str) -> None:
    assert found(body) == []


def test_a_partial_set_rule_of_two_files_joins_their_elements() -> None:
    # The second file's definition makes the elements any<number, string>, which upper takes.
    first = P + 'deny contains 1 if input.a\nh if {\n  some m in deny\n  upper(m)\n}\n'
    assert refusal({"a.rego": first}) and not refusal({"a.rego": first, "b.rego": P + 'deny contains "s" if input.b\n'})
