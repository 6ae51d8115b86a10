"""graph.reachable_paths (and graph.reachable over a node holding no array or set) answer as OPA's
v1/topdown/reachable.go: on regorus through natpolicy.rego.reachable_opa, on regopy through regopy_stops' helper,
which adds the paths regopy's own walk leaves out and walks a start node listing itself on its own."""
from __future__ import annotations

import random
from typing import Any

import pytest

from natpolicy.rego.reachable_opa import opa_reachable_paths
from rego_answers import ENGINES, answer

PATHS = "graph.reachable_paths(input.g, input.i)"

# OPA's own test cases (v1/test/cases/testdata/v1/reachable/test-reachable-paths-0422.yaml and -1022.yaml) and
# those of this module's docstring: graph, start nodes, OPA's value.
OPA_CASES: list[tuple[dict[str, Any], list[Any], list[list[Any]]]] = [
    ({}, ["a"], []),
    ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a"], [["a", "b", "c"]]),
    ({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": [], "e": ["f"], "f": ["e"], "x": ["x"]}, ["b", "e"],
     [["b", "d"], ["e", "f"]]),
    ({"a": None}, ["a"], [["a"]]),
    ({"a": ["b", "c"], "b": ["c"], "c": []}, ["a"], [["a", "b", "c"], ["a", "c"]]),
    ({"1": [], "2": ["1"], "3": ["2"], "4": ["3", "2"], "5": ["4"]}, ["5"],
     [["5", "4", "2", "1"], ["5", "4", "3", "2", "1"]]),
    ({"a": ["b"], "b": ["nonexistent"]}, ["a", "b"], [["a", "b"], ["b"]]),
    ({"one": ["two", "five"], "two": ["four"], "three": [""], "four": ["three"], "five": ["seven", "six"],
      "six": ["nine", "seven"], "seven": ["eight"], "eight": ["three"], "nine": [""]}, ["one"],
     [["one", "five", "seven", "eight", "three"], ["one", "five", "six", "nine"],
      ["one", "five", "six", "seven", "eight", "three"], ["one", "two", "four", "three"]]),
    # A node holding no array or set: no edges.
    ({"a": 1}, ["a"], [["a"]]),
    ({"a": ["b", "c"], "b": "s", "c": {"d": ["a"]}}, ["a"], [["a", "b"], ["a", "c"]]),
    # A neighbour that is no node beside one that is: the path so far, and on.
    ({"a": ["x", "b"], "b": []}, ["a"], [["a"], ["a", "b"]]),
    # A start node listing itself is followed once more.
    ({"a": ["a"]}, ["a"], [["a", "a"]]),
    ({"a": ["a", "b"], "b": []}, ["a"], [["a", "a"], ["a", "a", "b"], ["a", "b"]]),
    # "" is a node like any other.
    ({"a": [""], "": ["b"], "b": []}, ["a"], [["a", "", "b"]]),
]


@pytest.mark.parametrize(("graph", "initial", "paths"), OPA_CASES)
def test_opa_reachable_paths_is_opas_walk(graph: dict[str, Any], initial: list[Any], paths: list[list[Any]]) -> None:
    assert sorted(list(p) for p in opa_reachable_paths(graph, initial)) == paths


def test_a_boolean_key_stops_a_number_is_no_boolean() -> None:
    with pytest.raises(ValueError, match="cannot tell true from 1"):
        opa_reachable_paths({True: [2], 2: []}, [2])
    # In an array a boolean arrives apart from 1: no node 1 is reached through `true`.
    assert opa_reachable_paths({1: [True, 2], 2: []}, [1]) == frozenset({(1,), (1, 2)})


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize(("graph", "initial", "paths"), OPA_CASES)
def test_regorus_answers_as_opa(graph: dict[str, Any], initial: list[Any], paths: list[list[Any]]) -> None:
    # regorus 0.13 stopped on {"a": 1}, and answered [["a"]] for {"a": ["a"]} and {"a": [""], ...}, silently.
    assert sorted(answer("regorus", PATHS, {"g": graph, "i": initial})) == paths


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
@pytest.mark.parametrize(("graph", "initial", "paths"), OPA_CASES)
def test_regopy_answers_as_opa(graph: dict[str, Any], initial: list[Any], paths: list[list[Any]]) -> None:
    # A start node listing itself stopped until 2026-12-07 (regopy_stops walks it on its own since).
    assert sorted(answer("regopy", PATHS, {"g": graph, "i": initial})) == paths


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_answers_a_node_holding_a_number_and_a_start_node_listing_itself() -> None:
    # Before: undefined, stopped ({"a": 1}); [["a", "b"]] silently for the second and third.
    assert answer("regopy", PATHS, {"g": {"a": 1}, "i": ["a"]}) == [["a"]]
    assert answer("regopy", "graph.reachable(input.g, input.i)", {"g": {"a": ["b"], "b": 2}, "i": ["a"]}) == ["a", "b"]
    # A start node listing itself (stopped until 2026-12-07): OPA follows it once more.
    assert sorted(answer("regopy", PATHS, {"g": {"a": ["b", "a"], "b": []}, "i": ["a"]})) == \
        [["a", "a"], ["a", "a", "b"], ["a", "b"]]
    assert sorted(answer("regopy", PATHS, {"g": {"1": ["1", "2"], "2": ["1"], "3": ["3"]}, "i": ["3", "1"]})) == \
        [["1", "1"], ["1", "1", "2"], ["1", "2"], ["3", "3"]]


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
@pytest.mark.parametrize(("graph", "paths"), [
    ({"a": ["x", "b"], "b": []}, [["a"], ["a", "b"]]),
    # a cycle beside a node off the path (stopped until 2026-12-07: "reaches the node" was a superset)
    ({"a": ["b", "c"], "b": ["a"], "c": []}, [["a", "b"], ["a", "c"]]),
    ({"a": ["b"], "b": ["a", "c"], "c": []}, [["a", "b"], ["a", "b", "c"]]),
    ({"a": ["b"], "b": ["c", "d"], "c": ["b"], "d": ["y"]}, [["a", "b", "c"], ["a", "b", "d"]]),
])
def test_regopy_adds_the_paths_opa_ends_at_a_neighbour_that_is_no_node_or_on_the_path(
        graph: dict[str, Any], paths: list[list[Any]]) -> None:
    assert sorted(answer("regopy", PATHS, {"g": graph, "i": ["a"]})) == paths == \
        sorted(list(p) for p in opa_reachable_paths(graph, ["a"]))


@pytest.mark.parametrize("engine", ENGINES)
def test_random_graphs_answer_as_opa(engine: str) -> None:
    """Small graphs of every shape (cycles, missing nodes, nodes holding no array, a start node listing itself):
    each engine answers OPA's walk (reachable_opa, checked against OPA's own cases above)."""
    rng = random.Random(29)
    names = ["a", "b", "c", "d", ""]
    answered = 0
    for _ in range(60):
        graph: dict[str, Any] = {}
        for name in rng.sample(names, rng.randint(1, 5)):
            graph[name] = rng.choice([1, None, "s"]) if rng.random() < 0.1 else \
                rng.sample([*names, "x"], rng.randint(0, 3))
        initial = rng.sample(names, rng.randint(1, 2))
        want = sorted(list(p) for p in opa_reachable_paths(graph, initial))
        got = answer(engine, PATHS, {"g": graph, "i": initial})
        assert sorted(got) == want, (graph, initial)
        answered += any(isinstance(graph.get(start), list) and start in graph[start] for start in initial)
    assert answered >= 4  # start nodes listing themselves among them (regopy stopped on those until 2026-12-07)
