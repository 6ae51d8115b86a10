"""One path classifier for every engine (issue 15): what a path is, decided once."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.errors import UsageError
from natpolicy.loaders.classify import InputKind, classify
from natpolicy.loaders.contract import LOADERS
from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES, TERRAFORM_SUFFIXES

OPEN_SG = '''resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''


def _root_with_plan(tmp_path: Path) -> Path:
    """A folder holding main.tf and a plan.json: Terraform code with a plan kept beside it."""
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "main.tf").write_text(OPEN_SG, encoding="utf-8")
    PlanBuilder().create("aws_ebs_volume.data", {"encrypted": False}).write(folder / "plan.json")
    return folder


def test_the_suffixes_are_defined_once() -> None:
    assert TERRAFORM_CODE_SUFFIXES == (".tf", ".tofu")
    assert TERRAFORM_SUFFIXES == (".tf", ".tofu", ".tfvars")


@pytest.mark.parametrize("name", ["main.tf", "main.tofu", "prod.tfvars"])
def test_terraform_files_are_configuration(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("", encoding="utf-8")
    item = classify(str(tmp_path / name))
    assert item.kind is InputKind.TERRAFORM_ROOT and not item.kind.is_plan


def test_stdin_plan_and_plan_folder(tmp_path: Path) -> None:
    plan = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    assert classify("-").kind is InputKind.STDIN
    assert classify(str(plan)).kind is InputKind.PLAN
    folder = classify(str(tmp_path))
    assert folder.kind is InputKind.PLAN_FOLDER and folder.plans == (plan,)


def test_a_folder_of_roots(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text(OPEN_SG, encoding="utf-8")
    assert classify(str(tmp_path)).kind is InputKind.ROOTS_FOLDER


def test_a_folder_with_code_and_a_plan_is_configuration(tmp_path: Path) -> None:
    notes: list[str] = []
    item = classify(str(_root_with_plan(tmp_path)), notes=notes)
    assert item.kind is InputKind.TERRAFORM_ROOT and item.plans == ()
    assert any("plan.json: not checked" in n for n in notes)


def test_every_kind_has_a_loader() -> None:
    assert set(LOADERS) == set(InputKind)


# -- the same decision under --engine python and --engine rego ------------------------------------

@pytest.mark.parametrize("name", ["main.tf", "main.tofu"])
def test_the_rego_stage_treats_terraform_files_as_configuration(tmp_path: Path, name: str) -> None:
    """``main.tofu`` was read as plan JSON by the Rego stage ("malformed JSON at line 1")."""
    from natpolicy.rego.stage import plan_documents

    path = tmp_path / name
    path.write_text(OPEN_SG, encoding="utf-8")
    with pytest.raises(UsageError, match="this is Terraform configuration"):
        plan_documents([str(path)])


def test_the_rego_stage_does_not_read_a_plan_beside_terraform_code(tmp_path: Path) -> None:
    """The Python engine checks such a folder as HCL; the Rego stage used to check its plan.json instead."""
    from natpolicy.rego.stage import plan_documents

    with pytest.raises(UsageError, match="this is Terraform configuration"):
        plan_documents([str(_root_with_plan(tmp_path))])


def test_python_engine_checks_the_code_not_the_plan_beside_it(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", str(_root_with_plan(tmp_path)), "--format", "json", "--no-progress")
    assert "SG" in result.out and "EBS001" not in result.out
    assert "plan.json: not checked" in result.out


@pytest.mark.parametrize("name", ["main.tofu", ""])
def test_engine_rego_agrees_with_the_classifier(tmp_path: Path, cli, name: str) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("regopy")
    if name:
        target = tmp_path / name
        target.write_text(OPEN_SG, encoding="utf-8")
    else:
        target = _root_with_plan(tmp_path)
    result = cli("check", str(target), "--engine", "rego", "--no-progress")
    assert result.code == 2
    assert "malformed JSON" not in result.err
    assert "this is Terraform configuration" in result.err
    assert "EBS001" not in result.out  # the plan beside the code is never checked
