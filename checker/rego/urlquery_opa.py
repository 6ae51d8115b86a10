"""OPA's ``urlquery.*`` builtins, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/encoding.go) calls Go's ``net/url``: ``QueryEscape``,
``QueryUnescape``, ``Values.Encode`` and ``ParseQuery``. regorus answered
otherwise, silently, measured:

* ``urlquery.encode`` left ``*`` bare and escaped ``~`` (Go: ``%2A``, ``~``);
* ``urlquery.decode`` dropped ``&`` and ``=`` (``"a=1&b"`` gave ``"a1b"``) and
  passed an invalid escape (``"%zz"``) through, where Go stops with an error;
* ``urlquery.decode_object`` took ``;`` inside a value and an invalid escape,
  where Go's ``ParseQuery`` stops ("invalid semicolon separator in query");
* ``urlquery.encode_object`` escaped as ``urlquery.encode`` did.

Text that decodes to bytes that are no UTF-8 (``"%ff"``) stops the query: OPA
keeps the bytes (``count`` is 1, ``== "\\ufffd"`` false), which no Python
string holds. A refusal never echoes the text: it may be a value the plan marks
sensitive.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

__all__ = ["opa_urlquery_encode", "opa_urlquery_decode", "opa_urlquery_encode_object",
           "opa_urlquery_decode_object"]

_HEX = frozenset("0123456789abcdefABCDEF")


def opa_urlquery_encode(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError("urlquery.encode: operand 1 must be string")
    return _query_escape(text)


def opa_urlquery_decode(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError("urlquery.decode: operand 1 must be string")
    return _query_unescape(text, "urlquery.decode")


def opa_urlquery_encode_object(values: Any) -> str:
    """Go's ``url.Values.Encode``: keys sorted (bytes, which is code points), each value escaped, in order."""
    if not isinstance(values, dict):
        raise TypeError("urlquery.encode_object: operand 1 must be object")
    pairs: list[str] = []
    for key in sorted(values, key=_sort_key):
        if not isinstance(key, str):
            raise TypeError("urlquery.encode_object: operand 1 keys must be strings")
        value = values[key]
        if isinstance(value, str):
            items = [value]
        elif isinstance(value, (list, set, frozenset)):
            items = sorted(value, key=_sort_key) if isinstance(value, (set, frozenset)) else list(value)
            if not all(isinstance(item, str) for item in items):
                raise TypeError("urlquery.encode_object: operand 1 values must be string, array[string], or "
                                "set[string]")
        else:
            raise TypeError("urlquery.encode_object: operand 1 values must be string, array[string], or set[string]")
        escaped = _query_escape(key)
        pairs += [f"{escaped}={_query_escape(item)}" for item in items]
    return "&".join(pairs)


def opa_urlquery_decode_object(text: Any) -> dict[str, list[str]]:
    """Go's ``url.ParseQuery``: pairs split at ``&``, empty ones skipped; any ``;`` or bad escape is an error."""
    if not isinstance(text, str):
        raise TypeError("urlquery.decode_object: operand 1 must be string")
    out: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if ";" in pair:
            raise ValueError("urlquery.decode_object: invalid semicolon separator in query")
        if pair == "":
            continue
        key, _, value = pair.partition("=")
        out.setdefault(_query_unescape(key, "urlquery.decode_object"), []).append(
            _query_unescape(value, "urlquery.decode_object"))
    return out


def _sort_key(value: Any) -> Any:
    # Only strings pass the type checks after sorting; anything else sorts last and is refused there.
    return (0, value) if isinstance(value, str) else (1, "")


def _query_escape(text: str) -> str:
    # Python's quote leaves A-Z a-z 0-9 and "-_.~" bare and writes upper-case hex of each UTF-8 byte, as Go's
    # shouldEscape(encodeQueryComponent) does; quote_plus writes a space as "+", as QueryEscape does.
    return quote_plus(text, safe="")


def _query_unescape(text: str, name: str) -> str:
    raw = text.encode("utf-8")
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == 0x25:  # %
            digits = raw[index + 1:index + 3].decode("ascii", "replace")
            if len(digits) != 2 or not set(digits) <= _HEX:
                raise ValueError(f"{name}: invalid URL escape (Go's url.QueryUnescape stops there)")
            out.append(int(digits, 16))
            index += 3
            continue
        out.append(0x20 if byte == 0x2B else byte)  # "+" is a space in a query
        index += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} of text that decodes to bytes that are no UTF-8: OPA keeps the bytes, which "
                         "natpolicy cannot hand regorus; natpolicy refuses it") from None
