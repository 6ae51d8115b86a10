"""regorus_patterns: an object pattern regorus 0.13.0 matches against an object holding more keys.

OPA unifies two objects only when they hold the same keys (``biunifyObjects`` returns no match when the
lengths differ); regorus matches when the value holds the pattern's keys and more. Each fire case is run on
the real regorus without the guard to show the silent difference (regopy, which unifies as OPA does, gives
OPA's answer), then refused with its line; each near miss stays quiet on regorus and answers alike.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regorus_patterns import object_pattern_refusals
from natpolicy.rego.source import char_line_col

DOC = {"rs": [{"type": "aws_vpc", "n": 1}, {"type": "aws_eip", "n": 2}, {"type": "x"}], "o": {"b": 1, "a": 2}}
NAMES = {"x", "f"}

FIRES = [
    # (rule x, the line of the refused `{`, OPA's answer)
    ("x := [t | some {\"type\": t} in input.rs]", 3, ["x"]),
    ("x := [t | some [_, {\"type\": t}] in [[1, input.rs[0]], [2, input.rs[2]]]]", 3, ["x"]),
    ("x := [t | some r in input.rs\n  {\"type\": t} = r]", 4, ["x"]),
    ("x := [t | some r in input.rs\n  r = {\"type\": t}]", 4, ["x"]),
    ("x := [b | {\"b\": b} := input.o]", 3, []),
    ("x := [b | [{\"b\": b}, 1] = [input.o, 1]]", 3, []),
    ("x := [b | o := {\"b\": 1, \"c\": 2}; {\"b\": b} = o]", 3, []),
    ("f({\"type\": t}) := t\nx := [f(r) | some r in input.rs]", 3, ["x"]),
    ("f(r) := t if {\n  {\"type\": t} = r\n}\nx := [f(r) | some r in input.rs]", 4, ["x"]),
]

QUIET = [
    # (rule x, OPA's answer)
    ("x := [r | some r in input.rs; {\"type\": \"x\"} = r]", [{"type": "x"}]),  # no variable: compared
    ("x := [r | a := \"x\"; some r in input.rs; {\"type\": a} = r]", [{"type": "x"}]),  # a bound before
    ("x := [b | b := {\"q\": input.o}]", [{"q": {"a": 2, "b": 1}}]),  # built, not matched
    ("x := [b | b = {\"q\": input.o}]", [{"q": {"a": 2, "b": 1}}]),
    ("x := [b | {\"b\": b} = {\"b\": 1}]", [1]),  # a literal: regorus checks its keys when it compiles
    ("x := [t | some r in input.rs; t := r.type; r == {\"type\": t}]", ["x"]),  # a comparison
    ("x := {t: 1 | some r in input.rs; t := r.type}", {"aws_vpc": 1, "aws_eip": 1, "x": 1}),  # a comprehension
    ("f(r) := {\"t\": r.type}\nx := [f(r) | some r in input.rs]", [{"t": "aws_vpc"}, {"t": "aws_eip"}, {"t": "x"}]),
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


def _answer(engine_name: str, source: str) -> Any:
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input(DOC))


@pytest.mark.parametrize(("body", "line", "opa"), FIRES)
def test_object_patterns_with_a_fresh_variable_are_refused_on_regorus(body: str, line: int, opa: Any) -> None:
    source = _module(body)
    found = list(object_pattern_refusals(source, NAMES))
    assert len(found) == 1, found
    offset, message = found[0]
    assert source[offset] == "{" and char_line_col(source, offset)[0] == line
    assert "exactly those keys" in message
    assert (offset, message) in engine_refusals(source, "regorus", NAMES)
    assert (offset, message) not in engine_refusals(source, "regopy", NAMES)


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "line", "opa"), FIRES)
def test_without_the_guard_regorus_matches_extra_keys(body: str, line: int, opa: Any) -> None:
    source = _module(body)
    assert _answer("regopy", source) == opa
    assert _answer("regorus", source) not in (opa, UNDEFINED)


@pytest.mark.parametrize(("body", "opa"), QUIET)
def test_values_comparisons_and_bound_patterns_are_left_alone(body: str, opa: Any) -> None:
    assert list(object_pattern_refusals(_module(body), NAMES)) == []


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")
@pytest.mark.parametrize(("body", "opa"), QUIET)
def test_the_near_misses_answer_as_opa_on_regorus(body: str, opa: Any) -> None:
    assert _answer("regorus", _module(body)) == opa
