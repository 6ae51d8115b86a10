"""OPA's ``lower`` and ``upper``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/strings.go) calls Go's ``strings.ToLower``/``ToUpper``, which map
each character on its own by Unicode's simple case mapping (``unicode.ToLower``):
one character always gives one. regorus uses Rust's full mapping, measured:
``lower("ΟΔΟΣ")`` ends in a final sigma there (``ς``; Go ``σ``), ``lower("İ")``
is two characters (Go ``i``), ``upper("ß")`` is ``SS`` (Go keeps ``ß``).

Python's ``str.lower``/``str.upper`` of one character is the simple mapping
wherever it gives one character (the full mapping differs only where Unicode's
SpecialCasing lists more than one); the final sigma is context, which a single
character has none of. A character whose full mapping is longer stops the query
(a rare character: ``İ``, ``ß``, ``ŉ``, ligatures, Greek with iota subscript).
"""
from __future__ import annotations

from typing import Any

__all__ = ["opa_lower", "opa_upper"]


def opa_lower(text: Any) -> str:
    return _simple(text, "lower", str.lower)


def opa_upper(text: Any) -> str:
    return _simple(text, "upper", str.upper)


def _simple(text: Any, name: str, mapping: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name}: operand 1 must be string")
    if text.isascii():
        return str(mapping(text))
    out = []
    for character in text:
        mapped = mapping(character)
        if len(mapped) != 1:
            # The text itself is never echoed: it may be a value the plan marks sensitive.
            raise ValueError(f"{name} of a character whose case maps to several (such as ß or İ): OPA (Go's "
                             "unicode simple case mapping) keeps one character where Python's mapping gives "
                             "several; natpolicy refuses it")
        out.append(mapped)
    return "".join(out)
