"""redeclared: ``y := ...`` of a name its body met before, which OPA refuses and regopy 1.5.2 answered.

Each fire case is refused on both engines with its line, and run on regopy without the guard to show it
answered; each near miss (a new scope: a comprehension, ``every``, ``else``; a head read after its body) stays
quiet and answers on both engines.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.redeclared import redeclarations
from natpolicy.rego.source import char_line_col

FIRES = [
    # (rule x, line of the refused name, OPA's words)
    ("x if {\n  y := 1\n  y := 2\n}", 5, "assigned above"),
    ("x if {\n  y = 1\n  y := 1\n}", 5, "referenced above"),
    ("x if {\n  input.arr[y]\n  y := 1\n}", 5, "referenced above"),
    ("x if {\n  print(y)\n  y := 1\n}", 5, "referenced above"),
    ("x if {\n  some y in input.arr\n  y := 1\n}", 5, "declared above"),
    ("x if {\n  [a, b] := [1, 2]\n  a := 3\n}", 5, "assigned above"),
    ("x if {\n  every v in [1] {\n    w := v\n    w := 2\n  }\n}", 6, "assigned above"),
    ("f(a) if {\n  a := 1\n}\nx if f(1)", 4, "arg a redeclared"),
    # One pattern declaring a name twice: OPA declares each place in turn, the second "assigned above".
    ("x if {\n  [y, y] := [1, 1]\n}", 4, "assigned above"),
    ("x if {\n  {\"a\": y, \"b\": [y]} := {\"a\": 1, \"b\": [1]}\n}", 4, "assigned above"),
    # A name a `some` pattern declares is "declared above" too (rewriteSomeDeclStatement: declaredVar).
    ("x if {\n  some [a, b] in input.arr\n  a := 1\n}", 5, "declared above"),
    ("x if {\n  some k, [a, _] in input.m\n  a := 1\n}", 5, "declared above"),
    ("x if {\n  some [a, _] in input.arr\n  some [_, a] in input.arr\n}", 5, "declared above"),
]

QUIET = [
    "x if {\n  y := 1\n  [1 | y2 := y]\n}",
    "x := [y | y := 1]",  # a comprehension's head is read after its body
    "x := y if {\n  y := 1\n}",  # so is a rule's head
    "x if {\n  [y | y := 1]\n  y := 2\n}",  # `y` of the comprehension is its own
    "x if {\n  every v in [1] {\n    w := v\n  }\n  w := 1\n}",
    # An every's key and value are declared in its own scope (rewriteEveryStatement): none of the body's.
    "x if {\n  every v in [1] {\n    v > 0\n  }\n  v := 1\n}",
    "x if {\n  every k, v in [1] { v > k }\n  some k in [2]\n  v := k\n}",
    "x if {\n  y := 1\n  y == 1\n} else := false if {\n  y := 3\n}",  # an else body is a scope of its own
    "f(a) := b if {\n  b := a\n}\nx := f(1)",
    "x if {\n  y := 1\n  z := {\"y\": 2, \"k\": y}\n}",  # a key named like it is a string
    "x if {\n  r := {\"a\": 1}\n  t := r.a\n}",
    'g(v) := true if v > 1\nf(rc) := "yes" if g(rc) else := "no"\nx := f(2)',  # `else :=` is a head
    "f(a) := 1 if a > 1 else := 2 if a > 0\nx := f(2)",
    # Two names, wildcards, a comprehension of its own inside the pattern's value, an object's keys.
    "x if {\n  [y, z] := [1, 2]\n  [_, _] := [3, 4]\n  [w, v] := [1, [w | w := 2]]\n}",
    "x if {\n  k := \"a\"\n  {\"a\": y, \"b\": z} := {\"a\": k, \"b\": k}\n}",
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


@pytest.mark.parametrize(("body", "line", "words"), FIRES)
def test_a_name_declared_after_its_scope_met_it_is_refused_on_both_engines(body: str, line: int,
                                                                             words: str) -> None:
    source = _module(body)
    found = list(redeclarations(source, {"x", "f"}))
    assert len(found) == 1, found
    offset, message = found[0]
    assert char_line_col(source, offset)[0] == line and words in message
    for engine in ("regorus", "regopy"):
        assert (offset, message) in engine_refusals(source, engine, {"x", "f"})


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
@pytest.mark.parametrize(("body", "line", "words"), FIRES[:4] + FIRES[8:9])
def test_without_the_guard_regopy_answers_what_opa_refuses(body: str, line: int, words: str) -> None:
    import regopy

    interpreter = regopy.Interpreter()
    interpreter.add_module("p", _module(body))
    interpreter.set_input_term('{"arr": [1, 2]}')
    assert str(interpreter.query("x = data.p.x")).startswith("{")  # an answer, where OPA refuses the module


@pytest.mark.parametrize("body", QUIET)
def test_new_scopes_and_heads_are_left_alone_and_answer(body: str) -> None:
    source = _module(body)
    assert list(redeclarations(source, {"x", "f"})) == []
    for name in installed_engines():
        if name == "opa":
            continue
        engine = create_engine(name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        engine.evaluate(compiled, "p/x", engine.prepare_input({"arr": [1]}))
