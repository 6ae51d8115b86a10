"""Deletions seen from git: the configuration being committed against HEAD (or --diff-base)."""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult

from natpolicy.gitdiff import Move, _rewrite, merge_sides
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
    # It points at the block as it was at HEAD: main.tf lines 19-22.
    assert (finding["file"], finding["start_line"], finding["end_line"]) == ("main.tf", 19, 22)


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


def test_skip_comments_are_read_from_the_new_side_only(repo: Repo, cli: Callable[..., CliResult]) -> None:
    repo.commit(**{"main.tf": config()})
    # After the deletion the route table sits on the lines the gateway had at HEAD;
    # a skip inside it must not silence a finding about the deleted block.
    skipped_table = TABLE.format(route="  # natpolicy:skip=NAT001 not about the gateway\n")
    repo.write("main.tf", NETWORK + skipped_table)
    assert [f["rule_id"] for f in nat_findings(cli)] == ["NAT001"]


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
    assert old.extra["location_at_base"] is True


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
