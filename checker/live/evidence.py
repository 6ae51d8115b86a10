"""What ``--live`` found about one NAT gateway, as plain records, and how it is worded.

Only ids, names, account ids, counts and byte totals are kept: nothing here
can carry a credential (the clients' keys and session tokens never reach a
record), and every string still goes through the run's redaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from natpolicy.live.targets import GatewayTarget

__all__ = ["DailyTraffic", "GatewayEvidence", "InterfaceGroup", "LiveTable", "Traffic", "interface_kind"]


@dataclass(frozen=True, slots=True)
class LiveTable:
    """A route table the account shows routing to the gateway."""

    route_table_id: str
    destinations: tuple[str, ...]
    subnets: tuple[str, ...]
    name: str
    owner: str
    main: bool
    vpc_id: str
    managed: bool  # some plan of the run manages it (its routes were judged from the plan)

    def detail(self) -> dict[str, Any]:
        return {"id": self.route_table_id, "name": self.name, "owner": self.owner, "main": self.main,
                "vpc_id": self.vpc_id, "subnets": list(self.subnets), "destinations": list(self.destinations),
                "managed_here": self.managed}


@dataclass(frozen=True, slots=True)
class InterfaceGroup:
    """Network interfaces in the affected subnets, grouped by what they are and whose they are."""

    kind: str  # instance, Lambda, ECS task, load balancer, VPC endpoint, or "other (<type>)"
    owner: str  # account id
    count: int

    def detail(self) -> dict[str, Any]:
        return {"kind": self.kind, "owner": self.owner, "count": self.count}


@dataclass(frozen=True, slots=True)
class DailyTraffic:
    day: str  # YYYY-MM-DD (UTC)
    bytes_out: float
    peak_connections: float
    connections_established: float


@dataclass(frozen=True, slots=True)
class Traffic:
    """``AWS/NATGateway`` over the last 7 days, per day."""

    days: tuple[DailyTraffic, ...]
    last_seen: dt.datetime | None  # the last 5-minute period with bytes out
    now: dt.datetime

    @property
    def total_bytes(self) -> float:
        return sum(d.bytes_out for d in self.days)

    @property
    def peak_connections(self) -> float:
        return max((d.peak_connections for d in self.days), default=0.0)

    @property
    def established(self) -> float:
        return sum(d.connections_established for d in self.days)

    @property
    def idle(self) -> bool:
        return self.total_bytes <= 0 and self.peak_connections <= 0 and self.established <= 0

    def phrase(self) -> str:
        if self.idle:
            return "idle: no traffic in the last 7 days"
        text = f"carried {human_bytes(self.total_bytes)} in the last 7 days, {self.peak_connections:,.0f} " \
               f"connection{'' if self.peak_connections == 1 else 's'} at peak"
        if self.last_seen is not None:
            text += f"; last traffic {_ago(self.now - self.last_seen)}"
        return text

    def detail(self) -> dict[str, Any]:
        return {
            "idle": self.idle, "bytes_out_7d": self.total_bytes, "peak_active_connections": self.peak_connections,
            "connections_established_7d": self.established,
            "last_traffic": self.last_seen.isoformat() if self.last_seen else None,
            "daily": [{"day": d.day, "bytes_out": d.bytes_out, "peak_active_connections": d.peak_connections,
                       "connections_established": d.connections_established} for d in self.days],
        }


@dataclass
class GatewayEvidence:
    target: GatewayTarget
    region: str  # the region actually read
    account: str = ""  # the gateway's owner, from DescribeNatGateways
    state: str = ""  # available, deleting, ... ("" when the account does not show it)
    vpc_id: str = ""
    tables: list[LiveTable] = field(default_factory=list)
    interfaces: list[InterfaceGroup] = field(default_factory=list)
    traffic: Traffic | None = None
    accounts_read: list[str] = field(default_factory=list)  # "default credentials", role accounts
    unread: list[str] = field(default_factory=list)  # what could not be read for this gateway

    @property
    def unmanaged(self) -> list[LiveTable]:
        return [t for t in self.tables if not t.managed]

    @property
    def other_accounts(self) -> list[str]:
        home = self.account or next((t.owner for t in self.tables if t.owner), "")
        return sorted({g.owner for g in self.interfaces if g.owner and home and g.owner != home})

    @property
    def has_traffic(self) -> bool:
        return self.traffic is not None and not self.traffic.idle

    def summary(self) -> str:
        """One sentence for the finding's message (terminal, SARIF, markdown alike)."""
        parts: list[str] = []
        if self.unmanaged:
            ids = ", ".join(t.route_table_id for t in self.unmanaged[:5])
            more = f" and {len(self.unmanaged) - 5} more" if len(self.unmanaged) > 5 else ""
            one = len(self.unmanaged) == 1
            parts.append(f"{len(self.unmanaged)} route table{'' if one else 's'} outside the plan still "
                         f"route{'s' if one else ''} to it ({ids}{more})")
        count = sum(g.count for g in self.interfaces)
        if count:
            kinds = ", ".join(f"{g.count} {g.kind}" for g in _merged_kinds(self.interfaces)[:4])
            parts.append(f"{count} network interface{'' if count == 1 else 's'} in its subnets ({kinds})")
        if self.other_accounts:
            parts.append(f"shared VPC: interfaces of account{'' if len(self.other_accounts) == 1 else 's'} "
                         f"{', '.join(self.other_accounts)}")
        if self.traffic is not None:
            parts.append(self.traffic.phrase())
        if not parts:
            parts.append("no route table and no interface uses it" + ("" if self.unread else ", traffic unknown"))
        where = f"{self.region}" + (f", account {self.account}" if self.account else "")
        return f"Live ({where}): " + "; ".join(parts) + "."

    def detail(self) -> dict[str, Any]:
        return {
            "region": self.region, "region_source": self.target.region_source, "account": self.account,
            "state": self.state, "vpc_id": self.vpc_id,
            "route_tables": [t.detail() for t in self.tables],
            "interfaces": [g.detail() for g in self.interfaces],
            "other_accounts": self.other_accounts,
            "traffic": self.traffic.detail() if self.traffic is not None else None,
            "accounts_read": list(self.accounts_read),
            "unread": list(self.unread),
        }


def interface_kind(interface: dict[str, Any]) -> str:
    """What an interface belongs to, from ``DescribeNetworkInterfaces``' type, requester and description."""
    itype = str(interface.get("InterfaceType") or "interface")
    description = str(interface.get("Description") or "")
    requester = str(interface.get("RequesterId") or "")
    attachment = interface.get("Attachment")
    if itype == "lambda" or description.startswith("AWS Lambda VPC ENI"):
        return "Lambda"
    if description.startswith("arn:aws:ecs:") or itype in ("branch", "trunk"):
        return "ECS task"
    if itype in ("network_load_balancer", "gateway_load_balancer", "load_balancer") or requester == "amazon-elb" \
            or description.startswith("ELB "):
        return "load balancer"
    if itype in ("vpc_endpoint", "gateway_load_balancer_endpoint"):
        return "VPC endpoint"
    if itype in ("nat_gateway", "natGateway") or description.startswith("Interface for NAT Gateway"):
        return "NAT gateway"
    if isinstance(attachment, dict) and attachment.get("InstanceId"):
        return "instance"
    if itype == "interface":
        return "unattached interface" if not isinstance(attachment, dict) else "interface"
    return f"other ({itype})"


def _merged_kinds(groups: list[InterfaceGroup]) -> list[InterfaceGroup]:
    counts: dict[str, int] = {}
    for g in groups:
        counts[g.kind] = counts.get(g.kind, 0) + g.count
    return [InterfaceGroup(kind, "", n) for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def human_bytes(value: float) -> str:
    """Decimal units, as AWS bills them: ``3.2 TB``."""
    units = ("bytes", "KB", "MB", "GB", "TB", "PB")
    size = float(value)
    for unit in units:
        if size < 1000 or unit == units[-1]:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} PB"  # pragma: no cover (the loop returns)


def _ago(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"
