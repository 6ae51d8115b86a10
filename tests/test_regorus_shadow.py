"""natpolicy.rego.regorus_shadow: a comprehension's own `some n in` variable, named like one of the rule around it.

regorus 0.13.0 refuses it ("var `n` used before definition below"); OPA declares a new variable in the
comprehension's scope. natpolicy renames it there, on the same lines, wherever that means what OPA means.
"""
from __future__ import annotations

import json

import pytest

from natpolicy.rego.engines import create_engine
from natpolicy.rego.regorus_shadow import rename_comprehension_shadows
from tests.test_rego_conformance import ENGINES, PROBES, outcome

regorus = pytest.importorskip("regorus")

_NESTED = 'package p\nx := [[k, y] | some k, v in input.xs; some y in {v | some v in input.l}]\n'


def test_the_comprehensions_own_variable_is_renamed_on_its_line() -> None:
    out = rename_comprehension_shadows(_NESTED)
    assert out.count("\n") == _NESTED.count("\n")
    assert "some k, v in input.xs; some y in {__natpolicy_v_c" in out  # the enclosing `v` is left as written
    inner = out.split("{", 1)[1]
    assert inner.count("__natpolicy_v_c") == 2 and " v " not in inner


def test_regorus_itself_refuses_what_natpolicy_answers() -> None:
    raw = regorus.Engine()
    with pytest.raises(RuntimeError, match="var `v` used before definition below"):
        raw.add_policy("p.rego", _NESTED)
        raw.set_input_json(json.dumps({"xs": {"a": [1]}, "l": ["q"]}))
        raw.eval_query("data.p.x")
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": _NESTED}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({"xs": {"a": [1]}, "l": ["q"]})) == [["a", "q"]]


@pytest.mark.parametrize("name", ["comprehension-some-in-shadows-enclosing-comprehension",
                                  "comprehension-some-in-shadows-argument-and-body",
                                  "regopy-comprehension-shadows-outer"])
def test_regorus_answers_the_probes(name: str) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    probe = next(p for p in PROBES if p["name"] == name)
    assert outcome(create_engine("regorus"), probe) == ("ok", "")


def test_an_assignment_is_renamed_too() -> None:
    # regorus answered `v :=` as OPA already; regopy bound the outer `v` (regopy_shadow): renamed on both.
    out = rename_comprehension_shadows("package p\nx := [y | v := 1; y := {v | v := 2}]\n")
    assert out == "package p\nx := [y | v := 1; y := {__natpolicy_v_c14 | __natpolicy_v_c14 := 2}]\n"


@pytest.mark.parametrize("source", [
    # no other `v` in the rule: regorus answers it as written
    "package p\nx := [v | some v in input.l]\n",
    # used in the body before its declaration: OPA reads the outer `v` there (regorus' refusal stays)
    'package p\nx := [y | some v in ["a"]; y := {[v, w] | some w in [v]; some v in ["r"]}]\n',
    # the collection names it: OPA reads the outer one there
    "package p\nx := [y | v := input.l; y := {v | some v in v}]\n",
    # declared twice, or assigned after its declaration, in one body: OPA refuses the module
    'package p\nx := [y | v := 1; y := {v | some v in ["q"]; some v in ["r"]}]\n',
    'package p\nx := [y | v := 1; y := {v | some v in ["q"]; v := 2}]\n',
    # declared again in a comprehension inside it (that one reads it in its collection: left as written too)
    'package p\nx := [y | v := 1; y := {v | some k, v in ["q"]; z := {v | some v in v}}]\n',
    # `v := v + 1`: OPA reads the outer `v` on the right; a plain `some v` is regorus_some's
    "package p\nx := [y | v := 1; y := {v | v := v + 1}]\n",
    "package p\nx := [y | v := 1; y := {w | some v; w := input.l[v]}]\n",
    # `v` only as a field or a string
    'package p\nx := [y | y := input.v; z := {w | some w in ["v"]}]\n',
])
def test_near_misses_are_left_as_written(source: str) -> None:
    assert rename_comprehension_shadows(source) == source
