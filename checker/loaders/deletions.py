"""Where a finding about a block deleted in the commit is shown.

The deleted block exists only in the base revision: its lines now hold
something else, or its file is not in the commit at all, so an annotation
there would point at the wrong code. The finding goes on a block the new
content still has and that the deletion hurts: the route table (or route)
that pointed at it, else a route table a deleted route fed, else what the
deleted block itself referred to (a NAT gateway's subnet, else that
subnet's VPC). The old position is kept in the message and the details.
Only when nothing qualifies does the finding stay on the base position
(``location_at_base``; skip comments are then looked for in module calls
only).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from natpolicy.address import key_value, reference_target, strip_instance_keys
from natpolicy.model import FindingContext, Resource

__all__ = ["DeletedPlacement", "ids_in"]

_TABLES = ("aws_route_table", "aws_default_route_table")
# What a deleted block's findings are best shown on, best first.
_PREFERRED = (*_TABLES, "aws_route", "aws_subnet")
_MAX_HOPS = 4


class DeletedPlacement:
    """Indexes the base side once; ``place`` then puts each deleted resource's findings.

    ``survivors`` maps (root, base address) to the resource's new-side copy.
    """

    def __init__(self, before: Sequence[Resource], survivors: Mapping[tuple[str, str], Resource],
                 base_label: str) -> None:
        self._survivors = survivors
        self._label = base_label
        managed = [r for r in before if r.mode == "managed"]
        self._by_stand_in = {(r.origin, r.after["id"]): r for r in managed
                             if isinstance(r.after, dict) and isinstance(r.after.get("id"), str)}
        self._by_config: dict[tuple[str, str], list[Resource]] = {}
        self._by_id: dict[tuple[str, str], list[Resource]] = {}  # stand-in id -> who holds it
        self._by_reference: dict[tuple[str, str], list[Resource]] = {}  # config address -> who refers to it
        for r in managed:
            self._by_config.setdefault((r.origin, r.config_address), []).append(r)
            for value in ids_in(r.after):
                self._by_id.setdefault((r.origin, value), []).append(r)
            # References may name one instance (`aws_route_table.private[1]`); this
            # index answers "who refers to this block", so it is keyed without them.
            for target in {strip_instance_keys(t) for targets in r.references.values() for t in targets}:
                self._by_reference.setdefault((r.origin, target), []).append(r)

    def place(self, res: Resource, old: Resource) -> None:
        """Move ``res`` (the merged copy of deleted ``old``) onto a surviving block, noting the old one."""
        if old.location is not None:
            loc = old.location
            end = loc.end_line or loc.start_line
            lines = f"{loc.start_line}-{end}" if end != loc.start_line else f"{loc.start_line}"
            res.finding_context = FindingContext(
                note=f" Its block was {loc.path}:{lines} at {self._label}.",
                details={"deleted_block": {"path": loc.path, "start_line": loc.start_line, "end_line": end,
                                           "revision": self._label}},
            )
        shown_on = self._surviving_block(old)
        if shown_on is None or shown_on.location is None:
            res.location_at_base = True  # its block exists only in the base revision
            return
        res.location = shown_on.location

    def _surviving_block(self, old: Resource) -> Resource | None:
        def rank(r: Resource) -> tuple[object, ...]:
            kind = _PREFERRED.index(r.type) if r.type in _PREFERRED else len(_PREFERRED)
            return (kind, r.module != old.module, r.address)

        # Who pointed at it: by the stand-in ids the base side was given (exact,
        # instance keys included), else by references, for its count/for_each twin only.
        old_id = old.after.get("id") if isinstance(old.after, dict) else None
        pointing = [r for r in self._by_id.get((old.origin, old_id), ()) if r is not old] \
            if isinstance(old_id, str) else []
        if not pointing:
            pointing = [r for r in self._by_reference.get((old.origin, old.config_address), ())
                        if r is not old and r.index in (None, old.index)]
        pointing.sort(key=rank)
        for candidate in self._surviving(pointing):
            return candidate
        # A deleted aws_route (going with its gateway) leaves its table behind.
        fed = [t for r in pointing if r.type == "aws_route" for t in self._targets(r)]
        for candidate in self._surviving(sorted((t for t in fed if t.type in _TABLES), key=rank)):
            return candidate
        # Nothing pointed at it: what it pointed at (a NAT gateway's subnet), or, when
        # that went too, what that pointed at (the subnet's VPC), nearest first.
        seen = {old.address}
        level = [old]
        for _ in range(_MAX_HOPS):
            level = sorted({t.address: t for r in level for t in self._targets(r) if t.address not in seen}.values(),
                           key=rank)
            seen.update(t.address for t in level)
            for candidate in self._surviving(level):
                return candidate
        return None

    def _targets(self, r: Resource) -> list[Resource]:
        """What ``r`` points at: by stand-in id when resolved, else every instance it references."""
        own = r.after.get("id") if isinstance(r.after, dict) else None
        exact = [self._by_stand_in[(r.origin, i)] for i in sorted(ids_in(r.after))
                 if i != own and (r.origin, i) in self._by_stand_in]
        if exact:
            return exact
        return [t for targets in r.references.values() for address in targets
                for t in self._by_config.get((r.origin, strip_instance_keys(address)), ())
                if _names_instance(address, t)]

    def _surviving(self, candidates: Iterable[Resource]) -> Iterable[Resource]:
        for r in candidates:
            if (r.origin, r.address) in self._survivors:
                yield self._survivors[(r.origin, r.address)]


def ids_in(values: object) -> set[str]:
    """The strings among a resource's arguments and its nested blocks' (where ids, real or stand-in, sit)."""
    found: set[str] = set()
    items = values.values() if isinstance(values, dict) else ()
    for value in items:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    found |= {v for v in item.values() if isinstance(v, str)}
                elif isinstance(item, str):
                    found.add(item)
    return found


def _names_instance(target: str, resource: Resource) -> bool:
    """Does a reference target (``aws_x.y``, ``aws_x.y[1]``) take in this instance of the block?"""
    key = reference_target(target)[2]
    return key is None or key_value(key) == resource.index
