"""How the SG family grades an ingress entry's protocol and ports, and which port ranges AWS refuses.

Pure functions of the values an entry holds (its protocol, ``from_port``
and ``to_port``) and of the configured port lists. A plan repeats a few
such triples hundreds of times, so ``judged`` and ``ports_refused`` keep
each answer per distinct triple, bounded, for the life of the process.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from natpolicy.model import UNKNOWN
from natpolicy.policies.sg._validity import port_range_problem

__all__ = [
    "ADMIN", "ALL_TRAFFIC", "DEFAULT_ADMIN_PORTS", "DEFAULT_WEB_PORTS", "OTHER", "SERVICE_NAMES", "WEB", "judge",
    "judged", "port_of", "port_problem", "port_range", "port_set", "ports_refused", "protocol_of",
]

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

# Protocol names AWS (or the provider, for the IANA names) accepts; anything
# else that is not a protocol number is not a protocol we can judge.
_PROTOCOLS = {"-1": "all", "all": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp",
              "icmp": "icmp", "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6", "ipv6-icmp": "icmpv6",
              "gre": "47", "esp": "50", "ah": "51", "sctp": "132"}
_MAX_KEPT = 4096

# One object per distinct port set: the four rules' sets are keys of the shared memos
# (``exposures``, ``group_unions``), and a lookup compares a key it did not make element by element
# unless it is the very object (about 5,000 instructions per lookup for 22 admin ports).
_PORT_SETS: dict[frozenset[int], frozenset[int]] = {}
# (type and value of the protocol, of from_port and of to_port, the port lists) -> ``judge``'s answer.
_JUDGED: dict[tuple[Any, ...], tuple[int, str, str] | None] = {}
# (type and value of the protocol, of from_port and of to_port) -> ``port_problem``'s answer.
_REFUSED_PORTS: dict[tuple[Any, ...], str | None] = {}


def port_set(ports: Iterable[Any]) -> frozenset[int]:
    found = frozenset(p for p in (port_of(v) for v in ports) if p is not None)
    if len(_PORT_SETS) >= 256:
        _PORT_SETS.clear()  # bounded: a long-lived process building rules with many option sets
    return _PORT_SETS.setdefault(found, found)


def judged(protocol: Any, from_port: Any, to_port: Any, admin: frozenset[int],
           web: frozenset[int]) -> tuple[int, str, str] | None:
    """``judge(...)``, worked out once per distinct protocol and ports (a plan repeats a few).

    Equal values of one type read the same (each value's type is in the key: ``True`` is
    no ``1``, ``22.0`` no ``22``); a value that is no hashable one (a list, from a hostile
    plan) is judged on its own.
    """
    key = (type(protocol), protocol, type(from_port), from_port, type(to_port), to_port, admin, web)
    try:
        return _JUDGED[key]
    except KeyError:
        pass
    except TypeError:
        return judge(protocol, from_port, to_port, admin, web)
    if len(_JUDGED) >= _MAX_KEPT:
        _JUDGED.clear()  # bounded: a long-lived process checking many plans
    found = _JUDGED[key] = judge(protocol, from_port, to_port, admin, web)
    return found


def judge(protocol_value: Any, from_port: Any, to_port: Any, admin: frozenset[int],
          web: frozenset[int]) -> tuple[int, str, str] | None:
    """(grade, what is exposed, key) of an entry, or ``None`` when it exposes nothing we can name."""
    protocol = protocol_of(protocol_value)
    if protocol is None:
        return None  # unknown until apply, or not a protocol: never a violation
    if protocol == "all":
        return ALL_TRAFFIC, "all traffic (every protocol and port)", "all"
    if protocol in ("icmp", "icmpv6"):
        # ICMP "ports" are type and code; ping from the world is not a real exposure.
        return None
    if protocol not in ("tcp", "udp"):
        # AWS ignores ports for other protocols (GRE, ESP...): all of that protocol is open.
        return OTHER, f"all of IP protocol {protocol}", protocol
    ports = port_range(from_port, to_port)
    if ports is None:
        return None  # unknown until apply, or a range AWS refuses
    low, high = ports
    key = f"{protocol}:{low}-{high}"
    span = f"{low}/{protocol}" if low == high else f"{low}-{high}/{protocol}"
    if low <= 1 and high >= 65535:  # port 0 is reserved, so 1-65535 is every usable port
        return ALL_TRAFFIC, f"every {protocol.upper()} port ({span})", key
    hits = sorted(p for p in admin if low <= p <= high)
    if hits:
        if low == high:
            return ADMIN, _named(low, span), key
        named = ", ".join(_named(p, str(p)) for p in hits[:4]) + (", ..." if len(hits) > 4 else "")
        return ADMIN, f"ports {span}, including {named},", key
    # Web ports are TCP: UDP 80 or 443 is no web server's port, and grading it
    # "HTTP" would call a real exposure routine.
    if protocol == "tcp" and high - low < len(web) and all(p in web for p in range(low, high + 1)):
        return WEB, _named(low, span) if low == high else f"ports {span}", key
    return OTHER, f"port {span}" if low == high else f"ports {span}", key


def port_range(from_port: Any, to_port: Any) -> tuple[int, int] | None:
    low, high = port_of(from_port), port_of(to_port)
    if low is None or high is None or port_range_problem(low, high, "tcp") is not None:
        # A reversed range (from_port 443, to_port 22) or a port outside 0-65535
        # (-1 with tcp) is refused by AWS (InvalidParameterValue): it never opens anything.
        return None
    return low, high


def _named(port: int, text: str) -> str:
    name = SERVICE_NAMES.get(port)
    return f"{name} ({text})" if name else text


def protocol_of(value: Any) -> str | None:
    """``all``, ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or a protocol number; ``None`` when not known."""
    if value is UNKNOWN or value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lower()
    if text in _PROTOCOLS:
        return _PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    # Neither a name nor a number: text left unresolved (``var.proto`` from
    # HCL or Checkov), which AWS would refuse anyway. Never a violation.
    return None


def ports_refused(protocol: Any, from_port: Any, to_port: Any) -> str | None:
    """``port_problem(...)``, once per distinct protocol and ports (typed, as ``judged``'s key)."""
    key = (type(protocol), protocol, type(from_port), from_port, type(to_port), to_port)
    try:
        return _REFUSED_PORTS[key]
    except KeyError:
        pass
    except TypeError:  # a value that is no hashable one
        return port_problem(protocol, from_port, to_port)
    if len(_REFUSED_PORTS) >= _MAX_KEPT:
        _REFUSED_PORTS.clear()  # bounded: a long-lived process checking many plans
    found = _REFUSED_PORTS[key] = port_problem(protocol, from_port, to_port)
    return found


def port_problem(protocol_value: Any, from_port: Any, to_port: Any) -> str | None:
    """Why AWS refuses a TCP or UDP port range; ``None`` when it does not (or for other protocols)."""
    protocol = protocol_of(protocol_value)
    if protocol in ("tcp", "udp"):
        return port_range_problem(port_of(from_port), port_of(to_port), protocol)
    return None


def port_of(value: Any) -> int | None:
    if isinstance(value, bool) or value is UNKNOWN:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())  # HCL and old plans may carry ports as strings
    return None
