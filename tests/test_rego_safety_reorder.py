"""A body typed in the order OPA's compiler runs it, computed as it computes it (types30b, ``safety_reorder``).

Settled from OPA's source: ``reorderBodyForSafety`` and ``reorderBodyForClosures`` (``v1/ast/compile.go``) run on
the body as ``expandExpr`` left it (a call inside a term is an expression of its own before the one holding it:
``upper(x) == a`` is ``upper(x, L); equal(L, a)``); each pass adds every expression's outputs
(``outputVarsForExpr``) to the safe names, placed or not, and places an expression once its names are safe; ``Unify``
(``v1/ast/unify.go``) gives what a ``=`` binds, a pattern unified with a pattern too (``[x, "a"] = [y, "a"]`` binds
nothing until x or y is safe). ``checkExprBuiltin`` types an untyped argument at its first use, without union
(``unify1(..., false)``), so the order types a function's argument too.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.safety_reorder import UNSAFE, opa_order
from natpolicy.rego.source import tokens
from natpolicy.rego.type_syntax import Node, Statement, read_body
from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


REFUSED = [
    # A pattern unified with a pattern runs once one side's names are bound: `y = "s"` first, x then a string.
    ('h if {\n  [x, "a"] = [y, "a"]\n  y = "s"\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
    ('h if {\n  [a, 1] = [b, c]\n  a = "s"\n  b + 1\n}\n', 6, "applies `+` to a string (`b`)"),
    ('h if {\n  {"k": x} = {"k": y}\n  y = "s"\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
    # A call taken out of its statement runs before it, and types a function's argument at its first use there.
    ('f(x) if {\n  a := y\n  upper(x) == a\n  y = x\n  y + 1\n}\n', 7, "applies `+` to a string (`y`)"),
    ('f(x) := y if {\n  a := y\n  upper(x) == a\n  y = x\n}\n\nz := f(1)\n', 9, "where f takes only string"),
    ('f(x) if {\n  n = m + x\n  m = count(x)\n}\n', 4, "applies `+` to an any<array, object, set, string> (`x`)"),
    # A comprehension declaring the waited name itself closes over nothing (OPA renames it): `y = "a"` first.
    ('h if {\n  x = y\n  ys := [1 | y := 1]\n  y = "a"\n  x + 1\n}\n', 7, "applies `+` to a string (`x`)"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # The same shapes where the types fit.
    'h if {\n  [x, "a"] = [y, "a"]\n  y = 1\n  x + 1\n}\n',
    'h if {\n  [a, 1] = [b, c]\n  a = 1\n  b + c\n}\n',
    'f(x) := y if {\n  a := y\n  upper(x) == a\n  y = x\n}\n\nz := f("a")\n',
    'f(x) if {\n  n = m + x\n  m = x + 1\n}\n',
    # A call's output binds a name of the pattern (count outputs x, then Unify binds y); a ref key holding a ref
    # outputs its names (Ref.OutputVars), typed as any's keys: any. Both were refused as unsure before.
    'h if {\n  [x, "a"] = [y, "a"]\n  count(input.a, x)\n  y + 1\n}\n',
    'h if {\n  x = y\n  input.a[input.b[y]]\n  x + 1\n}\n',
    # A statement this reader does not read (`with`): every reading of what it outputs gives the same order.
    'h if {\n  x := input.a\n  count(x) == 0 with input as {}\n  upper(x)\n}\n',
    # Statements with `with`, read since types31 (OPA's order of them, as without `with`): these were refused as
    # unsure while `with` statements were not read. count takes one argument, so `count(y) > 0` outputs nothing
    # and waits for `y = input.a`; `y = 1` binds y a number, and so x.
    'h if {\n  x = y\n  count(y) > 0 with input as {}\n  y = input.a\n}\n',
    'h if {\n  x = y\n  y = 1 with input as {}\n  x + 1\n}\n',
    # A function of another package (arity unknown here) inside a term, and as a statement both ways.
    'import data.lib\n\nh if {\n  x = y\n  y = lib.f(input.a)\n  lib.g(x)\n}\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("body", [
    # An expression's outputs are safe only once it is placed: `upper(c)` waits for the pattern, which waits for
    # `a = "s"` (then c is a number, which upper does not take).
    'h if {\n  [a, 1] = [b, c]\n  upper(c)\n  a = "s"\n}\n',
    'h if {\n  [x, [1]] = [y, c]\n  upper(c)\n  y = "s"\n}\n',
])
def test_a_name_read_before_the_pattern_that_outputs_it_is_typed_after_it(body: str) -> None:
    assert_refused_at(found(body), 5, "argument 1 of upper(...), `c`, is a")


def test_a_name_a_with_statement_binds_is_typed_in_opas_order() -> None:
    # `a := y` runs after `y = 1 with ...`, which binds y a number (the `with` changes no type): OPA refuses
    # `upper(a)`. It was refused as unsure while `with` statements were not read (types30b).
    assert_refused_at(found('h if {\n  a := y\n  y = 1 with input as {}\n  upper(a)\n}\n'), 6,
                      "argument 1 of upper(...), `a`, is a number")


@pytest.mark.parametrize("body", [
    # Whether the unread statement (a `with` whose target holds a variable, not read here) outputs y is not read,
    # and the two readings order the body otherwise.
    'h if {\n  x = y\n  count(y) > 0 with input[y] as {}\n  y = input.a\n}\n',
    # `a := y` would run after the unread statement if it binds y, whose type is not read here.
    'h if {\n  a := y\n  y = 1 with input[y] as {}\n  upper(a)\n}\n',
])
def test_an_unread_statement_whose_outputs_decide_the_order_is_refused_as_unsure(body: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == 5 and "natpolicy cannot tell" in errors[0][1] and "binds `y`" in errors[0][1]
    assert " with input[y] as {}`: " in errors[0][1]  # the statement's own text, not the word "opaque"


def _declared(body: list[Statement]) -> set[str]:
    return set()  # no comprehension below declares a name


def _body(text: str) -> list[Statement]:
    source = "h if {\n" + text + "\n}\n"
    toks = tokens(source)
    return read_body(source, toks, 3, len(toks) - 1)


def test_the_order_is_opas() -> None:
    body = _body('[a, 1] = [b, c]\na = "s"\nb + 1')
    assert opa_order(body, lambda name: name == "input", lambda call: 1, _declared) == [body[1], body[0], body[2]]
    # A statement's calls taken out of it and run before another statement come first, as their own statements.
    body = _body("a := y\nupper(input.x) == a\ny = 1")
    order = opa_order(body, lambda name: name == "input", lambda call: 1, _declared)
    assert isinstance(order, list) and [s.start for s in order][1:] == [body[2].start, body[0].start, body[1].start]
    assert isinstance(order[0].parts[0], Node) and order[0].parts[0].text == "upper"
    # A body OPA refuses as unsafe, and one this reader does not read.
    assert opa_order(_body("x = y\ny > 0"), lambda name: False, lambda call: 1, _declared) == UNSAFE
    assert opa_order(_body("x = 1\nprint(x)"), lambda name: False, lambda call: 1, _declared) is None
    # A statement-call of unknown arity whose readings give other orders: not followed.
    assert opa_order(_body("x = y\nf(input.a, y)\nupper(x)"), lambda name: name == "input", lambda call: None,
                     _declared) is None  # unsafe if f takes two arguments, safe (y its output) if one


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    # (regopy refuses a pattern unified with a pattern, each holding a name nothing before binds, itself: line 4.)
    pattern = 4 if engine == "regopy" else 6
    for name, line in (("types30b-pattern-unified-with-a-pattern-typed-after-its-binding-refused", pattern),
                       ("types30b-call-taken-out-types-an-argument-first-refused", 9),
                       ("types30b-name-read-before-its-pattern-runs-refused", 4 if engine == "regopy" else 5)):
        assert PROBES[name].get("refused") and f"p.rego:{line}:" in refusal({"p.rego": PROBES[name]["source"]}, engine)
    for name in ("types30b-pattern-unified-with-a-pattern-typed-after-its-binding-near-miss",
                 "types30b-call-taken-out-types-an-argument-first-near-miss"):
        said = refusal({"p.rego": PROBES[name]["source"]}, engine)  # regopy's own refusal of the pattern: loud
        assert "expect" in PROBES[name] and (said == "" or (engine == "regopy" and "on regopy" in said)), said
