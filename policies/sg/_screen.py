"""Which SG resources can give SG001..SG004 anything to say, read from the CIDR texts alone.

A plan's security groups are nearly all quiet: their ingress rules name
private ranges (``10.0.0.0/8``), and only a few open a port to the internet.
Reading every entry into ``IngressEntry`` and ``Source`` records, grading it,
and finding its group to judge the unions costs far more than the verdict
needs. What decides whether anything can be said is only the lists of source
texts, and a plan repeats the same few lists thousands of times, so each
distinct list is judged once (``_profile``) and each resource is screened by
the lists of its entries:

* an entry whose sources do not open the internet even read loosely (every
  CIDR as written, host bits and family ignored) is graded by no rule and
  refused by none: exposures need the accepted sources to open the internet,
  and a source the provider accepts reads the same range loosely, so opening
  it strictly opens it loosely too; refusals skip an entry that is not open
  loosely. A resource with no such entry has no exposure of its own and no
  refusal note (``Screen.is_quiet``).
* a union needs the sources of its members (entries not open on their own,
  in one address family) to cover the whole family together. Those sources are
  a subset of the same sources taken over every entry of the plan, and
  covering is monotone: when all of them together do not cover IPv4 nor IPv6,
  no group can, and ``group_unions`` has nothing to build
  (``Screen.unions_possible``).
"""
from __future__ import annotations

from typing import Any

from natpolicy.model import Resource, ResourceModel
from natpolicy.policies.sg._coverage import covers_whole_family, open_positions
from natpolicy.policies.sg._validity import ATTRIBUTE_FAMILY, Network, accepted_network

__all__ = ["MEMO", "Screen", "screen_of"]

_GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
_SG_TYPES = (*_GROUP_TYPES, "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")
_LIST_ATTRIBUTES = ("cidr_blocks", "ipv6_cidr_blocks")
_SCALAR_ATTRIBUTES = ("cidr_ipv4", "cidr_ipv6")
MEMO = "sg.screen"  # the ``ResourceModel.memo`` key of the model's ``Screen``

# A list of (text, attribute) -> (open when read loosely, networks it may lend a union).
Profile = tuple[bool, frozenset[Network]]
_PROFILES: dict[tuple[tuple[str, str], ...], Profile] = {}
_MAX_PROFILES = 65_536


class _Text:
    """The two fields of ``Source`` that ``open_positions`` reads (the answer depends on nothing else)."""

    __slots__ = ("value", "attribute")

    def __init__(self, value: str, attribute: str) -> None:
        self.value = value
        self.attribute = attribute

    def network(self) -> Network | None:
        return accepted_network(self.value, ATTRIBUTE_FAMILY.get(self.attribute))


def _profile(key: tuple[tuple[str, str], ...]) -> Profile:
    """What one entry's list of sources can do: the same tests ``refusals`` and ``_union_exposures`` make."""
    found = _PROFILES.get(key)
    if found is not None:
        return found
    texts = tuple(_Text(value, attribute) for value, attribute in key)
    loose_open = bool(open_positions((True, key), texts, True))
    lent: set[Network] = set()
    for version in (4, 6):
        # As ``_union_exposures.in_family``: the accepted sources of one family; the entry is a
        # member of a union only when they do not open the internet on their own.
        family = [(t, net) for t in texts if (net := t.network()) is not None and net.version == version]
        if family:
            in_family = tuple(t for t, _ in family)
            family_key = (False, tuple([(t.value, t.attribute) for t in in_family]))
            if not open_positions(family_key, in_family, False):
                lent.update(net for _, net in family)
    if len(_PROFILES) >= _MAX_PROFILES:
        _PROFILES.clear()  # bounded: a long-lived process checking many plans
    found = _PROFILES[key] = (loose_open, frozenset(lent))
    return found


# The raw content of a block's two lists -> its profile: ``(tuple(cidr_blocks), tuple(ipv6_cidr_blocks))``,
# ``None`` for a value that is not a list. A plan repeats a few block contents thousands of times, and
# this key is built in C where ``_list_key`` walks each list in Python. Exact: two equal raw keys hold
# the same strings at the same places (a decoded value that is no string equals no string), and
# ``_list_key`` keeps exactly the strings of lists, so they have one key and one profile.
_RAW_PROFILES: dict[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None], Profile] = {}


def _block_profile(block: dict[str, Any]) -> Profile:
    """``_profile(_list_key(block))``, looked up by the raw lists first."""
    cidr, ipv6 = block.get("cidr_blocks"), block.get("ipv6_cidr_blocks")
    raw = (tuple(cidr) if isinstance(cidr, list) else None, tuple(ipv6) if isinstance(ipv6, list) else None)
    try:
        found = _RAW_PROFILES.get(raw)
    except TypeError:  # an item that is no hashable value (a list or object in a CIDR list)
        key = _list_key(block)
        return _PROFILES.get(key) or _profile(key)
    if found is None:
        key = _list_key(block)
        found = _PROFILES.get(key) or _profile(key)
        if len(_RAW_PROFILES) >= _MAX_PROFILES:
            _RAW_PROFILES.clear()  # bounded, as ``_PROFILES``
        _RAW_PROFILES[raw] = found
    return found


def _profiles(resource: Resource) -> list[Profile]:
    """The profile of each entry ``ingress_entries(resource)`` reads, in the same order."""
    values = resource.after
    if not isinstance(values, dict):
        return []
    kind = resource.type
    if kind in _GROUP_TYPES:
        blocks = values.get("ingress")
        if not isinstance(blocks, list):
            return []
        return [_block_profile(block) for block in blocks if isinstance(block, dict)]
    if kind == "aws_security_group_rule":
        return [_block_profile(values)] if values.get("type") == "ingress" else []
    if kind == "aws_vpc_security_group_ingress_rule":
        key = tuple([(v, attr) for attr in _SCALAR_ATTRIBUTES if isinstance(v := values.get(attr), str)])
        return [_PROFILES.get(key) or _profile(key)]
    return []


def _list_key(block: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """As ``_ingress._entry``: the strings of ``cidr_blocks`` then ``ipv6_cidr_blocks``, when they are lists."""
    key: list[tuple[str, str]] = []
    for attr in _LIST_ATTRIBUTES:
        items = block.get(attr)
        if isinstance(items, list) and items:  # most ``ipv6_cidr_blocks`` are [] or null
            key += [(v, attr) for v in items if isinstance(v, str)]
    return tuple(key)


class Screen:
    """Per model: the SG resources with nothing to report of their own, and whether any union can exist."""

    def __init__(self) -> None:
        self.built = False
        self.unions_possible = True
        # id() -> (the resource, its ``after`` as read): a resource given new values is not quiet any more.
        self._quiet: dict[int, tuple[Resource, Any]] = {}
        # The same, when no union can exist either: what SG001..SG004 say nothing about at all.
        self.silent: dict[int, tuple[Resource, Any]] = {}
        # id() -> (the resource, its ``after``, for each of its entries whether it is open read loosely):
        # the resources that are not quiet.
        self._loud: dict[int, tuple[Resource, Any, tuple[bool, ...]]] = {}

    def build(self, model: ResourceModel) -> None:
        lent: set[Network] = set()
        quiet = self._quiet
        unreadable = False
        loud_ones = self._loud
        for resource in model.of_type(*_SG_TYPES):
            loud = False
            try:
                found = _profiles(resource)
                for loose_open, nets in found:
                    loud = loud or loose_open
                    if nets:
                        lent |= nets
            except Exception:  # noqa: BLE001
                # Values the screen cannot read: the full path reads them, and reports its own
                # failure on this resource alone, as without the screen.
                loud = unreadable = True
                found = []
            if not loud:
                quiet[id(resource)] = (resource, resource.after)
            elif found:
                loud_ones[id(resource)] = (resource, resource.after, tuple([p[0] for p in found]))
        # Every resource of the SG types, not only those ``group_unions`` reads: a superset of
        # any group's members, so a cover that is not there is not there for any group.
        self.unions_possible = unreadable or covers_whole_family(lent)
        self.silent = {} if self.unions_possible else quiet
        self.built = True

    def loose_flags(self, resource: Resource) -> tuple[bool, ...] | None:
        """For each entry of a resource that is not quiet, whether its sources open the internet read loosely.

        In the order of ``ingress_entries(resource)``; ``None`` for a resource the screen did not read
        so (quiet, unreadable, or given new values since).
        """
        seen = self._loud.get(id(resource))
        if seen is None or seen[0] is not resource or seen[1] is not resource.after:
            return None
        return seen[2]

    def is_quiet(self, resource: Resource) -> bool:
        """True when no entry of ``resource`` opens the internet, even read loosely (see the module doc)."""
        seen = self._quiet.get(id(resource))
        return seen is not None and seen[0] is resource and seen[1] is resource.after


def screen_of(model: ResourceModel) -> Screen:
    screen: Screen = model.memo(MEMO, Screen)
    if not screen.built:
        screen.build(model)
    return screen
