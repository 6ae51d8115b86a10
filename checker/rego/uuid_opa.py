"""OPA's ``uuid.parse``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/uuid.go, internal/uuid) parses with ``github.com/google/uuid``
v1.6 and fills a map: ``version``, ``variant`` (google/uuid's
``Variant.String``: ``RFC4122``, ``Microsoft``, ``Future``, and ``Reserved``
for the NCS range, the nil UUID included) and, for versions 1 and 2, ``time``
(Unix nanoseconds), ``nodeid`` (hex bytes joined by ``-``), ``macvariables``
and ``clocksequence``; version 2 adds ``id`` and ``domain``. regorus wrote the
variant ``NCS`` where OPA writes ``Reserved``, refused a braced form whose
braces are other characters (google/uuid does not check them) and wrote a
version 1 ``time`` past int64 unwrapped (Go's int64 arithmetic wraps it), all
measured; text that is no UUID is undefined, as in OPA.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.source import tokens

__all__ = ["PARSE_EXTENSION", "opa_uuid_parse", "uuid_for_regorus"]

_HEX = frozenset(b"0123456789abcdefABCDEF")
_GREGORIAN_TO_UNIX_100NS = (2440587 - 2299160) * 86400 * 10_000_000  # google/uuid's g1582ns100
_BYTE_AT = (0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34)


def opa_uuid_parse(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        raise TypeError("uuid.parse: operand 1 must be string")
    raw = _parse(text.encode("utf-8"))
    return None if raw is None else _fields(raw)


def _parse(s: bytes) -> bytes | None:
    """google/uuid v1.6 ``Parse``: lengths in bytes; a braced form's first and last bytes are not checked."""
    if len(s) == 32:
        return _hex_pairs(s, range(0, 32, 2))
    if len(s) == 36 + 9:
        if s[:9].lower() != b"urn:uuid:":
            return None
        s = s[9:]
    elif len(s) == 36 + 2:
        s = s[1:]
    elif len(s) != 36:
        return None
    if s[8:9] != b"-" or s[13:14] != b"-" or s[18:19] != b"-" or s[23:24] != b"-":
        return None
    return _hex_pairs(s, _BYTE_AT)


def _hex_pairs(s: bytes, starts: Any) -> bytes | None:
    out = bytearray()
    for start in starts:
        pair = s[start:start + 2]
        if len(pair) != 2 or not set(pair) <= _HEX:
            return None
        out.append(int(pair, 16))
    return bytes(out)


def _fields(u: bytes) -> dict[str, Any]:
    version = u[6] >> 4
    out: dict[str, Any] = {"version": version, "variant": _variant(u[8])}
    if version in (1, 2):
        stamp = int.from_bytes(u[0:4], "big") | int.from_bytes(u[4:6], "big") << 32 \
            | (int.from_bytes(u[6:8], "big") & 0xFFF) << 48
        out["time"] = _int64((stamp - _GREGORIAN_TO_UNIX_100NS) * 100)  # Go's int64 arithmetic wraps
        out["nodeid"] = "-".join(f"{b:02x}" for b in u[10:16])
        out["macvariables"] = _mac_variables(u[10])
        out["clocksequence"] = int.from_bytes(u[8:10], "big") & 0x3FFF
        if version == 2:
            out["id"] = int.from_bytes(u[0:4], "big")
            out["domain"] = {0: "Person", 1: "Group", 2: "Org"}.get(u[9], f"Domain{u[9]}")
    return out


def _variant(byte: int) -> str:
    if byte & 0xC0 == 0x80:
        return "RFC4122"
    if byte & 0xE0 == 0xC0:
        return "Microsoft"
    if byte & 0xE0 == 0xE0:
        return "Future"
    return "Reserved"


def _mac_variables(byte: int) -> str:
    if byte & 0b11 == 0b11:
        return "local:multicast"
    if byte & 0b01:
        return "global:multicast"
    if byte & 0b10:
        return "local:unicast"
    return "global:unicast"


def _int64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


# regorus hands a Python extension's None back as null, where OPA's uuid.parse is undefined: the calls are renamed
# to a function that keeps the extension's answer only where it is no null.
PARSE_EXTENSION = "__natpolicy_uuid_fields"
_PARSE = "__natpolicy_uuid_parse"
_HELPER = {
    False: f"{_PARSE}(__natpolicy_x) := __natpolicy_r if {{ __natpolicy_r := {PARSE_EXTENSION}(__natpolicy_x); "
           "__natpolicy_r != null }\n",
    True: f"{_PARSE}(__natpolicy_x) = __natpolicy_r {{ __natpolicy_r := {PARSE_EXTENSION}(__natpolicy_x); "
          "__natpolicy_r != null }\n",
}


def uuid_for_regorus(source: str, v0: bool = False) -> str:
    """``source`` with each ``uuid.parse(`` call renamed (on its line) to the function that answers as OPA."""
    if "uuid" not in source:
        return source
    toks = tokens(source)
    edits = [(tok.offset, toks[i + 2].offset + len(toks[i + 2].text)) for i, tok in enumerate(toks)
             if tok.kind == "ident" and tok.text == "uuid" and (i == 0 or toks[i - 1].text != ".")
             and i + 3 < len(toks) and toks[i + 1].text == "." and toks[i + 2].text == "parse"
             and toks[i + 3].text == "("]
    if not edits:
        return source
    out = source
    for start, end in reversed(edits):
        out = out[:start] + _PARSE + out[end:]
    return out + ("" if out.endswith("\n") else "\n") + _HELPER[v0]
