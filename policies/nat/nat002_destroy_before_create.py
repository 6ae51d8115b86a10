"""NAT002: a NAT gateway is replaced destroy-before-create, leaving an egress gap."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import GraphCheck, Note, Severity, Violation
from natpolicy.model import UNKNOWN, Resource, ResourceModel
from natpolicy.policies.nat._routes import nonempty_str
from natpolicy.policies.nat._wording import (
    gateway_id,
    gateway_label,
    table_phrase,
    tables_detail,
)
from natpolicy.policies.nat.analysis import GatewayVerdict, egress_index, run_notes


class NatGatewayReplacedDestroyBeforeCreate(GraphCheck):
    id = "NAT002"
    name = "NAT gateway replaced destroy-before-create"
    severity = Severity.MEDIUM
    summary = (
        '`aws_nat_gateway` replaced destroy-before-create (`["delete","create"]`): egress gap until the '
        "new gateway exists"
    )
    # The replaced gateway alone shows the gap.
    judges_one_resource = True
    categories = ("networking", "availability")
    supported_types = ("aws_nat_gateway",)

    def scan(self, model: ResourceModel) -> Iterable[Violation | Note]:
        index = egress_index(model)
        # Whichever NAT rule runs reports what the shared analysis noticed (the runner keeps one copy).
        yield from (Note(text) for text in run_notes(model))
        for gateway in model.of_type("aws_nat_gateway"):
            # ["create", "delete"] (create_before_destroy) has no gap.
            if gateway.mode == "managed" and gateway.is_destroy_before_create and gateway.deposed is None:
                yield self._violation(index.judge_gateway(gateway))

    def _violation(self, verdict: GatewayVerdict) -> Violation:
        gateway = verdict.gateway
        what = "private routing" if verdict.private else "egress"
        head = (
            f"{gateway_label(gateway)} is replaced destroy-before-create: from the deletion of the old gateway "
            "until the new one is available, "
        )
        if verdict.affected:
            tables = [f"{table_phrase(t, gateway.origin)} has no {what} for {', '.join(t.destinations)}"
                      for t in verdict.affected]
            body = "; ".join(tables) + ". "
        else:
            body = f"every subnet routed through it has no {what}. "
        fix = "Set lifecycle { create_before_destroy = true }"
        allocation = _allocation(gateway)
        new_allocation = gateway.get("allocation_id")
        # Unknown until apply, or another id: the new gateway gets an Elastic IP of its own.
        own_eip = new_allocation is UNKNOWN or (
            nonempty_str(new_allocation) and new_allocation != _allocation_raw(gateway))
        if verdict.private or verdict.becomes_private:
            fix += "."
        elif own_eip:
            fix += "; the new gateway already gets its own Elastic IP, so both can exist side by side."
        elif allocation:
            fix += (f" and give the new gateway its own Elastic IP: it cannot take over allocation {allocation} "
                    "while the old gateway still holds it.")
        else:
            fix += (" and give the new gateway its own Elastic IP: it cannot take over an allocation the old "
                    "gateway still holds.")
        return Violation(
            message=head + body + fix,
            resource=gateway,
            details={
                "gateway_id": gateway_id(gateway),
                "connectivity_type": "private" if verdict.private else "public",
                "actions": list(gateway.actions),
                "action_reason": gateway.action_reason,
                "allocation_id": allocation,
                "new_allocation_id": _shown(gateway, new_allocation),
                "route_tables": tables_detail(verdict.affected),
            },
        )


def _allocation_raw(gateway: Resource) -> str | None:
    return nonempty_str(gateway.get("allocation_id", before=True))


def _allocation(gateway: Resource) -> str | None:
    """The old gateway's Elastic IP allocation, display-safe."""
    value = _allocation_raw(gateway)
    return gateway.show(value, "allocation_id", before=True) if value else None


def _shown(gateway: Resource, value: object) -> str | None:
    """The new gateway's allocation for ``details``: an id, "(known after apply)" or None."""
    if value is UNKNOWN or nonempty_str(value):
        return gateway.show(value, "allocation_id")
    return None
