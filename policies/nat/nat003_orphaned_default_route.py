"""NAT003: a default route is removed while its table, subnets and gateway all stay."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from natpolicy.check import GraphCheck, Note, Severity, Violation
from natpolicy.model import ResourceModel
from natpolicy.policies.nat._routes import DEFAULT_DESTINATIONS, Route, TableLoss
from natpolicy.policies.nat._wording import node_label, table_phrase, tables_detail
from natpolicy.policies.nat.analysis import egress_index, run_notes

# Targets that give a subnet its way out; a peering connection or a VPC
# endpoint route is not what keeps private subnets online. An egress-only
# internet gateway is IPv6's way out (its routes are ::/0).
_EGRESS_TARGETS = ("nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "instance_id",
                   "egress_only_gateway_id")


class DefaultRouteRemovedWhileGatewayStays(GraphCheck):
    id = "NAT003"
    name = "Default route removed while its gateway and subnets stay"
    severity = Severity.MEDIUM
    summary = (
        "default route to a gateway that stays is removed while its route table (with an association, or "
        "a VPC's main table) and subnets stay"
    )
    categories = ("networking", "availability")
    supported_types = ("aws_route", "aws_route_table")

    def scan(self, model: ResourceModel) -> Iterable[Violation | Note]:
        index = egress_index(model)
        # Whichever NAT rule runs reports what the shared analysis noticed (the runner keeps one copy).
        yield from (Note(text) for text in run_notes(model))
        # One finding per (table, destination); a separate aws_route is a
        # better place to point at than the table's mirror of it.
        chosen: dict[tuple[Any, str], Route] = {}
        for key, routes in index.before_by_table.items():
            for route in routes:
                if route.destination not in DEFAULT_DESTINATIONS or route.attribute not in _EGRESS_TARGETS:
                    continue
                if not isinstance(route.target, str) or route.target == "local":
                    continue
                if route.attribute == "egress_only_gateway_id" and ":" not in route.destination:
                    continue  # an egress-only gateway carries IPv6 alone: this route never carried 0.0.0.0/0
                slot = (key, route.destination)
                if slot not in chosen or (chosen[slot].inline and not route.inline):
                    chosen[slot] = route
        for (_, destination), route in chosen.items():
            if not index.id_alive(route.target):
                continue  # the gateway itself goes: NAT001's case, not an orphan
            # Traffic that went to a private NAT gateway was never internet-bound.
            internet = not index.is_private_nat_id(route.target)
            # Asked before the teardown and subnet questions: nearly every default
            # route is kept as it was, so this one answer settles it. The three are
            # questions to the index that change nothing, and any one of them
            # skips the route, so their order changes no finding. A route kept as
            # it was is one of its table's routes after apply: when nothing blocks
            # it, the table is covered whatever its other routes are.
            if index.kept_as_is(route) and index.blocker(route, destination, strict_igw=False,
                                                         internet=internet) is None:
                continue
            if index.covered(route.table, destination, exact=True, strict_igw=False, internet=internet):
                continue
            if index.torn_down(route.table) or not index.serves_subnets(route.table):
                continue  # no association and not a main table: nothing shows a subnet behind it
            yield self._violation(route, destination, index.loss(route.table, [destination]))

    def _violation(self, route: Route, destination: str, loss: TableLoss) -> Violation:
        source = route.source
        target = source.show(route.target, "route" if route.inline else str(route.attribute), before=True)
        if route.inline:
            verb = "drops an inline route"
        elif source.is_replaced:
            verb = "is replaced"
        elif source.exists_after:
            verb = "is updated"
        else:
            verb = "is deleted"
        message = (
            f"{source.address} {verb}: {table_phrase(loss, source.origin, adjective='')} loses its default route "
            f"{destination} to {target}, which is kept, and no other route takes over."
        )
        return Violation(
            message=message,
            resource=source,
            details={
                "destination": destination,
                "target_attribute": route.attribute,
                "target_id": target,
                "route_tables": tables_detail([loss]),
            },
            key=f"{node_label(route.table)}:{destination}",
        )
