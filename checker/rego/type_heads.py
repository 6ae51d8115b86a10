"""The names of a ref head, read from tokens: ``a.b["c"]`` (``ref_head_path``), or its names before a variable
key (``dynamic_head_path``), and a string literal token's value. Split from ``type_syntax``, which reads rules with
them (and re-exports the two head readers, which ``function_arity`` and ``undefined_functions`` use).
"""
from __future__ import annotations

import json
import re

from natpolicy.rego.source import Token, matching_close

__all__ = ["string_value", "ref_head_path", "dynamic_head_path"]

_LITERAL_NAMES = frozenset({"true", "false", "null"})


def string_value(tok: Token) -> str | None:
    """A string literal's value: a raw string as written, a quoted one decoded (JSON's escapes are Rego's)."""
    if tok.kind == "raw":
        return tok.text[1:-1]
    try:
        value = json.loads(tok.text)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ref_head_path(toks: list[Token], head: int, end: int) -> tuple[list[str], int] | None:
    """The names of the ref head starting at ``toks[head]`` (``a.b["c"]``: a, b, c), and the index after it.

    None for a head holding anything but names and string keys that are
    names (``a[k]``, ``a[1]``, ``a["b.c"]``): where its rules lead is not read.
    """
    parts, j = [toks[head].text], head + 1
    while j < end:
        if toks[j].text == "." and j + 1 < end and toks[j + 1].kind == "ident":
            parts.append(toks[j + 1].text)
            j += 2
        elif toks[j].text == "[":
            key = string_value(toks[j + 1]) if toks[j + 1].kind in ("string", "raw") \
                and matching_close(toks, j) == j + 2 else None
            if key is None or not _NAME.fullmatch(key):
                return None
            parts.append(key)
            j += 3
        else:
            break
    return parts, j


def dynamic_head_path(toks: list[Token], head: int, end: int) -> tuple[str, int] | None:
    """(names before the variable, keys from it on) of a ref head rule with a value whose first key past its
    names is a variable: ``o.a[k].b := 1`` is ("o.a", 2). None for any other head.

    OPA types such a rule at its ground prefix (``data.p.o.a``), as objects nested once per key after it
    (``checkRule``, ``nestedObject`` in ``v1/ast/check.go``)."""
    names, j = [toks[head].text], head + 1
    while j + 1 < end:  # the names: `.name`, or a string key that is a name (as ref_head_path reads them)
        key = string_value(toks[j + 1]) if toks[j].text == "[" and toks[j + 1].kind in ("string", "raw") \
            and matching_close(toks, j) == j + 2 else None
        if toks[j].text == "." and toks[j + 1].kind == "ident":
            names.append(toks[j + 1].text)
            j += 2
        elif key is not None and _NAME.fullmatch(key):
            names.append(key)
            j += 3
        else:
            break
    if j + 2 >= end or toks[j].text != "[" or toks[j + 1].kind != "ident" or matching_close(toks, j) != j + 2 \
            or toks[j + 1].text in _LITERAL_NAMES or toks[j + 1].text == "_":
        return None
    keys = 0
    while j < end and toks[j].text in (".", "["):
        close = j + 1 if toks[j].text == "." else matching_close(toks, j)
        if close is None:
            return None
        j, keys = close + 1, keys + 1
    if j >= end or toks[j].text not in (":=", "="):
        return None
    return ".".join(names), keys
