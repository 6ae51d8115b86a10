"""`natpolicy check .` at a root module says which Terraform folders below it nothing checked, and how to check them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from natpolicy.loaders.skipped import SHOWN

VPC = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def layout(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def notes(cli: Callable[..., CliResult], *paths: str) -> list[str]:
    result = cli("check", *paths, "-f", "json")
    assert result.code in (0, 1), result.err
    return [n for n in result.json()["notes"] if n.startswith("not checked:")]


@pytest.fixture
def module_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry module's layout: the root module, examples/*, modules/* (one of them called by the root)."""
    layout(tmp_path, {
        "main.tf": 'module "used" {\n  source = "./modules/used"\n}\n',
        "modules/used/main.tf": VPC, "modules/unused/main.tf": VPC,
        "examples/simple/main.tf": 'module "root" {\n  source = "../.."\n}\n',
        "examples/complete/main.tf": VPC, "examples/README.md": "how to\n",
        ".terraform/modules/x/main.tf": VPC, "docs/notes.txt": "no code\n",
    })
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_root_module_names_what_it_did_not_check(module_repo: Path, cli: Callable[..., CliResult]) -> None:
    [note] = notes(cli, ".")
    assert note.startswith("not checked: examples/complete, examples/simple, modules/unused: ")
    assert note.endswith("to check them: natpolicy check examples modules")
    assert "modules/used," not in note and ".terraform" not in note


def test_the_suggested_command_checks_them(module_repo: Path, cli: Callable[..., CliResult]) -> None:
    result = cli("check", "examples", "modules", "-f", "json")
    assert result.code in (0, 1), result.err
    assert {f["origin"] for f in result.json()["findings"]} >= {"examples/complete", "modules/unused"}


def test_nothing_left_out_means_no_note(module_repo: Path, cli: Callable[..., CliResult]) -> None:
    assert notes(cli, "examples/complete") == []
    for folder in ("examples", "modules/unused"):
        for child in sorted((module_repo / folder).rglob("*.tf")):
            child.unlink()
    assert notes(cli, ".") == []


def test_given_roots_count_as_checked(module_repo: Path, cli: Callable[..., CliResult]) -> None:
    [note] = notes(cli, ".", "examples/complete")
    assert note.startswith("not checked: examples/simple, modules/unused: ")


def test_many_folders_are_counted_after_the_first_few(module_repo: Path, cli: Callable[..., CliResult]) -> None:
    layout(module_repo, {f"modules/m{i}/variables.tf": 'variable "x" {}\n' for i in range(SHOWN + 3)})
    [note] = notes(cli, ".")
    shown = note.removeprefix("not checked: ").split(": ")[0]
    assert shown == ", ".join(["examples/complete", "examples/simple", *(f"modules/m{i}" for i in range(3))]) + \
        " (+6 more)"
    assert notes(cli, ".") == [note]  # deterministic


def test_from_a_subfolder_the_paths_are_the_users(module_repo: Path, cli: Callable[..., CliResult],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(module_repo / "docs")
    [note] = notes(cli, "..")
    assert note.startswith("not checked: ../examples/complete, ../examples/simple, ../modules/unused: ")
    assert note.endswith("natpolicy check ../examples ../modules")


def test_the_pre_commit_hook_does_not_say_it(module_repo: Path, cli: Callable[..., CliResult],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The hook checks the roots a commit touches, on purpose: no note on every commit.
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert notes(cli, ".") == []
