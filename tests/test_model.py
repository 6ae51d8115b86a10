"""The resource model: actions, unknowns, sensitivity and reference resolution."""
from __future__ import annotations

import pytest

from conftest import PlanBuilder
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.loaders.references import ConfigIndex
from natpolicy.model import UNKNOWN, ResourceModel, is_known, module_path, reference_steps, reference_target


def model_of(builder: PlanBuilder) -> ResourceModel:
    return ResourceModel(plan_resources(builder.build(), origin="plan.json"))


def test_actions_and_lifecycle_flags() -> None:
    m = model_of(PlanBuilder()
                 .create("aws_vpc.new", {"cidr_block": "10.0.0.0/16"})
                 .delete("aws_nat_gateway.gone", {"id": "nat-1"})
                 .replace("aws_nat_gateway.dbc", {"id": "nat-2"}, {"subnet_id": "s"}, unknown=["id"])
                 .replace("aws_nat_gateway.cbd", {"id": "nat-3"}, {"subnet_id": "s"}, create_first=True)
                 .forget("aws_nat_gateway.forgotten", {"id": "nat-4"})
                 .noop("aws_nat_gateway.moved", {"id": "nat-5"}, previous_address="aws_nat_gateway.old"))
    get = lambda a: m.get(a, "plan.json")  # noqa: E731
    assert get("aws_vpc.new").exists_after and not get("aws_vpc.new").is_deleted
    gone = get("aws_nat_gateway.gone")
    assert gone.is_pure_delete and not gone.exists_after and gone.values == {"id": "nat-1"}
    assert gone.action_reason == "delete_because_no_resource_config"
    assert get("aws_nat_gateway.dbc").is_destroy_before_create
    cbd = get("aws_nat_gateway.cbd")
    assert cbd.is_replaced and not cbd.is_destroy_before_create and cbd.exists_after
    forgotten = get("aws_nat_gateway.forgotten")
    assert not forgotten.is_deleted and not forgotten.exists_after
    moved = get("aws_nat_gateway.moved")
    assert moved.is_moved and not moved.is_deleted and moved.previous_address == "aws_nat_gateway.old"


def test_unknown_values_become_the_sentinel() -> None:
    m = model_of(PlanBuilder().create(
        "aws_security_group.web", {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 22}]},
        unknown={"id": True, "ingress": [{"cidr_blocks": [False], "to_port": True}]}))
    sg = m.get("aws_security_group.web", "plan.json")
    assert sg.get("id") is UNKNOWN
    assert sg.get("ingress", 0, "to_port") is UNKNOWN
    assert sg.get("ingress", 0, "cidr_blocks") == ["0.0.0.0/0"]
    assert not is_known(sg.after) and is_known(sg.get("ingress", 0, "cidr_blocks"))
    with pytest.raises(TypeError):
        bool(UNKNOWN)


def test_sensitive_values_are_masked_in_show() -> None:
    m = model_of(PlanBuilder().create("aws_db_instance.db", {"password": "hunter22", "port": 5432},
                                      sensitive=["password"]))
    db = m.get("aws_db_instance.db", "plan.json")
    assert db.is_sensitive("password") and not db.is_sensitive("port")
    assert db.show(db.get("password"), "password") == "(sensitive value)"
    assert db.show(db.get("port"), "port") == "5432"


def test_references_resolve_through_module_inputs_and_outputs() -> None:
    b = (PlanBuilder()
         .create("module.network.aws_vpc.this[0]", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
         .module_call("module.network", outputs={"vpc_id": ["aws_vpc.this[0].id", "aws_vpc.this[0]", "aws_vpc.this"]})
         .create("aws_flow_log.main", {"traffic_type": "ALL"}, refs={"vpc_id": ["module.network.vpc_id", "module.network"]})
         .module_call("module.app", inputs={"vpc": {"references": ["module.network.vpc_id", "module.network"]}})
         .create('module.app["x"].aws_security_group.sg', {"name": "sg"}, refs={"vpc_id": ["var.vpc"]}))
    m = model_of(b)
    flow = m.get("aws_flow_log.main", "plan.json")
    vpc = m.get("module.network.aws_vpc.this[0]", "plan.json")
    # The output names instance [0]; the key is kept, the bare prefix dropped.
    assert flow.references == {"vpc_id": ("module.network.aws_vpc.this[0]",)}
    assert m.referenced(flow, "vpc_id") == [vpc]
    sg = m.get('module.app["x"].aws_security_group.sg', "plan.json")
    assert m.referenced(sg, "vpc_id") == [vpc]
    assert {r.address for r in m.references_to(vpc, ["aws_flow_log"])} == {"aws_flow_log.main"}


def test_references_to_one_attribute_are_the_whole_index_filtered_in_order() -> None:
    b = PlanBuilder().create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    b.create("aws_vpc.other", {"cidr_block": "10.1.0.0/16"}, unknown=["id"])
    b.create("aws_flow_log.b", {}, refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]})
    # A near miss: it names the VPC, but not through vpc_id.
    b.create("aws_flow_log.by_tag", {}, refs={"tags": ["aws_vpc.main.id", "aws_vpc.main"],
                                              "vpc_id": ["aws_vpc.other.id", "aws_vpc.other"]})
    b.create("aws_flow_log.a", {}, refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"],
                                         "log_destination": ["aws_vpc.main.arn", "aws_vpc.main"]})
    m = model_of(b)
    vpc, other = m.get("aws_vpc.main", "plan.json"), m.get("aws_vpc.other", "plan.json")
    by_tag = m.get("aws_flow_log.by_tag", "plan.json")
    asked = _addresses(m.references_to(vpc, ["aws_flow_log"], attribute="vpc_id"))
    assert asked == ["aws_flow_log.b", "aws_flow_log.a"]  # model order, each once
    # Only vpc_id was resolved: the references of the other attributes are still unread.
    assert by_tag.references._value is None  # type: ignore[attr-defined]
    assert _addresses(m.references_to(other, ["aws_flow_log"], attribute="vpc_id")) == ["aws_flow_log.by_tag"]
    assert _addresses(m.references_to(vpc, ["aws_flow_log"], attribute="tags")) == ["aws_flow_log.by_tag"]
    assert _addresses(m.references_to(vpc, ["aws_flow_log"], attribute="cidr_block")) == []
    # The whole index (every attribute) agrees with the one-attribute indexes.
    everything = _addresses(m.references_to(vpc, ["aws_flow_log"]))
    assert everything == ["aws_flow_log.b", "aws_flow_log.by_tag", "aws_flow_log.a"]
    for flow in m.of_type("aws_flow_log"):
        for attr in flow.references:
            for target in m.referenced(flow, attr):
                assert flow in m.references_to(target, ["aws_flow_log"], attribute=attr)
    # Adding a resource drops the indexes: the new referrer is found.
    m.add(plan_resources(PlanBuilder().create("aws_flow_log.late", {}, refs={
        "vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]}).build(), origin="plan.json")[0])
    assert _addresses(m.references_to(vpc, ["aws_flow_log"], attribute="vpc_id"))[-1] == "aws_flow_log.late"


def test_references_prefer_the_same_module_instance() -> None:
    b = PlanBuilder()
    for key in ("a", "b"):
        b.create(f'module.vpc["{key}"].aws_vpc.this', {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
        b.create(f'module.vpc["{key}"].aws_flow_log.this', {}, refs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
    m = model_of(b)
    flow_a = m.get('module.vpc["a"].aws_flow_log.this', "plan.json")
    assert [r.address for r in m.referenced(flow_a, "vpc_id")] == ['module.vpc["a"].aws_vpc.this']


def test_prior_state_only_resources_are_loaded() -> None:
    m = model_of(PlanBuilder().create("aws_vpc.a", {}).prior("aws_route.private", {"nat_gateway_id": "nat-1",
                                                                                   "destination_cidr_block": "0.0.0.0/0"}))
    route = m.get("aws_route.private", "plan.json")
    assert route is not None and route.from_prior_state and route.before["nat_gateway_id"] == "nat-1"
    assert m.by_id("nat-1") == []  # the route is not the gateway


def test_planned_values_fallback_without_resource_changes() -> None:
    doc = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).build()
    del doc["resource_changes"]
    res = plan_resources(doc, origin="p.json")
    assert [(r.address, r.actions, r.after) for r in res] == [("aws_ebs_volume.v", ("no-op",), {"encrypted": False})]


def test_id_index_spans_before_and_after() -> None:
    m = model_of(PlanBuilder().delete("aws_nat_gateway.a", {"id": "nat-1"}).noop("aws_nat_gateway.b", {"id": "nat-2"}))
    assert [r.address for r in m.by_id("nat-1")] == ["aws_nat_gateway.a"]
    assert [r.address for r in m.by_id("nat-2")] == ["aws_nat_gateway.b"]


@pytest.mark.parametrize("text,expected", [
    ("", ()),
    ("module.a", ("a",)),
    ('module.a["x.y]"].module.b[0]', ("a", "b")),
])
def test_module_path(text: str, expected: tuple[str, ...]) -> None:
    assert module_path(text) == expected


def test_reference_steps_keep_only_literal_keys() -> None:
    assert reference_steps('module.vpc["a.b"].aws_vpc.this[0].id') == [
        ("module", None), ("vpc", '["a.b"]'), ("aws_vpc", None), ("this", "[0]"), ("id", None)]
    assert reference_steps("aws_vpc.this[count.index].cidr_block") == [
        ("aws_vpc", None), ("this", None), ("cidr_block", None)]
    assert reference_steps('aws_x.y["k"].list[3]') == [("aws_x", None), ("y", '["k"]'), ("list", "[3]")]


# -- references with instance keys -------------------------------------------------------
def _addresses(resources) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.address for r in resources]


def test_a_literal_index_selects_that_instance_only() -> None:
    b = PlanBuilder()
    for i in (0, 1):
        b.create(f"aws_vpc.main[{i}]", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    b.create("aws_flow_log.first", {}, refs={"vpc_id": ["aws_vpc.main[0].id", "aws_vpc.main[0]", "aws_vpc.main"]})
    b.create("aws_flow_log.every", {}, refs={"vpc_id": ["aws_vpc.main[count.index].id", "aws_vpc.main"]})
    m = model_of(b)
    first, every = m.get("aws_flow_log.first", "plan.json"), m.get("aws_flow_log.every", "plan.json")
    assert first.references == {"vpc_id": ("aws_vpc.main[0]",)}
    assert _addresses(m.referenced(first, "vpc_id")) == ["aws_vpc.main[0]"]
    # A computed key says nothing about the instance: every one matches.
    assert every.references == {"vpc_id": ("aws_vpc.main",)}
    assert _addresses(m.referenced(every, "vpc_id")) == ["aws_vpc.main[0]", "aws_vpc.main[1]"]
    vpc1 = m.get("aws_vpc.main[1]", "plan.json")
    assert _addresses(m.references_to(vpc1, ["aws_flow_log"])) == ["aws_flow_log.every"]


def test_a_module_instance_key_is_kept_through_the_output() -> None:
    b = PlanBuilder().module_call("module.net", outputs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
    for key in ("a", "b"):
        b.create(f'module.net["{key}"].aws_vpc.this', {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    b.create("aws_flow_log.a", {}, refs={"vpc_id": ['module.net["a"].vpc_id', 'module.net["a"]']})
    b.create("aws_flow_log.any", {}, refs={"vpc_id": ["module.net.vpc_id", "module.net"]})
    m = model_of(b)
    flow_a, flow_any = m.get("aws_flow_log.a", "plan.json"), m.get("aws_flow_log.any", "plan.json")
    assert flow_a.references == {"vpc_id": ('module.net["a"].aws_vpc.this',)}
    assert _addresses(m.referenced(flow_a, "vpc_id")) == ['module.net["a"].aws_vpc.this']
    assert _addresses(m.referenced(flow_any, "vpc_id")) == ['module.net["a"].aws_vpc.this', 'module.net["b"].aws_vpc.this']


def test_instances_added_after_a_reference_was_matched_are_matched_too() -> None:
    # The instance groups are built on first ask (model._groups_of); adding an instance must drop them.
    b = PlanBuilder()
    b.create('module.net["b"].aws_vpc.this', {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    b.create("aws_flow_log.any", {}, refs={"vpc_id": ["module.net.vpc_id", "module.net"]})
    b.module_call("module.net", outputs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
    m = model_of(b)
    flow = m.get("aws_flow_log.any", "plan.json")
    assert _addresses(m.referenced(flow, "vpc_id")) == ['module.net["b"].aws_vpc.this']
    late = PlanBuilder().create('module.net["a"].aws_vpc.this', {}, unknown=["id"]).build()
    m.add(plan_resources(late, origin="plan.json")[0])
    # In model order, as when every instance was there from the start.
    assert _addresses(m.referenced(flow, "vpc_id")) == ['module.net["b"].aws_vpc.this', 'module.net["a"].aws_vpc.this']
    unrelated = PlanBuilder().create('module.net["c"].aws_subnet.this', {}).build()
    m.add(plan_resources(unrelated, origin="plan.json")[0])  # another config address: the VPC's groups stand
    assert _addresses(m.referenced(flow, "vpc_id")) == ['module.net["b"].aws_vpc.this', 'module.net["a"].aws_vpc.this']


def test_a_key_no_instance_has_matches_nothing() -> None:
    b = PlanBuilder().create("aws_vpc.main[0]", {}, unknown=["id"])
    b.create("aws_flow_log.x", {}, refs={"vpc_id": ["aws_vpc.main[5].id", "aws_vpc.main[5]", "aws_vpc.main"]})
    m = model_of(b)
    assert m.referenced(m.get("aws_flow_log.x", "plan.json"), "vpc_id") == []


def test_nested_module_references_prefer_the_referrers_own_instance() -> None:
    # module.env["prod"].module.vpc refers (without keys) to module.env.aws_vpc.shared:
    # the one of its own module.env instance.
    b = PlanBuilder().module_call("module.env.module.vpc", inputs={"vpc_id": {"references": ["aws_vpc.shared.id", "aws_vpc.shared"]}})
    for env in ("prod", "dev"):
        b.create(f'module.env["{env}"].aws_vpc.shared', {}, unknown=["id"])
        b.create(f'module.env["{env}"].module.vpc.aws_subnet.a', {}, refs={"vpc_id": ["var.vpc_id"]})
    m = model_of(b)
    subnet = m.get('module.env["dev"].module.vpc.aws_subnet.a', "plan.json")
    assert subnet.references == {"vpc_id": ("module.env.aws_vpc.shared",)}
    assert _addresses(m.referenced(subnet, "vpc_id")) == ['module.env["dev"].aws_vpc.shared']


@pytest.mark.parametrize("target,expected", [
    ("aws_vpc.main", ("aws_vpc.main", (), None)),
    ("aws_vpc.main[0]", ("aws_vpc.main", (), "[0]")),
    ('module.net["a"].module.x.aws_vpc.this["k"]', ("module.net.module.x.aws_vpc.this", ('["a"]', None), '["k"]')),
    ("data.aws_vpc.default[1]", ("data.aws_vpc.default", (), "[1]")),
])
def test_reference_target(target: str, expected: tuple[object, ...]) -> None:
    assert reference_target(target) == expected


@pytest.mark.parametrize("target", [
    "aws_vpc.main", "aws_vpc.main.id", "module.net.aws_vpc.this", "module.a.module.b.aws_x.y.z",
    "module.net", "module", "module.", "module.net.module", "data.aws_ami.ubuntu", "data.aws_ami", "data",
    "module.m.data.aws_ami.u.id", "aws_x..y", ".aws_x.y", "aws_x.", "", ".", "aws_x", "module.a.b.aws_x.y",
    "aws_vpc.main[0]", 'module.net["a"].aws_vpc.this', "a.b.c", "data.module.x",
])
def test_a_target_without_a_key_reads_as_the_walk_over_its_steps_reads_it(target: str) -> None:
    # ``reference_target`` splits a target with no ``[`` and no empty step itself (nearly every target).
    from natpolicy.address import target_of_steps
    assert reference_target(target) == target_of_steps(reference_steps(target))


@pytest.mark.parametrize("configuration", [
    {"root_module": {"resources": "not a list"}},
    {"root_module": {"resources": [{"address": 7, "type": "aws_vpc", "name": "x", "expressions": []}]}},
    {"root_module": {"module_calls": {"net": {"expressions": ["x"], "module": {"outputs": ["y"]}}},
                     "resources": [{"address": "aws_flow_log.f", "expressions": {
                         "vpc_id": {"references": ["module.net.vpc_id", "var.x", 3]}}}]}},
    {"root_module": {"module_calls": [1, 2]}},
    {"root_module": {"module_calls": {"net": {"expressions": ["not", "an", "object"], "module": {"resources": [
        {"address": "aws_flow_log.f", "expressions": {"vpc_id": {"references": ["var.vpc_id"]}}}]}}}}},
    {"root_module": {"module_calls": {"net": {"module": {"outputs": {"vpc_id": "not an object"}}}},
                     "resources": [{"address": "aws_flow_log.f",
                                    "expressions": {"vpc_id": {"references": ["module.net.vpc_id"]}}}]}},
    "not an object",
])
def test_a_malformed_configuration_resolves_to_nothing(configuration: object) -> None:
    index = ConfigIndex(configuration)
    for address in ("aws_flow_log.f", "aws_vpc.x", "module.net.aws_flow_log.f"):
        assert index.references(address) == {}
