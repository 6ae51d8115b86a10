"""Builtins an engine answered, or left undefined, where OPA stops or answers otherwise: indexof and indexof_n of
an empty search, strings.count, glob.quote_meta and time.add_date on regorus (text_opa, time_opa), the decoders
and the same searches on regopy (regopy_stops).

Each fire is a case an engine answered otherwise, silently, before (measured); each near miss must keep answering.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.text_opa import opa_glob_quote_meta, opa_strings_count
from natpolicy.rego.time_opa import opa_add_date
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", [
    'indexof(input.s, "")', 'indexof_n(input.s, "")',  # both engines answered (0, [0, 1, 2]); OPA stops
])
def test_an_empty_search_stops_as_in_opa(engine: str, expression: str) -> None:
    with pytest.raises(EvaluationError, match="empty search|indexof"):
        answer(engine, expression, {"s": "abc"})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", [
    'json.unmarshal(input.s)', 'yaml.unmarshal("a: [")', 'hex.decode("abc")', 'hex.decode("zz")',  # undefined
    'base64.decode("Pz8-")', 'base64.decode("Pz8")', 'base64url.decode("Pz8+")', 'base64url.decode("P")',
])
def test_text_go_cannot_decode_stops(engine: str, expression: str) -> None:
    # regopy left the first four undefined and decoded the URL alphabet, unpadded text and "+" (OPA: an error).
    with pytest.raises(EvaluationError):
        answer(engine, expression, {"s": "[1,"})


def test_regopy_stops_on_a_negative_zero_json_unmarshal_read() -> None:
    # regopy held json.unmarshal("-0") below 0 and unequal to it (OPA: equal); regorus answers as OPA.
    for engine in ENGINES:
        for text in ("-0", '[1, {"a": -0}]'):
            if engine == "regopy":
                with pytest.raises(EvaluationError, match="a -0, which regopy"):
                    answer(engine, "json.unmarshal(input.s)", {"s": text})
            else:
                assert answer(engine, "count([v | v := json.unmarshal(input.s); v == 0])", {"s": "-0"}) == 1
                # OPA's answer holds the number -0 (printed `-0`); regorus' -0.0 stops (regorus_negative_zero)
                with pytest.raises(EvaluationError, match="holds a negative zero"):
                    answer(engine, "[v | v := json.unmarshal(input.s); v == 0]", {"s": "-0"})
        assert answer(engine, "json.unmarshal(input.s)", {"s": "[-1, 0, -0.5]"}) == [-1, 0, -0.5]


@pytest.mark.parametrize("engine", ENGINES)
def test_near_misses_decode_and_search_as_before(engine: str) -> None:
    assert answer(engine, '[json.unmarshal("[1, 2.5]"), yaml.unmarshal("a: 1"), hex.decode("4a"), '
                          'base64.decode("Pz8+"), base64url.decode("Pz8-"), base64url.decode("Pz8"), '
                          'indexof("aéb", "b"), indexof_n("aaa", "aa"), strings.count("cheese", "e")]') \
        == [[1, 2.5], {"a": 1}, "J", "??>", "??>", "??", 2, [0, 1], 3]


def test_regorus_answers_strings_count_glob_quote_meta_and_add_date_as_go() -> None:
    # regorus panicked on strings.count("aaa", ""), escaped only "*" in glob.quote_meta, and clamped 2020-01-31
    # plus a month to 2020-02-29 (Go: 2020-03-02).
    assert opa_strings_count("aaa", "") == 4 and opa_strings_count("aé", "") == 3
    assert opa_glob_quote_meta("a*b?[c]{d},e\\f!g-h") == "a\\*b\\?\\[c\\]\\{d\\},e\\\\f!g-h"
    assert opa_add_date(1580428800000000000, 0, 1, 0) == 1583107200000000000
    if "regorus" in ENGINES:
        assert answer("regorus", '[strings.count(input.s, ""), glob.quote_meta("a?[b]"), '
                                 'time.add_date(1580428800000000000, 0, 1, 0), time.add_date(0, -1, -13, -40)]',
                      {"s": "aaa"}) == [4, "a\\?\\[b\\]", 1583107200000000000, opa_add_date(0, -1, -13, -40)]


def test_regopy_stops_on_strings_count_it_cannot_answer() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    for expression in ('strings.count(input.s, "")', 'strings.count(input.q, "n")'):
        with pytest.raises(EvaluationError, match=r"strings\.count at p\.rego:3 given "):
            answer("regopy", expression, {"s": "aaa", "q": "a\nb"})


def test_add_date_refuses_what_it_cannot_answer_as_go() -> None:
    for value in ([0, "Europe/Paris"], [0, "Local"]):
        with pytest.raises(ValueError):
            opa_add_date(value, 0, 1, 0)
    with pytest.raises(ValueError, match="outside of valid range"):
        opa_add_date(9223372036854775807, 1, 0, 0)
