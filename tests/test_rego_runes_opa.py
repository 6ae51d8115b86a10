"""count of a string answers OPA's rune count on every engine (regorus 0.13.0 counted UTF-16 code units).

OPA's builtinCount (v1/topdown/aggregates.go) counts a string's runes; regorus counted an emoji as 2 until
runes_opa wrapped count's first argument, on its line.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine
from natpolicy.rego.runes_opa import count_for_regorus, mocks_count, opa_rune_text, opa_rune_text_checked
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("expression", "opa"), [
    ('count("😀")', 1),  # regorus: 2
    ('count("a😀b𝄞")', 4),  # regorus: 6
    ("count(input.s)", 3),  # text from the plan
    ('count(split(input.s, "x")[0])', 3),
    ('[count(s) | some s in ["😀", "😀😀", ""]]', [1, 2, 0]),
    ('indexof("😀a", "a") + count("😀")', 2),  # count stays an integer for the arithmetic
])
def test_counts_text_in_characters(engine_name: str, expression: str, opa: Any) -> None:
    assert answer(engine_name, expression, {"s": "😀é中"}) == opa


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("expression", "opa"), [
    ('count("é中e\u0301")', 4),  # inside the Basic Multilingual Plane: one code unit each, as before
    ('count(["😀", "😀"])', 2),  # collections count their elements
    ('count({"😀": "😀😀"})', 1),
    ('count({"😀", "𝄞"})', 2),
    ("count(input.arr)", 2),
    ("count(set())", 0),
])
def test_near_misses_count_as_before(engine_name: str, expression: str, opa: Any) -> None:
    assert answer(engine_name, expression, {"arr": ["😀", "a"]}) == opa


def _regorus(source: str, document: Any = None) -> Any:
    rego = create_engine("regorus")
    compiled = rego.compile({"p.rego": source}, None, ["p/x"])
    return rego.evaluate(compiled, "p/x", rego.prepare_input(document or {}))


def test_the_output_argument_form_and_a_v0_module_count_characters() -> None:
    assert _regorus('package p\nx := n if count(input.s, n)\n', {"s": "😀😀"}) == 2
    rego = create_engine("regorus")
    compiled = rego.compile({"p.rego": 'package p\nx = n { n := count(input.s) }\n'}, None, ["p/x"], rego_version="v0")
    assert rego.evaluate(compiled, "p/x", rego.prepare_input({"s": "😀😀"})) == 2


def test_a_wrong_argument_still_stops_at_the_policys_count() -> None:
    with pytest.raises(EvaluationError) as caught:
        _regorus("package p\n\nx := count(input.n)\n", {"n": 3})
    assert caught.value.message.startswith("p.rego:3:"), caught.value.message
    assert "`count` requires array/object/set/string argument" in caught.value.message


MOCKED = """package p

f(s) := s
g := count(input.s)
x := y if { y := g with count as f }
"""


def test_where_count_is_replaced_by_with_text_past_the_bmp_stops_at_the_call() -> None:
    # The replacement would be handed the stand-in text: the text goes over untouched, and regorus' count of it
    # would be wrong, so such text stops the query at the count call's line.
    with pytest.raises(EvaluationError) as caught:
        _regorus(MOCKED, {"s": "😀"})
    assert caught.value.message.startswith("p.rego:4:1: count of text holding a character outside"), \
        caught.value.message
    assert "😀" not in caught.value.message


def test_where_count_is_replaced_by_with_other_text_is_handed_over_untouched() -> None:
    assert _regorus(MOCKED, {"s": "é中"}) == "é中"


def test_the_rewrite_wraps_each_first_argument_on_its_line() -> None:
    source = 'package p\nx := count(split(a,\n  count(b)), n)\ny := count([1]) + count({1}) + count(set()) + strings.count(a, b)\n'
    out = count_for_regorus(source)
    body = out.split("\n")[:4]
    assert body == ["package p", "x := count(__natpolicy_count_arg(split(a,",
                    "  count(__natpolicy_count_arg(b)))), n)", source.split("\n")[3]]
    assert out.count("__natpolicy_count_arg(__natpolicy_x)") == 1
    assert count_for_regorus("package p\nx := 1\n") == "package p\nx := 1\n"
    mocked = count_for_regorus(source, count_mocked=True)
    # each with its call's line: the outer call's where it starts
    assert "x := count(__natpolicy_count_arg(split(a,\n  count(__natpolicy_count_arg(b, 3))), 2), n)" in mocked


def test_mocks_count_reads_with_count_as_only() -> None:
    assert mocks_count("package p\nx := y if { y := 1 with count as f }\n")
    assert not mocks_count("package p\nx := y if { y := count(a) with input as {} }\n")
    assert not mocks_count("package p\n# with count as f\nx := 1\n")


def test_the_python_twins() -> None:
    assert opa_rune_text("a😀") == "a\ufffd" and opa_rune_text("é中") == "é中"
    assert opa_rune_text_checked("é中", 3) == "é中"
    with pytest.raises(ValueError):
        opa_rune_text_checked("😀", 3)
    with pytest.raises(TypeError):
        opa_rune_text(1)
