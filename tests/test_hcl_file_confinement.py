"""HCL file functions read only the configuration being checked (security issue, route 2).

A pull request's ``.tf`` can call ``file()`` on the checkout token that
``actions/checkout`` leaves in ``.git/config``, or on the backend credentials
``terraform init`` leaves in ``.terraform/``, and feed the text into a
``for_each`` so that it becomes part of resource addresses, which every
report prints. These tests run that attack in each mode natpolicy reads
Terraform code in, and look for the secret (and its reversal) in every format.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from natpolicy.loaders.hcl.file_scope import FileScope, Refused
from natpolicy.loaders.hcl.fileset_glob import compile_glob, glob_match
from scratch_repo import git, write_files

TOKEN = "ghs_checkoutTOKEN0123456789"
STATE_SECRET = "backendSECRETkey0123456789"
FORMATS = ("text", "json", "sarif", "github", "markdown")

ATTACK = """\
locals {
  token = regex("basic (.*)", file("${path.module}/../.git/config"))[0]
  state = jsondecode(file("${path.module}/.terraform/terraform.tfstate")).backend.config.secret_key
  spelled = file("${path.module}//..//.GIT/../.git/./config")
}

resource "aws_security_group" "leak" {
  for_each = toset([local.token, strrev(local.token), local.state, strrev(local.state), local.spelled])
  name     = each.key
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

# The same channel fed from a file that is part of the configuration: the
# value does reach the address, so the absence above is not an accident.
CONTROL = """\
resource "aws_security_group" "control" {
  for_each = toset([strrev(trimspace(file("${path.module}/allowed.txt")))])
  name     = each.key
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

TFSTATE = json.dumps({"version": 3, "backend": {"type": "s3", "config": {"secret_key": STATE_SECRET}}})


def leaked(text: str) -> list[str]:
    secrets = [TOKEN, STATE_SECRET, "extraheader"]
    return [s for s in secrets if s in text or s[::-1] in text]


def run_all_formats(cli: Callable[..., CliResult], *args: str) -> dict[str, CliResult]:
    return {fmt: cli(*args, "-f", fmt) for fmt in FORMATS}


def assert_confined(runs: dict[str, CliResult], note: str) -> None:
    for fmt, run in runs.items():
        assert run.code in (0, 1), (fmt, run.err)
        assert leaked(run.out + run.err) == [], fmt
        if fmt != "github":  # annotations carry findings only
            assert (json.dumps(note)[1:-1] if fmt in ("json", "sarif") else note) in run.out, fmt
    # The open SSH ingress is still judged, once, on the settings that are known.
    assert "aws_security_group.leak" in runs["text"].out


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    # What actions/checkout leaves behind (persist-credentials: true).
    git(root, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: basic {TOKEN}")
    write_files(root, {"infra/main.tf": ATTACK, "infra/.terraform/terraform.tfstate": TFSTATE})
    git(root, "add", "infra/main.tf")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return root


NOTE = 'infra/main.tf:2: file("./../.git/config") is not read: .git/ is never read'


def test_work_tree_run(repo: Path, cli: Callable[..., CliResult]) -> None:
    runs = run_all_formats(cli, "check", "infra")
    assert_confined(runs, NOTE)
    notes = runs["json"].json()["notes"]
    assert 'infra/main.tf:3: file("./.terraform/terraform.tfstate") is not read: .terraform/ is never read' in notes
    assert ('infra/main.tf:4: file(".//..//.GIT/../.git/./config") is not read: .git/ is never read' in notes)


def test_tracked_state_file_is_still_never_read(repo: Path, cli: Callable[..., CliResult]) -> None:
    git(repo, "add", "-f", "infra/.terraform/terraform.tfstate")
    git(repo, "commit", "-q", "-m", "state committed by mistake")
    for args in (("check", "infra"), ("check", "infra", "--diff-base", "HEAD")):
        runs = run_all_formats(cli, *args)
        assert_confined(runs, NOTE)


def test_hook_reads_staged_blobs(repo: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    runs = {fmt: cli("hook", "-f", fmt, "infra/main.tf") for fmt in FORMATS}
    assert_confined(runs, NOTE)


def test_diff_base(repo: Path, cli: Callable[..., CliResult]) -> None:
    assert_confined(run_all_formats(cli, "check", "infra", "--diff-base", "HEAD"), NOTE)


def test_git_mode_reads_blobs_not_the_work_tree(repo: Path, cli: Callable[..., CliResult],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(repo, {"infra/control.tf": CONTROL, "infra/allowed.txt": "staged-value\n"})
    git(repo, "add", "infra/control.tf", "infra/allowed.txt")
    (repo / "infra" / "allowed.txt").write_text("work-tree-value\n")  # not staged
    work_tree = cli("check", "infra", "-f", "json").json()
    shown = [f["address"] for f in work_tree["findings"]]
    assert 'aws_security_group.control["eulav-eert-krow"]' in shown  # the channel works
    monkeypatch.setenv("PRE_COMMIT", "1")
    staged = cli("hook", "-f", "json", "infra/main.tf").json()
    assert 'aws_security_group.control["eulav-degats"]' in [f["address"] for f in staged["findings"]]
    diff = cli("check", "infra", "--diff-base", "HEAD", "-f", "json").json()
    assert 'aws_security_group.control["eulav-degats"]' in [f["address"] for f in diff["findings"]]


def test_a_tracked_symlink_is_not_followed(repo: Path, cli: Callable[..., CliResult],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    os.symlink("../.git/config", repo / "infra" / "allowed.txt")
    write_files(repo, {"infra/control.tf": CONTROL.replace("strrev(trimspace(", "regex(\"basic (.*)\", (")})
    git(repo, "add", "infra")
    text = cli("check", "infra", "-f", "json").out
    assert leaked(text) == [] and 'allowed.txt\\") is not read: not tracked by git' in text
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert leaked(cli("hook", "-f", "json", "infra/main.tf").out) == []


# -- a plain folder (no git) --------------------------------------------------------------------

PLAIN = """\
locals {
  state  = jsondecode(file("${path.module}/.terraform/terraform.tfstate")).backend.config.secret_key
  cased  = jsondecode(file("${path.module}/.Terraform./terraform.tfstate")).backend.config.secret_key
  linked = jsondecode(file("${path.module}/linked.json")).backend.config.secret_key
  up     = file("${path.module}/../outside.txt")
  seen   = fileexists("${path.module}/../outside.txt")
  gone   = fileexists("${path.module}/../nothing-here.txt")
  listed = join(",", fileset(path.module, "**"))
}

resource "aws_security_group" "leak" {
  for_each = toset([local.state, strrev(local.state), local.cased, local.linked, local.up, tostring(local.seen),
                    tostring(local.gone)])
  name     = each.key
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "listing" {
  name = local.listed
}
"""


def test_plain_folder(tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "plain"
    write_files(root, {"main.tf": PLAIN, ".terraform/terraform.tfstate": TFSTATE, "data/a.json": "{}"})
    (tmp_path / "outside.txt").write_text(STATE_SECRET)
    os.symlink(".terraform/terraform.tfstate", root / "linked.json")
    monkeypatch.chdir(root)
    runs = run_all_formats(cli, "check", ".")
    for fmt, run in runs.items():
        assert run.code in (0, 1), (fmt, run.err)
        assert leaked(run.out + run.err) == [], fmt
    notes = runs["json"].json()["notes"]
    assert notes == [
        'main.tf:2: file("./.terraform/terraform.tfstate") is not read: .terraform/ is never read',
        ('main.tf:3: file("./.Terraform./terraform.tfstate") is not read: '
         '.Terraform./ is another spelling of .git/ or .terraform/, which are never read'),
        'main.tf:4: file("./linked.json") is not read: .terraform/ is never read',
        'main.tf:5: file("./../outside.txt") is not read: outside the checked configuration',
        # A file outside and one that does not exist: the same answer, unknown.
        'main.tf:6: fileexists("./../outside.txt") is not read: outside the checked configuration',
        'main.tf:7: fileexists("./../nothing-here.txt") is not read: outside the checked configuration',
    ]
    listing = [r for r in runs["json"].json()["findings"]]
    assert all(".terraform" not in json.dumps(f) for f in listing)


# -- the scope itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../x", "/etc/passwd", ".git/config", "a/../.git/config", ".GIT/config",
                                  "a//..//.git/config", ".git./config", ".terraform/x", "sub/.terraform/x",
                                  ".git", "a\\..\\.git\\config", "x\0y", ".git::$DATA/config", "GIT~1/config",
                                  "TERRAF~1/terraform.tfstate", ".terraform /x"])
def test_refused_spellings(tmp_path: Path, name: str) -> None:
    with pytest.raises(Refused):
        FileScope(tmp_path).path_of(tmp_path, name)


def test_accepted_spellings(tmp_path: Path) -> None:
    scope = FileScope(tmp_path / "root")
    assert scope.path_of(tmp_path / "root" / "m", "../a//b/./c.txt") == "a/b/c.txt"
    assert scope.path_of(tmp_path / "root", ".terraform.lock.hcl") == ".terraform.lock.hcl"


def test_special_files_and_size_limit(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "big").write_bytes(b"x" * 100)
    scope = FileScope(tmp_path, max_bytes=10)
    with pytest.raises(Refused, match="not a regular file"):
        scope.read("fifo")  # returns at once: a FIFO never blocks the run
    with pytest.raises(Refused, match="larger than 10 bytes"):
        scope.read("big")
    assert scope.read("missing") is None


def test_git_scope_refuses_untracked_whatever_exists(tmp_path: Path) -> None:
    scope = FileScope(tmp_path, tracked=lambda: {"a.txt": "0" * 40}, read_blob=lambda blob, limit: b"A")
    assert scope.read("a.txt") == b"A"
    for name in ("b.txt", "nothing.txt"):
        with pytest.raises(Refused, match="not tracked by git"):
            scope.read(name)
    failing = FileScope(tmp_path, tracked=lambda: (_ for _ in ()).throw(OSError("git died")))
    with pytest.raises(Refused, match="could not be listed"):
        failing.read("a.txt")


@pytest.mark.parametrize("pattern,path,expected", [
    ("*.txt", "a.txt", True), ("*.txt", "d/a.txt", False), ("**/*.txt", "d/e/a.txt", True),
    ("**/*.txt", "a.txt", True), ("d/**", "d/e/f", True), ("?.txt", "ab.txt", False),
    ("[a-c].json", "b.json", True), ("[^a-c].json", "b.json", False), ("{a,b}/*.tf", "b/x.tf", True),
    ("\\*.txt", "*.txt", True), ("\\*.txt", "a.txt", False),
])
def test_fileset_patterns(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(compile_glob(pattern), path) is expected


def test_fileset_pattern_of_many_stars_is_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed: the matcher compares each pattern element with each character once
    # (81 x 2,000), where a backtracking matcher would try the stars' splits exponentially.
    from natpolicy.loaders.hcl import fileset_glob

    compared = 0
    real_one = fileset_glob._one

    def one(element: Any, char: str) -> bool:
        nonlocal compared
        compared += 1
        return real_one(element, char)

    monkeypatch.setattr(fileset_glob, "_one", one)
    assert not glob_match(compile_glob("*a" * 40 + "b"), "a" * 2000)
    assert 0 < compared <= 81 * 2000


def test_a_path_derived_from_a_sensitive_value_is_not_quoted(tmp_path: Path, cli: Callable[..., CliResult],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {"main.tf": 'variable "p" {\n  sensitive = true\n}\nlocals {\n  p = "${var.p}/x"\n}\n'
                                'resource "aws_s3_bucket" "b" {\n  bucket = file(local.p)\n'
                                '  policy = templatefile("t.tpl", { p = var.p })\n}\n',
                     "t.tpl": '${file(p)}'})
    monkeypatch.chdir(tmp_path)
    for fmt in FORMATS:
        run = cli("check", ".", "--var", f"p=../{TOKEN}", "-f", fmt)
        assert run.code == 0 and leaked(run.out + run.err) == [], fmt
    assert cli("check", ".", "--var", f"p=../{TOKEN}", "-f", "json").json()["notes"] == [
        "file(<path not shown>) is not read: outside the checked configuration",  # inside the template
        "main.tf:8: file(<path not shown>) is not read: outside the checked configuration"]


def test_a_git_folder_git_cannot_read_refuses_every_read(tmp_path: Path, cli: Callable[..., CliResult],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # A `.git` folder holding only a config: not a repository git reads, so which files are
    # tracked is unknown, and nothing is read at all (not even the plain files beside it).
    root = tmp_path / "repo"
    write_files(root, {".git/config": f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {TOKEN}\n',
                 "infra/main.tf": ATTACK, "infra/control.tf": CONTROL, "infra/allowed.txt": "x\n"})
    monkeypatch.chdir(root)
    for fmt in FORMATS:
        run = cli("check", "infra", "-f", fmt)
        assert run.code in (0, 1) and leaked(run.out + run.err) == [], fmt
    notes = cli("check", "infra", "-f", "json").json()["notes"]
    assert 'infra/main.tf:2: file("./../.git/config") is not read: .git/ is never read' in notes
    assert ('infra/control.tf:2: file("./allowed.txt") is not read: the files git tracks could not be listed '
            '(git sees no repository there, or is not installed)') in notes
