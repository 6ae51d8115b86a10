"""regopy lists a set inside a rule's value in OPA's order (regopy_sets).

regopy 1.5.2 writes a set as an array in its own order: numbers inside
arrays compared as text, a set before an array, strings by their escaped
form. natpolicy asks the engine which arrays are sets and re-sorts exactly
those; arrays stay as written, and a value it cannot map is refused.
"""
from __future__ import annotations

import functools
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_sets import opa_compare, order_may_differ, set_paths_query

needs_regopy = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")


def _deny(body: str, document: Any = None) -> Any:
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": f"package p\n\n{body}\n"}, None, ["p/deny"])
    return engine.evaluate(compiled, "p/deny", engine.prepare_input(document or {}))


@needs_regopy
def test_a_set_of_arrays_in_a_finding_comes_out_in_opas_order() -> None:
    # regopy alone writes [[10], [9]] (it compares 10 and 9 as text); OPA lists [9] first.
    assert _deny('deny contains {"msg": "m", "ports": {[10], [9]}} if true') == [{"msg": "m", "ports": [[9], [10]]}]


@needs_regopy
def test_an_array_of_arrays_keeps_the_order_it_was_written_in() -> None:
    assert _deny('deny contains {"msg": "m", "ports": [[10], [9]]} if true') == [{"msg": "m", "ports": [[10], [9]]}]


@needs_regopy
def test_an_array_sorts_before_a_set_and_strings_sort_by_their_own_text() -> None:
    value = _deny('deny contains {"msg": "m", "k": {[1], {0}}, "s": {"a\\"b", "a#"}} if true')
    # OPA: arrays before sets; `"` (U+0022) before `#` (U+0023), where regopy compares `\"` with `#`.
    assert value == [{"msg": "m", "k": [[1], [0]], "s": ['a"b', "a#"]}]


@needs_regopy
def test_sets_nested_in_sets_and_built_from_input_are_sorted_at_every_level() -> None:
    value = _deny('deny contains {"msg": "m", "d": {{p | some p in r} | some r in input.rs}} if true',
                  {"rs": [[10, 2], [9], [100, 30]]})
    assert value == [{"msg": "m", "d": [[2, 10], [9], [30, 100]]}]
    nested = _deny('deny contains {"msg": "m", "n": {{"x": {[3], [20]}}, {"x": {[1]}}}} if true')
    assert nested == [{"msg": "m", "n": [{"x": [[1]]}, {"x": [[3], [20]]}]}]


@needs_regopy
def test_a_set_that_cannot_be_told_from_an_array_is_refused() -> None:
    # Two findings with the same JSON: one holds a set, the other an array; the set's path is ambiguous.
    with pytest.raises(EvaluationError, match="could not tell which arrays are sets") as caught:
        _deny('deny contains {"msg": "m", "d": {[1], [2]}} if true\n'
              'deny contains {"msg": "m", "d": [[1], [2]]} if true')
    assert caught.value.code == "set_order"


def test_only_arrays_below_the_rules_elements_holding_collections_or_escaped_strings_ask_again() -> None:
    assert not order_may_differ([{"msg": "a", "tags": ["x", "y"], "n": [10, 9]}, "plain", {"o": {"k": [1]}}])
    assert not order_may_differ([[[1], [2]]][0])  # the rule's own elements: natpolicy sorts findings itself
    assert not order_may_differ([{"one": [[1]]}])  # a single element has one order
    assert order_may_differ([{"d": [[10], [9]]}])
    assert order_may_differ([{"d": {"e": [{"a": 1}, {"b": 2}]}}])
    assert order_may_differ([{"s": ["a\"b", "c"]}])
    assert order_may_differ({"x": [["a"], ["b"]]})


def test_the_second_query_quotes_each_part_of_the_entrypoint() -> None:
    assert set_paths_query("main/deny") == 'paths := [p | walk(data["main"]["deny"], [p, v]); is_set(v)]'


def test_opa_compare_follows_opas_order_of_kinds_and_of_objects() -> None:
    sets: frozenset[int] = frozenset()
    ordered = [None, False, True, -1, 2.5, 10, "", "Z", "a", "é", [1], [1, 0], [2], {"a": 2}, {"a": 2, "b": 0},
               {"b": 0}]
    shuffled = list(reversed(ordered))
    assert sorted(shuffled, key=functools.cmp_to_key(functools.partial(opa_compare, sets=sets))) == ordered
    # Objects compare key, then its value, pair by pair: {"a": 1, "z": 0} < {"a": 2}.
    assert opa_compare({"a": 1, "z": 0}, {"a": 2}) < 0
    as_set = [3, 1]
    assert opa_compare([9], as_set, frozenset({id(as_set)})) < 0  # any array before any set
    assert opa_compare(as_set, [1, 4], frozenset({id(as_set)})) > 0
    other_set = [2, 1]
    assert opa_compare(as_set, other_set, frozenset({id(as_set), id(other_set)})) > 0  # [1, 3] after [1, 2]



def test_strings_one_of_which_starts_another_with_a_space_need_the_set_query() -> None:
    # regopy compares strings quoted: "a b" came before "a" in a set inside a finding.
    from natpolicy.rego.regopy_sets import order_may_differ

    assert order_may_differ([["a b", "a"]]) and order_may_differ([{"k": ["x", "x!y"]}])
    assert not order_may_differ([["ab", "a"]]) and not order_may_differ([["a b", "b"]])  # near misses
