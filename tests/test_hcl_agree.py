"""Plan and HCL agree: fixtures/hcl/agree as configuration and as a plan.

The plan is what ``terraform plan`` would produce for that configuration
(built with PlanBuilder). Both inputs must give the same (rule, address)
findings, the same resolved references, and -- with ``--source-root`` or
when run from inside the root -- the same files and lines. Real plans, made
by Terraform itself for several fixtures (fixtures/hcl/terraform_plans),
must agree the same way.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, PlanBuilder

AGREE = FIXTURES / "hcl" / "agree"


def _ingress(port: int) -> dict[str, Any]:
    return {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
            "description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}


def agree_plan() -> PlanBuilder:
    vpc_ref = ["aws_vpc.main.id", "aws_vpc.main"]
    return (PlanBuilder()
            .module_call("module.disk_a", "./modules/disk", inputs={"encrypted": {"constant_value": True}})
            .module_call("module.disk_b", "./modules/disk", inputs={"encrypted": {"constant_value": False}})
            .module_call("module.app", "./modules/app", inputs={"vpc_id": {"references": vpc_ref}})
            .module_call("module.app.module.sg", "../sg",
                         inputs={"vpc_id": {"references": ["var.vpc_id"]}, "port": {"constant_value": 443}})
            .create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id", "arn"])
            .create("aws_security_group.this", {"name": "bastion", "ingress": [_ingress(22)]},
                    unknown=["id", "vpc_id"], refs={"vpc_id": vpc_ref})
            .create("module.disk_a.aws_ebs_volume.this",
                    {"availability_zone": "eu-west-1a", "size": 10, "encrypted": True}, unknown=["id"])
            .create("module.disk_b.aws_ebs_volume.this",
                    {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False}, unknown=["id"])
            .create("module.app.module.sg.aws_security_group.this", {"name": "app", "ingress": [_ingress(443)]},
                    unknown=["id", "vpc_id"], refs={"vpc_id": ["var.vpc_id"]}))


def _findings(doc: dict[str, Any], lines: bool = True) -> list[list[Any]]:
    return sorted([f["rule_id"], f["address"], *([f["file"], f["start_line"], f["end_line"]] if lines else [])]
                  for f in doc["findings"])


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return agree_plan().write(tmp_path / "plan.json")


@pytest.fixture
def agree_copy(tmp_path: Path) -> Path:
    """The configuration outside the repository, so HCL mode does not also diff it against git HEAD."""
    copy = tmp_path / "agree"
    shutil.copytree(AGREE, copy)
    return copy


def test_same_findings_same_lines_with_source_root(cli, monkeypatch: pytest.MonkeyPatch, plan_file: Path,
                                                   agree_copy: Path) -> None:
    monkeypatch.chdir(agree_copy)
    hcl = cli("check", ".", "-f", "json")
    planned = cli("check", str(plan_file), "--source-root", ".", "-f", "json")
    assert hcl.code == planned.code == 1
    expected = json.loads((AGREE / "expected.json").read_text(encoding="utf-8"))["findings"]
    assert _findings(hcl.json()) == expected
    assert _findings(planned.json()) == expected
    # Logical identity is the address in both, so fingerprints agree too.
    assert sorted(f["fingerprint"] for f in hcl.json()["findings"]) == \
        sorted(f["fingerprint"] for f in planned.json()["findings"])


@pytest.mark.parametrize("in_git", [True, False])
def test_source_root_from_elsewhere_gives_repository_relative_paths(cli, monkeypatch: pytest.MonkeyPatch,
                                                                    plan_file: Path, tmp_path: Path,
                                                                    in_git: bool) -> None:
    """SARIF URIs are relative to the repository's top (%SRCROOT%), wherever natpolicy runs from in it."""
    top = tmp_path / "repo"
    shutil.copytree(AGREE, top / "infra" / "agree")
    (top / "infra" / "docs").mkdir()
    if in_git:
        (top / ".git").mkdir()
    monkeypatch.chdir(top / "infra" / "docs")
    planned = cli("check", str(plan_file), "--source-root", "../agree", "-f", "json")
    findings = planned.json()["findings"]
    files = {f["address"]: (f["file"], f["start_line"]) for f in findings}
    blocks = {f["address"]: (f["related"][0]["file"], f["related"][0]["start_line"]) for f in findings
              if "related" in f}
    # Outside git, relative to the current directory.
    prefix = "infra/agree" if in_git else "../agree"
    assert files["aws_security_group.this"] == (f"{prefix}/main.tf", 10)
    # Module resources sit on the root's module calls; same type and name in two modules: each keeps its
    # own block as the related location.
    assert files["module.app.module.sg.aws_security_group.this"] == (f"{prefix}/main.tf", 34)
    assert blocks["module.app.module.sg.aws_security_group.this"] == (f"{prefix}/modules/sg/main.tf", 9)
    assert files["module.disk_b.aws_ebs_volume.this"] == (f"{prefix}/main.tf", 28)
    assert blocks["module.disk_b.aws_ebs_volume.this"] == (f"{prefix}/modules/disk/main.tf", 5)


def test_inside_the_root_maps_without_flag(cli, monkeypatch: pytest.MonkeyPatch, plan_file: Path,
                                          agree_copy: Path) -> None:
    monkeypatch.chdir(agree_copy)
    planned = cli("check", str(plan_file), "-f", "json")
    expected = json.loads((AGREE / "expected.json").read_text(encoding="utf-8"))["findings"]
    assert _findings(planned.json()) == expected


def test_outside_the_root_keeps_plan_locations(cli, monkeypatch: pytest.MonkeyPatch, plan_file: Path) -> None:
    monkeypatch.chdir(plan_file.parent)
    planned = cli("check", "plan.json", "-f", "json")
    assert {f["file"] for f in planned.json()["findings"]} == {"plan.json"}
    assert _findings(planned.json(), lines=False) == [
        [rule, address] for rule, address, *_ in json.loads((AGREE / "expected.json").read_text())["findings"]]


def test_same_resources_and_references() -> None:
    from natpolicy.loaders.hcl.loader import load_hcl
    from natpolicy.loaders.plan_json import plan_resources

    hcl = {r.address: r for r in load_hcl([AGREE], display_root=AGREE).resources}
    planned = {r.address: r for r in plan_resources(agree_plan().build(), origin="plan.json")}
    assert set(hcl) == set(planned)
    for address, res in hcl.items():
        assert res.references == planned[address].references, address
        assert (res.module, res.type, res.name, res.index) == \
            (planned[address].module, planned[address].type, planned[address].name, planned[address].index)


REAL_PLANS = FIXTURES / "hcl" / "terraform_plans"
REAL_VARIABLES: dict[str, list[str]] = json.loads((REAL_PLANS / "variables.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fixture", sorted(REAL_VARIABLES))
def test_hcl_agrees_with_the_real_terraform_plan(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 fixture: str) -> None:
    """`terraform plan` (1.11, AWS provider 5.100) of the fixture, committed: same findings, same lines.

    Regenerate with fixtures/hcl/terraform_plans/generate.py; terraform never runs here.
    """
    copy = tmp_path / fixture
    shutil.copytree(FIXTURES / "hcl" / fixture, copy)
    monkeypatch.chdir(copy)
    variables = [arg for value in REAL_VARIABLES[fixture] for arg in ("--var", value)]
    hcl = cli("check", ".", "-f", "json", *variables)
    planned = cli("check", str(REAL_PLANS / f"{fixture}.json"), "--source-root", ".", "-f", "json")
    assert hcl.code == planned.code, (hcl.err, planned.err)
    assert _findings(hcl.json()) == _findings(planned.json())
    assert sorted(f["fingerprint"] for f in hcl.json()["findings"]) == \
        sorted(f["fingerprint"] for f in planned.json()["findings"])
    # The plan really is Terraform's, and HCL mode saw what it planned.
    doc = json.loads((REAL_PLANS / f"{fixture}.json").read_text(encoding="utf-8"))
    assert doc["terraform_version"].startswith("1.")
    from natpolicy.loaders.hcl.loader import load_hcl, parse_var_flags

    loaded = load_hcl([copy], display_root=copy, variables=parse_var_flags(REAL_VARIABLES[fixture]))
    assert {r.address for r in loaded.resources if r.mode == "managed"} == \
        {c["address"] for c in doc["resource_changes"] if c["mode"] == "managed"}
