"""NAT004 on its own: the live route tables are given to the model as ``--live`` would (no AWS here).

The end-to-end path, moto included, is in tests/test_live_evidence.py and
tests/test_live_server.py; these cases pin what the rule decides.
"""
from __future__ import annotations

from typing import Any

from natpolicy import registry
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.model import LiveRouteTable, ResourceModel, RunContext
from natpolicy.runner import run
from planbuilder import PlanBuilder

GW = {"id": "nat-0aa", "subnet_id": "subnet-pub", "allocation_id": "eipalloc-1", "connectivity_type": "public"}
KEEP = {"id": "nat-0bb", "subnet_id": "subnet-pub", "allocation_id": "eipalloc-2", "connectivity_type": "public"}
HAND = LiveRouteTable(route_table_id="rtb-hand", gateway_id="nat-0aa", destinations=("0.0.0.0/0",),
                      subnets=("subnet-batch",), name="batch", owner="123456789012", region="eu-west-1")


def _route(target: str) -> dict[str, Any]:
    return {"id": "r-1", "route_table_id": "rtb-own", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": target}


def repointed() -> PlanBuilder:
    """The plan's own route moves to the gateway that stays, then "old" goes: NAT001 is quiet."""
    return (PlanBuilder()
            .noop("aws_subnet.private", {"id": "subnet-priv", "vpc_id": "vpc-1"})
            .delete("aws_nat_gateway.old", GW)
            .noop("aws_nat_gateway.keep", KEEP)
            .noop("aws_route_table.own", {"id": "rtb-own", "vpc_id": "vpc-1", "route": []})
            .update("aws_route.private", _route("nat-0aa"), _route("nat-0bb"))
            .noop("aws_route_table_association.own", {"id": "a-1", "route_table_id": "rtb-own",
                                                      "subnet_id": "subnet-priv"}))


def _findings(builder: PlanBuilder, live: dict[str, tuple[LiveRouteTable, ...]]) -> list[Any]:
    context = RunContext(live_route_tables=live)
    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"), context=context)
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"])))
    assert not result.errors, result.errors
    return result.findings


def test_fires_when_a_live_table_outside_the_plan_still_routes_to_a_safely_deleted_gateway() -> None:
    [finding] = _findings(repointed(), {"nat-0aa": (HAND,)})
    assert (finding.rule_id, finding.address, finding.severity.label) == ("NAT004", "aws_nat_gateway.old", "high")
    assert ("route table rtb-hand (batch) (not managed here, account 123456789012, subnets subnet-batch) "
            "still sends 0.0.0.0/0 to nat-0aa") in finding.message
    assert finding.details["live_route_tables"][0]["id"] == "rtb-hand"


def test_fires_for_a_create_before_destroy_replacement_whose_unmanaged_routes_keep_the_old_id() -> None:
    plan = PlanBuilder().replace("aws_nat_gateway.old", GW, {**GW, "id": None}, create_first=True, unknown=["id"])
    assert [f.rule_id for f in _findings(plan, {})] == []
    assert [f.rule_id for f in _findings(plan, {"nat-0aa": (HAND,)})] == ["NAT004"]


def test_a_private_gateway_is_medium() -> None:
    private = {**GW, "id": "nat-0cc", "connectivity_type": "private", "allocation_id": None}
    plan = repointed().replace("aws_nat_gateway.priv", private, {**private, "id": None}, create_first=True,
                               unknown=["id"])
    table = LiveRouteTable(route_table_id="rtb-p", gateway_id="nat-0cc", destinations=("10.9.0.0/16",))
    severities = {f.address: f.severity.label for f in _findings(plan, {"nat-0cc": (table,)}) if f.rule_id == "NAT004"}
    assert severities == {"aws_nat_gateway.priv": "medium"}


def test_near_miss_quiet_without_live_evidence_or_for_another_gateway() -> None:
    assert _findings(repointed(), {}) == []
    other = LiveRouteTable(route_table_id="rtb-x", gateway_id="nat-0bb", destinations=("0.0.0.0/0",))
    assert _findings(repointed(), {"nat-0bb": (other,)}) == []  # the gateway that stays


def test_near_miss_nat001_keeps_a_gateway_whose_plan_routes_are_lost() -> None:
    lost = (PlanBuilder()
            .noop("aws_subnet.private", {"id": "subnet-priv", "vpc_id": "vpc-1"})
            .delete("aws_nat_gateway.old", GW)
            .noop("aws_route_table.own", {"id": "rtb-own", "vpc_id": "vpc-1", "route": []})
            .delete("aws_route.private", _route("nat-0aa"))
            .noop("aws_route_table_association.own", {"id": "a-1", "route_table_id": "rtb-own",
                                                      "subnet_id": "subnet-priv"}))
    assert [f.rule_id for f in _findings(lost, {"nat-0aa": (HAND,)})] == ["NAT001"]


def test_many_tables_are_listed_up_to_five() -> None:
    tables = tuple(LiveRouteTable(route_table_id=f"rtb-{i}", gateway_id="nat-0aa", destinations=("0.0.0.0/0",))
                   for i in range(7))
    [finding] = _findings(repointed(), {"nat-0aa": tables})
    assert "rtb-4" in finding.message and "rtb-5" not in finding.message and "and 2 more" in finding.message
    assert len(finding.details["live_route_tables"]) == 7
