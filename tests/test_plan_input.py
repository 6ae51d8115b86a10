"""Reading plans: encodings, versions, and a one-line error for every bad input."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import PlanBuilder


def _sg_plan() -> PlanBuilder:
    return PlanBuilder().create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                          ("utf-16-be", b"\xfe\xff")])
def test_reads_utf8_and_utf16_with_bom(tmp_path: Path, cli, encoding: str, bom: bytes) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(bom + _sg_plan().dumps(indent=2).encode(encoding))
    result = cli("check", str(path), "--format", "json", "-q")
    assert result.code in (0, 1), result.err
    assert result.json()["summary"]["resources"] == 1


def test_reads_stdin(cli) -> None:
    result = cli("check", "-", "--format", "json", "-q", stdin=_sg_plan().dumps())
    assert result.code in (0, 1), result.err
    assert result.json()["summary"]["resources"] == 1


def _error(cli, path: Path) -> str:
    result = cli("check", str(path))
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err  # one line, never a traceback
    assert str(path) in lines[0]
    return lines[0]


def test_binary_plan_is_refused_with_the_fix(tmp_path: Path, cli) -> None:
    path = tmp_path / "plan.out"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tfplan", b"\x00binary")
    assert "terraform show -json" in _error(cli, path)


def test_state_file_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps({"version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "x",
                                "outputs": {}, "resources": []}))
    assert "state file, not a plan" in _error(cli, path)


def test_state_json_from_terraform_show_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format_version": "1.0", "terraform_version": "1.9.0", "values": {"root_module": {}}}))
    assert "state" in _error(cli, path)


@pytest.mark.parametrize("content,expected", [
    ('{"hello": "world"}', "not a Terraform plan"),
    ("[1, 2, 3]", "found a JSON array"),
    ('"just a string"', "found a JSON string"),
])
def test_other_json_is_refused(tmp_path: Path, cli, content: str, expected: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(content)
    assert expected in _error(cli, path)


def test_malformed_json_names_line_and_column(tmp_path: Path, cli) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format_version": "1.2",\n  "resource_changes": [,]\n}\n')
    message = _error(cli, path)
    assert "line 3, column 24" in message


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_empty_file_is_refused(tmp_path: Path, cli, content: bytes) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(content)
    assert "empty" in _error(cli, path)


def test_directory_without_plans_is_refused(tmp_path: Path, cli) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    (tmp_path / "package.json").write_text('{"name": "x"}')
    message = _error(cli, tmp_path)
    assert "no Terraform plan" in message


def test_directory_with_plans_checks_each(tmp_path: Path, cli) -> None:
    _sg_plan().write(tmp_path / "a.json")
    _sg_plan().write(tmp_path / "b.json")
    result = cli("check", str(tmp_path), "--format", "json", "-q")
    assert result.code in (0, 1), result.err
    assert result.json()["summary"]["resources"] == 2


def test_missing_file(tmp_path: Path, cli) -> None:
    assert "no such file" in _error(cli, tmp_path / "nope.json")


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.1", "1.2", "1.9"])
def test_supported_format_versions(tmp_path: Path, cli, version: str) -> None:
    path = PlanBuilder(format_version=version).create("aws_vpc.a", {"cidr_block": "10.0.0.0/16"}).write(tmp_path / "p.json")
    assert cli("check", str(path), "-q", "--format", "json").code in (0, 1)


def test_major_version_two_is_refused(tmp_path: Path, cli) -> None:
    path = PlanBuilder(format_version="2.0").create("aws_vpc.a", {}).write(tmp_path / "p.json")
    assert "format_version 2.0 is not supported" in _error(cli, path)


def test_unknown_keys_are_ignored(tmp_path: Path, cli) -> None:
    doc = _sg_plan().build()
    doc["some_future_key"] = {"x": [1, 2]}
    doc["resource_changes"][0]["future_field"] = True
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    assert cli("check", str(path), "-q", "--format", "json").code in (0, 1)


def test_stdin_only_once(cli) -> None:
    result = cli("check", "-", "-", stdin="{}")
    assert result.code == 2 and "only once" in result.err
