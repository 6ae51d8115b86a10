"""regorus_negation: ``not`` over an expression holding ``_``, which regorus 0.13.0 read as "some element is not".

OPA evaluates the negated expression as a query of its own (``evalNot``), so its ``_`` is existential inside
the ``not``: ``not input.arr[_] == "c"`` holds when no element is ``"c"``. regorus bound ``_`` outside and
negated each element. Each fire case runs on the raw regorus (no rewrite) to show the difference, then through
natpolicy's engine, where regorus and regopy both give OPA's answer; each near miss is left as written.
And a variable first bound under ``not`` (``not input.arr[i] == "c"``) is OPA's unsafe variable: refused.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regorus_negation import negations_for_regorus

DOC = {"arr": ["c", "a", "b"], "rs": [{"type": "aws_vpc", "n": 1}, {"type": "x"}]}

FIRES = [
    # (rule x, the expression after the rewrite, OPA's answer)
    ('x := [1 | not input.arr[_] == "c"]', 'count([1 | input.arr[_] == "c"]) == 0', []),
    ('x := [1 | not input.arr[_] == "q"]', 'count([1 | input.arr[_] == "q"]) == 0', [1]),
    ('x if {\n  not input.rs[_].n\n}', "count([1 | input.rs[_].n]) == 0", None),
    ('x := [v | some v in input.arr; not input.arr[_] == v]', "count([1 | input.arr[_] == v]) == 0", []),
    ('x if not input.rs[_].type == "x"', 'count([1 | input.rs[_].type == "x"]) == 0', None),
    ('x := [1 | not "c" == input.arr[_]]', 'count([1 | "c" == input.arr[_]]) == 0', []),
]

QUIET = [
    # (rule x, OPA's answer)
    ('x := count([r | some r in input.rs; not r.n == 1])', 1),  # no `_`
    ('x := [1 | not [1 | input.arr[_] == "c"][0] == 1]', []),  # the comprehension's own `_`
    ('x := [1 | not input.arr[_]]', []),  # answered alike already, rewritten all the same
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


def _raw_regorus(source: str) -> Any:
    import regorus

    engine = regorus.Engine()
    try:
        engine.add_policy("p.rego", source)
        engine.set_input_json(json.dumps(DOC))
        value = engine.eval_rule("data.p.x")
    finally:
        del engine  # dropped on this thread, even when it fails (see conftest's raw_regorus)
    return json.loads(value) if isinstance(value, str) else value


def _answer(name: str, source: str) -> Any:
    engine = create_engine(name)
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    answer = engine.evaluate(compiled, "p/x", engine.prepare_input(DOC))
    return None if answer is UNDEFINED else answer


@pytest.mark.parametrize(("body", "expression", "opa"), FIRES)
def test_the_negation_becomes_a_count_of_solutions_on_its_lines(body: str, expression: str, opa: Any) -> None:
    source = _module(body)
    rewritten = negations_for_regorus(source)
    assert expression in rewritten and "not " not in rewritten.split("\n", 2)[2]
    assert rewritten.count("\n") == source.count("\n")


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "expression", "opa"), FIRES)
def test_regorus_negates_each_element_without_the_rewrite_and_answers_as_opa_with_it(body: str, expression: str,
                                                                                    opa: Any) -> None:
    source = _module(body)
    assert _raw_regorus(source) != opa
    assert _answer("regorus", source) == opa
    assert _answer("regopy", source) == opa


@pytest.mark.parametrize(("body", "opa"), QUIET)
def test_negations_without_their_own_wildcard_are_left_alone(body: str, opa: Any) -> None:
    source = _module(body)
    if "not input.arr[_]]" not in body:
        assert negations_for_regorus(source) == source
    if "regorus" in installed_engines():
        assert _answer("regorus", source) == opa


@pytest.mark.parametrize("body", [
    'x := [1 | not input.arr[i] == "c"]',
    'x if {\n  not input.rs[k].n\n}',
])
def test_a_variable_bound_only_under_not_is_unsafe_on_every_engine(body: str) -> None:
    source = _module(body)
    for engine in ("regorus", "regopy"):
        assert any("is unsafe" in message for _, message in engine_refusals(source, engine))


@pytest.mark.parametrize("body", [
    'x := [i | input.arr[i]; not input.arr[i] == "c"]',  # bound before the `not`
    'x := [1 | not count([i | input.arr[i] == "c"]) > 0]',  # a comprehension under `not` binds its own
    'x := [1 | not input.arr[_] == "c"]',
])
def test_names_bound_outside_or_in_a_comprehension_under_not_are_safe(body: str) -> None:
    assert not any("is unsafe" in message for _, message in engine_refusals(_module(body), "regorus"))
