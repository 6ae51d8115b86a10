"""msgspec structs for the parts of a plan the model reads (imported only where msgspec is installed).

Only ``resource_changes`` and ``configuration`` are decoded into Python
objects, and of ``configuration`` each resource block's ``expressions`` stay
raw until first read (``ConfigBlock``). ``planned_values`` stays raw bytes (it repeats every ``after`` and is
read only by plans without ``resource_changes``), and each ``prior_state``
resource keeps its ``values`` raw until the loader knows the plan does not
already list that address, which is nearly always. Every field is optional
and untyped where the reference decode tolerates anything, so the two read
the same plans; any other shape is a ``msgspec.ValidationError``, and the
loader then hands the bytes to the reference decode, which has the last word.
"""
# No ``from __future__ import annotations``: msgspec reads every field's type when the module builds its decoders,
# and a string annotation costs an ``eval`` each (about 3 M instructions at every plan run's start for these
# structs); only the two types naming a class not yet defined are strings.

import sys
from collections.abc import Callable
from typing import Any

from natpolicy.msgspec_import import import_msgspec

import_msgspec()  # first: without typing_extensions and inspect, where that changes nothing (msgspec_import)
import msgspec  # noqa: E402 - imported just above

__all__ = ["Change", "ConfigBlock", "ConfigModule", "Configuration", "ModuleCall", "Plan", "ResourceChange",
           "decode_any", "decode_lazily", "decode_mask", "decode_plan", "decode_values"]

_NOTHING = msgspec.Raw()  # an absent key; a JSON null is Raw(b"null")
_UNSET: Any = msgspec.UNSET

# A sensitive/unknown mask: objects and arrays whose leaves are booleans, checked by the decoder (in C) instead of
# a Python walk of every mask. Spelt out to a fixed depth (msgspec takes no recursive alias on Python 3.11); a
# deeper mask fails to decode here and the reference decode reads the plan, so nothing is lost but time.
_MASK_DEPTH = 8
_Mask: Any = bool
for _ in range(_MASK_DEPTH):
    _Mask = bool | dict[str, _Mask] | list[_Mask]
_TopMask: Any = bool | dict[str, _Mask]  # a whole mask: true/false or an object, never an array (as _check_entry)

# Every struct below is ``gc=False``: not tracked by the cyclic collector, so each of a 10k plan's 30,000 structs
# costs less to make and to free. Safe because a decoded plan is a tree: a struct holds strings, ``Raw``s, decoded
# JSON values and structs made by the same decode, never anything that could refer back to it (msgspec's condition
# for ``gc=False``: no reference cycle through the struct).


class Change(msgspec.Struct, gc=False):
    """``resource_changes[].change``: the types ``plan_json._check_entry`` accepts, so a decoded entry needs no
    Python check."""

    actions: list[str] | None = None
    # Raw: decoded by the loader (``decode_values``), once for both sides when their bytes are the same
    # (every no-op: most of a plan), so a 50k plan does not build each unchanged resource twice.
    before: msgspec.Raw = _NOTHING
    after: msgspec.Raw = _NOTHING
    # Masks: raw, decoded by ``decode_mask`` once per distinct text and shared (thousands of resources carry the
    # same ``{"tags": {}, "tags_all": {}}``; nothing writes into a mask). Absent: an empty ``Raw``.
    after_unknown: msgspec.Raw = _NOTHING
    before_sensitive: msgspec.Raw = _NOTHING
    after_sensitive: msgspec.Raw = _NOTHING


class ResourceChange(msgspec.Struct, gc=False):
    """One ``resource_changes`` entry (``None``: an optional field absent or null, which the reference reads alike)."""

    address: str
    change: Change
    # Strings, with what the reference reads for an absent key; a JSON null (which the reference reads as "None")
    # fails the decode, and the reference decode reads that plan: the loader copies these without a test.
    type: str = ""
    name: str = ""
    mode: str = "managed"
    module_address: str | None = None
    index: int | str | None = None
    deposed: str | None = None
    previous_address: str | None = None
    action_reason: str | None = None


class Item(msgspec.Struct, gc=False):
    """One resource of ``prior_state``; ``values`` stay undecoded. Typed as ``plan_json._from_values`` checks."""

    address: str
    mode: Any = msgspec.UNSET
    type: str | None | msgspec.UnsetType = _UNSET
    name: str | None | msgspec.UnsetType = _UNSET
    index: int | str | None | msgspec.UnsetType = _UNSET
    values: msgspec.Raw = _NOTHING
    sensitive_values: msgspec.Raw = _NOTHING


class Module(msgspec.Struct, gc=False):
    address: Any = msgspec.UNSET
    resources: list[Item] | None = None
    child_modules: "list[Module] | None" = None


class Values(msgspec.Struct, gc=False):
    root_module: Module | None = None


class State(msgspec.Struct, gc=False):
    values: Values | None = None


# ``configuration``: typed only down to each resource block, whose ``expressions`` (most of the section's bytes) stay
# raw until ``ConfigBlock.get("expressions")`` first asks: the rules read them for a third of a 10k plan's blocks.
# Each struct keeps the keys ``references.ConfigIndex`` and ``sourcemap.module_call_sources`` read, and answers
# ``get`` for those as the JSON object's ``dict.get`` would (``None`` for an absent key); any other key is skipped.
# A part of another JSON type than Terraform writes (a module that is not an object, ...) fails the decode, and the
# reference decode reads the plan, where those readers pass over such parts.


def _json_get(self: Any, key: str, default: Any = None) -> Any:
    """``dict.get`` of the JSON object a struct was decoded from, for the keys its readers ask (``ModuleCall``,
    ``ConfigModule``): a key no reader asks for is an AttributeError, never a silent default."""
    value = getattr(self, key)
    return default if value is _UNSET else value


class ConfigBlock(msgspec.Struct, gc=False):
    """One resource block of a configuration module."""

    address: Any = _UNSET
    mode: Any = _UNSET
    type: Any = _UNSET
    name: Any = _UNSET
    count_expression: Any = _UNSET
    for_each_expression: Any = _UNSET
    # Raw until first read, then replaced by its decoded value (the Raw's class tells the two apart; msgspec does
    # not check assignments): count and for_each instances of one block share that one object, as they share the
    # block's dict in the reference.
    expressions: msgspec.Raw = _NOTHING

    def get(self, key: str, default: Any = None) -> Any:
        if key == "expressions":
            value: Any = self.expressions
            if value.__class__ is _RAW:
                value = self.expressions = decode_lazily(value) if len(value) else _UNSET
        else:
            value = getattr(self, key)  # a key no reader asks for is an AttributeError, never a silent default
        return default if value is _UNSET else value


class ModuleCall(msgspec.Struct, gc=False):
    """One entry of a module's ``module_calls``."""

    source: Any = _UNSET
    expressions: Any = _UNSET
    module: "ConfigModule | None" = None

    get = _json_get


class ConfigModule(msgspec.Struct, gc=False):
    """``root_module``, or the ``module`` of a call."""

    resources: list[ConfigBlock] | None = None
    module_calls: dict[str, ModuleCall] | None = None
    outputs: Any = _UNSET

    get = _json_get


class Configuration(msgspec.Struct, gc=False):
    root_module: ConfigModule | None = None


class Plan(msgspec.Struct, gc=False):
    format_version: Any = msgspec.UNSET
    resource_changes: list[ResourceChange] | None | msgspec.UnsetType = _UNSET
    configuration: Configuration | None | msgspec.UnsetType = _UNSET
    prior_state: State | None | msgspec.UnsetType = msgspec.UNSET
    planned_values: msgspec.Raw = _NOTHING
    # Read only for their presence (what kind of file this is).
    output_changes: msgspec.Raw = _NOTHING
    resource_drift: msgspec.Raw = _NOTHING
    lineage: msgspec.Raw = _NOTHING
    serial: msgspec.Raw = _NOTHING
    values: msgspec.Raw = _NOTHING
    provider_schemas: msgspec.Raw = _NOTHING


_RAW = msgspec.Raw
_PLAN = msgspec.json.Decoder(Plan)
_ANY = msgspec.json.Decoder()
_VALUES = msgspec.json.Decoder(dict[str, Any] | None)  # a change's before/after: an object or null
_MASK = msgspec.json.Decoder(_TopMask | None)
UNSET = msgspec.UNSET
NULL = msgspec.Raw(b"null")  # a JSON null, for ``Raw == NULL`` (the bytes compared)
EMPTY = _NOTHING
ERRORS: tuple[type[Exception], ...] = (msgspec.MsgspecError, RecursionError)


# Each typed field of ``Plan``, decoded from its own raw value (plan_from_sections); the other fields stay raw.
_SECTIONS: dict[str, msgspec.json.Decoder[Any]] = {
    "format_version": _ANY,
    "resource_changes": msgspec.json.Decoder(list[ResourceChange] | None),
    "configuration": msgspec.json.Decoder(Configuration | None),
    "prior_state": msgspec.json.Decoder(State | None),
}


def decode_plan(data: bytes) -> Plan:
    return _PLAN.decode(data)


def plan_from_sections(sections: dict[str, msgspec.Raw]) -> Plan:
    """What :func:`decode_plan` gives for a plan whose top-level keys' raw values are ``sections`` (decoded from the
    same bytes as ``dict[str, msgspec.Raw]``, natpolicy.rego.plan_bytes: every value valid JSON already), each typed
    section decoded from its own bytes: the sections kept raw (planned_values, about a quarter of a plan) are not
    scanned a second time. A key repeated keeps its last value, as the reference decode (``json.loads``) keeps it;
    ``decode_plan`` also checks the earlier ones against the structs, and declines where one does not fit."""
    fields: dict[str, Any] = {}
    for name in Plan.__struct_fields__:
        raw = sections.get(name)
        if raw is not None:
            decoder = _SECTIONS.get(name)
            fields[name] = raw if decoder is None else decoder.decode(raw)
    return Plan(**fields)


def decode_any(raw: msgspec.Raw) -> Any:
    return _ANY.decode(raw)


def decode_mask(raw: msgspec.Raw) -> Any:
    """A change's mask: true/false, null, or an object whose leaves are booleans (else a ``ValidationError``)."""
    return _MASK.decode(raw)


# A change's ``before``/``after`` (an object or null; anything else is a ``ValidationError``). The decoder's own
# bound method, not a function around it: the loader calls it about 10,000 times for a 10k plan.
decode_values: Callable[[msgspec.Raw], dict[str, Any] | None] = _VALUES.decode


def decode_lazily(raw: msgspec.Raw) -> Any:
    """A raw part of a plan the fast decode accepted, decoded after the loader returned: what ``json.loads`` reads.

    It must not fail where a first decode could (the plan then goes to the reference decode): msgspec skipped these
    bytes while it read the whole plan, checking its strings, escapes and nesting, so only what skipping does not
    check is left. A number beyond a float's range (``1e999``) is refused by msgspec's decode and read as ``inf``
    by ``json.loads``; and msgspec's nesting limit counts the interpreter's frames, which a rule's call is deeper in
    than the plan's decode was. Either way ``json.loads`` reads the part, with the limit raised past those frames
    (the whole plan, nested deeper than the part, was read within the limit).
    """
    try:
        return _ANY.decode(raw)
    except (msgspec.MsgspecError, RecursionError):
        return _json_value(bytes(raw))


def _json_value(data: bytes) -> Any:
    import json  # only for a part msgspec refuses: a plan run does not import json otherwise

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 1000)
    try:
        return json.loads(data)
    finally:
        sys.setrecursionlimit(limit)
