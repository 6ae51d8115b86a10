"""FLOW001: every VPC that exists after apply has a flow log targeting it."""
from __future__ import annotations

from conftest import PlanBuilder, findings_of, run_rules

VPC_REF = ["aws_vpc.main.id", "aws_vpc.main"]


def new_vpc(plan: PlanBuilder, address: str = "aws_vpc.main") -> PlanBuilder:
    return plan.create(address, {"cidr_block": "10.0.0.0/16"}, unknown=["id", "arn", "default_route_table_id"])


def flow_log(plan: PlanBuilder, address: str, refs: list[str] | None = None, **values: object) -> PlanBuilder:
    after = {"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs", **values}
    unknown = ["id", "arn"] + (["vpc_id"] if refs is not None and "vpc_id" not in values else [])
    return plan.create(address, after, unknown=unknown, refs={"vpc_id": refs} if refs is not None else None)


def test_vpc_without_flow_log_fires(plan: PlanBuilder) -> None:
    new_vpc(plan)
    plan.noop("aws_default_vpc.default", {"id": "vpc-default", "cidr_block": "172.31.0.0/16"})
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_default_vpc.default"), ("FLOW001", "aws_vpc.main")]
    messages = {f.address: f.message for f in run_rules(plan, "FLOW001").findings}
    assert messages["aws_vpc.main"] == (
        "aws_vpc.main has no flow log: no aws_flow_log targets it by vpc_id or by reference")


def test_flow_log_found_by_reference_while_its_vpc_id_is_unknown(plan: PlanBuilder) -> None:
    new_vpc(plan)
    flow_log(plan, "aws_flow_log.main", refs=VPC_REF)
    assert findings_of(plan, "FLOW") == []


def test_flow_log_with_a_literal_vpc_id(plan: PlanBuilder) -> None:
    # Checkov's CKV2_AWS_11 needs a graph edge and fails this.
    plan.noop("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"})
    flow_log(plan, "aws_flow_log.main", vpc_id="vpc-0abc")
    assert findings_of(plan, "FLOW") == []


def test_flow_log_for_another_vpc_does_not_count(plan: PlanBuilder) -> None:
    plan.noop("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"})
    plan.noop("aws_vpc.other", {"id": "vpc-0def", "cidr_block": "10.1.0.0/16"})
    flow_log(plan, "aws_flow_log.other", vpc_id="vpc-0def")
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main")]


def test_subnet_and_eni_flow_logs_do_not_cover_the_vpc(plan: PlanBuilder) -> None:
    new_vpc(plan)
    plan.create("aws_subnet.a", {"cidr_block": "10.0.1.0/24"}, unknown=["id", "vpc_id"], refs={"vpc_id": VPC_REF})
    plan.create("aws_flow_log.subnet", {"traffic_type": "ALL"}, unknown=["id", "subnet_id"],
                refs={"subnet_id": ["aws_subnet.a.id", "aws_subnet.a"]})
    # A reference to the VPC through another attribute is not a target either.
    plan.create("aws_flow_log.eni", {"traffic_type": "ALL", "eni_id": "eni-1"}, unknown=["id", "tags"],
                refs={"tags": VPC_REF})
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main")]


def test_flow_log_through_a_module_output(plan: PlanBuilder) -> None:
    plan.module_call("module.network", "./modules/network", outputs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
    new_vpc(plan, "module.network.aws_vpc.this")
    flow_log(plan, "aws_flow_log.network", refs=["module.network.vpc_id", "module.network"])
    assert findings_of(plan, "FLOW") == []


def test_flow_log_inside_a_module_passed_the_vpc_as_a_variable(plan: PlanBuilder) -> None:
    new_vpc(plan)
    plan.module_call("module.logs", "./modules/logs", inputs={"vpc_id": {"references": VPC_REF}})
    flow_log(plan, "module.logs.aws_flow_log.this", refs=["var.vpc_id"])
    assert findings_of(plan, "FLOW") == []


def test_module_instances_do_not_cover_each_other(plan: PlanBuilder) -> None:
    plan.module_call("module.net", "./modules/net")
    for key in ("a", "b"):
        new_vpc(plan, f'module.net["{key}"].aws_vpc.main')
    flow_log(plan, 'module.net["a"].aws_flow_log.main', refs=VPC_REF)
    assert findings_of(plan, "FLOW") == [("FLOW001", 'module.net["b"].aws_vpc.main')]


def test_vpc_being_deleted_is_quiet(plan: PlanBuilder) -> None:
    plan.delete("aws_vpc.old", {"id": "vpc-old", "cidr_block": "10.9.0.0/16"})
    plan.forget("aws_vpc.forgotten", {"id": "vpc-forgotten", "cidr_block": "10.8.0.0/16"})
    assert findings_of(plan, "FLOW") == []


def test_replaced_vpc_is_judged_on_after(plan: PlanBuilder) -> None:
    plan.replace("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"}, {"cidr_block": "10.1.0.0/16"},
                 unknown=["id"])
    # The old flow log names the old id, and is replaced along with it by reference.
    plan.replace("aws_flow_log.main", {"id": "fl-1", "vpc_id": "vpc-0abc"}, {"traffic_type": "ALL"},
                 unknown=["id", "vpc_id"], refs={"vpc_id": VPC_REF})
    assert findings_of(plan, "FLOW") == []


def test_flow_log_being_deleted_no_longer_covers(plan: PlanBuilder) -> None:
    plan.noop("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"})
    plan.delete("aws_flow_log.main", {"id": "fl-1", "vpc_id": "vpc-0abc"})
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main")]


def test_an_update_that_adds_the_flow_log_is_quiet(plan: PlanBuilder) -> None:
    plan.update("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16", "tags": {}},
                {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}})
    flow_log(plan, "aws_flow_log.main", refs=VPC_REF, vpc_id="vpc-0abc")
    assert findings_of(plan, "FLOW") == []


def test_flow_log_in_another_plan_counts_by_id() -> None:
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    network = PlanBuilder().noop("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"}) \
        .noop("aws_vpc.other", {"id": "vpc-0def", "cidr_block": "10.1.0.0/16"})
    logging = PlanBuilder().create("aws_flow_log.main", {"vpc_id": "vpc-0abc", "traffic_type": "ALL"},
                                   unknown=["id"])
    model = ResourceModel([*plan_resources(network.build(), origin="network.json"),
                           *plan_resources(logging.build(), origin="logging.json")])
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["FLOW001"])))
    assert [(f.address, f.origin) for f in result.findings] == [("aws_vpc.other", "network.json")]


# -- instance keys and known ids --------------------------------------------------------
def test_a_flow_log_for_one_count_instance_covers_only_that_one(plan: PlanBuilder) -> None:
    for i in (0, 1):
        new_vpc(plan, f"aws_vpc.main[{i}]")
    flow_log(plan, "aws_flow_log.first", refs=["aws_vpc.main[0].id", "aws_vpc.main[0]", "aws_vpc.main"])
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main[1]")]


def test_a_flow_log_per_count_instance_covers_them_all(plan: PlanBuilder) -> None:
    # `vpc_id = aws_vpc.main[count.index].id`: Terraform lists only the bare name.
    for i in (0, 1):
        new_vpc(plan, f"aws_vpc.main[{i}]")
        flow_log(plan, f"aws_flow_log.each[{i}]", refs=["aws_vpc.main"])
    assert findings_of(plan, "FLOW") == []


def test_a_flow_log_for_one_module_instance_covers_only_that_one(plan: PlanBuilder) -> None:
    plan.module_call("module.net", "./modules/net", outputs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
    for key in ("a", "b"):
        new_vpc(plan, f'module.net["{key}"].aws_vpc.this')
    flow_log(plan, "aws_flow_log.a", refs=['module.net["a"].vpc_id', 'module.net["a"]'])
    assert findings_of(plan, "FLOW") == [("FLOW001", 'module.net["b"].aws_vpc.this')]


def test_a_known_vpc_id_wins_over_the_reference(plan: PlanBuilder) -> None:
    # The flow log names vpc-0 by id; its configuration reference to the
    # whole aws_vpc.main does not make it log aws_vpc.main[1] too.
    for i in (0, 1):
        plan.noop(f"aws_vpc.main[{i}]", {"id": f"vpc-{i}", "cidr_block": "10.0.0.0/16"})
    plan.noop("aws_flow_log.first", {"id": "fl-1", "traffic_type": "ALL", "vpc_id": "vpc-0"},
              refs={"vpc_id": ["aws_vpc.main"]})
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main[1]")]


def test_rego_twin_results_carry_the_rule_id(plan: PlanBuilder) -> None:
    import pytest

    pytest.importorskip("regopy")
    from natpolicy.rego.engine_regopy import RegopyEngine
    from natpolicy.rego.twins import twin_files

    new_vpc(plan)
    engine = RegopyEngine()
    compiled = engine.compile({p.name: p.read_text(encoding="utf-8") for p in twin_files()}, None,
                              ["natpolicy/rules/flow/findings"])
    found = engine.evaluate(compiled, "natpolicy/rules/flow/findings", engine.prepare_input(plan.build()))
    assert [(f["id"], f["rule"], f["address"]) for f in found] == [("FLOW001", "FLOW001", "aws_vpc.main")]


# FLOW001 resolves the references of the kept flow logs whose vpc_id is unknown
# only (the others cannot count): the near misses of that filter.

def test_a_reference_from_a_flow_log_with_a_known_vpc_id_does_not_count(plan: PlanBuilder) -> None:
    new_vpc(plan)
    plan.noop("aws_vpc.other", {"id": "vpc-0def", "cidr_block": "10.1.0.0/16"})
    # It refers to aws_vpc.main, but its vpc_id is known: it logs aws_vpc.other.
    flow_log(plan, "aws_flow_log.other", refs=VPC_REF, vpc_id="vpc-0def")
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main")]


def test_one_flow_log_with_an_unknown_vpc_id_covers_every_vpc_it_refers_to(plan: PlanBuilder) -> None:
    new_vpc(plan)
    new_vpc(plan, "aws_vpc.second")
    new_vpc(plan, "aws_vpc.third")
    flow_log(plan, "aws_flow_log.both", refs=[*VPC_REF, "aws_vpc.second.id", "aws_vpc.second"])
    # A VPC logged by id comes before any reference is resolved; the rest still need one.
    plan.noop("aws_vpc.by_id", {"id": "vpc-0abc", "cidr_block": "10.9.0.0/16"})
    flow_log(plan, "aws_flow_log.by_id", vpc_id="vpc-0abc")
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.third")]


def test_an_empty_vpc_id_names_no_vpc(plan: PlanBuilder) -> None:
    # A VPC's empty id is no id: a flow log's empty vpc_id does not cover it.
    plan.noop("aws_vpc.main", {"id": "", "cidr_block": "10.0.0.0/16"})
    flow_log(plan, "aws_flow_log.main", vpc_id="")
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.main")]


def test_a_flow_log_naming_the_vpcs_id_before_apply_covers_it(plan: PlanBuilder) -> None:
    # Either side's id counts, the one before apply too (a replaced VPC whose new id is unknown).
    plan.replace("aws_vpc.main", {"id": "vpc-0abc", "cidr_block": "10.0.0.0/16"}, {"cidr_block": "10.1.0.0/16"},
                 unknown=["id"])
    flow_log(plan, "aws_flow_log.main", vpc_id="vpc-0abc")
    plan.update("aws_vpc.other", {"id": "vpc-old", "cidr_block": "10.2.0.0/16"},
                {"id": "vpc-new", "cidr_block": "10.2.0.0/16"})
    flow_log(plan, "aws_flow_log.other", vpc_id="vpc-new")
    plan.noop("aws_vpc.third", {"id": "vpc-3", "cidr_block": "10.3.0.0/16"})
    assert findings_of(plan, "FLOW") == [("FLOW001", "aws_vpc.third")]
