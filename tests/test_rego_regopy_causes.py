"""regopy's stop by one of natpolicy's refusing functions names only the causes the policy's lines can reach
(regopy_causes): regopy's conflict message cannot say which function gave up, so it listed every cause."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.regopy_causes import helpers_reached, refusal_causes
from rego_answers import ENGINES, answer

needs_regopy = pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")

_SPRINTF = "a sprintf argument"
_SET = "inside a set that is sorted or iterated"
_COMPARED = "compared with <, <=, > or >="
_TEXT_IN_COLLECTION = "in a string inside an array, set or object given to sprintf"


def _stop(expression: str, document: Any) -> str:
    with pytest.raises(EvaluationError) as caught:
        answer("regopy", expression, document)
    return caught.value.message


@needs_regopy
def test_concat_over_a_set_names_the_set_only() -> None:
    message = _stop('concat(",", {y | some y in input.ys})', {"ys": [["a"], "b"]})
    assert _SET in message
    for other in (_SPRINTF, _COMPARED, _TEXT_IN_COLLECTION, "given to"):
        assert other not in message, message


@needs_regopy
def test_sprintf_names_its_causes_only() -> None:
    message = _stop('sprintf("%v", [input.n])', {"n": 1234567.5})  # 1.2345675e+06 in OPA
    assert _SPRINTF in message and _TEXT_IN_COLLECTION in message  # %v of a collection goes through the text check
    for other in (_SET, _COMPARED):
        assert other not in message, message


@needs_regopy
def test_a_comparison_of_arrays_names_comparisons_only() -> None:
    message = _stop("input.a < input.b", {"a": [1], "b": [2]})
    assert _COMPARED in message and "control character compared:" in message
    for other in (_SPRINTF, _SET, "sorted"):
        assert other not in message, message


@needs_regopy
def test_a_rewritten_builtin_alone_names_no_value_cause() -> None:
    message = _stop('regex.template_match("x{a)(b}", input.t, "{", "}")', {"t": "xab"})
    assert "regex.template_match at p.rego:3 given a template" in message
    assert "prints or orders otherwise" not in message, message


def test_the_functions_reached_are_those_the_policy_calls_and_theirs() -> None:
    original = "package p\nx := __natpolicy_a(1)\n"
    compiled = (original.rstrip("\n") + "\n__natpolicy_a(x) := __natpolicy_b(x)\n__natpolicy_b(x) := x if {\n"
                "  __natpolicy_c(x)\n}\n__natpolicy_c(x) := true\n__natpolicy_unused(x) := __natpolicy_d(x)\n")
    assert helpers_reached({"p.rego": original}, {"p.rego": compiled}) == frozenset(
        {"__natpolicy_a", "__natpolicy_b", "__natpolicy_c"})
    # Nothing appended, nothing called.
    assert helpers_reached({"p.rego": "package p\nx := 1\n"}, {"p.rego": "package p\nx := 1\n"}) == frozenset()


def test_no_cause_reached_adds_nothing() -> None:
    # The conflict is then the policy's own: regopy's message stays as it is.
    assert refusal_causes(frozenset({"__natpolicy_member3"}), [], "", False, []) == ""
    assert refusal_causes(frozenset(), [], "", False, ["or x at p.rego:3 given y"]) == \
        " (or: x at p.rego:3 given y; run with --rego-engine regorus)"
