"""regopy_unify: a variable unified with a literal written there (``r = "a"``), which regopy 1.5.2 re-binds.

OPA compares a bound variable with the literal; regopy binds it afresh, so every ``r`` matched. The rewrite
puts the literal in parentheses, which regopy compares and OPA reads as the same expression. Each fire case is
run on the raw regopy (no rewrite) to show the miss, then through natpolicy's engine against OPA's answer
(which regorus gives too); each near miss is left as written.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_unify import literal_unification_edits
from natpolicy.rego.source import tokens

DOC = {"arr": ["c", "a", "b"], "n": 3, "o": {"b": 1},
       "rs": [{"type": "aws_vpc", "n": 1}, {"type": "x"}]}

FIRES = [
    # (rule x, the expression after the rewrite, OPA's answer)
    ('x := [r | some r in input.arr; r = "a"]', 'r = ("a")', ["a"]),
    ('x := [r | some r in input.arr; "a" = r]', '("a") = r', ["a"]),
    ('x contains r if {\n  some r in input.arr\n  r = "a"\n}', 'r = ("a")', ["a"]),
    ('x := [v | v := input.n; v = 4]', "v = (4)", []),
    ('x := [i | input.arr[i]; i = 1]', "i = (1)", [1]),
    ('x := [i | input.arr[i]; 1 = i]', "(1) = i", [1]),
    ('x := [r | some r in input.rs; r = {"type": "x"}]', 'r = ({"type": "x"})', [{"type": "x"}]),
    ('x := [r | some r in input.rs; r = [1, null]]', "r = ([1, null])", []),
    ('x if {\n  r := input.o\n  r = 5\n}', "r = (5)", None),
    ('f(t) if {\n  s := t\n  s = "x"\n}\nx := [r | some r in input.rs; f(r.type)]', 's = ("x")', [{"type": "x"}]),
]

QUIET = [
    'x := [r | some r in input.rs; r.type = "x"]',  # a ref: compared already
    'x := [r | some r in input.arr; r = input.arr[1]]',  # not a literal
    'x := [r | some r in input.rs; r = {"type": input.arr[0]}]',  # a literal holding a ref
    'x := [r | some r in input.arr; r == "a"]',  # a comparison
    'x := [r | some r in input.arr; r = "a" with input as {}]',  # not a whole expression
    'x = "a" if true',  # a rule's head
    'x := "a" == "a"',
    'x := [v | v := "a"]',
    'x := [c | i = 1; c := [w | w := input.arr[i]]]',  # a first occurrence binds, as in OPA
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


def _rewritten(source: str) -> str:
    out = source
    for start, end, text in sorted(literal_unification_edits(source, tokens(source)), reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _raw_regopy(source: str) -> Any:
    import regopy

    interpreter = regopy.Interpreter()
    interpreter.add_module("p", source)
    interpreter.set_input_term(json.dumps(DOC))
    text = str(interpreter.query("x = data.p.x"))
    return json.loads(text)["bindings"]["x"] if text.startswith("{") else None


@pytest.mark.parametrize(("body", "expression", "opa"), FIRES)
def test_the_literal_side_is_put_in_parentheses(body: str, expression: str, opa: Any) -> None:
    source = _module(body)
    rewritten = _rewritten(source)
    assert expression in rewritten
    assert rewritten.count("\n") == source.count("\n")  # lines kept for error messages


@pytest.mark.parametrize("body", QUIET)
def test_refs_other_values_and_heads_are_left_as_written(body: str) -> None:
    source = _module(body)
    assert _rewritten(source) == source


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "expression", "opa"), FIRES)
def test_regopy_rebinds_without_the_rewrite_and_answers_as_opa_with_it(body: str, expression: str, opa: Any) -> None:
    source = _module(body)
    assert _raw_regopy(source) != opa  # the silent difference, measured on regopy itself
    for name in ("regopy", "regorus"):
        engine = create_engine(name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        answer = engine.evaluate(compiled, "p/x", engine.prepare_input(DOC))
        assert (None if answer is UNDEFINED else answer) == opa, name
