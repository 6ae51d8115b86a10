"""Literal values out of python-hcl2's output (or the JSON syntax), for files read as data."""
from __future__ import annotations

import re
from typing import Any

__all__ = ["labelled_blocks", "literal_string"]

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def labelled_blocks(value: Any) -> list[tuple[str, Any]]:
    """Labelled blocks from python-hcl2 (a list of one-key dicts) or JSON (a dict of label -> body)."""
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return out
    for item in value:
        if isinstance(item, dict):
            for label, body in item.items():
                text = literal_string(label)
                if text is not None:
                    out.append((text, body))
    return out


def literal_string(value: Any) -> str | None:
    """A plain string: python-hcl2 keeps the quotes of literals and writes ``${…}`` for expressions."""
    if not isinstance(value, str):
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        if "${" in inner or "%{" in inner:
            return None
        return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), inner)
    if value.startswith("${"):
        return None
    return value
