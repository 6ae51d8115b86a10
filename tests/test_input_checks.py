"""No silent false negative from user input: --var/--var-file names and types, and config exceptions that match nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PlanBuilder

CODE = '''
variable "ssh_cidrs" {
  type = list(string)
}
variable "port" {
  type    = number
  default = 22
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "db_password" {
  type      = string
  sensitive = true
  default   = "unset"
}
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = "sg-1"
  protocol          = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_blocks       = var.ssh_cidrs
}
'''


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(CODE, encoding="utf-8")
    return tmp_path


def _error(result) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("natpolicy: error: "), result.err
    return str(lines[0])


def test_the_value_that_works_still_finds_the_open_port(cli, root: Path) -> None:
    result = cli("check", str(root), "--no-progress", "--var", 'ssh_cidrs=["0.0.0.0/0"]', "--var", "port=22")
    assert result.code == 1 and "SG002" in result.out, result.err


def test_an_undeclared_var_is_an_error(cli, root: Path) -> None:
    line = _error(cli("check", str(root), "--no-progress", "--var", 'ssh_cidr=["0.0.0.0/0"]'))
    assert "--var ssh_cidr: the scanned configuration declares no variable 'ssh_cidr'" in line


def test_a_string_for_a_list_is_an_error_naming_variable_and_type(cli, root: Path) -> None:
    line = _error(cli("check", str(root), "--no-progress", "--var", "ssh_cidrs=0.0.0.0/0"))
    assert "--var ssh_cidrs: variable 'ssh_cidrs' is list(string), but a string" in line


@pytest.mark.parametrize(("flag", "expected"), [
    ("ssh_cidrs=[0.0.0.0/0", "malformed value for a list(string) variable"),
    ("tags={a = ", "malformed value for a map(string) variable"),
    ("port=twenty-two", "variable 'port' is number, but a string that does not convert"),
    ("tags=[1]", "variable 'tags' is map(string), but a list"),
])
def test_malformed_and_mistyped_values_are_errors(cli, root: Path, flag: str, expected: str) -> None:
    line = _error(cli("check", str(root), "--no-progress", "--var", flag))
    assert expected in line
    assert "twenty-two" not in line  # a value is never quoted: it may be a secret


def test_var_file_names_and_types_are_checked(cli, root: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.tfvars"
    good.write_text('ssh_cidrs = ["0.0.0.0/0"]\n', encoding="utf-8")
    assert cli("check", str(root), "--no-progress", "--var-file", str(good)).code == 1
    typo = tmp_path / "typo.tfvars"
    typo.write_text('ssh_cidr = ["0.0.0.0/0"]\n', encoding="utf-8")
    assert "typo.tfvars: ssh_cidr: the scanned configuration declares no variable" in _error(
        cli("check", str(root), "--no-progress", "--var-file", str(typo)))
    wrong = tmp_path / "wrong.tfvars"
    wrong.write_text('ssh_cidrs = "0.0.0.0/0"\n', encoding="utf-8")
    assert "wrong.tfvars: ssh_cidrs: variable 'ssh_cidrs' is list(string), but a string" in _error(
        cli("check", str(root), "--no-progress", "--var-file", str(wrong)))


def test_automatic_tfvars_types_are_checked_but_extra_names_allowed(cli, root: Path) -> None:
    (root / "terraform.tfvars").write_text('ssh_cidrs = ["0.0.0.0/0"]\nunused = 1\n', encoding="utf-8")
    assert cli("check", str(root), "--no-progress").code == 1  # Terraform only warns about `unused`
    (root / "terraform.tfvars").write_text('port = "ssh"\n', encoding="utf-8")
    assert "terraform.tfvars: port: variable 'port' is number" in _error(cli("check", str(root), "--no-progress"))


def test_an_undeclared_value_is_never_shown(cli, root: Path) -> None:
    line = _error(cli("check", str(root), "--no-progress", "--var", "db_passwd=hunter2-secret"))
    assert "hunter2" not in line


def test_a_name_declared_by_another_root_is_accepted(cli, tmp_path: Path) -> None:
    for name, decl in (("a", CODE), ("b", 'variable "other" {\n  type = string\n}\n')):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(decl, encoding="utf-8")
    result = cli("check", str(tmp_path / "a"), str(tmp_path / "b"), "--no-progress", "--var", "other=x",
                 "--var", 'ssh_cidrs=["0.0.0.0/0"]')
    assert result.code == 1, result.err


def test_a_new_variable_is_not_an_error_against_the_base_revision(cli, root: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", *args], cwd=root, check=True,
                       capture_output=True)

    git("init", "-q")
    (root / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n', encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "base")
    (root / "main.tf").write_text(CODE, encoding="utf-8")  # adds the variables
    result = cli("check", str(root), "--no-progress", "--diff-base", "HEAD", "--var", 'ssh_cidrs=["0.0.0.0/0"]')
    assert result.code == 1 and "SG002" in result.out, result.err


# -- config exceptions that match nothing -------------------------------------------------------------------

def _config(path: Path, *entries: tuple[str, str]) -> None:
    body = "".join(f"  - rule: {rule}\n    address: {address}\n    reason: accepted\n" for rule, address in entries)
    path.write_text("exceptions:\n" + body, encoding="utf-8")


def test_an_exception_that_matches_nothing_gets_a_note(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    PlanBuilder().create("aws_security_group.bastion", {"name": "b", "ingress": [
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}).write(tmp_path / "p.json")
    _config(tmp_path / ".natpolicy.yaml", ("SG002", "aws_security_group.bastion"),
            ("SG002", "aws_security_group.bastoin"), ("EBS001", "aws_ebs_volume.*"))
    report = cli("check", "p.json", "-f", "json").json()
    notes = [n for n in report["notes"] if "matches no finding" in n]
    assert [n.split(" (")[1].split(")")[0] for n in notes] == ["SG002 aws_security_group.bastoin",
                                                               "EBS001 aws_ebs_volume.*"]
    assert notes[0].startswith(".natpolicy.yaml: exceptions[1]")
    assert report["findings"][0]["suppressed"]
    text = cli("check", "p.json")
    assert "note: .natpolicy.yaml: exceptions[1] (SG002 aws_security_group.bastoin) matches no finding" in text.out
    # Only for rules that ran: --check SG002 says nothing about the EBS001 exception.
    only = cli("check", "p.json", "--check", "SG002", "-f", "json").json()
    assert not any("EBS001" in n for n in only["notes"])
