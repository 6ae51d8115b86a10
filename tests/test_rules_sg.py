"""SG001-SG004: security groups open to the internet, graded by exposure."""
from __future__ import annotations

from typing import Any

import pytest

from conftest import PlanBuilder, findings_of, run_rules

OPEN4 = ["0.0.0.0/0"]


def ingress(from_port: Any, to_port: Any, protocol: Any = "tcp", cidrs: Any = None, **extra: Any) -> dict[str, Any]:
    block = {
        "from_port": from_port, "to_port": to_port, "protocol": protocol,
        "cidr_blocks": OPEN4 if cidrs is None else cidrs, "ipv6_cidr_blocks": [],
        "prefix_list_ids": [], "security_groups": [], "self": False, "description": "",
    }
    block.update(extra)
    return block


def group(plan: PlanBuilder, address: str, *blocks: dict[str, Any], **kw: Any) -> PlanBuilder:
    kw.setdefault("unknown", ["id", "arn"])
    return plan.create(address, {"name": address.rsplit(".", 1)[-1], "ingress": list(blocks), "egress": []}, **kw)


def rule(plan: PlanBuilder, address: str, from_port: Any, to_port: Any, protocol: Any = "tcp",
         cidrs: Any = None, **extra: Any) -> PlanBuilder:
    values = {"type": "ingress", "security_group_id": "sg-0123", "from_port": from_port, "to_port": to_port,
              "protocol": protocol, "cidr_blocks": OPEN4 if cidrs is None else cidrs, "ipv6_cidr_blocks": None,
              "prefix_list_ids": None, "self": False, "source_security_group_id": None}
    values.update(extra)
    return plan.create(address, values, unknown=["id"])


def vpc_rule(plan: PlanBuilder, address: str, sensitive: list[str] | None = None, **values: Any) -> PlanBuilder:
    return plan.create(address, {"security_group_id": "sg-0123", **values}, unknown=["id", "arn"], sensitive=sensitive)


def messages(builder: PlanBuilder, *rules: str) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for f in run_rules(builder, *(rules or ("SG",))).findings:
        out.setdefault((f.rule_id, f.address), []).append(f.message)
    return out


def with_options(builder: PlanBuilder, options: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    classes = registry.select(registry.discover(), ["SG"])
    result = run(model, registry.instantiate(classes, options))
    return sorted((f.rule_id, f.address) for f in result.findings)


# -- grading ------------------------------------------------------------------------
@pytest.mark.parametrize(("block", "expected"), [
    (ingress(0, 0, "-1"), "SG001"),
    (ingress(0, 0, "all"), "SG001"),
    (ingress(0, 65535, "tcp"), "SG001"),
    (ingress(1, 65535, "udp"), "SG001"),
    (ingress(22, 22), "SG002"),
    (ingress(3389, 3389), "SG002"),
    (ingress(5432, 5432, "6"), "SG002"),
    (ingress(20, 25), "SG002"),         # a range that includes SSH
    (ingress(9000, 9999), "SG002"),     # includes 9042, 9200, 9300
    (ingress(80, 80), "SG003"),
    (ingress(443, 443), "SG003"),
    (ingress(8080, 8080), "SG004"),
    (ingress(80, 81), "SG004"),         # 81 is not a web port
    (ingress(80, 443), "SG002"),        # also spans MS RPC (135) and NetBIOS (139)
    (ingress(53, 53, "udp"), "SG004"),
    (ingress(0, 0, "tcp"), "SG004"),    # tcp 0-0 is port 0, not every port
    (ingress(0, 0, "50"), "SG004"),     # ESP: ports do not apply, all of it is open
])
def test_each_open_rule_is_graded_once(plan: PlanBuilder, block: dict[str, Any], expected: str) -> None:
    group(plan, "aws_security_group.web", block)
    assert findings_of(plan, "SG") == [(expected, "aws_security_group.web")]


def test_icmp_from_the_world_is_not_reported(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.ping", ingress(8, 0, "icmp"), ingress(-1, -1, "icmpv6", cidrs=[],
                                                                          ipv6_cidr_blocks=["::/0"]))
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.ping", ip_protocol="icmp", from_port=-1, to_port=-1,
             cidr_ipv4="0.0.0.0/0")
    assert findings_of(plan, "SG") == []


def test_messages_name_the_address_and_the_exposure(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.web", ingress(22, 22), ingress(20, 25), ingress(443, 443),
          ingress(8100, 8200), ingress(0, 0, "-1", cidrs=[], ipv6_cidr_blocks=["::/0"]))
    got = messages(plan)
    assert sorted(got[("SG002", "aws_security_group.web")]) == sorted([
        "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0",
        "aws_security_group.web allows ports 20-25/tcp, including FTP (21), SSH (22), Telnet (23), from 0.0.0.0/0",
    ])
    assert got[("SG003", "aws_security_group.web")] == ["aws_security_group.web allows HTTPS (443/tcp) from 0.0.0.0/0"]
    assert got[("SG004", "aws_security_group.web")] == ["aws_security_group.web allows ports 8100-8200/tcp from 0.0.0.0/0"]
    assert got[("SG001", "aws_security_group.web")] == [
        "aws_security_group.web allows all traffic (every protocol and port) from ::/0"]


def test_several_open_rules_of_one_group_get_distinct_fingerprints(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.db", ingress(22, 22), ingress(3306, 3306),
          ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["::/0"]))
    found = [f for f in run_rules(plan, "SG002").findings]
    assert len(found) == 3
    assert len({f.fingerprint for f in found}) == 3


# -- what counts as open ------------------------------------------------------------
def test_split_cidrs_whose_union_is_the_internet_are_open(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.split", ingress(22, 22, cidrs=["0.0.0.0/1", "128.0.0.0/1"]))
    rule(plan, "aws_security_group_rule.split6", 3389, 3389, cidrs=[],
         ipv6_cidr_blocks=["::/1", "8000::/1"])
    rule(plan, "aws_security_group_rule.overlap", 22, 22, cidrs=["0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/1"])
    assert findings_of(plan, "SG") == [
        ("SG002", "aws_security_group.split"),
        ("SG002", "aws_security_group_rule.overlap"),
        ("SG002", "aws_security_group_rule.split6"),
    ]
    assert messages(plan)[("SG002", "aws_security_group.split")] == [
        "aws_security_group.split allows SSH (22/tcp) from 0.0.0.0/1 + 128.0.0.0/1"]


def test_near_misses_are_not_open(plan: PlanBuilder) -> None:
    # Half the internet, a gap, and wide-but-private ranges are not "the internet".
    group(plan, "aws_security_group.half", ingress(22, 22, cidrs=["0.0.0.0/1"]))
    group(plan, "aws_security_group.gap", ingress(22, 22, cidrs=["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"]))
    group(plan, "aws_security_group.private", ingress(22, 22, cidrs=["10.0.0.0/8", "172.16.0.0/12"]))
    # IPv4 and IPv6 halves never add up to a whole family.
    group(plan, "aws_security_group.mixed", ingress(22, 22, cidrs=["0.0.0.0/1"], ipv6_cidr_blocks=["8000::/1"]))
    group(plan, "aws_security_group.garbage", ingress(22, 22, cidrs=["not-a-cidr", ""]))
    assert findings_of(plan, "SG") == []


def test_vpc_ingress_rule_all_protocols_over_ipv6(plan: PlanBuilder) -> None:
    # Checkov never reads ip_protocol: this is its false negative.
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.all6", ip_protocol="-1", cidr_ipv6="::/0",
             from_port=None, to_port=None, cidr_ipv4=None, referenced_security_group_id=None, prefix_list_id=None)
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.ssh", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv4="0.0.0.0/0")
    # -1 means every port whatever from/to say.
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.ports_ignored", ip_protocol="-1", from_port=443,
             to_port=443, cidr_ipv4="0.0.0.0/0")
    assert findings_of(plan, "SG") == [
        ("SG001", "aws_vpc_security_group_ingress_rule.all6"),
        ("SG001", "aws_vpc_security_group_ingress_rule.ports_ignored"),
        ("SG002", "aws_vpc_security_group_ingress_rule.ssh"),
    ]


def test_vpc_ingress_rule_from_a_referenced_group_or_prefix_list_is_quiet(plan: PlanBuilder) -> None:
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.from_alb", ip_protocol="tcp", from_port=80, to_port=80,
             referenced_security_group_id="sg-0alb", cidr_ipv4=None)
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.from_pl", ip_protocol="-1",
             prefix_list_id="pl-0123", cidr_ipv4=None, cidr_ipv6=None)
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.private", ip_protocol="-1", cidr_ipv4="10.0.0.0/8")
    assert findings_of(plan, "SG") == []


def test_null_prefix_list_does_not_suppress_detection(plan: PlanBuilder) -> None:
    rule(plan, "aws_security_group_rule.rdp", 3389, 3389, prefix_list_ids=None)
    group(plan, "aws_security_group.rdp", ingress(3389, 3389, prefix_list_ids=None))
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group.rdp"), ("SG002", "aws_security_group_rule.rdp")]


def test_prefix_list_next_to_an_open_cidr_does_not_hide_it(plan: PlanBuilder) -> None:
    rule(plan, "aws_security_group_rule.both", 22, 22, prefix_list_ids=["pl-0123"])
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group_rule.both")]


def test_self_rule_before_an_open_rule_does_not_hide_it(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.cluster",
          ingress(0, 0, "-1", cidrs=[], self=True),
          ingress(22, 22))
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group.cluster")]


def test_self_and_referenced_groups_alone_are_quiet(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.cluster", ingress(0, 0, "-1", cidrs=[], self=True),
          ingress(5432, 5432, cidrs=[], security_groups=["sg-0app"]))
    rule(plan, "aws_security_group_rule.from_app", 22, 22, cidrs=[], source_security_group_id="sg-0app")
    plan.create("aws_security_group_rule.from_ref", {"type": "ingress", "from_port": 3306, "to_port": 3306,
                                                     "protocol": "tcp", "security_group_id": "sg-0123"},
                unknown=["id", "source_security_group_id"], refs={"source_security_group_id": ["aws_security_group.cluster.id"]})
    assert findings_of(plan, "SG") == []


def test_egress_is_not_these_rules(plan: PlanBuilder) -> None:
    plan.create("aws_security_group.out", {"ingress": [], "egress": [ingress(0, 0, "-1")]}, unknown=["id"])
    rule(plan, "aws_security_group_rule.out", 0, 0, "-1", type="egress")
    plan.create("aws_vpc_security_group_egress_rule.out", {"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"})
    assert findings_of(plan, "SG") == []


def test_default_security_group_is_covered(plan: PlanBuilder) -> None:
    plan.create("aws_default_security_group.default", {"vpc_id": "vpc-1", "ingress": [ingress(0, 0, "-1")]},
                unknown=["id"])
    assert findings_of(plan, "SG") == [("SG001", "aws_default_security_group.default")]


# -- unknown values ----------------------------------------------------------------------
def test_unknown_values_are_never_violations(plan: PlanBuilder) -> None:
    # CIDR list only known after apply.
    group(plan, "aws_security_group.cidrs", ingress(22, 22, cidrs=[]),
          unknown={"id": True, "ingress": [{"cidr_blocks": True}]})
    # The whole ingress set is unknown.
    plan.create("aws_security_group.dynamic", {"name": "dynamic"}, unknown=["id", "ingress"])
    # Ports unknown with an open CIDR: skipped rather than guessed.
    plan.create("aws_security_group_rule.ports2", {"type": "ingress", "protocol": "tcp", "cidr_blocks": OPEN4},
                unknown=["id", "from_port", "to_port"])
    # Protocol and rule type unknown.
    plan.create("aws_security_group_rule.proto", {"type": "ingress", "from_port": 22, "to_port": 22,
                                                  "cidr_blocks": OPEN4}, unknown=["id", "protocol"])
    plan.create("aws_security_group_rule.kind", {"from_port": 22, "to_port": 22, "protocol": "tcp",
                                                 "cidr_blocks": OPEN4}, unknown=["id", "type"])
    # One CIDR of several unknown: the known ones alone are not the internet.
    group(plan, "aws_security_group.partly", ingress(22, 22, cidrs=["0.0.0.0/1", "x"]),
          unknown={"id": True, "ingress": [{"cidr_blocks": [False, True]}]})
    assert findings_of(plan, "SG") == []


def test_all_protocols_is_open_even_when_ports_are_unknown(plan: PlanBuilder) -> None:
    plan.create("aws_security_group_rule.any", {"type": "ingress", "protocol": "-1", "cidr_blocks": OPEN4},
                unknown=["id", "from_port", "to_port"])
    assert findings_of(plan, "SG") == [("SG001", "aws_security_group_rule.any")]


# -- lifecycle ------------------------------------------------------------------------------
def test_pure_delete_of_an_open_group_is_quiet(plan: PlanBuilder) -> None:
    plan.delete("aws_security_group.old", {"id": "sg-1", "ingress": [ingress(22, 22)], "egress": []})
    plan.delete("aws_security_group_rule.old", {"id": "sgr-1", "type": "ingress", "protocol": "-1",
                                                "from_port": 0, "to_port": 0, "cidr_blocks": OPEN4})
    assert findings_of(plan, "SG") == []


def test_replaced_group_is_judged_on_after(plan: PlanBuilder) -> None:
    plan.replace("aws_security_group.fixed", {"id": "sg-1", "ingress": [ingress(22, 22)]},
                 {"ingress": [ingress(22, 22, cidrs=["10.0.0.0/8"])]}, unknown=["id"])
    plan.replace("aws_security_group.broken", {"id": "sg-2", "ingress": [ingress(22, 22, cidrs=["10.0.0.0/8"])]},
                 {"ingress": [ingress(22, 22)]}, unknown=["id"])
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group.broken")]


def test_update_that_removes_the_problem_is_quiet(plan: PlanBuilder) -> None:
    plan.update("aws_security_group.web", {"id": "sg-1", "ingress": [ingress(22, 22), ingress(443, 443)]},
                {"id": "sg-1", "ingress": [ingress(443, 443, cidrs=["10.0.0.0/8"])]})
    plan.update("aws_security_group_rule.ssh", {"id": "r-1", "type": "ingress", "protocol": "tcp", "from_port": 22,
                                                "to_port": 22, "cidr_blocks": OPEN4},
                {"id": "r-1", "type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22,
                 "cidr_blocks": ["192.168.0.0/16"]})
    assert findings_of(plan, "SG") == []


def test_unchanged_open_group_is_still_reported(plan: PlanBuilder) -> None:
    plan.noop("aws_security_group.legacy", {"id": "sg-1", "ingress": [ingress(3306, 3306)]})
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group.legacy")]


# -- options and sensitive values ------------------------------------------------------------
def test_admin_ports_are_configurable(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.app", ingress(8080, 8080))
    group(plan, "aws_security_group.ssh", ingress(22, 22))
    family = {"admin_ports": [8080], "web_ports": [80, 443]}
    options = {rule_id: family for rule_id in ("SG001", "SG002", "SG003", "SG004")}
    assert with_options(plan, options) == [("SG002", "aws_security_group.app"), ("SG004", "aws_security_group.ssh")]
    assert with_options(plan, {}) == [("SG002", "aws_security_group.ssh"), ("SG004", "aws_security_group.app")]


def test_web_ports_are_configurable(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.alt", ingress(8443, 8443))
    family = {"web_ports": [80, 443, 8443]}
    options = {rule_id: family for rule_id in ("SG001", "SG002", "SG003", "SG004")}
    assert with_options(plan, options) == [("SG003", "aws_security_group.alt")]


def test_sensitive_cidr_does_not_appear_in_the_message(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.secret", ingress(22, 22, cidrs=["0.0.0.0/0"]),
          sensitive={"ingress": [{"cidr_blocks": True}]})
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.secret", ip_protocol="-1", cidr_ipv4="0.0.0.0/0",
             sensitive=["cidr_ipv4"])
    result = run_rules(plan, "SG")
    assert sorted((f.rule_id, f.address) for f in result.findings) == [
        ("SG001", "aws_vpc_security_group_ingress_rule.secret"), ("SG002", "aws_security_group.secret")]
    for f in result.findings:
        assert "0.0.0.0" not in f.message
        assert "(sensitive value)" in f.message
        assert "0.0.0.0" not in str(f.details)


def test_ports_given_as_strings_are_read(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.hcl", ingress("22", "22"))
    assert findings_of(plan, "SG") == [("SG002", "aws_security_group.hcl")]


def test_message_names_the_open_range_not_the_private_ones_beside_it(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.web", ingress(22, 22, cidrs=["10.0.0.0/8", "0.0.0.0/0"]))
    assert messages(plan) == {("SG002", "aws_security_group.web"): [
        "aws_security_group.web allows SSH (22/tcp) from 0.0.0.0/0"]}


def test_different_port_options_on_one_model_are_not_mixed_up(plan: PlanBuilder) -> None:
    # SG checks share their grading through a memo on the resource; it must follow the options.
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.policies.sg.sg002_admin_ports import SecurityGroupAdminPortFromInternet
    from natpolicy.policies.sg.sg004_other_ports import SecurityGroupOtherPortFromInternet
    from natpolicy.runner import run

    group(plan, "aws_security_group.app", ingress(8080, 8080))
    model = ResourceModel(plan_resources(plan.build(), origin="plan.json"))
    default = run(model, [SecurityGroupAdminPortFromInternet(), SecurityGroupOtherPortFromInternet()])
    custom = run(model, [SecurityGroupAdminPortFromInternet({"admin_ports": [8080]}),
                         SecurityGroupOtherPortFromInternet({"admin_ports": [8080]})])
    assert [f.rule_id for f in default.findings] == ["SG004"]
    assert [f.rule_id for f in custom.findings] == ["SG002"]


# -- sensitive protocol and ports ---------------------------------------------------------
def test_sensitive_ports_and_protocol_are_graded_but_never_shown(plan: PlanBuilder) -> None:
    rule(plan, "aws_security_group_rule.rdp", 3389, 3389)
    plan._changes[-1]["change"]["after_sensitive"] = {"from_port": True, "to_port": True}
    group(plan, "aws_security_group.ssh", ingress(22, 22, "tcp"), ingress(8080, 8080),
          sensitive={"ingress": [{"protocol": True}, {}]})
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.https", sensitive=["from_port", "to_port"],
             ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0")
    result = run_rules(plan, "SG")
    got = sorted((f.rule_id, f.address, f.message) for f in result.findings)
    assert got == [
        ("SG002", "aws_security_group.ssh",
         "aws_security_group.ssh allows a sensitive administrative or database port from 0.0.0.0/0"),
        ("SG002", "aws_security_group_rule.rdp",
         "aws_security_group_rule.rdp allows a sensitive administrative or database port from 0.0.0.0/0"),
        ("SG003", "aws_vpc_security_group_ingress_rule.https",
         "aws_vpc_security_group_ingress_rule.https allows a sensitive web port from 0.0.0.0/0"),
        # The other block of the same group is not sensitive and is shown as always.
        ("SG004", "aws_security_group.ssh", "aws_security_group.ssh allows port 8080/tcp from 0.0.0.0/0"),
    ]
    for f in result.findings:
        if "sensitive" in f.message:
            # Keys reach fingerprints and baseline files; details reach JSON and markdown.
            text = f.key + str(f.details)
            assert not any(word in text for word in ("22", "3389", "443", "SSH", "RDP", "HTTPS", "tcp"))


# -- ranges and protocols AWS refuses, or that are not known ------------------------------
def test_reversed_port_range_is_refused_by_aws_and_opens_nothing(plan: PlanBuilder) -> None:
    # The shape of a real corpus plan (from_port 443, to_port 22).
    group(plan, "aws_security_group.reversed", ingress(443, 22))
    rule(plan, "aws_security_group_rule.reversed", 25, 20)
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.reversed", ip_protocol="udp", from_port=53, to_port=52,
             cidr_ipv4="0.0.0.0/0")
    # Near miss: the same range the right way round.
    group(plan, "aws_security_group.ordered", ingress(22, 443))
    # Ports do not apply to all traffic: from > to there is still all traffic.
    rule(plan, "aws_security_group_rule.all", 10, 0, "-1")
    assert findings_of(plan, "SG") == [("SG001", "aws_security_group_rule.all"),
                                       ("SG002", "aws_security_group.ordered")]


@pytest.mark.parametrize(("from_port", "to_port"), [(-1, -1), (-1, 65535), (0, 65536), (22, 70000)])
def test_tcp_and_udp_ports_outside_0_65535_are_refused_by_aws_and_open_nothing(
        plan: PlanBuilder, from_port: int, to_port: int) -> None:
    group(plan, "aws_security_group.tcp", ingress(from_port, to_port))
    rule(plan, "aws_security_group_rule.udp", from_port, to_port, "udp")
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.tcp", ip_protocol="tcp", from_port=from_port,
             to_port=to_port, cidr_ipv4="0.0.0.0/0")
    result = run_rules(plan, "SG")
    assert result.findings == []
    bad = from_port if from_port < 0 else to_port
    assert result.rule_notes == [
        f"aws_security_group.tcp ingress block 0 is not graded: TCP port {bad} is outside 0-65535, which AWS "
        "refuses, so it opens nothing",
        f"aws_security_group_rule.udp is not graded: UDP port {bad} is outside 0-65535, which AWS refuses, so it "
        "opens nothing",
        f"aws_vpc_security_group_ingress_rule.tcp is not graded: TCP port {bad} is outside 0-65535, which AWS "
        "refuses, so it opens nothing",
    ]


def test_minus_one_ports_with_protocol_all_are_all_traffic_not_a_refusal(plan: PlanBuilder) -> None:
    # Near miss: -1 means "all" with protocol -1, as AWS and every example write it.
    group(plan, "aws_security_group.all", ingress(-1, -1, "-1"))
    rule(plan, "aws_security_group_rule.edges", 0, 65535, "udp")
    result = run_rules(plan, "SG")
    assert sorted((f.rule_id, f.address) for f in result.findings) == [
        ("SG001", "aws_security_group.all"), ("SG001", "aws_security_group_rule.edges")]
    assert result.rule_notes == []


def test_web_ports_are_tcp_only(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.udp80", ingress(80, 80, "udp"))
    group(plan, "aws_security_group.udp443", ingress(443, 443, "17"))
    group(plan, "aws_security_group.tcp80", ingress(80, 80, "tcp"))  # near miss: the web server's port
    assert findings_of(plan, "SG") == [("SG003", "aws_security_group.tcp80"),
                                       ("SG004", "aws_security_group.udp443"),
                                       ("SG004", "aws_security_group.udp80")]
    assert messages(plan, "SG004")[("SG004", "aws_security_group.udp80")] == [
        "aws_security_group.udp80 allows port 80/udp from 0.0.0.0/0"]


def test_a_cidr_in_the_attribute_of_the_other_family_is_rejected_and_opens_nothing(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.v4_in_v6", ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["0.0.0.0/0"]))
    group(plan, "aws_security_group.v6_in_v4", ingress(22, 22, cidrs=["::/0"]))
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.v4_in_v6", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv6="0.0.0.0/0")
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.v6_in_v4", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv4="::/0")
    # Near misses: each family in its own attribute.
    group(plan, "aws_security_group.v6", ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["::/0"]))
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.v6", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv6="::/0")
    result = run_rules(plan, "SG")
    assert sorted((f.rule_id, f.address) for f in result.findings) == [
        ("SG002", "aws_security_group.v6"), ("SG002", "aws_vpc_security_group_ingress_rule.v6")]
    assert result.rule_notes == [
        "aws_security_group.v4_in_v6 ingress block 0 is not graded: `ipv6_cidr_blocks` holds the IPv4 range "
        "0.0.0.0/0, which the provider rejects (only IPv6 is accepted there), so it opens nothing",
        "aws_security_group.v6_in_v4 ingress block 0 is not graded: `cidr_blocks` holds the IPv6 range ::/0, which "
        "the provider rejects (only IPv4 is accepted there), so it opens nothing",
        "aws_vpc_security_group_ingress_rule.v4_in_v6 is not graded: `cidr_ipv6` holds the IPv4 range 0.0.0.0/0, "
        "which the provider rejects (only IPv6 is accepted there), so it opens nothing",
        "aws_vpc_security_group_ingress_rule.v6_in_v4 is not graded: `cidr_ipv4` holds the IPv6 range ::/0, which "
        "the provider rejects (only IPv4 is accepted there), so it opens nothing",
    ]


def test_a_zero_prefix_with_host_bits_set_is_rejected_and_said(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.host_bits", ingress(22, 22, cidrs=["1.0.0.0/0"]))
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.host_bits", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv6="2001:db8::/0")
    # Near misses: the network address itself, and a private range with host bits set (no internet intent).
    group(plan, "aws_security_group.network", ingress(22, 22, cidrs=["0.0.0.0/0"]))
    group(plan, "aws_security_group.private", ingress(22, 22, cidrs=["10.0.0.1/8"]))
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address) for f in result.findings] == [("SG002", "aws_security_group.network")]
    assert result.rule_notes == [
        "aws_security_group.host_bits ingress block 0 is not graded: 1.0.0.0/0 has host bits set, which the "
        "provider rejects (the network address is 0.0.0.0/0), so it opens nothing",
        "aws_vpc_security_group_ingress_rule.host_bits is not graded: 2001:db8::/0 has host bits set, which the "
        "provider rejects (the network address is ::/0), so it opens nothing",
    ]


def test_a_refused_source_beside_an_accepted_open_one_is_graded_on_the_accepted_one(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.mixed", ingress(22, 22, cidrs=["0.0.0.0/0", "::/0"]))
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address) for f in result.findings] == [("SG002", "aws_security_group.mixed")]
    assert result.rule_notes == []


def test_refusal_notes_never_show_a_sensitive_cidr(plan: PlanBuilder) -> None:
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.secret", sensitive=["cidr_ipv6"], ip_protocol="tcp",
             from_port=22, to_port=22, cidr_ipv6="0.0.0.0/0")
    notes = run_rules(plan, "SG").rule_notes
    assert len(notes) == 1 and "0.0.0.0" not in notes[0] and "(sensitive value)" in notes[0]


def test_protocol_that_is_neither_a_name_nor_a_number_is_unknown(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.unresolved", ingress(22, 22, "var.proto"), ingress(0, 0, "${var.p}"))
    rule(plan, "aws_security_group_rule.bogus", 0, 0, "tcpx")
    rule(plan, "aws_security_group_rule.too_big", 0, 0, "300")
    # Numbers and IANA names are protocols: all of that protocol is open.
    rule(plan, "aws_security_group_rule.esp_number", 0, 0, "50")
    rule(plan, "aws_security_group_rule.esp_name", 0, 0, "esp")
    vpc_rule(plan, "aws_vpc_security_group_ingress_rule.gre", ip_protocol="47", cidr_ipv4="0.0.0.0/0")
    assert findings_of(plan, "SG") == [
        ("SG004", "aws_security_group_rule.esp_name"),
        ("SG004", "aws_security_group_rule.esp_number"),
        ("SG004", "aws_vpc_security_group_ingress_rule.gre"),
    ]
    assert {f.message.split(" allows ")[1] for f in run_rules(plan, "SG004").findings} == {
        "all of IP protocol 50 from 0.0.0.0/0", "all of IP protocol 47 from 0.0.0.0/0"}


# -- several entries of one group open the port together ----------------------------------
def test_two_inline_blocks_of_one_group_open_a_port_together(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.halves", ingress(22, 22, cidrs=["0.0.0.0/1"]),
          ingress(22, 22, cidrs=["128.0.0.0/1"]), ingress(443, 443, cidrs=["10.0.0.0/8"]))
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address, f.message, f.key) for f in result.findings] == [
        ("SG002", "aws_security_group.halves",
         "aws_security_group.halves allows SSH (22/tcp) from 0.0.0.0/1 + 128.0.0.0/1 "
         "(together, through ingress block 0 and ingress block 1)", "union:tcp:22-22:ipv4")]
    assert result.findings[0].details["union_of"] == ["aws_security_group.halves#0", "aws_security_group.halves#1"]


def test_two_rules_on_one_known_group_id_open_a_port_together(plan: PlanBuilder) -> None:
    rule(plan, "aws_security_group_rule.b", 3389, 3389, cidrs=["128.0.0.0/1"])
    rule(plan, "aws_security_group_rule.a", 3389, 3389, cidrs=["0.0.0.0/1"])
    # The group lives in another state: reported once, on the first rule by address.
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address, f.key) for f in result.findings] == [
        ("SG002", "aws_security_group_rule.a", "union:tcp:3389-3389:ipv4")]
    assert result.findings[0].message.endswith("(together, through this rule and aws_security_group_rule.b)")


def test_two_vpc_rules_referencing_one_new_group_are_reported_on_the_group(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.app")
    for name, cidr in (("low", "::/1"), ("high", "8000::/1")):
        plan.create(f"aws_vpc_security_group_ingress_rule.{name}",
                    {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_ipv6": cidr},
                    unknown=["id", "arn", "security_group_id"],
                    refs={"security_group_id": ["aws_security_group.app.id", "aws_security_group.app"]})
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address, f.key) for f in result.findings] == [
        ("SG002", "aws_security_group.app", "union:tcp:5432-5432:ipv6")]
    assert result.findings[0].message == (
        "aws_security_group.app allows PostgreSQL (5432/tcp) from 8000::/1 + ::/1 (together, through "
        "aws_vpc_security_group_ingress_rule.high and aws_vpc_security_group_ingress_rule.low)")


def test_inline_block_and_rule_of_one_group_open_a_port_together(plan: PlanBuilder) -> None:
    plan.noop("aws_security_group.mixed", {"id": "sg-0mixed", "ingress": [ingress(0, 0, "-1", cidrs=["0.0.0.0/1"])]})
    rule(plan, "aws_security_group_rule.other_half", 0, 0, "-1", cidrs=["128.0.0.0/1"], security_group_id="sg-0mixed")
    assert findings_of(plan, "SG") == [("SG001", "aws_security_group.mixed")]


def test_entries_that_do_not_add_up_within_one_group_stay_quiet(plan: PlanBuilder) -> None:
    # Same group, different ports or protocols: each half is only half.
    group(plan, "aws_security_group.ports", ingress(22, 22, cidrs=["0.0.0.0/1"]),
          ingress(23, 23, cidrs=["128.0.0.0/1"]))
    group(plan, "aws_security_group.protocols", ingress(53, 53, "udp", cidrs=["0.0.0.0/1"]),
          ingress(53, 53, "tcp", cidrs=["128.0.0.0/1"]))
    # Same port, different groups.
    rule(plan, "aws_security_group_rule.g1", 22, 22, cidrs=["0.0.0.0/1"], security_group_id="sg-1")
    rule(plan, "aws_security_group_rule.g2", 22, 22, cidrs=["128.0.0.0/1"], security_group_id="sg-2")
    # An IPv4 half and an IPv6 half; an ingress half and an egress half.
    rule(plan, "aws_security_group_rule.v4", 3306, 3306, cidrs=["0.0.0.0/1"], security_group_id="sg-3")
    rule(plan, "aws_security_group_rule.v6", 3306, 3306, cidrs=[], ipv6_cidr_blocks=["8000::/1"],
         security_group_id="sg-3")
    rule(plan, "aws_security_group_rule.in", 6379, 6379, cidrs=["0.0.0.0/1"], security_group_id="sg-4")
    rule(plan, "aws_security_group_rule.out", 6379, 6379, cidrs=["128.0.0.0/1"], security_group_id="sg-4",
         type="egress")
    # Group unknown until apply, and no configuration reference names it.
    for name, cidr in (("u1", "0.0.0.0/1"), ("u2", "128.0.0.0/1")):
        plan.create(f"aws_security_group_rule.{name}", {"type": "ingress", "protocol": "tcp", "from_port": 22,
                                                         "to_port": 22, "cidr_blocks": [cidr]},
                    unknown=["id", "security_group_id"])
    # The other half is being deleted.
    rule(plan, "aws_security_group_rule.stays", 9200, 9200, cidrs=["0.0.0.0/1"], security_group_id="sg-5")
    plan.delete("aws_security_group_rule.goes", {"id": "r-1", "type": "ingress", "protocol": "tcp",
                                                 "from_port": 9200, "to_port": 9200, "cidr_blocks": ["128.0.0.0/1"],
                                                 "security_group_id": "sg-5"})
    assert findings_of(plan, "SG") == []


def test_rules_referencing_a_group_with_several_instances_are_not_merged(plan: PlanBuilder) -> None:
    # `aws_security_group.web[count.index]`: the reference alone does not tell which instance.
    for i in (0, 1):
        group(plan, f"aws_security_group.web[{i}]")
    for i, cidr in enumerate(("0.0.0.0/1", "128.0.0.0/1")):
        plan.create(f"aws_security_group_rule.ssh[{i}]", {"type": "ingress", "protocol": "tcp", "from_port": 22,
                                                          "to_port": 22, "cidr_blocks": [cidr]},
                    unknown=["id", "security_group_id"], refs={"security_group_id": ["aws_security_group.web"]})
    assert findings_of(plan, "SG") == []


def test_an_entry_open_alone_is_reported_alone_not_again_as_a_union(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.web", ingress(22, 22, cidrs=["0.0.0.0/0"]),
          ingress(22, 22, cidrs=["0.0.0.0/1"]), ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["::/1"]),
          ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["8000::/1"]))
    result = run_rules(plan, "SG")
    # IPv4: the /0 block alone. IPv6: only the two halves together.
    assert sorted(f.key for f in result.findings) == ["tcp:22-22:ipv4", "union:tcp:22-22:ipv6"]


def test_overlapping_ranges_of_one_group_open_the_ports_they_share(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.wide_and_ssh", ingress(0, 100, cidrs=["0.0.0.0/1"]),
          ingress(22, 22, cidrs=["128.0.0.0/1"]))
    group(plan, "aws_security_group.overlap", ingress(0, 100, cidrs=["0.0.0.0/1"]),
          ingress(20, 30, cidrs=["128.0.0.0/1"]))
    result = run_rules(plan, "SG")
    assert [(f.rule_id, f.address, f.key) for f in result.findings] == [
        ("SG002", "aws_security_group.overlap", "union:tcp:20-30:ipv4"),
        ("SG002", "aws_security_group.wide_and_ssh", "union:tcp:22-22:ipv4")]
    assert result.findings[0].message == (
        "aws_security_group.overlap allows ports 20-30/tcp, including FTP (21), SSH (22), Telnet (23), "
        "from 0.0.0.0/1 + 128.0.0.0/1 (together, through ingress block 0 and ingress block 1)")


def test_all_traffic_from_one_half_and_a_port_from_the_other_open_that_port(plan: PlanBuilder) -> None:
    rule(plan, "aws_security_group_rule.everything_low", 0, 0, "-1", cidrs=["0.0.0.0/1"])
    rule(plan, "aws_security_group_rule.rdp_high", 3389, 3389, cidrs=["128.0.0.0/1"])
    rule(plan, "aws_security_group_rule.dns_high", 53, 53, "udp", cidrs=["128.0.0.0/1"])
    rule(plan, "aws_security_group_rule.ping_high", 8, 0, "icmp", cidrs=["128.0.0.0/1"])
    result = run_rules(plan, "SG")
    # Each on the first of its rules by address (the group is in another state); ICMP is never reported.
    assert sorted((f.rule_id, f.address, f.key) for f in result.findings) == [
        ("SG002", "aws_security_group_rule.everything_low", "union:tcp:3389-3389:ipv4"),
        ("SG004", "aws_security_group_rule.dns_high", "union:udp:53-53:ipv4")]
    rdp = next(f for f in result.findings if f.rule_id == "SG002")
    assert rdp.details["union_of"] == ["aws_security_group_rule.everything_low", "aws_security_group_rule.rdp_high"]


def test_each_range_a_union_opens_is_one_finding(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.two_runs", ingress(0, 100, cidrs=["0.0.0.0/1"]),
          ingress(10, 20, cidrs=["128.0.0.0/1"]), ingress(15, 20, cidrs=["128.0.0.0/2"]),
          ingress(80, 90, cidrs=["128.0.0.0/1"]))
    assert sorted(f.key for f in run_rules(plan, "SG").findings) == ["union:tcp:10-20:ipv4", "union:tcp:80-90:ipv4"]


def test_ranges_that_only_touch_or_miss_each_other_stay_quiet(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.adjacent", ingress(0, 100, cidrs=["0.0.0.0/1"]),
          ingress(101, 200, cidrs=["128.0.0.0/1"]))
    group(plan, "aws_security_group.ping", ingress(0, 0, "-1", cidrs=["0.0.0.0/1"]),
          ingress(8, 0, "icmp", cidrs=["128.0.0.0/1"]))
    # Each port reached from three quarters of IPv4 only: 22 misses 192/2, 23 misses 128/2.
    group(plan, "aws_security_group.three_quarters", ingress(0, 100, cidrs=["0.0.0.0/1"]),
          ingress(22, 22, cidrs=["128.0.0.0/2"]), ingress(23, 23, cidrs=["192.0.0.0/2"]),
          ingress(22, 22, cidrs=["192.0.0.0/2"], protocol="udp"))
    assert findings_of(plan, "SG") == []


def test_a_union_inside_what_one_entry_opens_alone_is_not_reported_again(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.web", ingress(0, 1000, cidrs=["0.0.0.0/0"]),
          ingress(22, 22, cidrs=["0.0.0.0/1"]), ingress(22, 22, cidrs=["128.0.0.0/1"]),
          ingress(2000, 2000, cidrs=["0.0.0.0/1"]), ingress(1990, 2010, cidrs=["128.0.0.0/1"]))
    assert sorted(f.key for f in run_rules(plan, "SG").findings) == ["tcp:0-1000:ipv4", "union:tcp:2000-2000:ipv4"]


def test_split_halves_with_sensitive_ports_are_keyed_by_their_members(plan: PlanBuilder) -> None:
    group(plan, "aws_security_group.s", ingress(3389, 3389, cidrs=["0.0.0.0/1"]),
          ingress(3389, 3389, cidrs=["128.0.0.0/1"]),
          sensitive={"ingress": [{"from_port": True, "to_port": True}, {}]})
    [finding] = run_rules(plan, "SG").findings
    assert finding.rule_id == "SG002"
    assert finding.key == "union:sensitive:aws_security_group.s#0+aws_security_group.s#1:ipv4"
    assert "3389" not in finding.message and "RDP" not in finding.message


# -- the Rego twins (sg.rego, ebs.rego) name their rule ----------------------------------
def test_twin_results_carry_the_rule_id_for_conftest_and_policy_runs(plan: PlanBuilder) -> None:
    # A result without `id` is reported as `natpolicy.rules.sg/deny` when the
    # exported twins run as conftest-style policies; with it, as SG002.
    pytest.importorskip("regopy")
    from natpolicy.rego.engine_regopy import RegopyEngine
    from natpolicy.rego.twins import twin_files

    group(plan, "aws_security_group.web", ingress(22, 22), ingress(443, 443))
    plan.create("aws_ebs_volume.v", {"encrypted": False, "size": 8})
    plan.create("aws_ebs_encryption_by_default.off", {"enabled": False}, unknown=["id"])
    engine = RegopyEngine()
    refs = [f"natpolicy/rules/{family}/{kind}" for family in ("sg", "ebs") for kind in ("deny", "warn")]
    compiled = engine.compile({p.name: p.read_text(encoding="utf-8") for p in twin_files()}, None, refs)
    results = [r for ref in refs for r in engine.evaluate(compiled, ref, engine.prepare_input(plan.build()))]
    assert sorted(r["id"] for r in results) == ["EBS001", "EBS005", "SG002", "SG003"]
    assert all(r["id"] == r["rule"] for r in results)
