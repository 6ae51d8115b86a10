"""Routes and route table associations, found by the route table they name only when a rule asks about it.

What a ``route_table_id`` names is a lookup by id, or, when the id is known
only after apply, the configuration references resolved through the model.
The NAT rules ask about few route tables (those a deleted gateway's routes
used, and those losing a default route), so ``EgressIndex`` resolves the
``route_table_id`` of the routes and associations that *could* name an asked
table, and no other. ``TableReferrers.candidates`` gives a superset of them;
the index resolves each candidate exactly as before and keeps those that land
on the table, so every answer is the one resolving them all gives.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from natpolicy.model import UNKNOWN, Resource, reference_target
from natpolicy.policies.nat._routes import Node

__all__ = ["Place", "Referrer", "Resolver", "TableReferrers"]

# (position in the order added, the referrer, the values of the side it was added with)
Referrer = tuple[int, Resource, dict[str, Any]]
# What the index resolves a referrer's attribute to (the same answer the caller checks).
Resolver = Callable[[Resource, dict[str, Any]], "Node | None"]
# A table's ids and its (plan, config address), see ``_place``.
Place = tuple[set[str], tuple[str, str]]

class TableReferrers:
    """Resources (one side's values each) whose ``route_table_id`` (or another attribute) may name a route table.

    ``EgressIndex.resolve`` turns the attribute into a table node in one of
    two ways, and each bounds which tables it can land on:

    * a non-empty string: a managed resource whose id (before or after apply:
      ``ResourceModel.by_id``) is that string, or the bare id's node. Filed here
      under the string; a table is asked about under its own ids.
    * unknown or null: the resources the configuration references name, which
      ``ResourceModel.referenced`` takes from the referrer's own plan and from
      the config address of one of its reference targets
      (``reference_target``), and never a bare id. Filed here by
      (plan, config address) of each target, read the first time a table is
      asked about, without matching any instance. The referrers of one config
      address (count/for_each twins of one module: hundreds) are resolved
      together the first time one of its tables is asked about, with
      ``resolver``, and kept by the table they land on, so each asked table
      reads its own.
    * anything else names no table.
    """

    __slots__ = ("_attribute", "_resolver", "_added", "_by_ident", "_by_reference", "_by_config", "_landed", "_places")

    def __init__(self, attribute: str = "route_table_id", resolver: Resolver | None = None,
                 places: dict[int, Place] | None = None) -> None:
        self._attribute = attribute
        self._resolver = resolver
        # id(table resource) -> where referrers may name it from (``_place``). The egress index asks each of
        # its four collections about the same tables, so it hands them one mapping: each table's ids and
        # config address are worked out once, not four times.
        self._places: dict[int, Place] = {} if places is None else places
        self._added = 0
        self._by_ident: dict[str, list[Referrer]] = {}
        self._by_reference: list[Referrer] = []
        self._by_config: dict[tuple[str, str], list[Referrer]] | None = None
        self._landed: dict[tuple[str, str], dict[tuple[str, Any], list[Referrer]]] = {}

    def add(self, referrer: Resource, values: dict[str, Any]) -> None:
        value = values.get(self._attribute)
        item = (self._added, referrer, values)
        self._added += 1
        if isinstance(value, str) and value:
            self._by_ident.setdefault(value, []).append(item)
        elif value is UNKNOWN or value is None:
            self._by_reference.append(item)

    def every(self) -> list[Referrer]:
        """Every referrer that may name some table, in the order added."""
        found = [item for items in self._by_ident.values() for item in items]
        found.extend(self._by_reference)
        found.sort(key=_position)
        return found

    def candidates(self, table: Node) -> list[Referrer]:
        """Every referrer whose ``route_table_id`` may name ``table``, in the order added."""
        found: list[Referrer] = []
        res = table.resource
        if res is None:
            if table.ident:
                found.extend(self._by_ident.get(table.ident, ()))
            return found  # a bare id's node: no reference names it
        place = self._places.get(id(res))
        if place is None:
            place = self._places[id(res)] = _place(res)
        ids, config = place
        for ident in ids:
            found.extend(self._by_ident.get(ident, ()))
        if self._by_reference:
            found.extend(self._landing(config).get(table.key, ()))
        if len(found) > 1:
            found.sort(key=_position)
        return found

    def _landing(self, config: tuple[str, str]) -> dict[tuple[str, Any], list[Referrer]]:
        """The referrers filed under ``config``, by the key of the table each resolves to (in the order added)."""
        landed = self._landed.get(config)
        if landed is None:
            landed = self._landed[config] = {}
            bucket = self._referring().get(config, ())
            if bucket:
                assert self._resolver is not None, "a referrer by reference needs a resolver"  # noqa: S101
                for item in bucket:
                    node = self._resolver(item[1], item[2])
                    if node is not None:
                        landed.setdefault(node.key, []).append(item)
        return landed

    def _referring(self) -> dict[tuple[str, str], list[Referrer]]:
        by_config = self._by_config
        if by_config is None:
            by_config = self._by_config = {}
            for item in self._by_reference:
                referrer = item[1]
                configs = {reference_target(target)[0] for target in referrer.references.get(self._attribute, ())}
                for config in configs:
                    by_config.setdefault((referrer.origin, config), []).append(item)
        return by_config


def _place(resource: Resource) -> Place:
    """A table's ids (``_ids``) and its (plan, config address): what ``candidates`` looks its referrers up by."""
    return _ids(resource), (resource.origin, resource.config_address)


def _ids(resource: Resource) -> set[str]:
    """The ids ``ResourceModel.by_id`` files ``resource`` under (before and after apply)."""
    ids: set[str] = set()
    for side in (resource.before, resource.after):
        if isinstance(side, dict):
            ident = side.get("id")
            if isinstance(ident, str) and ident:
                ids.add(ident)
    return ids


def _position(item: Referrer) -> int:
    return item[0]
