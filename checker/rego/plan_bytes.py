"""A plan's JSON text for the Rego engine, checked without building it in Python.

User policies and the built-in twins read the plan as Terraform wrote it, and
the engine parses that text itself (regorus: ``set_input_json``, in Rust).
natpolicy's own process therefore never needs the plan as Python values for
Rego: it only has to know that the file is JSON the reference decode
(``natpolicy.loaders.plan_text``) reads, and what its top-level keys say it is.

:func:`read_plan` checks that with msgspec, which validates the whole text
while building only the top-level keys (about 50 ms for a 20 MB plan, where
``json.loads`` builds two million objects in about a second). Whenever the fast
check could disagree with the reference (anything but plain UTF-8, an integer
longer than Python reads, a ``\\uD8xx`` escape, no msgspec on this platform,
malformed JSON), the reference decode reads the bytes and has the last word, so
every error reads exactly as before.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any

from natpolicy.records import record

__all__ = ["SURROGATE_ESCAPE", "PlanRead", "change_keys", "has_surrogate_escape", "read_plan", "read_plan_file",
           "sections_parts"]

# The JSON escape of half a UTF-16 surrogate pair: the reference decode judges those (a lone one is refused).
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def has_surrogate_escape(utf8: bytes) -> bool:
    """Does ``utf8`` hold a match of :data:`SURROGATE_ESCAPE`? The same answer as its ``search``, cheaper.

    Every match starts at a backslash, so the regex runs from the first one
    only: ``find`` of one byte is a ``memchr`` (about 1 ms over a 20 MB plan,
    where the regex over the whole text took 8.5), and a plan with no escape
    at all (no backslash) is settled by it alone.
    """
    first = utf8.find(b"\\")
    return first >= 0 and SURROGATE_ESCAPE.search(utf8, first) is not None


# Top-level keys the plan check looks at (natpolicy.loaders.plan_json.check_is_plan), besides format_version.
_PRESENCE = ("planned_values", "prior_state", "configuration", "output_changes", "resource_drift", "lineage",
             "serial", "values", "provider_schemas")
# A stand-in of the same JSON kind for a raw resource_changes: the plan check reads its kind only.
_KINDS: dict[bytes, Any] = {b"[": [], b"n": None}


@record(frozen=True)
class PlanRead:
    """The decoded text of a JSON file, and what is known of it without a second parse."""

    # The text, where a decode made it already (the reference decode's, or a byte-order mark's); None where it is
    # ``utf8``'s, decoded only when read (:attr:`text`): a plain plan's run sends the bytes and never reads it.
    decoded: str | None
    # The top-level keys, values replaced by stand-ins of their kind (format_version kept): from the fast check.
    head: dict[str, Any] | None = None
    # The whole document: only when the reference decode had to read the file.
    document: Any = None
    # ``text`` encoded as UTF-8, when that is the file's own bytes (no byte-order mark, checked by the fast
    # check): what the engine's child is sent, so the 20 MB of a large plan are not encoded a second time.
    utf8: bytes | None = None
    # Each top-level key's value as its raw JSON (``msgspec.Raw``, slices of ``utf8``), when the fast check read
    # them: the engine can then be sent only the sections a policy reads (``sections_parts``).
    sections: dict[str, Any] | None = None

    @cached_property
    def text(self) -> str:
        """The file's JSON text (20 MB of a large plan: about 12 ms to decode, paid only by what reads it)."""
        if self.decoded is not None:
            return self.decoded
        assert self.utf8 is not None, "read_plan keeps the text or its UTF-8"
        return self.utf8.decode("utf-8")  # valid UTF-8: plain_json_bytes checked it before the fast check ran


def read_plan_file(path: str, display: str) -> PlanRead:
    from natpolicy.loaders.plan_text import read_bytes

    return read_plan(read_bytes(path), display)


def read_plan(data: bytes, display: str) -> PlanRead:
    """``data`` as text, valid JSON, or the reference decode's one-line ``InputError``."""
    from natpolicy.loaders.plan_text import decode
    from natpolicy.rego.input_json import parse_input_json

    text: str | None = None
    utf8 = data
    if data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # A byte-order mark (UTF-16 from PowerShell's `>`): decoded the loader's way, checked as UTF-8.
        text = decode(data, display)
        utf8 = text.encode("utf-8")
    fast = _fast_head(utf8)
    if fast is not None:
        head, sections = fast
        if text is not None:
            return PlanRead(text, head)
        return PlanRead(None, head, utf8=utf8, sections=sections)
    text = text if text is not None else decode(data, display)
    return PlanRead(text, None, parse_input_json(text, display))  # -0 read as -0.0 (input_json)


def sections_parts(sections: dict[str, Any], keys: frozenset[str]) -> tuple[Any, ...]:
    """A JSON object of the plan's top-level ``keys`` that it has, each value its own raw text, as UTF-8 pieces.

    In pieces (bytes and the raw values' buffers) because the child's pipe
    takes them one after the other: joined, the first use of a fresh 8 MB
    object cost natpolicy's process 4-6 ms (its page faults) for nothing.

    What the engine gets when the policies can read no other key
    (``natpolicy.rego.input_keys``): the same values, byte for byte, without
    the sections nothing reads. Objects are unordered in Rego, so the order
    of the keys is the plan's.
    """
    import msgspec

    parts: list[Any] = []
    for key, raw in sections.items():
        if key in keys:
            parts += (b"," if parts else b"{", msgspec.json.encode(key), b":", raw)
    parts.append(b"}" if parts else b"{}")
    return tuple(parts)


def _fast_head(data: bytes) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(the plan check's view of the top-level keys, each key's raw value), or ``None`` to decode the reference way."""
    decoder = _head_decoder()
    if decoder is None:
        return None
    from natpolicy.loaders.plan_fast import BACKEND, plain_json_bytes

    if BACKEND != "msgspec" or not plain_json_bytes(data) or has_surrogate_escape(data):
        return None
    try:
        sections = decoder.decode(data)
        out: dict[str, Any] = {}
        if "format_version" in sections:
            out["format_version"] = _any_decoder().decode(sections["format_version"])
    except Exception:  # noqa: BLE001 - any refusal at all: the reference decode reads it and words the error
        return None
    changes = sections.get("resource_changes")
    if changes is not None:
        out["resource_changes"] = _KINDS.get(bytes(memoryview(changes)[:1]), {})
    for name in _PRESENCE:
        if name in sections:
            out[name] = True
    return out, sections


@lru_cache(maxsize=1)
def _any_decoder() -> Any:
    import msgspec

    return msgspec.json.Decoder()


@lru_cache(maxsize=1)
def _head_decoder() -> Any:
    """A msgspec decoder of a JSON object's top-level keys, each value kept raw (and validated), or ``None``."""
    try:
        import msgspec
    except ImportError:  # no msgspec wheel for this platform: the reference decode reads every plan
        return None
    return msgspec.json.Decoder(dict[str, msgspec.Raw])


def change_keys(text: str) -> dict[str, Any] | None:
    """The plan reduced to what ``data.natpolicy`` reads of it: each resource change's address and deposed key.

    ``{"resource_changes": [{"address": ..., "deposed": ...}, ...]}`` in the
    plan's order, so positions (``change_index``) are the plan's own; ``None``
    when msgspec is not installed or the section has another shape (the caller
    then parses the whole plan).
    """
    decoder = _changes_decoder()
    if decoder is None:
        return None
    try:
        plan = decoder.decode(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - any other shape: the whole plan is parsed instead
        return None
    if plan.resource_changes is None:
        return {}
    return {"resource_changes": [{"address": c.address, "deposed": c.deposed} for c in plan.resource_changes]}


@lru_cache(maxsize=1)
def _changes_decoder() -> Any:
    try:
        import msgspec
    except ImportError:
        return None
    change = msgspec.defstruct("ChangeKeys", [("address", Any, None), ("deposed", Any, None)])
    changes = msgspec.defstruct("PlanChanges", [("resource_changes", list[change] | None, None)])  # type: ignore[valid-type]
    return msgspec.json.Decoder(changes)

