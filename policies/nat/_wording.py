"""Message and ``details`` building blocks shared by the NAT rules.

Every id shown goes through ``Resource.show`` (via ``Node.shown_id``), so a
value the plan marks sensitive is never echoed.
"""
from __future__ import annotations

from typing import Any

from natpolicy.model import Resource
from natpolicy.policies.nat._routes import DEFAULT_DESTINATIONS, Node, TableLoss


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
    if loss.subnets:
        names = [s.shown_id() or s.label for s in loss.subnets]
        text += f" ({plural('subnet', names)} {', '.join(names)})"
    return text


def loss_phrase(destinations: list[str], *, private: bool) -> str:
    """What a table loses: ``its default route 0.0.0.0/0`` and the like."""
    if private:
        return f"loses private routing to {join_words(destinations)}"
    if all(d in DEFAULT_DESTINATIONS for d in destinations):
        return f"loses its default {plural('route', destinations)} {join_words(destinations)}"
    return f"loses its {plural('route', destinations)} to {join_words(destinations)}"


def tables_detail(losses: list[TableLoss]) -> list[dict[str, Any]]:
    out = []
    for loss in losses:
        res = loss.table.resource
        out.append({
            "address": res.address if res is not None else None,
            "id": loss.table.shown_id(),
            "origin": res.origin if res is not None else None,
            "destinations": list(loss.destinations),
            "subnets": [
                {"address": s.resource.address if s.resource is not None else None, "id": s.shown_id()}
                for s in loss.subnets
            ],
        })
    return out
