"""``json.dumps(value, indent=2)``, byte for byte, at C speed.

With ``indent`` CPython's ``json`` falls back to its pure-Python encoder (a
quarter of a second for a 10k plan's SARIF). Here the C encoder writes the
compact text (same escapes, ``ensure_ascii``, same number spelling) and
msgspec's ``json.format``, which only moves whitespace, indents it. Where that
could differ (NaN or Infinity, which are not JSON; a lone surrogate's escape,
which msgspec refuses; no msgspec) it is the standard library's indent after all.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["dumps_indented", "indent_compact"]


def dumps_indented(value: Any) -> str:
    return indent_compact(json.dumps(value, separators=(",", ":")), lambda: value)


def indent_compact(compact: str, value: Callable[[], Any]) -> str:
    """``json.dumps(value(), indent=2)``, given ``compact``: ``json.dumps(value(), separators=(",", ":"))``.

    A writer that builds its compact text itself (the SARIF results) passes it here; ``value`` is asked
    for only where msgspec cannot indent that text (see the module doc).
    """
    try:
        import msgspec
    except ImportError:  # no wheel on this platform
        return json.dumps(value(), indent=2)
    try:
        return msgspec.json.format(compact.encode("ascii"), indent=2).decode("ascii")
    except (msgspec.MsgspecError, UnicodeError):
        return json.dumps(value(), indent=2)
