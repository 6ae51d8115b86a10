"""The fast plan decode: msgspec reads only the sections the model uses.

``json.loads`` of a 10k-resource plan builds about two million Python
objects, most of them never read: ``planned_values`` repeats every ``after``
and most of ``prior_state`` is for resources ``resource_changes`` lists
anyway. With msgspec installed (a dependency wherever a wheel exists),
``decode`` keeps those sections as raw bytes and decodes a ``prior_state``
resource's values only when the plan does not already list its address.

The reference decode (``plan_text``: ``json.loads``) stays the authority.
This path declines (returns ``None``) whenever it could disagree with it:
anything but plain UTF-8 without a byte-order mark, an integer longer than
Python reads, NaN or Infinity, a lone surrogate, a shape the structs do not
take. The loader then decodes the same bytes the reference way, so every
error reads exactly as before. The backend is chosen at import time;
``NATPOLICY_PLAN_DECODER=json`` (or setting ``BACKEND``) forces the reference.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from struct import Struct  # imported by every check run anyway (natpolicy.redact's base64)
from typing import Any

try:
    from natpolicy.loaders import plan_structs
except ImportError:  # no msgspec wheel for this platform: json does everything
    plan_structs = None  # type: ignore[assignment]

from natpolicy.loaders.plan_resource import PlanConfig, PlanResource
from natpolicy.loaders.plan_values import apply_unknown, full_address
from natpolicy.model import UNKNOWN, Resource
from natpolicy.records import record

__all__ = ["BACKEND", "BACKENDS", "FastPlan", "decode", "plain_json_bytes"]

BACKENDS: tuple[str, ...] = ("msgspec", "json") if plan_structs is not None else ("json",)
BACKEND: str = "json" if os.environ.get("NATPOLICY_PLAN_DECODER") == "json" else BACKENDS[0]

_DIGIT_MARKS = bytes(48) + bytes((1,)) * 10 + bytes(198)  # bytes.translate: an ASCII digit -> 1, else 0
_FIRST_BYTE = Struct("B").unpack_from  # (the first byte of a buffer,): a raw value's JSON kind


@record(slots=True)
class FastPlan:
    """A plan decoded by the typed fast path, its sections kept as decoded (or raw) until read."""

    head: dict[str, Any]  # the top-level keys ``check_is_plan`` looks at (marker values for the raw ones)
    changes: Any
    configuration: Any
    multiline: bool  # pretty-printed: the loader reads entry lines from the text
    _plan: Any

    def planned_values(self) -> Any:
        raw = self._plan.planned_values
        return plan_structs.decode_any(raw) if len(raw) else None

    def change_resources(self, origin: str) -> list[Resource]:
        """The ``resource_changes`` entries as resources: what ``plan_json._from_change`` builds from them.

        The decoder already held every field to the types ``plan_json._check_entry``
        accepts (masks included), so this is one attribute read per field, no checks.
        It consumes ``changes`` (each entry is dropped once built).
        """
        decode_values, decode_mask = plan_structs.decode_values, plan_structs.decode_mask
        null = plan_structs.NULL
        # Mask text -> the one decoded mask every resource with that text shares (a 10k plan has about 30 distinct
        # texts for 30,000 masks). Keyed by ``bytes(raw)``; the empty text is an absent key: ``False`` for a
        # sensitivity mask, as the reference reads it.
        sensitive: dict[bytes, Any] = {b"": False}
        # after_unknown: text -> (mask, inert, overlay). ``None`` when absent. Inert: true/false/null, or an object
        # none of whose members is true or a non-empty object or array, i.e. one that ``apply_unknown`` walks without
        # marking anything. Over a dict or None (all ``decode_values`` gives) it then returns the value unchanged,
        # or a new ``{}`` for None and an object mask, which is what the loop below does instead of calling it.
        # The overlay, for an object mask whose members are only ``true`` or inert (``false``, ``{}``, ``[]``):
        # ``{key: UNKNOWN}`` for its true members, in its order. apply_unknown sets exactly those keys of ``after``
        # to UNKNOWN, one by one in the mask's order (a new key goes last), which is what ``dict.update`` does in
        # C; over None it makes a new dict of them. ``None`` for every other mask: apply_unknown does the work.
        unknowns: dict[bytes, tuple[Any, bool, dict[str, Any] | None]] = {b"": (None, True, None)}
        # In front of those, per field: the length of a mask's text -> the last (raw, mask) of that length. A 10k
        # plan's masks have a handful of texts, nearly all of distinct lengths, so this is nearly always the
        # answer: ``len`` and one ``Raw == Raw`` (lengths, then the bytes themselves: a hit is exactly the text
        # the tables above hold, and gives their shared object) instead of copying the text out to hash it.
        empty = plan_structs.EMPTY
        last_unknown: dict[int, tuple[Any, tuple[Any, bool, dict[str, Any] | None]]] = {0: (empty, (None, True, None))}
        last_before: dict[int, tuple[Any, Any]] = {0: (empty, False)}
        last_after: dict[int, tuple[Any, Any]] = {0: (empty, False)}

        out: list[Resource] = []
        append = out.append
        new = object.__new__
        config = PlanConfig()  # given the plan's ConfigIndex by the join; asked when a field is first read
        changes = self.changes
        for position in range(len(changes)):
            rc = changes[position]
            changes[position] = None  # consumed: its memory is reused by the values decoded below (peak RSS)
            change = rc.change
            actions = change.actions
            raw = change.after_unknown
            hit = last_unknown.get(len(raw))
            if hit is not None and hit[0] == raw:
                unknown, inert, overlay = hit[1]
            else:
                text = bytes(raw)
                found = unknowns.get(text)
                if found is None:
                    found = unknowns[text] = _unknown_entry(decode_mask(raw))
                last_unknown[len(raw)] = (raw, found)
                unknown, inert, overlay = found
            raw_before, raw_after = change.before, change.after
            # A JSON null (every created resource's before) needs no decoder call: Raw == Raw compares the bytes.
            before = decode_values(raw_before) if len(raw_before) and not raw_before == null else None
            if not len(raw_after):
                after = None
            elif inert and raw_after == raw_before:
                # The same bytes: one object for both sides, as prior_state resources share one. Only where
                # apply_unknown leaves it alone: a mask of nothing but empty objects (every tagged no-op's).
                after = before
            else:
                after = decode_values(raw_after) if not raw_after == null else None
            if unknown:
                if not inert:
                    if overlay is None:
                        after = apply_unknown(after, unknown)
                    elif after is None:
                        after = overlay.copy()
                    else:
                        after.update(overlay)  # after: a dict decoded for this resource alone (not inert: no sharing)
                elif after is None and unknown.__class__ is dict:
                    after = {}  # what apply_unknown makes of None under an object mask
                elif unknown is True:
                    after = apply_unknown(after, unknown)
            raw = change.before_sensitive
            hit = last_before.get(len(raw))
            if hit is not None and hit[0] == raw:
                before_sensitive = hit[1]
            else:
                text = bytes(raw)
                before_sensitive = sensitive.get(text, sensitive)
                if before_sensitive is sensitive:
                    before_sensitive = sensitive[text] = decode_mask(raw)
                last_before[len(raw)] = (raw, before_sensitive)
            raw_before_sensitive, raw = raw, change.after_sensitive
            if raw == raw_before_sensitive:
                after_sensitive = before_sensitive  # the same text, so the same shared mask (every no-op's)
            elif (hit := last_after.get(len(raw))) is not None and hit[0] == raw:
                after_sensitive = hit[1]
            else:
                text = bytes(raw)
                after_sensitive = sensitive.get(text, sensitive)
                if after_sensitive is sensitive:
                    after_sensitive = sensitive[text] = decode_mask(raw)
                last_after[len(raw)] = (raw, after_sensitive)
            # Every field, as Resource.__init__ sets them (tests/test_plan_decoding.py holds the two together on
            # every field): calling the class costs half as much again (the type call, the arguments' tuple,
            # a frame of 25 locals), and a 10k plan builds 10,000 of them. ``{}`` is what the default factory gives.
            res = new(PlanResource)
            res.address = rc.address
            res.type = rc.type
            res.name = rc.name
            res.mode = rc.mode
            res.module = rc.module_address or ""
            res.index = rc.index
            res.actions = tuple(actions) if actions else ("no-op",)
            res.action_reason = rc.action_reason
            res.previous_address = rc.previous_address
            res.deposed = rc.deposed
            res.before = before
            res.after = after
            res.before_sensitive = before_sensitive
            res.after_sensitive = after_sensitive
            res.plan_config = config  # references and expressions: asked of the configuration when first read
            res.references_pending = True
            res.origin = origin
            res.location = None
            res.expressions_pending = True
            res.module_sources = ()
            res.finding_context = None
            res.location_at_base = False
            res.from_prior_state = False
            res.unknown_expansion = False
            res.mapped_to_source = False
            res.unjudged = ()
            append(res)
        return out

    def prior_resources(self, listed: set[str], origin: str) -> Iterator[Resource]:
        """The ``prior_state`` resources whose address is not in ``listed``, values decoded only for those.

        ``listed``: the addresses of the plan's resources that are not deposed objects. Each resource yielded
        is added to it, so a ``prior_state`` listing one address twice gives the first, as the reference does.

        The decoder typed each entry's fields as ``plan_json._from_values`` checks
        them; the raw values' kinds are checked here from their first byte
        (a ``ValueError`` makes the loader hand the plan to the reference decode).
        """
        unset, first_byte, checked_sensitive = plan_structs.UNSET, _FIRST_BYTE, plan_structs.EMPTY
        state = self._plan.prior_state
        values = state.values if state is not None and state is not unset else None
        root = values.root_module if values is not None else None
        stack: list[tuple[Any, str]] = [(root, "")] if root is not None else []
        while stack:
            module, module_address = stack.pop()
            for item in module.resources or ():
                raw, raw_sensitive = item.values, item.sensitive_values
                # The first byte is the value's JSON kind (inline: two per item of a 10k plan's prior_state), read
                # in place by ``unpack_from``: a memoryview costs twice as much (two objects made and freed). Most
                # items' sensitive_values repeat the text just checked (the same bytes: the same first byte), which
                # one ``Raw == Raw`` says.
                if len(raw) and first_byte(raw)[0] not in b"{n":
                    raise ValueError("a prior_state value of a kind the reference decode names")
                if not raw_sensitive == checked_sensitive:
                    if len(raw_sensitive) and first_byte(raw_sensitive)[0] not in b"{ntf":
                        raise ValueError("a prior_state value of a kind the reference decode names")
                    checked_sensitive = raw_sensitive
                index = None if item.index is unset else item.index
                # full_address leaves a root module entry without an index as it is.
                address = item.address if index is None and not module_address else full_address(
                    item.address, module_address, index)
                if address in listed:
                    continue
                listed.add(address)
                kind, name, mode = item.type, item.name, item.mode
                value = real_value(raw, None)
                sensitive = real_value(raw_sensitive, False)
                yield Resource(
                    address=address,
                    type="" if kind is unset else str(kind),
                    name="" if name is unset else str(name),
                    mode="managed" if mode is unset else str(mode),
                    module=module_address, index=index, actions=("no-op",),
                    before=value, after=value, before_sensitive=sensitive, after_sensitive=sensitive, origin=origin)
            for child in module.child_modules or ():
                stack.append((child, "" if child.address is unset else str(child.address)))


def _unknown_entry(mask: Any) -> tuple[Any, bool, dict[str, Any] | None]:
    """(mask, inert, overlay) for one ``after_unknown`` text: see ``FastPlan.change_resources``."""
    if mask is None or mask.__class__ is bool or not any(mask.values()):
        return mask, True, None
    if all(sub is True or sub is False or sub == {} or sub == [] for sub in mask.values()):
        return mask, False, {key: UNKNOWN for key, sub in mask.items() if sub is True}
    return mask, False, None


def real_value(raw: Any, absent: Any) -> Any:
    """The decoded value of a raw field (``absent`` when the key was not there)."""
    return plan_structs.decode_any(raw) if len(raw) else absent


def decode(data: bytes, sections: dict[str, Any] | None = None) -> FastPlan | None:
    """The plan's sections, or ``None`` when the reference decode must read ``data``.

    ``sections``: its top-level keys' raw values, where the caller decoded them from ``data`` already (a run with
    --policy: natpolicy.rego.plan_bytes); the typed ones are then decoded from their own bytes
    (``plan_structs.plan_from_sections``), and the 20 MB are not scanned a second time (about 10 ms)."""
    if BACKEND != "msgspec" or plan_structs is None or not _plain_utf8(data) or _has_long_integer(data):
        return None
    try:
        plan = plan_structs.decode_plan(data) if sections is None else plan_structs.plan_from_sections(sections)
    except plan_structs.ERRORS:
        return None
    head: dict[str, Any] = {}
    for name in ("format_version", "resource_changes", "configuration"):
        if (value := getattr(plan, name)) is not plan_structs.UNSET:
            head[name] = value
    if plan.prior_state is not plan_structs.UNSET:
        head["prior_state"] = True
    for name in ("planned_values", "output_changes", "resource_drift", "lineage", "serial", "values",
                 "provider_schemas"):
        if len(getattr(plan, name)):
            head[name] = True
    return FastPlan(head=head, changes=head.get("resource_changes"), configuration=head.get("configuration"),
                    multiline=_multiline(data), _plan=plan)


def plain_json_bytes(data: bytes) -> bool:
    """Bytes a fast decoder may read as the reference would: plain UTF-8, no integer too long for Python."""
    return _plain_utf8(data) and not _has_long_integer(data)


def _plain_utf8(data: bytes) -> bool:
    """UTF-8 without a byte-order mark, not a zip, not empty: everything else is the reference's to judge."""
    if len(data) < 2 or data[0] in (0, 0xEF, 0xFE, 0xFF) or data[1] == 0 or data.startswith(b"PK"):
        return False
    if data.isascii():
        return True
    try:
        data.decode("utf-8")  # msgspec checks only the strings it decodes, not the ones it skips
    except UnicodeDecodeError:
        return False
    return True


def _has_long_integer(data: bytes) -> bool:
    """A digit run longer than Python turns into an int (``json.loads`` refuses those, skipped or not).

    Any such run covers one of the positions ``limit`` bytes apart, so only
    those are looked at: a few thousand probes instead of a regex over 20 MB.
    """
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    if limit <= 0:
        return False
    # re.compile(rb"[0-9]+").match, compiled at the first probe that hits a digit (a small plan has no probe:
    # no pattern compiled at every start).
    match_digits: Callable[[bytes, int], re.Match[bytes] | None] | None = None
    # The probed bytes in one slice, digits marked 1 and the rest 0 (both C loops); only the probes that hit a
    # digit are looked at further.
    marks = data[limit - 1::limit].translate(_DIGIT_MARKS)
    index = marks.find(1)
    while index >= 0:
        start = limit - 1 + index * limit
        while start > 0 and 48 <= data[start - 1] <= 57:
            start -= 1
        if match_digits is None:
            match_digits = re.compile(rb"[0-9]+").match
        match = match_digits(data, start)
        if match is not None and match.end() - start > limit:
            return True
        index = marks.find(1, index + 1)
    return False


def _multiline(data: bytes) -> bool:
    """Does ``resource_changes`` span lines (not just the newline ``terraform show`` ends with)?"""
    end = len(data)
    while end > 0 and data[end - 1] in b" \t\r\n":
        end -= 1
    # A compact plan (what ``terraform show -json`` writes) has no newline before its end at all: one ``memchr``
    # over the file says so, without first searching 20 MB for the key (that search is the costly part).
    if data.find(b"\n", 0, end) < 0:
        return False
    start = data.find(b'"resource_changes"')
    if start < 0:
        return False
    return data.find(b"\n", start, end) >= 0
