"""``data.natpolicy``: what natpolicy already computed, offered to Rego policies.

Joins that are slow in Rego (and quadratic in regopy) are done once here in
Python. The document is built per plan, only when a policy mentions
``data.natpolicy`` (rego-cpp re-reads base documents when compiling, so an
unused one would cost time for nothing). Shape::

    data.natpolicy.plan                 display path of the plan being checked
    data.natpolicy.references[address][attribute] = [resource address, ...]
        resolved through variables and module outputs, keeping the instance
        keys the configuration wrote (see natpolicy.model), e.g.
        {"aws_flow_log.main": {"vpc_id": ["module.net.aws_vpc.this"]}},
        {"aws_flow_log.first": {"vpc_id": ["aws_vpc.main[0]"]}}
    data.natpolicy.resources_after[address] = {type, name, mode, module,
        config_address, actions, change_index, id}
        every managed resource that exists after apply; change_index is its
        position in input.resource_changes (null when it comes from
        prior_state), so values are one lookup away
    data.natpolicy.nat.gateways[address] = {deleted, replaced, private,
        lost_routes: [{route_table, destinations, subnets, reason}], partial,
        cross_az, teardown}
        the NAT001 route analysis of every deleted NAT gateway (deposed
        objects as "<address> (deposed <key>)"); ``reason`` is why the table
        has no egress: no_route, blackhole, target_deleted, igw_not_public, private_nat
        or no_egress; ``partial``: no route evidence and no other gateway of
        its kind in its VPC (or plan); ``cross_az``: no route evidence, and
        the others are all in other availability zones; with ``--live`` only,
        ``live_route_tables: [{id, name, owner, main, subnets, destinations,
        region}]``: route tables outside every plan that still target it
"""
from __future__ import annotations

from typing import Any

from natpolicy.model import ResourceModel

__all__ = ["natpolicy_data", "natpolicy_notes"]


def natpolicy_data(model: ResourceModel, origin: str, document: Any) -> dict[str, Any]:
    resources = [r for r in model if r.origin == origin]
    change_index: dict[tuple[str, str | None], int] = {}
    changes = document.get("resource_changes") if isinstance(document, dict) else None
    if isinstance(changes, list):
        for i, rc in enumerate(changes):
            if isinstance(rc, dict) and isinstance(rc.get("address"), str):
                change_index.setdefault((rc["address"], rc.get("deposed")), i)

    references = {r.address: {k: list(v) for k, v in sorted(r.references.items())}
                  for r in resources if r.references and r.deposed is None}
    after: dict[str, Any] = {}
    for r in resources:
        if r.mode != "managed" or not r.exists_after:
            continue
        rid = r.after.get("id") if isinstance(r.after, dict) else None
        after[r.address] = {
            "type": r.type, "name": r.name, "mode": r.mode, "module": r.module,
            "config_address": r.config_address, "actions": list(r.actions),
            "change_index": change_index.get((r.address, None)),
            "id": rid if isinstance(rid, str) else None,
        }
    data: dict[str, Any] = {"plan": origin, "references": references, "resources_after": after}
    nat = _nat_analysis(model, origin)
    if nat is not None:
        data["nat"] = nat
    return data


def _nat_analysis(model: ResourceModel, origin: str) -> dict[str, Any] | None:
    """The NAT001 verdicts, if the NAT rule family is installed.

    Read through the family's public analysis so Rego sees exactly what
    NAT001 judged. Only a missing family leaves ``nat`` out: any other
    failure is a bug, and hiding it would hand policies a silently wrong
    analysis.
    """
    try:
        from natpolicy.policies.nat.analysis import deleted_gateways
    except ImportError:
        return None
    gateways: dict[str, Any] = {}
    for gw in deleted_gateways(model, origin):
        gateways[gw.address] = {
            "deleted": True,
            "replaced": gw.replaced,
            "private": gw.private,
            "partial": gw.partial,
            "cross_az": gw.cross_az,
            "teardown": gw.teardown,
            "lost_routes": [
                {
                    "route_table": loss.route_table,
                    "destinations": list(loss.destinations),
                    "subnets": list(loss.subnets),
                    "reason": loss.reason,
                }
                for loss in gw.lost_routes
            ],
        }
        live = model.context.live_route_tables.get(gw.gateway_id or "")
        if live:  # `--live` only: the route tables outside every plan that still target it (NAT004's twin)
            gateways[gw.address]["live_route_tables"] = [
                {"id": t.route_table_id, "name": t.name, "owner": t.owner, "main": t.main,
                 "subnets": list(t.subnets), "destinations": list(t.destinations), "region": t.region}
                for t in live
            ]
    return {"gateways": gateways}


def natpolicy_notes(model: ResourceModel) -> list[str]:
    """Run notes of the analyses ``natpolicy_data`` read (the NAT rules report the same ones)."""
    try:
        from natpolicy.policies.nat.analysis import run_notes
    except ImportError:
        return []
    return list(run_notes(model))
