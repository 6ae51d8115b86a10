"""What a path given to natpolicy is: the one classifier of the input side.

Every engine (the Python loaders, ``natpolicy.rego.stage``), the pre-commit
hook and the GitHub Action (which runs ``natpolicy check``) ask this module,
so one path is never a plan to one of them and Terraform code to another.

* ``-``: a plan on stdin;
* a ``.tf``/``.tofu``/``.tfvars`` file: that Terraform root, as HCL;
* a folder holding ``.tf``/``.tofu`` files: that Terraform root, as HCL.
  Plan JSON files in such a folder are not read (a note names them): a plan
  kept beside the code says nothing about the code being committed. Pass a
  plan file itself to check it;
* any other folder: the plan JSON files in it, else the Terraform roots below it;
* any other file: a plan JSON file.

Only the "Terraform roots below a folder" case needs the HCL stack, and it
imports it only then: a plan-only run never loads lark.
"""
from __future__ import annotations

import enum
from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.loaders.paths import display_path, has_terraform_files, is_terraform_file, plan_files_in
from natpolicy.records import field, record

__all__ = ["Classified", "InputKind", "classify"]


class InputKind(enum.Enum):
    """What a path is; the loader registry (``natpolicy.loaders.contract.LOADERS``) is keyed by it."""

    PLAN = "plan"  # one plan JSON file
    STDIN = "stdin"  # ``-``: one plan JSON on stdin
    PLAN_FOLDER = "plan folder"  # a folder of plan JSON files
    TERRAFORM_ROOT = "terraform root"  # a .tf/.tofu/.tfvars file, or a folder holding .tf/.tofu files
    ROOTS_FOLDER = "roots folder"  # a folder with Terraform roots below it

    @property
    def is_plan(self) -> bool:
        """Is this input read as plan JSON (as opposed to Terraform configuration)?"""
        return self in (InputKind.PLAN, InputKind.STDIN, InputKind.PLAN_FOLDER)


@record(frozen=True)
class Classified:
    """One command-line path and what it was found to be."""

    path: str  # as given
    kind: InputKind
    plans: tuple[Path, ...] = field(default=())  # the plan files to read, for the plan kinds (not stdin)

    @property
    def targets(self) -> list[str]:
        """The plan files to read, as paths (``-`` for stdin); empty for configuration."""
        if self.kind is InputKind.STDIN:
            return ["-"]
        return [str(p) for p in self.plans]


def classify(path: str, *, staged: bool = False, notes: list[str] | None = None) -> Classified:
    """What ``path`` is. Raises ``InputError`` for a missing Terraform file or a folder with nothing to check.

    ``staged``: a Terraform file need not exist in the work tree (the git index
    may hold it). ``notes`` gets a line for every plan file not read.
    """
    if path == "-":
        return Classified(path, InputKind.STDIN)
    if Path(path).is_dir():
        return _classify_folder(path, Path(path), notes)
    if is_terraform_file(path):
        if not staged and not Path(path).is_file():  # staged: the index may hold it
            raise InputError(path, "no such file")
        return Classified(path, InputKind.TERRAFORM_ROOT)
    return Classified(path, InputKind.PLAN, (Path(path),))


def _classify_folder(path: str, directory: Path, notes: list[str] | None) -> Classified:
    if has_terraform_files(directory):
        ignored = plan_files_in(directory, notes)
        if ignored and notes is not None:
            names = ", ".join(display_path(str(p)) for p in ignored)
            notes.append(f"{names}: not checked; {path} holds Terraform files, so it is checked as HCL "
                         "(pass a plan file itself to check the plan)")
        return Classified(path, InputKind.TERRAFORM_ROOT)
    plans = plan_files_in(directory, notes)
    if plans:
        return Classified(path, InputKind.PLAN_FOLDER, tuple(plans))
    from natpolicy.loaders.hcl.loader import find_roots  # only here: the HCL stack is not needed for plans

    if find_roots(directory):
        return Classified(path, InputKind.ROOTS_FOLDER)
    raise InputError(path, "directory holds no Terraform plan JSON (expected `terraform show -json` output) "
                           "and no Terraform .tf files")
