"""Where a number's text can show: how natpolicy sorts each to_number call and bound literal (number_texts)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.number_texts import call_readings, literal_bindings
from natpolicy.rego.number_texts_regorus import TextContext, number_texts_for_regorus
from natpolicy.rego.source import tokens

ENGINES = installed_engines()


def _readings(body: str, elsewhere: frozenset[str] = frozenset()) -> list[str]:
    source = f"package p\n{body}\n"
    return list(call_readings(source, tokens(source), elsewhere).values())


@pytest.mark.parametrize(("body", "reading"), [
    ("x if to_number(input.a) > 3", "value"),
    ("x := 1 + to_number(input.a)", "value"),
    ("x := round(to_number(input.a))", "value"),
    ("x := format_int(to_number(input.a), 10)", "value"),
    ("x if { c := to_number(input.a); c > 3; c * 2 < 9 }", "value"),
    ("x := sum([to_number(v) | some v in input.vs])", "value"),
    # Into the value of a rule nothing reads: a query's answer is compared by value.
    ("x := [n | some v in input.vs; n := to_number(v)]", "value"),
    ('deny contains msg if { c := to_number(input.a); msg := {"c": c} }', "value"),
    ('x := sprintf("%v", [to_number(input.a)])', "direct"),
    ('x := m if { c := to_number(input.a); m := sprintf("%v", [c]) }', "sprintf"),
    # The near misses: where the text shows.
    ("x := json.marshal([to_number(input.a)])", "kept"),
    ("x := {to_number(input.a): 1}", "kept"),
    ("x := [1, 2][to_number(input.a)]", "kept"),
    ("x := max([to_number(input.a)])", "kept"),
    ("x := format_int(16, to_number(input.a))", "kept"),
    ('x := m if { c := to_number(input.a); m := sprintf("%v", [[c]]) }', "kept"),
    ('deny contains msg if { c := to_number(input.a); msg := {"c": c}; json.marshal(msg) != "" }', "kept"),
    ("x := y if { c := to_number(input.a); y := [c] }\nz := json.marshal(x)", "kept"),
])
def test_each_call_is_sorted_by_how_its_result_is_read(body: str, reading: str) -> None:
    assert _readings(body) == [reading]


def test_a_rule_another_module_mentions_may_show_the_text() -> None:
    body = "x := [n | some v in input.vs; n := to_number(v)]"
    assert _readings(body) == ["value"]
    assert _readings(body, frozenset({"x"})) == ["kept"]
    assert _readings(body, frozenset({"p"})) == ["kept"]  # `json.marshal(data.p)` elsewhere reads x whole


def test_natpolicys_own_functions_are_left_alone() -> None:
    source = "package p\nx := 1\n__natpolicy_f(v) := json.marshal(to_number(v))\n"
    assert call_readings(source, tokens(source)) == {}


@pytest.mark.parametrize(("body", "reading"), [
    ("x if { limit := 10.0; input.n > limit }", "value"),
    ('x := m if { v = 10.0; m := sprintf("%.1f", [v]) }', "sprintf"),
    ("x := m if { v = 10.0; m := json.marshal(v) }", "kept"),
    ('x := m if { v = 10.0; v = 10; m := sprintf("%d", [v]) }', "kept"),  # bound twice: 10.0 == 10 compares
])
def test_a_literal_bound_to_a_name_is_sorted_likewise(body: str, reading: str) -> None:
    source = f"package p\n{body}\n"
    assert [r for _, r in literal_bindings(source, tokens(source)).values()][:1] == [reading]


def test_the_regorus_rewrite_keeps_lines_and_hands_sprintf_the_texts() -> None:
    source = ('package p\nx := sprintf("%v %v", [\n  to_number(input.a),\n  1.0,\n])\n'
              'y := json.marshal(to_number(input.b))\n')
    out = number_texts_for_regorus(source)
    assert out.count("\n") == source.count("\n")
    assert "__natpolicy_sprintf_texts(" in out and '], [true, "1.0"])' in out
    assert "__natpolicy_to_number_texted(input.a)" in out and "__natpolicy_to_number_kept(input.b)" in out


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_a_replaced_sprintf_or_to_number_is_not_renamed_and_what_that_leaves_is_refused() -> None:
    mocked = ('package p\nf(_, _) := "mock"\ng(_) := 7\nx := sprintf("%d", [1.0])\n'
              'y := json.marshal([to_number(input.a)])\nz := v if { v := x with sprintf as f }\n'
              'w := v if { v := y with to_number as g }\n')
    messages = [message for _, message in engine_refusals(mocked, "regorus")]
    assert any("number 1.0 in a sprintf argument" in m for m in messages)
    assert any("replaces to_number with `with`" in m for m in messages)
    assert number_texts_for_regorus(mocked, TextContext(frozenset({"sprintf", "to_number"}))) == mocked
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": mocked.replace("1.0", "1")}, None, ["p/z", "p/w"])
    assert engine.evaluate(compiled, "p/z", engine.prepare_input({})) == "mock"
    assert engine.evaluate(compiled, "p/w", engine.prepare_input({"a": "1.50"})) == "[7]"


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_stops_json_unmarshal_only_on_numbers_it_would_write_otherwise() -> None:
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": "package p\nx := json.marshal(json.unmarshal(input.s))\n"}, None, ["p/x"])
    for text in ("[2.0]", "[1.50]", "[1e2]", "[-0]", "[18446744073709551616]", '{"a": [0.00000001]}'):
        with pytest.raises(EvaluationError, match=r"^p\.rego:2:\d+: json\.unmarshal of text holding a number"):
            engine.evaluate(compiled, "p/x", engine.prepare_input({"s": text}))
    for text, written in (("[2, 1.5, -0.25]", "[2,1.5,-0.25]"), ('["2.0", {"1.0": 0.5}]', '["2.0",{"1.0":0.5}]'),
                          ("[18446744073709551615]", "[18446744073709551615]"), ("{", None)):
        if written is None:  # text that is no JSON: json.unmarshal's own error, as before
            with pytest.raises(EvaluationError, match="json"):
                engine.evaluate(compiled, "p/x", engine.prepare_input({"s": text}))
        else:
            assert engine.evaluate(compiled, "p/x", engine.prepare_input({"s": text})) == written
