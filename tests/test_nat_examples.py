"""The bundled example plans, the README walkthrough, and the NAT rule documentation."""
from __future__ import annotations

import ast
import re

import pytest

import examples
from conftest import FIXTURES, ROOT
from natpolicy.check import rule_family
from natpolicy.registry import discover

# The family's house rules on top of tests/rule_docs.py: every NAT rule, as the registry has them.
NAT_RULES = [c.id for c in discover() if rule_family(c.id) == "NAT"]


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_committed_example_equals_what_the_script_generates(name: str) -> None:
    committed = FIXTURES / "plans" / name
    assert committed.is_file(), f"run `python fixtures/examples.py` to write {name}"
    assert committed.read_text(encoding="utf-8") == examples.render(name), (
        f"fixtures/plans/{name} has drifted; run `python fixtures/examples.py`")


def test_examples_script_check_mode_detects_drift(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(examples, "PLANS", tmp_path)
    assert examples.main([]) == 0
    assert examples.main(["--check"]) == 0
    (tmp_path / "nat-deleted.json").write_text("{}\n", encoding="utf-8")
    assert examples.main(["--check"]) == 1
    assert examples.main(["--bogus"]) == 2


def test_readme_first_command_catches_the_deleted_gateway(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    result = cli("check", "fixtures/plans/nat-deleted.json", "--no-color")
    assert result.code == 1
    assert re.match(r"NAT001\s+high\s+module\.vpc\.aws_nat_gateway\.this\[1\] is deleted and nothing replaces it",
                    result.out)
    flat = " ".join(result.out.split())  # the terminal report wraps long messages
    assert "private route table module.vpc.aws_route_table.private[1] (subnet subnet-" in flat
    assert "at fixtures/plans/nat-deleted.json:" in result.out


def test_consolidated_example_is_clean(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    result = cli("check", "fixtures/plans/nat-consolidated.json", "--check", "NAT", "--no-color")
    assert result.code == 0, result.out
    assert result.out.startswith("No findings")


@pytest.mark.parametrize(("doc", "heading"), [("README.md", "## Catching a deleted NAT gateway"),
                                              ("docs/nat.md", "## The bundled example")])
def test_walkthrough_shows_the_exact_output(cli, monkeypatch, doc: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.S)
    assert shown, "the walkthrough must paste the CLI output in a ```text block"
    actual = cli("check", "fixtures/plans/nat-deleted.json", "--no-color").out
    # The rule count in the summary grows with every family; refresh it in the
    # README when it changes. Everything else must match byte for byte.
    def norm(text: str) -> str:
        return re.sub(r"checked against \d+ rules", "checked against N rules", text)

    assert norm(shown.group(1)) == norm(actual)


@pytest.mark.parametrize("rule_id", NAT_RULES)
def test_nat_rule_documentation(rule_id: str) -> None:
    from natpolicy.registry import find

    cls = find(rule_id)
    doc = cls.documentation()
    lines = doc.splitlines()
    assert lines[0] == f"# {cls.id}: {cls.name}"
    headings, in_fence = [], False
    for line in lines[1:]:
        if line.startswith("```"):
            in_fence = not in_fence
        elif line.startswith("#") and not in_fence:
            headings.append(line)
    required = ["## What it does", "## Why it matters", "## Example", "## How to fix", "### Terraform",
                "### AWS Console", "### AWS CLI", "### Python (boto3)"]
    assert headings[:len(required)] == required
    assert headings[len(required):] in ([], ["## Compared with Checkov"])
    what = doc.split("## What it does", 1)[1].split("## Why it matters", 1)[0].strip()
    assert what and "\n\n" not in what and "```" not in what
    why = doc.split("## Why it matters", 1)[1].split("## Example", 1)[0]
    assert "`DeleteNatGateway`" in why
    assert doc.split("## Example", 1)[1].split("## How to fix", 1)[0].count("```hcl") == 2
    assert "aws ec2 describe-route-tables --filters Name=route.nat-gateway-id,Values=" in doc
    for block in re.findall(r"```python\n(.*?)```", doc, flags=re.S):
        ast.parse(block)


@pytest.mark.parametrize("rule_id", ["NAT001", "NAT002"])
def test_replacement_docs_teach_create_before_destroy(rule_id: str) -> None:
    from natpolicy.registry import find

    assert "lifecycle { create_before_destroy = true }" in find(rule_id).documentation()


def test_explain_prints_the_nat001_page(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("explain", "nat001")
    assert result.code == 0 and result.out.startswith("# NAT001: NAT gateway deleted without replacement")


def test_nat_findings_make_valid_sarif(cli, tmp_path, monkeypatch, sarif_validator) -> None:  # type: ignore[no-untyped-def]
    import json

    from conftest import assert_valid_sarif

    monkeypatch.chdir(ROOT)
    out = tmp_path / "nat.sarif"
    result = cli("check", "fixtures/plans/nat-deleted.json", "--format", "sarif", "--output", str(out), "--quiet")
    assert result.code == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    assert_valid_sarif(sarif_validator, log)
    [found] = log["runs"][0]["results"]
    assert found["ruleId"] == "NAT001" and found["level"] == "error"
    assert found["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "module.vpc.aws_nat_gateway.this[1]"
