"""regex.template_match as OPA answers it (topdown/regex.go builtinRegexMatchTemplate, regex_template.go):
OPA's in Python on regorus (template_opa), which walked the template part by part and panicked on text shorter
than the text before a part; regopy's stops where it read the template as one pattern (regopy_regex).

Each fire is a case an engine answered otherwise (or panicked, without the policy's line); each near miss must
keep answering as before.
"""
from __future__ import annotations

import json

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.template_opa import template_pattern
from rego_answers import ENGINES, answer


def _match(engine: str, template: str, text: str, start: str = "{", end: str = "}", literal: bool = False) -> object:
    # The template from the input, so neither engine can decide anything before it runs; or a literal, as
    # regopy stops on an input string holding `\` (it holds it escaped).
    return answer(engine, f"regex.template_match({json.dumps(template) if literal else 'input.t'}, input.x, input.a, "
                          "input.b)", {"t": template, "x": text, "a": start, "b": end})


# (template, text, OPA's answer), each answered otherwise by regorus 0.13.0 (measured): a panic, then false.
_REGORUS_FIRES = [
    ("urn:foo:{.*}", "urn", False),  # shorter than "urn:foo:": a panic ("end byte index 8 is out of bounds")
    ("{a|ab}c", "abc", True),  # regorus took the leftmost match "a", then "bc" is no "c": false
    ("{[a-z]+}{[a-z]+}", "ab", True),  # the first part took "ab", leaving nothing for the second
    ("x{a{1}}", "xa", True),  # one level deep: the part is `a{1}` (regorus: "invalid regex")
]


@pytest.mark.parametrize(("template", "text", "expected"), _REGORUS_FIRES)
def test_regorus_answers_templates_as_opa(template: str, text: str, expected: bool) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    assert _match("regorus", template, text) is expected


# Go's errors: unbalanced delimiters, a part that is no regular expression alone (`^a)(b$`) or as a group
# (`(a\)`), a delimiter of more than one byte. regorus answered false for the first two (silently), regopy
# true for `x{a)(b}` (it read the groups (a)(b)).
_OPA_ERRORS = [("a{b", "ab", "{", "}"), ("{a}}", "a", "{", "}"), ("x{a)(b}", "xab", "{", "}"),
               ("{a\\}", "a", "{", "}"), ("{a}", "a", "{{", "}"), ("{a}", "a", "{", "é")]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("template", "text", "start", "end"), _OPA_ERRORS)
def test_what_opa_refuses_stops_with_the_line(engine: str, template: str, text: str, start: str, end: str) -> None:
    with pytest.raises(EvaluationError, match=r"p\.rego:3") as caught:
        _match(engine, template, text, start, end)
    assert "panicked" not in caught.value.message


def test_regopy_stops_on_a_part_it_reads_otherwise_than_go() -> None:
    # Go reads \pL as a letter (OPA true); regopy answered false.
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    with pytest.raises(EvaluationError, match=r"regex\.template_match at p\.rego:3 given "):
        _match("regopy", "{\\pL}", "a", literal=True)
    with pytest.raises(EvaluationError, match=r"regex\.template_match at p\.rego:3 given "):
        _match("regopy", "x{a)(b}", "xab", literal=True)
    if "regorus" in ENGINES:
        assert _match("regorus", "{\\pL}", "a", literal=True) is True


# Near misses: templates both engines answered as OPA before, with the same answers.
_NEAR_MISSES = [
    ("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}", True),
    ("urn:foo:<[a-z]+>", "urn:foo:bar", "<", ">", True),
    ("urn:{[a-z]+}:{[0-9]+}", "urn:ab:12", "{", "}", True),
    ("urn:{[a-z]+}:{[0-9]+}", "urn:ab:1x", "{", "}", False),
    ("{\\d+}", "12", "{", "}", True),
    ("{a\\.b}", "axb", "{", "}", False),
    ("ab", "ab", "{", "}", True),  # no part: the quoted text alone
    ("ab", "a", "{", "}", False),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("template", "text", "start", "end", "expected"), _NEAR_MISSES)
def test_near_misses_answer_as_before(engine: str, template: str, text: str, start: str, end: str,
                                      expected: bool) -> None:
    assert _match(engine, template, text, start, end, literal=True) is expected


def test_the_pattern_is_built_as_compile_regex_template_builds_it() -> None:
    # Outside text quoted as regexp.QuoteMeta quotes it, each part a group, nested delimiters in their part.
    assert template_pattern("urn:foo.{[a-z]+}/x{a{2}}$", "{", "}") == (["[a-z]+", "a{2}"],
                                                                         r"^urn:foo\.([a-z]+)/x(a{2})\$$")
    # One delimiter for both: each opens (Go's switch tests start first), so any is unbalanced.
    with pytest.raises(ValueError, match="unbalanced"):
        template_pattern("|a|", "|", "|")
    assert template_pattern("a", "|", "|") == ([], "^a$")


def test_an_error_does_not_echo_the_template() -> None:
    # The template may be the input's own text, which the plan may mark sensitive.
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    for template in ("s3cr3t{a)(b}", "s3cr3t{a"):
        with pytest.raises(EvaluationError) as caught:
            _match("regorus", template, "x")
        assert "s3cr3t" not in caught.value.message
