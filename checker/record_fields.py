"""What ``record`` keeps of a class's fields on Python 3.11 instead of ``dataclasses.Field`` objects, until asked.

Importing ``dataclasses`` imports ``inspect`` (with ``ast``, ``dis``, ``tokenize``, ``linecache``): about
35 M instructions, a tenth of a small plan's run, for a module a plan run needs only to build
``Field`` objects nobody reads. ``field()`` here returns a :class:`FieldSpec`; ``natpolicy.records``
checks and uses the specs as ``dataclass`` would use its ``Field`` objects, and puts :class:`Described`
in the class's ``__dataclass_fields__``/``__dataclass_params__``, which builds the real ones (with
these values) the first time anyone reads either. ``replace`` replaces without them.
"""
from __future__ import annotations

from itertools import chain, filterfalse
from typing import Any

__all__ = ["MISSING", "Described", "FieldSpec", "Marker", "Pending", "add_slots", "dataclasses_module", "field",
           "replace"]


def dataclasses_module() -> Any:
    """The ``dataclasses`` module, imported when first needed (with ``inspect``, ``ast``, ``dis``...: about 35 M
    instructions, a tenth of a small plan's run, which a plan run on Python 3.11 no longer pays)."""
    import dataclasses

    return dataclasses


class Marker:
    """A sentinel that prints as the text it is given, as ``dataclasses``' own markers print."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


# No default (``dataclasses.MISSING`` stands in its place in every ``dataclasses.Field`` made from a spec).
MISSING: Any = Marker("MISSING")


class FieldSpec:
    """A field as ``dataclasses.field()`` describes it, until someone asks for the ``dataclasses.Field``.

    ``field()`` returns one on Python 3.11 (a plan run then needs no ``dataclasses``); ``record`` makes
    one for each field and builds the ``Field`` objects, with these very values, when
    ``__dataclass_fields__`` is first read (:class:`Described`). Anything handed to ``dataclass`` gets
    real ``Field`` objects first (``natpolicy.records``).
    """

    __slots__ = ("compare", "default", "default_factory", "hash", "init", "kw_only", "metadata", "name", "repr",
                 "type")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr_: bool, hash_: bool | None,
                 compare: bool, metadata: Any, kw_only: Any) -> None:
        self.name: Any = None
        self.type: Any = None
        self.default, self.default_factory, self.init, self.repr = default, default_factory, init, repr_
        self.hash, self.compare, self.metadata, self.kw_only = hash_, compare, metadata, kw_only

    def __set_name__(self, owner: type, name: str) -> None:  # dataclasses.Field's: a descriptor default is told
        func = getattr(type(self.default), "__set_name__", None)
        if func:
            func(self.default, owner, name)

    def made(self) -> Any:
        """``dataclasses.field(...)`` with these arguments."""
        dc = dataclasses_module()

        def real(value: Any) -> Any:
            return dc.MISSING if value is MISSING else value
        return dc.field(default=real(self.default), default_factory=real(self.default_factory), init=self.init,
                        repr=self.repr, hash=self.hash, compare=self.compare, metadata=self.metadata,
                        kw_only=real(self.kw_only))


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,  # noqa: A002
           hash: bool | None = None, compare: bool = True, metadata: Any = None,  # noqa: A002
           kw_only: Any = MISSING) -> Any:
    """``dataclasses.field`` (same parameters and refusal) as a spec ``record`` reads without ``dataclasses``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return FieldSpec(default, default_factory, init, repr, hash, compare, metadata, kw_only)


def replace(obj: Any, /, **changes: Any) -> Any:
    """``dataclasses.replace``; for a record still described lazily, the same steps without ``dataclasses``.

    Such a class's fields are all plain ``__init__`` parameters (no ``init=False``, ``ClassVar`` or
    ``InitVar``: :func:`_init_is_ours`), so ``replace`` passes each field not in ``changes`` by its current
    value and calls the class, exactly as ``dataclasses.replace`` does for them. Anything else (a subclass,
    another dataclass, a non-dataclass) goes to ``dataclasses.replace``.
    """
    described = obj.__class__.__dict__.get("__dataclass_fields__")
    if described.__class__ is not Described:
        return dataclasses_module().replace(obj, **changes)
    for made in described.pending.fields:
        if made.name not in changes:
            changes[made.name] = getattr(obj, made.name)
    return obj.__class__(**changes)


class Pending:
    """What ``record`` knows of a lazily described class: its final class, its fields, its parameters."""

    __slots__ = ("cls", "fields", "params")

    def __init__(self, fields: tuple[FieldSpec, ...], params: tuple[bool, ...]) -> None:
        self.cls: Any = None
        self.fields, self.params = fields, params

    def describe(self) -> tuple[dict[str, Any], Any]:
        """Build ``__dataclass_fields__`` and ``__dataclass_params__`` as ``dataclass`` sets them, in their place."""
        dc = dataclasses_module()
        found: dict[str, Any] = {}
        for spec in self.fields:  # the steps of Python 3.11's dataclasses._get_field for a plain field
            made = spec.made()
            made.name, made.type = spec.name, spec.type
            made._field_type = dc._FIELD
            if made.kw_only is dc.MISSING:
                made.kw_only = False
            found[spec.name] = made
        params = dc._DataclassParams(*self.params)
        self.cls.__dataclass_params__ = params
        self.cls.__dataclass_fields__ = found
        return found, params


class Described:
    """``__dataclass_fields__`` / ``__dataclass_params__`` of a record until first read (then the real values).

    Everything that asks whether a class is a dataclass, or for its fields (``dataclasses.fields``,
    ``is_dataclass``, ``asdict``, ``replace``, a dataclass subclass, msgspec), reads the attribute from the class
    or an instance: the first read builds both and sets them on the class, so every later read finds the
    plain values ``dataclass`` would have put there.
    """

    __slots__ = ("fields", "pending")

    def __init__(self, pending: Pending, fields: bool) -> None:
        self.pending, self.fields = pending, fields

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        found, params = self.pending.describe()
        return found if self.fields else params


def _get_slots(cls: type) -> Any:
    """Python 3.11's ``dataclasses._get_slots``."""
    match cls.__dict__.get("__slots__"):
        case None:
            return
        case str(slot):
            yield slot
        case iterable if not hasattr(iterable, "__next__"):
            yield from iterable
        case _:
            raise TypeError(f"Slots of '{cls.__name__}' cannot be determined")


def add_slots(cls: Any, field_names: tuple[str, ...], weakref_slot: bool) -> Any:
    """Python 3.11's ``dataclasses._add_slots(cls, False, weakref_slot)`` (the class made anew with ``__slots__``)."""
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    cls_dict = dict(cls.__dict__)
    inherited_slots = set(chain.from_iterable(map(_get_slots, cls.__mro__[1:-1])))
    cls_dict["__slots__"] = tuple(filterfalse(inherited_slots.__contains__,
                                              chain(field_names, ("__weakref__",) if weakref_slot else ())))
    for field_name in field_names:
        cls_dict.pop(field_name, None)
    cls_dict.pop("__dict__", None)
    cls_dict.pop("__weakref__", None)  # gh-102069: it belongs to the previous type
    qualname = getattr(cls, "__qualname__", None)
    cls = type(cls)(cls.__name__, cls.__bases__, cls_dict)
    if qualname is not None:
        cls.__qualname__ = qualname
    return cls
