"""regopy: a pattern unified with a pattern before a later statement binds their names is refused; the same
statement after the binding, or against refs, is not (regopy_alias_patterns)."""
from __future__ import annotations

import pytest

from natpolicy.rego.guards import engine_refusals


def _body(statements: str) -> str:
    return f"package p\nx contains [a, b] if {{\n  {statements}\n}}\n"


@pytest.mark.parametrize("statements", [
    "[a] = [b]; a = input.a",
    "[a, 1] = [b, c]; a = input.a",
    "[a] = [b]; b = input.a",
    '{"k": a} = {"k": b}; a = input.a',
])
def test_a_pattern_unified_with_a_pattern_before_its_binding_is_refused_on_regopy(statements: str) -> None:
    refusals = engine_refusals(_body(statements), "regopy")
    assert any("a pattern unified with a pattern" in message for _, message in refusals), refusals
    assert not any("a pattern unified with a pattern" in m for _, m in engine_refusals(_body(statements), "regorus"))


@pytest.mark.parametrize("statements", [
    "a = input.a; [a] = [b]",
    "[a, b] = [input.a, 2]",
    "y := 2; z := 3; [a, b] = [y, z]",
    "[a, b] = [y | y := input.a]",
    "a = input.a; b = [c | [c] = [a]]",
])
def test_a_pattern_whose_names_are_bound_before_is_answered(statements: str) -> None:
    assert not any("a pattern unified with a pattern" in m for _, m in engine_refusals(_body(statements), "regopy"))
