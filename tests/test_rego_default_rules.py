"""default_rules: a default rule OPA's parser refuses (a ref, variable or call in its value; an argument that is
no lone variable), which the engines answered.

Each fire case is refused on both engines with its line, and the ones an engine answered are run on it without
the guard; near misses (negative numbers, collections of constants, `set()`, a comprehension, `_` twice) stay
quiet and answer.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.default_rules import default_rule_refusals
from natpolicy.rego.engines import create_engine
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import char_line_col
from rego_answers import ENGINES

FIRES = [
    # (module body, words of the message, {engine: what it answered without the guard})
    ("default y := input.n\nx := y", "a ref or a variable", {"regopy": 3}),
    ("default f(_) := [input.n]\nx := f(3)", "a ref or a variable", {"regorus": [3], "regopy": [3]}),
    ("default f(x1) := x1\nx := f(3)", "a ref or a variable", {"regopy": 3}),
    ("default y := [1, count([1])]\nx := y", "a call", {"regopy": [1, 1]}),
    ("default y := 1 + 2\nx := y", "a call (an operator)", {}),
    ("default f(1) := 0\nx := f(3)", "an argument that is no variable", {}),
    ("default f(a, a) := 1\nx := f(1, 1)", "repeats its argument `a`", {}),
]
QUIET = [
    ("default y := -1\nx := y", -1),
    ('default y := {"a": [1, -2.5], "b": true, "c": null}\nx := y', {"a": [1, -2.5], "b": True, "c": None}),
    ("default y := [v | some v in input.arr]\nx := y", ["c", "a"]),
    ("default f(_, _) := 0\nx := f(1, 2)", 0),
    ('default f(a, b) := "d"\nx := f(1, 2)', "d"),
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


def _answer(engine_name: str, source: str) -> object:
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input({"n": 3, "arr": ["c", "a"]}))


@pytest.mark.parametrize(("body", "words", "answered"), FIRES)
def test_an_illegal_default_rule_is_refused_on_both_engines(body: str, words: str,
                                                            answered: dict[str, object]) -> None:
    source = _module(body)
    found = list(default_rule_refusals(source))
    assert len(found) == 1 and char_line_col(source, found[0][0])[0] == 3, found
    assert words in found[0][1] and "illegal default rule" in found[0][1] and "\n" not in found[0][1]
    for engine in ("regorus", "regopy"):
        assert found[0] in engine_refusals(source, engine)
    for engine, value in answered.items():
        if engine in ENGINES:
            assert _answer(engine, source) == value  # an answer, where OPA refuses the module


def test_set_of_nothing_is_a_constant() -> None:
    assert list(default_rule_refusals(_module("default y := set()\nx := y"))) == []


@pytest.mark.parametrize(("body", "expected"), QUIET)
def test_constants_comprehensions_and_wildcards_are_left_alone_and_answer(body: str, expected: object) -> None:
    source = _module(body)
    assert list(default_rule_refusals(source)) == []
    for engine in ENGINES:
        assert not engine_refusals(source, engine)
        assert _answer(engine, source) == expected
