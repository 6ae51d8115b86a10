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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

try:
    from natpolicy.loaders import plan_structs
except ImportError:  # no msgspec wheel for this platform: json does everything
    plan_structs = None  # type: ignore[assignment]

__all__ = ["BACKEND", "BACKENDS", "FastPlan", "decode", "plain_json_bytes"]

BACKENDS: tuple[str, ...] = ("msgspec", "json") if plan_structs is not None else ("json",)
BACKEND: str = "json" if os.environ.get("NATPOLICY_PLAN_DECODER") == "json" else BACKENDS[0]

_DIGITS = re.compile(rb"[0-9]+")
# Stand-ins of the right JSON kind for a raw value not decoded (the loader checks kinds, not contents).
_KINDS: dict[bytes, Any] = {b"{": {}, b"n": None, b"t": True, b"f": False}
_ODD = ["any other kind"]  # a list where only an object, a boolean or null may be: the loader refuses it


@dataclass(slots=True)
class FastPlan:
    head: dict[str, Any]  # the top-level keys ``check_is_plan`` looks at (marker values for the raw ones)
    changes: Any
    configuration: Any
    multiline: bool  # pretty-printed: the loader reads entry lines from the text
    _plan: Any

    def planned_values(self) -> Any:
        raw = self._plan.planned_values
        return plan_structs.decode_any(raw) if len(raw) else None

    def prior_items(self) -> Iterator[tuple[dict[str, Any], str, Any, Any]]:
        """``(item, module address, raw values, raw sensitive_values)`` in the reference decode's order.

        ``item`` holds the keys the entry has, its values replaced by a stand-in
        of the same JSON kind; ``real_values`` turns a raw value into the real one.
        """
        state = self._plan.prior_state
        values = state.values if state is not None and state is not plan_structs.UNSET else None
        root = values.root_module if values is not None else None
        stack: list[tuple[Any, str]] = [(root, "")] if root is not None else []
        while stack:
            module, address = stack.pop()
            for item in module.resources or ():
                entry = {name: value for name in ("address", "mode", "type", "name", "index")
                         if (value := getattr(item, name)) is not plan_structs.UNSET}
                if len(item.values):
                    entry["values"] = _stand_in(item.values)
                if len(item.sensitive_values):
                    entry["sensitive_values"] = _stand_in(item.sensitive_values)
                yield entry, address, item.values, item.sensitive_values
            for child in module.child_modules or ():
                stack.append((child, "" if child.address is plan_structs.UNSET else str(child.address)))


def real_value(raw: Any, absent: Any) -> Any:
    """The decoded value of a raw field (``absent`` when the key was not there)."""
    return plan_structs.decode_any(raw) if len(raw) else absent


def _stand_in(raw: Any) -> Any:
    return _KINDS.get(bytes(memoryview(raw)[:1]), _ODD)


def decode(data: bytes) -> FastPlan | None:
    """The plan's sections, or ``None`` when the reference decode must read ``data``."""
    if BACKEND != "msgspec" or plan_structs is None or not _plain_utf8(data) or _has_long_integer(data):
        return None
    try:
        plan = plan_structs.decode_plan(data)
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
    for probe in range(limit - 1, len(data), limit):
        if 48 <= data[probe] <= 57:
            start = probe
            while start > 0 and 48 <= data[start - 1] <= 57:
                start -= 1
            match = _DIGITS.match(data, start)
            if match is not None and match.end() - start > limit:
                return True
    return False


def _multiline(data: bytes) -> bool:
    """Does ``resource_changes`` span lines (not just the newline ``terraform show`` ends with)?"""
    start = data.find(b'"resource_changes"')
    if start < 0:
        return False
    end = len(data)
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    return data.find(b"\n", start, end) >= 0
