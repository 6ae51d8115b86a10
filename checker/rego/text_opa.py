"""OPA's ``indexof``, ``indexof_n``, ``strings.count`` and ``glob.quote_meta``, in Python, for regorus
(``add_extension`` replaces its own).

regorus answered otherwise, measured: ``indexof("abc", "")`` was 0 and
``indexof_n("abc", "")`` ``[0, 1, 2]``, where OPA (topdown/strings.go) stops
with "empty search character"; ``strings.count("aaa", "")`` panicked in Rust
("window size must be non-zero"), where Go's ``strings.Count`` answers the
number of characters plus one; ``glob.quote_meta("a?[b]")`` escaped only
``*``, where gobwas/glob's ``QuoteMeta`` escapes each of ``* ? \\ [ ] { }``.
Indexes count characters (runes), as OPA's do.
"""
from __future__ import annotations

from typing import Any

__all__ = ["opa_indexof", "opa_indexof_n", "opa_strings_count", "opa_glob_quote_meta"]

_GLOB_SPECIAL = frozenset("*?\\[]{}")


def opa_indexof(text: Any, search: Any) -> int:
    _strings("indexof", text, search)
    if search == "":
        raise ValueError("indexof: empty search character")
    return int(text.find(search))


def opa_indexof_n(text: Any, search: Any) -> list[int]:
    _strings("indexof_n", text, search)
    if search == "":
        raise ValueError("indexof_n: empty search character")
    return [at for at in range(len(text) - len(search) + 1) if text.startswith(search, at)]


def opa_strings_count(text: Any, search: Any) -> int:
    _strings("strings.count", text, search)
    return len(text) + 1 if search == "" else int(text.count(search))


def opa_glob_quote_meta(pattern: Any) -> str:
    if not isinstance(pattern, str):
        raise TypeError("glob.quote_meta: operand 1 must be string")
    return "".join(f"\\{c}" if c in _GLOB_SPECIAL else c for c in pattern)


def _strings(name: str, text: Any, search: Any) -> None:
    if not isinstance(text, str) or not isinstance(search, str):
        raise TypeError(f"{name}: operands must be strings")
