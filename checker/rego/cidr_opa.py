"""OPA's ``net.cidr_contains``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/cidr.go ``builtinNetCIDRContains``) parses with Go's ``net.ParseCIDR`` and ``net.ParseIP`` and
asks ``IPNet.Contains``, which reads an IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) as the IPv4 address
and an IPv4-mapped network (``::ffff:0:0/96``) as an IPv4 one: ``net.cidr_contains("10.0.0.0/8",
"::ffff:10.0.0.1")`` is true in OPA, false on regorus (measured). A CIDR (the second argument may be one)
is contained when its first and last addresses are. Text Go does not parse stops, as in OPA (without
echoing it).
"""
from __future__ import annotations

import ipaddress
from typing import Any

__all__ = ["opa_cidr_contains"]

_V4_IN_V6 = bytes(10) + b"\xff\xff"


def opa_cidr_contains(cidr: Any, other: Any) -> bool:
    if not isinstance(cidr, str) or not isinstance(other, str):
        raise TypeError("net.cidr_contains: operands must be strings")
    network, mask = _parse_cidr(cidr)
    address = _parse_ip(other)
    if address is not None:
        return _contains(network, mask, address)
    try:
        first, other_mask = _parse_cidr(other)
    except ValueError:
        raise ValueError("net.cidr_contains: not a valid textual representation of an IP address or CIDR") from None
    if not _contains(network, mask, first):
        return False
    host = bytes(~b & 0xFF for b in other_mask)
    last = bytes(f | h for f, h in zip(first, host, strict=True))
    return _contains(network, mask, last)


def _parse_ip(text: str) -> bytes | None:
    """Go's ``net.ParseIP``: the address as 16 bytes (an IPv4 one mapped), or None."""
    if "%" in text:  # a zone: Go's ParseIP refuses it, Python's ip_address takes it
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return _V4_IN_V6 + address.packed if address.version == 4 else address.packed


def _parse_cidr(text: str) -> tuple[bytes, bytes]:
    """Go's ``net.ParseCIDR``: the network's address (4 bytes for IPv4, else 16) and its mask."""
    address_text, slash, prefix = text.partition("/")
    if not slash or not prefix.isascii() or not prefix.isdigit() or "%" in address_text:
        raise ValueError("net.cidr_contains: invalid CIDR address")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        raise ValueError("net.cidr_contains: invalid CIDR address") from None
    bits = 32 if address.version == 4 else 128
    if int(prefix) > bits:
        raise ValueError("net.cidr_contains: invalid CIDR address")
    mask = (((1 << bits) - 1) ^ ((1 << (bits - int(prefix))) - 1)).to_bytes(bits // 8, "big")
    return bytes(a & m for a, m in zip(address.packed, mask, strict=True)), mask


def _to4(ip: bytes) -> bytes | None:
    if len(ip) == 4:
        return ip
    return ip[12:] if ip[:12] == _V4_IN_V6 else None


def _contains(network: bytes, mask: bytes, ip: bytes) -> bool:
    """Go's ``IPNet.Contains`` (with ``networkNumberAndMask``)."""
    number = _to4(network) or network
    if len(mask) == 16 and len(number) == 4:
        mask = mask[12:]
    elif len(mask) == 4 and len(number) != 4:
        return False
    ip = _to4(ip) or ip
    if len(ip) != len(number):
        return False
    return all(n & m == i & m for n, m, i in zip(number, mask, ip, strict=True))
