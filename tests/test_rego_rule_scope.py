"""rule_scope.comprehensions: the one finder of comprehensions the regopy rewrites and regorus_order share."""
from __future__ import annotations

import pytest

from natpolicy.rego.rule_scope import array_comprehensions, comprehensions
from natpolicy.rego.source import tokens


def _texts(source: str, kinds: tuple[str, ...] = ("[", "{"), start: int = 0, end: int | None = None) -> list[str]:
    toks = tokens(source)
    found = comprehensions(toks, kinds, start, end)
    return [source[toks[o].offset:toks[c].offset + 1] for o, c in found]


SOURCE = 'x := [a | some a in input.a; b := {c | c := input.o[_]}; d := {e: 1 | some e in input.s}]\n'


def test_each_kind_of_comprehension_is_found_nested_ones_too() -> None:
    inner = ["{c | c := input.o[_]}", "{e: 1 | some e in input.s}"]
    assert _texts(SOURCE) == [SOURCE[5:-1], *inner]
    assert _texts(SOURCE, kinds=("[",)) == [SOURCE[5:-1]]
    assert _texts(SOURCE, kinds=("{",)) == inner
    assert array_comprehensions(tokens(SOURCE)) == comprehensions(tokens(SOURCE), kinds=("[",))


def test_only_comprehensions_wholly_inside_the_range_are_found() -> None:
    toks = tokens(SOURCE)
    inner = next(k for k, t in enumerate(toks) if t.text == "{")
    assert _texts(SOURCE, start=inner) == ["{c | c := input.o[_]}", "{e: 1 | some e in input.s}"]
    assert _texts(SOURCE, start=1, end=len(toks) - 1) == _texts(SOURCE, start=inner)  # the `]` left out
    assert _texts(SOURCE, start=0, end=inner + 1) == []


@pytest.mark.parametrize("source", [
    "x := input.s[{1} | {2}]",  # a ref's bracket holding a set union
    "x := input[{1} | {2}]",  # input's too
    "x := {1, 2}[{1} | {2}]",  # a literal's bracket
    "x := f(1)[{1} | {2}]",  # a call's
    "x { y := {1} | {2} }",  # a rule's body after its head
    "f(a) { y := {a} | {2} }",
    "x if { y := {1} | {2} }",  # a body after `if` or `else`, a set union at its own level
    "x := 1 if { y := {1} | {2} } else := 2 if { y := {1} | {3} }",
    "x { false } else { y := {1} | {2} }",
])
def test_a_ref_bracket_or_a_body_is_no_comprehension(source: str) -> None:
    assert _texts(source) == []


@pytest.mark.parametrize("source", [
    "x := [a | some a in input.a]",
    "x := {a | some a in input.a}",
    "x := count([a | some a in input.a])",  # an argument
    "x if { some b in [a | some a in input.a] }",  # after a keyword
    "x := [[a | some a in input.a]]",  # an array's element
])
def test_a_comprehension_where_a_value_stands_is_found(source: str) -> None:
    assert len(_texts(source)) == 1
