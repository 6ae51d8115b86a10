"""``natpolicy events``: the AWS API calls (CloudTrail ``eventSource`` / ``eventName``) applying a plan will make.

For the resource types natpolicy understands, each planned action maps to
the calls the AWS provider makes for it. A security team loads the JSON to
pre-approve the alerts an approved change raises (``DeleteNatGateway`` is the
one NAT001 is about). This table is the one place the mapping lives: the rule
docs name their events in "Why it matters", and a test checks every name they
use is here for one of the rule's resource types.

Only the calls that matter for review are listed (creation, deletion and the
changes that alter exposure or egress), not every Describe the provider makes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from natpolicy.model import Resource

__all__ = ["EVENTS", "PlannedEvent", "event_names", "planned_events", "render_json", "render_text"]

EC2 = "ec2.amazonaws.com"
AUTOSCALING = "autoscaling.amazonaws.com"

_SG_CHANGES = ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
               "RevokeSecurityGroupEgress", "ModifySecurityGroupRules")
_ROUTE_CHANGES = ("CreateRoute", "ReplaceRoute", "DeleteRoute")

# resource type -> (eventSource, {plan action: eventNames in the order the provider calls them}).
EVENTS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "aws_nat_gateway": (EC2, {"create": ("CreateNatGateway",), "delete": ("DeleteNatGateway",)}),
    "aws_eip": (EC2, {"create": ("AllocateAddress",), "delete": ("DisassociateAddress", "ReleaseAddress")}),
    "aws_route": (EC2, {"create": ("CreateRoute",), "update": ("ReplaceRoute",), "delete": ("DeleteRoute",)}),
    "aws_route_table": (EC2, {"create": ("CreateRouteTable", "CreateRoute"), "update": _ROUTE_CHANGES,
                              "delete": ("DeleteRouteTable",)}),
    "aws_default_route_table": (EC2, {"create": _ROUTE_CHANGES, "update": _ROUTE_CHANGES, "delete": ()}),
    "aws_route_table_association": (EC2, {"create": ("AssociateRouteTable",),
                                          "update": ("ReplaceRouteTableAssociation",),
                                          "delete": ("DisassociateRouteTable",)}),
    "aws_main_route_table_association": (EC2, {"create": ("ReplaceRouteTableAssociation",),
                                               "update": ("ReplaceRouteTableAssociation",),
                                               "delete": ("ReplaceRouteTableAssociation",)}),
    "aws_vpc": (EC2, {"create": ("CreateVpc",), "update": ("ModifyVpcAttribute",), "delete": ("DeleteVpc",)}),
    "aws_default_vpc": (EC2, {"update": ("ModifyVpcAttribute",), "delete": ("DeleteVpc",)}),
    "aws_flow_log": (EC2, {"create": ("CreateFlowLogs",), "delete": ("DeleteFlowLogs",)}),
    "aws_security_group": (EC2, {"create": ("CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
                                            "AuthorizeSecurityGroupEgress"),
                                 "update": _SG_CHANGES, "delete": ("DeleteSecurityGroup",)}),
    "aws_default_security_group": (EC2, {"create": _SG_CHANGES, "update": _SG_CHANGES, "delete": ()}),
    # aws_security_group_rule: Ingress or Egress after its `type` (see _names).
    "aws_security_group_rule": (EC2, {"create": ("AuthorizeSecurityGroupIngress",),
                                      "update": ("RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"),
                                      "delete": ("RevokeSecurityGroupIngress",)}),
    "aws_vpc_security_group_ingress_rule": (EC2, {"create": ("AuthorizeSecurityGroupIngress",),
                                                  "update": ("ModifySecurityGroupRules",),
                                                  "delete": ("RevokeSecurityGroupIngress",)}),
    "aws_vpc_security_group_egress_rule": (EC2, {"create": ("AuthorizeSecurityGroupEgress",),
                                                 "update": ("ModifySecurityGroupRules",),
                                                 "delete": ("RevokeSecurityGroupEgress",)}),
    "aws_ebs_volume": (EC2, {"create": ("CreateVolume",), "update": ("ModifyVolume",), "delete": ("DeleteVolume",)}),
    "aws_instance": (EC2, {"create": ("RunInstances",), "update": ("ModifyInstanceAttribute",),
                           "delete": ("TerminateInstances",)}),
    "aws_launch_template": (EC2, {"create": ("CreateLaunchTemplate",),
                                  "update": ("CreateLaunchTemplateVersion", "ModifyLaunchTemplate"),
                                  "delete": ("DeleteLaunchTemplate",)}),
    "aws_launch_configuration": (AUTOSCALING, {"create": ("CreateLaunchConfiguration",),
                                               "delete": ("DeleteLaunchConfiguration",)}),
    # Enable or Disable after `enabled` (see _names); deleting the resource turns the default off.
    "aws_ebs_encryption_by_default": (EC2, {"create": ("EnableEbsEncryptionByDefault",),
                                            "update": ("EnableEbsEncryptionByDefault",),
                                            "delete": ("DisableEbsEncryptionByDefault",)}),
}

# Names a resource's own values can switch to (the table lists the default one).
_SWITCHED = {
    "aws_security_group_rule": {n: n.replace("Ingress", "Egress") for n in _SG_CHANGES if "Ingress" in n},
    "aws_ebs_encryption_by_default": {"EnableEbsEncryptionByDefault": "DisableEbsEncryptionByDefault"},
}


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    origin: str
    address: str
    resource_type: str
    actions: tuple[str, ...]
    event_source: str
    event_name: str

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.origin, "address": self.address, "type": self.resource_type,
                "actions": list(self.actions), "eventSource": self.event_source, "eventName": self.event_name}


def event_names(resource_type: str) -> set[str]:
    """Every event name ``resource_type`` can produce (for the rule-doc agreement test)."""
    _, by_action = EVENTS.get(resource_type, ("", {}))
    names = {n for group in by_action.values() for n in group}
    return names | {_SWITCHED.get(resource_type, {}).get(n, n) for n in names}


def planned_events(resources: Iterable[Resource]) -> list[PlannedEvent]:
    """The events of every managed resource change natpolicy knows, in plan order (a replacement: both halves)."""
    out: list[PlannedEvent] = []
    for res in resources:
        entry = EVENTS.get(res.type)
        if entry is None or res.mode != "managed":
            continue
        source, by_action = entry
        for action in res.actions:
            for name in _names(res, action, by_action.get(action, ())):
                out.append(PlannedEvent(res.origin, res.address, res.type, res.actions, source, name))
    return out


def _names(res: Resource, action: str, names: tuple[str, ...]) -> tuple[str, ...]:
    switch = _SWITCHED.get(res.type)
    if not switch or not names:
        return names
    values = res.before if action == "delete" else res.after
    values = values if isinstance(values, dict) else {}
    if res.type == "aws_security_group_rule" and values.get("type") == "egress":
        return tuple(switch.get(n, n) for n in names)
    if res.type == "aws_ebs_encryption_by_default" and action != "delete" and values.get("enabled") is False:
        return tuple(switch.get(n, n) for n in names)
    return names


def render_json(events: list[PlannedEvent]) -> str:
    import json

    return json.dumps({"events": [e.as_dict() for e in events], "summary": _summary(events)}, indent=2) + "\n"


def render_text(events: list[PlannedEvent]) -> str:
    if not events:
        return "No AWS API calls natpolicy knows of: the plans change none of the resource types it maps.\n"
    from natpolicy.safe_text import one_line

    rows = [("eventSource", "eventName", "action", "resource")]
    rows += [(e.event_source, e.event_name, "/".join(e.actions), one_line(e.address)) for e in events]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join([*(r[i].ljust(widths[i]) for i in range(3)), r[3]]).rstrip() for r in rows]
    counts = ", ".join(f"{s['eventName']} x{s['count']}" for s in _summary(events))
    return "\n".join(lines) + f"\n\n{len(events)} call{'' if len(events) == 1 else 's'}: {counts}\n"


def _summary(events: list[PlannedEvent]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {}
    for e in events:
        counts[(e.event_source, e.event_name)] = counts.get((e.event_source, e.event_name), 0) + 1
    return [{"eventSource": s, "eventName": n, "count": c} for (s, n), c in sorted(counts.items())]
