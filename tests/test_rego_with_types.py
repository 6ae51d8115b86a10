"""A statement with `with`, typed as OPA types it (``type_syntax._with_statements``, ``type_checker._with``).

Settled from OPA's source: ``expandExpr`` (v1/ast/compile.go) moves each call of a `with` value into a statement
of its own before the statement, and ``rewriteWithModifiers`` (``validateWith``) binds a value that needs
evaluating to a variable of its own, also before it, unless it names a rule, function or builtin replacing a
function (or a function replacing a rule's document). The statement itself is typed as if it had no `with`
(``checkExpr``): the target keeps its type. ``checkExprWith`` (v1/ast/check.go) checks only a function replaced by a
function: ``unifies`` of the two function types (the same number of arguments, each unifying), else "arity
mismatch". In an `every` body no ``checkExpr`` runs.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3

REFUSED = [
    # A name the statement binds is typed as without `with` (it was any: silent).
    ('h if {\n  n := count(input.xs) with input as {"xs": [1]}\n  upper(n)\n}\n', 5, "argument 1 of upper"),
    ('h if {\n  n := count(input.xs) with input as {"xs": [1]} with data.q as 1\n  upper(n)\n}\n', 5,
     "argument 1 of upper"),
    # The statement itself, as without `with`; the target keeps its type.
    ('r := 1\nh if {\n  upper(data.p.r) with data.p.r as "s"\n}\n', 5, "argument 1 of upper"),
    ('h if {\n  upper(1) with input as 1\n}\n', 4, "argument 1 of upper"),
    # The value: its calls, comprehensions and refs are typed.
    ('h if {\n  y := 1 with input as upper(1)\n  y == 1\n}\n', 4, "argument 1 of upper"),
    ('h if {\n  y := 1 with input as {"a": count(1)}\n  y == 1\n}\n', 4, "argument 1 of count"),
    ('h if {\n  y := 1 with input as [z | z := 1 + "a"]\n  y == 1\n}\n', 4, "applies `+`"),
    ('h if {\n  xs := [1]\n  y := 1 with input as xs.foo\n  y == 1\n}\n', 5, "xs.foo"),
    # A function or builtin read as a value where no function is replaced (checkApply: undefined ref).
    ('f(a) := a\nh if {\n  y := 1 with input as f\n  y == 1\n}\n', 5, "reads the function data.p.f"),
    ('h if {\n  y := 1 with input as upper\n  y == 1\n}\n', 4, "reads the builtin upper"),
    # A value replacing a builtin but not found in OPA's rule tree (a key past a rule): evaluated, so typed.
    ('r := 1\nh if {\n  count([1]) with count as data.p.r.x\n}\n', 5, "`data.p.r.x` looks inside a number"),
    # A function replaced by one of another arity, or arguments that never unify.
    ('f(a, b) := 1\nh if {\n  count([1]) with count as f\n}\n', 5, "count: arity mismatch"),
    ('f(v) := 1\ng(v, w) := 1\nh if {\n  f(1) with f as g\n}\n', 6, "f: arity mismatch"),
    ('h if {\n  abs(1) with abs as upper\n}\n', 4, "abs: arity mismatch"),
    # `some ... in` and `every` with `with` (rewriteSomeDeclStatement keeps the `with`; expandExpr gives an every's
    # domain statement the `with`): the names they bind are typed, the domain in full.
    ('h if {\n  some v in [1] with input as {}\n  upper(v)\n}\n', 5, "argument 1 of upper"),
    ('h if {\n  every v in [upper(1)] { v } with input as {}\n}\n', 4, "argument 1 of upper"),
    # A function argument first used in a value: typed there (upper), so g(1) is refused.
    ('g(v) := 1 if {\n  true with input as upper(v)\n}\nh if {\n  g(1)\n}\n', 7, "where g takes only string"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    'f1(_) := 1\nh if {\n  count([1]) with count as f1\n}\n',
    'h if {\n  count([1]) with count as upper\n}\n',  # any<array, object, set, string> unifies with string
    'r := 5\nh if {\n  count([1]) with count as r\n}\n',  # a rule's value: left in place, nothing checked
    'f(a) := a\nr := 1\nh if {\n  y := 1 with data.p.r as f\n  y == 1\n}\n',  # a function for a document
    'h if {\n  x := 1 with input as upper("a")\n  x == 1\n}\n',
    'h if {\n  every v in [1] { upper(v) } with input as {}\n}\n',  # an every body: never typed
    'h if {\n  some v in input.xs with input as {"xs": [1]}\n  upper(v)\n}\n',  # input stays any
    'h if {\n  inp := {"a": 1}\n  n := input.a with input as inp\n  n + 1\n}\n',
    # An `every` body: no checkExpr, so no arity check there.
    'f2(a, b) := 1\nh if {\n  every s in [1] { count([s]) with count as f2 }\n}\n',
    # The value's names bound after the statement: OPA runs it once they are (reorderBodyForSafety).
    'h if {\n  n := count(input.xs) with input as inp\n  inp := {"xs": [1]}\n  n + 1\n}\n',
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


NAMES = [name for name in PROBES if name.startswith("types31-with-")]


def test_the_probes_are_refused_or_pass_as_opa_does_on_regorus() -> None:
    assert len(NAMES) == 6, NAMES
    for name in NAMES:
        source = PROBES[name]["source"]
        if name.endswith("-refused"):
            assert PROBES[name].get("refused") and refusal({"p.rego": source}), name
        else:
            assert not PROBES[name].get("refused") and type_errors_by_line(source) == [], name
            assert refusal({"p.rego": source}) == "", name


def test_regopy_refuses_each_probe() -> None:
    """regopy refuses every `with` (guards), before any type is read."""
    for name in NAMES:
        assert refusal({"p.rego": PROBES[name]["source"]}, "regopy"), name
