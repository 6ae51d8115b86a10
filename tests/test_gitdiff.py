"""Deletions seen from git: the configuration being committed against HEAD (or --diff-base)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from natpolicy.loaders.gitdiff import Move, _rewrite, merge_sides
from natpolicy.model import Resource

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NETWORK = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}

resource "aws_eip" "nat" {
  domain = "vpc"
}
"""

NAT = """
resource "aws_nat_gateway" "{name}" {{
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}}
"""

TABLE = """
resource "aws_route_table" "private" {{
  vpc_id = aws_vpc.main.id
{route}}}

resource "aws_route_table_association" "private" {{
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}}
"""

ROUTE = """  route {{
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.{name}.id
  }}
"""


def config(nat: str | None = "main", route_to: str | None = "main", extra: str = "") -> str:
    text = NETWORK
    if nat:
        text += NAT.format(name=nat)
    text += TABLE.format(route=ROUTE.format(name=route_to) if route_to else "")
    return text + extra


class Repo:
    """A throw-away git repository; git here never touches the project's own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, **extra_env: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", **extra_env}
        env.pop("PRE_COMMIT", None)
        return subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(self.root), *args], env=env,
                              check=True, capture_output=True, text=True).stdout

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, message: str = "change", **files: str) -> None:
        for name, text in files.items():
            self.write(name, text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return Repo(tmp_path)


def nat_findings(cli: Callable[..., CliResult], *args: str) -> list[dict[str, Any]]:
    args = args if "--check" in args else ("--check", "NAT", *args)
    result = cli("check", ".", "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return [f for f in result.json()["findings"] if not f["suppressed"]]


def test_deleting_a_nat_gateway_block_is_nat001(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    assert nat_findings(cli) == []
    repo.write("main.tf", config(nat=None, route_to=None))
    (finding,) = nat_findings(cli)
    assert (finding["rule_id"], finding["address"]) == ("NAT001", "aws_nat_gateway.main")
    assert "aws_route_table.private" in finding["message"]
    # The gateway's block is gone: the finding sits on the route table that loses its route
    # (main.tf 19-21 now), and names where the gateway was at HEAD (main.tf 19-22, other lines now).
    assert (finding["file"], finding["start_line"], finding["end_line"]) == ("main.tf", 19, 21)
    assert repo.root.joinpath("main.tf").read_text().splitlines()[18] == 'resource "aws_route_table" "private" {'
    assert finding["message"].endswith(" Its block was main.tf:19-22 at HEAD.")
    assert finding["details"]["deleted_block"] == {"path": "main.tf", "start_line": 19, "end_line": 22,
                                                   "revision": "HEAD"}


def test_tearing_down_the_whole_network_is_not_nat001(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    repo.write("main.tf", NETWORK)  # the route table and its subnet association go too
    assert nat_findings(cli) == []


def test_replacing_the_gateway_under_a_new_name_is_not_nat001(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    repo.write("main.tf", config(nat="zonal", route_to="zonal"))
    assert nat_findings(cli) == []  # the route now uses the new gateway


def test_moved_block_is_honoured(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    moved = '\nmoved {\n  from = aws_nat_gateway.main\n  to   = aws_nat_gateway.egress\n}\n'
    # A rename without `moved` would destroy the old gateway; with it nothing is deleted.
    repo.write("main.tf", config(nat="egress", route_to=None))
    assert [f["address"] for f in nat_findings(cli)] == ["aws_nat_gateway.main"]
    repo.write("main.tf", config(nat="egress", route_to=None, extra=moved))
    assert nat_findings(cli) == []


@pytest.mark.parametrize(("destroy", "fires"), [("false", False), ("true", True)])
def test_removed_block_keeps_the_gateway_only_without_destroy(repo: Repo, cli: Callable[..., CliResult],
                                                              destroy: str, fires: bool) -> None:
    repo.commit(**{"main.tf": config()})
    removed = f"\nremoved {{\n  from = aws_nat_gateway.main\n\n  lifecycle {{\n    destroy = {destroy}\n  }}\n}}\n"
    repo.write("main.tf", config(nat=None, route_to=None, extra=removed))
    # (NAT003 may still report the route the table lost; the gateway itself is the question here.)
    assert bool(nat_findings(cli, "--check", "NAT001")) is fires


COUNTED = """
variable "nat_count" {{
  default = {count}
}}

resource "aws_nat_gateway" "main" {{
  count         = var.nat_count
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}}

resource "aws_route_table" "private" {{
  count  = 2
  vpc_id = aws_vpc.main.id
}}

resource "aws_route" "private" {{
  count                  = {routes}
  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main[{target}].id
}}
"""


def test_count_reduced_while_route_tables_remain(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": NETWORK + COUNTED.format(count=2, routes="var.nat_count", target="count.index")})
    assert nat_findings(cli) == []
    # One gateway fewer: table [1] keeps existing but loses its route.
    repo.write("main.tf", NETWORK + COUNTED.format(count=1, routes="var.nat_count", target="count.index"))
    assert [f["address"] for f in nat_findings(cli)] == ["aws_nat_gateway.main[1]"]
    # The same reduction with both tables routed through the remaining gateway is fine.
    repo.write("main.tf", NETWORK + COUNTED.format(count=1, routes=2, target=0))
    assert nat_findings(cli) == []


def test_unknown_count_after_the_change_is_never_a_deletion(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": NETWORK + COUNTED.format(count=2, routes="var.nat_count", target="count.index")})
    unknown = NETWORK + COUNTED.format(count=2, routes="var.nat_count", target="count.index").replace(
        "default = 2", "type = number")
    repo.write("main.tf", unknown)
    assert nat_findings(cli) == []


def test_staged_content_is_what_counts_in_a_commit(repo: Repo, cli: Callable[..., CliResult],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit(**{"main.tf": config()})
    # The deletion is staged, but the work tree has the gateway back (a partial commit).
    repo.write("main.tf", config(nat=None, route_to=None))
    repo.git("add", "main.tf")
    repo.write("main.tf", config())
    assert nat_findings(cli) == []
    assert [f["rule_id"] for f in nat_findings(cli, "--staged")] == ["NAT001"]
    monkeypatch.setenv("PRE_COMMIT", "1")  # what pre-commit sets for its hooks
    assert [f["rule_id"] for f in nat_findings(cli)] == ["NAT001"]
    # The other way round: deleted in the work tree only, nothing staged.
    monkeypatch.delenv("PRE_COMMIT")
    repo.git("reset", "-q", "main.tf")
    repo.write("main.tf", config(nat=None, route_to=None))
    assert nat_findings(cli, "--staged") == []
    assert [f["rule_id"] for f in nat_findings(cli)] == ["NAT001"]


def test_the_temporary_index_of_commit_all_is_what_counts(repo: Repo, cli: Callable[..., CliResult],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`git commit -a` stages into a temporary index and names it in GIT_INDEX_FILE for hooks."""
    repo.commit(**{"main.tf": config()})
    repo.write("main.tf", config(nat=None, route_to=None))
    temporary = repo.root / ".git" / "next-index-1.lock"
    repo.git("read-tree", "HEAD", GIT_INDEX_FILE=str(temporary))
    repo.git("add", "main.tf", GIT_INDEX_FILE=str(temporary))
    assert nat_findings(cli, "--staged") == []  # the regular index still has the gateway
    monkeypatch.setenv("GIT_INDEX_FILE", str(temporary))
    assert [f["rule_id"] for f in nat_findings(cli, "--staged")] == ["NAT001"]
    # An index file outside the repository being checked belongs to another repository.
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo.root.parent / "elsewhere-index"))
    assert nat_findings(cli, "--staged") == []


def _install_git_hook(repo: Repo) -> None:
    """A plain git pre-commit hook running natpolicy's, as pre-commit would: names of the staged files."""
    import shlex
    import sys

    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m natpolicy hook --staged --check NAT "
                    "$(git diff --cached --name-only)\n", encoding="utf-8")
    hook.chmod(0o755)


def _commit_all(work_tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(work_tree), "commit", "-q", "-a", "-m", "x"],
                          env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("linked", [False, True], ids=["main work tree", "linked worktree"])
def test_commit_all_runs_the_hook_on_what_is_committed(repo: Repo, tmp_path_factory: pytest.TempPathFactory,
                                                       linked: bool) -> None:
    """A real `git commit -a`: its temporary index (under .git/worktrees/<name>/ in a linked worktree) counts."""
    repo.commit(**{"main.tf": config()})
    _install_git_hook(repo)
    work_tree = repo.root
    if linked:
        work_tree = tmp_path_factory.mktemp("worktrees") / "feature"
        repo.git("worktree", "add", "-q", str(work_tree), "-b", "feature")
    (work_tree / "main.tf").write_text(config(nat=None, route_to=None), encoding="utf-8")
    refused = _commit_all(work_tree)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    output = refused.stdout + refused.stderr  # git sends a hook's output to stderr
    assert "NAT001" in output and "aws_nat_gateway.main" in output
    # A harmless change passes the same hook.
    (work_tree / "main.tf").write_text(config() + "# reviewed\n", encoding="utf-8")
    passed = _commit_all(work_tree)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_repository_git_refuses_is_reported_not_ignored(repo: Repo, cli: Callable[..., CliResult],
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """"Dubious ownership" (a CI container checking out as another user) must not silently drop NAT001."""
    repo.commit(**{"main.tf": config()})
    repo.write("main.tf", config(nat=None, route_to=None))
    home = tmp_path.parent / f"{tmp_path.name}-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # whatever happens, the user's git config is not touched
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")  # git's own switch for this refusal
    probe = subprocess.run(["git", "-C", str(repo.root), "rev-parse", "--show-toplevel"], capture_output=True,
                           text=True, check=False)
    if "dubious ownership" not in probe.stderr:
        pytest.skip("this git has no GIT_TEST_ASSUME_DIFFERENT_OWNER (git < 2.35.2)")
    result = cli("check", ".", "--check", "NAT", "-f", "json")
    assert result.code == 0  # the work tree alone shows no deletion ...
    (note,) = [n for n in result.json()["notes"] if "git cannot read" in n]  # ... and says why
    assert note.startswith("git cannot read the repository at . (detected dubious ownership in repository at ")
    assert "deleted blocks (NAT001) were not looked for" in note
    assert f"`git config --global --add safe.directory {repo.root}` lets git read it" in note
    strict = cli("check", ".", "--check", "NAT", "--diff-base", "HEAD")
    assert strict.code == 2 and len(strict.err.strip().splitlines()) == 1
    assert strict.err.startswith("natpolicy: error: --diff-base HEAD: git cannot read the repository at ")
    assert "dubious ownership" in strict.err and "safe.directory" in strict.err
    assert list(home.iterdir()) == []
    # Outside any repository there is nothing to say.
    plain = tmp_path.parent / f"{tmp_path.name}-plain"
    plain.mkdir()
    (plain / "main.tf").write_text(config(), encoding="utf-8")
    monkeypatch.chdir(plain)
    assert cli("check", ".", "--check", "NAT", "-f", "json").json()["notes"] == []


LONE_GATEWAY = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
"""


def test_a_deleted_file_finding_sits_on_a_block_of_the_commit(repo: Repo, cli: Callable[..., CliResult]) -> None:
    """No route names the gateway (partial evidence): the finding goes on its subnet, else its VPC."""
    repo.commit(**{"main.tf": LONE_GATEWAY, "nat.tf": NAT.format(name="main").replace(
        "  allocation_id = aws_eip.nat.id\n", "")})
    repo.git("rm", "-q", "nat.tf")  # the whole file leaves the commit
    (finding,) = nat_findings(cli)
    assert (finding["address"], finding["file"], finding["start_line"]) == ("aws_nat_gateway.main", "main.tf", 5)
    assert finding["message"].endswith(" Its block was nat.tf:2-4 at HEAD.")
    repo.write("main.tf", LONE_GATEWAY.split("\nresource \"aws_subnet\"")[0])  # the subnet goes too
    (finding,) = nat_findings(cli)
    assert (finding["file"], finding["start_line"]) == ("main.tf", 1)  # the VPC left without a gateway


def test_diff_base_compares_with_an_older_commit(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    repo.commit(**{"main.tf": config(nat=None, route_to=None)})
    assert nat_findings(cli) == []  # HEAD already lacks the gateway
    assert [f["address"] for f in nat_findings(cli, "--diff-base", "HEAD~1")] == ["aws_nat_gateway.main"]
    result = cli("check", ".", "--diff-base", "no-such-ref")
    assert result.code == 2
    assert result.err.startswith("natpolicy: error: --diff-base no-such-ref: no such commit in ")
    assert len(result.err.strip().splitlines()) == 1


def test_deleted_local_module_resources(repo: Repo, cli: Callable[..., CliResult]) -> None:
    module_call = 'module "egress" {\n  source    = "./modules/nat"\n  subnet_id = aws_subnet.public.id\n}\n'
    nat_module = ('variable "subnet_id" {}\n\nresource "aws_nat_gateway" "this" {\n'
                  '  subnet_id = var.subnet_id\n}\n\noutput "id" {\n  value = aws_nat_gateway.this.id\n}\n')
    table = TABLE.format(route=ROUTE.format(name="x").replace("aws_nat_gateway.x.id", "module.egress.id"))
    repo.commit(**{"main.tf": NETWORK + module_call + table, "modules/nat/main.tf": nat_module})
    assert nat_findings(cli) == []
    repo.write("main.tf", NETWORK + TABLE.format(route=""))
    assert [f["address"] for f in nat_findings(cli)] == ["module.egress.aws_nat_gateway.this"]


SKIPPING_SG = """
resource "aws_security_group" "other" {
  # natpolicy:skip=NAT001 about something else entirely
  vpc_id = aws_vpc.main.id
}
"""


def test_skip_comments_are_read_from_the_new_side_only(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    # After the deletion another block sits on the lines the gateway had at HEAD (19-22);
    # a skip inside it must not silence a finding about the deleted block.
    repo.write("main.tf", NETWORK + SKIPPING_SG + TABLE.format(route=""))
    assert repo.root.joinpath("main.tf").read_text().splitlines()[18].startswith('resource "aws_security_group"')
    (finding,) = nat_findings(cli)
    assert (finding["rule_id"], finding["start_line"]) == ("NAT001", 24)  # on the route table
    # A skip in the block the finding is shown on (the route table losing its route) is honoured.
    skipped_table = TABLE.format(route="  # natpolicy:skip=NAT001 egress moves to the transit gateway\n")
    repo.write("main.tf", NETWORK + skipped_table)
    result = cli("check", ".", "--check", "NAT", "-f", "json").json()
    assert [(f["rule_id"], f["suppression_reason"]) for f in result["findings"]] == \
        [("NAT001", "egress moves to the transit gateway")]


def test_a_file_that_does_not_parse_deletes_nothing(repo: Repo, cli: Callable[..., CliResult]) -> None:
    """Its blocks are missing from the new side only because it cannot be read: never a NAT001."""
    nat_file = NAT.format(name="main")
    repo.commit(**{"net.tf": NETWORK + TABLE.format(route=ROUTE.format(name="main")), "nat.tf": nat_file})
    assert nat_findings(cli) == []
    repo.write("nat.tf", nat_file.replace("subnet_id     =", "subnet_id"))  # a typo, the gateway still there
    result = cli("check", ".", "--check", "NAT", "-f", "json", "--skip-invalid")
    assert result.code == 0, result.out
    doc = result.json()
    assert doc["findings"] == []
    assert "nat.tf does not parse, so the blocks it had at HEAD are not counted as deleted (deletions there " \
           "cannot be judged until it parses)" in doc["notes"]
    assert any(n.startswith("nat.tf:4: syntax error") for n in doc["notes"])
    strict = cli("check", ".", "--check", "NAT", "-f", "json")
    assert strict.code == 2 and strict.json()["findings"] == []
    # A real deletion in a file that does parse is still seen.
    repo.write("net.tf", NETWORK + TABLE.format(route=""))
    repo.write("nat.tf", "# the gateway is gone\n")
    assert [f["rule_id"] for f in nat_findings(cli)] == ["NAT001"]


def test_a_broken_file_with_a_module_call_deletes_nothing_of_the_module(repo: Repo,
                                                                        cli: Callable[..., CliResult]) -> None:
    module_call = 'module "egress" {\n  source    = "./modules/nat"\n  subnet_id = aws_subnet.public.id\n}\n'
    nat_module = ('variable "subnet_id" {}\n\nresource "aws_nat_gateway" "this" {\n'
                  '  subnet_id = var.subnet_id\n}\n\noutput "id" {\n  value = aws_nat_gateway.this.id\n}\n')
    table = TABLE.format(route=ROUTE.format(name="x").replace("aws_nat_gateway.x.id", "module.egress.id"))
    repo.commit(**{"main.tf": NETWORK + table, "egress.tf": module_call, "modules/nat/main.tf": nat_module})
    repo.write("egress.tf", module_call.replace("}", "", 1))
    doc = cli("check", ".", "--check", "NAT", "-f", "json", "--skip-invalid").json()
    assert doc["findings"] == []
    assert any(n.startswith("egress.tf does not parse") for n in doc["notes"])


def test_a_repository_without_commits_and_a_folder_outside_git(repo: Repo, cli: Callable[..., CliResult],
                                                              tmp_path_factory: pytest.TempPathFactory,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("main.tf", config())
    assert nat_findings(cli) == []
    outside = tmp_path_factory.mktemp("plain")
    (outside / "main.tf").write_text(config(), encoding="utf-8")
    monkeypatch.chdir(outside)
    assert nat_findings(cli) == []
    result = cli("check", ".", "--diff-base", "HEAD")
    assert result.code == 2 and "--diff-base needs a git repository" in result.err


def test_git_in_the_scanned_repository_runs_nothing_of_the_repository(repo: Repo, cli: Callable[..., CliResult],
                                                                    tmp_path: Path) -> None:
    """A hostile repository config (fsmonitor, hooks) must not execute."""
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    repo.commit(**{"main.tf": config()})
    repo.git("config", "core.fsmonitor", str(script))
    hook = repo.root / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    hook.chmod(0o755)
    repo.write("main.tf", config(nat=None, route_to=None))
    assert [f["rule_id"] for f in nat_findings(cli, "--staged")] == []  # nothing staged yet
    assert [f["rule_id"] for f in nat_findings(cli)] == ["NAT001"]
    assert not marker.exists()


# -- units ------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "module", "source", "target", "expected"), [
    ("aws_nat_gateway.a", "", "aws_nat_gateway.a", "aws_nat_gateway.b", "aws_nat_gateway.b"),
    ("aws_nat_gateway.a[1]", "", "aws_nat_gateway.a", "aws_nat_gateway.b", "aws_nat_gateway.b[1]"),
    ("aws_nat_gateway.a[1]", "", "aws_nat_gateway.a[1]", "aws_nat_gateway.b", "aws_nat_gateway.b"),
    ("aws_nat_gateway.ab", "", "aws_nat_gateway.a", "aws_nat_gateway.b", None),
    ('module.old["x"].aws_nat_gateway.a', "", "module.old", "module.new", 'module.new["x"].aws_nat_gateway.a'),
    ('module.net["x"].aws_nat_gateway.a', "module.net.", "aws_nat_gateway.a", "aws_nat_gateway.b",
     'module.net["x"].aws_nat_gateway.b'),
    ("aws_nat_gateway.a", "module.net.", "aws_nat_gateway.a", "aws_nat_gateway.b", None),
])
def test_moved_rewrites(address: str, module: str, source: str, target: str, expected: str | None) -> None:
    assert _rewrite(address, module, source, target) == expected


def res(address: str, after: dict[str, Any], **kw: Any) -> Resource:
    type_, name = address.split("[")[0].split(".")[-2:]
    return Resource(address=address, type=type_, name=name, actions=("create",), after=after, origin=".", **kw)


def test_merge_sides_shapes_a_plan() -> None:
    before = [res("aws_vpc.a", {"cidr_block": "10.0.0.0/16"}), res("aws_vpc.b", {"cidr_block": "10.1.0.0/16"}),
              res("aws_vpc.old", {"cidr_block": "10.2.0.0/16"}), res("aws_vpc.c[0]", {}, index=0)]
    after = [res("aws_vpc.a", {"cidr_block": "10.0.0.0/16"}), res("aws_vpc.b", {"cidr_block": "10.9.0.0/16"}),
             res("aws_vpc.new", {"cidr_block": "10.2.0.0/16"}), res("aws_vpc.c", {}),
             res("aws_vpc.d", {})]
    merged, _ = merge_sides(before, after, moves=[Move("", "aws_vpc.old", "aws_vpc.new")])
    # Nothing deleted (aws_vpc.c[0] -> aws_vpc.c is an implied move): the new side as it is.
    assert merged == after
    assert all(r.actions == ("create",) and r.before is None for r in merged)
    merged, _ = merge_sides(before, after[:-1])
    shape = {r.address: (r.actions, r.previous_address) for r in merged}
    assert shape == {"aws_vpc.old": (("delete",), None), "aws_vpc.a": (("no-op",), None),
                     "aws_vpc.b": (("update",), None), "aws_vpc.new": (("create",), None),
                     "aws_vpc.c": (("no-op",), "aws_vpc.c[0]")}
    old = next(r for r in merged if r.address == "aws_vpc.old")
    assert (old.before["cidr_block"], old.after, old.before["id"]) == ("10.2.0.0/16", None, "aws_vpc.old")
    assert old.location_at_base is True


INDEXED = """
resource "aws_nat_gateway" "main" {{
  count     = {count}
  subnet_id = aws_subnet.public.id
}}

resource "aws_route_table" "a" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main[0].id
  }}
}}

resource "aws_route_table" "b" {{
  vpc_id = aws_vpc.main.id
{route_b}}}

resource "aws_route_table_association" "a" {{
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.a.id
}}

resource "aws_route_table_association" "b" {{
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.b.id
}}
"""


def indexed(count: int, b_target: str | None) -> str:
    route = ROUTE.format(name="main").replace("aws_nat_gateway.main.id", f"aws_nat_gateway.main{b_target}.id")
    return NETWORK + INDEXED.format(count=count, route_b=route if b_target is not None else "")


def test_literal_instance_keys_pick_the_gateway(repo: Repo, cli: Callable[..., CliResult]) -> None:
    """References drop instance keys; `aws_nat_gateway.main[1].id` written in the block restores them."""
    repo.commit(**{"main.tf": indexed(2, "[1]")})
    assert nat_findings(cli) == []
    repo.write("main.tf", indexed(1, None))  # table b keeps its subnet and loses gateway [1]
    (finding,) = nat_findings(cli)
    assert finding["address"] == "aws_nat_gateway.main[1]"
    assert "aws_route_table.b" in finding["message"] and "aws_route_table.a" not in finding["message"]
    repo.write("main.tf", indexed(1, "[0]"))  # table b repointed at gateway [0]: fine
    assert nat_findings(cli) == []


def test_diff_base_is_refused_for_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        cli: Callable[..., CliResult]) -> None:
    from planbuilder import PlanBuilder

    monkeypatch.chdir(tmp_path)
    PlanBuilder().create("aws_vpc.x", {"cidr_block": "10.0.0.0/16"}).write(tmp_path / "plan.json")
    result = cli("check", "plan.json", "--diff-base", "HEAD")
    assert result.code == 2
    assert "--diff-base compares Terraform directories" in result.err


PER_ZONE = """
locals {{
  zones = {zones}
}}

resource "aws_nat_gateway" "az" {{
  for_each  = toset(local.zones)
  subnet_id = aws_subnet.public.id
}}

resource "aws_route_table" "az" {{
  for_each = toset(["a", "b"])
  vpc_id   = aws_vpc.main.id
}}

resource "aws_route" "az" {{
  for_each               = toset(local.zones)
  route_table_id         = aws_route_table.az[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.az[each.key].id
}}

resource "aws_route_table_association" "az" {{
  for_each       = toset(["a", "b"])
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.az[each.key].id
}}
"""


def test_for_each_reduced_while_route_tables_remain(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": NETWORK + PER_ZONE.format(zones='["a", "b"]')})
    assert nat_findings(cli) == []
    repo.write("main.tf", NETWORK + PER_ZONE.format(zones='["a"]'))
    (finding,) = nat_findings(cli)
    assert finding["address"] == 'aws_nat_gateway.az["b"]'
    assert 'aws_route_table.az["b"]' in finding["message"]


def test_route_left_pointing_at_a_deleted_gateway(repo: Repo, cli: Callable[..., CliResult]) -> None:
    """Deleting the gateway but not its route (Terraform would refuse to plan) still fails the commit."""
    repo.commit(**{"main.tf": config()})
    repo.write("main.tf", config(nat=None, route_to="main"))
    (finding,) = nat_findings(cli)
    assert (finding["rule_id"], finding["address"]) == ("NAT001", "aws_nat_gateway.main")


# -- the NAT fixture: a commit as a before/after pair --------------------------------------

NAT_PAIR = Path(__file__).resolve().parents[1] / "fixtures" / "hcl" / "nat_deletion"


@pytest.mark.parametrize("how", ["hook", "check --staged"])
def test_nat_fixture_pair_gives_exactly_its_findings(repo: Repo, cli: Callable[..., CliResult],
                                                     monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    expected = json.loads((NAT_PAIR / "git-expected.json").read_text(encoding="utf-8"))
    shutil.copytree(NAT_PAIR / "before", repo.root, dirs_exist_ok=True)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "before")
    for entry in repo.root.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(NAT_PAIR / "after", repo.root, dirs_exist_ok=True)
    repo.git("add", "-A")
    if how == "hook":
        monkeypatch.setenv("PRE_COMMIT", "1")
        result = cli("hook", "main.tf", "legacy_routes.tf", "-f", "json")
    else:
        result = cli("check", ".", "--staged", "-f", "json")
    doc = result.json()
    found = sorted([f["rule_id"], f["address"], f["file"], f["start_line"], f["end_line"]] for f in doc["findings"])
    assert found == expected["findings"]
    assert result.code == expected["exit_code"]
    assert (doc["errors"], doc["notes"]) == (expected["errors"], expected["notes"])
    for f in doc["findings"]:
        path, start, end = expected["deleted_blocks"][f["address"]]
        assert f["details"]["deleted_block"] == {"path": path, "start_line": start, "end_line": end,
                                                 "revision": "HEAD"}
        # Each finding sits on a block of the commit; the deleted block is in HEAD only.
        shown = (repo.root / f["file"]).read_text(encoding="utf-8").splitlines()[f["start_line"] - 1]
        # (A module's resource sits on the root's call of the module: the route table is its related location.)
        assert shown.startswith(('resource "aws_route_table"', 'module "network"')), shown
        old = repo.git("show", f"HEAD:{path}").splitlines()[start - 1]
        assert old.startswith('resource "aws_nat_gateway"'), old


def test_roots_sharing_addresses_are_compared_each_with_its_own_base(repo: Repo,
                                                                      cli: Callable[..., CliResult]) -> None:
    """envs/dev and envs/prod declare the same addresses; a change in one is not a deletion in the other."""
    moved = '\nmoved {\n  from = aws_nat_gateway.main\n  to   = aws_nat_gateway.egress\n}\n'
    repo.commit(**{"envs/dev/main.tf": config(), "envs/prod/main.tf": config()})
    repo.write("envs/dev/main.tf", config() + "# reviewed\n")
    assert nat_findings(cli) == []
    # prod renames its gateway without a `moved` block; dev renames it with one.
    repo.write("envs/prod/main.tf", config(nat="egress", route_to="egress"))
    repo.write("envs/dev/main.tf", config(nat="egress", route_to="egress", extra=moved))
    result = cli("check", "envs", "--check", "NAT", "-f", "json").json()
    assert [(f["rule_id"], f["origin"]) for f in result["findings"]] == []  # the route follows: no loss
    repo.write("envs/prod/main.tf", config(nat=None, route_to=None))
    result = cli("check", "envs", "--check", "NAT", "-f", "json").json()
    assert [(f["rule_id"], f["address"], f["origin"], f["file"]) for f in result["findings"]] == \
        [("NAT001", "aws_nat_gateway.main", "envs/prod", "envs/prod/main.tf")]
