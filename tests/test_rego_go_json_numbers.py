"""go_json_numbers: regorus' json.marshal text with its numbers written as Go's encoding/json writes a float64."""
from __future__ import annotations

import pytest

from natpolicy.rego.arith_opa import _g_text
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine
from natpolicy.rego.go_json_numbers import (
    go_float64_text,
    holds_negative_zero,
    holds_negative_zero_ascii,
    number_key_written_otherwise,
    opa_json_numbers,
)
from tests.test_rego_conformance import ENGINES, PROBES, outcome


@pytest.mark.parametrize(("value", "text"), [
    (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (-2.5e-8, "-2.5e-8"), (1e-300, "1e-300"),  # 'e', `e-07` trimmed
    (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (9.99e-6, "0.00000999"), (1e-5, "0.00001"), (0.1, "0.1"),
    (1234567.5, "1234567.5"), (1e20, "100000000000000000000"), (float(2**60), "1152921504606847000"),
    (1e21, "1e+21"), (1.5e21, "1.5e+21"), (-0.0, "-0"), (0.0, "0"),
])
def test_go_float64_text(value: float, text: str) -> None:
    # strconv.AppendFloat(f, 'f', -1, 64) from 1e-6 below 1e21, else 'e' with a one-digit negative exponent's
    # zero trimmed (encoding/json floatEncoder).
    assert go_float64_text(value) == text


def test_numbers_outside_strings_are_written_again_and_nothing_else() -> None:
    assert opa_json_numbers('{"a":[1e-6,-0.0,"1e-6",1e+20,3,0.5],"b":1.5e-6}') == \
        '{"a":[0.000001,-0,"1e-6",100000000000000000000,3,0.5],"b":0.0000015}'
    same = '{"0.5":"-0.0","k":[1,2.5,1e-7,"x\\"1e-6"]}'
    assert opa_json_numbers(same) is same  # near miss: nothing Go writes otherwise


@pytest.mark.parametrize("key", ["1e-6", "-0.0", "1e+20"])
def test_a_key_spelled_as_a_number_written_otherwise_stops(key: str) -> None:
    with pytest.raises(ValueError, match="object key"):
        opa_json_numbers(f'{{"{key}":1}}')


def test_a_rule_values_number_keys() -> None:
    # regorus' and regopy's own texts of a number key stop; keys Go writes so, and values, do not.
    assert number_key_written_otherwise({"a": [{"x": {"1.5e-6": 1}}]}) == "1.5e-6"
    assert number_key_written_otherwise({"1e-07": 1}) == "1e-07"
    assert number_key_written_otherwise({"0.5": 1e-6, "1e-7": [1.5e-6], "3": {"-0": 1}, "x1e5": 2}) is None


def test_negative_zero_is_found_outside_strings_only() -> None:
    assert holds_negative_zero('{"a": [1, -0.0]}') and holds_negative_zero('[-0]')
    assert not holds_negative_zero('{"a": "x: -0,", "d": "2024-01-01", "n": -0.5}')


def test_negative_zero_hint_is_led_by_the_literal() -> None:
    # The hint looks at what follows `-0` only: a whole text that is one number, and any spacing before it.
    assert holds_negative_zero("-0") and holds_negative_zero("-0.0 ") and holds_negative_zero("-0e5")
    assert holds_negative_zero('{"a":\n\t-0\n}') and holds_negative_zero('{"a":{"b":[2,-0.00E+1]}}')
    assert not holds_negative_zero('{"id": "subnet-0abc", "n": -0.5, "e": 1e-0, "s": "a-0}"}')
    assert not holds_negative_zero("1e-0") and not holds_negative_zero('"-0"')


def test_negative_zero_in_an_ascii_texts_bytes_is_found_as_in_its_text() -> None:
    # The child searches an ASCII plan's bytes, never decoded (regorus_input): every spacing a str pattern's \s
    # matches in ASCII (\x1c-\x1f too, which a bytes pattern's \s does not) and every ending, in and out of strings.
    import itertools

    pieces = ["-0", "-0.0", "-0e5", "-0.5", "0", "1e-0", '"', "[", "]", ",", "}", ":", " ", "\t", "\x1c", "\x1f",
              "\x0b", "a", "\\"]
    for size in (1, 2, 3):
        for parts in itertools.product(pieces, repeat=size):
            text = "".join(parts)
            for whole in (text, f"[{text}]", f'{{"k": {text}}}'):
                assert holds_negative_zero_ascii(whole.encode("ascii")) == holds_negative_zero(whole), repr(whole)


@pytest.mark.parametrize(("digits", "text"), [
    ("15e-7", "1.5e-06"), ("1e-5", "1e-05"), ("1e-4", "0.0001"), ("12345675e-1", "1.2345675e+06"),
    ("123456e-1", "12345.6"), ("-15e-7", "-1.5e-06"), ("1e-10", "1e-10"),
])
def test_opa_arithmetic_text(digits: str, text: str) -> None:
    # big.Float.Text('g', -1): %e where the exponent is below -4 or from 6 up (math/big ftoa.go, shortest).
    assert _g_text(digits) == text


@pytest.mark.parametrize("name", ["json-marshal-of-an-input-float-from-1e-6-below-1e-5",
                                  "json-marshal-of-a-whole-input-float-from-2-63-below-1e21",
                                  "json-marshal-of-an-input-negative-zero"])
def test_regorus_answers_the_number_texts(name: str) -> None:
    """regorus answers (not stops) where it writes the numbers again; regopy answers the whole float from 2^63."""
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    assert outcome(create_engine("regorus"), next(p for p in PROBES if p["name"] == name))[0] == "ok"
    if "regopy" in ENGINES and "2-63" in name:
        assert outcome(create_engine("regopy"), next(p for p in PROBES if p["name"] == name))[0] == "ok"


@pytest.mark.parametrize(("number", "held"), [
    (18446744073709551617, 18446744073709552000),   # from 2^64: Go's shortest digits, as conftest hands OPA
    (-9223372036854775809, -9223372036854776000),   # below -2^63: the same
    (9223372036854775808, 9223372036854776000),     # from 2^63 below 2^64 too (conftest_numbers)
])
def test_regopy_holds_an_input_integer_past_int64_as_conftest_hands_it_whatever_the_policy(
        number: int, held: float) -> None:
    # regopy's Input wrote the float of 2^64 with a digit fewer (1.844674407370955e+19, measured); the JSON text a
    # marshalling policy gets kept Go's digits. Either policy now reads the same number.
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    engine = create_engine("regopy")
    for source in ("package p\nx := input.n\n", "package p\nx := [input.n, json.marshal(1)][0]\n"):
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        value = engine.evaluate(compiled, "p/x", engine.prepare_input({"n": number}))
        assert value == held, (source, value)


def test_regorus_stops_on_an_input_negative_zero_only_where_code_calls_sprintf() -> None:
    # The stop names the first sprintf call; one in a comment or a string calls nothing.
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    engine = create_engine("regorus")
    # (the value holds json.marshal's text: a negative zero in the answer itself stops, regorus_negative_zero)
    quiet = 'package p\n# sprintf("%v", [x]) is not called\nx := ["sprintf(", json.marshal(input.z)]\n'
    calls = 'package p\ny := "sprintf("\nx := sprintf("%v", [input.z])\n'
    for source, stops in ((quiet, False), (calls, True)):
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        try:
            engine.evaluate(compiled, "p/x", engine.prepare_input({"z": -0.0}))
            stopped = ""
        except EvaluationError as exc:
            stopped = exc.message
        assert stopped.startswith("p.rego:3:6: sprintf") if stops else stopped == "", stopped
