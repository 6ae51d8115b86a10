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
bare ``x[k]`` statement passes: ``checkExpr`` unifies calls and ``=`` only, and ``rewriteDynamics`` rewrites only
the ref's keys there, where it gives a ref inside a call, a composite (``[x[k]]``) or a key its own
``__localN__ = x[k]`` (``v1/ast/compile.go``: ``RewriteDynamicTerms`` runs before ``CheckTypes``).
"""
from __future__ import annotations

from natpolicy.rego.builtin_types import FUNCTION, OBJECT, SCALARS, RegoType
from natpolicy.rego.type_env import REFUSED

__all__ = ["NIL", "values_are_nil", "nil_problem"]

# The nil type of a ref that ends at such values: never bound to a name, ``type_checker._ref`` gives any after it.
NIL = RegoType(frozenset({"nil"}))

_NIL, _FUNCTION, _VALUE = "nil", "function", "value"


def values_are_nil(collection: RegoType) -> bool:
    """Is OPA's ``types.Values`` of ``collection`` nil: an object holding a function among its static properties
    whose fold (key order, then the dynamic property) by ``types.Or`` ends nil, or OPA's ``any<...>`` of parts
    each of whose values are nil, one such object among them?

    ``types.Values`` of an ``Any`` is the ``Or`` of each part's (``v1/types/types.go``), a scalar's nil (it has no
    values), and ``Or`` of nil with a type is that type: so one part with values (an array, a set, an object of no
    function, a candidate of an object of several computed keys, whose values are never a function) makes them
    that part's, and only parts of nil values leave them nil (``r := a if input.c else := 5``, ``some v in r``).
    A part's values are never a function (an object's fold ends on its dynamic ``string: any``), so the ``Or``
    never meets one. Held part by part where the reader holds the ``any<...>`` so (``alternatives``, or
    ``unsure_parts`` of a type joined from such a candidate); any other type is one part."""
    parts = collection.alternatives or collection.unsure_parts
    if parts is not None:
        return any(_nil_values(part) for part in parts) and all(
            _nil_values(part) or part.kinds <= SCALARS for part in parts)
    return _nil_values(collection)


def _nil_values(collection: RegoType) -> bool:
    """``values_are_nil`` of one object type (not an ``any<...>``)."""
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
