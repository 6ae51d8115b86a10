"""``--format github``: workflow-command annotations, escaped, capped, most severe first."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.model import SourceLocation
from natpolicy.outputs import github
from natpolicy.outputs.severity import sarif_level
from natpolicy.runner import RunResult

_LINE = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def parse(output: str) -> list[dict[str, Any]]:
    """Read workflow commands back as the runner does: level, properties, message."""
    out = []
    for line in output.splitlines():
        m = _LINE.match(line)
        assert m, f"not a workflow command: {line!r}"
        props = {}
        for pair in (m.group(2) or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                props[key] = unescape(value)
        out.append({"level": m.group(1), "props": props, "message": unescape(m.group(3))})
    return out


def finding(rule: str = "SG002", severity: Severity = Severity.HIGH, address: str = "aws_security_group.web",
            message: str = "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0", path: str = "main.tf",
            line: int = 3, end: int | None = 9, suppression: str | None = None) -> Finding:
    return Finding(rule_id=rule, rule_name="Security group open", severity=severity, level=sarif_level(severity),
                   address=address, resource_type=address.split(".")[0], message=message, origin="plan.json",
                   location=SourceLocation(path, line, end), suppression=suppression)


def result(*findings: Finding, errors: list[str] | None = None) -> RunResult:
    return RunResult(findings=list(findings), checks=[], resources=len(findings), errors=errors or [])


def test_escaping_follows_the_actions_toolkit() -> None:
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # `::` in the message is harmless once newlines are escaped: a command must start a line.
    assert github.command("notice", "x::y\n::error::z") == "::notice::x::y%0A::error::z"


def test_one_finding_becomes_one_error_on_its_lines() -> None:
    [ann] = parse(github.render(result(finding())))
    assert ann["level"] == "error"
    assert ann["props"] == {"file": "main.tf", "line": "3", "endLine": "9",
                            "title": "SG002 (high): Security group open"}
    assert ann["message"].splitlines() == [
        "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0",
        "Resource: aws_security_group.web (plan plan.json)",
    ]


def test_hostile_text_cannot_break_out_of_its_property() -> None:
    f = finding(address='aws_security_group.x["a,b"]', path="dir, with: comma/main.tf",
                message="line one\nline two, with: 100%")
    output = github.render(result(f))
    assert output.count("\n") == 1, "one annotation is one line"
    [ann] = parse(output)
    assert ann["props"]["file"] == "dir, with: comma/main.tf"
    assert ann["message"].startswith("line one\nline two, with: 100%\nResource: aws_security_group.x[\"a,b\"]")


def test_levels_follow_severity_most_severe_first() -> None:
    findings = [finding("SG003", Severity.LOW, "aws_security_group.a"),
                finding("FLOW001", Severity.MEDIUM, "aws_vpc.main"),
                finding("SG001", Severity.CRITICAL, "aws_security_group.b"),
                finding("EBS001", Severity.HIGH, "aws_ebs_volume.data")]
    anns = parse(github.render(result(*findings)))
    assert [(a["level"], a["props"]["title"].split()[0]) for a in anns] == [
        ("error", "SG001"), ("error", "EBS001"), ("warning", "FLOW001"), ("notice", "SG003")]


def test_suppressed_findings_are_not_annotated() -> None:
    anns = parse(github.render(result(finding(), finding("SG003", Severity.LOW, suppression="accepted"))))
    assert [a["props"]["title"][:5] for a in anns] == ["SG002"]


def test_at_most_ten_per_type_then_one_notice_counting_the_rest() -> None:
    highs = [finding("SG002", Severity.HIGH, f"aws_security_group.h{i:02}") for i in range(14)]
    crit = finding("SG001", Severity.CRITICAL, "aws_security_group.zz")
    mediums = [finding("FLOW001", Severity.MEDIUM, f"aws_vpc.v{i}") for i in range(3)]
    anns = parse(github.render(result(*highs, crit, *mediums)))
    errors = [a for a in anns if a["level"] == "error"]
    assert len(errors) == 10
    assert errors[0]["props"]["title"].startswith("SG001"), "the critical one is never cut"
    assert [a["level"] for a in anns].count("warning") == 3
    last = anns[-1]
    assert last["level"] == "notice" and "file" not in last["props"]
    assert last["message"].startswith("5 more natpolicy annotations not shown (5 error)")


def test_the_counting_notice_keeps_a_notice_slot_free() -> None:
    lows = [finding("SG003", Severity.LOW, f"aws_security_group.l{i:02}") for i in range(12)]
    anns = parse(github.render(result(*lows)))
    assert len(anns) == 10, "GitHub would drop an 11th notice"
    assert anns[-1]["message"].startswith("3 more natpolicy annotations not shown (3 notice)")


def test_exactly_ten_of_a_type_needs_no_counting_notice() -> None:
    lows = [finding("SG003", Severity.LOW, f"aws_security_group.l{i:02}") for i in range(10)]
    anns = parse(github.render(result(*lows)))
    assert len(anns) == 10 and all(a["props"]["title"].startswith("SG003") for a in anns)


def test_no_file_property_for_stdin_and_tool_errors_come_first() -> None:
    anns = parse(github.render(result(finding(path="<stdin>"), errors=["rule X001 failed on a.b: boom"])))
    assert anns[0] == {"level": "error", "props": {"title": "natpolicy error"}, "message": "rule X001 failed on a.b: boom"}
    assert "file" not in anns[1]["props"] and "line" not in anns[1]["props"]


def test_nothing_to_report_prints_nothing() -> None:
    assert github.render(result()) == ""


@pytest.fixture
def risky_plan(plan: Any, tmp_path: Path) -> Path:
    open_ssh = {"name": "web", "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                            "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}], "egress": []}
    https = {"name": "lb", "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp",
                                        "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}], "egress": []}
    return (plan.create("aws_security_group.web", open_ssh)
                .create("aws_security_group.lb", https)
                .create("aws_ebs_volume.data", {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False})
                .write(tmp_path / "plan.json"))


def test_cli_format_github_end_to_end(cli: Callable[..., Any], risky_plan: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(risky_plan.parent)
    res = cli("check", "plan.json", "--format", "github", "--check", "SG,EBS")
    assert res.code == 1, res.err
    anns = parse(res.out)
    assert [(a["level"], a["props"]["title"].split()[0]) for a in anns] == [
        ("error", "EBS001"), ("error", "SG002"), ("notice", "SG003")]
    for a in anns:
        assert a["props"]["file"] == "plan.json" and int(a["props"]["line"]) >= 1
        assert "\nRule: https://" in a["message"] and ".md" in a["message"]


def test_when_error_slots_run_out_nat_takes_them_then_sg_then_the_rest() -> None:
    # EBS findings are critical here, so by severity alone they would take every slot.
    ebs = [finding("EBS001", Severity.CRITICAL, f"aws_ebs_volume.v{i:02}") for i in range(8)]
    sgs = [finding("SG002", Severity.HIGH, f"aws_security_group.g{i}") for i in range(3)]
    nats = [finding("NAT001", Severity.HIGH, f"aws_nat_gateway.n{i}") for i in (2, 1)]
    errors = [a for a in parse(github.render(result(*ebs, *sgs, *nats))) if a["level"] == "error"]
    shown = [(a["props"]["title"][:6].rstrip(" ("), a["message"].split("Resource: ")[1].split(" ")[0])
             for a in errors]
    assert shown == [("NAT001", "aws_nat_gateway.n1"), ("NAT001", "aws_nat_gateway.n2"),
                     *[("SG002", f"aws_security_group.g{i}") for i in range(3)],
                     *[("EBS001", f"aws_ebs_volume.v{i:02}") for i in range(5)]]


def test_with_slots_to_spare_the_order_stays_most_severe_first() -> None:
    few = [finding("EBS001", Severity.CRITICAL, "aws_ebs_volume.v"), finding("NAT001", Severity.HIGH,
                                                                            "aws_nat_gateway.n")]
    titles = [a["props"]["title"] for a in parse(github.render(result(*few)))]
    assert [t.split(" ")[0] for t in titles] == ["EBS001", "NAT001"]
