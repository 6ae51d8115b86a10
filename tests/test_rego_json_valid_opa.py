"""json_valid_opa: json.is_valid answers Go's json.Valid on regorus (a lone surrogate escape is valid JSON)."""
from __future__ import annotations

import pytest

from natpolicy.rego.json_valid_opa import opa_json_is_valid
from rego_answers import ENGINES, answer


def test_regorus_answers_gos_grammar() -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed")
    # regorus (serde_json) said false for the escape of a lone surrogate; Go's json.Valid checks its form only.
    assert answer("regorus", 'json.is_valid("\\"\\\\ud800\\"")') is True
    # Near misses: what Go refuses stays false, what it reads stays true.
    assert answer("regorus", '[json.is_valid("NaN"), json.is_valid("[1,]"), json.is_valid("01"), '
                             'json.is_valid(""), json.is_valid(" {\\"a\\": [1, 2.5e3, null]} "), '
                             'json.is_valid("1e999")]') == [False, False, False, False, True, True]


def test_the_python_reader_refuses_what_go_refuses_and_stops_past_its_depth() -> None:
    assert [opa_json_is_valid(t) for t in ("Infinity", "-Infinity", "NaN", "[1, NaN]", "{'a': 1}", "\x01")] \
        == [False] * 6
    assert [opa_json_is_valid(t) for t in ('"\\udc00x"', "[]", "null", 5)] == [True, True, True, False]
    with pytest.raises(ValueError, match="nested deeper"):
        opa_json_is_valid("[" * 100_000 + "]" * 100_000)
