"""rego24: number texts of the input as conftest hands them to OPA (docs/rego.md, "A number's text").

* an integer ``-0`` in a JSON input or data file is a negative zero (``natpolicy.rego.input_json``), YAML's is 0;
* regorus stops where a negative zero would show otherwise than in OPA (``regorus_negative_zero``);
* ``abs`` and ``round`` as OPA computes and writes them on regorus (``arith_opa``);
* a whole float past 2^53 in regorus' answer is the integer of Go's text (``go_json_numbers.answer_number``).
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.arith_opa import opa_abs, opa_round
from natpolicy.rego.documents import read_documents
from natpolicy.rego.go_json_numbers import answer_number, forget_computed_texts, opa_json_numbers
from natpolicy.rego.input_json import holds_integer_negative_zero, loads, parse_input_json
from natpolicy.rego.regorus_negative_zero import negative_zero_stop


def _negative_zero(value: object) -> bool:
    return isinstance(value, float) and value == 0 and math.copysign(1, value) < 0


@pytest.mark.parametrize("text", ['{"z": -0}', "[1, -0]", "-0", '{"a": [ -0 ]}', '{"z":-0\n}'])
def test_an_integer_negative_zero_is_read_as_negative_zero(text: str) -> None:
    value = loads(text)
    found = value["z"] if isinstance(value, dict) and "z" in value else value
    found = found["a"][0] if isinstance(found, dict) else found
    found = found[-1] if isinstance(found, list) else found
    assert _negative_zero(found), text


@pytest.mark.parametrize("text", ['{"z": "-0"}', '{"z": -0.5}', '{"z": 0}', '{"id": "subnet-0abc"}', '{"t": "a:-0]"}',
                                  '{"z": -10}', '{"z": 12345678901234567890}'])
def test_near_misses_are_read_as_json_reads_them(text: str) -> None:
    import json

    assert loads(text) == json.loads(text)
    assert not any(_negative_zero(v) for v in loads(text).values())


def test_the_hint_is_searched_only_where_the_text_holds_a_minus_zero() -> None:
    assert not holds_integer_negative_zero('{"a": 10, "b": -1}')
    assert holds_integer_negative_zero('{"a": -0}')
    assert not holds_integer_negative_zero('{"a": -0.0}')  # a float already


def test_parse_input_json_keeps_the_loaders_errors() -> None:
    with pytest.raises(InputError, match="malformed JSON at line 1"):
        parse_input_json('{"z": -0,', "in.json")
    assert _negative_zero(parse_input_json('{"z": -0}', "in.json")["z"])


def test_json_documents_read_minus_zero_and_yaml_reads_zero(tmp_path: Path) -> None:
    json_file, yaml_file = tmp_path / "d.json", tmp_path / "d.yaml"
    json_file.write_text('{"z": -0, "f": -0.0}')
    yaml_file.write_text("z: -0\nf: -0.0\n")
    [from_json] = read_documents(str(json_file), "d.json")
    [from_yaml] = read_documents(str(yaml_file), "d.yaml")
    assert _negative_zero(from_json["z"]) and _negative_zero(from_json["f"])
    # go-yaml resolves `-0` with strconv.ParseInt first: the integer 0, as PyYAML reads it.
    assert from_yaml["z"] == 0 and isinstance(from_yaml["z"], int) and _negative_zero(from_yaml["f"])


def test_the_negative_zero_stop_names_the_first_call_that_shows_it() -> None:
    stop = negative_zero_stop({"a.rego": 'package a\nx := json.marshal(input)\ny := yaml.marshal(input)\n'})
    assert stop is not None and stop.startswith("a.rego:3:6: yaml.marshal, and the {where} holds a negative zero")
    stop = negative_zero_stop({"a.rego": "package a\nx := [n | some n in numbers.range(input.z, 1)]\n"})
    assert stop is not None and stop.startswith("a.rego:2:21: numbers.range,")
    assert negative_zero_stop({"a.rego": 'package a\nx := json.marshal(input)\n# yaml.marshal(input)\n'}) is None


def test_abs_is_opas() -> None:
    forget_computed_texts()
    assert opa_abs(-7) == 7 and opa_abs(-(2**63)) == 2**63 and opa_abs(-2.5) == 2.5
    assert opa_abs(-1234567.5) == 1234567.5
    # json.marshal meeting it stops: OPA writes abs' result as its arithmetic does, `1.2345675e+06`.
    with pytest.raises(ValueError, match="1.2345675e\\+06"):
        opa_json_numbers("[1234567.5]")
    forget_computed_texts()
    assert opa_json_numbers("[1234567.5]") == "[1234567.5]"
    with pytest.raises(TypeError, match="abs: operand 1 must be number"):
        opa_abs("a")
    with pytest.raises(ValueError, match="past 2\\^64"):
        opa_abs(1e21)


def test_round_is_opas() -> None:
    assert [opa_round(x) for x in (2.5, -2.5, 0.49999999999999994, -0.5, 0.5, 7, -3.0)] == [3, -3, 0, -1, 1, 7, -3]
    with pytest.raises(ValueError, match="past 2\\^64"):
        opa_round(1e21)


def test_answer_numbers_are_opas_text() -> None:
    assert answer_number("1.8446744073709552e+19") == 18446744073709552000
    assert answer_number("-9.223372036854776e+18") == -9223372036854776000
    assert answer_number("5e+20") == 500000000000000000000
    assert answer_number("9007199254740992.0") == 9007199254740992
    for kept in ("1e+21", "1.5", "0.0000015", "-0.0", "2.0"):
        assert answer_number(kept) == float(kept) and isinstance(answer_number(kept), float)
