"""Findings on the pull request's lines: module resources on their module call, deleted resources on a kept block.

Plan mode (``--source-root``) and HCL mode; SARIF is validated against the
real 2.1.0 schema. Every folder is under tmp_path, and the CLI runs in-process.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder, assert_valid_sarif
from examples import VpcLayout

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

REGISTRY_CALL = """\
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"

  enable_nat_gateway = false
}
"""
INSTALLED_VPC = """\
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_nat_gateway" "this" {
  count     = var.enable_nat_gateway ? 2 : 0
  subnet_id = "x"
}
"""
OPEN_SG = """\
resource "aws_security_group" "this" {
  name = "open"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def sarif_of(cli: Callable[..., CliResult], validator: Any, *args: str) -> list[dict[str, Any]]:
    result = cli("check", *args, "-f", "sarif")
    assert result.code in (0, 1), result.err
    log = json.loads(result.out)
    assert_valid_sarif(validator, log)
    return list(log["runs"][0]["results"])


def place(result: dict[str, Any]) -> tuple[str, int, int | None]:
    loc = result["locations"][0]["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"].get("endLine")


def related(result: dict[str, Any]) -> list[tuple[str | None, int | None, str]]:
    out = []
    for item in result.get("relatedLocations", []):
        phys = item.get("physicalLocation")
        out.append((phys["artifactLocation"]["uri"] if phys else None,
                    phys["region"]["startLine"] if phys else None,
                    item["logicalLocations"][0]["fullyQualifiedName"]))
    return out


def registry_vpc_plan(plan: PlanBuilder) -> PlanBuilder:
    """`enable_nat_gateway = true -> false` on the registry VPC module: both gateways and their routes go."""
    vpc = VpcLayout(plan).steady(2, skip=("eip", "nat", "route"), vpc=True)
    for i in range(2):
        plan.delete(vpc.address("eip", i), vpc.eip(i), action_reason="delete_because_count_index")
        plan.delete(vpc.address("nat", i), vpc.nat(i), action_reason="delete_because_count_index")
        plan.delete(vpc.address("route", i), vpc.route(i), action_reason="delete_because_count_index")
    return plan.module_call("module.vpc", "terraform-aws-modules/vpc/aws")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- plan mode ------------------------------------------------------------------------------------------


def test_nat001_in_a_registry_module_lands_on_the_module_call(here: Path, plan: PlanBuilder, sarif_validator: Any,
                                                              cli: Callable[..., CliResult]) -> None:
    registry_vpc_plan(plan).write(here / "plan.json")
    write(here, {"infra/main.tf": REGISTRY_CALL})
    results = [r for r in sarif_of(cli, sarif_validator, "plan.json", "--source-root", "infra", "--check", "NAT001")]
    assert [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results] == [
        "module.vpc.aws_nat_gateway.this[0]", "module.vpc.aws_nat_gateway.this[1]"]
    for r in results:
        assert place(r) == ("infra/main.tf", 1, 6)
        # The module's code is not at hand: the resource is named by its address only.
        [(path, line, address)] = related(r)
        assert path is None and line is None
        assert address == r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]


def test_without_the_configuration_nat001_stays_on_the_plan(here: Path, plan: PlanBuilder, sarif_validator: Any,
                                                            cli: Callable[..., CliResult]) -> None:
    registry_vpc_plan(plan).write(here / "plan.json")
    results = sarif_of(cli, sarif_validator, "plan.json", "--check", "NAT001")
    assert {place(r)[0] for r in results} == {"plan.json"}
    assert not any("relatedLocations" in r for r in results)


def test_an_installed_module_gives_the_resource_block_as_related(here: Path, plan: PlanBuilder, sarif_validator: Any,
                                                                 cli: Callable[..., CliResult]) -> None:
    registry_vpc_plan(plan).write(here / "plan.json")
    manifest = {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                            {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
                             "Version": "5.8.1", "Dir": ".terraform/modules/vpc"}]}
    write(here, {"infra/main.tf": REGISTRY_CALL, "infra/.terraform/modules/vpc/main.tf": INSTALLED_VPC,
                 "infra/.terraform/modules/modules.json": json.dumps(manifest)})
    results = sarif_of(cli, sarif_validator, "plan.json", "--source-root", "infra", "--check", "NAT001")
    assert len(results) == 2
    for r in results:
        assert place(r) == ("infra/main.tf", 1, 6)
        [(path, line, _)] = related(r)
        assert (path, line) == ("infra/.terraform/modules/vpc/main.tf", 5)


def test_a_local_module_resource_sits_on_the_call_with_its_block_related(here: Path, plan: PlanBuilder,
                                                                         sarif_validator: Any,
                                                                         cli: Callable[..., CliResult]) -> None:
    open_ssh = {"name": "open", "egress": [], "ingress": [
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
    plan.module_call("module.sg", "./modules/sg").create("module.sg.aws_security_group.this", open_ssh)
    plan.write(here / "plan.json")
    write(here, {"main.tf": 'locals {\n  a = 1\n}\n\nmodule "sg" {\n  source = "./modules/sg"\n}\n',
                 "modules/sg/main.tf": OPEN_SG})
    [result] = sarif_of(cli, sarif_validator, "plan.json", "--source-root", ".", "--check", "SG002")
    assert place(result) == ("main.tf", 5, 7)
    assert related(result) == [("modules/sg/main.tf", 1, "module.sg.aws_security_group.this")]
    # The fingerprint is the address's, wherever the finding is shown.
    plain = cli("check", "plan.json", "--check", "SG002", "-f", "sarif").json()["runs"][0]["results"][0]
    assert result["partialFingerprints"] == plain["partialFingerprints"]


def test_a_deleted_root_gateway_lands_on_the_route_table_that_keeps_the_subnets(
        here: Path, plan: PlanBuilder, sarif_validator: Any, cli: Callable[..., CliResult]) -> None:
    vpc = VpcLayout(plan, prefix="").steady(1, skip=("eip", "nat", "route"), vpc=True)
    plan.delete(vpc.address("eip", 0), vpc.eip(0))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    plan.write(here / "plan.json")
    blocks = "".join(f'resource "{kind}" "{name}" {{\n  count = 1\n}}\n\n' for kind, name in (
        ("aws_vpc", "this"), ("aws_subnet", "public"), ("aws_subnet", "private"),
        ("aws_route_table", "private"), ("aws_route_table_association", "private")))
    write(here, {"main.tf": blocks})
    [result] = sarif_of(cli, sarif_validator, "plan.json", "--source-root", ".", "--check", "NAT001")
    table_line = blocks.splitlines().index('resource "aws_route_table" "private" {') + 1
    assert place(result) == ("main.tf", table_line, table_line + 2)
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws_nat_gateway.this[0]"


# -- HCL mode -------------------------------------------------------------------------------------------


def test_two_examples_calling_one_module_give_two_alerts_on_their_own_calls(
        here: Path, sarif_validator: Any, cli: Callable[..., CliResult]) -> None:
    call = 'module "sg" {\n  source = "../../modules/sg"\n}\n'
    write(here, {"modules/sg/main.tf": OPEN_SG, "examples/a/main.tf": call, "examples/b/main.tf": "\n\n" + call})
    results = sarif_of(cli, sarif_validator, "examples/a", "examples/b", "--check", "SG002")
    assert sorted(place(r) for r in results) == [("examples/a/main.tf", 1, 3), ("examples/b/main.tf", 3, 5)]
    for r in results:
        assert related(r) == [("modules/sg/main.tf", 1, "module.sg.aws_security_group.this")]
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(fingerprints)) == 2
    # Stable: the same on a second run.
    again = sarif_of(cli, sarif_validator, "examples/a", "examples/b", "--check", "SG002")
    assert [r["partialFingerprints"] for r in again] == [r["partialFingerprints"] for r in results]


def test_a_root_resource_has_no_related_location(here: Path, sarif_validator: Any,
                                                 cli: Callable[..., CliResult]) -> None:
    write(here, {"main.tf": OPEN_SG})
    [result] = sarif_of(cli, sarif_validator, ".", "--check", "SG002")
    assert place(result) == ("main.tf", 1, 9) and "relatedLocations" not in result


def test_a_skip_comment_in_the_module_still_applies(here: Path, cli: Callable[..., CliResult]) -> None:
    skipped = OPEN_SG.replace('resource "aws_security_group"',
                              '# natpolicy:skip=SG002 bastion, reviewed\nresource "aws_security_group"')
    write(here, {"modules/sg/main.tf": skipped, "root/main.tf": 'module "sg" {\n  source = "../modules/sg"\n}\n'})
    result = cli("check", "root", "--check", "SG002", "-f", "json")
    [finding] = result.json()["findings"]
    assert finding["suppressed"] and finding["file"] == "root/main.tf"
