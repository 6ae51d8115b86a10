"""Baselines: record today's findings, then report (and gate on) only new ones."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from natpolicy import baseline
from natpolicy.check import Severity
from natpolicy.findings import Finding, fingerprint
from natpolicy.model import SourceLocation

OPEN_SSH = {"name": "web", "egress": [], "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
PLAIN_VOLUME = {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def legacy_plan(plan: Any) -> Any:
    """What the repository has today: an open SG and an unencrypted volume."""
    return plan.create("aws_security_group.web", OPEN_SSH).create("aws_ebs_volume.data", PLAIN_VOLUME)


def finding(rule: str, address: str, key: str = "", line: int = 1, suppression: str | None = None,
            origin: str = "plan.json") -> Finding:
    return Finding(rule_id=rule, rule_name="r", severity=Severity.HIGH, level="error", address=address,
                   resource_type=address.split(".")[0], message="m", origin=origin,
                   location=SourceLocation(origin, line), key=key, suppression=suppression)


def accepted(path: Path, *findings: Finding) -> list[bool]:
    """Which of ``findings`` the baseline file at ``path`` accepts."""
    loaded = baseline.load(path)
    return [bool(loaded.matches(f)) for f in findings]


def write_entries(path: Path, *entries: dict[str, str]) -> Path:
    path.write_text(json.dumps({"natpolicy_baseline": 1, "findings": list(entries)}), encoding="utf-8")
    return path


def test_the_file_is_deterministic_sorted_and_skips_suppressed() -> None:
    a, b = finding("SG002", "aws_security_group.web", "ingress[0]"), finding("EBS001", "aws_ebs_volume.data")
    quiet = finding("SG003", "aws_security_group.lb", suppression="accepted")
    text = baseline.dumps([a, b, quiet, a])
    assert text == baseline.dumps([b, a])
    assert json.loads(text) == {"natpolicy_baseline": 1, "findings": [
        {"fingerprint": b.fingerprint, "rule_id": "EBS001", "address": "aws_ebs_volume.data", "key": "",
         "origin": "plan.json"},
        {"fingerprint": a.fingerprint, "rule_id": "SG002", "address": "aws_security_group.web", "key": "ingress[0]",
         "origin": "plan.json"},
    ]}


def test_matching_ignores_lines_but_not_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    baseline.write(path, [finding("SG002", "aws_security_group.web", line=3, origin="prod/plan.json")])
    assert accepted(path,
                    finding("SG002", "aws_security_group.web", line=300, origin="prod/plan.json"),
                    finding("SG002", "aws_security_group.other", origin="prod/plan.json"),
                    # The same address in another environment's plan is another resource.
                    finding("SG002", "aws_security_group.web", origin="staging/plan.json")) == [True, False, False]


def test_an_entry_without_origin_matches_in_every_plan(tmp_path: Path) -> None:
    """Files written before origins were recorded keep working as they did."""
    path = write_entries(tmp_path / "b.json", {"fingerprint": fingerprint("EBS001", "aws_ebs_volume.data"),
                                                "rule_id": "EBS001", "address": "aws_ebs_volume.data", "key": ""})
    assert accepted(path, finding("EBS001", "aws_ebs_volume.data", origin="prod/plan.json"),
                    finding("EBS001", "aws_ebs_volume.data", origin="staging/plan.json"),
                    finding("EBS001", "aws_ebs_volume.logs", origin="prod/plan.json")) == [True, True, False]


def test_a_hand_written_entry_without_key_matches_any_key(tmp_path: Path) -> None:
    # SG002 is keyed by the ingress rule (tcp:22-22:ipv4): rule_id + address alone must still match.
    path = write_entries(tmp_path / "b.json", {"rule_id": "SG002", "address": "aws_security_group.web"},
                         {"rule_id": "EBS001", "address": "aws_ebs_volume.data"})
    assert accepted(path, finding("SG002", "aws_security_group.web", key="tcp:22-22:ipv4"),
                    finding("SG002", "aws_security_group.web", key="tcp:3389-3389:ipv6"),
                    finding("EBS001", "aws_ebs_volume.data"),
                    finding("SG002", "aws_security_group.other", key="tcp:22-22:ipv4")) == [True, True, True, False]


def test_a_hand_written_key_or_origin_narrows_the_match(tmp_path: Path) -> None:
    path = write_entries(tmp_path / "b.json",
                         {"rule_id": "SG002", "address": "aws_security_group.web", "key": "tcp:22-22:ipv4"},
                         {"rule_id": "EBS001", "address": "aws_ebs_volume.data", "origin": "prod/plan.json"})
    assert accepted(path, finding("SG002", "aws_security_group.web", key="tcp:22-22:ipv4"),
                    finding("SG002", "aws_security_group.web", key="tcp:3389-3389:ipv4"),
                    finding("EBS001", "aws_ebs_volume.data", origin="prod/plan.json"),
                    finding("EBS001", "aws_ebs_volume.data", origin="staging/plan.json")) == [True, False, True, False]


def test_a_baseline_of_one_environment_does_not_hide_another(cli: Callable[..., Any], in_tmp: Path) -> None:
    from conftest import PlanBuilder

    for env in ("prod", "staging"):
        (in_tmp / env).mkdir()
        legacy_plan(PlanBuilder()).write(in_tmp / env / "plan.json")
    assert cli("check", "prod", "--create-baseline", "base.json").code == 0
    recorded = json.loads((in_tmp / "base.json").read_text(encoding="utf-8"))["findings"]
    assert {e["origin"] for e in recorded} == {"prod/plan.json"}
    res = cli("check", "prod", "staging", "--baseline", "base.json", "--format", "json")
    assert res.code == 1
    assert sorted((f["rule_id"], f["origin"]) for f in res.json()["findings"]) == [
        ("EBS001", "staging/plan.json"), ("SG002", "staging/plan.json")]


def test_create_then_check_reports_only_new_findings(cli: Callable[..., Any], plan: Any, in_tmp: Path) -> None:
    legacy_plan(plan).write(in_tmp / "plan.json")
    created = cli("check", "plan.json", "--create-baseline", ".natpolicy-baseline.json")
    # Creating reports as usual, and exits 0: every current finding is now accepted.
    assert created.code == 0, created.err
    assert "SG002" in created.out and "EBS001" in created.out
    recorded = json.loads((in_tmp / ".natpolicy-baseline.json").read_text(encoding="utf-8"))
    assert sorted(e["rule_id"] for e in recorded["findings"]) == ["EBS001", "SG002"]

    same = cli("check", "plan.json", "--baseline", ".natpolicy-baseline.json", "--format", "json")
    assert same.code == 0, same.err
    report = same.json()
    assert report["findings"] == [] and report["summary"]["findings"] == 0
    assert report["notes"] == ["baseline .natpolicy-baseline.json: 2 existing findings not reported"]

    # A new problem appears: only it is reported, and it fails the gate.
    legacy_plan(plan).create("aws_ebs_volume.logs", PLAIN_VOLUME).write(in_tmp / "plan.json")
    new = cli("check", "plan.json", "--baseline", ".natpolicy-baseline.json", "--format", "json")
    assert new.code == 1
    assert [(f["rule_id"], f["address"]) for f in new.json()["findings"]] == [("EBS001", "aws_ebs_volume.logs")]


def test_every_format_sees_only_new_findings(cli: Callable[..., Any], plan: Any, in_tmp: Path) -> None:
    legacy_plan(plan).write(in_tmp / "plan.json")
    assert cli("check", "plan.json", "--create-baseline", "base.json").code == 0
    legacy_plan(plan).create("aws_ebs_volume.logs", PLAIN_VOLUME).write(in_tmp / "plan.json")
    res = cli("check", "plan.json", "--baseline", "base.json", "--format", "sarif", "--output", "out.sarif",
              "--also-output", "github=ann.txt", "--also-output", "markdown=sum.md")
    assert res.code == 1
    sarif = json.loads((in_tmp / "out.sarif").read_text(encoding="utf-8"))
    assert [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in sarif["runs"][0]["results"]] \
        == ["aws_ebs_volume.logs"]
    annotations = (in_tmp / "ann.txt").read_text(encoding="utf-8")
    assert annotations.count("::error") == 1 and "aws_ebs_volume.logs" in annotations
    summary = (in_tmp / "sum.md").read_text(encoding="utf-8")
    assert "**1 finding**" in summary and "aws_security_group.web" not in summary
    assert "2 existing findings not reported" in summary
    assert "aws_security_group.web" not in res.out


def test_the_baseline_survives_reformatting_and_reordering(cli: Callable[..., Any], plan: Any, in_tmp: Path) -> None:
    legacy_plan(plan).write(in_tmp / "plan.json", indent=2)
    assert cli("check", "plan.json", "--create-baseline", "base.json").code == 0
    before = cli("check", "plan.json", "--format", "json").json()["findings"]
    # Same resources, other order, one line: every finding moves.
    from conftest import PlanBuilder

    reordered = PlanBuilder().create("aws_ebs_volume.data", PLAIN_VOLUME).create("aws_security_group.web", OPEN_SSH)
    reordered.write(in_tmp / "plan.json", indent=None)
    after = cli("check", "plan.json", "--format", "json").json()["findings"]
    assert {f["start_line"] for f in after} != {f["start_line"] for f in before}
    res = cli("check", "plan.json", "--baseline", "base.json")
    assert res.code == 0 and "SG002" not in res.out and "EBS001" not in res.out


def test_fixed_findings_are_noted_as_stale(cli: Callable[..., Any], plan: Any, in_tmp: Path) -> None:
    legacy_plan(plan).write(in_tmp / "plan.json")
    assert cli("check", "plan.json", "--create-baseline", "base.json").code == 0
    from conftest import PlanBuilder

    PlanBuilder().create("aws_security_group.web", OPEN_SSH).write(in_tmp / "plan.json")
    res = cli("check", "plan.json", "--baseline", "base.json", "--format", "json")
    assert res.code == 0
    assert res.json()["notes"][-1] == ("baseline base.json: 1 entry matches no current finding (fixed?): "
                                       "EBS001 aws_ebs_volume.data in plan.json. "
                                       "Re-create it with --create-baseline to drop them")


def test_the_stale_note_names_the_first_entries_and_counts_the_rest(tmp_path: Path) -> None:
    from natpolicy.runner import RunResult

    path = write_entries(tmp_path / "b.json", *({"rule_id": "EBS001", "address": f"aws_ebs_volume.v{i}"}
                                                 for i in range(baseline.STALE_SHOWN + 2)))
    out = baseline.apply(RunResult(findings=[], checks=[], resources=0), baseline.load(path), "b.json")
    [note] = out.notes
    named = "; ".join(f"EBS001 aws_ebs_volume.v{i}" for i in range(baseline.STALE_SHOWN))
    assert note == (f"baseline b.json: {baseline.STALE_SHOWN + 2} entries match no current finding (fixed?): "
                    f"{named}; and 2 more. Re-create it with --create-baseline to drop them")


def test_refreshing_reports_against_the_old_and_records_everything(cli: Callable[..., Any], plan: Any,
                                                                    in_tmp: Path) -> None:
    plan.create("aws_security_group.web", OPEN_SSH).write(in_tmp / "plan.json")
    assert cli("check", "plan.json", "--create-baseline", "base.json").code == 0
    plan.create("aws_ebs_volume.data", PLAIN_VOLUME).write(in_tmp / "plan.json")
    res = cli("check", "plan.json", "--baseline", "base.json", "--create-baseline", "base.json", "--force",
              "--format", "json")
    assert res.code == 0
    assert [f["rule_id"] for f in res.json()["findings"]] == ["EBS001"]
    assert len(json.loads((in_tmp / "base.json").read_text(encoding="utf-8"))["findings"]) == 2


def test_suppressed_findings_stay_suppressed_not_baselined(tmp_path: Path) -> None:
    from natpolicy.runner import RunResult

    quiet = finding("SG003", "aws_security_group.lb", suppression="accepted")
    loud = finding("SG002", "aws_security_group.web")
    baseline.write(tmp_path / "b.json", [replace(quiet, suppression=None), loud])
    out = baseline.apply(RunResult(findings=[quiet, loud], checks=[], resources=2),
                         baseline.load(tmp_path / "b.json"), "b.json")
    assert out.findings == [quiet]
    assert out.notes == ["baseline b.json: 1 existing finding not reported",
                         "baseline b.json: 1 entry matches no current finding (fixed?): "
                         "SG003 aws_security_group.lb in plan.json. Re-create it with --create-baseline to drop them"]


@pytest.mark.parametrize("content, problem", [
    (None, "baseline file not found (create one with --create-baseline)"),
    ("{not json", "not a natpolicy baseline (invalid JSON"),
    ('{"findings": {}}', 'not a natpolicy baseline (expected an object with a "findings" list)'),
    ('{"natpolicy_baseline": 9, "findings": []}', "unsupported baseline version 9"),
    ('{"natpolicy_baseline": 1, "findings": [{"rule_id": "SG001"}]}', "baseline entry 0 needs a fingerprint"),
    ('{"natpolicy_baseline": 1, "findings": ["SG001"]}', "baseline entry 0 is not an object"),
    ('{"natpolicy_baseline": 1, "findings": [{"rule_id": "SG001", "address": "a.b", "origin": 3}]}',
     "baseline entry 0: origin must be a string"),
])
def test_a_bad_baseline_is_one_line_and_exit_2(cli: Callable[..., Any], plan: Any, in_tmp: Path,
                                               content: str | None, problem: str) -> None:
    legacy_plan(plan).write(in_tmp / "plan.json")
    if content is not None:
        (in_tmp / "base.json").write_text(content, encoding="utf-8")
    res = cli("check", "plan.json", "--baseline", "base.json")
    assert res.code == 2 and res.out == ""
    assert res.err.startswith(f"natpolicy: error: base.json: {problem}")
    assert res.err.count("\n") == 1 and "Traceback" not in res.err
