"""regopy_queried: a partial object rule queried on regopy stops where regopy writes two keys of one text as one."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_queried import QueriedCheck, checked_module, queried_checks, unmerged_value
from tests.test_rego_conformance import PROBES, outcome


def _checks(source: str, rule: str = "q") -> dict[str, QueriedCheck]:
    return queried_checks({"p.rego": source}, [f"p/{rule}"])


@pytest.mark.parametrize(("head", "depth"), [
    ("q[k] := 1 if some k in input.ks", 1),
    ("q[i] := r if some i, r in input.rs", 1),
    ("q[input.a] := 1", 1),
    ("q[1] := 1", 1),
    ("q.a[k][j] := 1 if { some k in input.a; some j in input.b }", 3),
    ("q[k] contains v if some k, v in input.o", 1),
])
def test_a_partial_object_rule_with_a_key_that_may_be_no_string_is_checked(head: str, depth: int) -> None:
    checks = _checks(f"package p\n\n{head}\n")
    assert list(checks) == ["p/q"]
    assert checks["p/q"].depth == depth and checks["p/q"].line == 3 and checks["p/q"].module == "p.rego"


@pytest.mark.parametrize("head", [
    "deny contains msg if msg := input.m",  # a set: no keys
    'q["a"] := 1',  # string keys only
    "q.a.b := 1",
    "q := {k: 1 | some k in input.ks}",  # a complete rule: its object is regopy_keys'
    "q(x) := x",
    "r[k] := 1 if some k in input.ks",  # another rule than the one queried
])
def test_other_rules_are_queried_as_they_are(head: str) -> None:
    assert _checks(f"package p\n{head}\n") == {}


def test_a_rule_of_another_package_is_not_checked() -> None:
    assert queried_checks({"p.rego": "package p\nq[k] := 1 if some k in input.ks\n"}, ["other/q"]) == {}


def test_the_hidden_module_counts_each_level_of_the_head() -> None:
    checks = _checks("package p\nq.a[k][j] := 1 if { some k in input.a; some j in input.b }\n")
    text = checked_module(checks)
    assert text.startswith("package __natpolicy_queried\n")
    assert 'q0 := [__v, [count(__v), sum([count(__o1) | some __k1; __o1 := __v[__k1]; is_object(__o1)]), ' in text
    assert 'if __v := data["p"]["q"]' in text


def test_a_value_whose_json_holds_fewer_keys_than_rego_counted_stops_with_the_rules_line() -> None:
    check = QueriedCheck("__natpolicy_queried/q0", 2, "p.rego", 4, "q")
    assert unmerged_value(check, [{"a": {"1": 1}, "b": 2}, [2, 1]]) == {"a": {"1": 1}, "b": 2}
    with pytest.raises(EvaluationError) as caught:
        unmerged_value(check, [{"a": {"1": 1}, "b": 2}, [2, 2]])
    assert caught.value.message.startswith("p.rego:4:1: the value of q holds two keys of one text")


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
@pytest.mark.parametrize("name", ["partial-object-rule-keys-of-one-text-queried-on-regopy",
                                  "partial-object-rule-array-and-set-keys-queried-on-regopy"])
def test_regopy_stops_on_keys_of_one_text(name: str) -> None:
    kind, detail = outcome(create_engine("regopy"), _probe(name))
    assert kind == "error" and "holds two keys of one text" in detail and detail.startswith("p.rego:3:1: ")


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_regopy_answers_numbered_keys_and_keys_of_texts_apart() -> None:
    # The near miss must answer, not stop: `x[i] := ... if input.rs[i]` is the common partial object rule.
    assert outcome(create_engine("regopy"), _probe("partial-object-rule-numbered-keys-queried")) == ("ok", "")


def _probe(name: str) -> dict[str, Any]:
    return next(p for p in PROBES if p["name"] == name)
