"""Hostile config files: bombs, deep nesting, links out of the repository, and errors that quote nothing."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import natpolicy.config as config_module
from conftest import CliResult
from natpolicy.config import load_config, resolve_config
from natpolicy.errors import UsageError
from planbuilder import PlanBuilder

SECRET = "AKIAQUITESECRETVALUE"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    PlanBuilder().create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}).write(repo / "plan.json")
    return repo


def _one_line_error(cli: Callable[..., CliResult], *args: str) -> str:
    result = cli("check", "plan.json", "--no-progress", *args)
    assert result.code == 2, result.out
    assert "internal error" not in result.err and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


# -- YAML bombs and nesting --------------------------------------------------------

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize("text", [
    BILLION_LAUGHS,
    "checks: &x [SG]\nskip-checks: *x\n",
    "fail-on: &level high\n",
], ids=["billion-laughs", "alias", "anchor-only"])
def test_yaml_anchors_and_aliases_are_refused(project: Path, cli: Callable[..., CliResult], text: str) -> None:
    # Before: the billion laughs took 6 GB and ended in an internal error (here it is small: 9**9 items).
    write(project / ".natpolicy.yaml", text)
    message = _one_line_error(cli)
    assert ".natpolicy.yaml:1: YAML anchors and aliases" in message


@pytest.mark.parametrize(("name", "text"), [
    (".natpolicy.yaml", "options:\n  SG002: " + "[" * 5000 + "]" * 5000 + "\n"),
    (".natpolicy.yaml", "options:\n  SG002: {a: " + "{a: " * 40 + "1" + "}" * 41 + "\n"),
    ("pyproject.toml", "[tool.natpolicy]\nadmin_ports = " + "[" * 5000 + "]" * 5000 + "\n"),
    ("pyproject.toml", "[tool.natpolicy]\nadmin_ports = " + "[" * 40 + "]" * 40 + "\n"),
    # Below tomllib's own limit, deep enough for the recursive walks after it.
    ("pyproject.toml", "[tool.natpolicy]\nadmin_ports = " + "[" * 900 + "]" * 900 + "\n"),
], ids=["yaml-flow-5000", "yaml-mapping-42", "toml-5000", "toml-41", "toml-900"])
def test_deep_nesting_is_one_line(project: Path, cli: Callable[..., CliResult], name: str, text: str) -> None:
    write(project / name, text)
    assert f"nested more than {config_module.MAX_CONFIG_DEPTH} levels deep" in _one_line_error(cli)


def test_the_depth_bound_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / ".natpolicy.yaml", "options:\n  SG002: {admin_ports: [22]}\n")
    load_config(path)  # 4 levels: mapping, options, SG002, the list
    monkeypatch.setattr(config_module, "MAX_CONFIG_DEPTH", 3)
    with pytest.raises(UsageError, match="nested more than 3 levels deep"):
        load_config(path)


def test_a_huge_config_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "MAX_CONFIG_BYTES", 1024)
    path = write(tmp_path / ".natpolicy.yaml", "# padding\n" * 200)
    with pytest.raises(UsageError, match="larger than"):
        load_config(path)


def test_a_long_integer_and_a_lone_surrogate_are_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / ".natpolicy.yaml", "admin_ports: [" + "9" * 5000 + "]\n")
    with pytest.raises(UsageError) as info:
        load_config(path, display=".natpolicy.yaml")
    assert "\n" not in str(info.value) and "9999" not in str(info.value)
    # An exception's reason is shown in every format, none of which can encode half a surrogate pair.
    path = write(tmp_path / ".natpolicy.yaml", 'exceptions:\n  - {rule: SG001, address: x, reason: "\\ud800"}\n')
    with pytest.raises(UsageError, match="surrogate"):
        load_config(path, display=".natpolicy.yaml")
    path = write(tmp_path / "pyproject.toml", "[tool.natpolicy]\nadmin_ports = [" + "9" * 5000 + "]\n")
    with pytest.raises(UsageError, match="invalid TOML"):
        load_config(path, display="pyproject.toml")


# -- links out of the repository ---------------------------------------------------

@pytest.mark.parametrize("name", [".natpolicy.yaml", "pyproject.toml"])
def test_a_config_linked_out_of_the_repository_is_refused_unread(project: Path, cli: Callable[..., CliResult],
                                                                 name: str) -> None:
    outside = write(project.parent / "credentials", f"[tool.natpolicy]\n{SECRET} = 1\n"
                    if name == "pyproject.toml" else f"{SECRET}: 1\n")
    (project / name).symlink_to(outside)
    # Before: "unknown key" quoting the secret file's first key.
    message = _one_line_error(cli)
    assert "resolves outside" in message and SECRET not in message


def test_an_explicit_config_linked_out_of_its_repository_is_refused(project: Path,
                                                                   cli: Callable[..., CliResult]) -> None:
    outside = write(project.parent / "credentials", f"{SECRET}: 1\n")
    (project / "ci").mkdir()
    (project / "ci" / "natpolicy.yaml").symlink_to(outside)
    message = _one_line_error(cli, "--config", "ci/natpolicy.yaml")
    assert "resolves outside" in message and SECRET not in message


def test_a_link_inside_the_repository_is_read(project: Path) -> None:
    write(project / "shared" / "natpolicy.yaml", "fail-on: high\n")
    (project / ".natpolicy.yaml").symlink_to(project / "shared" / "natpolicy.yaml")
    assert resolve_config(None, ["plan.json"]).fail_on == "high"


def test_without_git_the_boundary_is_the_folder_the_config_was_found_in(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    write(tmp_path / "elsewhere.yaml", "fail-on: high\n")
    (folder / ".natpolicy.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    monkeypatch.chdir(folder)
    with pytest.raises(UsageError, match="resolves outside"):
        resolve_config(None, ["."])


@pytest.mark.parametrize("policy", ["/proc", "/etc", "../outside"])
def test_policy_paths_outside_the_repository_are_refused(project: Path, cli: Callable[..., CliResult],
                                                         policy: str) -> None:
    (project.parent / "outside").mkdir()
    write(project / ".natpolicy.yaml", f"policy: ['{policy}']\n")
    message = _one_line_error(cli)
    assert "policy[0]: resolves outside" in message


# -- errors quote keys at most, escaped and short ------------------------------------

@pytest.mark.parametrize("text", [
    f"fail-on: {SECRET}\n",
    f"checks: [{SECRET}9]\n",
    f"soft-fail: {SECRET}\n",
    f"admin_ports: [{SECRET}]\n",
    f"exceptions:\n  - {{rule: SG001, address: x, reason: r, expires: '{SECRET}'}}\n",
    f"policy: ['{SECRET}']\n",
    f"options:\n  SG002: {{admin_ports: {SECRET}}}\n",
])
def test_config_errors_never_quote_values(project: Path, cli: Callable[..., CliResult], text: str) -> None:
    write(project / ".natpolicy.yaml", text)
    assert SECRET not in _one_line_error(cli)


def test_a_key_name_is_escaped_and_truncated(project: Path, cli: Callable[..., CliResult]) -> None:
    write(project / ".natpolicy.yaml", '"\\e]0;pwned\\a\\u202e' + "k" * 200 + '": 1\n')
    message = _one_line_error(cli)
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message
    # The 200-character key is cut; the rest of the line lists the keys natpolicy knows.
    assert "unknown key" in message and "k" * 40 not in message and len(message) < 400


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_config_that_is_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / ".natpolicy.yaml")
    with pytest.raises(UsageError, match="config file not found|not a regular file"):
        resolve_config(str(tmp_path / ".natpolicy.yaml"), [])
