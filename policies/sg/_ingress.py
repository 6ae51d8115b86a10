"""Shared logic of the SG family: which ingress rules are open, and how badly.

Every covered resource is read into ``IngressEntry`` items (an inline
``ingress`` block, an ``aws_security_group_rule`` or an
``aws_vpc_security_group_ingress_rule``). Each entry that is open to the
internet is graded exactly once, by its most severe exposure, so SG001..SG004
never report the same rule twice. The four checks share one base class here
and differ only in the grade they report.

AWS allows what *any* permission of a group allows, so the entries of one
group that reach a port are also judged together (see ``group_unions``):
``0.0.0.0/1`` in one rule and ``128.0.0.0/1`` in another open the port to the
world, whether the two rules name the same range or only overlap on it.

Deliberate differences from Checkov (each SG rule's doc, "Compared with Checkov"):
``self``, security-group and prefix-list sources are simply not internet
sources; they neither open a rule nor hide another one, and a ``null``
prefix list means nothing. Sources are unioned, so ``0.0.0.0/1`` plus
``128.0.0.0/1`` is open.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from natpolicy.check import Note, ResourceCheck, Violation, record
from natpolicy.model import UNKNOWN, Resource, ResourceModel
from natpolicy.policies.sg._coverage import open_positions
from natpolicy.policies.sg._grading import (
    ADMIN,
    ALL_TRAFFIC,
    DEFAULT_ADMIN_PORTS,
    DEFAULT_WEB_PORTS,
    OTHER,
    WEB,
    judge,
    judged,
    port_range,
    port_set,
    ports_refused,
    protocol_of,
)
from natpolicy.policies.sg._screen import MEMO as _SCREEN_MEMO
from natpolicy.policies.sg._screen import Screen, screen_of
from natpolicy.policies.sg._validity import (
    ATTRIBUTE_FAMILY,
    Network,
    accepted_network,
    source_problem,
)

GROUP_TYPES: tuple[str, ...] = ("aws_security_group", "aws_default_security_group")
SG_TYPES: tuple[str, ...] = (*GROUP_TYPES, "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")

_MAX_SHOWN_SOURCES = 3
# ``ResourceModel.memo`` keys (the port lists complete them).
_MEMO = "sg.exposures"
_UNION_MEMO = "sg.group_unions"
_REFUSED_MEMO = "sg.refusals"
_ENTRIES_MEMO = "sg.ingress_entries"

# What a message says when the plan marks the protocol or the ports sensitive:
# the grade (the rule that fires) is the finding; the values stay hidden.
_HIDDEN_WHAT = {
    ALL_TRAFFIC: "all ports of a protocol (protocol and ports are sensitive)",
    ADMIN: "a sensitive administrative or database port",
    WEB: "a sensitive web port",
    OTHER: "a sensitive port or protocol",
}


@record(frozen=True)
class Source:
    """One source range and where it sits (for sensitivity).

    ``owner`` is the resource holding it; ``None`` means the resource a
    message is about.
    """

    value: str
    path: tuple[str | int, ...]
    owner: Resource | None = None
    attribute: str = ""  # cidr_blocks, ipv6_cidr_blocks, cidr_ipv4 or cidr_ipv6: it fixes the address family

    def network(self) -> Network | None:
        """The range, when the provider accepts this source; ``None`` otherwise (it opens nothing)."""
        return accepted_network(self.value, ATTRIBUTE_FAMILY.get(self.attribute))


@record(frozen=True)
class IngressEntry:
    """One ingress rule or inline ``ingress`` block: what it opens and to which sources."""

    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[Source, ...]
    block: int | None = None  # index of an inline ingress block
    # The plan marks the protocol or a port sensitive: grade it, never show it.
    hidden: bool = False
    owner: Resource | None = None


@record(frozen=True)
class Exposure:
    """An ingress entry (or several together) open to the internet, graded."""

    grade: int
    what: str          # "SSH (22/tcp)", "all traffic (every protocol and port)"
    key: str           # stable discriminator for the fingerprint; never holds a sensitive value
    sources: tuple[Source, ...]
    entry: IngressEntry
    # Entries whose sources only together cover the internet (several rules
    # or blocks of one group); empty for an entry open on its own.
    union_of: tuple[IngressEntry, ...] = ()


# -- the three records, built without their frozen ``__init__`` -----------------------
# A frozen record's ``__init__`` sets each field through ``object.__setattr__``: 8,000 instructions
# for a ``Source``, 12,000 for an ``IngressEntry``, 10,000 for an ``Exposure``, most of reading and
# grading a loud entry. None of the three has slots or a ``__post_init__``, so an instance is its
# ``__dict__``: these set it at once, every field in the class's order (``tests/test_sg_records.py``
# holds each to the class's own ``__init__``, and fails if a class gains a field, slots or a
# ``__post_init__``).
_NEW = object.__new__
_SET = object.__setattr__


def _source(value: str, path: tuple[str | int, ...], owner: Resource | None, attribute: str) -> Source:
    """``Source(value, path, owner, attribute)``."""
    made: Source = _NEW(Source)
    _SET(made, "__dict__", {"value": value, "path": path, "owner": owner, "attribute": attribute})
    return made


def _ingress_entry(protocol: Any, from_port: Any, to_port: Any, sources: tuple[Source, ...], block: int | None,
                   hidden: bool, owner: Resource | None) -> IngressEntry:
    """``IngressEntry(protocol, from_port, to_port, sources, block, hidden, owner)``."""
    made: IngressEntry = _NEW(IngressEntry)
    _SET(made, "__dict__", {"protocol": protocol, "from_port": from_port, "to_port": to_port, "sources": sources,
                            "block": block, "hidden": hidden, "owner": owner})
    return made


def _exposure(grade: int, what: str, key: str, sources: tuple[Source, ...], entry: IngressEntry,
              union_of: tuple[IngressEntry, ...] = ()) -> Exposure:
    """``Exposure(grade, what, key, sources, entry, union_of)``."""
    made: Exposure = _NEW(Exposure)
    _SET(made, "__dict__", {"grade": grade, "what": what, "key": key, "sources": sources, "entry": entry,
                            "union_of": union_of})
    return made


# -- reading resources ---------------------------------------------------------
def ingress_entries(resource: Resource) -> list[IngressEntry]:
    values = resource.after
    if not isinstance(values, dict):
        return []
    if resource.type in GROUP_TYPES:
        blocks = values.get("ingress")
        if not isinstance(blocks, list):  # unknown or absent: nothing we can judge
            return []
        return [
            _entry(resource, block, ("ingress", i), index=i)
            for i, block in enumerate(blocks)
            if isinstance(block, dict)
        ]
    if resource.type == "aws_security_group_rule":
        if values.get("type") != "ingress":  # egress, or unknown until apply
            return []
        return [_entry(resource, values, ())]
    if resource.type == "aws_vpc_security_group_ingress_rule":
        sources = [_source(v, (attr,), resource, attr) for attr in ("cidr_ipv4", "cidr_ipv6")
                   if isinstance(v := values.get(attr), str)]
        hidden = any(resource.is_sensitive(a) for a in ("ip_protocol", "from_port", "to_port"))
        return [_ingress_entry(values.get("ip_protocol"), values.get("from_port"), values.get("to_port"),
                               tuple(sources), None, hidden, resource)]
    return []


def _entries(resource: Resource, model: ResourceModel) -> list[IngressEntry]:
    """``ingress_entries(resource)``, read once per model: exposures, refusals and unions all walk them.

    When the screen finds no union possible in the model, ``group_unions`` reads no entry, and
    exposures and refusals skip every entry whose sources do not open the internet even read
    loosely (``_screen``'s argument: strictly open is loosely open, and refusals skip the rest):
    then the inline blocks of a group that are not open loosely are left out here, unread, and
    every answer is the one the whole list gives.
    """
    memo: dict[int, tuple[Resource, Any, list[IngressEntry]]] = model.memo(_ENTRIES_MEMO, dict)
    cached = memo.get(id(resource))
    if cached is not None and cached[0] is resource and cached[1] is resource.after:
        return cached[2]
    screen = screen_of(model)
    flags = None if screen.unions_possible else screen.loose_flags(resource)
    entries = ingress_entries(resource) if flags is None else _loose_open_entries(resource, flags)
    memo[id(resource)] = (resource, resource.after, entries)
    return entries


def _loose_open_entries(resource: Resource, flags: tuple[bool, ...]) -> list[IngressEntry]:
    """``ingress_entries(resource)`` without the entries ``flags`` (the screen's, in that order) calls not open
    loosely; a group's inline blocks left out are not read at all."""
    values = resource.after
    if resource.type in GROUP_TYPES and isinstance(values, dict) and isinstance(blocks := values.get("ingress"), list):
        # ``ingress_entries``' blocks (the dicts, in order), each beside the screen's verdict on it.
        read = [(i, block) for i, block in enumerate(blocks) if isinstance(block, dict)]
        return [_entry(resource, block, ("ingress", i), index=i)
                for (i, block), keep in zip(read, flags, strict=True) if keep]
    return [entry for entry, keep in zip(ingress_entries(resource), flags, strict=True) if keep]


def _entry(resource: Resource, block: Mapping[str, Any], prefix: tuple[str | int, ...],
           index: int | None = None) -> IngressEntry:
    sources: list[Source] = []
    for attr in ("cidr_blocks", "ipv6_cidr_blocks"):
        items = block.get(attr)
        if isinstance(items, list) and items:  # an unknown list contributes nothing: never a violation
            sources += [_source(v, (*prefix, attr, j), resource, attr) for j, v in enumerate(items)
                        if isinstance(v, str)]
    # An empty mask (nearly every resource) marks nothing: skip walking it three times per block.
    # Nor does a mask whose entry for the path's first step is empty or absent (``{"tags": {}}``, nearly
    # every other one): ``is_sensitive`` goes no deeper than a falsy step and answers False.
    mask = resource.after_sensitive
    hidden = bool(mask) and (not isinstance(mask, dict) or _marks_first_step(mask, prefix)) and any(
        resource.is_sensitive(*prefix, a) for a in ("protocol", "from_port", "to_port"))
    return _ingress_entry(block.get("protocol"), block.get("from_port"), block.get("to_port"), tuple(sources),
                          index, hidden, resource)


def _marks_first_step(mask: dict[Any, Any], prefix: tuple[str | int, ...]) -> bool:
    """Could ``is_sensitive(*prefix, a)`` be True for a port or protocol ``a``? False only when it is not."""
    if prefix:
        return bool(mask.get(prefix[0], False))
    return bool(mask.get("protocol", False) or mask.get("from_port", False) or mask.get("to_port", False))


# -- judging ---------------------------------------------------------------------
def internet_sources(sources: Iterable[Source], *, loose: bool = False) -> tuple[Source, ...]:
    """The sources of each address family whose union is the whole family.

    Only sources the provider accepts count (see ``_validity``); ``loose`` reads
    every CIDR as it is written, to tell when a refused rule was meant to be open.
    The answer depends only on each source's text and attribute, and plans repeat
    the same few lists thousands of times: it is worked out once per list.
    """
    items = sources if isinstance(sources, tuple) else tuple(sources)
    key = (loose, tuple([(source.value, source.attribute) for source in items]))
    picks = open_positions(key, items, loose)
    return tuple([items[i] for i in picks])


def exposures(resource: Resource, model: ResourceModel, admin: frozenset[int],
              web: frozenset[int]) -> tuple[Exposure, ...]:
    """Every ingress entry of ``resource`` open on its own, graded; memoised on the model.

    SG001..SG004 all ask the same question of the same resource, so the
    answer is kept (per port lists, by ``id()`` of the resource) and computed once.
    """
    memo: dict[int, tuple[Resource, Any, tuple[Exposure, ...]]] = model.memo((_MEMO, admin, web), dict)
    cached = memo.get(id(resource))
    # The entry holds the resource, so its id cannot be reused; it is keyed by
    # the very ``after`` object too, so a resource given new values is re-read.
    if cached is not None and cached[0] is resource and cached[1] is resource.after:
        return cached[2]
    if screen_of(model).is_quiet(resource):
        return ()  # no entry opens the internet even read loosely, so none strictly (``_screen``)
    found: list[Exposure] = []
    for entry in _entries(resource, model):
        sources = internet_sources(entry.sources)
        if sources:
            exposure = grade(entry, sources, admin, web)
            if exposure is not None:
                found.append(exposure)
    result = tuple(found)
    memo[id(resource)] = (resource, resource.after, result)
    return result


def grade(entry: IngressEntry, sources: tuple[Source, ...], admin: frozenset[int],
          web: frozenset[int]) -> Exposure | None:
    family = "+".join(sorted({"ipv6" if ":" in s.value else "ipv4" for s in sources}))
    verdict = judged(entry.protocol, entry.from_port, entry.to_port, admin, web)
    if verdict is None:
        return None
    level, what, key = verdict
    if entry.hidden:
        # The key goes into fingerprints and baseline files: no sensitive port in it either.
        what = _HIDDEN_WHAT[level]
        key = "sensitive" if entry.block is None else f"sensitive#{entry.block}"
    return _exposure(level, what, f"{key}:{family}", sources, entry)


def refusals(resource: Resource, model: ResourceModel) -> tuple[str, ...]:
    """Run notes for the entries of ``resource`` that read as open to the internet
    but that the provider or AWS refuses, so they are not graded (see ``_validity``).

    Said only where the refusal is what keeps the entry from being graded; memoised on the model.
    """
    memo: dict[int, tuple[Resource, Any, tuple[str, ...]]] = model.memo(_REFUSED_MEMO, dict)
    cached = memo.get(id(resource))
    if cached is not None and cached[0] is resource and cached[1] is resource.after:
        return cached[2]
    if screen_of(model).is_quiet(resource):
        return ()  # every entry would be skipped below: none opens the internet read loosely
    notes: list[str] = []
    for entry in _entries(resource, model):
        sources = entry.sources
        # ``internet_sources(sources, loose=...)``'s two questions, on one key of the texts.
        texts = tuple([(source.value, source.attribute) for source in sources])
        if not open_positions((True, texts), sources, True):
            continue
        problems: list[str] = []
        if not open_positions((False, texts), sources, False):
            for source in sources:
                problem = source_problem(source.value, ATTRIBUTE_FAMILY.get(source.attribute), source.attribute)
                if problem is not None:
                    shown = (source.owner or resource).show(source.value, *source.path)
                    problems.append(problem.format(value=shown))
        problem = ports_refused(entry.protocol, entry.from_port, entry.to_port)
        if problem is not None:
            problems.append("its sensitive port range is one AWS refuses" if entry.hidden else problem)
        if problems:
            where = resource.address + (f" ingress block {entry.block}" if entry.block is not None else "")
            notes.append(f"{where} is not graded: {'; '.join(problems)}, so it opens nothing")
    result = tuple(notes)
    memo[id(resource)] = (resource, resource.after, result)
    return result


def render_sources(resource: Resource, sources: tuple[Source, ...]) -> str:
    shown = [(s.owner or resource).show(s.value, *s.path) for s in sources[:_MAX_SHOWN_SOURCES]]
    more = len(sources) - len(shown)
    return " + ".join(dict.fromkeys(shown)) + (f" (+{more} more)" if more > 0 else "")


# -- entries of one group, judged together ----------------------------------------
# An entry's reach for union purposes: (protocol, lowest port, highest port).
# "all" reaches every port of every protocol; a protocol without ports (GRE,
# ESP...) reaches all of itself, written as 0-65535.
Span = tuple[str, int, int]
_EVERY_PORT = (0, 65535)


def group_unions(model: ResourceModel, admin: frozenset[int],
                 web: frozenset[int]) -> Mapping[int, tuple[Exposure, ...]]:
    """Exposures that only several entries of one group open together, by ``id()`` of the resource reported.

    Entries are combined when they belong to the same group (inline blocks of
    one ``aws_security_group``; rules whose ``security_group_id`` is the same
    known id, or references the same one group). A port is open when the
    entries that reach it (same protocol, or all traffic) together cover all
    of IPv4 or all of IPv6, so ``0.0.0.0/1`` on ports 0-100 and ``128.0.0.0/1``
    on port 22 open port 22, and so does all traffic from one half beside SSH
    from the other. Each maximal range of such ports is one exposure. An entry
    open on its own is reported as such and left out of the unions, and a
    union inside what such an entry already opens is not reported again.
    Built once per model and port lists, in one pass over the SG resources.
    """
    return model.memo((_UNION_MEMO, admin, web), lambda: _group_unions(model, admin, web))


def _group_unions(model: ResourceModel, admin: frozenset[int],
                  web: frozenset[int]) -> Mapping[int, tuple[Exposure, ...]]:
    if not screen_of(model).unions_possible:
        return {}  # the sources of every entry that could be a member do not cover a family together
    groups: dict[tuple[str, ...], list[tuple[IngressEntry, Span]]] = {}
    for resource in model.of_type(*SG_TYPES):
        if resource.mode != "managed" or not resource.exists_after:
            continue
        group = _group_key(resource, model)
        if group is None:
            continue
        for entry in _entries(resource, model):
            span = _span(entry)
            if span is not None and entry.sources:
                groups.setdefault(group, []).append((entry, span))
    found: dict[int, list[Exposure]] = {}
    for group, entries in groups.items():
        if len(entries) < 2:
            continue
        for version in (4, 6):
            for exposure in _union_exposures(entries, version, admin, web):
                reporter = _reporter(group, exposure.union_of, model)
                found.setdefault(id(reporter), []).append(exposure)
    return {k: tuple(v) for k, v in found.items()}


def _span(entry: IngressEntry) -> Span | None:
    protocol = protocol_of(entry.protocol)
    if protocol is None or protocol in ("icmp", "icmpv6"):
        return None  # unknown, or ICMP (types and codes, never reported)
    if protocol in ("tcp", "udp"):
        ports = port_range(entry.from_port, entry.to_port)
        return None if ports is None else (protocol, *ports)
    return (protocol, *_EVERY_PORT)


def _group_key(resource: Resource, model: ResourceModel) -> tuple[str, ...] | None:
    """Which security group an entry belongs to, or ``None`` when we cannot tell."""
    if resource.type in GROUP_TYPES:
        return ("resource", resource.origin, resource.address)
    after = resource.after if isinstance(resource.after, dict) else {}
    group_id = after.get("security_group_id")
    if isinstance(group_id, str) and group_id:
        for group in model.by_id(group_id):
            if group.type in GROUP_TYPES and group.mode == "managed" and group.exists_after:
                return ("resource", group.origin, group.address)
        return ("id", group_id)
    if group_id is UNKNOWN:
        # Known after apply: the configuration reference tells, when it names one group instance.
        groups = [g for g in model.referenced(resource, "security_group_id")
                  if g.type in GROUP_TYPES and g.mode == "managed" and g.exists_after]
        if len(groups) == 1:
            return ("resource", groups[0].origin, groups[0].address)
    return None


def _union_exposures(entries: list[tuple[IngressEntry, Span]], version: int, admin: frozenset[int],
                     web: frozenset[int]) -> list[Exposure]:
    """The port ranges of one group that only its entries together open, in one address family."""
    def in_family(entry: IngressEntry) -> list[Source]:
        return [s for s in entry.sources if (net := s.network()) is not None and net.version == version]

    alone: list[Span] = []
    members: list[tuple[IngressEntry, Span, list[Source]]] = []
    for entry, span in entries:
        sources = in_family(entry)
        if sources:
            if internet_sources(sources):
                alone.append(span)  # reported on its own; a union adds nothing inside its reach
            else:
                members.append((entry, span, sources))
    # Cheap way out for nearly every group: all of them together do not cover the family.
    if len(members) < 2 or not internet_sources(s for *_, sources in members for s in sources):
        return []
    # In address order, so the message, the key and the reported resource do not depend on plan order.
    members.sort(key=lambda m: _member_order(m[0]))
    wide = [m for m in members if m[1][0] == "all"]
    if len(wide) >= 2 and internet_sources(s for *_, sources in wide for s in sources):
        # All traffic, together: every narrower union would say less.
        exposure = _union_of(wide, "all", *_EVERY_PORT, version, admin, web)
        return [] if exposure is None or any(a[0] == "all" for a in alone) else [exposure]
    found: list[Exposure] = []
    for protocol in sorted({m[1][0] for m in members} - {"all"}):
        reaching = [m for m in members if m[1][0] in (protocol, "all")]
        for low, high in _open_runs(reaching):
            if any(a[0] in (protocol, "all") and a[1] <= low and high <= a[2] for a in alone):
                continue
            run = [m for m in reaching if m[1][1] <= high and low <= m[1][2]]
            exposure = _union_of(run, protocol, low, high, version, admin, web)
            if exposure is not None:
                found.append(exposure)
    return found


def _open_runs(reaching: list[tuple[IngressEntry, Span, list[Source]]]) -> list[tuple[int, int]]:
    """Maximal port ranges where the entries reaching each port together cover the address family."""
    cuts = sorted({m[1][1] for m in reaching} | {m[1][2] + 1 for m in reaching})
    runs: list[tuple[int, int]] = []
    for low, next_low in zip(cuts, cuts[1:], strict=False):
        high = next_low - 1
        sources = [s for m in reaching if m[1][1] <= low and high <= m[1][2] for s in m[2]]
        if sources and internet_sources(sources):
            if runs and runs[-1][1] == low - 1:
                runs[-1] = (runs[-1][0], high)
            else:
                runs.append((low, high))
    return runs


def _union_of(run: list[tuple[IngressEntry, Span, list[Source]]], protocol: str, low: int, high: int,
              version: int, admin: frozenset[int], web: frozenset[int]) -> Exposure | None:
    entries = tuple(m[0] for m in run)
    sources = internet_sources(s for m in run for s in m[2])
    verdict = judge(protocol, low, high, admin, web)
    if not sources or verdict is None:
        return None
    level, what, key = verdict
    if any(e.hidden for e in entries):
        what = _HIDDEN_WHAT[level]
        # Named by its members, never by the (sensitive) ports.
        key = "sensitive:" + "+".join(_member_id(e) for e in entries)
    return Exposure(level, what, f"union:{key}:ipv{version}", sources, entries[0], entries)


def _member_order(entry: IngressEntry) -> tuple[str, str, int]:
    owner = entry.owner
    return (owner.origin if owner else "", owner.address if owner else "", -1 if entry.block is None else entry.block)


def _member_id(entry: IngressEntry) -> str:
    address = entry.owner.address if entry.owner is not None else ""
    return address if entry.block is None else f"{address}#{entry.block}"


def _reporter(group: tuple[str, ...], entries: Iterable[IngressEntry], model: ResourceModel) -> Resource:
    """The group itself when it is in the plan, else the first rule (by address) that takes part."""
    if group[0] == "resource":
        resource = model.get(group[2], origin=group[1])
        if resource is not None and resource.exists_after:
            return resource
    owners = [e.owner for e in entries if e.owner is not None]
    return min(owners, key=lambda r: (r.origin, r.address))


def _members_text(reporter: Resource, members: tuple[IngressEntry, ...]) -> str:
    parts: list[str] = []
    for e in members:
        if e.owner is reporter or e.owner is None:
            parts.append(f"ingress block {e.block}" if e.block is not None else "this rule")
        else:
            parts.append(e.owner.address + (f" ingress block {e.block}" if e.block is not None else ""))
    unique = list(dict.fromkeys(parts))
    return ", ".join(unique[:-1]) + f" and {unique[-1]}" if len(unique) > 1 else unique[0]


def open_exposures(resource: Resource, model: ResourceModel, admin: frozenset[int] = frozenset(DEFAULT_ADMIN_PORTS),
                   web: frozenset[int] = frozenset(DEFAULT_WEB_PORTS)) -> tuple[Exposure, ...]:
    """Everything SG001..SG004 report on ``resource``: its own open entries, then group unions it carries."""
    return exposures(resource, model, admin, web) + group_unions(model, admin, web).get(id(resource), ())


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

    def quiet_resources(self, model: ResourceModel) -> Mapping[int, tuple[Resource, Any]]:
        """The SG resources no rule of the family says anything about (``Screen.silent``), one mapping for all four.

        ``scan`` answers exactly these (the same resource with the same ``after``) with ``()``
        below, so the runner may skip them; the four rules share the mapping, so one lookup
        skips all of them.
        """
        return screen_of(model).silent

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation | Note]:
        # ``screen_of`` and ``Screen.is_quiet`` inline: four rules ask it of every SG resource.
        screen: Screen = model.memo(_SCREEN_MEMO, Screen)
        if not screen.built:
            screen.build(model)
        seen = screen.silent.get(id(resource))
        if seen is not None and seen[0] is resource and seen[1] is resource.after:
            # No exposure of its own, no refusal note, no union anywhere (``_screen``): nearly
            # every resource, answered without a generator.
            return ()
        return self._scan(resource, model)

    def _scan(self, resource: Resource, model: ResourceModel) -> Iterator[Violation | Note]:
        # Every SG rule says it (the runner keeps one), so `--check SG002` alone still does.
        yield from (Note(text) for text in refusals(resource, model))
        for exposure in open_exposures(resource, model, self._admin, self._web):
            if exposure.grade != self.grade:
                continue
            shown = render_sources(resource, exposure.sources)
            entry = exposure.entry
            details: dict[str, Any] = {"exposure": exposure.what, "sources": shown}
            message = f"{resource.address} allows {exposure.what} from {shown}"
            if exposure.union_of:
                together = _members_text(resource, exposure.union_of)
                message += f" (together, through {together})"
                details["union_of"] = [_member_id(e) for e in exposure.union_of]
            elif entry.block is not None:
                details["ingress_block"] = entry.block
            yield Violation(message=message, key=exposure.key, details=details)


__all__ = [
    "ADMIN", "ALL_TRAFFIC", "OTHER", "WEB", "DEFAULT_ADMIN_PORTS", "DEFAULT_WEB_PORTS", "GROUP_TYPES", "SG_TYPES",
    "IngressEntry", "IngressExposureCheck", "Exposure", "Source", "exposures", "group_unions", "ingress_entries",
    "internet_sources", "open_exposures", "port_set", "refusals",
]
