"""A name keying a ref and unified with what it reads while unbound (self_keyed), and a comprehension's head keyed
by a name nothing binds (comprehension_heads): refused where an engine answered otherwise than OPA, silently.

OPA reads ``some k, v in xs`` as ``v = xs[k]`` (rewriteSomeDeclStatement) and moves a comprehension's head into its
body (rewriteComprehensionTerms); a unification iterates the ref's unbound name first, then compares (biunifyRef).
Each fire case is shown answering otherwise on the raw engine, then refused by natpolicy with its line; each near
miss answers as OPA on every engine.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from tests.test_rego_conformance import outcome

ENGINES = installed_engines()
DOC = {"xs": [[1, 2], [1, 4], [7, 8]], "ys": [0, 5, 2], "o": {"a": "a", "b": "c"}}

FIRES = [
    # (rule x, OPA's answer, {engine: what it answered raw})
    ("x contains k if { some k, k in input.ys }", [0, 2], {"regorus": [0, 2, 5], "regopy": [0, 2, 5]}),
    ("x contains k if { some k, k in input.o }", ["a"], {"regorus": ["a", "c"], "regopy": ["a", "c"]}),
    ("x contains a if { some k, [k, a] in input.xs }", [4], {"regorus": [2, 4, 8]}),
    ("x contains k if { some k; k = input.ys[k] }", [0, 2], {"regorus": []}),
    ("x := [a | some k; some a; [k, a] = input.xs[k]]", [4], {"regorus": []}),
    ("x := [input.ys[i] | some i]", [0, 5, 2], {"regopy": []}),
    ("x := {input.ys[i] | true}", [0, 2, 5], {"regopy": []}),
    ("x := {k: input.o[k] | some k}", {"a": "a", "b": "c"}, {"regorus": {}, "regopy": {}}),
]

NEAR_MISSES = [
    # (rule x, OPA's answer): the value bound apart and compared, a name bound before, `==`, a key, a rule's head
    ("x contains k if { some k, v in input.ys; v == k }", [0, 2]),
    ("x contains a if { some k, [j, a] in input.xs; j == k }", [4]),
    ("x contains k if { some k; k == input.ys[k] }", [0, 2]),
    ("x contains k if { some k; input.ys[k] > 1; k = input.ys[k] }", [2]),
    ("x contains a if { some k; [j, a] = input.xs[k]; j == k }", [4]),
    ("x := [input.ys[i] | input.ys[i]]", [0, 5, 2]),
    ("x := {k: v | some k, v in input.o}", {"a": "a", "b": "c"}),
    ("x contains input.ys[i] if { some i }", [0, 2, 5]),
    ("x if { i := 1; y := [input.ys[i] | true]; y == [5] }", True),
]


def _raw(engine: str, rule: str) -> Any:
    source = f"package p\nimport rego.v1\n{rule}\n"
    if engine == "regorus":
        import regorus

        rego = regorus.Engine()
        rego.add_policy("p.rego", source)
        rego.set_input_json(json.dumps(DOC))
        value = rego.eval_rule("data.p.x")
        return sorted(value) if isinstance(value, set) else value
    import regopy

    interpreter = regopy.Interpreter()
    interpreter.add_module("p", source)
    interpreter.set_input(regopy.Input(DOC))
    return json.loads(str(interpreter.query("data.p.x")))["expressions"][0]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rule", "expected", "raw"), FIRES)
def test_refused_where_the_engine_answered_otherwise(engine: str, rule: str, expected: Any,
                                                     raw: dict[str, Any]) -> None:
    kind, detail = outcome_of(engine, rule, expected)
    if engine not in raw:
        assert (kind, detail) == ("ok", ""), detail  # this engine answers as OPA: left alone
        return
    assert _raw(engine, rule) == raw[engine] != expected  # the silent difference, measured
    assert kind == "refused" and detail.startswith("p.rego:2: ") and "natpolicy refuses it" in detail, detail


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rule", "expected"), NEAR_MISSES)
def test_near_misses_answer_as_opa(engine: str, rule: str, expected: Any) -> None:
    assert outcome_of(engine, rule, expected) == ("ok", "")


def outcome_of(engine: str, rule: str, expected: Any) -> tuple[str, str]:
    return outcome(create_engine(engine), {"source": f"package p\n{rule}\n", "rule": "x", "input": DOC,
                                           "expect": expected})
