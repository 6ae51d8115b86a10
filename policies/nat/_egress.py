"""Where private subnets send their traffic, before and after apply.

The NAT rules share one index per model, built in a single pass over the
route-related resources of every plan in the run:

* routes before apply, keyed by target id (which routes use this gateway?)
  and by route table;
* routes after apply, keyed by route table (what will this table still have?);
* route table associations after apply (which subnets does a table serve?);
* NAT gateways that survive apply, keyed by VPC, availability zone and plan
  (the fallback when a plan holds no route evidence).

Every question a rule asks is then a dictionary lookup, so a 10k-resource
plan with hundreds of NAT deletions stays linear. Route tables, subnets and
VPCs are ``Node``s: a resource when some plan holds it, else just its id
(a route in a workload plan can point into a network plan's table).
"""
from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from natpolicy.model import UNKNOWN, Resource, ResourceModel
from natpolicy.policies.nat._routes import (
    DEFAULT_DESTINATIONS,
    INLINE_DESTINATIONS,
    NAT_TYPE,
    ROUTE_DESTINATIONS,
    SUBNET_TYPES,
    TABLE_TYPES,
    TARGET_TYPES,
    VPC_TYPES,
    Node,
    Route,
    TableLoss,
    attr_of,
    configured_targets,
    final_values,
    is_private_nat,
    nonempty_str,
    route_target,
    survives,
)

__all__ = ["GatewayVerdict", "EgressIndex", "egress_index"]


@dataclass(slots=True)
class GatewayVerdict:
    gateway: Resource
    private: bool
    # Tables that routed through the gateway before apply and still serve
    # subnets after it (route evidence), with the destinations they used.
    affected: list[TableLoss] = field(default_factory=list)
    # The part of ``affected`` that no live target covers after apply.
    losses: list[TableLoss] = field(default_factory=list)
    # Route evidence existed, but every table it named is torn down.
    teardown: bool = False
    # No route in any plan pointed at the gateway: the fallback judged it.
    partial: bool = False
    # Fallback only: no NAT gateway of the same kind survives in its scope.
    alone: bool = False
    scope: str = ""


class EgressIndex:
    def __init__(self, model: ResourceModel) -> None:
        self.model = model
        self._nodes: dict[tuple[str, Any], Node] = {}
        self.before_by_target: dict[str, list[Route]] = {}
        self.before_by_table: dict[tuple[str, Any], list[Route]] = {}
        self.after_by_table: dict[tuple[str, Any], list[Route]] = {}
        self._assoc_evidence: set[tuple[str, Any]] = set()
        self._assoc_after: dict[tuple[str, Any], list[Node]] = {}
        self._survivors: dict[tuple[Any, ...], int] = {}
        self._gateway_scope: dict[int, tuple[tuple[Any, ...], str]] = {}
        self._build()

    # -- building ----------------------------------------------------------
    def _build(self) -> None:
        removed: set[tuple[tuple[str, Any], str | None, Any]] = set()
        for route in self.model.of_type("aws_route"):
            if route.mode != "managed":
                continue
            if route.existed_before and isinstance(route.before, dict):
                entry = self._aws_route(route, route.before)
                if entry is not None:
                    self._add_before(entry)
                    if not survives(route):
                        removed.add((entry.table.key, entry.destination, entry.target))
            values = final_values(route)
            if survives(route) and isinstance(values, dict):
                entry = self._aws_route(route, values)
                if entry is not None:
                    self.after_by_table.setdefault(entry.table.key, []).append(entry)
        for table in self.model.of_type(*TABLE_TYPES):
            if table.mode != "managed":
                continue
            node = self.node_of(table)
            if isinstance(table.before, dict):
                for entry in self._inline(table, node, table.before.get("route")):
                    self._add_before(entry)
            if survives(table):
                for entry in self._inline(table, node, attr_of(final_values(table), "route")):
                    # A table that manages no inline routes still lists, in its
                    # state, the routes of separate aws_route resources. When
                    # such a route is being deleted, that listing is stale.
                    if (node.key, entry.destination, entry.target) not in removed:
                        self.after_by_table.setdefault(node.key, []).append(entry)
        for assoc in self.model.of_type("aws_route_table_association"):
            if assoc.mode == "managed":
                self._association(assoc)
        for gateway in self.model.of_type(NAT_TYPE):
            if gateway.mode == "managed":
                self._gateway(gateway)

    def _add_before(self, entry: Route) -> None:
        self.before_by_table.setdefault(entry.table.key, []).append(entry)
        if isinstance(entry.target, str):
            self.before_by_target.setdefault(entry.target, []).append(entry)

    def _aws_route(self, route: Resource, values: dict[str, Any]) -> Route | None:
        table = self.resolve(route, "route_table_id", values.get("route_table_id"), TABLE_TYPES)
        if table is None:
            return None
        destination: str | None = None
        for attr in ROUTE_DESTINATIONS:
            value = values.get(attr)
            if value is UNKNOWN:
                destination = None
                break
            if nonempty_str(value):
                destination = value
                break
        else:
            return None  # no destination at all: not a route we can reason about
        attribute, target = route_target(values, configured_targets(route))
        return Route(route, table, destination, attribute, target, inline=False)

    def _inline(self, table: Resource, node: Node, blocks: Any) -> Iterable[Route]:
        if blocks is UNKNOWN:
            # The whole route set is known only after apply; the configuration
            # references of its blocks are all that can be said about targets.
            yield Route(table, node, None, None, UNKNOWN, inline=True)
            return
        if not isinstance(blocks, list):
            return
        for block in blocks:
            if not isinstance(block, dict):
                continue
            destination: str | None = None
            for attr in INLINE_DESTINATIONS:
                value = block.get(attr)
                if value is UNKNOWN or nonempty_str(value):
                    destination = value if isinstance(value, str) else None
                    break
            else:
                continue
            attribute, target = route_target(block, ())
            yield Route(table, node, destination, attribute, target, inline=True)

    def _association(self, assoc: Resource) -> None:
        if isinstance(assoc.before, dict) and nonempty_str(assoc.before.get("subnet_id")):
            table = self.resolve(assoc, "route_table_id", assoc.before.get("route_table_id"), TABLE_TYPES)
            if table is not None:
                self._assoc_evidence.add(table.key)
        values = final_values(assoc)
        if not survives(assoc) or not isinstance(values, dict):
            return
        if attr_of(values, "gateway_id") not in (None, "") and attr_of(values, "subnet_id") in (None, ""):
            return  # an edge association (gateway route table) serves no subnet
        table = self.resolve(assoc, "route_table_id", values.get("route_table_id"), TABLE_TYPES)
        subnet = self.resolve(assoc, "subnet_id", values.get("subnet_id"), SUBNET_TYPES)
        if table is None or subnet is None:
            return
        self._assoc_evidence.add(table.key)
        if subnet.resource is not None and not survives(subnet.resource):
            return
        self._assoc_after.setdefault(table.key, []).append(subnet)

    def _gateway(self, gateway: Resource) -> None:
        values = gateway.before if isinstance(gateway.before, dict) else gateway.after
        subnet = self.resolve(gateway, "subnet_id", attr_of(values, "subnet_id"), SUBNET_TYPES)
        vpc = self.vpc_of(subnet)
        zone = None
        if subnet is not None and subnet.resource is not None:
            zone = nonempty_str(attr_of(subnet.resource.values, "availability_zone"))
        kind = "private" if is_private_nat(gateway) else "public"
        if vpc is not None:
            scope: tuple[Any, ...] = ("vpc", vpc.key, kind)
            words = f"VPC {vpc.shown_id() or vpc.label}"
        elif zone is not None:
            scope = ("zone", gateway.origin, zone, kind)
            words = f"availability zone {zone}"
        else:
            scope = ("plan", gateway.origin, kind)
            words = f"plan {gateway.origin}" if gateway.origin else "the plan"
        self._gateway_scope[id(gateway)] = (scope, words)
        if survives(gateway):
            self._survivors[scope] = self._survivors.get(scope, 0) + 1

    # -- resolution ----------------------------------------------------------
    def node_of(self, resource: Resource) -> Node:
        key = ("res", id(resource))
        node = self._nodes.get(key)
        if node is None:
            ident = nonempty_str(resource.get("id", before=True)) or nonempty_str(resource.get("id"))
            node = self._nodes[key] = Node(key, resource, ident)
        return node

    def resolve(self, referrer: Resource, attribute: str, value: Any, types: tuple[str, ...]) -> Node | None:
        """The table/subnet/VPC ``referrer.attribute`` names, by id or by reference."""
        ident = nonempty_str(value)
        if ident is not None:
            found = [r for r in self.model.by_id(ident) if r.type in types and r.mode == "managed"]
            if found:
                same = [r for r in found if r.origin == referrer.origin]
                return self.node_of((same or found)[0])
            key = ("id", ident)
            node = self._nodes.get(key)
            if node is None:
                node = self._nodes[key] = Node(key, None, ident)
            return node
        if value is UNKNOWN or value is None:
            candidates = [r for r in self.model.referenced(referrer, attribute) if r.type in types]
            if len(candidates) > 1:
                # count/for_each twins: route[1] -> table[1] (module convention).
                same_index = [c for c in candidates if c.index == referrer.index]
                candidates = same_index if len(same_index) == 1 else candidates
            if len(candidates) == 1:
                return self.node_of(candidates[0])
        return None

    def vpc_of(self, node: Node | None) -> Node | None:
        if node is None or node.resource is None:
            return None
        res = node.resource
        value = attr_of(res.before, "vpc_id") if isinstance(res.before, dict) else attr_of(res.after, "vpc_id")
        return self.resolve(res, "vpc_id", value, VPC_TYPES)

    # -- questions -------------------------------------------------------------
    def id_alive(self, ident: str) -> bool:
        """Does an object with this id exist after apply, as far as these plans say?"""
        managed = [r for r in self.model.by_id(ident) if r.mode == "managed"]
        if any(survives(r) and attr_of(final_values(r), "id") == ident for r in managed):
            return True
        if any(r.is_deleted and attr_of(r.before, "id") == ident for r in managed):
            return False
        return True  # not managed in these plans (or forgotten): it stays

    def torn_down(self, table: Node) -> bool:
        """The table, its VPC or every subnet it served goes away in this plan."""
        res = table.resource
        if res is not None and not survives(res):
            return True
        vpc = self.vpc_of(table)
        if vpc is not None and vpc.resource is not None and not survives(vpc.resource):
            return True
        return table.key in self._assoc_evidence and not self._assoc_after.get(table.key)

    def subnets(self, table: Node) -> list[Node]:
        return self._assoc_after.get(table.key, [])

    def intended_public(self, table: Node) -> bool:
        """Every subnet the table serves launches instances with public IPs."""
        subnets = self.subnets(table)
        return bool(subnets) and all(
            s.resource is not None and attr_of(final_values(s.resource), "map_public_ip_on_launch") is True
            for s in subnets
        )

    def route_alive(self, route: Route, destination: str, *, strict_igw: bool) -> bool:
        """Does ``route`` (after apply) carry ``destination`` traffic somewhere that works?

        ``strict_igw``: an internet gateway replaces a NAT gateway only for
        subnets meant to be public; instances without public IPs cannot use it.
        """
        attribute, target = route.attribute, route.target
        default = destination in DEFAULT_DESTINATIONS
        if attribute == "vpc_peering_connection_id" and default:
            return False  # a peering connection never carries internet traffic
        if attribute == "egress_only_gateway_id" and ":" not in destination:
            return False
        if isinstance(target, str):
            if target == "local" or not self.id_alive(target):
                return False
            if strict_igw and attribute == "gateway_id" and target.startswith("igw-"):
                return self.intended_public(route.table)
            return True
        if target is not UNKNOWN:
            return False
        referenced = self.model.referenced(route.source, "route" if route.inline else (attribute or ""))
        targets = [r for r in referenced if r.mode == "managed" and (not route.inline or r.type in TARGET_TYPES)]
        if not targets:
            return True  # set through a local or another state: nothing disproves it
        alive = [r for r in targets if survives(r)]
        if not alive:
            return False
        if strict_igw and all(r.type == "aws_internet_gateway" for r in alive):
            return self.intended_public(route.table)
        return True

    def covered(self, table: Node, destination: str, *, exact: bool, strict_igw: bool) -> bool:
        """After apply, does ``table`` still send ``destination`` to a live target?

        Without ``exact``, a default route of the same address family also
        covers a narrower destination (longest-prefix match falls back to it).
        """
        fallback = None
        if not exact and destination not in DEFAULT_DESTINATIONS:
            fallback = "::/0" if ":" in destination else "0.0.0.0/0"
        for route in self.after_by_table.get(table.key, ()):
            if route.destination is None or route.destination in (destination, fallback):
                if self.route_alive(route, destination, strict_igw=strict_igw):
                    return True
        return False

    def judge_gateway(self, gateway: Resource) -> GatewayVerdict:
        """Which route tables lose which destinations because ``gateway`` goes away."""
        private = is_private_nat(gateway)
        verdict = GatewayVerdict(gateway, private)
        ident = nonempty_str(attr_of(gateway.before, "id"))
        routes = self.before_by_target.get(ident, []) if ident else []
        by_table: dict[tuple[str, Any], tuple[Node, list[str]]] = {}
        for route in routes:
            if route.destination is None:
                continue
            node, dests = by_table.setdefault(route.table.key, (route.table, []))
            if route.destination not in dests:
                dests.append(route.destination)
        for node, dests in by_table.values():
            if self.torn_down(node):
                continue
            verdict.affected.append(TableLoss(node, dests, self.subnets(node)))
            lost = [d for d in dests if not self.covered(node, d, exact=private, strict_igw=True)]
            if lost:
                verdict.losses.append(TableLoss(node, lost, self.subnets(node)))
        verdict.teardown = bool(by_table) and not verdict.affected
        if not by_table and not survives(gateway):
            verdict.partial = True
            scope, words = self._gateway_scope.get(id(gateway), (("plan", gateway.origin), "the plan"))
            verdict.scope = words
            subnet = self.resolve(gateway, "subnet_id", attr_of(gateway.before, "subnet_id"), SUBNET_TYPES)
            vpc = self.vpc_of(subnet)
            vpc_gone = vpc is not None and vpc.resource is not None and not survives(vpc.resource)
            verdict.alone = not vpc_gone and self._survivors.get(scope, 0) == 0
        return verdict


_CACHE: weakref.WeakKeyDictionary[ResourceModel, tuple[int, EgressIndex]] = weakref.WeakKeyDictionary()


def egress_index(model: ResourceModel) -> EgressIndex:
    """The model's index, built once and shared by every NAT rule of the run."""
    cached = _CACHE.get(model)
    if cached is not None and cached[0] == len(model):
        return cached[1]
    index = EgressIndex(model)
    _CACHE[model] = (len(model), index)
    return index
