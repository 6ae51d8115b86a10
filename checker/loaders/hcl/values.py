"""Terraform values as plain Python, with the distinctions Terraform's type system makes.

A plain ``list`` is a tuple and a plain ``dict`` an object: what literals,
``for`` expressions and ``jsondecode`` produce. ``TfList``, ``TfSet`` and
``TfMap`` mark Terraform's typed collections (``tolist``, ``split``, a
``list(string)`` variable...). The difference is visible in Terraform:
``tolist([]) == []`` is false, a set has no index and ``for`` over a set
binds the value as the key. Rules see all of them as lists and dicts.

Numbers are ``int`` (exact, any size) or ``float``. Terraform computes with
512-bit binary floats; a fraction whose decimal expansion does not end
(``10 / 3``) is an ``Approx``: fine for comparisons, but its text (and so
``"${10 / 3}"``) is not reproduced and stays unknown.

``unify`` and ``convert`` follow Terraform's automatic type unification
(cty's ``convert.Unify``): ``[1, "a"]`` as a list is ``["1", "a"]``,
``{a = 1, b = [1]}`` cannot be a map.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from natpolicy.model import UNKNOWN, is_known

__all__ = [
    "EvalError", "NotEvaluated", "Withheld", "Notice", "TfList", "TfSet", "TfMap", "Approx", "kind_of", "equal",
    "to_string", "miscased_literal", "not_evaluated_note",
    "normalise_number", "number_from_fraction", "parse_number", "type_of", "unify", "convert", "make_set",
    "UnknownType", "number_text", "exact", "type_of_loose", "unify_loose", "STRING", "NUMBER", "BOOL", "DYNAMIC",
]


class EvalError(Exception):
    """Terraform would reject this expression (bad index, wrong type...)."""


class NotEvaluated(Exception):
    """Terraform computes this, natpolicy does not (an RE2-only regex feature...):
    the result is unknown and the message goes to the verbose report."""


class Withheld(NotEvaluated):
    """natpolicy will not compute this (a file outside the configuration): the
    value is unknown, and the message goes to every report, not only ``-v``.
    ``redacted``: the message without the values it quotes (a path), for a place
    whose values may derive from a sensitive one."""

    def __init__(self, message: str, redacted: str | None = None) -> None:
        super().__init__(message)
        self.redacted = redacted or message


def miscased_literal(name: str) -> Withheld | None:
    """``True``, ``FALSE``, ``Null``: not HCL's literals (those are lowercase) but references
    to an undeclared resource type, which Terraform refuses. Said at the line, never a silent
    unknown: ``encrypted = False`` would otherwise pass as "known after apply"."""
    lowered = name.lower()
    if lowered not in ("true", "false", "null") or name == lowered:
        return None
    kind = "null" if lowered == "null" else "boolean"
    return Withheld(f"`{name}` is not an HCL {kind} (write `{lowered}`); Terraform rejects it, "
                    "so the value is treated as unknown")


class Notice(str):
    """A report message for every report (from :class:`Withheld`), not only the verbose one."""

    redacted: str

    def __new__(cls, withheld: Withheld) -> Notice:
        notice = super().__new__(cls, str(withheld))
        notice.redacted = withheld.redacted
        return notice


def not_evaluated_note(exc: NotEvaluated) -> str:
    """The note of a value natpolicy does not compute, which is unknown: a :class:`Notice` for every report where
    natpolicy withholds it, else for the verbose one."""
    return Notice(exc) if isinstance(exc, Withheld) else f"{exc} is not evaluated; the result is treated as unknown"


class TfList(list[Any]):
    """A Terraform list (not a tuple)."""

    __slots__ = ()


class TfSet(list[Any]):
    """A Terraform set: distinct elements in Terraform's order, no index.

    Sets of strings, numbers or bools iterate sorted, as in Terraform. Sets of
    collections iterate in an order derived from hashes that natpolicy does not
    reproduce: ``ordered`` is then False and whatever depends on the order is unknown.
    """

    __slots__ = ("ordered",)

    def __init__(self, items: Iterable[Any] = (), ordered: bool = True) -> None:
        super().__init__(items)
        self.ordered = ordered


class TfMap(dict[str, Any]):
    """A Terraform map (not an object)."""

    __slots__ = ()


class Approx(float):
    """A fraction Terraform holds with more precision than a float (``10 / 3``)."""

    __slots__ = ()


def kind_of(value: Any) -> str | None:
    if isinstance(value, TfSet):
        return "set"
    if isinstance(value, TfList):
        return "list"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, TfMap):
        return "map"
    if isinstance(value, dict):
        return "object"
    return None


# ---------------------------------------------------------------- numbers
def normalise_number(value: float | int) -> float | int:
    """Terraform has one number type; ``3.0`` prints and compares as ``3``.

    An integral float becomes the integer its shortest text names, so ``1e20``
    is exactly 10**20 (as Terraform's decimal parse gives), not the binary
    approximation of it.
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and not isinstance(value, Approx):
        return int(value) if abs(value) < 2 ** 53 else int(Decimal(repr(value)))
    return value


_MAX_DIGITS = 4000  # Python refuses to print integers beyond 4300 digits; no configuration needs them
_MAX_BITS = 13000


def number_from_fraction(value: Fraction) -> int | float:
    """An exact result as Terraform would hold it: integral -> int, a short
    decimal -> float (printing as Terraform prints it), else ``Approx``."""
    if value.numerator.bit_length() > _MAX_BITS or value.denominator.bit_length() > _MAX_BITS:
        raise NotEvaluated("a number with thousands of digits")
    if value.denominator == 1:
        return int(value)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    as_float = float(value)
    if not math.isfinite(as_float):
        raise NotEvaluated("a number too large for natpolicy")
    if den == 1 and Fraction(repr(as_float)) == value:
        return as_float
    return Approx(as_float)


def exact(value: int | float) -> Fraction:
    """The decimal value a number stands for (``0.1`` is one tenth, as Terraform parses it)."""
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Approx):
        return Fraction(value)
    return Fraction(repr(value))


def parse_number(text: str) -> int | float:
    """Terraform's string -> number conversion: a decimal literal, nothing else."""
    import re

    m = re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?", text)
    if m is None:
        if text.strip("+-").lower() in ("inf", "infinity"):
            raise NotEvaluated("an infinite number")
        raise EvalError(f"cannot convert {text!r} to a number")
    if len(text) > _MAX_DIGITS or (m.group(1) and abs(int(m.group(1))) > _MAX_DIGITS):
        raise NotEvaluated("a number with thousands of digits")
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    return number_from_fraction(Fraction(Decimal(text)))


def number_text(value: int | float) -> str:
    """How Terraform writes a number as a string: positional, never an exponent."""
    if isinstance(value, bool):
        raise EvalError("a number is required")
    if isinstance(value, int):
        if value.bit_length() > _MAX_BITS:
            raise NotEvaluated("a number with thousands of digits")
        return str(value)
    if isinstance(value, Approx) or not math.isfinite(value):
        raise NotEvaluated("the text of a fraction Terraform computes with 512-bit precision")
    value = normalise_number(value)
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text


def to_string(value: Any) -> str:
    """Terraform's automatic conversion of a primitive to a string."""
    if value is None:
        raise EvalError("cannot use a null value in a string template")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return value
    raise EvalError("cannot convert a collection to a string")


# ---------------------------------------------------------------- equality
def equal(left: Any, right: Any) -> Any:
    """Terraform equality: type-sensitive (``1 != "1"``, ``tolist([]) != []``), deep for collections."""
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        if isinstance(left, Approx) or isinstance(right, Approx):
            # Terraform's extra precision decides what a float cannot tell.
            return False if not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12) else UNKNOWN
        return left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    kind = kind_of(left)
    if kind is None or kind != kind_of(right):
        return False
    if kind == "set":
        return _set_equal(left, right)
    if kind in ("tuple", "list"):
        if len(left) != len(right):
            return False
        results = [equal(a, b) for a, b in zip(left, right, strict=True)]
        elements = list(left)
    else:
        if set(left) != set(right):
            return False
        results = [equal(left[k], right[k]) for k in left]
        elements = list(left.values())
    if any(r is False for r in results):
        return False
    if any(r is UNKNOWN for r in results):
        return UNKNOWN
    if kind in ("list", "map") and all(e is None for e in elements):
        # Empty (or all-null) typed collections: equal only if their element
        # types are, which the values do not tell (split() gives list(string),
        # tolist([]) list(dynamic)).
        return UNKNOWN
    return True


def _set_equal(left: TfSet, right: TfSet) -> Any:
    if not (is_known(left) and is_known(right)):
        return UNKNOWN
    if len(left) != len(right):
        return False
    for item in left:
        if not any(equal(item, other) is True for other in right):
            return False
    if not left:
        return UNKNOWN  # element types unknown, as for empty lists
    return True


# ---------------------------------------------------------------- types
# A type is a tuple: ("string",), ("list", element), ("tuple", (t1, t2)),
# ("object", (("name", t), ...)) with sorted names, ...
STRING, NUMBER, BOOL, DYNAMIC = ("string",), ("number",), ("bool",), ("dynamic",)
_PRIMITIVES = frozenset({"string", "number", "bool"})


class UnknownType(Exception):
    """The value holds an unknown, whose type natpolicy does not know."""


def type_of(value: Any) -> tuple[Any, ...]:
    if value is UNKNOWN:
        raise UnknownType
    if value is None:
        return DYNAMIC
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, TfSet):
        return ("set", unify([type_of(v) for v in value]))
    if isinstance(value, TfList):
        return ("list", unify([type_of(v) for v in value]))
    if isinstance(value, list):
        return ("tuple", tuple(type_of(v) for v in value))
    if isinstance(value, TfMap):
        return ("map", unify([type_of(v) for v in value.values()]))
    if isinstance(value, dict):
        return ("object", tuple((k, type_of(value[k])) for k in sorted(value)))
    raise UnknownType


def unify(types: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The one type all of ``types`` convert to, as Terraform picks it; EvalError if none."""
    known = [t for t in types if t != DYNAMIC]
    if not known:
        return DYNAMIC
    first = known[0]
    if all(t == first for t in known):
        return first
    heads = {t[0] for t in known}
    if heads <= _PRIMITIVES:
        if "string" in heads:
            return STRING  # numbers and bools convert to strings, not the other way
        raise EvalError("number and bool values have no common type")
    if heads <= {"tuple", "list", "set"}:
        if heads == {"tuple"}:
            lengths = {len(t[1]) for t in known}
            if len(lengths) == 1:
                try:
                    return ("tuple", tuple(unify([t[1][i] for t in known]) for i in range(lengths.pop())))
                except EvalError:
                    pass
            return ("list", unify([e for t in known for e in t[1]]))
        collections = [t[1] for t in known if t[0] != "tuple"]
        if len(set(collections)) > 1 and {"list", "set"} <= heads:
            raise EvalError("list and set of different element types have no common type")
        element = unify([e for t in known for e in (t[1] if t[0] == "tuple" else (t[1],))])
        return ("list" if "list" in heads else "set", element)
    if heads <= {"object", "map"}:
        if heads == {"object"} and len({tuple(name for name, _ in t[1]) for t in known}) == 1:
            names = [name for name, _ in known[0][1]]
            try:
                return ("object", tuple((n, unify([dict(t[1])[n] for t in known])) for n in names))
            except EvalError:
                pass
        return ("map", unify([e for t in known for e in (dict(t[1]).values() if t[0] == "object" else (t[1],))]))
    raise EvalError("values of these types have no common type")


def convert(value: Any, target: tuple[Any, ...]) -> Any:
    """``value`` converted to ``target`` (a type from :func:`unify` or a type constraint)."""
    if value is UNKNOWN or value is None or target == DYNAMIC:
        return value
    head = target[0]
    if head == "string":
        if isinstance(value, (list, dict)):
            raise EvalError("a string is required")
        return to_string(value)
    if head == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise EvalError("a number is required")
        return parse_number(value) if isinstance(value, str) else value
    if head == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        raise EvalError("a bool is required")
    if head in ("list", "set", "tuple"):
        if not isinstance(value, list):
            raise EvalError(f"a {head} is required")
        if isinstance(value, TfSet) and not value.ordered and head != "set":
            raise NotEvaluated("the order of a set of collections")
        if head == "tuple":
            if len(value) != len(target[1]):
                raise EvalError("a tuple of another length is required")
            return [convert(v, t) for v, t in zip(value, target[1], strict=True)]
        items = [convert(v, target[1]) for v in value]
        return TfList(items) if head == "list" else make_set(items)
    if head in ("map", "object"):
        if not isinstance(value, dict):
            raise EvalError(f"a {head} is required")
        if head == "map":
            return TfMap({k: convert(v, target[1]) for k, v in value.items()})
        attrs = dict(target[1])
        if set(attrs) != set(value):
            raise EvalError("an object with other attributes is required")
        return {k: convert(value[k], attrs[k]) for k in value}
    return value


def make_set(items: Iterable[Any]) -> TfSet:
    """A set of already unified ``items``: duplicates dropped, Terraform's order."""
    items = list(items)
    if any(item is UNKNOWN for item in items):
        raise UnknownType
    if all(isinstance(i, str) for i in items):
        return TfSet(sorted(set(items)))  # the common case, without pairwise comparisons
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    nulls = [i for i in out if i is None]
    rest = [i for i in out if i is not None]
    if all(isinstance(i, str) for i in rest) or all(isinstance(i, bool) for i in rest) or all(
            isinstance(i, (int, float)) and not isinstance(i, bool) for i in rest):
        # Sorted as Terraform sorts primitives; where a null goes is not reproduced.
        return TfSet(sorted(rest) + nulls, ordered=not nulls or len(out) == 1)
    return TfSet(out, ordered=len(out) <= 1)


_UNKNOWN_TYPE = ("unknown",)


def type_of_loose(value: Any) -> tuple[Any, ...]:
    """:func:`type_of`, with ``("unknown",)`` where an unknown value sits."""
    if value is UNKNOWN:
        return _UNKNOWN_TYPE
    if isinstance(value, list) and not isinstance(value, (TfList, TfSet)):
        return ("tuple", tuple(type_of_loose(v) for v in value))
    if isinstance(value, dict) and not isinstance(value, TfMap):
        return ("object", tuple((k, type_of_loose(value[k])) for k in sorted(value)))
    if not is_known(value):
        raise UnknownType
    return type_of(value)


def unify_loose(types: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """:func:`unify` where some types are unknown: decided only when the unknown
    part cannot change the outcome (beside a string: the result is a string or an error)."""
    if _UNKNOWN_TYPE not in types and not any(_holds_unknown(t) for t in types):
        return unify(types)
    known = [t for t in types if t != _UNKNOWN_TYPE]
    if _UNKNOWN_TYPE in types:
        if known and all(t == STRING for t in known):
            return STRING
        raise UnknownType
    return _unify_known_heads(known)


def _unify_part(types: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """:func:`unify_loose` for one attribute or element position inside a collection.

    Where every value at the position is unknown, their common type decides
    nothing that is known: each converts to an unknown of that type, so the
    position is left as it is (``DYNAMIC``). This is what keeps the keys of
    ``var.on ? local.volumes : {}`` known when every volume's ``kms_key_id``
    is only known after apply.
    """
    if types and all(t == _UNKNOWN_TYPE for t in types):
        return DYNAMIC
    return unify_loose(types)


def _unify_known_heads(known: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    heads = {t[0] for t in known}
    if heads == {"tuple"} and len({len(t[1]) for t in known}) == 1:
        return ("tuple", tuple(_unify_part([t[1][i] for t in known]) for i in range(len(known[0][1]))))
    if heads == {"object"} and len({tuple(n for n, _ in t[1]) for t in known}) == 1:
        names = [n for n, _ in known[0][1]]
        return ("object", tuple((n, _unify_part([dict(t[1])[n] for t in known])) for n in names))
    if heads == {"object"}:
        # Objects with different attributes unify to a map of all their
        # attribute types, as in :func:`unify`: the keys stay the chosen object's.
        return ("map", _unify_part([e for t in known for _, e in t[1]]))
    raise UnknownType


def _holds_unknown(t: tuple[Any, ...]) -> bool:
    if t == _UNKNOWN_TYPE:
        return True
    if t[0] == "tuple":
        return any(_holds_unknown(e) for e in t[1])
    if t[0] == "object":
        return any(_holds_unknown(e) for _, e in t[1])
    return False
