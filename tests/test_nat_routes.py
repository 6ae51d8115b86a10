"""Route evidence from every place it lives: inline blocks, prior_state, other plans; and NAT003."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PlanBuilder, findings_of, run_rules
from examples import VpcLayout

GW = "module.vpc.aws_nat_gateway.this"
TABLE = "module.vpc.aws_route_table.private"


def vpc_of(plan: PlanBuilder, **kw: str) -> VpcLayout:
    return VpcLayout(plan, **kw)


# -- inline aws_route_table routes -------------------------------------------------
def inline_plan(plan: PlanBuilder, after_routes: list[dict[str, str]], *, delete_gateway: bool = True) -> VpcLayout:
    vpc = vpc_of(plan).steady(2, skip=("nat", "route", "table"))
    before = [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))]
    plan.noop(vpc.address("nat", 1), vpc.nat(1)).noop(vpc.address("table", 1), vpc.table(1))
    if delete_gateway:
        plan.delete(vpc.address("nat", 0), vpc.nat(0))
    else:
        plan.noop(vpc.address("nat", 0), vpc.nat(0))
    if after_routes == before:
        plan.noop(vpc.address("table", 0), vpc.table(0, before))
    else:
        plan.update(vpc.address("table", 0), vpc.table(0, before), vpc.table(0, after_routes))
    return vpc


def test_inline_route_to_a_deleted_gateway_that_is_dropped(plan: PlanBuilder) -> None:
    inline_plan(plan, [])
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT001", f"{GW}[0]")]
    assert f"private route table {TABLE}[0] (subnet " in result.findings[0].message


def test_inline_route_repointed_to_the_other_gateway(plan: PlanBuilder) -> None:
    vpc = VpcLayout(PlanBuilder())
    inline_plan(plan, [vpc.inline_route(nat_gateway_id=vpc.nat_id(1))])
    assert findings_of(plan, "NAT") == []


def test_inline_route_left_on_the_deleted_gateway(plan: PlanBuilder) -> None:
    vpc = VpcLayout(PlanBuilder())
    inline_plan(plan, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))])
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


def test_inline_route_repointed_by_reference_to_a_new_gateway(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("nat", "route", "table"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.create("module.vpc.aws_nat_gateway.new", {"subnet_id": vpc.subnet_id("public", 0)}, unknown=["id"])
    plan.update(vpc.address("table", 0), vpc.table(0, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))]),
                vpc.table(0, [vpc.inline_route(nat_gateway_id=None)]),  # type: ignore[arg-type]
                unknown={"route": [{"nat_gateway_id": True}]},
                refs={"route": ["aws_nat_gateway.new.id", "aws_nat_gateway.new"]})
    assert findings_of(plan, "NAT") == []


def test_inline_route_removed_while_its_gateway_stays_is_nat003(plan: PlanBuilder) -> None:
    vpc = inline_plan(plan, [], delete_gateway=False)
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT003", f"{TABLE}[0]")]
    assert result.findings[0].message == (
        f"{TABLE}[0] drops an inline route: route table {TABLE}[0] (subnet {vpc.subnet_id('private', 0)}) "
        f"loses its default route 0.0.0.0/0 to {vpc.nat_id(0)}, which is kept, and no other route takes over."
    )
    assert (result.findings[0].severity.label, result.findings[0].level) == ("medium", "warning")


def test_inline_routes_unchanged_are_quiet(plan: PlanBuilder) -> None:
    vpc = VpcLayout(PlanBuilder())
    inline_plan(plan, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))], delete_gateway=False)
    assert findings_of(plan, "NAT") == []


# -- NAT003 with separate aws_route resources ----------------------------------------
def orphan_plan(plan: PlanBuilder, *, mirror: bool = True) -> VpcLayout:
    """Zone a's route to its kept gateway is deleted; the table's state mirrors the route."""
    vpc = vpc_of(plan).steady(1, skip=("route", "table"))
    routes = [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))] if mirror else []
    plan.noop(vpc.address("table", 0), vpc.table(0, routes))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    return vpc


def test_deleted_default_route_to_a_kept_gateway_is_nat003(plan: PlanBuilder) -> None:
    # The table's own state still lists the route (a computed mirror of the
    # aws_route); that stale copy must not count as the route surviving.
    vpc = orphan_plan(plan)
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT003", vpc.address("route", 0))]
    assert result.findings[0].details["target_id"] == vpc.nat_id(0)


def test_deleted_route_recreated_at_a_new_address_is_quiet(plan: PlanBuilder) -> None:
    vpc = orphan_plan(plan)
    plan.create("module.vpc.aws_route.default[0]", vpc.route(0) | {"id": None, "route_table_id": None},
                unknown=["id", "route_table_id"],
                refs={"route_table_id": ["aws_route_table.private[0].id", "aws_route_table.private"],
                      "nat_gateway_id": ["aws_nat_gateway.this[0].id", "aws_nat_gateway.this"]})
    assert findings_of(plan, "NAT") == []


def test_route_moved_to_a_transit_gateway_is_quiet(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.update(vpc.address("route", 0), vpc.route(0), vpc.route(0, transit_gateway_id="tgw-0abc"))
    assert findings_of(plan, "NAT") == []


def test_deleted_route_with_its_table_is_teardown(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route", "table", "assoc"))
    plan.delete(vpc.address("table", 0), vpc.table(0)).delete(vpc.address("assoc", 0), vpc.assoc(0))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    assert findings_of(plan, "NAT") == []


def test_deleted_route_whose_subnets_go_is_teardown(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route", "private", "assoc"))
    plan.delete(vpc.address("private", 0), vpc.subnet("private", 0)).delete(vpc.address("assoc", 0), vpc.assoc(0))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    assert findings_of(plan, "NAT") == []


def test_deleted_internet_gateway_route_of_a_public_table_is_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.noop("module.vpc.aws_internet_gateway.this[0]", {"id": "igw-0abc", "vpc_id": vpc.vpc_id})
    plan.delete("module.vpc.aws_route.public_internet_gateway[0]", vpc.route(0, gateway_id="igw-0abc"))
    assert findings_of(plan, "NAT003") == [("NAT003", "module.vpc.aws_route.public_internet_gateway[0]")]


def test_non_default_route_removed_is_not_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.delete(vpc.address("route", 0), vpc.route(0, destination="198.51.100.0/24"))
    assert findings_of(plan, "NAT") == []


def test_peering_route_removed_is_not_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1)
    plan.delete("module.vpc.aws_route.peer[0]", vpc.route(0, vpc_peering_connection_id="pcx-0abc"))
    assert findings_of(plan, "NAT") == []


# -- prior_state-only routes -------------------------------------------------------------
def test_route_only_in_prior_state_counts(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("nat", "route"))
    plan.prior(vpc.address("route", 0), vpc.route(0))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT001", f"{GW}[0]")]
    assert result.findings[0].details["evidence"] == "routes"


def test_prior_state_route_to_another_gateway_is_quiet(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(2, skip=("route",))
    plan.prior(vpc.address("route", 0), vpc.route(0, vpc.nat_id(1)))
    plan.prior(vpc.address("route", 1), vpc.route(1))
    plan.delete("module.vpc.aws_nat_gateway.spare", vpc.nat(0) | {"id": "nat-0spare"})
    plan.noop("module.vpc.aws_nat_gateway.other", vpc.nat(0) | {"id": "nat-0other"})  # keeps the VPC served
    assert findings_of(plan, "NAT") == []


def test_prior_state_table_with_inline_route(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("nat", "route", "table"))
    plan.prior(vpc.address("table", 0), vpc.table(0, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))]))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


# -- two plans -----------------------------------------------------------------------------
def network_and_workload() -> tuple[PlanBuilder, PlanBuilder, VpcLayout]:
    network, workload = PlanBuilder(), PlanBuilder()
    net = VpcLayout(network, prefix="module.network.")
    network.noop(net.address("public", 0), net.subnet("public", 0))
    network.delete(net.address("nat", 0), net.nat(0))
    # The workload state owns its own private table, association and route.
    app = VpcLayout(workload, prefix="", vpc_id=net.vpc_id, tag="0c0c0c0c")
    workload.noop("aws_subnet.app", app.subnet("private", 0))
    workload.noop("aws_route_table.app", app.table(0))
    workload.noop("aws_route_table_association.app", app.assoc(0))
    workload.noop("aws_route.egress", app.route(0, net.nat_id(0)))
    return network, workload, net


def model_of(*plans: tuple[str, PlanBuilder]):  # type: ignore[no-untyped-def]
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel

    model = ResourceModel()
    for origin, builder in plans:
        for res in plan_resources(builder.build(), origin=origin):
            model.add(res)
    return model


def test_route_in_another_plan_pointing_at_the_deleted_gateway() -> None:
    from natpolicy import registry
    from natpolicy.runner import run

    network, workload, net = network_and_workload()
    model = model_of(("network.json", network), ("workload.json", workload))
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"])))
    assert [(f.rule_id, f.origin, f.address) for f in result.findings] == [
        ("NAT001", "network.json", "module.network.aws_nat_gateway.this[0]")]
    message = result.findings[0].message
    assert "private route table aws_route_table.app in plan workload.json (subnet subnet-0c0c0c0c2000)" in message
    assert result.findings[0].details["evidence"] == "routes"


def test_cli_with_two_plans(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    network, workload, _ = network_and_workload()
    a, b = network.write(tmp_path / "network.json"), workload.write(tmp_path / "workload.json")
    alone = cli("check", str(a), "--check", "NAT", "--format", "json")
    together = cli("check", str(a), str(b), "--check", "NAT", "--format", "json")
    assert alone.code == together.code == 1
    [partial] = alone.json()["findings"]
    [full] = together.json()["findings"]
    assert partial["details"]["evidence"] == "partial"
    assert full["details"]["evidence"] == "routes"
    assert full["details"]["route_tables"][0]["address"] == "aws_route_table.app"


def test_workload_plan_repointed_elsewhere_is_quiet() -> None:
    from natpolicy import registry
    from natpolicy.runner import run

    network, _, net = network_and_workload()
    workload = PlanBuilder()
    app = VpcLayout(workload, prefix="", vpc_id=net.vpc_id, tag="0c0c0c0c")
    workload.noop("aws_subnet.app", app.subnet("private", 0)).noop("aws_route_table.app", app.table(0))
    workload.noop("aws_route_table_association.app", app.assoc(0))
    workload.update("aws_route.egress", app.route(0, net.nat_id(0)), app.route(0, transit_gateway_id="tgw-0abc"))
    model = model_of(("network.json", network), ("workload.json", workload))
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"])))
    assert result.findings == []


def test_rego_data_exposes_the_analysis_as_json_data() -> None:
    import json

    from natpolicy.rego.facts import natpolicy_data

    network, workload, net = network_and_workload()
    model = model_of(("network.json", network), ("workload.json", workload))
    data = natpolicy_data(model, "network.json", network.build())
    assert json.loads(json.dumps(data["nat"])) == {"gateways": {
        "module.network.aws_nat_gateway.this[0]": {
            "deleted": True, "replaced": False, "private": False, "partial": False, "cross_az": False,
            "teardown": False,
            "lost_routes": [{"route_table": "aws_route_table.app", "destinations": ["0.0.0.0/0"],
                             "subnets": ["aws_subnet.app"], "reason": "blackhole"}],
        }}}
    # The workload plan deletes no gateway.
    assert natpolicy_data(model, "workload.json", workload.build())["nat"] == {"gateways": {}}


def test_main_route_table_inline_route_counts(plan: PlanBuilder) -> None:
    # aws_default_route_table serves every subnet without an explicit
    # association, so it has no association evidence and is never "torn down".
    vpc = vpc_of(plan)
    plan.noop(vpc.address("public", 0), vpc.subnet("public", 0))
    plan.update("module.vpc.aws_default_route_table.this[0]",
                vpc.table(0, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))]), vpc.table(0, []))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT001", f"{GW}[0]")]
    assert ("private route table module.vpc.aws_default_route_table.this[0] (the VPC's main route table: subnet "
            f"{vpc.subnet_id('public', 0)} and every other subnet without an explicit association) loses its "
            "default route 0.0.0.0/0.") in result.findings[0].message


def test_inline_route_set_unknown_until_apply(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("nat", "route", "table"))
    before = vpc.table(0, [vpc.inline_route(nat_gateway_id=vpc.nat_id(0))])
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.create("module.vpc.aws_nat_gateway.new", {"subnet_id": vpc.subnet_id("public", 0)}, unknown=["id"])
    plan.update(vpc.address("table", 0), before, before | {"route": None}, unknown=["route"],
                refs={"route": ["aws_nat_gateway.new.id", "aws_nat_gateway.new"]})
    assert findings_of(plan, "NAT") == []


# -- main route tables -----------------------------------------------------------------------
def main_table_plan(plan: PlanBuilder, how: str) -> VpcLayout:
    """A VPC whose main route table routes through the gateway that is deleted; no explicit associations."""
    vpc = vpc_of(plan)
    vpc_values = {"id": vpc.vpc_id, "cidr_block": "10.0.0.0/16", "main_route_table_id": "rtb-0main",
                  "default_route_table_id": "rtb-0main"}
    plan.noop(vpc.address("vpc"), vpc_values)
    for i in range(2):
        plan.noop(vpc.address("private", i), vpc.subnet("private", i))
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    route = vpc.route(0) | {"route_table_id": "rtb-0main"}
    if how == "association":
        plan.noop(vpc.address("table", 0), vpc.table(0))
        plan.noop("module.vpc.aws_main_route_table_association.this",
                  {"id": "rtbassoc-0main", "vpc_id": vpc.vpc_id, "route_table_id": vpc.table_id(0)})
        route = vpc.route(0)
    plan.delete(vpc.address("route", 0), route)
    return vpc


@pytest.mark.parametrize("how", ["vpc", "association"])
def test_subnets_behind_the_main_route_table_are_named(plan: PlanBuilder, how: str) -> None:
    vpc = main_table_plan(plan, how)
    finding = only_nat001(plan)
    table = "rtb-0main" if how == "vpc" else f"{TABLE}[0]"
    assert finding.message == (
        f"{GW}[0] is deleted and nothing replaces it: private route table {table} (the VPC's main route table: "
        f"subnets {vpc.subnet_id('private', 0)}, {vpc.subnet_id('private', 1)} and every other subnet without an "
        "explicit association) loses its default route 0.0.0.0/0.")
    assert finding.details["route_tables"][0]["main_route_table"] is True


def test_a_subnet_with_its_own_association_is_not_behind_the_main_table(plan: PlanBuilder) -> None:
    vpc = main_table_plan(plan, "vpc")
    plan.noop(vpc.address("table", 1), vpc.table(1)).noop(vpc.address("assoc", 1), vpc.assoc(1))
    message = only_nat001(plan).message
    assert f"(the VPC's main route table: subnet {vpc.subnet_id('private', 0)} and every other" in message


def test_main_route_table_with_no_subnet_in_the_plan(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan)
    plan.noop(vpc.address("vpc"), {"id": vpc.vpc_id, "main_route_table_id": "rtb-0main"})
    plan.delete(vpc.address("nat", 0), vpc.nat(0))
    plan.delete(vpc.address("route", 0), vpc.route(0) | {"route_table_id": "rtb-0main"})
    assert "route table rtb-0main (the VPC's main route table: every subnet without an explicit association) " \
           "loses" in only_nat001(plan).message


def test_main_table_losing_its_last_explicit_association_is_no_teardown(plan: PlanBuilder) -> None:
    vpc = main_table_plan(plan, "association")
    plan.delete(vpc.address("assoc", 0), vpc.assoc(0))
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


def test_the_main_association_outranks_the_default_route_table(plan: PlanBuilder) -> None:
    # The VPC's default table is no longer main: a default route removed from
    # it (its gateway kept) reaches no subnet, so NAT003 stays quiet.
    vpc = main_table_plan(plan, "association")
    plan.noop("module.vpc.aws_nat_gateway.kept", vpc.nat(1) | {"id": "nat-0kept"})
    plan.noop("module.vpc.aws_default_route_table.this", {"id": "rtb-0main", "vpc_id": vpc.vpc_id, "route": []})
    plan.delete("module.vpc.aws_route.old_main", vpc.route(0, "nat-0kept") | {"route_table_id": "rtb-0main"})
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


def test_a_vpcs_own_main_table_id_loses_to_a_main_association(plan: PlanBuilder) -> None:
    # The VPC's state still names rtb-0main, but the association makes private[0] main:
    # a default route removed from rtb-0main (its gateway kept) reaches no subnet.
    vpc = main_table_plan(plan, "association")
    plan.noop("module.vpc.aws_nat_gateway.kept", vpc.nat(1) | {"id": "nat-0kept"})
    plan.delete("module.vpc.aws_route.old_main", vpc.route(0, "nat-0kept") | {"route_table_id": "rtb-0main"})
    assert findings_of(plan, "NAT") == [("NAT001", f"{GW}[0]")]


def test_a_table_two_vpcs_name_main_serves_the_subnets_of_the_last(plan: PlanBuilder) -> None:
    # Main tables are asked about one at a time: the VPC later in the plan still wins, as it did.
    main_table_plan(plan, "vpc")
    later = vpc_of(plan, prefix="module.later.", tag="0f1f1f1f")
    plan.noop(later.address("vpc"), {"id": later.vpc_id, "main_route_table_id": "rtb-0main"})
    plan.noop(later.address("private", 0), later.subnet("private", 0))
    assert f"main route table: subnet {later.subnet_id('private', 0)} and every other" in only_nat001(plan).message


def only_nat001(plan: PlanBuilder):  # type: ignore[no-untyped-def]
    result = run_rules(plan, "NAT")
    assert [f.rule_id for f in result.findings] == ["NAT001"], [f.message for f in result.findings]
    return result.findings[0]


# -- NAT003 precision ------------------------------------------------------------------------
def test_route_removed_from_a_table_with_no_association_evidence_is_quiet(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route", "assoc"))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    assert findings_of(plan, "NAT") == []


def test_route_removed_from_the_main_route_table_is_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route", "assoc"))
    plan.noop("module.vpc.aws_main_route_table_association.this",
              {"id": "rtbassoc-0main", "vpc_id": vpc.vpc_id, "route_table_id": vpc.table_id(0)})
    plan.delete(vpc.address("route", 0), vpc.route(0))
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT003", vpc.address("route", 0))]
    # Neither subnet has an association of its own: both use the main table.
    assert (f"(the VPC's main route table: subnets {vpc.subnet_id('public', 0)}, {vpc.subnet_id('private', 0)} "
            "and every other subnet without an explicit association)") in result.findings[0].message


def test_replaced_route_that_drops_the_default_destination_says_replaced(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.replace(vpc.address("route", 0), vpc.route(0), vpc.route(0, destination="10.0.0.0/8") | {"id": None},
                 unknown=["id"])
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT003", vpc.address("route", 0))]
    assert result.findings[0].message.startswith(f"{vpc.address('route', 0)} is replaced: route table ")


def test_ipv6_default_route_to_an_egress_only_gateway_removed_is_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1)
    plan.noop("module.vpc.aws_egress_only_internet_gateway.this[0]", {"id": "eigw-0abc", "vpc_id": vpc.vpc_id})
    ipv6 = vpc.route(0, destination="", egress_only_gateway_id="eigw-0abc") | {
        "id": "r-v6", "destination_ipv6_cidr_block": "::/0", "egress_only_gateway_id": "eigw-0abc"}
    plan.delete("module.vpc.aws_route.private_ipv6_egress[0]", ipv6)
    result = run_rules(plan, "NAT")
    assert [(f.rule_id, f.address) for f in result.findings] == [("NAT003", "module.vpc.aws_route.private_ipv6_egress[0]")]
    assert "loses its default route ::/0 to eigw-0abc, which is kept" in result.findings[0].message


def test_near_miss_ipv6_egress_route_kept(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1)
    plan.noop("module.vpc.aws_egress_only_internet_gateway.this[0]", {"id": "eigw-0abc", "vpc_id": vpc.vpc_id})
    ipv6 = vpc.route(0, destination="", egress_only_gateway_id="eigw-0abc") | {
        "id": "r-v6", "destination_ipv6_cidr_block": "::/0", "egress_only_gateway_id": "eigw-0abc"}
    plan.noop("module.vpc.aws_route.private_ipv6_egress[0]", ipv6)
    assert findings_of(plan, "NAT") == []


def test_aws_route_turned_into_an_inline_block_is_quiet(plan: PlanBuilder) -> None:
    # The aws_route goes, the same route comes back as the table's inline
    # block: the table's listing is its configuration now, not a stale mirror.
    vpc = vpc_of(plan).steady(1, skip=("route", "table"))
    block = vpc.inline_route(nat_gateway_id=vpc.nat_id(0))
    plan.delete(vpc.address("route", 0), vpc.route(0))
    plan.update(vpc.address("table", 0), vpc.table(0, [block]), vpc.table(0, [block]) | {"tags": {"Name": "x"}},
                expressions={"route": [{"cidr_block": {"constant_value": "0.0.0.0/0"},
                                        "nat_gateway_id": {"references": ["aws_nat_gateway.this[0].id"]}}]})
    assert findings_of(plan, "NAT") == []


def test_default_route_moved_to_a_private_nat_gateway_is_nat003(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.noop("module.vpc.aws_nat_gateway.transit", vpc.nat(0, private=True) | {"id": "nat-0private"})
    plan.delete(vpc.address("route", 0), vpc.route(0))
    plan.create("module.vpc.aws_route.transit[0]", vpc.route(0, "nat-0private") | {"id": None}, unknown=["id"])
    assert findings_of(plan, "NAT") == [("NAT003", vpc.address("route", 0))]


def test_rego_twin_results_carry_the_rule_id(plan: PlanBuilder) -> None:
    # conftest and OPA tooling read a result's `id` as its rule id.
    pytest.importorskip("regopy")
    from natpolicy.rego.engine_regopy import RegopyEngine
    from natpolicy.rego.twins import twin_files

    vpc = vpc_of(plan).steady(3, skip=("nat", "route"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0)).delete(vpc.address("route", 0), vpc.route(0))
    plan.replace(vpc.address("nat", 1), vpc.nat(1), vpc.nat(1) | {"id": None}, unknown=["id"])
    plan.noop(vpc.address("route", 1), vpc.route(1))
    plan.noop(vpc.address("nat", 2), vpc.nat(2)).delete(vpc.address("route", 2), vpc.route(2))
    engine = RegopyEngine()
    compiled = engine.compile({p.name: p.read_text(encoding="utf-8") for p in twin_files()}, None,
                              ["natpolicy/rules/nat/findings"])
    found = engine.evaluate(compiled, "natpolicy/rules/nat/findings", engine.prepare_input(plan.build()))
    assert sorted(f["rule"] for f in found) == ["NAT001", "NAT001", "NAT002", "NAT003"]
    assert all(f["id"] == f["rule"] for f in found)


# -- routes and associations whose route_table_id is known only after apply ------------------------
# The index resolves those only for the tables a rule asks about, picked by the config address
# their references resolve to (through module outputs too): the near misses of that pick.
def replaced_tables_plan(plan: PlanBuilder) -> VpcLayout:
    """Zone a's gateway and its route go; both tables and their associations are replaced (ids unknown)."""
    vpc = vpc_of(plan).steady(2, skip=("nat", "route", "table", "assoc"))
    plan.delete(vpc.address("nat", 0), vpc.nat(0)).noop(vpc.address("nat", 1), vpc.nat(1))
    plan.delete(vpc.address("route", 0), vpc.route(0)).noop(vpc.address("route", 1), vpc.route(1))
    for i in range(2):
        plan.replace(vpc.address("table", i), vpc.table(i), vpc.table(i) | {"id": None}, unknown=["id"])
    return vpc


def test_replaced_associations_name_their_own_tables_subnets_by_count_index(plan: PlanBuilder) -> None:
    vpc = replaced_tables_plan(plan)
    for i in range(2):
        plan.replace(vpc.address("assoc", i), vpc.assoc(i), vpc.assoc(i) | {"id": None, "route_table_id": None},
                     unknown=["id", "route_table_id"],
                     refs={"route_table_id": ["aws_route_table.private[count.index].id", "aws_route_table.private"]})
    finding = only_finding(plan)
    assert finding.message == (
        f"{GW}[0] is deleted and nothing replaces it: private route table {TABLE}[0] "
        f"(subnet {vpc.subnet_id('private', 0)}) loses its default route 0.0.0.0/0.")


def test_an_association_naming_no_table_by_reference_leaves_the_table_without_subnets(plan: PlanBuilder) -> None:
    # Its reference names another config address: the table keeps no association, so it is torn down.
    vpc = replaced_tables_plan(plan)
    plan.replace(vpc.address("assoc", 0), vpc.assoc(0), vpc.assoc(0) | {"id": None, "route_table_id": None},
                 unknown=["id", "route_table_id"],
                 refs={"route_table_id": ["aws_route_table.other.id", "aws_route_table.other"]})
    plan.noop(vpc.address("assoc", 1), vpc.assoc(1))
    assert findings_of(plan, "NAT") == []


def test_a_new_route_naming_the_table_through_a_module_output_replaces_the_lost_one(plan: PlanBuilder) -> None:
    vpc = replaced_tables_plan(plan)
    for i in range(2):
        plan.noop(vpc.address("assoc", i), vpc.assoc(i))
    plan.module_call("module.vpc", "./modules/vpc",
                     outputs={"table_a": ["aws_route_table.private[0].id", "aws_route_table.private[0]",
                                          "aws_route_table.private"]})
    new = vpc.route(0, vpc.nat_id(1)) | {"id": None, "route_table_id": None}
    refs = {"route_table_id": ["module.vpc.table_a", "module.vpc"]}
    assert [f.rule_id for f in run_rules(plan, "NAT").findings] == ["NAT001"]  # before the new route
    plan.create("aws_route.shared_egress", new, unknown=["id", "route_table_id"], refs=refs)
    assert findings_of(plan, "NAT") == []


def only_finding(plan: PlanBuilder):  # type: ignore[no-untyped-def]
    findings = run_rules(plan, "NAT").findings
    assert len(findings) == 1, [f.message for f in findings]
    return findings[0]


# NAT003 settles a default route kept as it was by that route alone when nothing blocks it;
# a kept route that is blocked (an egress-only gateway carries no IPv4) still goes to the
# table's other routes, here a transit gateway that covers it.
def test_a_kept_route_that_carries_no_ipv4_egress_is_judged_on_the_tables_other_routes(plan: PlanBuilder) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    plan.noop(vpc.address("route", 0), vpc.route(0, egress_only_gateway_id="eigw-0abc"))
    assert findings_of(plan, "NAT") == []  # it never carried 0.0.0.0/0: nothing is lost
    plan.noop("module.vpc.aws_route.backup", vpc.route(0, transit_gateway_id="tgw-0abc"))
    assert findings_of(plan, "NAT") == []


# An egress-only gateway carries IPv6 alone: a 0.0.0.0/0 route to it never gave the subnets
# a way out, so deleting it removes nothing (AWS refuses such a route; a plan may still hold one).
# Its ::/0 twin is a real default route, and deleting that one while the gateway stays is NAT003.
@pytest.mark.parametrize(("destination", "fires"), [("0.0.0.0/0", False), ("::/0", True)])
def test_a_deleted_route_to_an_egress_only_gateway_counts_for_ipv6_alone(
        plan: PlanBuilder, destination: str, fires: bool) -> None:
    vpc = vpc_of(plan).steady(1, skip=("route",))
    values = vpc.route(0, egress_only_gateway_id="eigw-0abc")
    if ":" in destination:
        values.update(destination_cidr_block="", destination_ipv6_cidr_block=destination)
    else:
        values["destination_cidr_block"] = destination
    plan.noop("aws_egress_only_internet_gateway.this", {"id": "eigw-0abc", "vpc_id": vpc.vpc_id})
    plan.delete(vpc.address("route", 0), values)
    expected = [("NAT003", vpc.address("route", 0))] if fires else []
    assert findings_of(plan, "NAT") == expected
