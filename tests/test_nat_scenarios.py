"""NAT001/NAT002 on whole-plan scenarios: which gateways are reported, and exactly how."""
from __future__ import annotations

import pytest

from conftest import PlanBuilder, findings_of, run_rules
from examples import ROUTE_UNKNOWN, VpcLayout

GW = "module.vpc.aws_nat_gateway.this"


def layout(plan: PlanBuilder, **kw: str) -> VpcLayout:
    return VpcLayout(plan, **kw)


def only(result, rule: str):  # type: ignore[no-untyped-def]
    found = [f for f in result.findings if f.rule_id == rule]
    assert len(found) == 1, [f.message for f in result.findings]
    return found[0]


# -- enable_nat_gateway = false ------------------------------------------------
def enable_nat_gateway_false(plan: PlanBuilder) -> VpcLayout:
    vpc = layout(plan).steady(2, skip=("eip", "nat", "route"), vpc=True)
    for i in range(2):
        plan.delete(vpc.address("eip", i), vpc.eip(i), action_reason="delete_because_count_index")
        plan.delete(vpc.address("nat", i), vpc.nat(i), action_reason="delete_because_count_index")
        plan.delete(vpc.address("route", i), vpc.route(i), action_reason="delete_because_count_index")
    return vpc


def test_enable_nat_gateway_false_reports_every_gateway(plan: PlanBuilder) -> None:
    enable_nat_gateway_false(plan)
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]"), ("NAT001", f"{GW}[1]")]


def test_message_names_gateway_table_subnets_and_destination(plan: PlanBuilder) -> None:
    vpc = enable_nat_gateway_false(plan)
    finding = [f for f in run_rules(plan, "NAT001").findings if f.address == f"{GW}[1]"][0]
    assert finding.message == (
        f"{GW}[1] is deleted and nothing replaces it: private route table module.vpc.aws_route_table.private[1] "
        f"(subnet {vpc.subnet_id('private', 1)}) loses its default route 0.0.0.0/0."
    )
    assert finding.severity.label == "high" and finding.level == "error"
    assert finding.details == {
        "gateway_id": vpc.nat_id(1), "connectivity_type": "public", "evidence": "routes",
        "route_tables": [{
            "address": "module.vpc.aws_route_table.private[1]", "id": vpc.table_id(1), "origin": "plan.json",
            "destinations": ["0.0.0.0/0"],
            "subnets": [{"address": "module.vpc.aws_subnet.private[1]", "id": vpc.subnet_id("private", 1)}],
            "reason": "no_route", "target": None,
        }],
    }


def test_one_gateway_serving_two_tables_names_both(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(2, skip=("eip", "nat", "route"))
    plan.noop(vpc.address("nat", 1), vpc.nat(1))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    for i in range(2):
        plan.delete(vpc.address("route", i), vpc.route(i, vpc.nat_id(0)))
        plan.delete(vpc.address("route", i).replace("private_nat", "private_ipv6_nat"),
                    vpc.route(i, vpc.nat_id(0), destination="") | {"destination_ipv6_cidr_block": "::/0"})
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.address == f"{GW}[0]"
    assert "private route table module.vpc.aws_route_table.private[0] (subnet " in finding.message
    assert "private route table module.vpc.aws_route_table.private[1] (subnet " in finding.message
    assert finding.message.count("loses its default routes 0.0.0.0/0 and ::/0") == 2


# -- consolidation ------------------------------------------------------------
def test_per_zone_gateways_consolidated_to_one_is_safe(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(3, skip=("eip", "nat", "route"))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).noop(vpc.address("route", 0), vpc.route(0))
    for i in (1, 2):
        plan.delete(vpc.address("nat", i), vpc.nat(i))
        plan.update(vpc.address("route", i), vpc.route(i), vpc.route(i, vpc.nat_id(0)))
    assert findings_of(plan, "NAT") == []


def test_consolidation_near_miss_route_left_on_the_deleted_gateway(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(2, skip=("nat",))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[1]")]


def test_consolidation_onto_a_gateway_that_is_also_deleted_is_reported(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(2, skip=("nat", "route"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    plan.noop(vpc.address("route", 0), vpc.route(0))
    plan.update(vpc.address("route", 1), vpc.route(1), vpc.route(1, vpc.nat_id(0)))
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]"), ("NAT001", f"{GW}[1]")]


# -- replacement order ---------------------------------------------------------
def replaced(plan: PlanBuilder, *, create_first: bool) -> VpcLayout:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.replace(vpc.address("nat", 0), vpc.nat(0), {**vpc.nat(0), "id": None}, unknown=["id"],
                 create_first=create_first)
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, None) | {"nat_gateway_id": None},
                unknown=["nat_gateway_id"], refs={"nat_gateway_id": ["aws_nat_gateway.this[0].id", "aws_nat_gateway.this"]})
    return vpc


def test_destroy_before_create_replacement_is_nat002(plan: PlanBuilder) -> None:
    vpc = replaced(plan, create_first=False)
    finding = only(run_rules(plan, "NAT"), "NAT002")
    assert (finding.address, finding.severity.label, finding.level) == (f"{GW}[0]", "medium", "warning")
    assert "replaced destroy-before-create" in finding.message
    assert "module.vpc.aws_route_table.private[0]" in finding.message
    assert "lifecycle { create_before_destroy = true }" in finding.message
    assert f"cannot take over allocation {vpc.eip_id(0)} while the old gateway still holds it" in finding.message
    assert finding.details["actions"] == ["delete", "create"]


def test_create_before_destroy_replacement_is_fine(plan: PlanBuilder) -> None:
    replaced(plan, create_first=True)
    assert findings_of(plan, "NAT") == []


def test_replacement_whose_route_is_dropped_is_also_nat001(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.replace(vpc.address("nat", 0), vpc.nat(0), {**vpc.nat(0), "id": None}, unknown=["id"], create_first=True)
    plan.delete(vpc.address("route", 0), vpc.route(0))
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT001", f"{GW}[0]")]
    assert "is replaced, but no route sends traffic to the new gateway" in result.findings[0].message


# -- teardown -----------------------------------------------------------------
def test_full_teardown_reports_nothing(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.delete(vpc.address("vpc"), {"id": vpc.vpc_id, "cidr_block": "10.0.0.0/16"})
    for i in range(2):
        for kind in ("public", "private"):
            plan.delete(vpc.address(kind, i), vpc.subnet(kind, i))
        plan.delete(vpc.address("eip", i), vpc.eip(i)).delete(vpc.address("nat", i), vpc.nat(i))
        plan.delete(vpc.address("table", i), vpc.table(i)).delete(vpc.address("route", i), vpc.route(i))
        plan.delete(vpc.address("assoc", i), vpc.assoc(i))
    assert findings_of(plan, "NAT") == []


def test_subnets_deleted_with_the_gateway_is_teardown(plan: PlanBuilder) -> None:
    vpc = layout(plan).zone(0, skip=("private", "assoc", "nat"))
    plan.delete(vpc.address("private", 0), vpc.subnet("private", 0))
    plan.delete(vpc.address("assoc", 0), vpc.assoc(0)).delete(vpc.address("nat", 0), vpc.nat(0))
    assert findings_of(plan, "NAT") == []


def test_teardown_of_one_table_still_reports_the_other(plan: PlanBuilder) -> None:
    vpc = layout(plan).zone(1, skip=("nat", "route"))
    plan.delete(vpc.address("table", 0), vpc.table(0)).delete(vpc.address("assoc", 0), vpc.assoc(0))
    plan.delete(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("route", 0), vpc.route(0))
    plan.delete(vpc.address("route", 1), vpc.route(1, vpc.nat_id(0)))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert "aws_route_table.private[1]" in finding.message and "aws_route_table.private[0]" not in finding.message


# -- new gateways ---------------------------------------------------------------
def test_new_gateway_with_route_repointed_by_reference(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete("module.vpc.aws_nat_gateway.old", vpc.nat(0))
    plan.create("module.vpc.aws_nat_gateway.new", {"subnet_id": vpc.subnet_id("public", 0), "connectivity_type": "public"},
                unknown=["id"])
    after = vpc.route(0) | {k: None for k in ROUTE_UNKNOWN}
    plan.update(vpc.address("route", 0), vpc.route(0), after, unknown=ROUTE_UNKNOWN[1:],
                refs={"nat_gateway_id": ["aws_nat_gateway.new.id", "aws_nat_gateway.new"]})
    assert findings_of(plan, "NAT") == []


def test_new_gateway_whose_route_is_dropped(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete("module.vpc.aws_nat_gateway.old", vpc.nat(0))
    plan.create("module.vpc.aws_nat_gateway.new", {"subnet_id": vpc.subnet_id("public", 0)}, unknown=["id"])
    plan.delete(vpc.address("route", 0), vpc.route(0))
    # Route evidence wins over "a gateway is still created in the VPC".
    assert findings_of(plan, "NAT") == [("NAT001", "module.vpc.aws_nat_gateway.old")]


def test_route_repointed_by_reference_to_an_unknown_local_is_trusted(plan: PlanBuilder) -> None:
    # `nat_gateway_id = local.nat_id`: the loader cannot resolve locals, and
    # nothing in the plan says the target is gone.
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0) | {"nat_gateway_id": None},
                unknown=["nat_gateway_id"])
    assert findings_of(plan, "NAT") == []


# -- internet gateway -------------------------------------------------------------
@pytest.mark.parametrize("public", [True, False])
def test_internet_gateway_replaces_nat_only_for_public_subnets(plan: PlanBuilder, public: bool) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route", "private"))
    subnet = vpc.subnet("private", 0) | {"map_public_ip_on_launch": public}
    plan.noop(vpc.address("private", 0), subnet)
    plan.noop("module.vpc.aws_internet_gateway.this[0]", {"id": "igw-0abc", "vpc_id": vpc.vpc_id})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, gateway_id="igw-0abc"))
    assert findings_of(plan, "NAT") == ([] if public else [("NAT001", f"{GW}[0]")])


@pytest.mark.parametrize("target", [{"transit_gateway_id": "tgw-0abc"}, {"network_interface_id": "eni-0abc"}])
def test_transit_gateway_or_nat_instance_replaces(plan: PlanBuilder, target: dict[str, str]) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, **target))
    assert findings_of(plan, "NAT") == []


def test_repointed_to_a_nat_instance_that_is_itself_deleted(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete("aws_network_interface.nat", {"id": "eni-0abc"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, network_interface_id="eni-0abc"))
    assert findings_of(plan, "NAT001") == [("NAT001", f"{GW}[0]")]


# -- moved, forgotten, deposed -------------------------------------------------------
def test_moved_gateway_is_not_a_deletion(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat",))
    plan.noop("module.network.aws_nat_gateway.this[0]", vpc.nat(0), previous_address=vpc.address("nat", 0))
    assert findings_of(plan, "NAT") == []


def test_forgotten_gateway_is_not_a_deletion(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.forget(vpc.address("nat", 0), vpc.nat(0)).forget(vpc.address("route", 0), vpc.route(0))
    assert findings_of(plan, "NAT") == []


def test_forgotten_gateway_whose_route_is_deleted_is_an_orphaned_route(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.forget(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("route", 0), vpc.route(0))
    assert findings_of(plan, "NAT") == [("NAT003", vpc.address("route", 0))]


def test_deposed_gateway_still_routed_is_reported_once_per_object(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat",))
    plan.noop(vpc.address("nat", 0), vpc.nat(0) | {"id": "nat-0new"})
    plan.change(vpc.address("nat", 0), ["delete"], vpc.nat(0), None, deposed="a1b2c3d4", config=False)
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert "(deposed object a1b2c3d4)" in finding.message and finding.key == "a1b2c3d4"


# -- for_each modules --------------------------------------------------------------
def test_gateway_in_a_for_each_module(plan: PlanBuilder) -> None:
    eu = layout(plan, prefix='module.vpc["eu"].', tag="0e0e0e0e").steady(1, skip=("nat", "route"))
    layout(plan, prefix='module.vpc["us"].', tag="0a0a0a0a").steady(1)
    plan.delete(eu.address("nat", 0), eu.nat(0)).delete(eu.address("route", 0), eu.route(0))
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT001", 'module.vpc["eu"].aws_nat_gateway.this[0]')]
    assert 'private route table module.vpc["eu"].aws_route_table.private[0]' in result.findings[0].message


def test_for_each_reference_never_borrows_another_instances_gateway(plan: PlanBuilder) -> None:
    # eu's route points (by reference) at eu's gateway, which is going; us's
    # gateway of the same config address stays and must not count.
    eu = layout(plan, prefix='module.vpc["eu"].', tag="0e0e0e0e").steady(1, skip=("nat", "route"))
    layout(plan, prefix='module.vpc["us"].', tag="0a0a0a0a").steady(1)
    plan.delete(eu.address("nat", 0), eu.nat(0))
    plan.update(eu.address("route", 0), eu.route(0), eu.route(0) | {"nat_gateway_id": None}, unknown=["nat_gateway_id"],
                refs={"nat_gateway_id": ["aws_nat_gateway.this[0].id", "aws_nat_gateway.this"]})
    assert findings_of(plan, "NAT") == [("NAT001", 'module.vpc["eu"].aws_nat_gateway.this[0]')]


# -- no route evidence: the fallback ---------------------------------------------------
def test_no_routes_and_no_other_gateway_in_the_vpc_is_partial_evidence(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.noop(vpc.address("public", 0), vpc.subnet("public", 0))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.message == (
        f"{GW}[0] is deleted and no other NAT gateway is kept or created in VPC {vpc.vpc_id}. Evidence is partial: "
        "no route in the plan uses the gateway (its routes may live in another Terraform state), so the route "
        "tables and subnets that lose egress cannot be named."
    )
    assert finding.details["evidence"] == "partial" and finding.details["route_tables"] == []


def test_no_routes_but_another_gateway_kept_in_the_same_zone_of_the_vpc(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.noop(vpc.address("public", 1), vpc.subnet("public", 1))
    plan.noop("module.vpc.aws_nat_gateway.spare", vpc.nat(1) | {"id": "nat-0spare"})
    plan.delete(vpc.address("nat", 1), vpc.nat(1))
    assert findings_of(plan, "NAT") == []


def test_no_routes_and_the_gateways_kept_in_the_vpc_are_in_other_zones(plan: PlanBuilder) -> None:
    # Consolidation onto zone a's gateway works, but zone b now depends on zone a.
    vpc = layout(plan)
    for i in range(2):
        plan.noop(vpc.address("public", i), vpc.subnet("public", i))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert (finding.address, finding.severity.label, finding.level) == (f"{GW}[1]", "medium", "warning")
    assert finding.message.startswith(
        f"{GW}[1] is deleted and the other NAT gateways kept in VPC {vpc.vpc_id} are all outside its "
        "availability zone eu-west-1b: if its subnets are routed to them, their egress depends on another zone "
        "(a cross-AZ dependency")
    assert "Evidence is partial" in finding.message
    assert finding.details["cross_az"] is True and finding.details["availability_zone"] == "eu-west-1b"


def test_no_routes_and_a_regional_gateway_kept_in_the_vpc_serves_every_zone(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.noop(vpc.address("public", 1), vpc.subnet("public", 1))
    plan.noop("module.vpc.aws_nat_gateway.regional", {"id": "nat-0regional", "vpc_id": vpc.vpc_id,
                                                      "availability_mode": "regional", "connectivity_type": "public"})
    plan.delete(vpc.address("nat", 1), vpc.nat(1))
    assert findings_of(plan, "NAT") == []


def test_a_regional_gateway_deleted_is_judged_in_its_own_vpc(plan: PlanBuilder) -> None:
    # Regional NAT gateways name their VPC and have no subnet.
    vpc = layout(plan)
    other = layout(plan, prefix="module.other.", tag="0bbbbbbb")
    plan.noop(other.address("public", 0), other.subnet("public", 0)).noop(other.address("nat", 0), other.nat(0))
    plan.delete("module.vpc.aws_nat_gateway.regional", {"id": "nat-0regional", "vpc_id": vpc.vpc_id,
                                                        "availability_mode": "regional", "connectivity_type": "public"})
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.address == "module.vpc.aws_nat_gateway.regional" and finding.severity.label == "high"
    assert f"no other NAT gateway is kept or created in VPC {vpc.vpc_id}. Evidence is partial" in finding.message


def test_no_routes_and_a_kept_gateway_whose_vpc_is_unknown_may_serve_it(plan: PlanBuilder) -> None:
    # The deleted gateway's VPC is known, the kept one's is not (its subnet is
    # in no plan): it may well be in the same VPC, so "no other gateway in
    # VPC vpc-…" cannot be claimed.
    vpc = layout(plan)
    plan.noop(vpc.address("public", 1), vpc.subnet("public", 1))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    assert findings_of(plan, "NAT") == []


def test_no_routes_and_the_only_other_gateway_is_in_another_vpc(plan: PlanBuilder) -> None:
    a, b = layout(plan, tag="0aaaaaaa"), layout(plan, prefix="module.other.", tag="0bbbbbbb")
    plan.noop(a.address("public", 0), a.subnet("public", 0)).delete(a.address("nat", 0), a.nat(0))
    plan.noop(b.address("public", 0), b.subnet("public", 0)).noop(b.address("nat", 0), b.nat(0))
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


def test_no_routes_and_no_subnet_falls_back_to_the_plan(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    message = only(run_rules(plan, "NAT"), "NAT001").message
    assert "is kept or created in plan plan.json. Evidence is partial" in message


def test_no_routes_and_the_vpc_is_deleted_is_teardown(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.delete(vpc.address("vpc"), {"id": vpc.vpc_id}).delete(vpc.address("public", 0), vpc.subnet("public", 0))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    assert findings_of(plan, "NAT") == []


# -- private NAT gateways ----------------------------------------------------------------
def test_private_nat_gateway_is_worded_as_private_routing_at_medium(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route", "eip"))
    plan.noop("module.vpc.aws_nat_gateway.public", vpc.nat(0) | {"id": "nat-0public"})
    plan.noop("module.vpc.aws_route.default", vpc.route(0, "nat-0public") | {"id": "r-default"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0, private=True))
    plan.delete(vpc.address("route", 0), vpc.route(0, destination="10.50.0.0/16"))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    # The public default route does not carry traffic meant for the private network.
    assert (finding.severity.label, finding.level) == ("medium", "warning")
    assert finding.message.startswith(f"{GW}[0] (a private NAT gateway) is deleted and nothing replaces it: ")
    assert finding.message.endswith("loses private routing to 10.50.0.0/16.")


def test_private_nat_gateway_replaced_destroy_before_create_has_no_elastic_ip_advice(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "eip"))
    plan.replace(vpc.address("nat", 0), vpc.nat(0, private=True), vpc.nat(0, private=True) | {"id": None},
                 unknown=["id"])
    message = only(run_rules(plan, "NAT002"), "NAT002").message
    assert "no private routing" in message and "Elastic IP" not in message


def test_public_gateway_specific_route_falls_back_to_the_default_route(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.noop("module.vpc.aws_nat_gateway.shared", vpc.nat(0) | {"id": "nat-0shared"})
    plan.noop("module.vpc.aws_route.default", vpc.route(0, "nat-0shared") | {"id": "r-default"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.delete(vpc.address("route", 0), vpc.route(0, destination="198.51.100.0/24"))
    assert findings_of(plan, "NAT") == []


def test_recreated_tables_are_matched_to_their_routes_by_index(plan: PlanBuilder) -> None:
    # Tables and routes are recreated (new ids unknown); each new route finds
    # its table through `aws_route_table.private[count.index]`.
    vpc = layout(plan).steady(2, skip=("nat", "table", "route"))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    for i in range(2):
        plan.replace(vpc.address("table", i), vpc.table(i), vpc.table(i) | {"id": None}, unknown=["id"])
        plan.replace(vpc.address("route", i), vpc.route(i),
                     vpc.route(i, vpc.nat_id(0)) | {"id": None, "route_table_id": None},
                     unknown=["id", "route_table_id"],
                     refs={"route_table_id": ["aws_route_table.private[count.index].id", "aws_route_table.private"]})
    assert findings_of(plan, "NAT") == []


def test_sensitive_ids_never_reach_message_or_details(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route", "private"))
    plan.change(vpc.address("private", 0), ["no-op"], vpc.subnet("private", 0), vpc.subnet("private", 0),
                sensitive=["id"], before_sensitive=["id"])
    plan.delete(vpc.address("nat", 0), vpc.nat(0), before_sensitive=["allocation_id", "id"])
    plan.delete(vpc.address("route", 0), vpc.route(0))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    text = finding.message + repr(finding.details)
    assert vpc.subnet_id("private", 0) not in text and vpc.nat_id(0) not in text
    assert "(subnet (sensitive value))" in finding.message


# -- private NAT gateways as the new target ------------------------------------------------
def test_route_repointed_to_a_kept_private_nat_gateway_is_no_egress(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.noop("module.vpc.aws_nat_gateway.transit", vpc.nat(0, private=True) | {"id": "nat-0private"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, "nat-0private"))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert (finding.address, finding.severity.label) == (f"{GW}[0]", "high")
    assert finding.message == (
        f"{GW}[0] is deleted and nothing replaces it: private route table module.vpc.aws_route_table.private[0] "
        f"(subnet {vpc.subnet_id('private', 0)}) still routes 0.0.0.0/0, but to private NAT gateway nat-0private, "
        "which gives no internet egress.")
    assert finding.details["route_tables"][0]["reason"] == "private_nat"


def test_private_gateway_routes_repointed_to_another_private_gateway_are_fine(plan: PlanBuilder) -> None:
    # Private routing is what a private NAT gateway gives; another one carries it.
    vpc = layout(plan).steady(1, skip=("nat", "route", "eip"))
    plan.noop("module.vpc.aws_nat_gateway.transit", vpc.nat(0, private=True) | {"id": "nat-0private"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0, private=True))
    plan.update(vpc.address("route", 0), vpc.route(0, destination="10.50.0.0/16"),
                vpc.route(0, "nat-0private", destination="10.50.0.0/16"))
    assert findings_of(plan, "NAT") == []


@pytest.mark.parametrize("create_first", [True, False])
def test_public_gateway_replaced_by_a_private_one_is_no_egress(plan: PlanBuilder, create_first: bool) -> None:
    # connectivity_type = "private" forces a replacement; the route follows
    # the new gateway by reference, but it leads nowhere on the internet.
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.replace(vpc.address("nat", 0), vpc.nat(0), vpc.nat(0, private=True) | {"id": None}, unknown=["id"],
                 create_first=create_first)
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0) | {"nat_gateway_id": None},
                unknown=["nat_gateway_id"], refs={"nat_gateway_id": ["aws_nat_gateway.this[0].id", "aws_nat_gateway.this[0]"]})
    found = run_rules(plan, "NAT").findings
    assert [(f.rule_id, f.address) for f in found] == [("NAT001", f"{GW}[0]")] + (
        [] if create_first else [("NAT002", f"{GW}[0]")])
    assert found[0].message == (
        f"{GW}[0] is replaced by a private NAT gateway, which gives no internet egress: private route table "
        f"module.vpc.aws_route_table.private[0] (subnet {vpc.subnet_id('private', 0)}) still routes 0.0.0.0/0, but "
        f"to private NAT gateway {GW}[0], which gives no internet egress.")
    assert found[0].details["replacement_connectivity_type"] == "private"


def test_public_gateway_replaced_by_a_private_one_without_routes_in_the_plan(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.noop(vpc.address("public", 0), vpc.subnet("public", 0))
    plan.replace(vpc.address("nat", 0), vpc.nat(0), vpc.nat(0, private=True) | {"id": None}, unknown=["id"],
                 create_first=True)
    message = only(run_rules(plan, "NAT"), "NAT001").message
    assert message.startswith(f"{GW}[0] is replaced by a private NAT gateway and no other NAT gateway is kept or "
                              f"created in VPC {vpc.vpc_id}. Evidence is partial")


def test_near_miss_public_gateway_replaced_by_a_public_one_without_routes(plan: PlanBuilder) -> None:
    vpc = layout(plan)
    plan.noop(vpc.address("public", 0), vpc.subnet("public", 0))
    plan.replace(vpc.address("nat", 0), vpc.nat(0), vpc.nat(0) | {"id": None}, unknown=["id"], create_first=True)
    assert findings_of(plan, "NAT") == []


# -- why the route gives no egress ------------------------------------------------------------
def test_route_left_on_the_deleted_gateway_is_a_blackhole_not_a_lost_route(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat",))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.message.endswith(
        f"(subnet {vpc.subnet_id('private', 0)}) keeps its default route 0.0.0.0/0 to the deleted gateway, a blackhole.")
    assert finding.details["route_tables"][0]["reason"] == "blackhole"


def test_route_repointed_to_a_deleted_nat_instance_names_it(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.delete("aws_network_interface.nat", {"id": "eni-0abc"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, network_interface_id="eni-0abc"))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.message.endswith("still routes 0.0.0.0/0, but to eni-0abc, which is deleted too.")
    assert "loses" not in finding.message


def test_route_repointed_to_an_internet_gateway_of_private_subnets_says_why(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route"))
    plan.noop("module.vpc.aws_internet_gateway.this[0]", {"id": "igw-0abc", "vpc_id": vpc.vpc_id})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, gateway_id="igw-0abc"))
    finding = only(run_rules(plan, "NAT"), "NAT001")
    assert finding.message.endswith("still routes 0.0.0.0/0, but to internet gateway igw-0abc, which its subnets "
                                    "cannot use: they assign no public IP addresses.")


# -- new route tables: `route` unknown until apply ----------------------------------------------
def test_replaced_tables_without_inline_routes_do_not_count_as_routed(plan: PlanBuilder) -> None:
    # Real plans mark `route` wholly unknown on every new table; with no
    # inline block in the configuration that says nothing about its routes.
    vpc = layout(plan).steady(2, skip=("nat", "table", "route"))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("nat", 1), vpc.nat(1))
    for i in range(2):
        plan.replace(vpc.address("table", i), vpc.table(i), vpc.table(i) | {"id": None}, unknown=["id"])
    plan.replace(vpc.address("route", 0), vpc.route(0), vpc.route(0) | {"id": None, "route_table_id": None},
                 unknown=["id", "route_table_id"],
                 refs={"route_table_id": ["aws_route_table.private[count.index].id", "aws_route_table.private"]})
    plan.delete(vpc.address("route", 1), vpc.route(1))
    assert plan.build()["resource_changes"][-4]["change"]["after_unknown"]["route"] is True
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[1]")]


def test_new_table_with_inline_routes_in_its_configuration_is_trusted(plan: PlanBuilder) -> None:
    vpc = layout(plan).steady(1, skip=("nat", "route", "table"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.create("module.vpc.aws_nat_gateway.new", {"subnet_id": vpc.subnet_id("public", 0)}, unknown=["id"])
    plan.replace(vpc.address("table", 0), vpc.table(0, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))]),
                 {"vpc_id": vpc.vpc_id}, unknown=["id", "route"],
                 expressions={"route": [{"cidr_block": {"constant_value": "0.0.0.0/0"},
                                         "nat_gateway_id": {"references": ["aws_nat_gateway.new.id",
                                                                           "aws_nat_gateway.new"]}}]})
    assert findings_of(plan, "NAT") == []


# -- references with instance keys ---------------------------------------------------------------
@pytest.mark.parametrize(("key", "expected"), [(1, []), (0, [("NAT001", f"{GW}[1]")])])
def test_a_new_route_finds_its_table_by_the_key_it_names(plan: PlanBuilder, key: int,
                                                         expected: list[tuple[str, str]]) -> None:
    # Zone b's route is replaced by `aws_route.extra` on `aws_route_table.private[<key>]`
    # (tables replaced, ids unknown): only key 1 gives zone b its egress back.
    vpc = layout(plan).steady(2, skip=("nat", "table", "route"))
    plan.noop(vpc.address("nat", 0), vpc.nat(0)).noop(vpc.address("route", 0), vpc.route(0))
    plan.delete(vpc.address("nat", 1), vpc.nat(1)).delete(vpc.address("route", 1), vpc.route(1))
    for i in range(2):
        plan.replace(vpc.address("table", i), vpc.table(i), vpc.table(i) | {"id": None}, unknown=["id"])
    plan.create("module.vpc.aws_route.extra", vpc.route(1, vpc.nat_id(0)) | {"id": None, "route_table_id": None},
                unknown=["id", "route_table_id"],
                refs={"route_table_id": [f"aws_route_table.private[{key}].id", f"aws_route_table.private[{key}]",
                                         "aws_route_table.private"]})
    assert findings_of(plan, "NAT") == expected


# -- NAT002's Elastic IP advice ---------------------------------------------------------------
@pytest.mark.parametrize(("allocation", "unknown", "advice"), [
    ("same", [], "give the new gateway its own Elastic IP: it cannot take over allocation eipalloc-0a1b2c3d0000"),
    ("new", [], "the new gateway already gets its own Elastic IP"),
    (None, ["allocation_id"], "the new gateway already gets its own Elastic IP"),
])
def test_elastic_ip_advice_follows_the_new_allocation(plan: PlanBuilder, allocation: str | None,
                                                      unknown: list[str], advice: str) -> None:
    vpc = layout(plan).steady(1, skip=("nat",))
    after = vpc.nat(0) | {"id": None}
    if allocation == "new":
        after["allocation_id"] = "eipalloc-0new"
    elif allocation is None:
        after["allocation_id"] = None
    plan.replace(vpc.address("nat", 0), vpc.nat(0), after, unknown=["id", *unknown])
    message = only(run_rules(plan, "NAT002"), "NAT002").message
    assert advice in message
    if allocation != "same":
        assert "cannot take over" not in message


# -- two plans of the same state ------------------------------------------------------------------
def test_two_plans_of_one_state_do_not_contaminate_each_other() -> None:
    import examples
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel([*plan_resources(examples.nat_deleted().build(), origin="nat-deleted.json"),
                           *plan_resources(examples.nat_consolidated().build(), origin="nat-consolidated.json")])
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"])))
    assert [(f.rule_id, f.origin, f.address) for f in result.findings] == [
        ("NAT001", "nat-deleted.json", f"{GW}[1]")]
    assert " in plan " not in result.findings[0].message
    [note] = result.rule_notes  # the NAT rules yield it; the app reports it after the loader notes
    assert note.startswith("plans nat-consolidated.json, nat-deleted.json manage the same route tables or NAT "
                           "gateways (")


def test_one_plan_twice_in_one_model_is_noted_but_one_plan_and_two_apart_are_not() -> None:
    # The shared ids are looked for only when the tables and gateways come from two plans or more.
    import examples
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    def notes(*origins: str, other: bool = False) -> list[str]:
        builders = [examples.nat_deleted() for _ in origins]
        if other:
            builders[-1] = PlanBuilder()
            VpcLayout(builders[-1], tag="0fffffff").steady(1)
        model = ResourceModel([r for b, o in zip(builders, origins, strict=True) for r in plan_resources(b.build(), origin=o)])
        return run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"]))).rule_notes

    assert notes("a.json") == []
    assert notes("a.json", "b.json", other=True) == []
    [note] = notes("a.json", "b.json")
    assert note.startswith("plans a.json, b.json manage the same route tables or NAT gateways (")


def test_the_fallback_after_a_gateway_judged_on_its_routes_still_counts_every_kept_gateway(plan: PlanBuilder) -> None:
    # The kept gateways are counted on the first fallback, not while the index is built:
    # a gateway judged on its routes before it must not leave them uncounted.
    routed = layout(plan, prefix="module.routed.", tag="0ccccccc").steady(1, skip=("nat", "route"))
    plan.delete(routed.address("nat", 0), routed.nat(0)).delete(routed.address("route", 0), routed.route(0))
    vpc = layout(plan)
    plan.noop(vpc.address("public", 1), vpc.subnet("public", 1))
    plan.noop("module.vpc.aws_nat_gateway.spare", vpc.nat(1) | {"id": "nat-0spare"})
    plan.delete(vpc.address("nat", 1), vpc.nat(1))
    assert findings_of(plan, "NAT") == [("NAT001", "module.routed.aws_nat_gateway.this[0]")]
