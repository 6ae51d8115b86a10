"""``--format markdown``: the job summary / PR comment."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_rules
from natpolicy import __version__, registry
from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.model import SourceLocation
from natpolicy.outputs import markdown
from natpolicy.outputs.doclinks import INFORMATION_URI, doc_ref, rule_help_uri
from natpolicy.outputs.severity import sarif_level
from natpolicy.runner import RunResult


def finding(rule: str = "SG002", severity: Severity = Severity.HIGH, address: str = "aws_security_group.web",
            message: str = "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0",
            suppression: str | None = None, details: dict[str, Any] | None = None) -> Finding:
    return Finding(rule_id=rule, rule_name="A rule", severity=severity, level=sarif_level(severity), address=address,
                   resource_type=address.split(".")[0], message=message, origin="plan.json",
                   location=SourceLocation("main.tf", 12, 20), suppression=suppression, details=details or {})


def result(*findings: Finding, errors: list[str] | None = None, notes: list[str] | None = None,
           resources: int = 7) -> RunResult:
    checks = registry.instantiate(registry.discover())
    return RunResult(findings=list(findings), checks=checks, resources=resources, errors=errors or [],
                     notes=notes or [])


def nat_finding(i: int, tables: int = 1) -> Finding:
    route_tables = [{"address": f"aws_route_table.private{i}_{t}", "id": f"rtb-{i}-{t}", "destinations": ["0.0.0.0/0"],
                     "subnets": [{"address": f"aws_subnet.s{i}_{t}", "id": f"subnet-{i}-{t}"}]} for t in range(tables)]
    address = f"module.vpc{i:04}.aws_nat_gateway.this[0]"
    return finding("NAT001", Severity.HIGH, address, message=f"{address} is deleted",
                   details={"route_tables": route_tables})


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


def test_a_run_with_errors_and_no_findings_is_not_called_clean() -> None:
    text = markdown.render(result(errors=["p.rego:3: evaluating data.main.deny failed"]), fail_on=Severity.LOW)
    assert "⚠️ **No findings in what was checked**" in text and "incomplete" in text
    assert "✅" not in text


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
    links = re.findall(r"\]\((https://[^)]+)\)", text)
    assert links
    for link in links:
        # The link points at the rule's documentation in this repository, at this release's tag.
        assert link.startswith(f"{INFORMATION_URI}/blob/v{__version__}/"), link
        relpath = link.removeprefix(f"{INFORMATION_URI}/blob/v{__version__}/")
        assert (ROOT / relpath).is_file(), relpath


@pytest.mark.parametrize("version, ref", [
    ("0.1.0", "v0.1.0"), ("2.10", "v2.10"),
    # No tag to point at: a development build links to main.
    ("0.2.0.dev3", "main"), ("0.1.0+g1234abc", "main"), ("1.0.0rc1", "main"), ("", "main"),
])
def test_rule_doc_links_use_the_release_tag(version: str, ref: str) -> None:
    assert doc_ref(version) == ref


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
    # The ten left out are as severe as the last one listed: not "less severe".
    assert f"_…and {60 - markdown.TOP_FINDINGS} more; the SARIF file" in text and "less severe" not in text


def test_the_rest_is_called_less_severe_only_when_it_is() -> None:
    mediums = [finding("SG004", Severity.MEDIUM, f"aws_security_group.m{i:03}") for i in range(markdown.TOP_FINDINGS)]
    lows = [finding("SG003", Severity.LOW, f"aws_security_group.l{i}") for i in range(5)]
    text = markdown.render(result(*mediums, *lows))
    assert "_…and 5 more, less severe; the SARIF file" in text and "[SG003]" not in text


def test_nat_findings_are_capped_so_the_other_findings_still_show() -> None:
    """3,800 NAT deletions once filled a 1 MB summary and pushed the open security group out."""
    nat = [nat_finding(i) for i in range(3800)]
    sg = finding("SG001", Severity.CRITICAL, "aws_security_group.all", message="allows all traffic from 0.0.0.0/0")
    text = markdown.render(result(*nat, sg))
    assert text.count("**[NAT001]") == markdown.TOP_NAT
    assert f"_…and {3800 - markdown.TOP_NAT} more NAT findings; the SARIF file" in text
    row = next(line for line in text.splitlines() if "[SG001]" in line)
    assert "`aws_security_group.all`" in row
    assert len(text.encode()) < 100_000 and "Truncated" not in text
    assert severity_table(text) == {"Critical": 1, "High": 3800, "Medium": 0, "Low": 0}


def test_a_nat_item_lists_at_most_twenty_route_tables() -> None:
    text = markdown.render(result(nat_finding(1, tables=markdown.TOP_ROUTE_TABLES + 3)))
    assert text.count("    - `aws_route_table.private1_") == markdown.TOP_ROUTE_TABLES
    assert "    - …and 3 more route tables" in text


def test_the_summary_stays_under_one_mebibyte() -> None:
    nat = [replace(nat_finding(i, tables=10), message="x" * 400) for i in range(2000)]
    text = markdown.render(result(*nat), top_nat=len(nat))
    size = len(text.encode("utf-8"))
    assert size < 1024 * 1024 and size > 900_000
    listed = text.count("**[NAT001]")
    assert 0 < listed < 2000
    assert f"Truncated to stay under GitHub's 1 MiB step-summary limit: {2000 - listed} more findings" in text


def test_a_small_budget_truncates_the_table_too() -> None:
    many = [finding("SG004", Severity.MEDIUM, f"aws_security_group.g{i:03}") for i in range(40)]
    text = markdown.render(result(*many), max_bytes=4000)
    assert len(text.encode()) <= 4000
    listed = text.count("[SG004]")
    assert 0 < listed < 40 and f"Truncated to stay under 4,000 bytes: {40 - listed} more findings not listed" in text


def test_the_pr_comment_budget_fits_a_github_comment() -> None:
    many = [finding("SG004", Severity.MEDIUM, f"aws_security_group.g{i:03}", message="é" * 400) for i in range(40)]
    nat = [nat_finding(i, tables=10) for i in range(100)]
    text = markdown.render(result(*many, *nat), max_bytes=markdown.PR_COMMENT_MAX_BYTES)
    assert len(text) <= 65_536 and len(text.encode()) <= markdown.PR_COMMENT_MAX_BYTES
    assert "Truncated to stay under 65,536 bytes" in text


def test_plan_text_cannot_mention_people_reference_issues_or_link() -> None:
    f = finding(rule="SG002", address='aws_security_group.x["@octocat"]',
                message="ping @octocat and @org/team, see #12, https://evil.example/x and www.evil.example & &lt;b&gt;")
    text = markdown.render(result(f))
    row = next(line for line in text.splitlines() if "[SG002]" in line)
    message = cells(row)[4]
    zwsp = "&#8203;"
    assert message == (f"ping @{zwsp}octocat and @{zwsp}org/team, see \\#{zwsp}12, https:{zwsp}//evil.example/x "
                       f"and www{zwsp}.evil.example \\& \\&lt;b\\&gt;")
    for raw in ("@octocat", "#12", "https://", "www.evil"):
        assert raw not in message
    # In a code span GitHub neither mentions nor links, and the text stays exact.
    assert cells(row)[2] == '`aws_security_group.x["@octocat"]`'


def test_a_user_rule_id_is_escaped_too() -> None:
    text = markdown.render(result(finding(rule="[click](https://evil.example)")))
    assert "[click](https://evil.example)" not in text
    assert "\\[click\\](https:&#8203;//evil.example)" in text


def test_backticks_in_an_address_cannot_close_its_code_span() -> None:
    text = markdown.render(result(finding(address='aws_security_group.x["a``b"]')))
    row = next(line for line in text.splitlines() if "[SG002]" in line)
    assert cells(row)[2] == '``` aws_security_group.x["a``b"] ```'


def test_one_resource_one_rule_is_singular() -> None:
    one = RunResult(findings=[], checks=[registry.instantiate([registry.find("SG001")])[0]], resources=1)
    assert "(1 resource checked against 1 rule)." in markdown.render(one)
    assert "(7 resources checked against" in markdown.render(result())


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


def test_cli_markdown_max_bytes_sizes_a_pr_comment(cli: Callable[..., Any], plan: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i in range(60):  # long non-ASCII for_each keys: about 2 kB per row
        plan.create(f'aws_ebs_volume.data["{"é" * 450}{i}"]',
                    {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False})
    plan.write(tmp_path / "plan.json")
    res = cli("check", "plan.json", "--check", "EBS001", "--format", "markdown", "--output", "full.md")
    assert res.code == 1, res.err
    assert len((tmp_path / "full.md").read_bytes()) > 65_536, "the plan must need trimming for the test to mean much"
    res = cli("check", "plan.json", "--check", "EBS001", "--format", "markdown", "--output", "comment.md",
              "--markdown-max-bytes", "65536")
    assert res.code == 1, res.err
    comment = (tmp_path / "comment.md").read_bytes()
    assert len(comment) <= 65_536 and b"Truncated to stay under 65,536 bytes" in comment
    bad = cli("check", "plan.json", "--format", "markdown", "--markdown-max-bytes", "100")
    assert bad.code == 2 and "--markdown-max-bytes" in bad.err
