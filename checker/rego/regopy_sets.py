"""Sets inside a rule's value on regopy, listed in OPA's order.

regopy 1.5.2 writes a set as a JSON array in its own order, which differs
from OPA's where the elements are arrays, objects or sets (numbers inside
compared as text, a set before an array) or strings holding `"`, `\\` or a
control character (compared in their escaped form), or strings one of which
starts another that goes on with a space or ``!`` (compared quoted: ``"a b"``
before ``"a"``): `{[10], [9]}` comes out
`[[10], [9]]`, OPA's `[[9], [10]]`. A finding's fields carry such a value
into every report. The JSON cannot say which arrays were sets, so where an
array might be one whose order regopy gets wrong, a second query asks the
engine (``walk`` and ``is_set``) for the paths of the sets, and exactly those
are re-sorted in OPA's order (``opa_compare``). The rule's value itself is a
set of findings natpolicy sorts anyway, so only what lies inside its elements
counts; a value of strings, numbers and plain objects never pays for the
second query.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["SetOrderUnknown", "order_may_differ", "set_paths_query", "sets_in_opa_order", "opa_compare"]

_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


class SetOrderUnknown(Exception):
    """A set inside the value cannot be told apart from a value of another kind with the same JSON."""


def order_may_differ(value: Any) -> bool:
    """Whether an array below the rule's own elements has elements regopy may order otherwise than OPA."""
    if isinstance(value, list):
        return any(_nested_may_differ(item) for item in value)
    if isinstance(value, dict):
        return any(_nested_may_differ(item) for item in value.values())
    return False


def _nested_may_differ(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_nested_may_differ(item) for item in value.values())
    if isinstance(value, list):
        if len(value) > 1 and any(isinstance(item, (list, dict)) or (isinstance(item, str) and
                                                                      _NEEDS_ESCAPE.search(item))
                                  for item in value):
            return True
        if len(value) > 1 and _low_after_prefix([item for item in value if isinstance(item, str)]):
            return True
        return any(_nested_may_differ(item) for item in value)
    return False


def _low_after_prefix(strings: list[str]) -> bool:
    """One string starts another that goes on with a space or "!": regopy compares strings quoted, so its closing
    quote (0x22) meets that character, which lies below it ("a b" before "a" there)."""
    held = set(strings)
    return any(text[:at] in held for text in strings for at, char in enumerate(text) if char in " !")


def set_paths_query(entrypoint: str) -> str:
    """The query binding ``paths`` to the path of every set in the entrypoint's value (``main/deny``)."""
    ref = "data" + "".join(f"[{json.dumps(part)}]" for part in entrypoint.split("/"))
    return f"paths := [p | walk({ref}, [p, v]); is_set(v)]"


def sets_in_opa_order(value: Any, paths: list[Any]) -> Any:
    """``value`` with each array ``paths`` names as a set re-sorted, in place, in OPA's order.

    A path steps through an object by key, an array by index and a set by the
    element itself (as ``walk`` names it), matched by its JSON text.
    """
    sets: dict[int, tuple[int, list[Any]]] = {}
    set_paths = {_text(path) for path in paths}
    for path in paths:
        if not path:
            continue
        node = _follow(value, path, set_paths)
        if not isinstance(node, list):
            raise SetOrderUnknown("a set path does not lead to an array")
        sets[id(node)] = (len(path), node)
    compare = functools.cmp_to_key(functools.partial(opa_compare, sets=frozenset(sets)))
    for _, node in sorted(sets.values(), key=lambda entry: -entry[0]):
        node.sort(key=compare)
    return value


def _follow(value: Any, path: list[Any], set_paths: set[str]) -> Any:
    node = value
    for depth, step in enumerate(path):
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        elif isinstance(node, list) and _text(path[:depth]) in set_paths:
            node = _element(node, step)
        elif isinstance(node, list) and isinstance(step, int) and not isinstance(step, bool) and \
                0 <= step < len(node):
            node = node[step]
        else:
            raise SetOrderUnknown("a set path does not lead through the value")
    return node


def _element(members: list[Any], wanted: Any) -> Any:
    """The one element of a set (as regopy wrote it) whose JSON text is ``wanted``'s."""
    text = _text(wanted)
    found = [item for item in members if _text(item) == text]
    if len(found) != 1:
        # Two elements of one set with one JSON text: a set and an array with the same elements ({[1], {1}}).
        raise SetOrderUnknown("two elements of a set have the same JSON text")
    return found[0]


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _rank(value: Any, sets: frozenset[int]) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, list):
        return 6 if id(value) in sets else 4
    return 5


def opa_compare(a: Any, b: Any, sets: frozenset[int] = frozenset()) -> int:
    """OPA's ``ast.Compare`` on JSON values, an array whose ``id`` is in ``sets`` being a set.

    Kinds first (null, booleans, numbers, strings, arrays, objects, sets); numbers by value, strings by
    code point (Go compares UTF-8 bytes, which orders alike); arrays element by element, then the shorter
    first; objects by their sorted keys, each key and then its value, then the smaller first; sets as
    their sorted elements, like arrays.
    """
    rank_a, rank_b = _rank(a, sets), _rank(b, sets)
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    compare: Callable[[Any, Any], int] = functools.partial(opa_compare, sets=sets)
    if rank_a == 5:
        keys_a, keys_b = sorted(a), sorted(b)
        for key_a, key_b in zip(keys_a, keys_b, strict=False):
            order = _scalar(key_a, key_b) or compare(a[key_a], b[key_b])
            if order:
                return order
        return _scalar(len(keys_a), len(keys_b))
    if rank_a in (4, 6):
        if rank_a == 6:
            a, b = sorted(a, key=functools.cmp_to_key(compare)), sorted(b, key=functools.cmp_to_key(compare))
        for item_a, item_b in zip(a, b, strict=False):
            order = compare(item_a, item_b)
            if order:
                return order
        return _scalar(len(a), len(b))
    return 0 if rank_a == 0 else _scalar(a, b)


def _scalar(a: Any, b: Any) -> int:
    return -1 if a < b else (1 if a > b else 0)
