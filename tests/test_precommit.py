"""The pre-commit hook: grouping into root folders, the hook manifest, and a real `pre-commit try-repo`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, CliResult
from natpolicy.precommit import plan_files, terraform_roots
from planbuilder import PlanBuilder
from scratch_repo import git, write_files

VPC = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_flow_log" "main" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::flow-logs"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}
"""

NAT_AND_ROUTE = """\
resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }
}
"""

TABLE_ONLY = """\
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}
"""


def admin_sg(cidr: str) -> str:
    return f"""\
resource "aws_security_group" "admin" {{
  name   = "admin"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{cidr}"]
  }}
}}
"""


# -- grouping file names into root folders ---------------------------------------------

def test_files_are_grouped_into_their_root_folders(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "envs/prod/main.tf": 'module "net" {\n  source = "../../modules/net"\n}\n',
        "envs/prod/prod.auto.tfvars": 'x = 1\n',
        "envs/dev/main.tf": 'module "net" {\n  source = "../../modules/net"\n}\n',
        "modules/net/main.tf": 'module "sub" {\n  source = "./sub"\n}\n',
        "modules/net/sub/main.tf": 'resource "aws_vpc" "x" {}\n',
        "lambda/main.tf": 'resource "aws_s3_object" "zip" {\n  source = "./build"\n}\n',
        "lambda/build/handler.py": "",
        "vars/only.tfvars": 'x = 1\n',
        "envs/prod/.terraform/modules/net/main.tf": 'resource "aws_vpc" "cached" {}\n',
    })
    roots = lambda *files: terraform_roots(files, base=tmp_path)  # noqa: E731
    assert roots("envs/prod/main.tf", "envs/prod/prod.auto.tfvars") == ["envs/prod"]
    # A module file belongs to every root that calls it, through nested calls.
    assert roots("modules/net/sub/main.tf") == ["envs/dev", "envs/prod"]
    # `source` of a resource is not a module call; the folder is its own root.
    assert roots("lambda/main.tf") == ["lambda"]
    # No .tf code next to a .tfvars file: nothing to check; .terraform/ never counts.
    assert roots("vars/only.tfvars", "envs/prod/.terraform/modules/net/main.tf") == []
    # Calling the hook with the names split over several calls covers the same roots.
    names = ["envs/prod/main.tf", "modules/net/main.tf", "lambda/main.tf", "envs/dev/main.tf"]
    split = sorted({r for part in (names[:1], names[1:3], names[3:]) for r in roots(*part)})
    assert split == roots(*names) == ["envs/dev", "envs/prod", "lambda"]


def test_module_cycles_do_not_hang(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
                           "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'})
    assert terraform_roots(["a/main.tf"], base=tmp_path) == ["a"]


def test_plan_hook_keeps_only_plan_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    PlanBuilder().create("aws_vpc.x", {"cidr_block": "10.0.0.0/16"}).write(tmp_path / "plan.json")
    (tmp_path / "package.json").write_text('{"name": "x"}', encoding="utf-8")
    assert plan_files(["package.json", "plan.json", "plan.json", "gone.json"]) == ["plan.json"]


def test_plans_are_recognised_whatever_their_key_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       cli: Callable[..., CliResult]) -> None:
    """`json.dumps(sort_keys=True)` puts a long `configuration` before `format_version`."""
    import json

    monkeypatch.chdir(tmp_path)
    builder = PlanBuilder().update("aws_ebs_encryption_by_default.this", {"enabled": True}, {"enabled": False})
    for i in range(60):  # a configuration section far longer than the first few kilobytes
        builder.module_call(f"module.m{i:02}", f"./modules/m{i:02}")
    doc = builder.build()
    text = json.dumps(doc, sort_keys=True, indent=2)
    assert text.index('"format_version"') > 8192
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "sorted.json").write_text(text, encoding="utf-8")
    (tmp_path / "plans" / "utf16.json").write_text(json.dumps(doc, sort_keys=True), encoding="utf-16")
    (tmp_path / "plans" / "package.json").write_text('{"name": "x", "configuration": {}}', encoding="utf-8")
    assert plan_files(["plans/sorted.json", "plans/utf16.json", "plans/package.json"]) == \
        ["plans/sorted.json", "plans/utf16.json"]
    result = cli("check", "plans", "-f", "json")
    assert result.code == 1, result.err
    assert sorted(f["origin"] for f in result.json()["findings"]) == ["plans/sorted.json", "plans/utf16.json"]


# -- the manifest ------------------------------------------------------------------------

def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"natpolicy", "natpolicy-plan"}
    tf = hooks["natpolicy"]
    assert (tf["language"], tf["require_serial"], tf["entry"]) == ("python", True, "natpolicy hook --")
    files, exclude = re.compile(tf["files"]), re.compile(tf["exclude"])
    for name in ("main.tf", "a/b.tofu", "prod.tfvars"):
        assert files.search(name) and not exclude.search(name)
    for name in ("main.tf.json", "README.md", "tf"):
        assert not files.search(name)
    assert exclude.search(".terraform/modules/x/main.tf") and exclude.search("env/.terraform/x.tf")
    plan = hooks["natpolicy-plan"]
    assert plan["entry"] == "natpolicy hook --plans --" and re.search(plan["files"], "plans/prod.json")
    raw = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert all(set(h) <= set(hooks[h["id"]]) for h in raw)


# -- the hook, in process -------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRE_COMMIT", "1")
    return tmp_path


def test_hook_checks_staged_roots_and_is_repeatable(repo: Path, cli: Callable[..., CliResult]) -> None:
    write_files(repo, {"net/vpc.tf": VPC, "net/nat.tf": NAT_AND_ROUTE, "app/sg.tf": admin_sg("10.0.0.0/8")
                       .replace("aws_vpc.main.id", '"vpc-123"')})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    assert cli("hook", "net/vpc.tf", "app/sg.tf").code == 0
    write_files(repo, {"app/sg.tf": admin_sg("0.0.0.0/0").replace("aws_vpc.main.id", '"vpc-123"')})
    git(repo, "add", "-A")
    first = cli("hook", "app/sg.tf")
    assert first.code == 1 and "SG002" in first.out
    again = cli("hook", "app/sg.tf")  # pre-commit may call the hook more than once
    assert (again.code, again.out) == (first.code, first.out)
    assert cli("hook", "net/vpc.tf").code == 0  # another root's call is not affected


def test_deleting_a_whole_file_is_seen_without_file_names(repo: Path, cli: Callable[..., CliResult]) -> None:
    write_files(repo, {"net/vpc.tf": VPC, "net/nat.tf": NAT_AND_ROUTE})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    assert cli("hook").code == 0  # always_run with nothing to check
    git(repo, "rm", "-q", "net/nat.tf")
    write_files(repo, {"net/table.tf": TABLE_ONLY})
    git(repo, "add", "-A")
    # pre-commit passes only existing files; the deleted nat.tf is found in the index.
    result = cli("hook")
    assert result.code == 1
    assert "NAT001" in result.out and "aws_nat_gateway.main" in result.out


def test_a_plan_kept_beside_the_code_does_not_replace_it(repo: Path, cli: Callable[..., CliResult]) -> None:
    """A root folder that also holds a (clean) plan.json is still checked as the staged .tf code."""
    write_files(repo, {"net/vpc.tf": VPC, "net/nat.tf": NAT_AND_ROUTE})
    PlanBuilder().create("aws_ebs_encryption_by_default.this", {"enabled": True}).write(repo / "net" / "plan.json")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "rm", "-q", "net/nat.tf")
    write_files(repo, {"net/table.tf": TABLE_ONLY})
    git(repo, "add", "-A")
    result = cli("hook", "net/table.tf")
    assert result.code == 1, result.out
    assert "NAT001" in result.out and "aws_nat_gateway.main" in result.out
    # `check DIR` reads the folder as HCL too, and says which plan it left out ...
    checked = cli("check", "net", "-f", "json").json()
    assert [f["rule_id"] for f in checked["findings"]] == ["NAT001"]
    assert "net/plan.json: not checked; net holds Terraform files, so it is checked as HCL (pass a plan file " \
           "itself to check the plan)" in checked["notes"]
    # ... which is checked when named.
    planned = cli("check", "net/plan.json", "-f", "json").json()
    assert planned["findings"] == [] and planned["summary"]["resources"] == 1


def test_plan_hook_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    monkeypatch.chdir(tmp_path)
    (PlanBuilder()
     .create("aws_security_group.x", {"name": "x", "ingress": [
         {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
     .write(tmp_path / "plan.json"))
    (tmp_path / "package.json").write_text('{"name": "x"}', encoding="utf-8")
    result = cli("hook", "--plans", "package.json", "plan.json")
    assert result.code == 1 and "SG002" in result.out
    assert cli("hook", "--plans", "package.json").code == 0
    assert cli("hook", "--plans", "--fail-on", "critical", "plan.json").code == 0  # check options pass through


def test_file_names_that_look_like_options(repo: Path, cli: Callable[..., CliResult]) -> None:
    """After the entry's `--` a name is a file; without it, a file name that is an option is refused."""
    write_files(repo, {"main.tf": 'resource "aws_vpc" "main" {}\n', "--output=main.tf": admin_sg("0.0.0.0/0")
                       .replace("aws_vpc.main.id", '"vpc-123"')})
    git(repo, "add", "-A")
    before = (repo / "main.tf").read_bytes()
    judged = cli("hook", "--", "--output=main.tf", "main.tf")
    assert judged.code == 1 and "SG002" in judged.out and "--output=main.tf:1" in judged.out
    # A user's `args:` closed by their own `--` stay options after the entry's `--`.
    relaxed = cli("hook", "--", "--fail-on", "critical", "--", "--output=main.tf", "main.tf")
    assert relaxed.code == 0 and "SG002" in relaxed.out
    # An older entry without `--`: refused, one line, before anything is read or written.
    old = cli("hook", "--output=main.tf", "main.tf")
    assert old.code == 2 and old.err.count("\n") == 1 and "natpolicy hook --" in old.err
    # `args:` without their closing `--`: the option is not taken as a file name.
    unclosed = cli("hook", "--", "--fail-on", "critical", "main.tf")
    assert unclosed.code == 2 and "'--fail-on' follows `--` but is not a file" in unclosed.err
    assert (repo / "main.tf").read_bytes() == before
    # `check` takes what follows `--` as paths too.
    assert cli("check", "--", "--output=main.tf").code == 1


# -- end to end: the real pre-commit, installing this project --------------------------------

@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A committed snapshot of this project (work tree included) and a PRE_COMMIT_HOME.

    `pre-commit try-repo` on the project itself would drop files not yet
    committed; the snapshot holds exactly what `pip install .` should see.
    The hook's environment is built once, then reused by every test here.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (it is in the `test` extra)")
    base = tmp_path_factory.mktemp("precommit")
    snapshot = base / "natpolicy"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("the project is not a git checkout, so there is nothing to hand to try-repo")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(base / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    yield snapshot, env


# The hook's environment (a pip install of this project) is built once per worker: these tests
# share one worker (`--dist loadgroup` in pyproject), so it is built once per run.
PRE_COMMIT_ENV = pytest.mark.xdist_group("pre-commit-env")
# pre-commit pip-installs this project and its dependencies from the package index: the network.
INDEX = pytest.mark.index


def try_repo(hook_repo: tuple[Path, dict[str, str]], cwd: Path,
             hook: str = "natpolicy") -> subprocess.CompletedProcess[str]:
    snapshot, env = hook_repo
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), hook],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    if "An unexpected error has occurred" in proc.stdout + proc.stderr and "pip" in proc.stdout + proc.stderr:
        log = proc.stdout + proc.stderr
        if re.search(r"(?i)(connection|network|could not find a version|temporary failure)", log):
            pytest.skip(f"pre-commit could not install the hook's dependencies (no package index): {log[-300:]}")
    return proc


@PRE_COMMIT_ENV
@INDEX
def test_pre_commit_try_repo(hook_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    work = tmp_path / "infra"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write_files(work, {"network.tf": VPC + NAT_AND_ROUTE, "sg.tf": admin_sg("10.0.0.0/8")})
    git(work, "add", "-A")

    clean = try_repo(hook_repo, work)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"natpolicy \(Terraform\)\.+Passed", clean.stdout)
    git(work, "commit", "-q", "-m", "network")

    # Opening SSH to the world fails the commit.
    write_files(work, {"sg.tf": admin_sg("0.0.0.0/0")})
    git(work, "add", "-A")
    opened = try_repo(hook_repo, work)
    assert opened.returncode == 1, opened.stdout + opened.stderr
    assert "SG002" in opened.stdout and "aws_security_group.admin" in opened.stdout
    assert "sg.tf:1" in opened.stdout
    git(work, "checkout", "-q", "--", ".")
    git(work, "reset", "-q", "--hard")

    # Deleting the NAT gateway (and the route through it) fails the commit.
    write_files(work, {"network.tf": VPC + TABLE_ONLY})
    git(work, "add", "-A")
    deleted = try_repo(hook_repo, work)
    assert deleted.returncode == 1, deleted.stdout + deleted.stderr
    assert "NAT001" in deleted.stdout and "aws_nat_gateway.main" in deleted.stdout


@PRE_COMMIT_ENV
@INDEX
def test_pre_commit_a_staged_file_named_like_an_option(hook_repo: tuple[Path, dict[str, str]],
                                                       tmp_path: Path) -> None:
    """A committed `--output=main.tf` is checked as a Terraform file and never becomes `--output`."""
    work = tmp_path / "infra"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write_files(work, {"main.tf": VPC + NAT_AND_ROUTE, "--output=main.tf": admin_sg("0.0.0.0/0")})
    git(work, "add", "-A")
    before = (work / "main.tf").read_bytes()
    proc = try_repo(hook_repo, work)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SG002" in proc.stdout and "--output=main.tf:1" in proc.stdout
    assert (work / "main.tf").read_bytes() == before
    # Made clean, the same file passes: the verdict is the configuration's, not an error's.
    write_files(work, {"--output=main.tf": admin_sg("10.0.0.0/8")})
    git(work, "add", "-A")
    clean = try_repo(hook_repo, work)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert (work / "main.tf").read_bytes() == before


@PRE_COMMIT_ENV
@INDEX
def test_pre_commit_try_repo_plan_hook(hook_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    work = tmp_path / "plans"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "package.json").write_text('{"name": "not a plan"}', encoding="utf-8")
    PlanBuilder().create("aws_ebs_encryption_by_default.this", {"enabled": True}).write(work / "prod.json")
    git(work, "add", "-A")
    clean = try_repo(hook_repo, work, "natpolicy-plan")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    PlanBuilder().update("aws_ebs_encryption_by_default.this", {"enabled": True}, {"enabled": False}).write(
        work / "prod.json")
    git(work, "add", "-A")
    failed = try_repo(hook_repo, work, "natpolicy-plan")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "EBS005" in failed.stdout

