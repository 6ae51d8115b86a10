"""``--format markdown``: the job summary / PR comment."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_rules

from natpolicy import registry
from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.model import SourceLocation
from natpolicy.outputs import markdown
from natpolicy.outputs.sarif import INFORMATION_URI, rule_help_uri
from natpolicy.runner import RunResult


def finding(rule: str = "SG002", severity: Severity = Severity.HIGH, address: str = "aws_security_group.web",
            message: str = "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0",
            suppression: str | None = None, details: dict[str, Any] | None = None) -> Finding:
    return Finding(rule_id=rule, rule_name="A rule", severity=severity, level=severity.sarif_level, address=address,
                   resource_type=address.split(".")[0], message=message, origin="plan.json",
                   location=SourceLocation("main.tf", 12, 20), suppression=suppression, details=details or {})


def result(*findings: Finding, errors: list[str] | None = None, notes: list[str] | None = None) -> RunResult:
    checks = registry.instantiate(registry.discover())
    return RunResult(findings=list(findings), checks=checks, resources=7, errors=errors or [], notes=notes or [])


def severity_table(text: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| \S+ (Critical|High|Medium|Low) \| (\d+) \|$",
                                                             text, re.M)}


def cells(row: str) -> list[str]:
    """Split a table row on unescaped pipes, as GitHub does."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_a_table_by_severity_and_the_gate_verdict() -> None:
    text = markdown.render(result(finding(), finding("SG003", Severity.LOW, "aws_security_group.lb"),
                                  finding("SG001", Severity.CRITICAL, "aws_security_group.all")),
                           fail_on=Severity.CRITICAL)
    assert text.startswith("## natpolicy\n")
    assert "**3 findings** (7 resources checked against" in text
    assert severity_table(text) == {"Critical": 1, "High": 1, "Medium": 0, "Low": 1}
    assert "❌ **Gate: fail** (1 finding is at or above `critical`)." in text


def test_a_clean_run_says_so() -> None:
    text = markdown.render(result(), fail_on=Severity.LOW)
    assert "✅ **No findings**" in text and "✅ **Gate: pass**" in text
    assert severity_table(text) == {"Critical": 0, "High": 0, "Medium": 0, "Low": 0}
    assert "### " not in text


def test_soft_fail_and_errors_change_the_verdict() -> None:
    assert "**Gate: would fail**" in markdown.render(result(finding()), fail_on=Severity.LOW, soft_fail=True)
    text = markdown.render(result(finding(), errors=["rule SG002 failed on x: boom"]), fail_on=Severity.LOW)
    assert "**Gate: error.**" in text and "### Errors\n\n- rule SG002 failed on x: boom" in text


def test_top_findings_link_to_their_rule_docs() -> None:
    text = markdown.render(result(finding(), finding("SG003", Severity.LOW, "aws_security_group.lb")))
    rows = [cells(line) for line in text.splitlines() if line.startswith("| ") and "[SG" in line]
    assert [r[1] for r in rows] == [
        f"[SG002]({rule_help_uri(registry.find('SG002'))})", f"[SG003]({rule_help_uri(registry.find('SG003'))})"]
    assert rows[0] == ["🔴 high", rows[0][1], "`aws_security_group.web`", "`main.tf:12`",
                       r"aws\_security\_group.web allows SSH (22/tcp) from 0.0.0.0/0"]
    for link in re.findall(r"\]\((https://[^)]+)\)", text):
        # The link points at the rule's documentation in this repository.
        relpath = link.removeprefix(f"{INFORMATION_URI}/blob/main/")
        assert (ROOT / relpath).is_file(), relpath


def test_nat_findings_come_first_with_the_route_tables_losing_egress() -> None:
    from examples import nat_deleted

    builder = nat_deleted().create("aws_security_group.web", {
        "name": "web", "egress": [],
        "ingress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}]})
    run = run_rules(builder, "NAT", "SG")
    nat = [f for f in run.findings if f.rule_id.startswith("NAT")]
    assert nat and any(f.rule_id == "SG001" for f in run.findings)
    text = markdown.render(run)
    assert text.index("### NAT gateways: egress at risk") < text.index("### Other findings")
    assert text.index(nat[0].address) < text.index("aws_security_group.web")
    tables = nat[0].details["route_tables"]
    assert tables, "the NAT rule names the route tables it cuts off"
    for table in tables:
        line = next(line for line in text.splitlines() if f"`{table['address']}`" in line)
        assert line.startswith("    - ")
        assert all(f"`{d}`" in line for d in table["destinations"])
        assert all(f"`{s['address']}`" in line for s in table["subnets"])


def test_route_table_details_render_even_when_only_ids_are_known() -> None:
    f = finding("NAT001", details={"route_tables": [
        {"address": None, "id": "rtb-1", "destinations": ["0.0.0.0/0", "::/0"], "subnets": [{"id": "subnet-a"}]}]})
    text = markdown.render(result(f))
    assert "    - `rtb-1` loses `0.0.0.0/0`, `::/0`; subnet: `subnet-a`" in text


def test_suppressed_findings_are_left_out() -> None:
    text = markdown.render(result(finding(), finding("SG003", Severity.LOW, "aws_security_group.quiet",
                                                     suppression="accepted by #12")))
    assert "aws_security_group.quiet" not in text and "accepted by #12" not in text
    assert severity_table(text)["Low"] == 0
    assert "1 suppressed finding not shown" in text


def test_cell_text_cannot_break_the_table_or_inject_html() -> None:
    f = finding(address='aws_security_group.x["a|b"]', message="bad | pipe <script>alert(1)</script>\nnext *line*")
    text = markdown.render(result(f))
    row = next(line for line in text.splitlines() if "[SG002]" in line)
    assert len(cells(row)) == 5
    assert "<script>" not in text and "\\<script\\>" in row
    assert "`aws_security_group.x[\"a\\|b\"]`" in row


def test_only_the_top_findings_are_listed_with_a_count_of_the_rest() -> None:
    many = [finding("SG004", Severity.MEDIUM, f"aws_security_group.g{i:03}") for i in range(60)]
    text = markdown.render(result(*many))
    assert len([line for line in text.splitlines() if "[SG004]" in line]) == markdown.TOP_FINDINGS
    assert f"…and {60 - markdown.TOP_FINDINGS} more, less severe" in text


def test_the_summary_stays_under_one_mebibyte() -> None:
    tables = [{"address": f"module.vpc.aws_route_table.private[{i}]", "id": f"rtb-{i:08}",
               "destinations": ["0.0.0.0/0"], "subnets": [{"address": f"aws_subnet.s{i}", "id": f"subnet-{i}"}]}
              for i in range(10)]
    nat = [finding("NAT001", Severity.HIGH, f"module.vpc{i}.aws_nat_gateway.this[0]", message="x" * 400,
                   details={"route_tables": tables}) for i in range(2000)]
    text = markdown.render(result(*nat))
    size = len(text.encode("utf-8"))
    assert size < 1024 * 1024 and size > 900_000
    listed = text.count("**[NAT001]")
    assert 0 < listed < 2000
    assert f"Summary truncated to stay under GitHub's 1 MiB limit: {2000 - listed} more findings" in text


def test_a_small_budget_truncates_the_table_too() -> None:
    many = [finding("SG004", Severity.MEDIUM, f"aws_security_group.g{i:03}") for i in range(40)]
    text = markdown.render(result(*many), max_bytes=4000)
    assert len(text.encode()) <= 4000
    listed = text.count("[SG004]")
    assert 0 < listed < 40 and f"{40 - listed} more findings not listed" in text


def test_cli_writes_markdown_beside_the_terminal_report(cli: Callable[..., Any], plan: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plan.create("aws_ebs_volume.data", {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False})
    plan.write(tmp_path / "plan.json")
    res = cli("check", "plan.json", "--format", "markdown", "--output", "summary.md", "--fail-on", "critical")
    assert res.code == 0, res.err
    assert "EBS001" in res.out and not res.out.startswith("## natpolicy"), "the terminal report is still printed"
    text = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "✅ **Gate: pass** (nothing at or above `critical`)." in text
    assert "[EBS001](" in text and "`aws_ebs_volume.data`" in text
