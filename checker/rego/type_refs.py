"""One step of a ref (``x.a``, ``xs[0]``) as OPA's type checker takes it: the type found, or why it is undefined.

OPA types a ref key by key (``checkRef`` in ``ast/check.go``): a key into a
scalar, a key no kind of the collection may have, a constant key an object
literal never has (its static properties, no dynamic part), or an index past
an array literal, is "undefined ref", and refuses the module.
"""
from __future__ import annotations

from natpolicy.rego.builtin_types import ANY, ARRAY, NUMBER, OBJECT, SCALARS, SET, RegoType, accepts, element_of
from natpolicy.rego.type_env import keys_listed, with_article

__all__ = ["look_up"]


def look_up(current: RegoType, key_type: RegoType, constant: str | int | None, ref: str,
            key: str) -> tuple[RegoType, str | None]:
    """(the type under the key, or any; what OPA refuses in that step, or None).

    ``current``: the type the ref has reached, known; ``constant``: the key's
    literal value, if any; ``ref``, ``key``: their text, for the message.
    """
    if current.kinds <= SCALARS:
        return current, f"`{ref}` looks inside {with_article(current)}, which has no keys or elements"
    if not _key_fits(current, key_type):
        return current, (f"`{ref}` looks up a key of type {key_type.describe()} (`{key}`) in "
                         f"{with_article(current)}, which has none")
    if current.fields is not None and constant is not None:
        found = dict(current.fields).get(constant) if isinstance(constant, str) else None
        if found is None:
            return current, (f"`{ref}` looks up `{key}` in an object literal that has only the keys "
                             f"{keys_listed(current)}")
        return found, None
    if current.length is not None and isinstance(constant, int) and not 0 <= constant < current.length:
        return current, (f"`{ref}` looks up index {constant} of an array literal of {current.length} "
                         f"element{'s' if current.length > 1 else ''}")
    return element_of(current) if current.kinds <= {ARRAY, SET} else ANY, None


def _key_fits(collection: RegoType, key: RegoType) -> bool:
    """Could ``key`` index some kind of ``collection``? (arrays: numbers; sets: their elements)"""
    for held in collection.kinds:
        if held == OBJECT or (held == ARRAY and NUMBER in key.kinds) or (
                held == SET and accepts(element_of(collection), key)):
            return True
    return False

