"""Plan resources mapped to their .tf blocks (checker/loaders/sourcemap.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.loaders.sourcemap import map_to_source, module_call_sources
from natpolicy.model import SourceLocation

MAIN = '''\
module "net" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "5.1.0"
}

module "local" {
  source = "./mods/local"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
'''
LOCAL = '''\
module "inner_remote" {
  source = "git::https://example.com/sg.git"
}

resource "aws_vpc" "main" {
  cidr_block = "10.1.0.0/16"
}
'''


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "mods" / "local").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(MAIN, encoding="utf-8")
    (tmp_path / "mods" / "local" / "main.tf").write_text(LOCAL, encoding="utf-8")
    return tmp_path


def _plan() -> PlanBuilder:
    return (PlanBuilder()
            .module_call("module.net", "terraform-aws-modules/security-group/aws")
            .module_call("module.local", "./mods/local")
            .module_call("module.local.module.inner_remote", "git::https://example.com/sg.git")
            .create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
            .create("module.local.aws_vpc.main", {"cidr_block": "10.1.0.0/16"}, unknown=["id"])
            .create("module.net.aws_security_group.this[0]", {"name": "x"}, unknown=["id"])
            .create("module.local.module.inner_remote.aws_security_group.this", {"name": "y"}, unknown=["id"])
            .delete("aws_nat_gateway.gone", {"id": "nat-1"}))


def _locations(root: Path, **kw) -> dict[str, SourceLocation | None]:
    resources = plan_resources(_plan().build(), origin="plan.json")
    map_to_source(resources, root, display=lambda p: p.relative_to(root).as_posix(), **kw)
    return {r.address: r.location for r in resources}


def test_module_call_sources_follow_nesting() -> None:
    sources = module_call_sources(_plan().build()["configuration"])
    assert sources[("local",)] == "./mods/local"
    assert sources[("local", "inner_remote")] == "git::https://example.com/sg.git"


def test_blocks_and_remote_modules(root: Path) -> None:
    loc = _locations(root)
    assert loc["aws_vpc.main"] == SourceLocation("main.tf", 10, 12)
    # Same type and name in another module does not collide.
    assert loc["module.local.aws_vpc.main"] == SourceLocation("mods/local/main.tf", 5, 7)
    # Remote modules: the module block that calls them.
    assert loc["module.net.aws_security_group.this[0]"] == SourceLocation("main.tf", 1, 4)
    assert loc["module.local.module.inner_remote.aws_security_group.this"] == SourceLocation("mods/local/main.tf", 1, 3)
    # Not in the configuration (being deleted): keeps its place in the plan
    # (none here: the plan was given as a document, not as file text).
    assert loc["aws_nat_gateway.gone"] is None


def test_sources_from_the_tf_when_the_plan_has_none(root: Path) -> None:
    resources = plan_resources(_plan().build(), origin="plan.json")
    for res in resources:
        res.module_sources = ()
    map_to_source(resources, root, display=lambda p: p.relative_to(root).as_posix())
    by = {r.address: r.location for r in resources}
    assert by["module.local.aws_vpc.main"] == SourceLocation("mods/local/main.tf", 5, 7)
    assert by["module.net.aws_security_group.this[0]"] == SourceLocation("main.tf", 1, 4)


def test_unrelated_configuration_is_not_used_implicitly(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "main" {\n}\n', encoding="utf-8")
    loc = _locations(tmp_path, require_majority=True)
    assert all(location is None for location in loc.values())
    loc = _locations(tmp_path)  # --source-root is explicit: map what matches
    assert loc["aws_vpc.main"] == SourceLocation("main.tf", 1, 2)


def test_source_root_must_be_a_directory(cli, write_plan) -> None:
    path = write_plan(_plan())
    result = cli("check", str(path), "--source-root", str(path.parent / "nope"))
    assert result.code == 2
    assert "--source-root is not a directory" in result.err


def test_instance_keys_in_module_addresses(root: Path) -> None:
    plan = (PlanBuilder()
            .module_call("module.local", "./mods/local")
            .create('module.local["x"].aws_vpc.main', {"cidr_block": "10.1.0.0/16"}, unknown=["id"])
            .create("module.local[2].aws_vpc.main", {"cidr_block": "10.1.0.0/16"}, unknown=["id"]))
    resources = plan_resources(plan.build(), origin="plan.json")
    assert map_to_source(resources, root, display=lambda p: p.relative_to(root).as_posix()) == 2
    assert {r.location for r in resources} == {SourceLocation("mods/local/main.tf", 5, 7)}


def test_a_plan_outside_the_repository_keeps_its_path_with_a_note(cli, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    plan = PlanBuilder().create("aws_ebs_encryption_by_default.this", {"enabled": False})
    plan.write(tmp_path / "out" / "plan.json")
    plan.write(repo / "plan.json")
    monkeypatch.chdir(repo)
    doc = cli("check", "../out/plan.json", "-f", "json").json()
    assert [f["file"] for f in doc["findings"]] == ["../out/plan.json"]
    assert doc["notes"] == [f"../out/plan.json is outside the git repository {repo.as_posix()}: findings located "
                            "in it keep this path, which code scanning cannot show in the repository"]
    inside = cli("check", "plan.json", "-f", "json").json()
    assert [f["file"] for f in inside["findings"]] == ["plan.json"] and inside["notes"] == []


# -- bounded and lazy: a plan next to a huge .tf (robustness issue) ---------------------------------

def test_only_files_declaring_plan_resources_are_parsed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import natpolicy.loaders.hcl.files as files

    (root / "other.tf").write_text('resource "aws_s3_bucket" "b" {\n}\n' * 50, encoding="utf-8")
    (root / "broken.tf").write_text('resource "aws_iam_role" "r" {\n', encoding="utf-8")  # never parsed either
    parsed: list[str] = []
    real = files.parse_text

    def spy(text: str, display: str, cache: object = None) -> object:
        parsed.append(display)
        return real(text, display, cache)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "parse_text", spy)
    assert _locations(root)["aws_vpc.main"] == SourceLocation("main.tf", 10, 12)
    assert sorted(set(parsed)) == ["main.tf", "mods/local/main.tf"]


def test_a_file_over_the_size_limit_is_skipped_with_a_note(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                           cli, write_plan) -> None:
    # A generated file far over a small limit, declaring what the plan holds: it is not read at all.
    big = "".join(f'resource "aws_vpc" "v{i}" {{\n  cidr_block = "10.{i % 250}.0.0/16"\n}}\n' for i in range(300))
    big += 'resource "aws_security_group" "open" {\n}\n'
    (root / "generated.tf").write_text(big, encoding="utf-8")
    plan = (PlanBuilder()
            .create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
            .create("aws_security_group.open", {"name": "open", "ingress": [{
                "from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
                "ipv6_cidr_blocks": [], "security_groups": [], "self": False, "prefix_list_ids": [],
                "description": ""}]}, unknown=["id"]))
    path = write_plan(plan, "plan.json")
    monkeypatch.setenv("NATPOLICY_SOURCE_MAX_BYTES", "10000")
    monkeypatch.chdir(root)
    doc = cli("check", str(path), "--source-root", ".", "-f", "json").json()
    assert doc["notes"] == [f"generated.tf: not read for source mapping: {len(big.encode()):,} bytes, over "
                            "the limit of 10,000 (set NATPOLICY_SOURCE_MAX_BYTES to raise it); findings declared "
                            "there stay on the plan's lines"]
    (finding,) = [f for f in doc["findings"] if f["address"] == "aws_security_group.open"]
    assert finding["file"].endswith("plan.json")
    monkeypatch.setenv("NATPOLICY_SOURCE_MAX_BYTES", "10_000_000")
    raised = cli("check", str(path), "--source-root", ".", "-f", "json").json()
    assert raised["notes"] == [] and [f["file"] for f in raised["findings"]
                                      if f["address"] == "aws_security_group.open"] == ["generated.tf"]
