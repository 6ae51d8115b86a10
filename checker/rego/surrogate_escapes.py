"""A string literal holding a ``\\u`` escape of a lone UTF-16 surrogate: OPA reads U+FFFD, regopy the escape.

OPA parses a string literal with Go's ``encoding/json`` (``parseString`` in
v1/ast/parser.go), which joins a surrogate pair into one character
(``"\\ud83d\\ude00"`` is one emoji) and reads a surrogate without its partner
as U+FFFD: ``count("\\ud83dx")`` is 2. regopy 1.5.2 keeps such an escape as
its six characters (``count`` 7, measured); regorus refuses the literal
itself, with its line. Refused on regopy, with the literal's line.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from natpolicy.rego.source import Token

__all__ = ["lone_surrogates"]

# An escape at a time, so `\\ud800` (an escaped backslash, then text) is no escape.
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")


def lone_surrogates(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each string literal holding a surrogate escape without its partner."""
    for tok in toks:
        if tok.kind == "string" and _has_lone_surrogate(tok.text):
            yield tok.offset, ("a \\u escape of a lone UTF-16 surrogate in a string literal: OPA reads it as "
                               "U+FFFD (Go's encoding/json), regopy 1.5.2 keeps the escape as six characters; "
                               "natpolicy refuses it: write the character itself or a full surrogate pair")


def _has_lone_surrogate(text: str) -> bool:
    escapes = list(_ESCAPE.finditer(text))
    units = [int(m.group(1)[1:], 16) if len(m.group(1)) == 5 else None for m in escapes]
    # Only adjacent escapes pair up: text between two escapes ends the pair.
    starts, ends = [m.start() for m in escapes], [m.end() for m in escapes]
    k = 0
    while k < len(units):
        unit = units[k]
        if unit is not None and 0xD800 <= unit <= 0xDBFF:
            partner = units[k + 1] if k + 1 < len(units) and starts[k + 1] == ends[k] else None
            if partner is None or not 0xDC00 <= partner <= 0xDFFF:
                return True
            k += 2
            continue
        if unit is not None and 0xDC00 <= unit <= 0xDFFF:
            return True
        k += 1
    return False
