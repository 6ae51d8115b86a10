"""OPA's ``object.subset``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/subset.go ``builtinObjectSubset``) takes two objects, two sets, two arrays, or an array
and a set, and stops with an error on anything else; regorus answered false (``object.subset({1, 2},
[1])``, ``object.subset("abc", "b")``), measured. Between objects it recurses only into values that
are two objects, two sets or two arrays, so a set in the sub object where the super object holds an
array is no subset (``{"a": [1, 2]}`` and ``{"a": {1}}``: false; regorus said true). An array and a
set: true as soon as as many of the array's elements, read in order and each counted, lie in the set
as the set holds (``arraySetSubset``): ``[1, 1]`` and ``{1, 2}`` is true, an empty array and an empty
set false (regorus: false and true). Two arrays: the sub array must occur in the super array as a
contiguous run; an empty sub array is one (regorus panicked: "window size must be non-zero").

Values arrive as Python values, where ``True == 1``: regorus hands a set holding both ``true`` and ``1``
(or ``false`` and ``0``) as one element, the boolean (it comes first in Rego's order; measured), and an
object keyed by both alike. So a set or object key holding a boolean stops the query here rather than
answer from a merged value; a 1 without a boolean beside it arrives as it is.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.boolean_keys import refuse_boolean_keys

__all__ = ["opa_object_subset"]


def opa_object_subset(sup: Any, sub: Any) -> bool:
    refuse_boolean_keys(sup, "object.subset", deep=True)  # it looks keys up at every depth of both
    refuse_boolean_keys(sub, "object.subset", deep=True)
    if isinstance(sup, dict) and isinstance(sub, dict):
        return _object_subset(sup, sub)
    if _is_set(sup) and _is_set(sub):
        return all(element in sup for element in sub)
    if isinstance(sup, list) and isinstance(sub, list):
        return _array_subset(sup, sub)
    if isinstance(sup, list) and _is_set(sub):
        unmatched = len(sub)
        for element in sup:  # OPA counts every element found, a repeated one too, and stops at zero
            if _hashable(element) and element in sub:
                unmatched -= 1
            if unmatched == 0:
                return True
        return False
    raise TypeError("both arguments object.subset must be of the same type or array and set")


def _object_subset(sup: dict[Any, Any], sub: dict[Any, Any]) -> bool:
    for key, sub_value in sub.items():
        if key not in sup:
            return False
        sup_value = sup[key]
        if rego_equal(sub_value, sup_value):
            continue
        if isinstance(sup_value, dict) and isinstance(sub_value, dict):
            if not _object_subset(sup_value, sub_value):
                return False
        elif _is_set(sup_value) and _is_set(sub_value):
            if not all(element in sup_value for element in sub_value):
                return False
        elif isinstance(sup_value, list) and isinstance(sub_value, list):
            if not _array_subset(sup_value, sub_value):
                return False
        else:
            return False
    return True


def _array_subset(sup: list[Any], sub: list[Any]) -> bool:
    if len(sub) > len(sup):
        return False
    return any(all(rego_equal(sup[start + i], e) for i, e in enumerate(sub))
               for start in range(len(sup) - len(sub) + 1))


def rego_equal(a: Any, b: Any) -> bool:
    """Rego's equality of two values as regorus hands them over: a boolean is never a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(rego_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(rego_equal(a[k], b[k]) for k in a)
    if _is_set(a) and _is_set(b):
        return a == b  # scalars only (regorus hands over no set of collections), booleans checked apart
    return type(a) is type(b) and a == b




def _is_set(value: Any) -> bool:
    return isinstance(value, (set, frozenset))


def _hashable(value: Any) -> bool:
    return not isinstance(value, (list, dict, set))
