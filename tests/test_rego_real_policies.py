"""What running real third-party conftest policies on both engines found (docs/rego.md), one test per fix.

Each probe named here is in tests/rego_probes/probes.yaml with OPA's answer; these tests pin the engine that
differed to that answer (the conformance test alone would also accept a stop).
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_rewrite import membership_edits
from natpolicy.rego.regorus_heads import bind_heads, head_site
from natpolicy.rego.source import scan_module
from test_rego_conformance import PROBES, outcome

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]


def probe(name: str) -> dict[str, Any]:
    return next(p for p in PROBES if p["name"] == name)


def needs(engine_name: str) -> None:
    if engine_name not in ENGINES:
        pytest.skip(f"{engine_name} is not installed here")


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_head_is_evaluated_only_once_its_body_holds(engine_name: str) -> None:
    needs(engine_name)
    assert outcome(create_engine(engine_name), probe("head-term-evaluated-after-body")) == ("ok", "")


def test_a_head_that_stops_regorus_is_reported_at_the_heads_line() -> None:
    needs("regorus")
    kind, detail = outcome(create_engine("regorus"), probe("head-term-printed-when-body-holds"))
    assert kind == "error" and detail.startswith("p.rego:2:12: sprintf of an array, set or object"), detail


def test_regopy_prints_the_head_when_the_body_holds() -> None:
    needs("regopy")
    assert outcome(create_engine("regopy"), probe("head-term-printed-when-body-holds")) == ("ok", "")


def test_a_multi_line_head_is_bound_at_the_end_of_its_body_on_the_same_lines() -> None:
    source = ('package p\ndeny contains sprintf(\n  "%s %s",  # the format\n  [r.a, r.b],\n) if {\n'
              '  some r in input.rs\n  r.a != r.b # differ\n}\nx := 1\n')
    out = bind_heads(source)
    assert out.count("\n") == source.count("\n")
    lines = out.split("\n")
    assert lines[1] == "deny contains __natpolicy_head if {"
    assert lines[6] == '  r.a != r.b; __natpolicy_head := (sprintf( "%s %s", [r.a, r.b], )) # differ'
    assert lines[8] == "x := 1"
    assert head_site(out, 7, 20) == (2, 15)  # an error in the binding is the head's
    assert head_site(out, 7, 3) is None  # one in the body's own statement stays where it is


def test_a_head_holding_a_multi_line_raw_string_is_bound_where_it_stood() -> None:
    source = 'package p\ndeny contains concat("", [`a\nb`, r]) if {\n  r := input.x\n}\n'
    out = bind_heads(source)
    assert out.count("\n") == source.count("\n")
    assert "if {__natpolicy_head := (concat(\"\", [`a\nb`, r])); \n  r := input.x\n}" in out


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
@pytest.mark.parametrize("name", ["sprintf-arguments-with-trailing-comma", "empty-set-literal"])
def test_common_idioms_of_real_policies_are_answered_not_refused(engine_name: str, name: str) -> None:
    needs(engine_name)
    assert outcome(create_engine(engine_name), probe(name)) == ("ok", "")


def test_sprintf_arguments_that_are_no_literal_array_are_still_refused_on_regopy() -> None:
    needs("regopy")
    near_miss = {"name": "near-miss", "source": 'package p\nargs := ["a"]\nx := sprintf(\n  "%s",\n  args,\n)\n',
                 "rule": "x", "expect": "a"}
    kind, detail = outcome(create_engine("regopy"), near_miss)
    assert kind == "refused" and "p.rego:3: sprintf arguments that are not a literal array" in detail, detail


def test_set_with_an_argument_is_still_a_call() -> None:
    assert [c.name for c in scan_module("package p\nx := set()\ny := set(1)\n").calls] == ["set"]


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_deprecated_opa_builtin_is_refused_with_its_replacement(engine_name: str) -> None:
    needs(engine_name)
    source = 'package p\n\npascal(s) {\n  re_match(`^[A-Z]`, s)\n}\n\nx := [ok | ok := pascal("Ab")]\n'
    kind, detail = outcome(create_engine(engine_name), {"name": "re-match", "source": source, "rule": "x",
                                                        "rego_version": "v0", "expect": [True]})
    assert kind == "refused", detail
    assert detail.startswith("p.rego:4:3: re_match is a builtin OPA deprecated (Rego v0 only") and \
        "write regex.match(pattern, value) instead" in detail, detail



SECRET = {"s": ["SECRET1", "SECRET2"], "o": {"k": "SECRETVAL"}, "plain": "abc"}


def regorus_stop(rule_source: str) -> str:
    """The one-line stop of ``x`` on regorus over SECRET (a value the plan could mark sensitive)."""
    probe_ = {"name": "echo", "source": "package p\n\nimport rego.v1\n\n" + rule_source, "rule": "x", "input": SECRET,
              "expect": None}
    kind, detail = outcome(create_engine("regorus"), probe_)
    assert kind == "error", detail
    return detail


@pytest.mark.parametrize(("rule_source", "says"), [
    # Scalr's KMS policy: an `else` chain whose last branch iterates, so the function has two outputs.
    ("f(v) := y if { y := input.s[_] }\n\nx if f(1)\n", "p.rego:7:7: function produced multiple outputs for the same inputs"),
    ("x if regex.match(\"a\", input.o)\n", "`regex.match` expects string argument. Got an object instead"),
    ("x := object.get(input.s, \"k\", 1)\n", "`object.get` expects object argument. Got an array instead"),
])
def test_a_regorus_stop_never_echoes_the_inputs_values(rule_source: str, says: str) -> None:
    needs("regorus")
    detail = regorus_stop(rule_source)
    assert says in detail and "SECRET" not in detail, detail


def test_a_regorus_stop_that_echoes_no_value_keeps_its_words() -> None:
    needs("regorus")
    detail = regorus_stop("x if upper(input.o)\n")
    assert detail.endswith("upper: operand 1 must be string"), detail


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_wildcard_inside_a_comprehension_argument_is_answered(engine_name: str) -> None:
    needs(engine_name)
    assert outcome(create_engine(engine_name), probe("wildcard-in-comprehension-in-call-argument")) == ("ok", "")


def test_a_wildcard_bound_by_the_call_argument_itself_is_still_refused_on_regopy() -> None:
    needs("regopy")
    near_miss = {"name": "near-miss", "source": "package p\nx := [upper(input.a[_]), [v | v := input.a[_]]]\n",
                 "rule": "x", "input": {"a": ["x"]}, "expect": ["X", ["x"]]}
    kind, detail = outcome(create_engine("regopy"), near_miss)
    assert kind == "refused" and "`_` is bound inside the argument of upper(...)" in detail, detail


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_wildcard_member_of_a_collection_is_answered(engine_name: str) -> None:
    needs(engine_name)
    assert outcome(create_engine(engine_name), probe("wildcard-member-of-literal")) == ("ok", "")


def test_a_wildcard_membership_inside_a_larger_expression_is_left_as_written() -> None:
    source = ("package p\nx if {\n  not input.a[_] in [1]\n}\ny if { input.a[_] in [1] == true }\n"
              "z if { input.a[_] in [1] with input.a as [1] }\nw if { input.b[_].c[_] in [1] }\n")
    assert membership_edits(source) == []
    kept = "package p\nv if {\n  input.a[_] in [1]; input.b[_] in {2}\n}\n"
    assert _apply_all(kept) == ("package p\nv if {\n  some __natpolicy_member11 in input.a; __natpolicy_member11 in [1]; "
                                "some __natpolicy_member22 in input.b; __natpolicy_member22 in {2}\n}\n")


def _apply_all(source: str) -> str:
    for start, end, text in sorted(membership_edits(source), reverse=True):
        source = source[:start] + text + source[end:]
    return source


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_wildcard_membership_after_not_iterates_outside_the_negation(engine_name: str) -> None:
    # `in` is a call: OPA binds `input.a[_]` before the `not` (negated_operands), so x holds when some element is
    # not in [1] (it was refused on regopy, which never binds `_` inside a call's argument).
    needs(engine_name)
    source = "package p\nx if {\n  not input.a[_] in [1]\n}\n"
    some_out = {"name": "some-out", "source": source, "rule": "x", "input": {"a": [1, 2]}, "expect": True}
    all_in = {"name": "all-in", "source": source, "rule": "x", "input": {"a": [1]}, "undefined": True}
    assert outcome(create_engine(engine_name), some_out) == ("ok", "")
    assert outcome(create_engine(engine_name), all_in) == ("ok", "")
