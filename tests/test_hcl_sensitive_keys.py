"""Sensitive values never become instance keys (robustness issue: leaks through addresses).

``for_each = toset([upper(var.db_password)])`` would put the password into
``aws_x.y["HUNTER..."]``, which every report prints. Terraform refuses such a
configuration ("Sensitive values, or values derived from sensitive values,
cannot be used as for_each arguments"); so does natpolicy: the block is an
error (exit 2), checked once without keys, and its keys reach no report.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from natpolicy.loaders.hcl.loader import load_hcl

SECRET = "Sup3rSecretPW"
FORMATS = ("text", "json", "sarif", "github", "markdown")

VARIABLE = f'''\
variable "db_password" {{
  type      = string
  default   = "{SECRET}"
  sensitive = true
}}
'''

SG_BODY = '''\
  name = "sg"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
'''


def sg(meta: str, name: str = "leak") -> str:
    return f'resource "aws_security_group" "{name}" {{\n  {meta}\n{SG_BODY}}}\n'


CHILD_PASSES_ON = '''\
variable "pw" {
  type = string
}
''' + sg("for_each = toset([var.pw])")

CHILD_OUTPUT = f'''\
output "token" {{
  value     = "{SECRET}"
  sensitive = true
}}
'''

CASES: dict[str, dict[str, str]] = {
    "upper": {"main.tf": VARIABLE + sg("for_each = toset([upper(var.db_password)])")},
    "local": {"main.tf": VARIABLE + 'locals {\n  k = "k-${var.db_password}"\n}\n' + sg("for_each = toset([local.k])")},
    "module input": {"main.tf": VARIABLE + 'module "m" {\n  source = "./m"\n  pw     = var.db_password\n}\n',
                     "m/main.tf": CHILD_PASSES_ON},
    "sensitive output": {"main.tf": 'module "m" {\n  source = "./m"\n}\n' + sg("for_each = toset([module.m.token])"),
                         "m/main.tf": CHILD_OUTPUT},
    "map key": {"main.tf": VARIABLE + sg("for_each = { (var.db_password) = 1 }")},
    "split": {"main.tf": VARIABLE + sg('for_each = toset(split("", var.db_password))')},
    "reversed": {"main.tf": VARIABLE + sg("for_each = toset([strrev(var.db_password)])")},
    "count": {"main.tf": VARIABLE + sg("count = length(var.db_password)")},
    "sensitive()": {"main.tf": sg(f'for_each = toset([sensitive("{SECRET}")])')},
    "module for_each": {"main.tf": VARIABLE + 'module "m" {\n  source   = "./m"\n'
                                              '  for_each = toset([var.db_password])\n  pw       = "x"\n}\n',
                        "m/main.tf": CHILD_PASSES_ON.replace("toset([var.pw])", '{ a = 1 }')},
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def shows_secret(text: str) -> bool:
    variants = {SECRET, SECRET.upper(), SECRET[::-1], "k-" + SECRET, str(len(SECRET))}
    return any(v in text for v in variants - {str(len(SECRET))}) or f"[{len(SECRET) - 1}]" in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_sensitive_keys_are_an_error_and_never_shown(case: str, tmp_path: Path, cli: Callable[..., CliResult],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, CASES[case])
    monkeypatch.chdir(tmp_path)
    result = load_hcl([tmp_path], display_root=tmp_path, cache_dir=None)
    assert len(result.errors) == 1 and "derived from a sensitive value" in result.errors[0], result.errors
    assert result.errors[0].startswith(("main.tf:", "m/main.tf:"))
    assert not any(r.type == "aws_security_group" and r.index is not None for r in result.resources)
    for fmt in FORMATS:
        run = cli("check", ".", "-f", fmt)
        assert run.code == 2, (fmt, run.out, run.err)
        assert not shows_secret(run.out + run.err), fmt


ALLOWED = {
    # The keys are known without the password: only each.value is sensitive, as Terraform allows.
    "values only": VARIABLE + 'locals {\n  dbs = { main = { password = var.db_password } }\n}\n'
                   + sg("for_each = local.dbs"),
    # nonsensitive() is the author's explicit choice, as in Terraform.
    "nonsensitive": 'variable "names" {\n  default   = ["a"]\n  sensitive = true\n}\n'
                    + sg("for_each = nonsensitive(toset(var.names))"),
    "unrelated": VARIABLE + sg('for_each = toset(["a", "b"])'),
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_keys_not_derived_from_sensitive_values_are_fine(case: str, tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": ALLOWED[case]})
    result = load_hcl([tmp_path], display_root=tmp_path, cache_dir=None)
    assert result.errors == []
    keys = [r.index for r in result.resources]
    assert keys and all(isinstance(k, str) and SECRET not in k for k in keys)


def test_a_refused_block_is_not_taken_for_deleted(tmp_path: Path, cli: Callable[..., CliResult],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(tmp_path), *args], env=env, check=True,
                       capture_output=True)

    nat = 'resource "aws_nat_gateway" "gw" {{\n  for_each      = {keys}\n  subnet_id     = "subnet-1"\n' \
          '  allocation_id = "eipalloc-1"\n}}\n'
    write(tmp_path, {"main.tf": VARIABLE + nat.format(keys='toset(["a"])')})
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    write(tmp_path, {"main.tf": VARIABLE + nat.format(keys="toset([var.db_password])")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    run = cli("check", ".", "-f", "json")
    assert run.code == 2 and not shows_secret(run.out + run.err)
    assert [f["rule_id"] for f in run.json()["findings"]] == []  # gw["a"] is not reported as deleted
