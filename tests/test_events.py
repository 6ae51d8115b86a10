"""``natpolicy events``: the CloudTrail eventSource/eventName that applying a plan makes (issue 19)."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CORPUS, FIXTURES, CliResult
from natpolicy.check import rule_family
from natpolicy.events import event_names
from natpolicy.registry import discover
from planbuilder import PlanBuilder
from rule_docs import _section

Cli = Callable[..., CliResult]
_EVENT = re.compile(r"`([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)`")


def _family_names(rule_id: str) -> set[str]:
    types = {t for r in discover() if rule_family(r.id) == rule_family(rule_id) for t in r.supported_types}
    return set().union(*(event_names(t) for t in types))


@pytest.mark.parametrize("rule", discover(), ids=lambda r: r.id)
def test_rule_docs_and_the_mapping_agree(rule: type) -> None:
    """Every CloudTrail event a rule doc names is one the mapping gives its family's resource types."""
    why = _section(rule.documentation(), "## Why it matters", "## Example")
    named = set(_EVENT.findall(why))
    assert named, f"{rule.id}'s doc names no CloudTrail event"
    assert named <= _family_names(rule.id), f"{rule.id} names {sorted(named - _family_names(rule.id))}, not mapped"


def test_nat_deletion_lists_its_calls_in_plan_order(cli: Cli) -> None:
    result = cli("events", str(FIXTURES / "plans" / "nat-deleted.json"), "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [(e["eventName"], e["address"]) for e in report["events"]] == [
        ("DisassociateAddress", "module.vpc.aws_eip.nat[1]"),
        ("ReleaseAddress", "module.vpc.aws_eip.nat[1]"),
        ("DeleteNatGateway", "module.vpc.aws_nat_gateway.this[1]"),
        ("DeleteRoute", "module.vpc.aws_route.private_nat_gateway[1]"),
    ]
    assert {s["eventName"]: s["count"] for s in report["summary"]}["DeleteNatGateway"] == 1
    assert all(e["eventSource"] == "ec2.amazonaws.com" for e in report["events"])
    text = cli("events", str(FIXTURES / "plans" / "nat-deleted.json"))
    assert text.code == 0 and "DeleteNatGateway" in text.out and "4 calls:" in text.out


def test_values_choose_between_ingress_and_egress_and_enable_and_disable(cli: Cli, tmp_path: Path) -> None:
    plan = (PlanBuilder()
            .create("aws_security_group_rule.out", {"type": "egress", "from_port": 0, "to_port": 0,
                                                    "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]})
            .create("aws_security_group_rule.in", {"type": "ingress", "from_port": 22, "to_port": 22,
                                                   "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]})
            .update("aws_ebs_encryption_by_default.this", {"enabled": True}, {"enabled": False})
            .replace("aws_nat_gateway.gw", {"id": "nat-1", "subnet_id": "subnet-1"}, {"subnet_id": "subnet-2"},
                     unknown=["id"])
            .noop("aws_vpc.main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}))
    path = plan.write(tmp_path / "plan.json")
    report = json.loads(cli("events", str(path), "-f", "json").out)
    assert [(e["address"], e["eventName"]) for e in report["events"]] == [
        ("aws_security_group_rule.out", "AuthorizeSecurityGroupEgress"),
        ("aws_security_group_rule.in", "AuthorizeSecurityGroupIngress"),
        ("aws_ebs_encryption_by_default.this", "DisableEbsEncryptionByDefault"),
        ("aws_nat_gateway.gw", "DeleteNatGateway"),  # destroy-before-create: the deletion first
        ("aws_nat_gateway.gw", "CreateNatGateway"),
    ]


def test_bad_input_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    result = cli("events", str(bad))
    assert result.code == 2 and result.err.count("\n") == 1 and "Traceback" not in result.err


def _plans(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*.json") if '"resource_changes"' in p.read_text(encoding="utf-8")[:4096]
                  or '"format_version"' in p.read_text(encoding="utf-8")[:200])


def test_every_fixture_plan_works(cli: Cli) -> None:
    plans = _plans(FIXTURES)
    assert plans
    for plan in plans:
        result = cli("events", str(plan), "-f", "json")
        assert result.code in (0, 2) and "internal error" not in result.err, (plan, result.err)
        if result.code == 0:
            json.loads(result.out)


@pytest.mark.skipif(not (CORPUS / "plans").is_dir(), reason="no shared corpus beside the checkout")
def test_every_corpus_plan_works(cli: Cli) -> None:
    plans = sorted((CORPUS / "plans").rglob("*.json"))
    assert len(plans) > 100
    # One run over all of them: the same loader as `check`, so one bad plan would fail the whole run.
    result = cli("events", *map(str, plans), "-f", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    names = {e["eventName"] for e in report["events"]}
    assert len({e["plan"] for e in report["events"]}) > 50  # events from many plans, each named
    assert {"CreateNatGateway", "CreateVolume", "AuthorizeSecurityGroupIngress", "RunInstances"} <= names
