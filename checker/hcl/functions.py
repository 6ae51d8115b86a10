"""Terraform built-in functions, with Terraform's semantics, over plain values.

Each function receives evaluated arguments. Unless marked ``lenient``, a
function given an unknown argument returns ``UNKNOWN`` (``deep`` functions
also when an unknown hides inside a collection argument). A Terraform error
(wrong type, bad index, wrong number of arguments) raises :class:`EvalError`,
which the evaluator turns into unknown, or which ``try()`` uses to pick its
fallback; what Terraform computes but natpolicy cannot raises
:class:`NotEvaluated` (unknown, and reported with ``-v``). Results keep
Terraform's collection kinds (``split`` gives a list, ``keys`` of an object a
tuple), so equality and ``for_each`` behave as in Terraform.

String, regex, encoding and CIDR functions are in :mod:`natpolicy.hcl.functions_text`.
"""
from __future__ import annotations

import base64
import hashlib
import inspect
import json
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from natpolicy.hcl.budget import charge_size, charge_steps
from natpolicy.hcl.file_scope import FileScope, Refused
from natpolicy.hcl.fileset_glob import compile_glob, glob_match
from natpolicy.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    TfList,
    TfMap,
    TfSet,
    UnknownType,
    Withheld,
    convert,
    equal,
    exact,
    make_set,
    normalise_number,
    number_from_fraction,
    parse_number,
    to_string,
    type_of,
    type_of_loose,
    unify,
    unify_loose,
)
from natpolicy.model import UNKNOWN, is_known

__all__ = ["FUNCTIONS", "fn", "file_functions"]

FUNCTIONS: dict[str, Callable[..., Any]] = {}


def fn(name: str, *, deep: bool = False, lenient: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        low, high = _arity(func)

        def call(*args: Any) -> Any:
            # Arity first: Terraform rejects a wrong call even with unknown arguments.
            if len(args) < low or (high is not None and len(args) > high):
                raise EvalError(f"{name}(): wrong number of arguments")
            if not lenient:
                if any(a is UNKNOWN for a in args):
                    return UNKNOWN
                if deep and not all(is_known(a) for a in args):
                    return UNKNOWN
            try:
                return func(*args)
            except UnknownType:
                return UNKNOWN

        call.__name__ = name
        FUNCTIONS[name] = call
        return call

    return register


def _arity(func: Callable[..., Any]) -> tuple[int, int | None]:
    low, high = 0, 0
    for param in inspect.signature(func).parameters.values():
        if param.kind == param.VAR_POSITIONAL:
            return low, None
        high += 1
        if param.default is param.empty:
            low += 1
    return low, high


# ---------------------------------------------------------------- argument helpers
def seq(value: Any, what: str = "argument", *, sets: bool = True, ordered: bool = True) -> list[Any]:
    """The elements of a list, tuple or (if ``sets``) set argument."""
    if isinstance(value, TfSet):
        if not sets:
            raise EvalError(f"{what} must be a list or tuple, not a set")
        if ordered and not value.ordered:
            raise NotEvaluated("the order of a set of collections")
        return value
    if isinstance(value, list):
        return value
    raise EvalError(f"{what} must be a list")


def mapping(value: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise EvalError(f"{what} must be a map or object")


def as_list(value: Any) -> TfList:
    """``value`` converted to a list, as a ``list(any)`` parameter converts it (elements unified)."""
    items = seq(value)
    if isinstance(value, TfList):
        return value
    element = unify([type_of(i) for i in items])  # once: per element it made as_list quadratic
    return TfList(convert(v, element) for v in items)


def strings(value: Any, what: str = "argument") -> list[str | None]:
    """``value`` converted to a ``list(string)``: nulls stay, collections are an error."""
    out: list[str | None] = []
    for item in seq(value, what):
        if item is UNKNOWN:
            raise UnknownType
        if isinstance(item, (list, dict)):
            raise EvalError(f"{what}: a string is required")
        out.append(None if item is None else to_string(item))
    return out


def whole(value: Any) -> int:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise EvalError("a whole number is required")
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, float):
        if isinstance(value, Approx) or not value.is_integer():
            raise EvalError("a whole number is required")
        value = int(value)
    return value


def number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise EvalError("a number is required")
    if isinstance(value, str):
        return parse_number(value)
    return value


def text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        raise EvalError("a string is required")
    return to_string(value)


def _kind_like(source: Any, items: list[Any]) -> list[Any]:
    """``items`` as a list if ``source`` is one, else as a tuple (plain list)."""
    return TfList(items) if isinstance(source, (TfList, TfSet)) else list(items)


# ---------------------------------------------------------------- collections
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
    return _kind_like(items, values[a:b])


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


@fn("tolist", deep=True)
def _tolist(value: Any) -> Any:
    if isinstance(value, dict):
        raise EvalError("tolist() needs a list, set or tuple")
    return as_list(value)


@fn("toset", deep=True)
def _toset(value: Any) -> Any:
    if isinstance(value, TfSet):
        return value
    if isinstance(value, dict) or not isinstance(value, list):
        raise EvalError("toset() needs a list, set or tuple")
    element = unify([type_of(v) for v in value])
    _charge_set(value)
    return make_set(convert(v, element) for v in value)


@fn("tomap", deep=True)
def _tomap(value: Any) -> Any:
    table = mapping(value, "tomap() argument")
    if isinstance(table, TfMap):
        return table
    element = unify([type_of(v) for v in table.values()])
    return TfMap({k: convert(v, element) for k, v in table.items()})


@fn("reverse")
def _reverse(value: Any) -> Any:
    return _kind_like(value, list(reversed(seq(value, "reverse() argument"))))


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
    from natpolicy.hcl.expr import arithmetic

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
    return _set_of([v for s in (first, *rest) for v in seq(s, "setunion() argument", ordered=False)])


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


def _set_of(items: list[Any]) -> TfSet:
    element = unify([type_of(v) for v in items])
    _charge_set(items)
    return make_set(convert(v, element) for v in items)


def _charge_set(items: list[Any]) -> None:
    """``make_set`` compares the elements pair by pair (strings aside): charge that before."""
    n = len(items)
    charge_steps(n if all(isinstance(i, str) for i in items) else n * (n + 1) // 2)


# ---------------------------------------------------------------- conversions
@fn("tostring")
def _tostring(value: Any) -> Any:
    return None if value is None else text(value)


@fn("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else number(value)


@fn("tobool")
def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError("tobool(): not a boolean")


@fn("sensitive")
def _sensitive(value: Any) -> Any:
    return value  # sensitivity is tracked per argument by the loader, not per value


@fn("nonsensitive")
def _nonsensitive(value: Any) -> Any:
    return value


@fn("issensitive", lenient=True)
def _issensitive(value: Any) -> Any:
    # Values carry no sensitivity mark here (the loader masks whole arguments
    # fed by sensitive variables), so the answer is never known; -v says so.
    raise NotEvaluated("issensitive() (values carry no sensitivity mark in natpolicy)")


# ---------------------------------------------------------------- numbers
@fn("max", deep=True)
def _max(first: Any, *rest: Any) -> Any:
    return max((number(a) for a in (first, *rest)), key=exact)


@fn("min", deep=True)
def _min(first: Any, *rest: Any) -> Any:
    return min((number(a) for a in (first, *rest)), key=exact)


@fn("abs")
def _abs(value: Any) -> Any:
    n = number(value)
    return Approx(abs(n)) if isinstance(n, Approx) else abs(n)


def _round(value: Any, how: Callable[[Fraction], int]) -> int:
    n = number(value)
    if isinstance(n, Approx) and abs(n - round(n)) < 1e-9:
        raise NotEvaluated("rounding a fraction Terraform computes with 512-bit precision")
    return how(exact(n))


@fn("ceil")
def _ceil(value: Any) -> Any:
    return _round(value, math.ceil)


@fn("floor")
def _floor(value: Any) -> Any:
    return _round(value, math.floor)


@fn("signum")
def _signum(value: Any) -> Any:
    n = number(value)
    return (n > 0) - (n < 0)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@fn("parseint")
def _parseint(value: Any, base: Any) -> Any:
    digits, radix = text(value), whole(base)
    if not 2 <= radix <= 62:
        raise EvalError("parseint(): base must be between 2 and 62")
    sign, body = (-1, digits[1:]) if digits[:1] == "-" else (1, digits[1:] if digits[:1] == "+" else digits)
    if radix <= 36:
        body = body.lower()  # Go reads letters case-insensitively up to base 36
    allowed = _DIGITS[:radix]
    if not body or any(c not in allowed for c in body):
        raise EvalError(f"parseint(): cannot parse {digits!r} as a base {radix} integer")
    result = 0
    for c in body:
        result = result * radix + allowed.index(c)
    return sign * result


@fn("pow")
def _pow(a: Any, b: Any) -> Any:
    # Terraform's pow() computes with 64-bit floats, so a float is the exact answer here.
    try:
        result = math.pow(float(number(a)), float(number(b)))
    except (OverflowError, ValueError):
        raise NotEvaluated("pow() beyond 64-bit floats") from None
    if not math.isfinite(result):
        raise NotEvaluated("pow() beyond 64-bit floats")
    return normalise_number(result)


# ---------------------------------------------------------------- files
def file_functions(base_dir: Path, scope: FileScope,
                   report: Callable[[str, str | None], None] | None = None) -> dict[str, Callable[..., Any]]:
    """``file``, ``fileset``, ``templatefile``... relative to ``base_dir``, reading only what ``scope`` allows.

    A path ``scope`` refuses (outside the configuration, under ``.git/`` or
    ``.terraform/``, not tracked by git) makes the value unknown, and the
    evaluator reports the refusal with the call's place: neither the content
    nor whether the file exists ever reaches a report. ``report`` receives
    what templates leave unevaluated.
    """

    def refused(func: str, name: Any, reason: Refused, verb: str = "read", more: str = "") -> Withheld:
        return Withheld(f"{func}({json.dumps(text(name))}{more}) is not {verb}: {reason}",
                        f"{func}(<path not shown>{more}) is not {verb}: {reason}")

    def located(func: str, name: Any) -> str:
        try:
            return scope.path_of(base_dir, text(name))
        except Refused as exc:
            raise refused(func, name, exc) from None

    def content(func: str, name: Any) -> bytes:
        rel = located(func, name)
        try:
            data = scope.read(rel)
        except Refused as exc:
            raise refused(func, name, exc) from None
        if data is None:
            raise EvalError(f"{func}(): no file exists at {text(name)!r}")
        return data

    def utf8(func: str, name: Any) -> str:
        try:
            return content(func, name).decode("utf-8")
        except UnicodeDecodeError:
            raise EvalError(f"{func}(): the file is not valid UTF-8; use filebase64") from None

    def file_(name: Any) -> Any:
        return utf8("file", name)

    def fileexists(name: Any) -> Any:
        rel = located("fileexists", name)
        try:
            return scope.exists(rel)
        except Refused as exc:
            raise refused("fileexists", name, exc) from None

    def fileset(path: Any, pattern: Any) -> Any:
        rel = located("fileset", path)
        compiled = compile_glob(text(pattern))
        try:
            names = scope.files_under(rel)
        except Refused as exc:
            raise refused("fileset", path, exc, "listed", ", ...") from None
        return TfSet(sorted(n for n in names if glob_match(compiled, n)))

    def templatefile(name: Any, variables: Any) -> Any:
        from natpolicy.hcl.expr import Context, render_template_file

        template = utf8("templatefile", name)
        bindings = dict(mapping(variables, "templatefile() variables"))
        # A template sees only its variables and the functions (not templatefile itself).
        inner = {name: func for name, func in checked.items() if name != "templatefile"}
        ctx = Context(_template_names, bindings, {**FUNCTIONS, **inner}, report, where=None)
        return render_template_file(template, ctx)

    def hashed(func: str, digest: str, encode: Callable[[bytes], str]) -> Callable[..., Any]:
        def call(name: Any) -> Any:
            return encode(hashlib.new(digest, content(func, name)).digest())

        return call

    plain: dict[str, Callable[..., Any]] = {
        "file": file_, "fileexists": fileexists, "fileset": fileset,
        "filebase64": lambda name: base64.b64encode(content("filebase64", name)).decode("ascii"),
    }
    for digest in ("md5", "sha1", "sha256", "sha512"):
        plain[f"file{digest}"] = hashed(f"file{digest}", digest, bytes.hex)
    for digest in ("sha256", "sha512"):
        plain[f"filebase64{digest}"] = hashed(f"filebase64{digest}", digest,
                                              lambda b: base64.b64encode(b).decode("ascii"))
    plain["templatefile"] = templatefile
    checked = {name: _checked(name, func, 2 if name in ("fileset", "templatefile") else 1)
               for name, func in plain.items()}
    return checked


def _checked(name: str, func: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """Arity first (Terraform rejects a wrong call even with unknown arguments), then unknown in, unknown out."""

    def call(*args: Any) -> Any:
        if len(args) != arity:
            raise EvalError(f"{name}(): wrong number of arguments")
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        return func(*args)

    call.__name__ = name
    return call


def _template_names(name: str) -> Any:
    raise EvalError(f"a template can only use its variables, not {name!r}")


from natpolicy.hcl import functions_text  # noqa: E402,F401  (registers the string functions)
