"""--format junit (validated against Jenkins' junit-10.xsd) and --format gitlab (GitLab Code Quality)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from conftest import PlanBuilder

SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


@pytest.fixture(scope="module")
def gitlab_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads((SCHEMAS / "gitlab-codequality.schema.json").read_text(encoding="utf-8"))
    return schema


@pytest.fixture
def scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan with SG002 (twice, one suppressed), SG004, EBS001, and a key full of control characters."""
    monkeypatch.chdir(tmp_path)
    builder = PlanBuilder()
    for name, port in (("ssh", 22), ("admin", 22), ("app", 8080)):
        builder.create(f"aws_security_group.{name}", {"name": name, "ingress": [
            {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    builder.create('aws_ebs_volume.data["a\x1b]0;x\x07<b>&\\"]', {"encrypted": False, "size": 1})
    builder.write(tmp_path / "plan.json")
    (tmp_path / ".natpolicy.yaml").write_text(
        "exceptions:\n  - rule: SG002\n    address: aws_security_group.admin\n    reason: bastion, reviewed\n",
        encoding="utf-8")
    return tmp_path


def _json_findings(cli) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = cli("check", "plan.json", "-f", "json").json()["findings"]
    return findings


def test_junit_is_valid_and_counts_what_the_json_report_lists(scan: Path, cli, junit_schema) -> None:
    result = cli("check", "plan.json", "-f", "junit")
    assert result.code == 1, result.err
    junit_schema.validate(result.out)  # raises on any departure from the schema
    root = ET.fromstring(result.out)
    findings = _json_findings(cli)
    active = [f for f in findings if not f["suppressed"]]
    assert root.tag == "testsuites"
    assert int(root.get("failures", "")) == len(active) == 3
    suites = {s.get("name", "").split(":")[0]: s for s in root.iter("testsuite")}
    # Every rule that ran is a suite, passing ones included, so a CI's test tab shows what was checked.
    assert {"SG001", "SG002", "SG003", "SG004", "EBS001", "FLOW001", "NAT001"} <= set(suites)
    sg002 = suites["SG002"]
    assert (sg002.get("tests"), sg002.get("failures"), sg002.get("skipped")) == ("2", "1", "1")
    skipped = sg002.find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: bastion, reviewed"
    failure = sg002.find("testcase/failure")
    assert failure is not None and failure.get("type") == "high" and "aws_security_group.ssh" in (failure.text or "")
    passing = suites["SG001"].findall("testcase")
    assert len(passing) == 1 and not list(passing[0]) and suites["SG001"].get("failures") == "0"
    ebs = suites["EBS001"].find("testcase")
    assert ebs is not None and "\\e]0;x\\x07<b>&" in ebs.get("name", "")  # control characters written out
    assert "plan.json:" in ebs.get("name", "")


def test_junit_carries_the_notes(tmp_path: Path, cli, junit_schema) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_ebs_volume" "v" {\n  # natpolicy:skip=NOPE1 not a rule\n  encrypted = false\n  size = 1\n}\n',
        encoding="utf-8")
    result = cli("check", str(tmp_path / "main.tf"), "-f", "junit")
    assert result.code == 1, result.err
    junit_schema.validate(ET.fromstring(result.out))
    out = ET.fromstring(result.out).find("testsuite[@name='natpolicy notes']/system-out")
    assert out is not None and "unknown rule NOPE1" in (out.text or "")


def test_junit_input_error_is_an_error_test_case(scan: Path, cli, junit_schema) -> None:
    (scan / "main.tf").write_text('resource "aws_vpc" "x" {\n', encoding="utf-8")  # never closed
    result = cli("check", "main.tf", "-f", "junit")
    assert result.code == 2
    junit_schema.validate(result.out)
    root = ET.fromstring(result.out)
    error = root.find("testsuite[@name='natpolicy input']/testcase/error")
    assert error is not None and "main.tf" in error.get("message", "") and root.get("errors") == "1"


def test_gitlab_code_quality_is_valid_unique_and_leaves_out_suppressed(scan: Path, cli, gitlab_schema) -> None:
    result = cli("check", "plan.json", "-f", "gitlab")
    assert result.code == 1, result.err
    issues = json.loads(result.out)
    jsonschema.validate(issues, gitlab_schema)
    active = [f for f in _json_findings(cli) if not f["suppressed"]]
    assert len(issues) == len(active) == 3
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["SG002"]["severity"] == "critical"  # high
    assert by_rule["SG004"]["severity"] == "major"  # medium
    assert all(i["location"]["path"] == "plan.json" and i["location"]["lines"]["begin"] >= 1 for i in issues)
    assert "aws_security_group.admin" not in result.out  # suppressed
    assert "\x1b" not in result.out and "\\\\e]0;x" in result.out


def test_gitlab_fingerprints_survive_a_line_move(scan: Path, cli) -> None:
    first = {i["check_name"]: i["fingerprint"] for i in json.loads(cli("check", "plan.json", "-f", "gitlab").out)}
    plan = json.loads((scan / "plan.json").read_text(encoding="utf-8"))
    (scan / "plan.json").write_text(json.dumps(plan, indent=7), encoding="utf-8")  # every line moves
    moved = json.loads(cli("check", "plan.json", "-f", "gitlab").out)
    assert {i["check_name"]: i["fingerprint"] for i in moved} == first


def test_both_formats_are_deterministic_and_work_as_also_output(scan: Path, cli, junit_schema,
                                                                gitlab_schema) -> None:
    result = cli("check", "plan.json", "-q", "--also-output", "junit=r.xml", "--also-output", "GitLab=cq.json")
    assert result.code == 1
    junit_schema.validate(str(scan / "r.xml"))
    jsonschema.validate(json.loads((scan / "cq.json").read_text(encoding="utf-8")), gitlab_schema)
    again = cli("check", "plan.json", "-f", "junit")
    assert again.out == (scan / "r.xml").read_text(encoding="utf-8")


def test_a_clean_run_is_a_valid_empty_report(tmp_path: Path, cli, junit_schema, gitlab_schema) -> None:
    plan = PlanBuilder().create("aws_ebs_volume.ok", {"encrypted": True, "size": 1}).write(tmp_path / "p.json")
    junit = cli("check", str(plan), "-f", "junit")
    assert junit.code == 0
    junit_schema.validate(junit.out)
    assert ET.fromstring(junit.out).get("failures") == "0"
    gitlab = cli("check", str(plan), "-f", "gitlab")
    assert gitlab.code == 0 and json.loads(gitlab.out) == []


def test_the_schemas_do_refuse_what_consumers_would(junit_schema, gitlab_schema) -> None:
    """The validations above can fail: a missing count, an unknown severity, an absolute path."""
    assert not junit_schema.is_valid('<testsuites><testsuite name="x" tests="1" failures="0"/></testsuites>')
    assert not junit_schema.is_valid('<testsuites><testsuite name="x" tests="1" failures="0" errors="0">'
                                     '<testcase name="t" file="a.tf"/></testsuite></testsuites>')
    good = {"description": "d", "check_name": "c", "fingerprint": "f", "severity": "minor",
            "location": {"path": "main.tf", "lines": {"begin": 1}}}
    jsonschema.validate([good], gitlab_schema)
    for bad in ({**good, "severity": "high"}, {**good, "location": {"path": "/abs/main.tf", "lines": {"begin": 1}}},
                {k: v for k, v in good.items() if k != "fingerprint"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate([bad], gitlab_schema)
