"""Every fixture under fixtures/hcl/ gives exactly its expected findings, files and lines."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES

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
    for case in CASES:
        rules |= {f[0][:-3] for f in json.loads(case.read_text(encoding="utf-8"))["findings"]}
    assert {"SG", "EBS", "FLOW"} <= rules


def test_fixture_lines_point_at_the_resource_block() -> None:
    """The expected lines themselves are right: each opens the block of the finding's resource."""
    for case in CASES:
        for rule, address, file, start, end in json.loads(case.read_text(encoding="utf-8"))["findings"]:
            lines = (case.parent / file).read_text(encoding="utf-8").splitlines()
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
