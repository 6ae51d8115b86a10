"""Paths a person can open: the terminal from where they stand, SARIF from the repository's top and never above it.

Every folder is under tmp_path and each test chooses its working directory,
so the results do not depend on where the clone lives.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder

OPEN_SSH = {"name": "open", "egress": [], "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
SG_BLOCK = 'resource "aws_security_group" "web" {\n  name = "open"\n}\n'


def sarif(cli: Callable[..., CliResult], validator: Any, *args: str) -> dict[str, Any]:
    result = cli("check", *args, "-f", "sarif")
    assert result.code == 1, result.err
    log = json.loads(result.out)
    errors = list(validator.iter_errors(log))  # the real SARIF 2.1.0 schema
    assert not errors, errors[0].message
    [found] = log["runs"][0]["results"]
    return dict(found["locations"][0]["physicalLocation"]["artifactLocation"])


def test_a_plan_outside_the_repository_and_the_cwd_gets_a_file_uri(tmp_path: Path, cli: Callable[..., CliResult],
                                                                   sarif_validator: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "work").mkdir()
    plan = PlanBuilder().create("aws_security_group.web", OPEN_SSH).write(tmp_path / "outside" / "plan.json")
    monkeypatch.chdir(tmp_path / "work")
    artifact = sarif(cli, sarif_validator, "../outside/plan.json", "--check", "SG002")
    # Not ../outside/plan.json against %SRCROOT%: that would climb out of the repository's root.
    assert artifact == {"uri": plan.resolve().as_uri()}
    assert "at ../outside/plan.json:" in cli("check", "../outside/plan.json", "--check", "SG002").out


def test_from_a_subfolder_sarif_is_repository_relative_and_the_terminal_cwd_relative(
        tmp_path: Path, cli: Callable[..., CliResult], sarif_validator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text(SG_BLOCK, encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "out").mkdir()
    PlanBuilder().create("aws_security_group.web", OPEN_SSH).write(repo / "out" / "plan.json")
    monkeypatch.chdir(repo / "docs")
    args = ("../out/plan.json", "--source-root", "../infra", "--check", "SG002")
    assert sarif(cli, sarif_validator, *args) == {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"}
    text = cli("check", *args).out
    assert "at ../infra/main.tf:1  [" in text
    assert cli("check", *args, "-f", "json").json()["findings"][0]["file"] == "infra/main.tf"
    # At the top, both agree.
    monkeypatch.chdir(repo)
    assert "at infra/main.tf:1  [" in cli("check", "out/plan.json", "--source-root", "infra", "--check", "SG002").out
