"""yaml.unmarshal as OPA answers it: on regorus natpolicy reads the YAML as go-yaml v2 and sigs.k8s.io/yaml do
(yaml_opa: scalars YAML 1.1-ish, numbers as the JSON text OPA decodes); on regopy a scalar YAML 1.1 reads otherwise
than its YAML 1.2, or a number it keeps as written, stops (regopy_stops). YAML without one answers as before."""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.yaml_opa import opa_yaml_json, yaml_for_regorus
from rego_answers import ENGINES, answer

# go-yaml v2's resolve.go: y/yes/on/off are booleans, 010 octal (ParseInt base 0), 1_000 with `_` removed; a key
# written by convertToJSONableObject; a quoted scalar stays text.
YAML_11 = [("a: yes", {"a": True}), ("a: on", {"a": True}), ("a: n", {"a": False}), ("a: 010", {"a": 8}),
           ("a: 1_000", {"a": 1000}), ("yes: 1", {"true": 1}), ("a: [x, off]", {"a": ["x", False]}),
           ('a: "yes"', {"a": "yes"})]


@pytest.mark.parametrize(("text", "opa"), YAML_11)
def test_a_scalar_yaml_1_1_reads_as_go_yaml_on_regorus_and_stops_on_regopy(text: str, opa: object) -> None:
    # Both engines answered "yes", "010", ... as text (OPA: true, 8); regopy cannot tell a quoted "yes" apart.
    if "regorus" in ENGINES:
        assert answer("regorus", "yaml.unmarshal(input.y)", {"y": text}) == opa
    if "regopy" in ENGINES:
        with pytest.raises(EvaluationError, match=r"p\.rego:3|not valid JSON"):  # 010 breaks regopy's JSON
            answer("regopy", "yaml.unmarshal(input.y)", {"y": text})


# sigs.k8s.io/yaml writes go-yaml v2's float64 with Go's shortest digits and an int64 or uint64 as its digits;
# OPA's UseNumber keeps that text. regorus held 1.2345678901234567e19 as the float itself (unequal to the integer
# 12345678901234567000 there), regopy kept the YAML's own text (`1.0`, `0.50`).
YAML_NUMBERS = [("a: 1.2345678901234567e19", '{"a":12345678901234567000}'), ("a: 1.0", '{"a":1}'),
                ("a: 0.50", '{"a":0.5}'), ("a: 1.5e3", '{"a":1500}'), ("a: 0.0000001", '{"a":1e-7}'),
                ("a: 18446744073709551616", '{"a":18446744073709552000}'), ("a: 0.1000000000000000000001",
                                                                           '{"a":0.1}')]


@pytest.mark.parametrize(("text", "opa"), YAML_NUMBERS)
def test_yaml_numbers_are_the_json_text_opa_decodes(text: str, opa: str) -> None:
    if "regorus" in ENGINES:
        assert answer("regorus", "json.marshal(yaml.unmarshal(input.y))", {"y": text}) == opa
    if "regopy" in ENGINES:
        with pytest.raises(EvaluationError, match=r"p\.rego:3"):
            answer("regopy", "json.marshal(yaml.unmarshal(input.y))", {"y": text})


def test_a_whole_yaml_float_past_2_53_compares_as_its_go_text_on_regorus() -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed")
    # OPA: the number 12345678901234567000, which an input's 12345678901234567890 is too (conftest_numbers).
    assert answer("regorus", "[yaml.unmarshal(input.y).a == 12345678901234567000, "
                             "yaml.unmarshal(input.y).a == input.n]",
                  {"y": "a: 1.2345678901234567e19", "n": 12345678901234567890}) == [True, True]


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x", "<<: {a: 1}", "a: !!binary aGk=", "a: [1", "a: -0.0",
                                  "a: 1\n---\n[2", 'a: "\\ud83d"', "a: -9223372036854775808.0"])
def test_yaml_natpolicy_does_not_read_stops_on_regorus(text: str) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed")
    with pytest.raises(EvaluationError, match=r"p\.rego:3"):
        answer("regorus", "yaml.unmarshal(input.y)", {"y": text})


def test_yaml_unmarshal_reads_the_first_document() -> None:
    # go-yaml v2's unmarshal parses one document (yaml.go: p.parse() once); none is null.
    if "regorus" in ENGINES:
        assert answer("regorus", 'yaml.unmarshal("a: 1\\n---\\nb: 2")') == {"a": 1}
        assert answer("regorus", 'yaml.unmarshal("---\\n---\\nb: 2")') is None


@pytest.mark.parametrize("engine", ENGINES)
def test_yaml_without_such_a_scalar_answers_as_before(engine: str) -> None:
    assert answer(engine, "yaml.unmarshal(input.y)", {"y": "a: b\nc: [1, 2.5, true, null, text, yesterday]\n"}) \
        == {"a": "b", "c": [1, 2.5, True, None, "text", "yesterday"]}


def test_the_reader_never_echoes_the_text_and_the_call_stays_on_its_line() -> None:
    with pytest.raises(ValueError) as caught:
        opa_yaml_json("secret-key: &s 1\nb: *s")
    assert "secret" not in str(caught.value)
    assert opa_yaml_json("a: [1, b, 2.50]") == '{"a": [1, "b", 2.5]}'
    source = 'package p\nx := yaml.unmarshal(concat("", ["a: ", "b"]))\ny := "yaml.unmarshal("\n'
    assert yaml_for_regorus(source).splitlines()[1:] == [
        'x := json.unmarshal(__natpolicy_yaml_json(concat("", ["a: ", "b"])))', 'y := "yaml.unmarshal("']


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


def test_a_set_replacing_yaml_or_json_unmarshal_has_its_yaml_calls_refused_on_regorus() -> None:
    from natpolicy.rego.guards import engine_refusals

    # regorus answers yaml.unmarshal through json.unmarshal of natpolicy's text: a `with` of either would miss it.
    for mocked in ("yaml.unmarshal", "json.unmarshal"):
        source = f'package p\nf(_) := 1\nx := yaml.unmarshal("a: 1")\ny := v if {{ v := x with {mocked} as f }}\n'
        refusals = engine_refusals(source, "regorus")
        assert [(source[:offset].count("\n") + 1, "yaml.unmarshal in a policy set that replaces" in message)
                for offset, message in refusals] == [(3, True)], refusals
    assert engine_refusals('package p\nx := yaml.unmarshal("a: 1")\n', "regorus") == []
