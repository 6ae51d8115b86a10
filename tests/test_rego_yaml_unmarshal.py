"""yaml.unmarshal of a scalar YAML 1.1 (OPA's go-yaml v2) reads otherwise than the engines' YAML 1.2 stops on both
(yaml_opa, regopy_stops); YAML without one answers as before."""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.yaml_opa import opa_yaml_check, yaml_for_regorus
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", ["a: yes", "a: on", "a: n", "a: 010", "a: 1_000", "yes: 1", "a: [x, off]",
                                  'a: "yes"'])
def test_a_scalar_yaml_1_1_reads_otherwise_stops(engine: str, text: str) -> None:
    # Both engines answered "yes", "010", ... as text (OPA: true, 8); a quoted "yes" cannot be told apart.
    with pytest.raises(EvaluationError, match=r"p\.rego:3|not valid JSON"):  # regopy: 010 breaks its JSON
        answer(engine, "yaml.unmarshal(input.y)", {"y": text})


@pytest.mark.parametrize("engine", ENGINES)
def test_yaml_without_such_a_scalar_answers_as_before(engine: str) -> None:
    assert answer(engine, "yaml.unmarshal(input.y)", {"y": "a: b\nc: [1, 2.5, true, null, text, yesterday]\n"}) \
        == {"a": "b", "c": [1, 2.5, True, None, "text", "yesterday"]}


def test_the_check_never_echoes_the_text_and_the_wrap_stays_on_its_line() -> None:
    with pytest.raises(ValueError) as caught:
        opa_yaml_check({"secret-key": ["on"]})
    assert "secret" not in str(caught.value)
    assert opa_yaml_check({"a": [1, "b"]}) == {"a": [1, "b"]}
    source = 'package p\nx := yaml.unmarshal(concat("", ["a: ", "b"]))\ny := "yaml.unmarshal("\n'
    assert yaml_for_regorus(source).splitlines()[1:] == [
        'x := __natpolicy_yaml_check(yaml.unmarshal(concat("", ["a: ", "b"])))', 'y := "yaml.unmarshal("']


@pytest.mark.parametrize("engine", ENGINES)
def test_text_holding_no_yaml_node_is_null_and_valid(engine: str) -> None:
    # Go's yaml (sigs.k8s.io/yaml): null and true. regopy never ended on "" and read " " and "# c" as {}.
    assert answer(engine, '[yaml.unmarshal(""), yaml.unmarshal(" "), yaml.unmarshal("# c\\n  # d"), '
                          'yaml.is_valid(""), yaml.is_valid(" \\n")]') == [None, None, None, True, True]
    # Near misses: a node, an empty flow mapping, a comment after a value.
    assert answer(engine, '[yaml.unmarshal("{}"), yaml.unmarshal("a: 1 # c"), yaml.is_valid("a: 1")]') \
        == [{}, {"a": 1}, True]


def test_a_document_marker_stops_on_regopy() -> None:
    # regopy read "---" as the string "---" (OPA: null); regorus answers null.
    if "regopy" in ENGINES:
        with pytest.raises(EvaluationError, match=r"p\.rego:3"):
            answer("regopy", 'yaml.unmarshal("---")')
        assert answer("regopy", 'yaml.unmarshal("a: x---y")') == {"a": "x---y"}  # no marker: answers
    if "regorus" in ENGINES:
        assert answer("regorus", 'yaml.unmarshal("---")') is None
