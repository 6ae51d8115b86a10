"""What AWS and the provider accept in an ingress rule, so that a rule they refuse is never graded.

A rule AWS or Terraform refuses opens nothing: the apply fails. Grading it
would report a port that is not open, so the SG family reads a source or a
port range only when it would be accepted, and says (as a run note) when an
entry that looks open is refused instead:

* a source of the wrong address family (``ipv6_cidr_blocks = ["0.0.0.0/0"]``,
  ``cidr_ipv6 = "0.0.0.0/0"``): the provider validates each attribute's family;
* a CIDR with host bits set (``1.0.0.0/0``): the provider accepts only the
  network address (``0.0.0.0/0``), so the configuration fails to plan;
* a TCP or UDP port outside 0-65535, or a reversed range: the EC2 API
  answers ``InvalidParameterValue``. ``-1`` means "all" only with protocol ``-1``.
"""
from __future__ import annotations

import functools
import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The address family each source attribute takes (inline blocks, aws_security_group_rule,
# aws_vpc_security_group_ingress_rule).
ATTRIBUTE_FAMILY: dict[str, int] = {"cidr_blocks": 4, "cidr_ipv4": 4, "ipv6_cidr_blocks": 6, "cidr_ipv6": 6}
PORT_MIN, PORT_MAX = 0, 65535


@functools.lru_cache(maxsize=65536)
def loose_network(text: str) -> Network | None:
    """The range ``text`` names, host bits ignored; ``None`` when it is not a CIDR.

    Plans repeat the same few CIDRs thousands of times: each is parsed once.
    """
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def _host_bits_set(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        return True
    return False


def accepted_network(text: str, family: int | None) -> Network | None:
    """The range, when the provider would accept ``text`` in an attribute of ``family``; else ``None``."""
    net = loose_network(text)
    if net is None or (family is not None and net.version != family) or _host_bits_set(text):
        return None
    return net


def source_problem(text: str, family: int | None, attribute: str) -> str | None:
    """Why the provider refuses ``text`` as a source (``None`` when it accepts it, or it is no CIDR at all)."""
    net = loose_network(text)
    if net is None:
        return None
    if family is not None and net.version != family:
        return (f"`{attribute}` holds the IPv{net.version} range {{value}}, which the provider rejects "
                f"(only IPv{family} is accepted there)")
    if _host_bits_set(text):
        return f"{{value}} has host bits set, which the provider rejects (the network address is {net})"
    return None


def port_range_problem(low: int | None, high: int | None, protocol: str) -> str | None:
    """Why AWS refuses a TCP/UDP port range (``None`` when it is accepted or not known)."""
    if low is None or high is None:
        return None
    outside = [p for p in (low, high) if not PORT_MIN <= p <= PORT_MAX]
    if outside:
        return f"{protocol.upper()} port {outside[0]} is outside {PORT_MIN}-{PORT_MAX}, which AWS refuses"
    if low > high:
        return f"the port range {low}-{high} is reversed, which AWS refuses"
    return None


__all__ = ["ATTRIBUTE_FAMILY", "Network", "accepted_network", "loose_network", "port_range_problem",
           "source_problem"]
