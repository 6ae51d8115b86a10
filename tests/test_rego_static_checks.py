"""natpolicy's own compile-time checks (natpolicy.rego.static_checks): what OPA refuses in any rule.

Each check must fire on what OPA refuses and stay quiet on the near misses
that bind a variable in a way that is easy to overlook.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.source import char_line_col
from natpolicy.rego.static_checks import unsafe_variables
from natpolicy.rego.type_check import type_errors

P = "package p\n\nimport rego.v1\n\n"


def unsafe(body: str, names: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    source = P + body
    return [(char_line_col(source, offset)[0], message.split("`")[1])
            for offset, message in unsafe_variables(source, set(names))]


@pytest.mark.parametrize(("body", "found"), [
    ("helper if {\n  z := w\n}\n", [(6, "w")]),  # a typo in a rule no query reaches
    ("deny contains msg if {\n  some r in input.rs\n  r.bad\n}\n", [(5, "msg")]),  # a head nothing binds
    ("x if {\n  y\n}\n", [(6, "y")]),
    ("x if {\n  some j\n  j == 1\n}\n", [(7, "j")]),  # declared, never bound
    ("f(a) := b if {\n  b := a + c\n}\n", [(6, "c")]),
    ("x := [v | v := w[_]]\n", [(5, "w")]),  # the head of a ref is read, not bound
    ('x := v if {\n  v := upper("a") with upper as nosuch\n}\n', [(6, "nosuch")]),  # no builtin, no rule
    # A whole side of `=` that is a set literal binds none of its names (OPA's Unify: a set is its default case).
    ("x if {\n  {y} = input.s\n}\n", [(6, "y")]),
    ("x if {\n  s := {1}\n  s = {y, 2}\n}\n", [(7, "y")]),
    ("x if {\n  some {y} in input.ss\n}\n", [(6, "y")]),
])
def test_a_variable_nothing_binds_is_refused_with_its_line(body: str, found: list[tuple[int, str]]) -> None:
    assert unsafe(body, frozenset({"helper", "deny", "x", "f"})) == found


@pytest.mark.parametrize("body", [
    "x contains y if {\n  some i\n  y := input.rs[i]\n}\n",
    "x contains [k, v] if {\n  some k, v in input.o\n}\n",
    "x if {\n  every r in input.rs {\n    r.ok\n  }\n}\n",
    "x := [a, b] if {\n  [a, b] := split(input.s, \".\")\n}\n",
    "x if {\n  {\"k\": v} = input.o\n  v == 1\n}\n",
    "f(a) := b if {\n  b := a\n} else := c if {\n  c := 2\n}\n",
    "x := {k: v | some k, v in input.o}\n",
    "x contains v if {\n  v := input.a[_]\n  not v in {\"a\"}\n}\n",
    "x if {\n  helper\n}\nhelper if true\n",
    "deny[msg] {\n  msg := input.m\n}\n",
    "x if {\n  lib.f(1)\n}\n",
    # a literal key or value in `some k, v in`: the other name is bound where the literal matches
    "x contains k if {\n  some k, \"c\" in input.arr\n}\n",
    "x contains v if {\n  some \"b\", v in input.o\n}\n",
    "x contains k if {\n  some k, 1 in input.o\n}\n",
    # a function `with` replaces (a builtin too, OPA mocks it), and a builtin it replaces one by: no variables
    "x := v if {\n  v := count([1]) with count as 9\n}\n",
    "x := v if {\n  v := time.now_ns() with time.now_ns as 5\n}\n",
    'x := v if {\n  v := upper("a") with upper as lower\n}\n',
    # A set inside an array or object pattern beside a ref is bound (markAllSafe walks into it); a set
    # comprehension binds its own names; an object pattern's value binds.
    "x contains y if {\n  [{y}] = input.a\n}\n",
    "x contains y if {\n  {\"k\": {y}} = input.o\n}\n",
    "x := {y | some y in input.s}\n",
    "x contains i if {\n  {input.xs[i]} = input.s\n}\n",
])
def test_a_bound_variable_rule_name_or_import_passes(body: str) -> None:
    assert unsafe(body, frozenset({"helper", "lib", "deny", "x", "f"})) == []


def test_an_unbound_variable_in_one_rule_is_not_excused_by_another_rule() -> None:
    assert unsafe("a := v if {\n  v := 1\n}\nb := v if {\n  true\n}\n", frozenset({"a", "b"})) == [(8, "v")]


@pytest.mark.parametrize(("body", "kind"), [
    ('x := 1 + "a"\n', "applies `+` to a string"),
    ('x if {\n  input.never\n  count(1) > 0\n}\n', "argument 1 of count(...), `1`, is a number"),
    ('x := upper(3)\n', "argument 1 of upper(...), `3`, is a number"),
    ('x := format_int("ff", 16)\n', "argument 1 of format_int(...), `\"ff\"`, is a string"),
    ('x := concat(",", "a")\n', "argument 2 of concat(...), `\"a\"`, is a string"),
])
def test_a_type_error_between_literals_is_refused(body: str, kind: str) -> None:
    messages = [m for _, m in type_errors(P + body, {"x"})]
    assert len(messages) == 1 and kind in messages[0]


@pytest.mark.parametrize("body", [
    'x := 1 + 2\n', 'x := concat("", ["a", "b"])\n', 'x := count("abc")\n', 'x := input.a + 1\n',
    'x := input["a"] - 1\n', 'x := format_int(input.n, 16)\n', 'x := sprintf("%d", [1 + 2])\n',
    'x := {"a", "b"} - {"a"}\n',
])
def test_well_typed_literals_and_unknown_types_pass(body: str) -> None:
    assert list(type_errors(P + body, {"x"})) == []


def test_rule_statements_rules_only_leaves_out_package_and_imports_with_the_same_ends() -> None:
    from natpolicy.rego.source import tokens
    from natpolicy.rego.static_checks import rule_statements

    source = "package p\n\nimport rego.v1\nimport data.lib\n\nx := 1\ny if {\n  x\n}\n"
    toks = tokens(source)
    every = list(rule_statements(source, toks))
    rules = list(rule_statements(source, toks, rules_only=True))
    assert [toks[s].text for s, _ in every] == ["package", "import", "import", "x", "y"]
    assert rules == every[3:] and [toks[s].text for s, _ in rules] == ["x", "y"]


@pytest.mark.parametrize(("body", "word"), [
    ("x if {\n  not every v in [1] {\n    v > 5\n  }\n}\n", "every"),
    ("x if {\n  not some v in [1]\n}\n", "some"),
])
def test_not_some_and_not_every_are_refused_as_opas_parse_error(body: str, word: str) -> None:
    from natpolicy.rego.guards import engine_refusals
    from natpolicy.rego.source import tokens
    from natpolicy.rego.static_checks import negated_declarations

    source = P + body
    found = list(negated_declarations(tokens(source)))
    assert [(char_line_col(source, o)[0], f"illegal negation of '{word}'" in m) for o, m in found] == [(6, True)]
    for engine in ("regorus", "regopy"):
        assert engine_refusals(source, engine)[0] == found[0]  # first, before the name it declares


@pytest.mark.parametrize("body", [
    "x if {\n  not input.some\n}\n",
    'x if {\n  not "not some" == input.s\n}\n',
    "x if {\n  not count([v | some v in input.xs; v > 1]) > 0\n}\n",
])
def test_other_negations_are_not_negated_declarations(body: str) -> None:
    from natpolicy.rego.source import tokens
    from natpolicy.rego.static_checks import negated_declarations

    assert list(negated_declarations(tokens(P + body))) == []


@pytest.mark.parametrize(("body", "unsafe_names"), [
    # OPA's compiler moves a call nested in a negated expression's operands before the `not` (RewriteExprTerms,
    # which runs before CheckSafetyRuleBodies): a ref's variable in its arguments is bound there.
    ('x if not startswith(lower(input.rs[i].x), "a")\n', []),
    ('x if not lower(input.rs[i].x) == "a"\n', []),
    ("x if not count(input.rs[i].tags) > 1\n", []),
    ("x if not f(g(input.rs[i]))\nf(a) if a\ng(a) := a\n", []),
    # Near misses: the expression's own call and a unification keep their operands under the `not`.
    ('x if not startswith(input.rs[i].x, "a")\n', ["i"]),
    ('x if not input.rs[i].x == "a"\n', ["i"]),
    ('x if not startswith(lower(w), "a")\n', ["w"]),  # a builtin's argument is an input, pulled out or not
])
def test_a_call_nested_in_a_negated_expression_binds_as_opa_moves_it_out(body: str, unsafe_names: list[str]) -> None:
    assert [name for _, name in unsafe(body, frozenset({"x", "f", "g"}))] == unsafe_names


@pytest.mark.parametrize(("body", "unsafe_names"), [
    # OPA's parser makes an infix operator a call (`a + 1` is `plus(a, 1)`), which RewriteExprTerms moves before
    # the `not` like a named call when it is nested in the expression's operands: a ref's variable binds there.
    ("x if not (input.rs[i].n + 1) > 2\n", []),
    ("x if not input.rs[i].n + 1 > 2\n", []),  # `+` binds tighter than `>`: the same expression
    ("x if not count(input.rs[i].tags) + 1 > 2\n", []),
    ("x if not input.rs[i].n * 2 == 2\n", []),  # `==` is a call here too (RewriteEquals runs after the check)
    ("x if not [input.rs[i].n + 1] == [2]\n", []),  # an element of a collection
    ('x if not startswith(input.rs[i].x + "", "a")\n', []),  # an argument of the expression's own call
    ("x if not input.a[input.rs[i].n - 1] == 2\n", []),  # a ref's brackets
    ("x if not input.a[input.rs[i].n] - 1 == 2\n", []),  # a ref in an operand of a nested operator
    ("x if not input.rs[i].n + 1 + 2\n", []),  # `(n + 1) + 2`: the inner sum is nested in the outer
    ("x if not count(input.rs[i].tags) -1 > 2\n", []),  # a minus the tokenizer read as a number's sign
    # Near misses: the expression's own operator keeps its operands under the `not`, parenthesized or not; a
    # builtin's input stays unbound pulled out or not; a group is no call.
    ("x if not input.rs[i].n + 1\n", ["i"]),
    ("x if not ((input.rs[i].n + 1))\n", ["i"]),
    ("x if not input.rs[i].n > 1 + 1\n", ["i"]),  # `1 + 1` is pulled out, the ref beside it is not
    ("x if not (w + 1) > 2\n", ["w"]),
    ("x if (w + 1) > 2\n", ["w"]),  # parentheses after a keyword group: they are no call binding its arguments
    ("contains(arr, elem) if arr[_] = elem\nx if contains([1], 1)\n", []),  # a Rego v0 policy's own function
    ("x if not input.a[input.rs[i].n] == 2 - 1\n", ["i"]),  # the ref is the own operator's operand
])
def test_an_infix_expression_nested_in_a_negated_expression_binds_as_opa_moves_it_out(
        body: str, unsafe_names: list[str]) -> None:
    assert [name for _, name in unsafe(body, frozenset({"x"}))] == unsafe_names
