"""The text report's short cuts write what the plain loops wrote (issue 20: 684 findings, 95 M instructions)."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from natpolicy.check import Severity
from natpolicy.findings import Finding, RelatedLocation
from natpolicy.model import SourceLocation
from natpolicy.outputs.text import _fill_word_by_word as _wrap_word_by_word  # the reference: word by word
from natpolicy.outputs.text import render, wrap
from natpolicy.runner import RunResult
from natpolicy.safe_text import defang_line

_WORD = st.text(alphabet="ab:#[", min_size=1, max_size=14)
_GAP = st.sampled_from([" ", "  ", "\u3000", " \u00a0 "])


@settings(max_examples=400, deadline=None)
@given(words=st.lists(_WORD, max_size=30), gaps=st.lists(_GAP, min_size=30, max_size=30),
       width=st.integers(min_value=4, max_value=16), lead=st.sampled_from(["", " ", "\u2003"]))
def test_wrap_fills_lines_as_the_word_loop_does(words: list[str], gaps: list[str], width: int, lead: str) -> None:
    text = lead + "".join(word + gap for word, gap in zip(words, gaps, strict=False))
    assert wrap(text, width) == _wrap_word_by_word(text, width)


def test_wrap_at_the_edges_of_the_width() -> None:
    for text in ["", " ", "abcd", "abcd efgh", "abcd efg h", "abc defgh", "abcdefgh ij", "ab cd ef gh ij kl",
                 "abcd" * 3, "a abcdefghi", "abcdefgh abcdefgh", "ab " * 9]:
        for width in (3, 4, 5, 8, 9):
            assert wrap(text, width) == _wrap_word_by_word(text, width), (text, width)


_COMMAND_START = re.compile(r"^(\s*):(?=:)")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from([":", "#", "[", "a", " ", "\t", "\u3000", "\u2028", "\x1c", "\x85"]),
               max_size=12))
def test_defang_line_skips_only_lines_the_pattern_leaves_alone(line: str) -> None:
    expected = line.replace("##[", "##\\[") if "##[" in line else line
    assert defang_line(line) == _COMMAND_START.sub(r"\1\\:", expected, count=1)


def _finding(rule: str, severity: Severity, message: str, line: int, related: bool = False) -> Finding:
    related_items = (RelatedLocation("module.m.aws_x.y", SourceLocation("mod/main.tf", 3), "declared"),
                     RelatedLocation("module.n.aws_x.y", None, "declared")) if related else ()
    return Finding(rule_id=rule, rule_name=f"{rule} rule \x1b[name]", severity=severity, level="error",
                   address="aws_x.y", resource_type="aws_x", message=message, origin="plan.json",
                   location=SourceLocation("plan.json", line), related=related_items)


def _finding_lines_one_by_one(f: Finding, id_width: int, width: int = 100) -> list[str]:
    """A finding's lines as the report wrote them before it kept its rule heads."""
    indent = " " * (id_width + 9)
    body = wrap(f.message, width=max(40, width - len(indent))) or [""]
    out = [f"{f.rule_id:<{id_width}}{f.severity.label:<9}{body[0]}", *(indent + line for line in body[1:])]
    name = f.rule_name.replace("\x1b", "\\e")
    out.append(f"{indent}at {f.location.path}:{f.location.start_line}  [{name}]")
    for item in f.related:
        where = f"{item.location.path}:{item.location.start_line}" if item.location else "not at hand"
        out.append(f"{indent}   {item.address} is declared at {where}")
    return out


def test_findings_of_one_rule_at_two_severities_keep_their_own_heads() -> None:
    findings = [
        _finding("NAT001", Severity.CRITICAL, "a gateway " * 20, 4, related=True),
        _finding("NAT001", Severity.HIGH, "", 5),
        _finding("SG001", Severity.HIGH, "::error:: " + "x" * 130, 6),
        _finding("NAT001", Severity.CRITICAL, "short", 7),
    ]
    lines = render(RunResult(findings=findings, checks=[], resources=3)).splitlines()
    expected = [line for f in findings for line in _finding_lines_one_by_one(f, 8)]
    assert lines[:-1] == expected
    assert lines[-1] == "4 findings (2 critical, 2 high) in 3 resources checked against 0 rules."


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", " ", "~", "\x1f", "\x7f", "\x80", "\x9f", "\xa0", "é", "\u2028",
                                         "\u202e", "\u2069", "\t", "\x1b"]), max_size=10))
def test_escape_skips_the_search_only_for_printable_ascii(text: str) -> None:
    from natpolicy.safe_text import _code, escape

    assert escape(text) == re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", _code, text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from([":", "a", " ", "\n", "\t", "\u3000", "\x1c", "\x85", "#"]), max_size=16))
def test_command_line_finds_a_line_that_defang_line_would_change(report: str) -> None:
    from natpolicy.outputs.text import _command_line

    # The report is lines joined by "\n": a line defang_line changes for "::" starts with it after blanks.
    assert _command_line(report) == any(line.lstrip().startswith("::") for line in report.split("\n"))


def test_report_joined_at_once_only_when_no_line_is_defanged() -> None:
    # "::/0" (IPv6) inside lines, and once wrapped onto the start of a line, where it must be defanged.
    inside = _finding("SG001", Severity.HIGH, "open to 0.0.0.0/0 and ::/0 on port 22", 4)
    wrapped = _finding("SG001", Severity.HIGH, "x" * 80 + " ::/0 and more", 5)
    for findings, defanged in (([inside], False), ([inside, wrapped], True)):
        report = render(RunResult(findings=findings, checks=[], resources=2))
        raw = [line for f in findings for line in _finding_lines_one_by_one(f, 8)]
        raw.append(report.splitlines()[-1])
        assert report == "".join(defang_line(line) + "\n" for line in raw)
        assert (report != "".join(line + "\n" for line in raw)) is defanged
