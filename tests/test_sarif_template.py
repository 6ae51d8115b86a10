"""The SARIF writer's results written from a template: the very bytes ``json.dumps(render(...), indent=2)`` writes."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natpolicy.check import ResourceCheck, Severity
from natpolicy.findings import Finding, RelatedLocation
from natpolicy.model import SourceLocation
from natpolicy.outputs import sarif
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult


class _Rule(ResourceCheck):
    id = "TEST001"
    name = "Test rule"
    severity = Severity.HIGH
    supported_types = ("aws_ebs_volume",)


def _finding(**changes: Any) -> Finding:
    fields: dict[str, Any] = {
        "rule_id": "TEST001", "rule_name": "Test rule", "severity": Severity.HIGH, "level": "error",
        "address": "aws_ebs_volume.a", "resource_type": "aws_ebs_volume", "message": "aws_ebs_volume.a is open",
        "origin": "plan.json", "location": SourceLocation("plan.json", 3, 9), "key": "",
    }
    return Finding(**{**fields, **changes})


def _both(findings: list[Finding], *, with_suppressed: bool = False, category: str = "natpolicy/",
          errors: tuple[str, ...] = ()) -> tuple[str, str]:
    result = RunResult(findings=findings, checks=[_Rule()], resources=1, errors=list(errors))
    written = sarif.report(result, ReportSettings(category=category, sarif_include_suppressed=with_suppressed))
    expected = json.dumps(sarif.render(result, category=category, include_suppressed=with_suppressed), indent=2)
    return written, expected + "\n"


_ODD_TEXTS = ["", "é “quoted” \u2028 \x00 \x1f \x7f", "\U0001F600 <>&'\"\\/ :,{}[]", "tab\tnew\nline",
              'module.a["k.b"].aws_x.y[0]', "data.aws_x.y", "no address", "a.", "\ud800 lone"]


@pytest.mark.parametrize("text", _ODD_TEXTS)
@pytest.mark.parametrize("field", ["message", "address", "origin", "key", "level", "resource_type"])
def test_any_text_in_any_field_is_written_as_json_dumps_writes_it(field: str, text: str) -> None:
    findings = [_finding(**{field: text}), _finding(address="aws_ebs_volume.b")]
    if "\ud800" in text and field in ("address", "key"):  # the fingerprint's UTF-8 refuses it, as it always did
        with pytest.raises(UnicodeEncodeError):
            _both(findings)
        return
    written, expected = _both(findings)
    assert written == expected


@pytest.mark.parametrize("start, end", [(1, None), (0, 0), (-4, 2), (7, 3), (5, 5), (True, 2), (2.0, None),
                                        (3, 4.5), (3, False), (2 ** 70, None)])
def test_lines_of_any_kind_are_written_as_json_dumps_writes_them(start: Any, end: Any) -> None:
    written, expected = _both([_finding(location=SourceLocation("main.tf", start, end))])
    assert written == expected


@pytest.mark.parametrize("path", ["plan.json", "<stdin>", "./a b/%.tf", "../outside.json", "/abs/plan.json",
                                  "C:\\x\\plan.json", "dir/é.tf"])
def test_every_kind_of_path_is_written_as_json_dumps_writes_it(path: str) -> None:
    written, expected = _both([_finding(location=SourceLocation(path, 2, 4)), _finding(origin="b.json")])
    assert written == expected


def test_related_locations_suppressions_and_shared_fingerprints_are_written_as_json_dumps_writes_them() -> None:
    moved = _finding(address="module.m.aws_ebs_volume.a", location=SourceLocation("main.tf", 4, 8), related=(
        RelatedLocation("module.m.aws_ebs_volume.a", SourceLocation("modules/m/main.tf", 1, 5), "inside"),
        RelatedLocation("module.m.aws_ebs_volume.a", None, "its code is not at hand", declaration=False)))
    findings = [
        moved, _finding(suppression="accepted", suppression_kind="external"), _finding(suppression=""),
        # One module address from two roots on one file: the fingerprints get the root.
        _finding(address="module.sg.aws_ebs_volume.x", origin="envs/prod", location=SourceLocation("m/main.tf", 2)),
        _finding(address="module.sg.aws_ebs_volume.x", origin="envs/dev", location=SourceLocation("m/main.tf", 2)),
        _finding(severity=Severity.LOW, level="note"),
    ]
    for with_suppressed in (False, True):
        for category in ("natpolicy/", "infra"):
            written, expected = _both(findings, with_suppressed=with_suppressed, category=category,
                                      errors=("rule X failed: é",))
            assert written == expected


def test_a_field_that_is_no_string_is_written_as_json_dumps_writes_it() -> None:
    shown = [_finding(message=42), _finding(key=None, message=None), _finding(resource_type=1.5)]  # type: ignore[arg-type]
    for finding in shown:
        written, expected = _both([finding, _finding()])
        assert written == expected
    assert sarif._result_json(shown[0], {"TEST001": 0}, False, "fp", {}, {}) is None


def test_a_plain_result_is_written_from_the_template() -> None:
    finding = _finding()
    artifacts: dict[str, dict[str, Any]] = {}
    text = sarif._result_json(finding, {"TEST001": 0}, True, "fp:1", {}, artifacts)
    assert text == json.dumps(sarif._result(finding, {"TEST001": 0}, True, "fp:1", {}), separators=(",", ":"))


_TEXT = st.text(max_size=12)
_LINE = st.one_of(st.integers(min_value=-3, max_value=12), st.none(), st.booleans(), st.just(2.0))


@settings(max_examples=200, database=None, deadline=None)
@given(texts=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _LINE, _LINE), min_size=1, max_size=4),
       with_suppressed=st.booleans())
def test_any_findings_are_written_as_json_dumps_writes_them(texts: list[tuple[Any, ...]], with_suppressed: bool) -> None:
    findings = [_finding(message=message, address=address, key=key, suppression=reason or None,
                         location=SourceLocation(f"d/{address}.tf", start if start is not None else 1, end))
                for message, address, key, reason, start, end in texts]
    written, expected = _both(findings, with_suppressed=with_suppressed)
    assert written == expected
