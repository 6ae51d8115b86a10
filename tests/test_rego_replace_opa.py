"""strings.replace_n answers as OPA's (Go's strings.NewReplacer: one pass) on regorus (replace_opa)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.replace_opa import opa_replace_n

needs_regorus = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")


def _regorus(expression: str) -> object:
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": f"package p\nx := {expression}\n"}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input({}))


@needs_regorus
@pytest.mark.parametrize(("patterns", "text", "opa"), [
    ('{"b": "c", "a": "b"}', "ab", "bc"),  # what a replacement wrote is not read again (regorus: "cc")
    ('{"a": "1", "ca": "2"}', "ca", "2"),  # the pattern starting first wins (regorus: "c1")
    ('{"a": "x", "xb": "Y"}', "ab", "xb"),  # regorus: "Y"
])
def test_patterns_that_meet_are_replaced_in_one_pass_as_in_opa(patterns: str, text: str, opa: str) -> None:
    assert _regorus(f'strings.replace_n({patterns}, "{text}")') == opa


@needs_regorus
def test_templates_whose_patterns_never_meet_answer_as_before() -> None:
    assert _regorus('strings.replace_n({"{env}": "prod", "{name}": "web"}, "{name}-{env}-{x}")') == "web-prod-{x}"
    assert _regorus('strings.replace_n({"a": "1", "ab": "X"}, "ab")') == "1b"  # "a" sorts first, as in OPA
    assert _regorus('strings.replace_n({"é": "e"}, "héé")') == "hee"


@needs_regorus
def test_a_non_string_pattern_is_an_error_with_its_line() -> None:
    with pytest.raises(EvaluationError, match=r"^p\.rego:2:\d+: .*non-string value found"):
        _regorus('strings.replace_n({"a": 1}, "ab")')


def test_an_empty_pattern_inserts_between_characters_once_as_go_does() -> None:
    assert opa_replace_n({"": "-"}, "abc") == "-a-b-c-"
    assert opa_replace_n({"": "-", "a": "1"}, "ab") == "-1-b-"
    assert opa_replace_n({"aa": "b"}, "aaa") == "ba"
    with pytest.raises(ValueError, match="empty pattern on non-ASCII text"):
        opa_replace_n({"": "-"}, "é")


@needs_regorus
@pytest.mark.parametrize(("call", "opa"), [
    ('strings.count("aaa", "aa")', 1),  # Go's strings.Count: occurrences that do not overlap (regorus: 2)
    ('strings.count("abc", "")', 4),  # one more than the characters (regorus 0.13.0 panicked)
    ('strings.count("éé", "")', 3),  # characters, not bytes
    ('strings.count("cheese", "e")', 3),  # near misses: answered as before
    ('strings.count("", "a")', 0),
])
def test_strings_count_answers_as_go(call: str, opa: int) -> None:
    assert _regorus(call) == opa


@needs_regorus
def test_a_panic_of_regorus_becomes_one_line_naming_it(raw_regorus: Callable[[], Any]) -> None:
    from natpolicy.rego.engine_regorus import panic_error

    raw = raw_regorus()  # regorus' own strings.count, which natpolicy replaces
    raw.add_policy("p.rego", 'package p\nx := strings.count("abc", "")\n')
    with pytest.raises(BaseException) as caught:
        raw.eval_query_as_json("data.p.x")
    error = panic_error(caught.value)
    assert isinstance(error, EvaluationError) and "regorus 0.13.0 panicked (window size must be non-zero)" in str(error)
    other = KeyboardInterrupt()
    assert panic_error(other) is other
