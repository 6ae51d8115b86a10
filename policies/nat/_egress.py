"""Where private subnets send their traffic, before and after apply.

The NAT rules share one index per model, built in a single pass over the
route-related resources of every plan in the run:

* routes before apply, keyed by target id (which routes use this gateway?)
  and by route table;
* the VPCs' main route tables, which serve every subnet without an association.

What apply leaves is resolved per route table, the first time a rule asks
about that table (``_by_table``: the rules ask about the few tables a deleted
gateway or a lost default route names, and resolving every route's and
association's ``route_table_id`` was most of the index's cost):

* routes after apply (what will this table still have?);
* route table associations (which subnets does a table serve after apply?);

and on first ask too, as only a main table's implicit subnets and a gateway
without route evidence read them: the subnets of each VPC, and the NAT
gateways that survive apply, counted by VPC, availability zone and plan.

Every question a rule asks is then a dictionary lookup, so a 10k-resource
plan with hundreds of NAT deletions stays linear: what a configuration
reference leads to is resolved once per (module instance, reference list),
not once per count/for_each instance, and each gateway is judged once for
all rules. Route tables, subnets and VPCs are ``Node``s: a resource when some
plan holds it, else just its id (a route in a workload plan can point into a
network plan's table).

Longer than 600 lines because the route index and the questions the NAT rules
ask of it share private structures that a split would have to make public.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from natpolicy.check import field, record
from natpolicy.model import UNKNOWN, Resource, ResourceModel
from natpolicy.policies.nat._by_table import Place, TableReferrers
from natpolicy.policies.nat._routes import (
    BLACKHOLE,
    DEFAULT_DESTINATIONS,
    IGW_NOT_PUBLIC,
    INLINE_DESTINATIONS,
    MAIN_ASSOCIATION,
    NAT_TYPE,
    NO_EGRESS,
    NO_ROUTE,
    PRIVATE_NAT,
    ROUTE_DESTINATIONS,
    SUBNET_TYPES,
    TABLE_TYPES,
    TARGET_GONE,
    TARGET_TYPES,
    VPC_TYPES,
    Blocker,
    Node,
    Route,
    TableLoss,
    attr_of,
    ends_private,
    final_values,
    is_private_nat,
    nonempty_str,
    route_target,
    survives,
)

# Built once per model by ``analysis.egress_index``, the family's public entry point.
__all__ = ["GatewayVerdict", "EgressIndex", "shared_note"]


@record(slots=True)
class GatewayVerdict:
    """What the egress index concludes about one NAT gateway the plans delete."""

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
    # Fallback only: gateways survive in its scope, all in other zones.
    cross_az: bool = False
    scope: str = ""
    zone: str | None = None
    # A public gateway whose replacement is a private one.
    becomes_private: bool = False


@record(slots=True)
class _Targets:
    """What one configuration reference list leads to, for every referrer sharing it."""

    resources: list[Resource]
    by_index: dict[Any, list[Resource]]
    # Route targets only: the managed ones, and those that survive apply.
    managed: list[Resource] = field(default_factory=list)
    alive: list[Resource] = field(default_factory=list)


@record(frozen=True, slots=True)
class _Place:
    """Where a NAT gateway sits: the fallback compares these."""

    vpc: Node | None
    zone: str | None
    regional: bool
    origin: str
    kind: str  # "public" or "private"


class EgressIndex:
    def __init__(self, model: ResourceModel) -> None:
        self.model = model
        self._nodes: dict[tuple[str, Any], Node] = {}  # ("id", ident) -> the node of an id no plan manages
        self._resource_nodes: dict[int, Node] = {}  # id(resource) -> its node (asked ~10,000 times at 10k)
        self._by_ident: dict[tuple[str, tuple[str, ...], str], Node] = {}  # (id, types, plan) -> ``resolve``'s node
        self.before_by_target: dict[str, list[Route]] = {}
        self.before_by_table: dict[tuple[str, Any], list[Route]] = {}
        # What apply leaves, resolved per asked table (see ``_by_table``): surviving
        # aws_routes, and associations on either side.
        places: dict[int, Place] = {}  # shared by the four collections below (see ``TableReferrers``)
        self._routes_after = TableReferrers(resolver=self._after_table, places=places)
        self._assocs_before = TableReferrers(resolver=self._assoc_before_table, places=places)
        self._assocs_after = TableReferrers(resolver=lambda assoc, values: self._assoc_after_sides(assoc, values)[0],
                                            places=places)
        self._removed: set[tuple[tuple[str, Any], str | None, Any]] = set()
        self._before_entries: dict[int, Route | None] = {}  # id(route) -> its entry from ``before``
        self._after_entries: dict[int, Route | None] = {}  # id(route) -> its entry after apply
        self._after_by_table: dict[tuple[str, Any], list[Route]] = {}
        self._assoc_sides: dict[int, tuple[Node | None, Node | None]] = {}
        self._assocs_by_table: dict[tuple[str, Any], tuple[bool, list[Node]]] = {}
        self._explicit_subnets: set[tuple[str, Any]] | None = None  # built when a main table's subnets are asked
        # Built on first ask (see ``_subnets_of_vpc``): only a main table's subnets read it.
        self._subnets_by_vpc: dict[tuple[str, Any], list[Node]] | None = None
        # Main route tables (see ``_main``): the ones a main association or a default
        # table makes main, each with its VPC, and the VPCs they claim; tables a VPC's
        # own state names are resolved per asked table.
        self._ranked_mains: dict[tuple[str, Any], Node | None] = {}
        self._ranked_vpcs: set[tuple[str, Any]] = set()
        self._vpc_mains = TableReferrers("main_route_table_id", places=places)
        self._mains: dict[tuple[str, Any], tuple[bool, Node | None]] = {}  # table key -> (main?, its VPC)
        self._private_nat_ids: set[str] = set()
        # Built on the first fallback (see ``_survivor_counts``): only a gateway without route evidence reads it.
        self._survivors: Counter[tuple[Any, ...]] | None = None
        self._targets_memo: dict[tuple[Any, ...], _Targets] = {}
        self._verdicts: dict[int, GatewayVerdict] = {}
        self._alive: dict[str, bool] = {}  # id -> ``id_alive``
        self.shared_ids: dict[str, tuple[str, ...]] = {}
        self._build()

    # -- building ----------------------------------------------------------
    def _build(self) -> None:
        # The state before apply is read whole (NAT003 reads every route of it);
        # what apply leaves is filed by the table it names, resolved when asked.
        # ``survives`` and ``final_values`` are written out in these loops, each property read once: they run
        # over every route, association, VPC and NAT gateway (thousands in a 10k plan), and the calls were
        # most of what the loops cost. (``existed_before`` holds for any ``before`` that is a dict.)
        routes_after = self._routes_after
        for route in self.model.of_type("aws_route"):
            if route.mode != "managed":
                continue
            exists_after = route.exists_after
            forgotten = "forget" in route.actions
            alive = route.deposed is None and (exists_after or forgotten)
            before = route.before
            if isinstance(before, dict):
                entry = self._before_entries[id(route)] = self._aws_route(route, before)
                if entry is not None:
                    self._add_before(entry)
                    if not alive:
                        self._removed.add((entry.table.key, entry.destination, entry.target))
            if alive:
                values = route.after if exists_after else before  # alive and not exists_after: forgotten
                if isinstance(values, dict):
                    routes_after.add(route, values)
        for table in self.model.of_type(*TABLE_TYPES):
            if table.mode == "managed" and isinstance(table.before, dict):
                for entry in self._inline(table, self.node_of(table), table.before.get("route")):
                    self._add_before(entry)
        for assoc in self.model.of_type("aws_route_table_association"):
            if assoc.mode == "managed":
                self._association(assoc)
        self._main()
        for gateway in self.model.of_type(NAT_TYPE):
            if gateway.mode != "managed" or gateway.deposed is not None:
                continue
            exists_after = gateway.exists_after
            if exists_after or "forget" in gateway.actions:  # survives
                values = gateway.after if exists_after else gateway.before  # final_values
                # ``ends_private`` and a non-empty id: both read the same final values.
                if isinstance(values, dict) and values.get("connectivity_type") == "private":
                    ident = values.get("id")
                    if isinstance(ident, str) and ident:
                        self._private_nat_ids.add(ident)
        self._shared()

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
        attribute, target = route_target(values, route)
        return Route(route, table, destination, attribute, target, inline=False)

    def _inline(self, table: Resource, node: Node, blocks: Any) -> Iterable[Route]:
        if blocks is UNKNOWN:
            if _configures_inline_routes(table) is False:
                # Terraform marks `route` unknown on every new table; with no
                # inline block in the configuration its routes are separate
                # aws_route resources, already read on their own.
                return
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
            attribute, target = route_target(block)
            yield Route(table, node, destination, attribute, target, inline=True)

    def _association(self, assoc: Resource) -> None:
        before = assoc.before
        if isinstance(before, dict) and nonempty_str(before.get("subnet_id")):
            self._assocs_before.add(assoc, before)
        if assoc.deposed is not None:
            return  # gone after apply (``survives``)
        exists_after = assoc.exists_after
        if not exists_after and "forget" not in assoc.actions:
            return
        values = assoc.after if exists_after else before  # ``final_values`` of a survivor
        if not isinstance(values, dict):
            return
        if values.get("gateway_id") not in (None, "") and values.get("subnet_id") in (None, ""):  # a dict here
            return  # an edge association (gateway route table) serves no subnet
        self._assocs_after.add(assoc, values)

    # -- what apply leaves, per asked table ------------------------------------
    def after_routes(self, table: Node) -> list[Route]:
        """The table's routes after apply: its surviving aws_routes in model order, then its inline blocks."""
        found = self._after_by_table.get(table.key)
        if found is None:
            found = self._after_by_table[table.key] = []
            for _, route, values in self._routes_after.candidates(table):
                entry = self._after_entry(route, values)
                if entry is not None and entry.table.key == table.key:
                    found.append(entry)
            res = table.resource
            if res is not None and res.mode == "managed" and res.type in TABLE_TYPES and survives(res):
                inline = _configures_inline_routes(res)
                for entry in self._inline(res, table, attr_of(final_values(res), "route")):
                    # A table that manages no inline routes still lists, in its
                    # state, the routes of separate aws_route resources. When
                    # such a route is being deleted, that listing is stale;
                    # inline blocks in the configuration are not (an aws_route
                    # turned into an inline block).
                    if inline or (table.key, entry.destination, entry.target) not in self._removed:
                        found.append(entry)
        return found

    def kept_as_is(self, route: Route) -> bool:
        """Is ``route`` (before apply) also, as the same entry, one of its table's routes after apply?

        An aws_route that survives with one object for both sides (a no-op):
        ``_build`` filed it among the routes after apply, its table's
        ``after_routes`` find it, and ``_after_entry`` gives its entry from before.
        """
        source = route.source
        if route.inline or source.deposed is not None:
            return False
        # ``survives(source) and final_values(source) is source.before``, each property read once (NAT003
        # asks this of nearly every default route): after apply the object is ``after`` if it exists then,
        # else ``before`` if it is only forgotten (else it does not survive).
        if source.exists_after:
            if source.after is not source.before:
                return False
        elif "forget" not in source.actions:
            return False
        return self._before_entries.get(id(source)) is route

    def _after_table(self, route: Resource, values: dict[str, Any]) -> Node | None:
        entry = self._after_entry(route, values)
        return entry.table if entry is not None else None

    def _assoc_before_table(self, assoc: Resource, values: dict[str, Any]) -> Node | None:
        return self.resolve(assoc, "route_table_id", values.get("route_table_id"), TABLE_TYPES)

    def _after_entry(self, route: Resource, values: dict[str, Any]) -> Route | None:
        key = id(route)
        if key in self._after_entries:
            return self._after_entries[key]
        if values is route.before and key in self._before_entries:
            # A no-op's two sides are one object: the entry read from it is the same.
            entry = self._before_entries[key]
        else:
            entry = self._aws_route(route, values)
        self._after_entries[key] = entry
        return entry

    def _associated(self, table: Node) -> tuple[bool, list[Node]]:
        """Does any association (either side) name the table, and the subnets it serves after apply, in model order."""
        found = self._assocs_by_table.get(table.key)
        if found is None:
            evidence = any(
                (node := self._assoc_before_table(assoc, values)) is not None and node.key == table.key
                for _, assoc, values in self._assocs_before.candidates(table))
            subnets: list[Node] = []
            for _, assoc, values in self._assocs_after.candidates(table):
                node, subnet = self._assoc_after_sides(assoc, values)
                if node is None or subnet is None or node.key != table.key:
                    continue
                evidence = True
                if subnet.resource is None or survives(subnet.resource):
                    subnets.append(subnet)
            found = self._assocs_by_table[table.key] = (evidence, subnets)
        return found

    def _assoc_after_sides(self, assoc: Resource, values: dict[str, Any]) -> tuple[Node | None, Node | None]:
        """The table and the subnet a surviving association names (both resolved, or the one that is not)."""
        sides = self._assoc_sides.get(id(assoc))
        if sides is None:
            table = self.resolve(assoc, "route_table_id", values.get("route_table_id"), TABLE_TYPES)
            subnet = self.resolve(assoc, "subnet_id", values.get("subnet_id"), SUBNET_TYPES)
            sides = self._assoc_sides[id(assoc)] = (table, subnet)
        return sides

    def _explicitly_associated(self) -> set[tuple[str, Any]]:
        """Subnets some surviving association names with a table: they are not behind a main table."""
        explicit = self._explicit_subnets
        if explicit is None:
            explicit = self._explicit_subnets = set()
            for _, assoc, values in self._assocs_after.every():
                table, subnet = self._assoc_after_sides(assoc, values)
                if table is not None and subnet is not None:
                    explicit.add(subnet.key)
        return explicit

    def _main(self) -> None:
        """Each VPC's main route table after apply: the one that serves unassociated subnets.

        An ``aws_main_route_table_association`` wins over the VPC's default
        route table (``aws_default_route_table``), which wins over what the
        VPC's state says (``main_route_table_id``).
        """
        by_vpc: dict[tuple[str, Any], tuple[int, Node, Node]] = {}
        unknown_vpc: list[Node] = []

        def offer(rank: int, table: Node | None, vpc: Node | None) -> None:
            if table is None:
                return
            if vpc is None:
                unknown_vpc.append(table)
            elif vpc.key not in by_vpc or by_vpc[vpc.key][0] > rank:
                by_vpc[vpc.key] = (rank, table, vpc)

        for assoc in self.model.of_type(MAIN_ASSOCIATION):
            values = final_values(assoc)
            if assoc.mode == "managed" and survives(assoc) and isinstance(values, dict):
                offer(0, self.resolve(assoc, "route_table_id", values.get("route_table_id"), TABLE_TYPES),
                      self.resolve(assoc, "vpc_id", values.get("vpc_id"), VPC_TYPES))
        for default_table in self.model.of_type("aws_default_route_table"):
            if default_table.mode == "managed" and survives(default_table):
                node = self.node_of(default_table)
                owner = self.vpc_of(node) or self.resolve(default_table, "default_route_table_id", None, VPC_TYPES)
                offer(1, node, owner)
        self._ranked_vpcs.update(by_vpc)
        for _, main_table, main_vpc in by_vpc.values():
            self._ranked_mains[main_table.key] = main_vpc
        for orphan_table in unknown_vpc:
            self._ranked_mains.setdefault(orphan_table.key, None)
        # Rank 2, a VPC's own main_route_table_id, loses to the ranks above and
        # is filed by that id, for ``_main_of`` (every VPC has one; few tables are asked about).
        for vpc_resource in self.model.of_type(*VPC_TYPES):
            if vpc_resource.mode != "managed" or vpc_resource.deposed is not None:
                continue
            exists_after = vpc_resource.exists_after
            if exists_after or "forget" in vpc_resource.actions:  # ``survives``, then its ``final_values``
                values = vpc_resource.after if exists_after else vpc_resource.before
                if isinstance(values, dict) and nonempty_str(values.get("main_route_table_id")):
                    self._vpc_mains.add(vpc_resource, values)

    def _main_of(self, table: Node) -> tuple[bool, Node | None]:
        """Is the table a VPC's main route table after apply, and whose (None: a VPC not known)?

        The answer building every VPC's offers in one table gave: offers are
        kept per VPC by the best rank, then each VPC's table is marked main
        with that VPC, in the order the VPCs were first offered (the ranks
        above first, then VPCs by their own state, in model order), so the
        last VPC wins a table two VPCs name; a table offered with no VPC is
        main with None unless a VPC made it main.
        """
        found = self._mains.get(table.key)
        if found is None:
            own_state: Node | None = None
            for _, vpc_resource, values in self._vpc_mains.candidates(table):
                vpc = self.node_of(vpc_resource)
                if vpc.key in self._ranked_vpcs:
                    continue  # a main association or a default table decides this VPC's main table
                named = self.resolve(vpc_resource, "main_route_table_id", values["main_route_table_id"], TABLE_TYPES)
                if named is not None and named.key == table.key:
                    own_state = vpc
            if own_state is not None:
                found = (True, own_state)
            elif table.key in self._ranked_mains:
                found = (True, self._ranked_mains[table.key])
            else:
                found = (False, None)
            self._mains[table.key] = found
        return found

    # The subnets of each VPC and where every surviving NAT gateway sits cost a
    # third of building the index (every one resolves its subnet and VPC), and only
    # a main table's subnets and a gateway without route evidence read them: both
    # are built when first asked, from the same resources in the same order, so
    # every answer is the one an eager build gives (the model does not change
    # under an index: ``ResourceModel.add`` drops its memos).
    def _subnets_of_vpc(self, vpc: Node) -> list[Node]:
        by_vpc = self._subnets_by_vpc
        if by_vpc is None:
            by_vpc = self._subnets_by_vpc = {}
            for subnet in self.model.of_type(*SUBNET_TYPES):
                if subnet.mode == "managed" and survives(subnet):
                    node = self.node_of(subnet)
                    owner = self.vpc_of(node)
                    if owner is not None:
                        by_vpc.setdefault(owner.key, []).append(node)
        return by_vpc.get(vpc.key, [])

    def _survivor_counts(self) -> Counter[tuple[Any, ...]]:
        """How many managed NAT gateways survive apply, by place (see ``_fallback``)."""
        counts = self._survivors
        if counts is None:
            counts = self._survivors = Counter()
            for gateway in self.model.of_type(NAT_TYPE):
                if gateway.mode == "managed" and survives(gateway):
                    kind = "private" if ends_private(gateway) else "public"
                    for key in _survivor_keys(self._place(gateway, final_values(gateway), kind)):
                        counts[key] += 1
        return counts

    def _deleted_place(self, gateway: Resource) -> _Place | None:
        """Where a managed NAT gateway that apply deletes sat before (None for any other)."""
        if gateway.mode != "managed" or gateway.type != NAT_TYPE or not gateway.is_deleted:
            return None
        values = gateway.before if isinstance(gateway.before, dict) else gateway.after
        return self._place(gateway, values, "private" if is_private_nat(gateway) else "public")

    def _place(self, gateway: Resource, values: Any, kind: str) -> _Place:
        subnet = self.resolve(gateway, "subnet_id", attr_of(values, "subnet_id"), SUBNET_TYPES)
        # A regional NAT gateway names its VPC and spans every zone of it.
        vpc = self.resolve(gateway, "vpc_id", attr_of(values, "vpc_id"), VPC_TYPES) or self.vpc_of(subnet)
        regional = attr_of(values, "availability_mode") == "regional"
        zone = None
        if not regional and subnet is not None and subnet.resource is not None:
            zone = nonempty_str(attr_of(subnet.resource.values, "availability_zone"))
        return _Place(vpc, zone, regional, gateway.origin, kind)

    def _shared(self) -> None:
        """Ids of route tables and NAT gateways that several plans manage (one state planned twice?)."""
        resources = self.model.of_type(*TABLE_TYPES, NAT_TYPE)
        if len({res.origin for res in resources}) < 2:
            return  # one plan (or none): no id can have two
        origins: dict[str, set[str]] = {}
        for res in resources:
            if res.mode != "managed":
                continue
            for side in (res.before, res.after):
                ident = nonempty_str(attr_of(side, "id"))
                if ident is not None:
                    origins.setdefault(ident, set()).add(res.origin)
        # Nearly every id has one origin: keep the shared ones before sorting, not after.
        self.shared_ids = {i: tuple(sorted(o)) for i, o in sorted((i, o) for i, o in origins.items() if len(o) > 1)}

    # -- resolution ----------------------------------------------------------
    def node_of(self, resource: Resource) -> Node:
        node = self._resource_nodes.get(id(resource))
        if node is None:
            # ``nonempty_str(resource.get("id", before=True)) or nonempty_str(resource.get("id"))`` without
            # ``dig``'s generic walk (a node per table, subnet and VPC asked about: a third of its cost).
            ident = _own_id(resource.before) or _own_id(resource.after)
            node = self._resource_nodes[id(resource)] = Node(("res", id(resource)), resource, ident)
        return node

    def targets(self, referrer: Resource, attribute: str, types: Iterable[str] | None) -> _Targets:
        """The resources (of ``types``) ``referrer.attribute`` refers to, shared by every referrer alike.

        ``referenced`` depends only on the plan, the module instance and the
        reference list, so count/for_each twins (routes [0]..[999] naming
        ``aws_nat_gateway.this``) resolve it once.
        """
        wanted = tuple(sorted(types)) if types is not None else None
        key = (referrer.origin, referrer.module, attribute, referrer.references.get(attribute, ()), wanted)
        found = self._targets_memo.get(key)
        if found is None:
            resources = [r for r in self.model.referenced(referrer, attribute) if wanted is None or r.type in wanted]
            by_index: dict[Any, list[Resource]] = {}
            for r in resources:
                by_index.setdefault(r.index, []).append(r)
            managed = [r for r in resources if r.mode == "managed"]
            found = _Targets(resources, by_index, managed, [r for r in managed if survives(r)])
            self._targets_memo[key] = found
        return found

    def _resolve_id(self, referrer: Resource, ident: str, types: tuple[str, ...]) -> Node:
        """The node of the managed resource (of ``types``) with id ``ident``, of the referrer's plan first."""
        found = [r for r in self.model.by_id(ident) if r.type in types and r.mode == "managed"]
        if len(found) == 1:
            return self.node_of(found[0])  # nearly always: one resource has the id
        if found:
            same = [r for r in found if r.origin == referrer.origin]
            return self.node_of((same or found)[0])
        key = ("id", ident)
        node = self._nodes.get(key)
        if node is None:
            node = self._nodes[key] = Node(key, None, ident)
        return node

    def resolve(self, referrer: Resource, attribute: str, value: Any, types: tuple[str, ...]) -> Node | None:
        """The table/subnet/VPC ``referrer.attribute`` names, by id or by reference."""
        if isinstance(value, str) and value:  # ``nonempty_str``, inline
            # The answer depends on the id, the types and the referrer's plan alone (the model does not change
            # under an index): a table's id is asked again by both sides of its routes and associations.
            memo_key = (value, types, referrer.origin)
            node = self._by_ident.get(memo_key)
            if node is None:
                node = self._by_ident[memo_key] = self._resolve_id(referrer, value, types)
            return node
        if value is UNKNOWN or value is None:
            found_targets = self.targets(referrer, attribute, types)
            candidates = found_targets.resources
            if len(candidates) > 1:
                # count/for_each twins: route[1] -> table[1] (module convention),
                # when the reference wrote no key of its own.
                candidates = found_targets.by_index.get(referrer.index, [])
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
        """Does an object with this id exist after apply, as far as these plans say? (Once per id.)"""
        alive = self._alive.get(ident)
        if alive is None:
            alive = self._alive[ident] = self._id_alive(ident)
        return alive

    def _id_alive(self, ident: str) -> bool:
        managed = [r for r in self.model.by_id(ident) if r.mode == "managed"]
        for r in managed:  # does one survive with this id? (``survives`` and ``final_values``, written out)
            if r.deposed is not None:
                continue
            if r.exists_after:
                values = r.after
            elif "forget" in r.actions:
                values = r.before
            else:
                continue
            if isinstance(values, dict) and values.get("id") == ident:
                return True
        if any(r.is_deleted and attr_of(r.before, "id") == ident for r in managed):
            return False
        return True  # not managed in these plans (or forgotten): it stays

    def is_private_nat_id(self, ident: Any) -> bool:
        """Is this the id of a NAT gateway that is private after apply?"""
        return isinstance(ident, str) and ident in self._private_nat_ids

    def is_main(self, table: Node) -> bool:
        return self._main_of(table)[0]

    def torn_down(self, table: Node) -> bool:
        """The table, its VPC or every subnet it served goes away in this plan."""
        res = table.resource
        if res is not None and not survives(res):
            return True
        vpc = self.vpc_of(table) or self._main_of(table)[1]
        if vpc is not None and vpc.resource is not None and not survives(vpc.resource):
            return True
        # A main route table keeps serving every subnet without an association.
        evidence, subnets = self._associated(table)
        return evidence and not subnets and not self.is_main(table)

    def subnets(self, table: Node) -> list[Node]:
        """Subnets the table serves after apply: its associations, and for a main table the unassociated ones."""
        explicit = self._associated(table)[1] or []
        main, main_vpc = self._main_of(table)
        if not main:
            return explicit
        vpc = main_vpc or self.vpc_of(table)
        implicit = [s for s in self._subnets_of_vpc(vpc) if s.key not in self._explicitly_associated()] \
            if vpc is not None else []
        return [*explicit, *implicit]

    def serves_subnets(self, table: Node) -> bool:
        """Is there evidence the table serves subnets after apply (an association, or main status)?"""
        return bool(self._associated(table)[1]) or self.is_main(table)

    def intended_public(self, table: Node) -> bool:
        """Every subnet the table serves launches instances with public IPs."""
        subnets = self.subnets(table)
        return bool(subnets) and all(
            s.resource is not None and attr_of(final_values(s.resource), "map_public_ip_on_launch") is True
            for s in subnets
        )

    def blocker(self, route: Route, destination: str, *, strict_igw: bool, internet: bool) -> Blocker | None:
        """Why ``route`` (after apply) carries no working ``destination`` traffic; None when it does.

        ``strict_igw``: an internet gateway replaces a NAT gateway only for
        subnets meant to be public; instances without public IPs cannot use it.
        ``internet``: the traffic is bound for the internet, which a private
        NAT gateway does not reach.
        """
        attribute, target = route.attribute, route.target
        # The target is rendered (a sensitivity lookup) only for a route that is blocked.
        shown = self._shown_target
        if attribute == "vpc_peering_connection_id" and destination in DEFAULT_DESTINATIONS:
            return Blocker(NO_EGRESS, shown(route))  # a peering connection never carries internet traffic
        if attribute == "egress_only_gateway_id" and ":" not in destination:
            return Blocker(NO_EGRESS, shown(route))
        if isinstance(target, str):
            if target == "local":
                return Blocker(NO_EGRESS, shown(route))
            if not self.id_alive(target):
                return Blocker(TARGET_GONE, shown(route), target)
            if internet and self.is_private_nat_id(target):
                return Blocker(PRIVATE_NAT, shown(route))
            if strict_igw and attribute == "gateway_id" and target.startswith("igw-") \
                    and not self.intended_public(route.table):
                return Blocker(IGW_NOT_PUBLIC, shown(route))
            return None
        if target is not UNKNOWN:
            return Blocker(NO_ROUTE)  # a route with no target at all
        found = self.targets(route.source, "route" if route.inline else (attribute or ""),
                             TARGET_TYPES if route.inline else None)
        if not found.managed:
            return None  # set through a local or another state: nothing disproves it
        if not found.alive:
            return Blocker(TARGET_GONE, _addresses(found.managed))
        if internet and all(r.type == NAT_TYPE and ends_private(r) for r in found.alive):
            return Blocker(PRIVATE_NAT, _addresses(found.alive))
        if strict_igw and all(r.type == "aws_internet_gateway" for r in found.alive) \
                and not self.intended_public(route.table):
            return Blocker(IGW_NOT_PUBLIC, _addresses(found.alive))
        return None

    @staticmethod
    def _shown_target(route: Route) -> str | None:
        if not isinstance(route.target, str):
            return None
        path = "route" if route.inline else str(route.attribute)
        return route.source.show(route.target, path)

    def uncovered(self, table: Node, destination: str, *, exact: bool, strict_igw: bool,
                  internet: bool) -> Blocker | None:
        """After apply, why ``table`` sends ``destination`` to no live target (None: it does).

        Without ``exact``, a default route of the same address family also
        covers a narrower destination (longest-prefix match falls back to it).
        Of several dead routes, the one for the destination itself explains best.
        """
        fallback = None
        if not exact and destination not in DEFAULT_DESTINATIONS:
            fallback = "::/0" if ":" in destination else "0.0.0.0/0"
        best: tuple[int, Blocker] | None = None
        for route in self.after_routes(table):
            if route.destination is None or route.destination in (destination, fallback):
                found = self.blocker(route, destination, strict_igw=strict_igw, internet=internet)
                if found is None:
                    return None
                rank = 0 if route.destination == destination else 1 if route.destination is not None else 2
                if best is None or rank < best[0]:
                    best = (rank, found)
        return best[1] if best is not None else Blocker(NO_ROUTE)

    def covered(self, table: Node, destination: str, *, exact: bool, strict_igw: bool, internet: bool = True) -> bool:
        return self.uncovered(table, destination, exact=exact, strict_igw=strict_igw, internet=internet) is None

    def loss(self, table: Node, destinations: list[str], blocker: Blocker = Blocker(NO_ROUTE)) -> TableLoss:
        return TableLoss(table, destinations, self.subnets(table), blocker, self.is_main(table))

    def judge_gateway(self, gateway: Resource) -> GatewayVerdict:
        """Which route tables lose which destinations because ``gateway`` goes away (judged once)."""
        verdict = self._verdicts.get(id(gateway))
        if verdict is None:
            verdict = self._verdicts[id(gateway)] = self._judge(gateway)
        return verdict

    def _judge(self, gateway: Resource) -> GatewayVerdict:
        private = is_private_nat(gateway)
        verdict = GatewayVerdict(gateway, private)
        verdict.becomes_private = not private and survives(gateway) and ends_private(gateway)
        ident = nonempty_str(attr_of(gateway.before, "id"))
        routes = self._own_copies(gateway, self.before_by_target.get(ident, []) if ident else [])
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
            verdict.affected.append(self.loss(node, dests))
            lost: dict[Blocker, list[str]] = {}
            for dest in dests:
                found = self.uncovered(node, dest, exact=private, strict_igw=True, internet=not private)
                if found is not None and found.reason == TARGET_GONE and found.ident == ident:
                    found = Blocker(BLACKHOLE, found.target)
                if found is not None:
                    lost.setdefault(found, []).append(dest)
            verdict.losses.extend(self.loss(node, ds, blocker) for blocker, ds in lost.items())
        verdict.teardown = bool(by_table) and not verdict.affected
        if not by_table and (not survives(gateway) or verdict.becomes_private):
            self._fallback(verdict)
        return verdict

    def _own_copies(self, gateway: Resource, routes: list[Route]) -> list[Route]:
        """Routes into a table that several plans manage: only the gateway's own plan's copy counts.

        Two plans of one state (the same change planned twice, say) hold the
        same table; the other plan's copy describes a different change.
        """
        if not self.shared_ids:
            return routes
        out = []
        for route in routes:
            res, ident = route.table.resource, route.table.ident
            origins = self.shared_ids.get(ident, ()) if ident else ()
            if res is not None and gateway.origin in origins and res.origin != gateway.origin:
                continue
            out.append(route)
        return out

    def _fallback(self, verdict: GatewayVerdict) -> None:
        """No route evidence: is another NAT gateway of its kind kept in its VPC, and in its zone?

        Gateways are compared at the finest level both sides know: the VPC
        when both are known (one whose VPC is unknown, in the same plan, may
        be in it), else the plan.
        """
        gateway = verdict.gateway
        place = self._deleted_place(gateway)
        if place is None:
            return
        verdict.partial = True
        verdict.zone = place.zone
        count = self._survivor_counts()
        vpc, kind, origin, zone = place.vpc, place.kind, place.origin, place.zone
        if vpc is not None:
            verdict.scope = f"VPC {vpc.shown_id() or vpc.label}"
            total = count[("vpc", vpc.key, kind)] + count[("novpc", origin, kind)]
            in_zone = (count[("vpc-zone", vpc.key, zone, kind)] + count[("vpc-anyzone", vpc.key, kind)]
                       + count[("novpc-zone", origin, zone, kind)] + count[("novpc-anyzone", origin, kind)])
            if vpc.resource is not None and not survives(vpc.resource):
                return  # the VPC goes too: a teardown
        else:
            verdict.scope = f"plan {origin}" if origin else "the plan"
            total = count[("plan", origin, kind)]
            in_zone = count[("plan-zone", origin, zone, kind)] + count[("plan-anyzone", origin, kind)]
        verdict.alone = total == 0
        verdict.cross_az = total > 0 and zone is not None and not place.regional and in_zone == 0


def _own_id(values: Any) -> str | None:
    """``nonempty_str(dig(values, ("id",)))``: the non-empty string at ``values["id"]``, else None."""
    if isinstance(values, dict) and "id" in values:
        ident = values["id"]
        if isinstance(ident, str) and ident:
            return ident
    return None


def _configures_inline_routes(table: Resource) -> bool | None:
    """Does the table's configuration hold inline ``route`` blocks? None: no configuration to tell."""
    expressions = table.expressions
    if not isinstance(expressions, dict):
        return None
    return "route" in expressions


def _survivor_keys(place: _Place) -> list[tuple[Any, ...]]:
    """The counters a surviving gateway adds to (see ``EgressIndex._fallback``)."""
    kind, origin = place.kind, place.origin
    zoned = place.zone is not None and not place.regional
    keys: list[tuple[Any, ...]] = [("plan", origin, kind)]
    keys.append(("plan-zone", origin, place.zone, kind) if zoned else ("plan-anyzone", origin, kind))
    if place.vpc is not None:
        keys.append(("vpc", place.vpc.key, kind))
        keys.append(("vpc-zone", place.vpc.key, place.zone, kind) if zoned else ("vpc-anyzone", place.vpc.key, kind))
    else:
        keys.append(("novpc", origin, kind))
        keys.append(("novpc-zone", origin, place.zone, kind) if zoned else ("novpc-anyzone", origin, kind))
    return keys


def _addresses(resources: list[Resource]) -> str:
    names = list(dict.fromkeys(r.address for r in resources))
    return names[0] if len(names) == 1 else ", ".join(names[:3]) + (" …" if len(names) > 3 else "")


def shared_note(model: ResourceModel, shared: dict[str, tuple[str, ...]]) -> str:
    """The run note for ids several plans manage; ids are shown through ``Resource.show``."""
    shown: list[str] = []
    for ident in list(shared)[:3]:
        owner = next((r for r in model.by_id(ident) if r.type in (*TABLE_TYPES, NAT_TYPE)), None)
        side = owner is not None and attr_of(owner.before, "id") == ident
        shown.append(owner.show(ident, "id", before=side) if owner is not None else ident)
    plans = sorted({o for origins in shared.values() for o in origins})
    more = f" and {len(shared) - 3} more" if len(shared) > 3 else ""
    return (f"plans {', '.join(plans)} manage the same route tables or NAT gateways ({', '.join(shown)}{more}): "
            "one state planned twice? Each NAT gateway is judged on its own plan's copy of a shared route table")
