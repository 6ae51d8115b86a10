"""json_first_regorus: ``json.unmarshal`` of a value followed by ``null`` is that value, as OPA reads it.

OPA's util.UnmarshalJSON decodes the first value, then asks Go's decoder for one more token, and Token() answers
nil for a ``null`` as for the end (v1/util/json.go): ``json.unmarshal("[1] null")`` is ``[1]`` in both of OPA's
modes. Raw regorus stops there; through natpolicy it answers OPA's value. regopy still stops (loud).
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.json_first_regorus import json_values_for_regorus
from tests.test_rego_conformance import outcome
from tests.test_rego_default_mode import default_answer

pytestmark = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")

FIRES = [
    # (text, OPA's value)
    ("[1] null", [1]), ("1null", 1), ("truenull", True), ('"a" nullx', "a"), ("null null", None),
    ('["null"] null', ["null"]), ('{"a": null} null', {"a": None}), ("[1] null [2]", [1]), (" [1]\n null", [1]),
]
NEAR_MISSES = [
    # (text, OPA's value in its default mode): JSON as it is, and text OPA fails on (undefined by default)
    ('{"a": null}', {"a": None}), ("[1]", [1]), ("null", None), ("[1] [2] null", UNDEFINED), ("[1] x null", UNDEFINED),
    ("01 null", UNDEFINED), ("[1] nul", UNDEFINED), ("{", UNDEFINED),
]


def _probe(text: str, expected: Any) -> dict[str, Any]:
    return {"source": "package p\nx := json.unmarshal(input.t)\n", "rule": "x", "input": {"t": text},
            **({"undefined": True} if expected is UNDEFINED else {"expect": expected})}


@pytest.mark.parametrize(("text", "expected"), FIRES)
def test_raw_regorus_stops_and_natpolicy_answers_as_opa_in_both_modes(text: str, expected: Any) -> None:
    import regorus  # the raw engine, without natpolicy's rewrites

    raw = regorus.Engine()
    raw.add_policy("p.rego", "package p\nx := json.unmarshal(input.t)\n")
    raw.set_input_json(json.dumps({"t": text}))
    with pytest.raises(RuntimeError, match="deserialize"):
        raw.eval_rule("data.p.x")
    engine = create_engine("regorus")
    assert outcome(engine, _probe(text, expected)) == ("ok", "")
    assert default_answer(engine, _probe(text, expected)) == ("ok", expected)


@pytest.mark.parametrize(("text", "expected"), NEAR_MISSES)
def test_near_misses_answer_as_opa_by_default(text: str, expected: Any) -> None:
    engine = create_engine("regorus")
    kind, value = default_answer(engine, _probe(text, expected))
    # text OPA fails on that holds "null" passes the default mode's guard: the engine stops there (loud)
    assert (kind, value) == ("ok", expected) or (expected is UNDEFINED and kind == "stop" and "null" in text)


def test_the_rewrite_wraps_each_operand_on_its_line_and_leaves_a_replaced_json_unmarshal() -> None:
    source = "package p\nx := json.unmarshal(json.unmarshal(input.t))\ny := 1\n"
    out = json_values_for_regorus(source)
    assert out.splitlines()[1:3] == ["x := json.unmarshal(__natpolicy_json_first(json.unmarshal("
                                     "__natpolicy_json_first(input.t))))", "y := 1"]
    assert out.count("__natpolicy_json_first(__natpolicy_x)") == 1  # the helper, once
    assert "else = __natpolicy_x { true }" in json_values_for_regorus(source, v0=True)
    mocked = 'package p\nx := json.unmarshal("a") with json.unmarshal as f\nf(s) := s\n'
    assert json_values_for_regorus(mocked) == mocked
    assert json_values_for_regorus("package p\nx := 1\n") == "package p\nx := 1\n"
