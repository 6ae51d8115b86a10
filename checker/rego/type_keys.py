"""An object literal's constant keys as OPA's type checker keeps them: any constant, not only a string.

OPA types an object literal key by key (``TypeEnv.Get`` in ``v1/ast/typeenv.go``):
a key that is a constant (``IsConstant``: no variable, ref or call in it, so
``1``, ``true``, ``null``, ``[1, "a"]``) is a static property under its JSON
value, whatever its type; only another key is the dynamic property. Its
``Object.Select`` finds a static property by ``util.Compare``, which tells a
number from a string (``1`` is not ``"1"``) and compares numbers by value
(``1`` is ``1.0``), sets and objects whatever their order. A string key stays
a plain ``str`` here (most keys are strings, and the code that reads them does
so); any other constant is a ``ConstKey`` whose ``value`` is that canonical
text, so two keys OPA's ``Compare`` finds equal are equal here.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol

from natpolicy.records import record

__all__ = ["ConstKey", "Key", "node_key", "key_order", "key_kind", "shown_key"]


@record(frozen=True)
class ConstKey:
    """A constant object key that is no string: its kind (``number``, ``boolean``, ``null``, ``array``, ``set``,
    ``object``) and its canonical text (a number by value, a set's or object's parts sorted)."""

    kind: str
    value: str


Key = str | ConstKey


class Node(Protocol):
    """What ``node_key`` reads of ``type_syntax.Node`` (not imported: ``builtin_types`` imports this module, and
    ``type_syntax`` reaches ``builtin_types``)."""

    @property
    def what(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def constant(self) -> str | int | None: ...

    @property
    def scalar(self) -> str | None: ...

    @property
    def parts(self) -> Sequence[Node]: ...


def node_key(node: Node) -> Key | None:
    """The constant key ``node`` is (a literal, or an array, set or object literal of constants), or None."""
    if node.what == "literal":
        if node.text == "string":
            return node.constant if isinstance(node.constant, str) else None
        canonical = _scalar(node)
        return ConstKey(node.text, canonical) if canonical is not None else None
    if node.what not in ("array", "set", "object"):
        return None
    parts = [node_key(part) for part in node.parts]
    if any(part is None for part in parts):
        return None
    texts = [_text(part) for part in parts if part is not None]
    if node.what == "array":
        return ConstKey("array", "[" + ",".join(texts) + "]")
    if node.what == "set":
        return ConstKey("set", "{" + ",".join(sorted(set(texts))) + "}")
    pairs = sorted(set(zip(texts[::2], texts[1::2], strict=True)))
    return ConstKey("object", "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}")


def _scalar(node: Node) -> str | None:
    """A number, boolean or null literal's canonical text (a number by its value: ``1.0`` and ``10e-1`` are 1)."""
    if node.text != "number":
        return node.text if node.text == "null" else node.scalar
    try:
        number = Decimal(node.scalar or "")
    except InvalidOperation:
        return None
    return "0" if number.is_zero() else format(number.normalize(), "f")


def _text(key: Key) -> str:
    return json.dumps(key) if isinstance(key, str) else key.value


def key_order(item: tuple[Key, object]) -> tuple[int, str, str]:
    """Sorts an object type's keys, strings first (mixed keys do not compare in Python)."""
    key = item[0]
    return (0, key, "") if isinstance(key, str) else (1, key.kind, key.value)


def key_kind(key: Key) -> str:
    """The kind OPA's type checker gives a static key (``TypeOf`` of its JSON value, in ``types.Keys`` and
    ``Object.Select``): a set key is held as the JSON array it converts to, so it is an array there."""
    if isinstance(key, str):
        return "string"
    return "array" if key.kind == "set" else key.kind


def shown_key(key: Key) -> str:
    """A key for a message: a string quoted and escaped (it may hold any character), another constant as written
    canonically."""
    return _text(key)
