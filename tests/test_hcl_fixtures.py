"""Every fixture under fixtures/hcl/ gives exactly its expected findings, files and lines."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from natpolicy.check import rule_family
from natpolicy.registry import discover

HCL = FIXTURES / "hcl"
CASES = sorted(HCL.glob("*/expected*.json"))


def outside_git(fixture: Path, tmp_path: Path) -> Path:
    """A copy outside the repository: inside it, HCL mode also compares with git HEAD,
    and these fixtures are about one configuration, not a change."""
    copy = tmp_path / fixture.name
    shutil.copytree(fixture, copy)
    return copy


@pytest.mark.parametrize("expected_file", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture_findings(expected_file: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    monkeypatch.chdir(outside_git(expected_file.parent, tmp_path))
    result = cli("check", ".", "-f", "json", *expected["args"])
    doc = result.json()
    found = sorted([f["rule_id"], f["address"], f["file"], f["start_line"], f["end_line"]] for f in doc["findings"])
    assert found == expected["findings"]
    assert doc["errors"] == expected["errors"]
    assert doc["notes"] == expected["notes"]
    assert result.code == expected["exit_code"]


def test_every_family_is_covered() -> None:
    rules = set()
    # NAT findings need a change: git-expected.json pairs (run by tests/test_gitdiff.py).
    for case in [*CASES, *sorted(HCL.glob("*/git-expected.json"))]:
        rules |= {rule_family(f[0]) for f in json.loads(case.read_text(encoding="utf-8"))["findings"]}
    assert {rule_family(c.id) for c in discover()} <= rules


def test_fixture_lines_point_at_the_resource_block() -> None:
    """The expected lines themselves are right: each opens the block of the finding's resource, or, for a
    resource inside a module, the root's `module` block calling it (natpolicy.call_sites)."""
    for case in CASES:
        for _rule, address, file, start, end in json.loads(case.read_text(encoding="utf-8"))["findings"]:
            lines = (case.parent / file).read_text(encoding="utf-8").splitlines()
            if address.startswith("module."):
                call = address.split(".")[1].split("[")[0]
                assert lines[start - 1].startswith(f'module "{call}"'), (case, address)
            else:
                local = address.split(".")[-2:]  # e.g. ['aws_security_group', 'web["x"]']
                type_, name = local[0], local[1].split("[")[0]
                assert lines[start - 1].startswith(f'resource "{type_}" "{name}"'), (case, address)
            assert lines[end - 1] == "}", (case, address)


def test_syntax_error_is_a_sarif_tool_notification(cli, monkeypatch: pytest.MonkeyPatch, sarif_validator,
                                                   tmp_path: Path) -> None:
    from conftest import assert_valid_sarif

    monkeypatch.chdir(outside_git(HCL / "syntax_error", tmp_path))
    result = cli("check", ".", "-f", "sarif")
    assert result.code == 2
    log = result.json()
    assert_valid_sarif(sarif_validator, log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"level": "error", "message": {"text": "broken.tf:9: syntax error: unexpected '}'"}} in notes
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["SG002"]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


_RULE = '''resource "aws_security_group_rule" "{name}" {{
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = {cidrs}
  description       = {description}
}}
'''


def test_verbose_reports_an_unsupported_function_once_with_where(cli, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": 'module "m" {\n  for_each = toset(["a", "b", "c"])\n  source   = "./m"\n}\n'
                   'locals {\n  unused = bcrypt("never evaluated")\n}\n',
        "m/main.tf": _RULE.format(name="r", cidrs='["10.0.0.0/8"]', description='"x-${timestamp()}"'),
    })
    monkeypatch.chdir(tmp_path)
    doc = cli("check", ".", "-f", "json", "-v").json()
    assert doc["notes"] == ["function timestamp() is not evaluated; its result is treated as unknown "
                            "(first seen at m/main.tf:8)"]  # once for three instances; bcrypt() never ran
    assert cli("check", ".", "-f", "json").json()["notes"] == []


def test_terraform_workspace_follows_tf_workspace(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rule = _RULE.format(name="r", cidrs='["0.0.0.0/0"]', description='"ssh"')
    _write(tmp_path, {"main.tf": rule.replace('  type ', '  count             = terraform.workspace == "prod" ? 1 : 0\n  type ', 1)})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    assert cli("check", ".", "-f", "json").json()["findings"] == []  # "default": count = 0
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert [f["address"] for f in cli("check", ".", "-f", "json").json()["findings"]] == ["aws_security_group_rule.r[0]"]


def test_an_output_holding_a_whole_resource_exposes_its_settings(cli, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./m"\n}\n'
                   + _RULE.format(name="open", cidrs="[module.m.sg.tags.cidr]", description="module.m.sg.name")
                   + _RULE.format(name="private", cidrs="[module.m.sg.tags.private]", description='"x"'),
        "m/main.tf": 'resource "aws_security_group" "this" {\n  name = "sg"\n'
                     '  tags = { cidr = "0.0.0.0/0", private = "10.0.0.0/8" }\n}\n'
                     'output "sg" {\n  value = aws_security_group.this\n}\n',
    })
    monkeypatch.chdir(tmp_path)
    findings = cli("check", ".", "-f", "json").json()["findings"]
    assert [(f["rule_id"], f["address"]) for f in findings] == [("SG002", "aws_security_group_rule.open")]


def test_a_set_keys_for_each_and_dynamic_blocks_by_value(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": '''resource "aws_security_group" "s" {
  name = "s"
  dynamic "ingress" {
    for_each = toset(["22", "3389"])
    content {
      from_port   = ingress.key
      to_port     = ingress.key
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
''' + _RULE.format(name="r", cidrs='["0.0.0.0/0"]', description="each.value").replace(
        "  type ", '  for_each          = toset(["b", "a"])\n  type ', 1)})
    monkeypatch.chdir(tmp_path)
    found = sorted((f["rule_id"], f["address"], f["message"].split(" allows ")[1].split(" from")[0])
                   for f in cli("check", ".", "-f", "json").json()["findings"])
    assert found == [("SG002", "aws_security_group.s", "RDP (3389/tcp)"), ("SG002", "aws_security_group.s", "SSH (22/tcp)"),
                     ("SG002", 'aws_security_group_rule.r["a"]', "SSH (22/tcp)"),
                     ("SG002", 'aws_security_group_rule.r["b"]', "SSH (22/tcp)")]
