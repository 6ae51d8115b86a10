"""OPA's nil type where a variable key reads the values of an object holding a function below a ref head's name.

``a.f(x) := ...`` makes ``a`` an object whose static property ``f`` is OPA's
function type (``builtin_types.FUNCTION``), beside a dynamic ``string: any``
(``getRefRecExtent``). ``a[k]``, ``x[k]`` of ``x := a`` and ``some k, v in a``
(``v = a[k]``) are typed as ``types.Values`` (``selectRef``), which folds the
static properties in key order and then the dynamic one by ``types.Or``:
``Or`` of nil with a type is that type, of two functions a function, and of a
function with anything else nil (``v1/types/types.go``). So the values are nil
exactly where the static fold ends as a function. OPA's checker refuses nil
wherever it is unified (``unify2`` of two nil sides, ``unify1`` of a ref:
``unifies(nil, T)`` is false: ``x[k] == 2``, ``y := x[k]``, a call's argument,
``v = a[k]``) and a ref past it (``checkRefLeaf``: ``Keys(nil)``), while a
bare ``x[k]`` statement (the ref checker alone) passes.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.builtin_types import FUNCTION, OBJECT, RegoType
from natpolicy.rego.type_env import REFUSED
from natpolicy.rego.type_syntax import Node

__all__ = ["NIL", "values_are_nil", "nil_problem", "bare_refs"]

# The nil type of a ref that ends at such values: never bound to a name, ``type_checker._ref`` gives any after it.
NIL = RegoType(frozenset({"nil"}))

_NIL, _FUNCTION, _VALUE = "nil", "function", "value"


def values_are_nil(collection: RegoType) -> bool:
    """Is OPA's ``types.Values`` of ``collection`` nil: an object holding a function among its static properties
    whose fold (key order, then the dynamic property) by ``types.Or`` ends nil?"""
    if collection.kinds != {OBJECT} or collection.static is None or collection.alternatives is not None \
            or not any(value == FUNCTION for _, value in collection.static):
        return False
    state = _NIL
    for value in [value for _, value in collection.static] + ([collection.rest[1]] if collection.rest else []):
        this = _FUNCTION if value == FUNCTION else _VALUE
        # Or(nil, t) = t; Or(f, f) = f (a union of functions); Or(f, t) = Or(t, f) = nil; Or(t, u) a value.
        state = this if state == _NIL else state if state == this else _NIL
    return state == _NIL


def nil_problem(ref: str, past: bool) -> str:
    """What OPA refuses where a ref reaches such values: a key looked up past them (``past``), else their use."""
    if past:
        return (f"type error: `{ref}` looks up a key past the values of an object holding a function below a ref "
                f"head's name, which OPA types as nil (types.Values; OPA: undefined ref); {REFUSED}")
    return (f"type error: `{ref}` reads the values of an object holding a function below a ref head's name, which "
            f"OPA types as nil (types.Values) and refuses wherever they are unified, passed or bound (OPA: match "
            f"error); {REFUSED}")


def bare_refs(term: Node) -> Iterator[Node]:
    """The refs a bare statement's term is or holds as elements (``x[k]``, ``[x[k]]``): OPA's checker gives such a
    term the ref checker alone (``checkExpr`` unifies calls only), so nil values there pass."""
    if term.what == "ref":
        yield term
    elif term.what in ("array", "set", "object"):
        for part in term.parts:
            yield from bare_refs(part)
