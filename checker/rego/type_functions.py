"""Where OPA's function type below a ref head's name (``a.f(x) := ...``) meets a value in ``==`` or ``=``.

``type_rule_tree`` holds ``a``'s object with a static property of OPA's
function type at ``f`` (``builtin_types.FUNCTION``), and ``builtin_types``'
``accepts`` lets that function meet only a function where two object types
meet (``accepts(..., at_key=True)``), as OPA's ``unifies`` does: a builtin's
argument or output goes through it already. ``type_patterns`` judges ``==``
and ``=`` by kinds and literals, never by properties; this module is the
check ``type_checker`` adds there for two typed values holding such a function.
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.rego.builtin_types import FUNCTION, RegoType, accepts_each
from natpolicy.rego.type_env import REFUSED
from natpolicy.rego.type_syntax import Node

__all__ = ["function_mismatch"]


def function_mismatch(target: Node, value: Node, written: str, type_of: Callable[[Node], RegoType],
                      text: Callable[[Node], str]) -> str | None:
    """Why OPA's ``unifies`` refuses ``target = value`` (``written``: ``=``, ``==`` or ``:=``; each name of both
    bound; ``type_of``, ``text``: a node's type and text) for a function type one side holds below a ref head's
    name (``a.f(x) := ...``: ``f`` of ``a``'s object), met at its key by a type that is no function, any included
    (``y := {"f": input.z}``, an object comprehension's ``object[any: any]``); else None.

    OPA's ``checkExprEq`` unifies the two types where neither holds nil (an unbound name is nil, and ``unify1``
    binds it without a check: ``{"f": y} = a`` passes), and ``unifiesObjectsStatic`` selects each static key in the
    other object, where a function unifies with a function only (``unifiesAny`` returns false for it before it
    looks at its parts). Only a pair holding such a function is judged here, by ``accepts`` (``at_key``
    there); any other pair is left to ``type_patterns``, as before."""
    left, right = type_of(target), type_of(value)
    if not (_function_inside(left) or _function_inside(right)) or accepts_each(left, right) != frozenset({False}):
        return None
    return (f"type error: `{text(target)} {written} {text(value)}` unifies a function below a ref head's name with a "
            f"value at its key, which never match (a function unifies with a function only, not with any; OPA: match "
            f"error); {REFUSED}")


def _function_inside(value: RegoType) -> bool:
    """Does ``value`` hold OPA's function type (``FUNCTION``) at any depth: a static or dynamic property's, an
    element's, a part's?"""
    if value.joined and value == FUNCTION:
        return True
    inner = [part for _, part in (*(value.fields or ()), *(value.static or ()))]
    inner += [*(value.rest or ()), *(value.items or ()), *(value.alternatives or ()), *(value.unsure_parts or ()),
              *(value.candidates or ())]
    inner += [value.of] if value.of is not None else []
    return any(_function_inside(part) for part in inner)
