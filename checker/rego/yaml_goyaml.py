"""YAML scalars and keys as conftest reads them: go-yaml v2's ``resolve`` and ``sigs.k8s.io/yaml``'s keys.

conftest's YAML parser (``parser/yaml``) and OPA's loader for ``--data`` read YAML with ``sigs.k8s.io/yaml``,
which decodes it with go-yaml v2 (its fork ``goyaml.v2``) into Go values, turns every key into a string
(``convertToJSONableObject``) and writes JSON. go-yaml v2 resolves a plain scalar by its first character
(``resolve.go``), YAML 1.1-ish, not as PyYAML's ``SafeLoader`` does:

* ``y``/``Y``/``n``/``N`` are booleans too (PyYAML: strings); ``yes``/``no``/``on``/``off`` in three spellings,
  as in PyYAML; ``~``, ``null`` (three spellings) and nothing at all are null;
* an integer is what Go's ``strconv.ParseInt(s, 0, 64)`` (then ``ParseUint``) reads once every ``_`` is removed:
  ``0x``/``0X`` hex, ``0o``/``0O`` and a leading ``0`` octal, ``0b``/``0B`` binary, a ``+`` or ``-`` sign
  (PyYAML: ``0o17``, ``0X1F`` are strings, ``1:20`` is 80, sexagesimal, which go-yaml leaves a string);
* else a float of ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$`` that ``ParseFloat`` reads in range:
  ``1e2`` is 100, ``09`` is 9, ``-.5`` is -0.5 (PyYAML: strings); ``1e400`` stays a string (ParseFloat's range
  error); ``.inf``/``.nan`` (three spellings) are floats, which the JSON step then refuses (as here);
* a timestamp is kept as its text (go-yaml v2 sets a timestamp decoded into ``interface{}`` as its string);
* anything else is a string (``<<`` too, as a value; PyYAML had no constructor for it).

A key becomes a string as ``convertToJSONableObject`` writes it: an integer's digits, a float with
``strconv.FormatFloat(f, 'g', -1, 32)`` (``1.0`` is ``"1"``, ``1e7`` ``"1e+07"``), a boolean ``"true"`` or
``"false"``; a null, a uint64 (2^63 up) or an integer past 64 bits as a key is an error there
("unsupported map key of type"), so here too. Two keys written as one string (``1`` and ``"1"``) land in a Go map in
an undefined order: refused. The numbers' values are left for the caller (input: float64s, ``conftest_numbers``;
``--data``: an integer's digits, ``data_number_texts``).

Refused, with the line, where go-yaml decides otherwise or what happens was not settled from source: a merge key
(``<<``: go-yaml v2 merges in document order, so a later merge overrides a key before it, which YAML and PyYAML
keep), and an explicit tag other than ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``,
``!!seq`` (``!!binary``, ``!!timestamp``, ``!!set``, a local ``!tag``). Explicit ``!!int`` and the others read
their text as go-yaml's ``resolve`` does with the tag (``!!float 1`` is 1.0; ``!!int 1.5`` is go-yaml's error).
"""
from __future__ import annotations

import math
import re
import struct
from typing import Any

__all__ = ["ALLOWED_TAGS", "GO_PLAIN_TAG", "MERGE_KEY", "GoYamlRefusal", "go_key", "go_resolve", "go_tagged"]

GO_PLAIN_TAG = "tag:natpolicy,2026:go-yaml-plain"  # a plain scalar, resolved here and not by PyYAML
MERGE_KEY = "<<"
_PREFIX = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_PREFIX + name for name in ("str", "int", "float", "bool", "null"))
ALLOWED_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _PREFIX + "map", _PREFIX + "seq"})

_MAP: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
# resolve.go's resolveTable: the hint of a scalar's first byte ('S' sign, 'D' digit, 'M' in the map, '.').
_HINTS = {**dict.fromkeys("+-", "S"), **dict.fromkeys("0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M"),
          ".": "."}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# What Go's ParseFloat reads of a scalar starting with '.' (no sign, no digits before the point).
_POINT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP_FIRST = re.compile(r"[0-9]{4}-")
_INT64 = (-(2**63), 2**63 - 1)
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


class GoYamlRefusal(ValueError):
    """What go-yaml decides otherwise than natpolicy can follow, or what it refuses itself."""


class _Uint64(int):
    """An integer go-yaml reads as a uint64 (2^63 up): a value like any other, but no map key there."""

    __slots__ = ()


class _BigInt(int):
    """An integer past 64 bits (goyaml.v2 fork: a ``*big.Int``): no map key there either."""

    __slots__ = ()


def _parse_int(text: str, unsigned: bool) -> tuple[int | None, bool]:
    """Go's ``strconv.ParseInt(text, 0, 64)`` (``ParseUint`` with ``unsigned``): (value, out of range)."""
    value = _go_integer(text, unsigned)
    if value is None:
        return None, False
    low, high = (0, 2**64 - 1) if unsigned else _INT64
    return (value, False) if low <= value <= high else (None, True)


def _go_integer(text: str, unsigned: bool) -> int | None:
    """The integer Go's base-0 syntax reads in ``text`` (a sign unless ``unsigned``; ``0x``/``0X``, ``0o``/``0O``,
    ``0b``/``0B``, a leading ``0`` octal), whatever its size; None where the syntax fails."""
    body, negative = text, False
    if body and body[0] in "+-":
        if unsigned:
            return None  # ParseUint takes no sign
        negative, body = body[0] == "-", body[1:]
    base = 10
    if len(body) >= 3 and body[0] == "0" and body[1] in "bBoOxX":
        base, body = {"b": 2, "o": 8, "x": 16}[body[1].lower()], body[2:]
    elif body[:1] == "0":
        base, body = 8, body[1:] or "0"
    if not body or any(ch not in _DIGITS[base] for ch in body):
        return None
    value = int(body, base)
    return -value if negative else value


def _parse_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(text, 64)`` for the decimal forms reaching it here; None on its range error."""
    value = float(text)
    return None if math.isinf(value) else value


def go_resolve(text: str, tag: str = "") -> tuple[str, Any]:
    """(tag, value) go-yaml v2's ``resolve`` gives the scalar ``text`` (``tag``: its explicit tag, else "")."""
    if tag not in ("", _STR, _INT, _FLOAT, _BOOL, _NULL):
        raise GoYamlRefusal(f"the tag {tag}")
    hint = _HINTS.get(text[0]) if text else "N"
    if hint is None or tag == _STR:
        return _STR, text
    if text in _MAP:
        found = _MAP[text]
        kind = _NULL if found is None else _BOOL if isinstance(found, bool) else _FLOAT
        return kind, found
    if hint == ".":
        if _POINT_FLOAT.match(text):
            point = _parse_float(text)
            if point is not None:
                return _FLOAT, point
    elif hint in "DS":
        if tag == "" and _TIMESTAMP_FIRST.match(text):
            # A timestamp decoded into interface{} is its text in go-yaml v2, as every other string here.
            return _STR, text
        plain = text.replace("_", "")
        signed, _ = _parse_int(plain, unsigned=False)
        if signed is not None:
            return _INT, signed
        unsigned, out_of_range = _parse_int(plain, unsigned=True)
        if unsigned is not None:
            return _INT, _Uint64(unsigned)
        if _YAML_STYLE_FLOAT.match(plain):
            number = _parse_float(plain)
            if number is not None:
                return _FLOAT, number
        for prefix, sign in (("0b", ""), ("-0b", "-")):
            if plain.startswith(prefix) and plain[len(prefix):] and set(plain[len(prefix):]) <= set("01"):
                value = int(sign + plain[len(prefix):], 2)
                if _INT64[0] <= value <= _INT64[1]:
                    return _INT, value
                if sign == "" and value < 2**64:
                    return _INT, _Uint64(value)
                break
        if out_of_range:
            # The fork's last step: big.Int's SetString(plain, 0), for a prefixed number past 64 bits (a decimal
            # one is a float above).
            return _INT, _BigInt(_go_integer(plain, unsigned=True) or 0)
    return _STR, text


def go_tagged(text: str, tag: str) -> Any:
    """The value of ``text`` under an explicit ``tag``, as go-yaml v2's ``resolve`` and its deferred check give it
    (an integer under ``!!float`` becomes the float); ``GoYamlRefusal`` where go-yaml fails."""
    resolved, value = go_resolve(text, tag)
    if resolved == tag or tag == _STR:
        return value
    if tag == _FLOAT and resolved == _INT and not isinstance(value, (_Uint64, _BigInt)):
        return float(value)
    raise GoYamlRefusal(f"cannot decode {resolved.replace(_PREFIX, '!!')} `{text[:40]}` as a "
                        f"{tag.replace(_PREFIX, '!!')} (go-yaml's error)")


def go_key(key: Any) -> str:
    """A mapping key as ``sigs.k8s.io/yaml``'s ``convertToJSONableObject`` writes it; ``GoYamlRefusal`` for one it
    refuses (null, a uint64, an integer past 64 bits)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (_Uint64, _BigInt)) or key is None:
        raise GoYamlRefusal("a mapping key that is null or an integer past int64, which conftest's YAML reader "
                            "refuses (unsupported map key)")
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _format_g32(key)
    raise GoYamlRefusal("a mapping key that is not a scalar, which JSON cannot hold")


def _format_g32(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 32)``, with go-yaml's ``.inf``, ``-.inf`` and ``.nan``."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)  # Go's float32() of a float64 past float32's range
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1.0, single) < 0 else "0"
    # The shortest digits that read back as the same float32 (Go: shortest, closest).
    for precision in range(1, 10):
        text = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exponent_text = text.split("e")
    negative = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if negative else ""
    if exponent < -4 or exponent >= 6:  # %e where the exponent is below -4 or from the shortest 'g' precision, 6
        rest = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{rest}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole = digits[:exponent + 1].ljust(exponent + 1, "0")
    fraction = digits[exponent + 1:]
    return f"{sign}{whole}{'.' + fraction if fraction else ''}"
