"""The NAT analysis as plain JSON data, for consumers outside the Python rules."""
from __future__ import annotations

from typing import Any

from natpolicy.model import ResourceModel
from natpolicy.policies.nat._egress import egress_index
from natpolicy.policies.nat._routes import NAT_TYPE, TableLoss

__all__ = ["gateway_facts"]


def gateway_facts(model: ResourceModel) -> list[dict[str, Any]]:
    """The NAT analysis as plain JSON data, one entry per gateway the plan deletes or replaces.

    For consumers outside the Python rules (Rego's ``data.natpolicy``, reports):
    ``lost`` lists the route tables that keep subnets but no egress after apply.
    """
    index = egress_index(model)
    out: list[dict[str, Any]] = []
    for gateway in model.of_type(NAT_TYPE):
        if gateway.mode != "managed" or not gateway.is_deleted:
            continue
        verdict = index.judge_gateway(gateway)
        out.append({
            "address": gateway.address,
            "origin": gateway.origin,
            "deposed": gateway.deposed,
            "actions": list(gateway.actions),
            "private": verdict.private,
            "affected": [_loss_facts(loss) for loss in verdict.affected],
            "lost": [_loss_facts(loss) for loss in verdict.losses],
            "teardown": verdict.teardown,
            "partial_evidence": verdict.partial,
            "alone_in_scope": verdict.alone,
            "scope": verdict.scope or None,
        })
    return out


def _loss_facts(loss: TableLoss) -> dict[str, Any]:
    res = loss.table.resource
    return {
        "table": res.address if res is not None else None,
        "table_id": loss.table.shown_id(),
        "origin": res.origin if res is not None else None,
        "destinations": list(loss.destinations),
        "subnets": [s.shown_id() or s.label for s in loss.subnets],
    }
