"""HCL input that Terraform reads one exact way: natpolicy reads it the same way, or says why not.

- ``for_each`` over ``var.on ? local.map : {}`` has known keys even when values
  inside the map are only known after apply;
- ``False``/``TRUE``/``Null`` are not HCL literals: a note at the line, never a silent unknown;
- SG entries AWS or the provider refuses open nothing and say so (the plan-side
  cases are in test_rules_sg.py; this is the same through the HCL loader).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

KMS_AND_VOLUMES = '''
variable "enabled" {
  type    = bool
  default = true
}
resource "aws_kms_key" "this" {}
locals {
  volumes = {
    data = { size = 10, encrypted = false, kms_key_id = aws_kms_key.this.arn }
    logs = { size = 20, encrypted = true, kms_key_id = aws_kms_key.this.arn }
  }
}
resource "aws_ebs_volume" "v" {
  for_each          = var.enabled ? local.volumes : {}
  availability_zone = "us-east-1a"
  size              = each.value.size
  encrypted         = each.value.encrypted
  kms_key_id        = each.value.kms_key_id
}
'''


def check(cli: Callable[..., Any], root: Path, *extra: str) -> dict[str, Any]:
    result = cli("check", str(root), "-f", "json", "--no-progress", *extra)
    assert result.code in (0, 1), result.err
    report: dict[str, Any] = result.json()
    return report


def write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(text, encoding="utf-8")
    return root


def test_for_each_over_a_conditional_map_with_unknown_values_has_known_keys(cli: Any, tmp_path: Path) -> None:
    report = check(cli, write(tmp_path / "on", KMS_AND_VOLUMES))
    assert [(f["rule_id"], f["address"]) for f in report["findings"]] == [("EBS001", 'aws_ebs_volume.v["data"]')]
    assert not any("for_each is not known" in n for n in report["notes"])


def test_for_each_over_a_conditional_map_that_is_off_has_no_instances(cli: Any, tmp_path: Path) -> None:
    # Near miss: the condition chooses the empty map, so no volume exists.
    report = check(cli, write(tmp_path / "off", KMS_AND_VOLUMES), "--var", "enabled=false")
    assert report["findings"] == []


def test_for_each_stays_unknown_when_the_condition_is_unknown(cli: Any, tmp_path: Path) -> None:
    # Near miss: the condition itself is only known after apply, so the keys are too (as in Terraform).
    text = KMS_AND_VOLUMES.replace("var.enabled ?", "aws_kms_key.this.enable_key_rotation ?")
    report = check(cli, write(tmp_path / "cond", text), "-v")
    assert report["findings"] == []  # each.value is unknown in the one representative instance
    assert any("aws_ebs_volume.v: its count/for_each is not known statically" in n for n in report["notes"])


@pytest.mark.parametrize("literal", ["False", "FALSE", "True", "Null"])
def test_a_miscased_literal_is_a_note_at_its_line(cli: Any, tmp_path: Path, literal: str) -> None:
    root = write(tmp_path / literal, f'''resource "aws_ebs_volume" "w" {{
  availability_zone = "us-east-1a"
  size              = 1
  encrypted         = {literal}
}}
''')
    report = check(cli, root)
    assert report["findings"] == []
    kind = "null" if literal == "Null" else "boolean"
    assert [n.split(": ", 1)[1] for n in report["notes"] if "main.tf:4: " in n] == [
        f"`{literal}` is not an HCL {kind} (write `{literal.lower()}`); Terraform rejects it, so the value is "
        "treated as unknown"]


def test_lowercase_literals_and_for_variables_named_like_them_give_no_note(cli: Any, tmp_path: Path) -> None:
    root = write(tmp_path / "fine", '''locals {
  flags = [for False in ["a"] : False]
}
resource "aws_ebs_volume" "w" {
  availability_zone = "us-east-1a"
  size              = 1
  encrypted         = false
  tags              = { names = join(",", local.flags) }
}
''')
    report = check(cli, root)
    assert [f["rule_id"] for f in report["findings"]] == ["EBS001"]
    assert not any("not an HCL" in n for n in report["notes"])


def test_refused_security_group_entries_in_hcl_are_notes_not_findings(cli: Any, tmp_path: Path) -> None:
    root = write(tmp_path / "sg", '''resource "aws_security_group" "g" {
  name = "g"
  ingress {
    protocol    = "tcp"
    from_port   = -1
    to_port     = -1
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    protocol         = "tcp"
    from_port        = 22
    to_port          = 22
    ipv6_cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    protocol    = "udp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''')
    report = check(cli, root)
    assert [(f["rule_id"], f["message"]) for f in report["findings"]] == [
        ("SG004", "aws_security_group.g allows port 80/udp from 0.0.0.0/0")]
    refused = [n for n in report["notes"] if "is not graded" in n]
    assert [n.split(" is not graded")[0] for n in refused] == [
        "aws_security_group.g ingress block 0", "aws_security_group.g ingress block 1"]
