"""``natpolicy check --live``: live AWS evidence about deleted NAT gateways, against moto (issue 19).

moto's ``mock_aws`` runs in-process for these; ``test_live_server.py`` drives the
CLI against moto's server on 127.0.0.1. Each scenario builds real resources in
moto (VPCs, subnets, gateways, route tables, interfaces, metric data) and a
real plan (``fixtures/planbuilder.py``) that deletes one of those gateways.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from planbuilder import PlanBuilder

pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

import boto3  # noqa: E402

from natpolicy.live.calls import READ_CALLS, iam_actions  # noqa: E402

REGION = "eu-west-1"
HOME = "123456789012"  # moto's default account
OTHER = "222222222222"
ROLE = f"arn:aws:iam::{OTHER}:role/natpolicy-live-read"
Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """One moto backend for the module, with fake credentials and no way to reach a real endpoint."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-never-printed")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # seconds of JSON nobody here needs
        with moto.mock_aws():
            yield


def _ec2(session: boto3.session.Session | None = None) -> Any:
    return (session or boto3.session.Session()).client("ec2", region_name=REGION)


def _other_account() -> boto3.session.Session:
    creds = boto3.client("sts", region_name=REGION).assume_role(RoleArn=ROLE, RoleSessionName="setup")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name=REGION)


def _network(ec2: Any, *, seed: int | None = None) -> dict[str, str]:
    """A VPC with a public and a private subnet, two NAT gateways and a route table on the first."""
    if seed is not None:
        from moto.moto_api._internal import mock_random

        ec2.describe_vpcs()  # the account's default VPC first: it draws ids too
        mock_random.seed(seed)  # the same ids in another account: a subnet shared through AWS RAM keeps its id
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    ids = {"vpc": vpc, "public": public, "private": private, "other": other}
    for name in ("old", "keep"):
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ids[name] = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    managed = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=managed, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["old"])
    ec2.associate_route_table(RouteTableId=managed, SubnetId=private)
    ids["managed"] = managed
    return ids


def _hand_made_table(ec2: Any, ids: dict[str, str], name: str = "hand-made") -> str:
    table = ec2.create_route_table(VpcId=ids["vpc"])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["old"])
    ec2.associate_route_table(RouteTableId=table, SubnetId=ids["other"])
    ec2.create_tags(Resources=[table], Tags=[{"Key": "Name", "Value": name}])
    return table


def safe_plan(ids: dict[str, str], path: Path, *, region_from: str = "subnet") -> Path:
    """The plan deletes gateway "old" after repointing its only route (in the plan) to "keep": NAT001 is quiet."""
    subnet = {"id": ids["public"], "vpc_id": ids["vpc"]}
    if region_from == "subnet":
        subnet["availability_zone"] = f"{REGION}a"
    plan = (PlanBuilder()
            .noop("aws_subnet.public", subnet)
            .noop("aws_subnet.private", {"id": ids["private"], "vpc_id": ids["vpc"]})
            .delete("aws_nat_gateway.old", {"id": ids["old"], "subnet_id": ids["public"], "allocation_id": "eipalloc-1",
                                            "connectivity_type": "public"})
            .noop("aws_nat_gateway.keep", {"id": ids["keep"], "subnet_id": ids["public"], "allocation_id": "eipalloc-2",
                                           "connectivity_type": "public"})
            .noop("aws_route_table.private", {"id": ids["managed"], "vpc_id": ids["vpc"], "route": []})
            .update("aws_route.private",
                    {"id": "r-1", "route_table_id": ids["managed"], "destination_cidr_block": "0.0.0.0/0",
                     "nat_gateway_id": ids["old"]},
                    {"id": "r-1", "route_table_id": ids["managed"], "destination_cidr_block": "0.0.0.0/0",
                     "nat_gateway_id": ids["keep"]})
            .noop("aws_route_table_association.private",
                  {"id": "a-1", "route_table_id": ids["managed"], "subnet_id": ids["private"]})
            .build())
    if region_from == "provider":
        plan["configuration"]["provider_config"]["aws"]["expressions"] = {"region": {"constant_value": REGION}}
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def replace_plan(ids: dict[str, str], path: Path) -> Path:
    """Gateway "old" replaced destroy-before-create: NAT002 (medium)."""
    before = {"id": ids["old"], "subnet_id": ids["public"], "allocation_id": "eipalloc-1", "connectivity_type": "public"}
    plan = (PlanBuilder()
            .noop("aws_subnet.public", {"id": ids["public"], "vpc_id": ids["vpc"], "availability_zone": f"{REGION}a"})
            .replace("aws_nat_gateway.old", before, {**before, "id": None, "subnet_id": ids["public"]},
                     unknown=["id"])
            .build())
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def _check(cli: Cli, plan: Path, *args: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli("check", str(plan), "--format", "json", "--live", *args)
    return result, json.loads(result.out)


def _by_rule(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule]


# -- a live route table outside the plan ----------------------------------------------------------------
def test_unmanaged_live_table_gives_nat004_and_the_managed_one_does_not(aws: None, cli: Cli, tmp_path: Path) -> None:
    ec2 = _ec2()
    ids = _network(ec2)
    hand = _hand_made_table(ec2, ids)
    plan = safe_plan(ids, tmp_path / "plan.json")
    quiet = cli("check", str(plan), "--format", "json")
    assert quiet.code == 0 and json.loads(quiet.out)["findings"] == []  # the plan alone: safe

    result, report = _check(cli, plan)
    assert result.code == 1, result.err
    [finding] = _by_rule(report, "NAT004")
    assert finding["severity"] == "high" and finding["address"] == "aws_nat_gateway.old"
    assert f"route table {hand} (hand-made) (not managed here, account {HOME}" in finding["message"]
    assert f"still sends 0.0.0.0/0 to {ids['old']}" in finding["message"]
    assert ids["managed"] not in finding["message"].split("Live (")[0]  # the plan's own table is judged by the plan
    live = finding["details"]["live"]
    assert {t["id"]: t["managed_here"] for t in live["route_tables"]} == {hand: False, ids["managed"]: True}
    assert live["region"] == REGION and live["region_source"] == "subnet"
    assert [t["id"] for t in finding["details"]["live_route_tables"]] == [hand]
    assert "AKIAFAKE" not in result.out + result.err and "fake-secret" not in result.out + result.err


def test_near_miss_no_live_table_outside_the_plan_stays_quiet(aws: None, cli: Cli, tmp_path: Path) -> None:
    ids = _network(_ec2())
    result, report = _check(cli, safe_plan(ids, tmp_path / "plan.json", region_from="provider"))
    assert result.code == 0 and report["findings"] == []
    # Read without a note: the region came from the provider block (else: "no region").
    assert [n for n in report["notes"] if n.startswith("live evidence")] == []


# -- what sits in the subnets: interfaces, by kind and by owner account -----------------------------------
def test_interfaces_are_grouped_and_another_accounts_are_called_out(aws: None, cli: Cli, tmp_path: Path) -> None:
    ec2 = _ec2()
    ids = _network(ec2, seed=1919)
    ec2.create_network_interface(SubnetId=ids["private"], Description="AWS Lambda VPC ENI-worker")
    ec2.create_network_interface(SubnetId=ids["private"], Description="ELB app/web/123")
    hand = _hand_made_table(ec2, ids)
    # The participant account sees the shared subnet under the same id and puts its own interfaces there.
    guest = _ec2(_other_account())
    shared = _network(guest, seed=1919)
    assert shared["private"] == ids["private"]
    guest.create_network_interface(SubnetId=ids["private"], Description="arn:aws:ecs:eu-west-1:222222222222:attachment/x")
    result, report = _check(cli, safe_plan(ids, tmp_path / "plan.json"), "--live-role", ROLE)
    [finding] = _by_rule(report, "NAT004")
    live = finding["details"]["live"]
    kinds = {(g["kind"], g["owner"]): g["count"] for g in live["interfaces"]}
    assert kinds[("Lambda", HOME)] == 1 and kinds[("load balancer", HOME)] == 1 and kinds[("ECS task", OTHER)] == 1
    assert live["other_accounts"] == [OTHER]
    assert f"shared VPC: interfaces of account {OTHER}" in finding["message"]
    assert live["accounts_read"] == ["default credentials", f"role {ROLE}"]
    assert hand in finding["message"]


# -- traffic: idle versus busy, and medium raised to high ------------------------------------------------
def _put_bytes(gateway: str, value: float, minutes_ago: int) -> None:
    stamp = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)
    boto3.client("cloudwatch", region_name=REGION).put_metric_data(Namespace="AWS/NATGateway", MetricData=[
        {"MetricName": "BytesOutToDestination", "Dimensions": [{"Name": "NatGatewayId", "Value": gateway}],
         "Timestamp": stamp, "Value": value},
        {"MetricName": "ActiveConnectionCount", "Dimensions": [{"Name": "NatGatewayId", "Value": gateway}],
         "Timestamp": stamp, "Value": 1240},
    ])


def test_idle_gateway_keeps_its_severity_and_says_idle(aws: None, cli: Cli, tmp_path: Path) -> None:
    ids = _network(_ec2())
    result, report = _check(cli, replace_plan(ids, tmp_path / "plan.json"))
    [finding] = _by_rule(report, "NAT002")
    assert finding["severity"] == "medium"
    assert "idle: no traffic in the last 7 days" in finding["message"]
    assert finding["details"]["live"]["traffic"]["idle"] is True


def test_gateway_with_traffic_raises_medium_to_high(aws: None, cli: Cli, tmp_path: Path) -> None:
    ids = _network(_ec2())
    _put_bytes(ids["old"], 3.2e12, minutes_ago=4)
    result, report = _check(cli, replace_plan(ids, tmp_path / "plan.json"))
    [finding] = _by_rule(report, "NAT002")
    assert finding["severity"] == "high" and finding["level"] == "error"
    # CloudWatch labels a 5-minute period by its start: the traffic put 4 minutes ago shows 4 to 9 minutes ago.
    assert re.search(r"carried 3\.2 TB in the last 7 days, 1,240 connections at peak; last traffic [4-9] minutes ago",
                     finding["message"])
    assert finding["details"]["live"]["severity_raised"].startswith("medium to high")


# -- several accounts ------------------------------------------------------------------------------------
def test_gateway_in_a_second_account_is_read_through_the_assumed_role(aws: None, cli: Cli, tmp_path: Path) -> None:
    guest = _ec2(_other_account())
    ids = _network(guest)
    hand = _hand_made_table(guest, ids, name="spoke")
    plan = safe_plan(ids, tmp_path / "plan.json")
    _, alone = _check(cli, plan)
    assert _by_rule(alone, "NAT004") == []  # the default account does not hold it
    result, report = _check(cli, plan, "--live-role", ROLE)
    [finding] = _by_rule(report, "NAT004")
    assert f"route table {hand} (spoke) (not managed here, account {OTHER}" in finding["message"]
    assert finding["details"]["live"]["traffic"]["idle"] is True


# -- failures: a note, the static result unchanged ---------------------------------------------------------
def test_no_credentials_is_a_note_and_live_required_exits_2(cli: Cli, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # No moto here: without credentials botocore stops before sending anything.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    ids = {"vpc": "vpc-1", "public": "subnet-1", "private": "subnet-2", "old": "nat-0aa", "keep": "nat-0bb",
           "managed": "rtb-1"}
    plan = replace_plan(ids, tmp_path / "plan.json")
    static = cli("check", str(plan), "--format", "json")
    result, report = _check(cli, plan)
    assert result.code == static.code == 1
    assert [f["severity"] for f in report["findings"]] == [f["severity"] for f in json.loads(static.out)["findings"]]
    [note] = [n for n in report["notes"] if n.startswith("live evidence")]
    assert f"could not read {REGION} with the default credentials (no AWS credentials)" in note
    required = cli("check", str(plan), "--live", "--live-required", "--quiet")
    assert required.code == 2 and "--live-required" in required.err


def test_plan_only_run_never_imports_boto3(tmp_path: Path) -> None:
    import subprocess

    plan = replace_plan({"vpc": "vpc-1", "public": "subnet-1", "old": "nat-0aa"}, tmp_path / "plan.json")
    code = ("import sys; from natpolicy.cli import main; main(['check', sys.argv[1], '-q']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'natpolicy.live')))")
    out = subprocess.run([sys.executable, "-c", code, str(plan)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


# -- the calls made are the calls declared, and the documented IAM policy ----------------------------------
def test_every_call_made_is_declared_read_only(aws: None, cli: Cli, tmp_path: Path) -> None:
    made: set[tuple[str, str]] = set()

    def record(model: Any, **_: Any) -> None:
        made.add((model.service_model.service_name, model.name))

    original = boto3.session.Session.client

    def client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made_client = original(self, *args, **kwargs)
        made_client.meta.events.register("before-call", record)
        return made_client

    ec2 = _ec2()
    ids = _network(ec2)
    _hand_made_table(ec2, ids)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(boto3.session.Session, "client", client)
        _check(cli, safe_plan(ids, tmp_path / "plan.json"), "--live-role", ROLE)
    assert made == set(READ_CALLS)
    assert all(op.startswith(("Describe", "Get", "AssumeRole")) for _, op in made)
    assert iam_actions() == sorted({"ec2:DescribeRouteTables", "ec2:DescribeNetworkInterfaces",
                                    "ec2:DescribeNatGateways", "cloudwatch:GetMetricData", "sts:AssumeRole"})


def test_the_documented_iam_policy_is_the_one_the_code_declares() -> None:
    from natpolicy.live.calls import iam_policy

    doc = (Path(__file__).resolve().parents[1] / "docs" / "live.md").read_text(encoding="utf-8")
    block = doc.split("## The minimal IAM policy", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == iam_policy()
    assert {a for s in json.loads(block)["Statement"] for a in s["Action"]} == set(iam_actions())
