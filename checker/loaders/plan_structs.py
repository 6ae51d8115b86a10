"""msgspec structs for the parts of a plan the model reads (imported only where msgspec is installed).

Only ``resource_changes`` and ``configuration`` are decoded into Python
objects. ``planned_values`` stays raw bytes (it repeats every ``after`` and is
read only by plans without ``resource_changes``), and each ``prior_state``
resource keeps its ``values`` raw until the loader knows the plan does not
already list that address, which is nearly always. Every field is optional
and untyped where the reference decode tolerates anything, so the two read
the same plans; any other shape is a ``msgspec.ValidationError``, and the
loader then hands the bytes to the reference decode, which has the last word.
"""
from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["Plan", "decode_any", "decode_plan"]

_NOTHING = msgspec.Raw()  # an absent key; a JSON null is Raw(b"null")


class Item(msgspec.Struct):
    """One resource of ``planned_values``/``prior_state``; ``values`` stay undecoded."""

    address: Any = msgspec.UNSET
    mode: Any = msgspec.UNSET
    type: Any = msgspec.UNSET
    name: Any = msgspec.UNSET
    index: Any = msgspec.UNSET
    values: msgspec.Raw = _NOTHING
    sensitive_values: msgspec.Raw = _NOTHING


class Module(msgspec.Struct):
    address: Any = msgspec.UNSET
    resources: list[Item] | None = None
    child_modules: list[Module] | None = None


class Values(msgspec.Struct):
    root_module: Module | None = None


class State(msgspec.Struct):
    values: Values | None = None


class Plan(msgspec.Struct):
    format_version: Any = msgspec.UNSET
    resource_changes: Any = msgspec.UNSET
    configuration: Any = msgspec.UNSET
    prior_state: State | None | msgspec.UnsetType = msgspec.UNSET
    planned_values: msgspec.Raw = _NOTHING
    # Read only for their presence (what kind of file this is).
    output_changes: msgspec.Raw = _NOTHING
    resource_drift: msgspec.Raw = _NOTHING
    lineage: msgspec.Raw = _NOTHING
    serial: msgspec.Raw = _NOTHING
    values: msgspec.Raw = _NOTHING
    provider_schemas: msgspec.Raw = _NOTHING


_PLAN = msgspec.json.Decoder(Plan)
_ANY = msgspec.json.Decoder()
UNSET = msgspec.UNSET
ERRORS: tuple[type[Exception], ...] = (msgspec.MsgspecError, RecursionError)


def decode_plan(data: bytes) -> Plan:
    return _PLAN.decode(data)


def decode_any(raw: msgspec.Raw) -> Any:
    return _ANY.decode(raw)
