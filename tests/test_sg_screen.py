"""The SG screen (``policies/sg/_screen.py``) skips only work whose answer is empty.

Each plan below is judged twice: as the rules run, and with the screen
calling nothing quiet and every union possible (the full path for every
resource). Findings, messages, details and run notes must be the same; the
plans are the near misses of each skip (host bits, the other family's
attribute, halves in one group or in two, halves in two families).
"""
from __future__ import annotations

from typing import Any

import pytest

from conftest import PlanBuilder
from natpolicy.policies.sg import _screen
from natpolicy.policies.sg._ingress import ingress_entries, internet_sources
from test_rules_sg import group, ingress, rule, vpc_rule


def _verdict(builder: PlanBuilder) -> tuple[list[tuple[str, str, str, str, Any]], list[str]]:
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["SG"])))
    assert not result.errors, result.errors
    found = [(f.rule_id, f.address, f.message, f.fingerprint, f.details) for f in result.findings]
    return found, list(result.rule_notes)


def _unscreened(monkeypatch: pytest.MonkeyPatch) -> None:
    def build(screen: _screen.Screen, model: Any) -> None:
        screen.unions_possible, screen.silent, screen.built = True, {}, True

    monkeypatch.setattr(_screen.Screen, "build", build)
    monkeypatch.setattr(_screen.Screen, "is_quiet", lambda screen, resource: False)


_SOURCE_LISTS: list[Any] = [
    [], ["10.0.0.0/8"], ["0.0.0.0/0"], ["1.0.0.0/0"], ["0.0.0.0/1"], ["128.0.0.0/1"],
    ["0.0.0.0/1", "128.0.0.0/1"], ["::/0"], [42, "10.0.0.0/8"], "0.0.0.0/0", None,
]


def _plans() -> list[PlanBuilder]:
    plans: list[PlanBuilder] = []
    for cidrs in _SOURCE_LISTS:
        p = PlanBuilder()
        group(p, "aws_security_group.one", ingress(22, 22, cidrs=cidrs), ingress(70000, 22, cidrs=cidrs))
        rule(p, "aws_security_group_rule.one", 3389, 3389, cidrs=cidrs, ipv6_cidr_blocks=cidrs)
        plans.append(p)
    halves_one_group = PlanBuilder()
    group(halves_one_group, "aws_security_group.halves", ingress(22, 22, cidrs=["0.0.0.0/1"]),
          ingress(22, 22, cidrs=["128.0.0.0/1"]))
    halves_two_groups = PlanBuilder()  # the plan's sources cover IPv4, no one group's do
    group(halves_two_groups, "aws_security_group.low", ingress(22, 22, cidrs=["0.0.0.0/1"]))
    group(halves_two_groups, "aws_security_group.high", ingress(22, 22, cidrs=["128.0.0.0/1"]))
    halves_two_families = PlanBuilder()
    group(halves_two_families, "aws_security_group.mixed", ingress(22, 22, cidrs=["0.0.0.0/1"]),
          ingress(22, 22, cidrs=[], ipv6_cidr_blocks=["8000::/1"]))
    rules_halves = PlanBuilder()
    rule(rules_halves, "aws_security_group_rule.a", 22, 22, cidrs=["0.0.0.0/1"])
    rule(rules_halves, "aws_security_group_rule.b", 22, 22, cidrs=["128.0.0.0/1"])
    vpc_rule(rules_halves, "aws_vpc_security_group_ingress_rule.c", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv6="::/1")
    vpc_rule(rules_halves, "aws_vpc_security_group_ingress_rule.d", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv6="8000::/1")
    vpc_rule(rules_halves, "aws_vpc_security_group_ingress_rule.e", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv4="1.0.0.0/0")
    # Entries the screen leaves unread (not open loosely) beside loud ones, at every place of a group,
    # a block that is no object between them, refused port ranges on both kinds, sensitive ports and
    # a sensitive CIDR beside: the loud entries' findings, notes and block numbers stay as the full path's.
    mixed = PlanBuilder()
    group(mixed, "aws_security_group.mixed", ingress(22, 22, cidrs=["10.0.0.0/8"]), "not a block",  # type: ignore[arg-type]
          ingress(3389, 3389), ingress(70000, 22, cidrs=["10.0.0.0/8"]), ingress(443, 22),
          ingress(80, 80, cidrs=["10.0.0.0/8", "0.0.0.0/0"], ipv6_cidr_blocks=["::/0"]))
    group(mixed, "aws_security_group.hidden", ingress(8080, 8080, cidrs=["10.0.0.0/8"]), ingress(22, 22),
          ingress(9000, 9001), sensitive={"ingress": [{}, {"from_port": True, "to_port": True}, {"cidr_blocks": True}]})
    group(mixed, "aws_security_group.hidden_whole", ingress(22, 22), sensitive={"ingress": True})
    rule(mixed, "aws_security_group_rule.quiet", 22, 22, cidrs=["10.0.0.0/8"])
    rule(mixed, "aws_security_group_rule.loud", 23, 22)
    unknown_lists = PlanBuilder()  # unknown until apply: a list whose truth value is undefined
    group(unknown_lists, "aws_security_group.unknown", ingress(22, 22, cidrs=[], ipv6_cidr_blocks=[]),
          ingress(22, 22), unknown={"id": True, "ingress": [{"cidr_blocks": True, "ipv6_cidr_blocks": True}, {}]})
    rule(unknown_lists, "aws_security_group_rule.unknown", 22, 22, cidrs=[], unknown=["id", "cidr_blocks"])
    return [*plans, halves_one_group, halves_two_groups, halves_two_families, rules_halves, mixed, unknown_lists]


@pytest.mark.parametrize("index", range(len(_plans())))
def test_the_screen_changes_no_finding_and_no_note(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = _plans()[index]
    screened = _verdict(builder)
    _unscreened(monkeypatch)
    assert _verdict(builder) == screened


@pytest.mark.parametrize("cidrs", _SOURCE_LISTS)
def test_quiet_is_exactly_no_entry_open_when_read_loosely(cidrs: Any) -> None:
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel

    p = PlanBuilder()
    group(p, "aws_security_group.one", ingress(22, 22, cidrs=cidrs), ingress(80, 80, cidrs=["10.0.0.0/8"]))
    rule(p, "aws_security_group_rule.one", 22, 22, cidrs=["10.0.0.0/8"], ipv6_cidr_blocks=cidrs)
    vpc_rule(p, "aws_vpc_security_group_ingress_rule.one", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv4=cidrs[0] if isinstance(cidrs, list) and cidrs else cidrs)
    model = ResourceModel(plan_resources(p.build(), origin="plan.json"))
    screen = _screen.screen_of(model)
    for resource in model:
        loud = any(internet_sources(e.sources, loose=True) for e in ingress_entries(resource))
        assert screen.is_quiet(resource) is not loud, resource.address


def test_a_resource_given_new_values_is_read_again() -> None:
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel

    p = PlanBuilder()
    group(p, "aws_security_group.one", ingress(22, 22, cidrs=["10.0.0.0/8"]))
    model = ResourceModel(plan_resources(p.build(), origin="plan.json"))
    resource = model.get("aws_security_group.one")
    assert resource is not None
    assert _screen.screen_of(model).is_quiet(resource)
    object.__setattr__(resource, "after", {"ingress": [ingress(22, 22)]})
    assert not _screen.screen_of(model).is_quiet(resource)


# Block contents whose raw lists look alike but read differently: the raw-list lookup must answer as the key does.
_RAW_NEAR_MISSES: list[Any] = [
    {}, {"cidr_blocks": None}, {"cidr_blocks": []}, {"cidr_blocks": "0.0.0.0/0"}, {"cidr_blocks": ["0.0.0.0/0"]},
    {"ipv6_cidr_blocks": ["0.0.0.0/0"]}, {"cidr_blocks": ["::/0"]}, {"ipv6_cidr_blocks": ["::/0"]},
    {"cidr_blocks": [1, "0.0.0.0/0"]}, {"cidr_blocks": [True, "0.0.0.0/0"]}, {"cidr_blocks": [1.0]},
    {"cidr_blocks": [["0.0.0.0/0"]]}, {"cidr_blocks": [{"a": 1}, "0.0.0.0/0"]}, {"cidr_blocks": [None]},
    {"cidr_blocks": ["0.0.0.0/1"], "ipv6_cidr_blocks": ["128.0.0.0/1"]},
    {"cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"]}, {"cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"], "ipv6_cidr_blocks": []},
    {"cidr_blocks": ("0.0.0.0/0",)}, {"cidr_blocks": [" 0.0.0.0/0"]}, {"cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]},
]


class _Strings(list):  # type: ignore[type-arg]
    """A list subclass: ``_list_key`` reads it as a list, so must the raw lookup."""


def test_a_block_profile_is_its_key_profile_whatever_was_looked_up_before() -> None:
    from natpolicy.model import UNKNOWN

    blocks = [*_RAW_NEAR_MISSES, {"cidr_blocks": UNKNOWN}, {"cidr_blocks": [UNKNOWN, "0.0.0.0/0"]},
              {"cidr_blocks": _Strings(["0.0.0.0/0"])}, {"ipv6_cidr_blocks": _Strings(["::/0"])}]
    for order in (blocks, blocks[::-1]):
        _screen._RAW_PROFILES.clear()
        for block in order:
            key = _screen._list_key(block)
            assert _screen._block_profile(block) == _screen._profile(key), block


@pytest.mark.parametrize("cidrs", _SOURCE_LISTS)
def test_loose_flags_are_each_entry_open_when_read_loosely(cidrs: Any) -> None:
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel

    p = PlanBuilder()
    group(p, "aws_security_group.one", ingress(22, 22, cidrs=["10.0.0.0/8"]), ingress(22, 22, cidrs=cidrs),
          ingress(80, 80))
    rule(p, "aws_security_group_rule.one", 22, 22, cidrs=["0.0.0.0/0"], ipv6_cidr_blocks=cidrs)
    vpc_rule(p, "aws_vpc_security_group_ingress_rule.one", ip_protocol="tcp", from_port=22, to_port=22,
             cidr_ipv4="0.0.0.0/0", cidr_ipv6=cidrs[0] if isinstance(cidrs, list) and cidrs else cidrs)
    model = ResourceModel(plan_resources(p.build(), origin="plan.json"))
    screen = _screen.screen_of(model)
    for resource in model:
        flags = screen.loose_flags(resource)
        assert flags is not None, resource.address  # every resource here has a loud entry
        assert list(flags) == [bool(internet_sources(e.sources, loose=True)) for e in ingress_entries(resource)]
    resource = model.get("aws_security_group.one")
    assert resource is not None
    object.__setattr__(resource, "after", dict(resource.after))
    assert screen.loose_flags(resource) is None  # new values: not what the screen read
