"""``record``: ``dataclasses.dataclass`` with ``__eq__``, ``__hash__`` and ``__repr__`` built from shared functions.

Why: ``dataclass`` writes each method it generates as source text and compiles it with ``exec``
at import (about 0.85 M instructions, 0.1 ms, a method). A plan run imports 44 dataclasses with
223 such methods: a third of a small plan's run, paid by every plan and every pre-commit hook.
``__eq__``, ``__hash__`` and ``__repr__`` only need the names of the fields they read, so here
they are closures over ``operator.attrgetter`` (no compile at all); ``dataclass`` still writes
``__init__`` and a frozen class's ``__setattr__``/``__delattr__``, whose source it alone knows.

The contract is the decorator's, method by method (``tests/test_records.py`` holds each against
a twin made by ``dataclass`` itself): ``__eq__`` compares the tuples of the ``compare`` fields of
two instances of the very same class (field by field after an identity test on Python 3.13 and
later, as its ``dataclass`` does), else ``NotImplemented``; ``__hash__`` is the hash of the
tuple of the hashed fields (the same values, so sets and dicts iterate in the same order), or
``None`` for a mutable class that compares by value; ``__repr__`` is
``Qualname(field=value!r, ...)`` over the ``repr`` fields, ``...`` on recursion.
``__dataclass_params__`` says ``eq``/``repr`` as asked, so ``fields``, ``replace``, ``asdict``,
pickling and subclassing behave as for a dataclass. Anything the shortcut does not cover
(``order``, ``unsafe_hash``, a class that writes its own ``__eq__``, ``__hash__`` or ``__repr__``)
goes to ``dataclass`` unchanged.

For type checkers ``record`` *is* ``dataclass``.
"""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from operator import attrgetter
from reprlib import recursive_repr
from typing import TYPE_CHECKING, Any

__all__ = ["record"]

_OWN_METHODS = ("__eq__", "__hash__", "__repr__")


def _values_of(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple ``(obj.a, obj.b, ...)`` the generated methods build, for any number of names."""
    if len(names) >= 2:
        return attrgetter(*names)  # a tuple already
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _named(fn: Any, cls: type, name: str) -> Any:
    fn.__name__ = name
    fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return fn


def _eq_of(names: list[str]) -> Callable[[Any, Any], Any]:
    if sys.version_info >= (3, 13):
        # 3.13's dataclass compares field by field (``self.a == other.a and ...``) after an identity
        # test, where earlier versions compare tuples: a NaN field tells the two apart.
        getters = [attrgetter(name) for name in names]

        def eq_by_field(self: Any, other: Any) -> Any:
            if self is other:
                return True
            if other.__class__ is self.__class__:
                result: Any = True
                for get in getters:
                    result = get(self) == get(other)
                    if not result:
                        break
                return result
            return NotImplemented
        return eq_by_field
    values = _values_of(names)

    def eq_by_tuple(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented
    return eq_by_tuple


def _hash_of(names: list[str]) -> Callable[[Any], int]:
    values = _values_of(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))
    return __hash__


def _repr_of(names: list[str]) -> Callable[[Any], str]:
    getters = [(f"{name}=", attrgetter(name)) for name in names]

    @recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join([f"{label}{get(self)!r}" for label, get in getters])
        return f"{self.__class__.__qualname__}({inner})"
    return __repr__


def _record(cls: type, options: dict[str, Any]) -> type:
    eq = options.pop("eq", True)
    repr_ = options.pop("repr", True)
    if (options.get("order") or options.get("unsafe_hash")
            or any(name in cls.__dict__ for name in _OWN_METHODS)):
        return dataclasses.dataclass(cls, eq=eq, repr=repr_, **options)
    built: Any = dataclasses.dataclass(cls, eq=False, repr=False, **options)
    params = built.__dataclass_params__
    params.eq, params.repr = eq, repr_
    fields = dataclasses.fields(built)
    if repr_:
        built.__repr__ = _named(_repr_of([f.name for f in fields if f.repr]), built, "__repr__")
    if eq:
        built.__eq__ = _named(_eq_of([f.name for f in fields if f.compare]), built, "__eq__")
        if options.get("frozen"):
            hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
            built.__hash__ = _named(_hash_of(hashed), built, "__hash__")
        else:
            built.__hash__ = None  # mutable and compared by value: unhashable, as dataclass makes it
    return built


def _record_decorator(cls: type | None = None, /, **options: Any) -> Any:
    if cls is None:
        return lambda inner: _record(inner, dict(options))
    return _record(cls, options)


if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:
    record = _record_decorator
