"""Terraform's collection functions (``length``, ``lookup``, ``merge``, ``setunion``...)."""
from __future__ import annotations

import math
from typing import Any

from natpolicy.loaders.hcl.budget import charge_size, charge_steps
from natpolicy.loaders.hcl.functions.arguments import (
    as_list,
    kind_like,
    mapping,
    number,
    seq,
    set_of,
    strings,
    text,
    whole,
)
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.operations import arithmetic
from natpolicy.loaders.hcl.values import (
    EvalError,
    TfList,
    TfMap,
    TfSet,
    UnknownType,
    convert,
    equal,
    exact,
    make_set,
    number_from_fraction,
    type_of,
    type_of_loose,
    unify,
    unify_loose,
)
from natpolicy.model import UNKNOWN, is_known

__all__: list[str] = []


@fn("length")
def _length(value: Any) -> Any:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise EvalError("length() needs a collection or string")


@fn("lookup")
def _lookup(table: Any, key: Any, *default: Any) -> Any:
    if len(default) > 1:
        raise EvalError("lookup() takes two or three arguments")
    table, key = mapping(table, "lookup() map"), text(key)
    if key in table:
        return table[key]
    if not default:
        raise EvalError(f"lookup(): no key {key!r} and no default")
    if isinstance(table, TfMap) and table and default[0] is not None:
        element = type_of_loose(next(iter(table.values())))
        return convert(default[0], element) if element != ("unknown",) else UNKNOWN
    return default[0]


@fn("element")
def _element(items: Any, index: Any) -> Any:
    items, i = seq(items, "element() list", sets=False), whole(index)
    if not items:
        raise EvalError("element() on an empty list")
    if i < 0:
        raise EvalError("element() index must not be negative")
    return items[i % len(items)]  # element() wraps around


@fn("concat")
def _concat(first: Any, *rest: Any) -> Any:
    lists = [first, *rest]
    out: list[Any] = []
    for item in lists:
        out.extend(seq(item, "concat() argument", sets=False))
    if all(isinstance(item, TfList) for item in lists):
        # Lists only: one list, its elements unified (tolist([1]) + tolist(["a"]) -> ["1", "a"]).
        element = unify_loose([type_of_loose(v) for v in out])
        return TfList(convert(v, element) for v in out)
    return out


@fn("merge")
def _merge(*maps: Any) -> Any:
    present = [m for m in maps if m is not None]
    out: dict[str, Any] = {}
    for item in present:
        out.update(mapping(item, "merge() argument"))
    if present and all(isinstance(m, TfMap) for m in present):
        # Maps of one element type merge into a map; anything else is an object.
        kinds = {type_of_loose(v) for m in present for v in m.values()}
        if len(kinds - {("unknown",)}) <= 1:
            return TfMap(out)
    return out


@fn("flatten")
def _flatten(items: Any) -> Any:
    out: list[Any] = []
    _flatten_into(items, out)
    return out


def _flatten_into(value: Any, out: list[Any]) -> None:
    # A module-level function: a recursive closure would be a reference cycle.
    for v in seq(value, "flatten() argument"):
        if v is UNKNOWN:
            raise UnknownType  # it might be a list, to be flattened
        if isinstance(v, list):
            _flatten_into(v, out)
        else:
            out.append(v)


@fn("distinct", deep=True)
def _distinct(items: Any) -> Any:
    out: list[Any] = []
    for item in as_list(items):
        charge_steps(len(out) + 1)  # pairwise comparisons: quadratic
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return TfList(out)


@fn("compact")
def _compact(items: Any) -> Any:
    return TfList(s for s in strings(items, "compact() list") if s)


@fn("keys")
def _keys(table: Any) -> Any:
    return _kind_like_map(table, sorted(mapping(table, "keys() argument")))


@fn("values")
def _values(table: Any) -> Any:
    table = mapping(table, "values() argument")
    return _kind_like_map(table, [table[k] for k in sorted(table)])


def _kind_like_map(table: Any, items: list[Any]) -> list[Any]:
    return TfList(items) if isinstance(table, TfMap) else items


@fn("zipmap")
def _zipmap(keys: Any, values: Any) -> Any:
    names = strings(keys, "zipmap() keys")
    items = seq(values, "zipmap() values", sets=False)
    if len(names) != len(items):
        raise EvalError("zipmap() lists must have the same length")
    keys_present = [n for n in names if n is not None]
    if len(keys_present) != len(names):
        raise EvalError("zipmap() keys must not be null")
    out = {n: v for n, v in zip(keys_present, items, strict=True)}
    return TfMap(out) if isinstance(values, TfList) else out


@fn("contains")
def _contains(items: Any, value: Any) -> Any:
    results = [equal(i, value) for i in seq(items, "contains() list", ordered=False)]
    if any(r is True for r in results):
        return True
    return UNKNOWN if any(r is UNKNOWN for r in results) else False


@fn("index")
def _index(items: Any, value: Any) -> Any:
    for i, item in enumerate(seq(items, "index() list", sets=False)):
        same = equal(item, value)
        if same is UNKNOWN:
            return UNKNOWN
        if same:
            return i
    raise EvalError("index(): value not found")


@fn("slice")
def _slice(items: Any, start: Any, end: Any) -> Any:
    values, a, b = seq(items, "slice() list", sets=False), whole(start), whole(end)
    if a < 0 or b > len(values) or a > b:
        raise EvalError("slice() indices out of range")
    return kind_like(items, values[a:b])


@fn("range")
def _range(*args: Any) -> Any:
    nums = [number(a) for a in args]
    start: int | float
    stop: int | float
    step: int | float
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1 if nums[0] >= 0 else -1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1 if nums[1] >= nums[0] else -1
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise EvalError("range() takes one to three arguments")
    if step == 0 or (step > 0 and start > stop) or (step < 0 and start < stop):
        raise EvalError("range() step does not reach the limit")
    first, last, by = exact(start), exact(stop), exact(step)
    out: list[Any] = []
    value = first
    while (value < last) if by > 0 else (value > last):
        if len(out) >= 1024:
            raise EvalError("range() would produce more than 1024 elements")
        out.append(number_from_fraction(value))
        value += by
    return TfList(out)


@fn("setproduct", deep=True)
def _setproduct(first: Any, second: Any, *rest: Any) -> Any:
    sets = [first, second, *rest]
    columns = [as_list(s) for s in sets]
    total = math.prod(len(c) for c in columns)
    charge_size(total * (len(columns) + 1))  # before building: three range(1000) are a billion tuples
    result: list[list[Any]] = [[]]
    for column in columns:
        result = [[*r, v] for r in result for v in column]
    if any(isinstance(s, TfSet) for s in sets):
        return TfSet(result, ordered=len(result) <= 1)
    return TfList(result)


@fn("reverse")
def _reverse(value: Any) -> Any:
    return kind_like(value, list(reversed(seq(value, "reverse() argument"))))


@fn("sort")
def _sort(value: Any) -> Any:
    items = strings(value, "sort() list")
    present = [i for i in items if i is not None]
    if len(present) != len(items):
        raise EvalError("sort(): null elements cannot be sorted")
    return TfList(sorted(present))


@fn("chunklist")
def _chunklist(value: Any, size: Any) -> Any:
    if not is_known(value):
        return UNKNOWN
    items, n = as_list(value), whole(size)
    if n < 0:
        raise EvalError("chunklist(): the size argument must be positive")
    if n == 0:
        return TfList([items])
    return TfList(TfList(items[i:i + n]) for i in range(0, len(items), n))


@fn("coalesce", lenient=True)
def _coalesce(first: Any, *rest: Any) -> Any:
    args = [first, *rest]
    chosen: Any = None
    for arg in args:
        if arg is UNKNOWN:
            return UNKNOWN  # it might turn out null or empty
        if arg is not None and arg != "":
            chosen = arg
            break
    else:
        raise EvalError("coalesce(): no non-null, non-empty argument")
    if isinstance(chosen, str):
        return chosen  # all arguments unify to a string, or Terraform fails
    # All arguments share one type in Terraform: coalesce(1, "a") is "1".
    return convert(chosen, unify_loose([type_of_loose(a) for a in args]))


@fn("coalescelist", lenient=True)
def _coalescelist(first: Any, *rest: Any) -> Any:
    for arg in (first, *rest):
        if arg is UNKNOWN:
            return UNKNOWN
        if arg is None:
            continue
        if seq(arg, "coalescelist() argument", sets=False):
            return arg
    raise EvalError("coalescelist(): no non-empty list")


@fn("one")
def _one(value: Any) -> Any:
    items = seq(value, "one() argument", ordered=False)
    if len(items) > 1:
        raise EvalError("one() needs a list of at most one element")
    return items[0] if items else None


@fn("sum", deep=True)
def _sum(value: Any) -> Any:
    items = seq(value, "sum() list", ordered=False)
    if not items:
        raise EvalError("sum() of an empty list")
    total = number(items[0])
    for item in items[1:]:
        total = arithmetic("+", total, number(item))
    return total


def _bools(value: Any, name: str) -> list[Any]:
    out = []
    for item in seq(value, f"{name}() list", ordered=False):
        if item is UNKNOWN:
            out.append(UNKNOWN)
        elif isinstance(item, bool):
            out.append(item)
        elif isinstance(item, str) and item in ("true", "false"):
            out.append(item == "true")
        else:
            raise EvalError(f"{name}(): a list of bools is required")
    return out


@fn("alltrue")
def _alltrue(value: Any) -> Any:
    items = _bools(value, "alltrue")
    if any(i is False for i in items):
        return False
    return UNKNOWN if any(i is UNKNOWN for i in items) else True


@fn("anytrue")
def _anytrue(value: Any) -> Any:
    items = _bools(value, "anytrue")
    if any(i is True for i in items):
        return True
    return UNKNOWN if any(i is UNKNOWN for i in items) else False


@fn("transpose", deep=True)
def _transpose(value: Any) -> Any:
    table = mapping(value, "transpose() argument")
    out: dict[str, list[str]] = {}
    for key in sorted(table):
        for item in strings(table[key], "transpose() value"):
            if item is None:
                raise EvalError("transpose(): null values are not allowed")
            out.setdefault(item, TfList()).append(key)
    return TfMap(out)


@fn("matchkeys", deep=True)
def _matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    items, names = as_list(values), as_list(keys)
    if len(items) != len(names):
        raise EvalError("matchkeys(): values and keys differ in length")
    wanted = as_list(searchset)
    return TfList(v for v, k in zip(items, names, strict=True) if any(equal(k, w) is True for w in wanted))


@fn("setunion", deep=True)
def _setunion(first: Any, *rest: Any) -> Any:
    return set_of([v for s in (first, *rest) for v in seq(s, "setunion() argument", ordered=False)])


@fn("setintersection", deep=True)
def _setintersection(first: Any, *rest: Any) -> Any:
    items = list(seq(first, "setintersection() argument", ordered=False))
    others = [seq(o, "setintersection() argument", ordered=False) for o in rest]
    element = unify([type_of(v) for v in items + [v for o in others for v in o]])
    items = [convert(v, element) for v in items]
    for other in others:
        converted = [convert(o, element) for o in other]
        charge_steps(len(items) * len(converted) + 1)  # pairwise comparisons
        items = [v for v in items if any(equal(v, o) is True for o in converted)]
    return make_set(items)


@fn("setsubtract", deep=True)
def _setsubtract(a: Any, b: Any) -> Any:
    left, right = seq(a, "setsubtract() argument", ordered=False), seq(b, "setsubtract() argument", ordered=False)
    element = unify([type_of(v) for v in [*left, *right]])
    removed = [convert(o, element) for o in right]
    charge_steps(len(left) * len(removed) + 1)  # pairwise comparisons
    return make_set(v for v in (convert(x, element) for x in left) if not any(equal(v, o) is True for o in removed))
