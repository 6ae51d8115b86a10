"""Terraform's IP network functions (``cidrsubnet``, ``cidrhost``...)."""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from natpolicy.loaders.hcl.functions.arguments import text, whole
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.values import EvalError, NotEvaluated, TfList

__all__: list[str] = []


# ---------------------------------------------------------------- cidrs
def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    value = text(prefix)
    if not re.fullmatch(r"[^/]+/[0-9]{1,3}", value):
        raise EvalError(f"invalid CIDR address: {value}")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise EvalError(f"invalid CIDR address: {value}") from None


def _address(net: ipaddress.IPv4Network | ipaddress.IPv6Network, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if net.version == 4 else ipaddress.IPv6Address(value))


@fn("cidrsubnet")
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    net = _network(prefix)
    bits, num = whole(newbits), whole(netnum)
    new_len = net.prefixlen + bits
    if bits < 0 or new_len > net.max_prefixlen:
        raise EvalError("cidrsubnet(): not enough bits")
    if num < 0:
        raise NotEvaluated("cidrsubnet() with a negative netnum")  # Terraform wraps it oddly
    if num >= 2 ** bits:
        raise EvalError("cidrsubnet(): netnum does not fit in newbits")
    base = int(net.network_address) + (num << (net.max_prefixlen - new_len))
    return f"{_address(net, base)}/{new_len}"


@fn("cidrsubnets")
def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    net = _network(prefix)
    out = TfList()
    cursor, end = int(net.network_address), int(net.broadcast_address)
    for nb in newbits:
        bits = whole(nb)
        new_len = net.prefixlen + bits
        if bits < 1 or new_len > net.max_prefixlen:
            raise EvalError("cidrsubnets(): invalid newbits")
        size = 1 << (net.max_prefixlen - new_len)
        cursor = (cursor + size - 1) // size * size
        if cursor + size - 1 > end:
            raise EvalError("cidrsubnets(): not enough remaining address space")
        out.append(f"{_address(net, cursor)}/{new_len}")
        cursor += size
    return out


@fn("cidrhost")
def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    net = _network(prefix)
    num = whole(hostnum)
    size = net.num_addresses
    if num < -size or num >= size:
        raise EvalError("cidrhost(): host number out of range")
    return _address(net, int(net.network_address) + (num if num >= 0 else size + num))


@fn("cidrnetmask")
def _cidrnetmask(prefix: Any) -> Any:
    net = _network(prefix)
    if net.version != 4:
        raise EvalError("cidrnetmask(): only IPv4 prefixes have a netmask")
    return str(net.netmask)
