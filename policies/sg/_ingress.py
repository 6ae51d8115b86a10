"""Shared logic of the SG family: which ingress rules are open, and how badly.

Every covered resource is read into ``IngressEntry`` items (an inline
``ingress`` block, an ``aws_security_group_rule`` or an
``aws_vpc_security_group_ingress_rule``). Each entry that is open to the
internet is graded exactly once, by its most severe exposure, so SG001..SG004
never report the same rule twice. The four checks share one base class here
and differ only in the grade they report.

Deliberate differences from Checkov (see ``reference/checkov.md`` §2a):
``self``, security-group and prefix-list sources are simply not internet
sources; they neither open a rule nor hide another one, and a ``null``
prefix list means nothing. Sources are unioned, so ``0.0.0.0/1`` plus
``128.0.0.0/1`` is open.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from natpolicy.check import ResourceCheck, Violation
from natpolicy.model import UNKNOWN, Resource, ResourceModel

ALL_TRAFFIC, ADMIN, WEB, OTHER = 1, 2, 3, 4  # grades, most severe first

DEFAULT_ADMIN_PORTS: tuple[int, ...] = (
    22, 3389, 3306, 5432, 1433, 1521, 6379, 27017, 9200, 9300, 5601, 11211,
    2375, 2376, 5984, 8020, 9042, 23, 21, 445, 135, 139,
)
DEFAULT_WEB_PORTS: tuple[int, ...] = (80, 443)

SERVICE_NAMES: Mapping[int, str] = {
    21: "FTP", 22: "SSH", 23: "Telnet", 80: "HTTP", 135: "MS RPC", 139: "NetBIOS", 443: "HTTPS",
    445: "SMB", 1433: "SQL Server", 1521: "Oracle", 2375: "Docker API", 2376: "Docker API (TLS)",
    3306: "MySQL", 3389: "RDP", 5432: "PostgreSQL", 5601: "Kibana", 5984: "CouchDB", 6379: "Redis",
    8020: "HDFS NameNode", 9042: "Cassandra", 9200: "Elasticsearch", 9300: "Elasticsearch transport",
    11211: "Memcached", 27017: "MongoDB",
}

SG_TYPES: tuple[str, ...] = (
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
)

_PROTOCOLS = {"-1": "all", "all": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp",
              "icmp": "icmp", "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6"}
_MAX_SHOWN_SOURCES = 3
_MEMO = "natpolicy.sg.exposures"


@dataclass(frozen=True)
class Source:
    """One source range and where it sits in the resource (for sensitivity)."""

    value: str
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class IngressEntry:
    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[Source, ...]
    block: int | None = None  # index of an inline ingress block


@dataclass(frozen=True)
class Exposure:
    grade: int
    what: str          # "SSH (22/tcp)", "all traffic (every protocol and port)"
    key: str           # stable discriminator for the fingerprint
    sources: tuple[Source, ...]
    entry: IngressEntry


# -- reading resources ---------------------------------------------------------
def ingress_entries(resource: Resource) -> list[IngressEntry]:
    values = resource.after
    if not isinstance(values, dict):
        return []
    if resource.type in ("aws_security_group", "aws_default_security_group"):
        blocks = values.get("ingress")
        if not isinstance(blocks, list):  # unknown or absent: nothing we can judge
            return []
        return [
            _entry(block, ("ingress", i), index=i)
            for i, block in enumerate(blocks)
            if isinstance(block, dict)
        ]
    if resource.type == "aws_security_group_rule":
        if values.get("type") != "ingress":  # egress, or unknown until apply
            return []
        return [_entry(values, ())]
    if resource.type == "aws_vpc_security_group_ingress_rule":
        sources = [Source(v, (attr,)) for attr in ("cidr_ipv4", "cidr_ipv6")
                   if isinstance(v := values.get(attr), str)]
        return [IngressEntry(values.get("ip_protocol"), values.get("from_port"), values.get("to_port"),
                             tuple(sources))]
    return []


def _entry(block: Mapping[str, Any], prefix: tuple[str | int, ...], index: int | None = None) -> IngressEntry:
    sources: list[Source] = []
    for attr in ("cidr_blocks", "ipv6_cidr_blocks"):
        items = block.get(attr)
        if isinstance(items, list):  # an unknown list contributes nothing: never a violation
            sources.extend(Source(v, (*prefix, attr, j)) for j, v in enumerate(items) if isinstance(v, str))
    return IngressEntry(block.get("protocol"), block.get("from_port"), block.get("to_port"), tuple(sources), index)


# -- judging ---------------------------------------------------------------------
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=65536)
def _network(text: str) -> Network | None:
    # Plans repeat the same few CIDRs thousands of times; parse each once.
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None  # not a CIDR: AWS would refuse it, so it opens nothing


def internet_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    """The sources of each address family whose union is the whole family."""
    by_family: dict[int, list[tuple[Source, Network]]] = {4: [], 6: []}
    for source in sources:
        net = _network(source.value)
        if net is not None:
            by_family[net.version].append((source, net))
    open_sources: list[Source] = []
    for items in by_family.values():
        if not items:
            continue
        whole = [source for source, net in items if net.prefixlen == 0]
        if whole:
            open_sources.extend(whole)  # name only the /0, not the private ranges beside it
        elif any(net.prefixlen == 0 for net in ipaddress.collapse_addresses(net for _, net in items)):  # type: ignore[misc]
            open_sources.extend(source for source, _ in items)
    return tuple(open_sources)


def port_set(ports: Iterable[Any]) -> frozenset[int]:
    return frozenset(p for p in (_port(v) for v in ports) if p is not None)


def exposures(resource: Resource, admin: frozenset[int], web: frozenset[int]) -> tuple[Exposure, ...]:
    """Every open ingress rule of ``resource``, graded; memoised on the resource.

    SG001..SG004 all ask the same question of the same resource, so the
    answer is kept on it (keyed by the port lists) and computed once.
    """
    memo = resource.extra.get(_MEMO)
    # Keyed by the very ``after`` object too, so a copied resource with new values is re-read.
    if memo is not None and memo[0] is resource.after and memo[1] == admin and memo[2] == web:
        return memo[3]  # type: ignore[no-any-return]
    found: list[Exposure] = []
    for entry in ingress_entries(resource):
        sources = internet_sources(entry.sources)
        if sources:
            exposure = grade(entry, sources, admin, web)
            if exposure is not None:
                found.append(exposure)
    result = tuple(found)
    resource.extra[_MEMO] = (resource.after, admin, web, result)
    return result


def grade(entry: IngressEntry, sources: tuple[Source, ...], admin: frozenset[int],
          web: frozenset[int]) -> Exposure | None:
    protocol = _protocol(entry.protocol)
    family = "+".join(sorted({"ipv6" if ":" in s.value else "ipv4" for s in sources}))
    if protocol is None:
        return None  # unknown until apply: never a violation
    if protocol == "all":
        return Exposure(ALL_TRAFFIC, "all traffic (every protocol and port)", f"all:{family}", sources, entry)
    if protocol in ("icmp", "icmpv6"):
        # ICMP "ports" are type and code; ping from the world is not a real exposure.
        return None
    if protocol not in ("tcp", "udp"):
        # AWS ignores ports for other protocols (GRE, ESP...): all of that protocol is open.
        return Exposure(OTHER, f"all of IP protocol {protocol}", f"{protocol}:{family}", sources, entry)
    low, high = _port(entry.from_port), _port(entry.to_port)
    if low is None or high is None:
        return None  # ports unknown until apply: skip rather than guess
    low, high = min(low, high), max(low, high)
    key = f"{protocol}:{low}-{high}:{family}"
    span = f"{low}/{protocol}" if low == high else f"{low}-{high}/{protocol}"
    if low <= 1 and high >= 65535:  # port 0 is reserved, so 1-65535 is every usable port
        return Exposure(ALL_TRAFFIC, f"every {protocol.upper()} port ({span})", key, sources, entry)
    hits = sorted(p for p in admin if low <= p <= high)
    if hits:
        if low == high:
            return Exposure(ADMIN, _named(low, span), key, sources, entry)
        named = ", ".join(_named(p, str(p)) for p in hits[:4]) + (", ..." if len(hits) > 4 else "")
        return Exposure(ADMIN, f"ports {span}, including {named},", key, sources, entry)
    if high - low < len(web) and all(p in web for p in range(low, high + 1)):
        return Exposure(WEB, _named(low, span) if low == high else f"ports {span}", key, sources, entry)
    return Exposure(OTHER, f"port {span}" if low == high else f"ports {span}", key, sources, entry)


def _named(port: int, text: str) -> str:
    name = SERVICE_NAMES.get(port)
    return f"{name} ({text})" if name else text


def _protocol(value: Any) -> str | None:
    if value is UNKNOWN or value is None:
        return None
    text = str(value).strip().lower()
    return _PROTOCOLS.get(text, text) if text else None


def _port(value: Any) -> int | None:
    if isinstance(value, bool) or value is UNKNOWN:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())  # HCL and old plans may carry ports as strings
    return None


def render_sources(resource: Resource, sources: tuple[Source, ...]) -> str:
    shown = [resource.show(s.value, *s.path) for s in sources[:_MAX_SHOWN_SOURCES]]
    more = len(sources) - len(shown)
    return " + ".join(dict.fromkeys(shown)) + (f" (+{more} more)" if more > 0 else "")


# -- the base of SG001..SG004 ----------------------------------------------------
class IngressExposureCheck(ResourceCheck):
    """Reports the open ingress rules whose most severe exposure is ``grade``."""

    grade: ClassVar[int] = OTHER
    categories = ("networking",)
    supported_types = SG_TYPES
    # Every SG rule reads both lists, so all four grade a rule the same way;
    # configure them for the whole family.
    default_options: ClassVar[Mapping[str, Any]] = {
        "admin_ports": DEFAULT_ADMIN_PORTS,
        "web_ports": DEFAULT_WEB_PORTS,
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._admin = port_set(self.options.get("admin_ports") or ())
        self._web = port_set(self.options.get("web_ports") or ())

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        for exposure in exposures(resource, self._admin, self._web):
            if exposure.grade != self.grade:
                continue
            shown = render_sources(resource, exposure.sources)
            entry = exposure.entry
            details: dict[str, Any] = {"exposure": exposure.what, "sources": shown}
            if entry.block is not None:
                details["ingress_block"] = entry.block
            yield Violation(
                message=f"{resource.address} allows {exposure.what} from {shown}",
                key=exposure.key,
                details=details,
            )


__all__ = [
    "ADMIN", "ALL_TRAFFIC", "OTHER", "WEB", "DEFAULT_ADMIN_PORTS", "DEFAULT_WEB_PORTS",
    "IngressEntry", "IngressExposureCheck", "Exposure", "exposures", "ingress_entries",
    "internet_sources", "port_set",
]
