"""The one guard (natpolicy.rego.boolean_keys) of json.filter/json.remove, object.subset and graph.reachable_paths
computed in Python for regorus, which hands a set or object holding both ``true`` and ``1`` over as one: each
builtin keeps its own message and depth, and a boolean that arrives apart (in an array) is read as it is."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.boolean_keys import refuse_boolean_keys
from natpolicy.rego.json_paths_opa import opa_json_filter, opa_json_remove
from natpolicy.rego.reachable_opa import opa_reachable_paths
from natpolicy.rego.subset_opa import opa_object_subset
from rego_answers import ENGINES, answer

WHY = "natpolicy cannot tell true from 1 in what regorus hands over, so it refuses it: run with --rego-engine opa"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: opa_json_filter({"a": [{"b": {True: 1}}]}, ["a"]),
     f"json.filter or json.remove of an object keyed by a boolean: {WHY}"),
    (lambda: opa_json_remove({"a": [{"b": {False, "c"}}]}, ["a"]),
     f"json.filter or json.remove of a set holding a boolean: {WHY}"),
    (lambda: opa_object_subset({"a": [{"b": {True}}]}, {}),
     f"object.subset of a set or object key holding a boolean: {WHY}"),
    (lambda: opa_object_subset({}, {"a": [{True: 2}]}),
     f"object.subset of a set or object key holding a boolean: {WHY}"),
    (lambda: opa_reachable_paths({True: [2], 2: []}, [2]),
     f"graph.reachable_paths of a set or object key holding a boolean: {WHY}"),
    (lambda: opa_reachable_paths({2: []}, {True, 2}),
     f"graph.reachable_paths of a set or object key holding a boolean: {WHY}"),
    (lambda: opa_reachable_paths({2: {1, False}}, [2]),
     f"graph.reachable_paths of a set or object key holding a boolean: {WHY}"),
])
def test_each_builtin_keeps_its_message_and_looks_as_deep_as_it_looks_keys_up(call: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message


def test_depth_is_the_callers() -> None:
    nested = {"a": [{"b": {True: 1}}]}
    with pytest.raises(ValueError):
        refuse_boolean_keys(nested, "x", deep=True)
    refuse_boolean_keys(nested, "x", deep=False)  # only the outer keys: none is a boolean
    refuse_boolean_keys([True, 1], "x", deep=True)  # an array's elements arrive apart
    # graph.reachable_paths never looks a node's value up unless it holds edges: an object there is no edge.
    assert opa_reachable_paths({1: {True: 2}}, [1]) == frozenset({(1,)})


def test_a_boolean_start_node_in_an_array_is_no_node() -> None:
    # OPA (v1/topdown/reachable.go): graph.Get(true) finds no key 1, so `true` starts nothing. Refused before the
    # guards were one (the start array's elements were taken for a set's).
    assert opa_reachable_paths({1: []}, [True, 1]) == frozenset({(1,)})
    assert opa_reachable_paths({1: [2], 2: []}, [True]) == frozenset()


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_answers_a_boolean_start_node_in_an_array() -> None:
    assert answer("regorus", "graph.reachable_paths({1: []}, [true, 1])") == [[1]]
