"""Which sources of an ingress entry (or of several together) open a whole address family.

The answer depends only on each source's CIDR text and attribute, and a plan
repeats the same few lists thousands of times (``0.0.0.0/0``, the VPC's
ranges), so ``open_positions`` works it out once per distinct list and keeps
it, bounded, for the life of the process.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from natpolicy.policies.sg._validity import Network, loose_network

__all__ = ["covers_whole_family", "open_positions"]

_OPEN: dict[Any, tuple[int, ...]] = {}
_MAX_OPEN = 65_536


def open_positions(key: Any, sources: tuple[Any, ...], loose: bool) -> tuple[int, ...]:
    """Positions in ``sources`` (``Source`` objects) that open the internet; ``key`` names the list's texts."""
    picks = _OPEN.get(key)
    if picks is None:
        if len(_OPEN) >= _MAX_OPEN:
            _OPEN.clear()  # bounded: a long-lived process checking many plans
        picks = _OPEN[key] = _positions(sources, loose)
    return picks


def _positions(sources: tuple[Any, ...], loose: bool) -> tuple[int, ...]:
    """The positions in ``sources`` of each address family's sources whose union is the whole family."""
    by_family: dict[int, list[tuple[int, Network]]] = {4: [], 6: []}
    for position, source in enumerate(sources):
        net = loose_network(source.value) if loose else source.network()
        if net is not None:
            by_family[net.version].append((position, net))
    open_sources: list[int] = []
    for items in by_family.values():
        if not items:
            continue
        whole = [position for position, net in items if net.prefixlen == 0]
        if whole:
            open_sources.extend(whole)  # name only the /0, not the private ranges beside it
        elif covers_whole_family(net for _, net in items):
            open_sources.extend(position for position, _ in items)
    return tuple(open_sources)


def covers_whole_family(nets: Iterable[Network]) -> bool:
    """Whether these networks together are all of IPv4 (or all of IPv6)."""
    pool = list(nets)
    # collapse_addresses takes one address family at a time.
    v4 = [n for n in pool if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in pool if isinstance(n, ipaddress.IPv6Network)]
    if _large_enough(v4, 32) and any(net.prefixlen == 0 for net in ipaddress.collapse_addresses(v4)):
        return True
    return _large_enough(v6, 128) and any(net.prefixlen == 0 for net in ipaddress.collapse_addresses(v6))


def _large_enough(family: Sequence[Network], bits: int) -> bool:
    """Ranges whose sizes add up to less than the family cannot cover it: this
    settles nearly every group (private ranges) without collapsing anything."""
    return sum(1 << (bits - n.prefixlen) for n in family) >= 1 << bits
