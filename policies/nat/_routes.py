"""The vocabulary of the NAT analysis: routes, route tables and what survives apply.

Plain data and pure functions over one resource at a time; the cross-resource
index that uses them lives in ``_egress``.
"""
from __future__ import annotations

from typing import Any

from natpolicy.check import field, record
from natpolicy.model import UNKNOWN, Resource

__all__ = [
    "NAT_TYPE", "TABLE_TYPES", "SUBNET_TYPES", "VPC_TYPES", "DEFAULT_DESTINATIONS", "TARGET_ATTRIBUTES",
    "TARGET_TYPES", "ROUTE_DESTINATIONS", "INLINE_DESTINATIONS", "Node", "Route", "TableLoss", "Blocker",
    "NO_ROUTE", "BLACKHOLE", "TARGET_GONE", "IGW_NOT_PUBLIC", "PRIVATE_NAT", "NO_EGRESS",
    "survives", "final_values", "is_private_nat", "ends_private", "nonempty_str", "attr_of", "configured_targets",
    "route_target",
]

NAT_TYPE = "aws_nat_gateway"
TABLE_TYPES = ("aws_route_table", "aws_default_route_table")
MAIN_ASSOCIATION = "aws_main_route_table_association"
SUBNET_TYPES = ("aws_subnet",)
VPC_TYPES = ("aws_vpc",)
DEFAULT_DESTINATIONS = ("0.0.0.0/0", "::/0")

# Route target attributes of aws_route and of inline route blocks.
TARGET_ATTRIBUTES = (
    "nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "instance_id",
    "vpc_endpoint_id", "egress_only_gateway_id", "local_gateway_id", "carrier_gateway_id",
    "core_network_arn", "vpc_peering_connection_id",
)
# Resource types an inline ``route`` block can name as its target; other
# references in the block (a prefix list, say) are not targets.
TARGET_TYPES = frozenset({
    "aws_nat_gateway", "aws_internet_gateway", "aws_vpn_gateway", "aws_ec2_transit_gateway",
    "aws_network_interface", "aws_instance", "aws_vpc_endpoint", "aws_egress_only_internet_gateway",
    "aws_ec2_carrier_gateway", "aws_vpc_peering_connection",
})
ROUTE_DESTINATIONS = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
INLINE_DESTINATIONS = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")


def survives(resource: Resource) -> bool:
    """Will the real object still exist after apply? ``forget`` leaves it in AWS."""
    return resource.deposed is None and (resource.exists_after or "forget" in resource.actions)


def final_values(resource: Resource) -> Any:
    """The object's attributes once apply is done (``before`` for a forgotten one)."""
    if resource.exists_after:
        return resource.after
    return resource.before if "forget" in resource.actions else None


def is_private_nat(gateway: Resource) -> bool:
    """Was the gateway private before apply (or, if new, is it private)?"""
    values = gateway.before if isinstance(gateway.before, dict) else gateway.after
    return isinstance(values, dict) and values.get("connectivity_type") == "private"


def ends_private(gateway: Resource) -> bool:
    """Is the object left after apply a private NAT gateway (no internet egress)?"""
    return attr_of(final_values(gateway), "connectivity_type") == "private"


def nonempty_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def attr_of(values: Any, key: str) -> Any:
    return values.get(key) if isinstance(values, dict) else None


# Node and Route are built per route table, subnet, VPC and route (thousands in a 10k plan) and only ever
# read. Not ``frozen``: a frozen record's ``__init__`` sets each field through ``object.__setattr__``,
# five times what a plain one costs (about 6,000 instructions a Route). With ``eq=False`` both compare
# and hash by identity either way, so no dict or set of them changes.
@record(slots=True, eq=False)
class Node:
    """A route table, subnet or VPC: a resource in some plan, or only an id."""

    key: tuple[str, Any]
    resource: Resource | None
    ident: str | None

    @property
    def label(self) -> str:
        if self.resource is not None:
            return self.resource.address
        return self.ident or "(unknown)"

    def shown_id(self) -> str | None:
        """The id for messages, rendered through ``Resource.show`` when it is a resource's."""
        if self.resource is None:
            return self.ident
        for before in (True, False):
            value = self.resource.get("id", before=before)
            if isinstance(value, str) and value:
                return self.resource.show(value, "id", before=before)
        return None


@record(slots=True, eq=False)
class Route:
    """One route (an ``aws_route`` or one inline block) on one side of the change."""

    source: Resource
    table: Node
    destination: str | None  # None: known only after apply
    attribute: str | None  # the target attribute, e.g. "nat_gateway_id"
    target: Any  # an id string, or UNKNOWN
    inline: bool


# Why a route table has no working egress for a destination after apply.
NO_ROUTE = "no_route"              # no route for it is left
BLACKHOLE = "blackhole"            # the route stays, pointing at the deleted gateway itself
TARGET_GONE = "target_deleted"     # the route's target is deleted too
IGW_NOT_PUBLIC = "igw_not_public"  # an internet gateway, but the subnets assign no public IPs
PRIVATE_NAT = "private_nat"        # a private NAT gateway: no internet egress
NO_EGRESS = "no_egress"            # a target that carries no such traffic (peering, local, egress-only for IPv4)


@record(frozen=True, slots=True)
class Blocker:
    """What stops a route table's traffic after apply, and the target to name (already display-safe)."""

    reason: str
    target: str | None = None
    # The target's raw id, to tell the deleted gateway itself from another
    # dead target; never shown.
    ident: str | None = field(default=None, repr=False)


@record(slots=True)
class TableLoss:
    """A route table, the destinations it sent through a gateway (or lost), and its subnets after apply.

    ``main``: the VPC's main route table, which also serves every subnet
    without an explicit association (``subnets`` lists those the plans know).
    """

    table: Node
    destinations: list[str]
    subnets: list[Node]
    blocker: Blocker = Blocker(NO_ROUTE)
    main: bool = False


def configured_targets(resource: Resource) -> tuple[str, ...]:
    """Target attributes the configuration sets (reference or constant)."""
    expressions = resource.expressions
    if not isinstance(expressions, dict):
        return ()
    return tuple(a for a in TARGET_ATTRIBUTES if a in expressions)


def route_target(values: dict[str, Any], resource: Resource | None = None) -> tuple[str | None, Any]:
    """The one target attribute a route uses, and its value (id or UNKNOWN).

    In a plan, every computed target attribute of a new route is unknown, so
    when none is known the configuration of ``resource`` (the ``aws_route``;
    None for an inline block) says which one is really set. It is read only
    then: one of the attributes is known for every route that exists.
    """
    unknown: list[str] | None = None
    for attr in TARGET_ATTRIBUTES:
        value = values.get(attr)
        if value is UNKNOWN:
            if unknown is None:
                unknown = []
            unknown.append(attr)
        elif isinstance(value, str) and value:
            return attr, value
    if unknown is None:
        return None, None
    if resource is not None:
        for attr in configured_targets(resource):
            if attr in unknown:
                return attr, UNKNOWN
    return unknown[0], UNKNOWN
