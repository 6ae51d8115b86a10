"""Message and ``details`` building blocks shared by the NAT rules.

Every id shown goes through ``Resource.show`` (via ``Node.shown_id``), so a
value the plan marks sensitive is never echoed.
"""
from __future__ import annotations

from typing import Any

from natpolicy.model import Resource
from natpolicy.policies.nat._routes import (
    BLACKHOLE,
    DEFAULT_DESTINATIONS,
    IGW_NOT_PUBLIC,
    NO_ROUTE,
    PRIVATE_NAT,
    TARGET_GONE,
    Node,
    TableLoss,
)


def gateway_id(gateway: Resource) -> str | None:
    value = gateway.get("id", before=True)
    if isinstance(value, str) and value:
        return gateway.show(value, "id", before=True)
    return None


def gateway_label(gateway: Resource) -> str:
    label = gateway.address
    if gateway.deposed is not None:
        label += f" (deposed object {gateway.deposed})"
    return label


def node_label(node: Node) -> str:
    """A resource's address; for a table known only by id, that id."""
    if node.resource is not None:
        return node.label
    return node.shown_id() or node.label


def plural(word: str, items: list[Any], plural_form: str | None = None) -> str:
    return word if len(items) == 1 else (plural_form or word + "s")


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def table_phrase(loss: TableLoss, home_origin: str, *, adjective: str = "private ") -> str:
    """``private route table X in plan b.json (subnets subnet-1, subnet-2)``."""
    text = f"{adjective}route table {node_label(loss.table)}"
    res = loss.table.resource
    if res is not None and res.origin and res.origin != home_origin:
        text += f" in plan {res.origin}"
    names = [s.shown_id() or s.label for s in loss.subnets]
    if loss.main:
        # The main table also serves subnets no plan names: say so.
        if names:
            text += (f" (the VPC's main route table: {plural('subnet', names)} {', '.join(names)} "
                     "and every other subnet without an explicit association)")
        else:
            text += " (the VPC's main route table: every subnet without an explicit association)"
    elif names:
        text += f" ({plural('subnet', names)} {', '.join(names)})"
    return text


def loss_phrase(loss: TableLoss, *, private: bool) -> str:
    """What a table loses, and why: ``loses its default route 0.0.0.0/0`` and the like."""
    destinations = loss.destinations
    reason, target = loss.blocker.reason, loss.blocker.target
    if reason == NO_ROUTE:
        if private:
            return f"loses private routing to {join_words(destinations)}"
        if all(d in DEFAULT_DESTINATIONS for d in destinations):
            return f"loses its default {plural('route', destinations)} {join_words(destinations)}"
        return f"loses its {plural('route', destinations)} to {join_words(destinations)}"
    if reason == BLACKHOLE:
        kind = "default " if all(d in DEFAULT_DESTINATIONS for d in destinations) and not private else ""
        return (f"keeps its {kind}{plural('route', destinations)} {join_words(destinations)} to the deleted "
                "gateway, a blackhole")
    what = target or "its target"
    if reason == PRIVATE_NAT:
        why = f"private NAT gateway {what}, which gives no internet egress"
    elif reason == IGW_NOT_PUBLIC:
        why = f"internet gateway {what}, which its subnets cannot use: they assign no public IP addresses"
    elif reason == TARGET_GONE:
        why = f"{what}, which is deleted too"
    else:
        why = f"{what}, which carries no {'such' if private else 'internet'} traffic"
    return f"still routes {join_words(destinations)}, but to {why}"


def tables_detail(losses: list[TableLoss], *, reasons: bool = False) -> list[dict[str, Any]]:
    """Route tables for ``details``; ``reasons`` adds why each lost its egress."""
    out = []
    for loss in losses:
        res = loss.table.resource
        entry: dict[str, Any] = {
            "address": res.address if res is not None else None,
            "id": loss.table.shown_id(),
            "origin": res.origin if res is not None else None,
            "destinations": list(loss.destinations),
            "subnets": [
                {"address": s.resource.address if s.resource is not None else None, "id": s.shown_id()}
                for s in loss.subnets
            ],
        }
        if loss.main:
            entry["main_route_table"] = True
        if reasons:
            entry["reason"] = loss.blocker.reason
            entry["target"] = loss.blocker.target
        out.append(entry)
    return out
