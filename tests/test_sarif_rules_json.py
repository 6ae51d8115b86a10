"""The SARIF rules' JSON, written with each help's documentation escaped once, is ``json.dumps``' own text.

``outputs.sarif._rules_json`` writes the rules with a mark for each help whose markdown is its text and
a tail, and puts the help's text in its place; these hold it against ``json.dumps`` for the real rules
and for the near misses: texts that need escapes (quotes, backslashes, control characters, non-ASCII,
astral characters, lone surrogates), a markdown that is not the text and a tail, other help shapes,
and texts that hold the mark's own words.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.outputs import sarif
from natpolicy.registry import discover


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _rule(number: int, text: Any, markdown: Any, **more: Any) -> dict[str, Any]:
    return {"id": f"R{number}", "name": "Rule", "shortDescription": {"text": "short"},
            "help": {"text": text, "markdown": markdown}, "properties": {"tags": ["a"]}, **more}


def test_the_rules_of_every_check_are_json_dumps_text() -> None:
    rules = [sarif._rule(check) for check in discover()]
    assert len(rules) >= 14
    assert sarif._rules_json(rules) == _dumps(rules)


TEXTS = ["plain", "", 'quote " and \\ backslash', "line\nbreak\ttab\x00nul\x1f", "caf\u00e9 \u2014 \u00fc",
         "astral \U0001f600", "lone \ud800 surrogate", "ends high \udbff", "\udc00 starts low",
         '"help":"\\u0000natpolicy-help-0\\u0000"', "\x00natpolicy-help-0\x00", "\x00natpolicy-help-1\x00"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("tail", ["", "\n\n[R documentation](https://example.test/r)", "\udc00", " \u00e9\""])
def test_a_help_of_text_and_tail_is_json_dumps_text(text: str, tail: str) -> None:
    rules = [_rule(0, text, text + tail), _rule(1, "second", "second" + tail)]
    assert sarif._rules_json(rules) == _dumps(rules)


@pytest.mark.parametrize("rule", [
    _rule(0, "text", "other"),  # markdown is not the text and a tail
    _rule(0, "longer text", "longer"),
    _rule(0, 1, "1"),  # not strings
    _rule(0, "text", None),
    {"id": "R0", "help": {"markdown": "text", "text": "text"}},  # another key order
    {"id": "R0", "help": {"text": "text"}},
    {"id": "R0", "help": "text"},
    {"id": "R0"},
    {"id": "R0", "help": {"text": "t", "markdown": "t"}, "properties": {"help": "\x00natpolicy-help-0\x00"}},
])
def test_other_shapes_are_json_dumps_text(rule: dict[str, Any]) -> None:
    rules = [rule, _rule(1, "x", "x tail")]
    assert sarif._rules_json(rules) == _dumps(rules)


def test_a_mark_written_twice_falls_back_to_json_dumps() -> None:
    rules = [_rule(0, "t", "t tail", extra={"help": "\x00natpolicy-help-0\x00"})]
    assert sarif._rules_json(rules) == _dumps(rules)


def test_no_rules() -> None:
    assert sarif._rules_json([]) == "[]"
