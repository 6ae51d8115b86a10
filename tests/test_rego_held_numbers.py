"""A number text json.unmarshal or to_number reads, where only its value is read: regorus stops on one it would hold
otherwise than OPA compares and computes with it (held_numbers); regopy on a float of more than 15 digits or from
1e15 (regopy_stops). What both hold as OPA does answers as before."""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.held_numbers import regorus_holds_as_opa
from natpolicy.rego.number_texts_regorus import number_texts_for_regorus
from rego_answers import ENGINES, answer

# Held as OPA holds the text: an integer in 64 bits, a float text worth its float64's shortest text (a trailing
# zero or an exponent changes no value), a whole float below 2^53 or past 2^64, a negative zero (regorus reads
# json.unmarshal's -0 as -0.0, as OPA compares it).
HELD = ["0", "12", "-9223372036854775808", "18446744073709551615", "0.1", "0.10", "2.0", "1e2", "1E-7", "-0.25",
        "0.30000000000000004", "9007199254740991.0", "1e300", "-0", "-0.0"]
# An integer past 64 bits, more digits than a float64 keeps, a whole float from 2^53 to 2^64 (compared with an
# integer through a float64 on regorus), past a float64's range or below its smallest.
NOT_HELD = ["18446744073709551616", "-9223372036854775809", "0.10000000000000000001", "10000000000000000.5",
            "9007199254740992.0", "1.8446744073709552e19", "1e400", "1e-400", "abc"]


@pytest.mark.parametrize("text", HELD)
def test_a_text_regorus_holds_as_opa(text: str) -> None:
    assert regorus_holds_as_opa(text)


@pytest.mark.parametrize("text", NOT_HELD)
def test_a_text_regorus_holds_otherwise(text: str) -> None:
    assert not regorus_holds_as_opa(text)


def test_a_json_unmarshal_read_by_value_is_checked_on_its_line() -> None:
    source = ('package p\nx := json.unmarshal(input.a) == 1\ny := json.unmarshal(input.b) * 2\n'
              'z := json.marshal(json.unmarshal(input.c))\nw := json.unmarshal(input.d) / 2\n')
    out = number_texts_for_regorus(source).splitlines()
    assert out[1:] == ["x := json.unmarshal(__natpolicy_json_values(input.a)) == 1",
                       "y := json.unmarshal(__natpolicy_json_factors(input.b)) * 2",
                       "z := json.marshal(json.unmarshal(__natpolicy_json_texts(input.c)))",
                       "w := json.unmarshal(__natpolicy_json_operands(input.d)) / 2"]


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_stops_a_negative_zero_computed_with_and_answers_one_compared() -> None:
    # OPA: -0 / 5 is -0 (big.Float Quo), 0e0 * -1 is -0; regorus answered 0 for both. Compared, -0 is 0 in both.
    for expression, text in (("json.unmarshal(input.s) / 5", "-0"), ("json.unmarshal(input.s) * -1", "0e0")):
        with pytest.raises(EvaluationError, match=r"^p\.rego:3:\d+: json\.unmarshal of text holding a"):
            answer("regorus", expression, {"s": text})
    assert answer("regorus", "json.unmarshal(input.s) == 0", {"s": "-0"}) is True
    # "0.0" is the integer 0 to v1.20's Number.Int (util.Atoi64): builtinMultiply's integer path, 0 (residue31)
    assert answer("regorus", "json.unmarshal(input.s) * -1", {"s": "0.0"}) == 0


COMPARED = "[json.unmarshal(input.s) == input.n, json.unmarshal(input.s) < 1]"


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize("text", ["18446744073709551616", "[0.10000000000000000001]", '{"a": 10000000000000000.5}'])
def test_regorus_stops_where_it_would_compare_otherwise(text: str) -> None:
    with pytest.raises(EvaluationError, match=r"^p\.rego:3:\d+: json\.unmarshal of text holding a number OPA "
                                              r"compares"):
        answer("regorus", COMPARED, {"s": text, "n": 1})


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_stops_a_to_number_it_would_compare_otherwise() -> None:
    with pytest.raises(EvaluationError, match=r"^p\.rego:3:\d+: to_number of a number OPA compares"):
        answer("regorus", "to_number(input.s) > 0.1", {"s": "0.10000000000000000001"})
    assert answer("regorus", "[to_number(input.s) > 0.1, to_number(input.t) == 100]", {"s": "0.25", "t": "1e2"}) \
        == [True, True]


@pytest.mark.parametrize("engine", ENGINES)
def test_what_both_hold_as_opa_answers_as_before(engine: str) -> None:
    # The near miss: texts of 15 digits or fewer, integers in 64 bits, compared and computed with.
    assert answer(engine, COMPARED, {"s": "0.5", "n": 0.5}) == [True, True]
    assert answer(engine, "[json.unmarshal(input.s) == [0.25, 12, -3], json.unmarshal(input.t) + 1]",
                  {"s": "[0.25, 12, -3]", "t": "9223372036854775806"}) == [True, 9223372036854775807]


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
@pytest.mark.parametrize("text", ["[0.1000000000000001]", "10000000000000000.0", '{"a": 0.12345678901234567}'])
def test_regopy_stops_on_a_float_it_compares_by_15_digits(text: str) -> None:
    with pytest.raises(EvaluationError, match=r"json\.unmarshal at p\.rego:3 given"):
        answer("regopy", COMPARED, {"s": text, "n": 1})


# Payloads {"n": 0.10000000000000000001, "m": 18446744073709551616, "k": 1.0} and {"sub": "a", "iat": 1516239022,
# "r": 0.5}, unsigned (signature "sig").
LONG_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuIjogMC4xMDAwMDAwMDAwMDAwMDAwMDAwMSwgIm0iOiAxODQ0Njc0NDA3MzcwOTU1MTYxNiwgImsiOiAxLjB9.c2ln"
# {"n": 0.10000000000000000001}, signed HS256 with the secret "s".
SIGNED_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuIjogMC4xMDAwMDAwMDAwMDAwMDAwMDAwMX0.Ywm5_C9oK7I-On3RK020v0X93H0-pBqAQdsVqb42wR4"
PLAIN_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiAiYSIsICJpYXQiOiAxNTE2MjM5MDIyLCAiciI6IDAuNX0.c2ln"


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_stops_a_jwt_payload_it_holds_otherwise_and_answers_the_rest() -> None:
    # OPA decodes the payload with UseNumber (topdown/tokens.go): regopy compared n by 15 digits.
    for call, token in (("io.jwt.decode(input.t)[1].n > 0.1", LONG_TOKEN),
                        ('io.jwt.decode_verify(input.t, {"secret": "s"})', SIGNED_TOKEN)):
        with pytest.raises(EvaluationError, match=r"io\.jwt\.decode(_verify)? at p\.rego:3 given a payload"):
            answer("regopy", call, {"t": token})
    assert answer("regopy", '[io.jwt.decode(input.t)[1], io.jwt.decode_verify(input.t, {"secret": "s"})]',
                  {"t": PLAIN_TOKEN}) == [{"sub": "a", "iat": 1516239022, "r": 0.5}, [False, {}, {}]]
    assert answer("regopy", "[v | v := io.jwt.decode(input.t)]", {"t": "abc"}) == []  # undefined as before
