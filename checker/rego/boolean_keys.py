"""The one guard of OPA's builtins computed in Python for regorus against a boolean merged with a number.

regorus hands Rego values over as Python values, where ``True == 1`` and ``False == 0``: a set holding both
``true`` and ``1`` arrives as one element (the boolean: it comes first in Rego's order; measured), and an
object keyed by both as one key. A builtin that looks keys or set elements up cannot then answer as OPA does,
so a boolean key or element stops the call (with its line, by regorus) rather than answer from a merged value.
An array's elements arrive apart, so a boolean in an array is read as it is.

How deep to look is the builtin's own: ``json.filter``/``json.remove`` and ``object.subset`` look keys up at
every depth of their operands (``deep``); ``graph.reachable_paths`` looks up only the graph's keys, the start
nodes and each node's edges (its callers hand those over one at a time, not ``deep``): a node nested in an
edge's value is compared whole by a typed key, never looked up, and never reaches an answer unless it is a key.
"""
from __future__ import annotations

from typing import Any

__all__ = ["refuse_boolean_keys"]

_WHY = "natpolicy cannot tell true from 1 in what regorus hands over, so it refuses it: run with --rego-engine opa"


def refuse_boolean_keys(value: Any, builtin: str, *, deep: bool, name_the_kind: bool = False) -> None:
    """Stop with ``ValueError`` if ``value`` (or, when ``deep``, any object or array inside it) is an object keyed
    by a boolean or a set holding one. ``name_the_kind`` says "an object keyed by" or "a set holding" in the
    message rather than "a set or object key holding" (each builtin keeps the message it has always given)."""
    if isinstance(value, dict):
        if any(isinstance(k, bool) for k in value):
            raise ValueError(_message(builtin, "an object keyed by a boolean" if name_the_kind else None))
        if deep:
            for child in value.values():
                refuse_boolean_keys(child, builtin, deep=deep, name_the_kind=name_the_kind)
    elif isinstance(value, (set, frozenset)):
        # A set arrives holding scalars only (Python's set cannot hold a list or a dict): nothing below to look at.
        if any(isinstance(e, bool) for e in value):
            raise ValueError(_message(builtin, "a set holding a boolean" if name_the_kind else None))
    elif deep and isinstance(value, list):
        for child in value:
            refuse_boolean_keys(child, builtin, deep=deep, name_the_kind=name_the_kind)


def _message(builtin: str, kind: str | None) -> str:
    return f"{builtin} of {kind or 'a set or object key holding a boolean'}: {_WHY}"
