"""The ways OPA may type the names and refs of a literal argument that hold objects this reader does not follow.

An object literal of several computed keys is typed by OPA from the one key
last in its order of keys (``builtin_types.open_object``: each a candidate),
and a rule's value joined from such an object is OPA's ``any<...>`` of its
parts, each with its own kept key. A literal argument (``json.patch({}, [o,
p])``) holding such names is unified piece by piece (``unify1``), so the
checker types it once per way (``worlds``): each a choice of one candidate
per such object, given in place of the name's or ref's own type, the same
choice wherever one name is written twice (OPA keeps one key per object).
"""
from __future__ import annotations

from itertools import product

from natpolicy.rego.builtin_types import OBJECT, RegoType, declares_object_inside

__all__ = ["MOST_WAYS", "worlds"]

# Past this many ways, the literal is not tried at all and refused as unsure: a bound on the checker's time that
# no policy of the measured modules comes near (each way is one walk of the literal).
MOST_WAYS = 64


def worlds(held: list[tuple[str, int, RegoType]], expected: RegoType) -> list[dict[int, RegoType]] | None:
    """Each way OPA may type ``held`` (a name or ref's text, its node's id, its type), as the types to give each
    node in place of its own; None where there are more than ``MOST_WAYS``."""
    by_text: dict[str, list[int]] = {}
    types: dict[str, RegoType] = {}
    for text, node, typed in held:
        by_text.setdefault(text, []).append(node)
        types[text] = typed
    options = [(text, _options(typed, expected)) for text, typed in types.items()]
    count = 1
    for _, choices in options:
        count *= len(choices)
    if count > MOST_WAYS:
        return None
    return [{node: choice for (text, _), choice in zip(options, chosen, strict=True) for node in by_text[text]}
            for chosen in product(*(choices for _, choices in options))]


def _options(typed: RegoType, expected: RegoType) -> list[RegoType]:
    """The types OPA may give one name or ref of type ``typed``: one per candidate of an object of several computed
    keys; for a rule's value joined from one (``unsure_parts``), the ``any<...>`` of its parts once per choice of
    a candidate in each part (``unifiesAny`` then tries its parts one by one)."""
    if typed.candidates is not None:
        return list(typed.candidates)
    if typed.unsure_parts is not None:
        return [RegoType(typed.kinds, alternatives=tuple(choice))
                for choice in product(*(part.candidates or (part,) for part in typed.unsure_parts))]
    # Joined from such an object where its parts were not kept: its object part is not followed at all. Where
    # ``expected`` declares an object's properties somewhere, the literal is tried with that part passing (as
    # before) and without it; a verdict that hangs on it is refused as unsure.
    if declares_object_inside(expected):
        return [typed, RegoType(typed.kinds - {OBJECT})]
    return [typed]
