"""``record``: ``dataclasses.dataclass`` without a compile per class: its methods built from shared functions.

Why: ``dataclass`` writes each method it generates as source text and compiles it with ``exec``
at import (about 0.85 M instructions, 0.1 ms, a method). A plan run imports 44 dataclasses with
223 such methods: a third of a small plan's run, paid by every plan and every pre-commit hook.
``__eq__``, ``__hash__`` and ``__repr__`` only need the names of the fields they read, so here
they are closures over ``operator.attrgetter`` (no compile at all); ``__init__`` and the frozen
guards follow below.

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

``__init__`` and a frozen class's ``__setattr__``/``__delattr__`` are not compiled per class
either (they were 108 of a plan run's compiles, 28 % of a small plan's run): ``dataclass`` is asked
for the class without them (``init=False``, ``frozen=False``) and ``record`` adds them. The frozen
guards are closures like the three above. ``__init__`` is the function ``dataclass`` would write,
line for line (the same bytecode, so it costs the same per instance: a 10k plan builds 10,000
resources), but compiled once per *shape*: the number of fields, which have a default
factory, frozen or not, ``__post_init__`` or not. The code object of that shape is compiled with
placeholder names and renamed for each class (``CodeType.replace``); the plan path's 44 classes
have 23 shapes. Defaults go to ``__defaults__``, annotations to ``__annotations__``, factories and
``object`` to the closure, as ``dataclass`` puts them. Classes whose ``__init__`` needs more than
that (``kw_only``, ``InitVar``, ``ClassVar``, ``init=False`` fields, a field named ``self``, a
dataclass base, an ``__init__``, ``__setattr__`` or ``__delattr__`` of their own) go to
``dataclass`` as before. One difference, deliberate: on a frozen class with ``slots=True``,
assigning a name that is not a field raises ``FrozenInstanceError`` (as it does without slots),
where Python 3.11's ``dataclass`` raises a ``TypeError`` from ``super()``, its guard naming the
class from before ``slots`` rebuilt it.

On Python 3.11 a plan run imports no ``dataclasses`` (nor the ``inspect`` it imports: about 35 M
instructions): ``field`` and ``replace`` here are ``natpolicy.record_fields``' and ``record`` keeps each
class's fields as specs, building ``__dataclass_fields__`` and ``__dataclass_params__`` (the same
``Field`` objects and parameters ``dataclass`` makes) when first read. The ``__init__`` default that
stands for a default factory is ``record``'s own ``<factory>`` marker, not ``dataclass``'s object.
Elsewhere ``field`` and ``replace`` are ``dataclasses``' own.

For type checkers ``record`` *is* ``dataclass``, and ``field`` and ``replace`` are ``dataclasses``'.
"""
from __future__ import annotations

import abc
import sys
from collections.abc import Callable
from operator import attrgetter
from reprlib import recursive_repr
from types import CellType, CodeType, FunctionType, MemberDescriptorType
from typing import TYPE_CHECKING, Any

from natpolicy.record_fields import MISSING, Described, FieldSpec, Marker, Pending, add_slots, dataclasses_module

__all__ = ["field", "record", "replace"]

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


# The default an ``__init__`` parameter with a default factory has (``dataclass``'s marker, the same text).
_HAS_DEFAULT_FACTORY: Any = Marker("<factory>")


def _record(cls: type, options: dict[str, Any]) -> type:
    eq = options.pop("eq", True)
    repr_ = options.pop("repr", True)
    if (options.get("order") or options.get("unsafe_hash")
            or not cls.__dict__.keys().isdisjoint(_OWN_METHODS)):
        return _dataclass(cls, eq=eq, repr=repr_, **options)
    frozen = bool(options.get("frozen"))
    own_init = options.get("init", True) and _init_is_ours(cls, options)
    if own_init:
        options.update(init=False, frozen=False)
    had_doc = bool(cls.__dict__.get("__doc__"))
    if own_init and not had_doc:
        # dataclass would describe the class by the signature of the ``__init__`` it has now, object's,
        # read from its text signature with ``tokenize`` and ``ast`` (about 3 M instructions a class);
        # ``_add_init`` writes the description from the real ``__init__`` below, as dataclass would.
        cls.__doc__ = cls.__name__
    built: Any
    fields: tuple[FieldSpec, ...]
    if own_init and _FIELDS_ONLY and not set(options) - _FIELDS_ONLY_OPTIONS and not _has_real_fields(cls):
        built, fields = _fields_only(cls, options, (True, repr_, eq, False, False, frozen))
    else:
        built = _dataclass(cls, eq=False, repr=False, **options)
        params = built.__dataclass_params__
        params.eq, params.repr = eq, repr_
        fields = tuple(_spec_of(f) for f in dataclasses_module().fields(built))
        if own_init:
            if len(fields) != len(built.__dataclass_fields__):
                raise TypeError(f"record: {cls.__qualname__} has pseudo-fields; use dataclasses.dataclass")
            params.init, params.frozen = True, frozen
    if own_init:
        _add_init(built, fields, frozen, bool(options.get("slots")), had_doc)
    if repr_:
        built.__repr__ = _named(_repr_of([f.name for f in fields if f.repr]), built, "__repr__")
    if eq:
        built.__eq__ = _named(_eq_of([f.name for f in fields if f.compare]), built, "__eq__")
        if frozen:
            hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
            built.__hash__ = _named(_hash_of(hashed), built, "__hash__")
        else:
            built.__hash__ = None  # mutable and compared by value: unhashable, as dataclass makes it
    return built


def _is_real_field(value: Any) -> bool:
    """Whether ``value`` is a ``dataclasses.Field`` (none exists before ``dataclasses`` is imported)."""
    dc = sys.modules.get("dataclasses")
    return dc is not None and isinstance(value, dc.Field)


def _has_real_fields(cls: type) -> bool:
    if "dataclasses" not in sys.modules:  # no Field exists yet (a plan run's case)
        return False
    annotations = cls.__dict__.get("__annotations__", {})
    return (any(_is_real_field(value) for value in cls.__dict__.values())
            or any(_is_real_field(getattr(cls, name, None)) for name in annotations))


def _dataclass(cls: Any, **options: Any) -> Any:
    """``dataclasses.dataclass(cls, **options)``, the class's field specs made real ``Field`` objects first."""
    for name, value in list(cls.__dict__.items()):
        if isinstance(value, FieldSpec):
            setattr(cls, name, value.made())
    return dataclasses_module().dataclass(cls, **options)


def _spec_of(made: Any) -> FieldSpec:
    """A ``dataclasses.Field``'s values as a spec (``record`` reads fields in one form)."""
    dc = dataclasses_module()

    def ours(value: Any) -> Any:
        return MISSING if value is dc.MISSING else value
    spec = FieldSpec(ours(made.default), ours(made.default_factory), made.init, made.repr, made.hash, made.compare,
                      made.metadata, ours(made.kw_only))
    spec.name, spec.type = made.name, made.type
    return spec


# What ``dataclass`` does for a class whose ``__init__`` and guards ``record`` writes, without it.

# Python 3.11's ``dataclass`` (the version CI and the benchmarks run; from 3.11.3, whose ``_add_slots`` drops the
# old ``__weakref__``): its steps are copied from there, and ``tests/test_records.py`` holds the result against
# ``dataclass`` twins. Elsewhere ``dataclass``.
_FIELDS_ONLY = sys.version_info[:2] == (3, 11) and sys.version_info >= (3, 11, 3)
_FIELDS_ONLY_OPTIONS = frozenset({"init", "frozen", "slots", "weakref_slot", "match_args"})


def _fields_only(cls: Any, options: dict[str, Any], params: tuple[bool, ...]) -> tuple[Any, tuple[FieldSpec, ...]]:
    """``dataclass(cls, init=False, repr=False, eq=False, frozen=False, **options)``, step by step as 3.11 takes it.

    With ``init``, ``repr``, ``eq`` and ``frozen`` off (``record`` adds those methods itself), what is
    left is the fields, the parameters, ``__match_args__``, slots and the abstract methods. For a class
    :func:`_init_is_ours` accepted (no dataclass base, no ``ClassVar``, ``InitVar`` or ``KW_ONLY``, no
    keyword-only or ``init=False`` field), each ``_get_field`` finds a plain field: the string tests it
    makes for those words per field (two regular-expression matches and module lookups) are what
    ``dataclass`` spent most of its 300,000 instructions a class on (17.8 M of a small plan's run).
    The ``Field`` objects and the parameters themselves wait until someone reads them (:class:`Described`),
    so that a plan run imports no ``dataclasses``; the checks ``dataclass`` makes happen here, with its words.
    """
    pending = Pending((), params)
    cls.__dataclass_params__ = Described(pending, False)
    annotations = cls.__dict__.get("__annotations__", {})
    found: dict[str, FieldSpec] = {}
    specs_on_class: list[FieldSpec] = []
    for name, annotation in annotations.items():  # dataclasses._get_field
        default = getattr(cls, name, MISSING)
        if isinstance(default, FieldSpec):
            made = default
            specs_on_class.append(made)
        else:
            if isinstance(default, MemberDescriptorType):
                default = MISSING  # a slot of the class's own __slots__: no default
            made = FieldSpec(default, MISSING, True, True, None, True, None, MISSING)
        made.name, made.type = name, annotation
        if made.kw_only is MISSING:
            made.kw_only = False
        if made.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(made.default)} for field {made.name} is not allowed: "
                             "use default_factory")
        found[name] = made
    # dataclass's loop over every field, asked only of those whose class value was a spec above (for any
    # other field getattr finds the same non-spec value now; a spec named twice is still looked up again).
    for made in specs_on_class:
        if isinstance(getattr(cls, made.name, None), FieldSpec):
            if made.default is MISSING:
                delattr(cls, made.name)
            else:
                setattr(cls, made.name, made.default)
    for name, value in cls.__dict__.items():
        if isinstance(value, FieldSpec) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    pending.fields = tuple(found.values())
    cls.__dataclass_fields__ = Described(pending, True)
    # The hash action for eq=False, frozen=False, unsafe_hash=False is none; the class has a docstring
    # (``_record`` gives it one first); every field is a positional ``__init__`` parameter.
    if options.get("match_args", True) and "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(found)  # type: ignore[misc]
    if options.get("slots"):
        cls = add_slots(cls, tuple(found), options.get("weakref_slot", False))
    pending.cls = cls
    abc.update_abstractmethods(cls)
    return cls, pending.fields


# ``__init__`` without a compile per class.

# Names the shapes' source uses besides the fields; a field with one of these names (or one that
# looks like a placeholder) goes to ``dataclass``, which names its own locals around it.
_TEMPLATE_NAMES = frozenset({"self", "_HAS_DEFAULT_FACTORY", "__dataclass_builtins_object__"})
_PLACEHOLDER = "__record_field_{}__"
_FACTORY = "__record_factory_{}__"
_shapes: dict[tuple[bool, int, tuple[int, ...], bool], CodeType] = {}


def _init_is_ours(cls: type, options: dict[str, Any]) -> bool:
    """Whether every field of ``cls`` is a plain ``__init__`` parameter (read from the class body).

    Conservative: anything ``dataclass`` treats specially in ``__init__`` goes to it.
    """
    # A dataclass base: looked for in the bases' own namespaces first, so that a lazily described record base
    # is not described by the look (``hasattr`` would read it); then as ``dataclass`` finds it.
    if (options.get("kw_only") or "__init__" in cls.__dict__
            or (options.get("frozen") and ("__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__))
            or any("__dataclass_fields__" in base.__dict__ for base in cls.__mro__[1:])
            or any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:])):
        return False
    annotations = cls.__dict__.get("__annotations__", {})
    # One test over all names and one over all annotations' texts (joined by a newline, which no name
    # or word holds: a word is found in the joined text exactly when one annotation holds it).
    if not _TEMPLATE_NAMES.isdisjoint(annotations) or "\n__record_" in "\n" + "\n".join(annotations):
        return False
    texts = "\n".join(map(str, annotations.values()))
    if "ClassVar" in texts or "InitVar" in texts or "KW_ONLY" in texts:  # annotations dataclass treats specially
        return False
    real_fields = "dataclasses" in sys.modules  # else no dataclasses.Field exists (a plan run's case)
    namespace = cls.__dict__
    for name in annotations:
        value: Any = namespace.get(name)
        if ((isinstance(value, FieldSpec) or (real_fields and _is_real_field(value)))
                and (not value.init or value.kw_only is True)):
            return False
    return True


def _shape_code(frozen: bool, count: int, factories: tuple[int, ...], post_init: bool) -> CodeType:
    """The code of ``__init__`` for one shape, as ``dataclass`` writes it, with placeholder names.

    The shapes natpolicy's own classes use come compiled with ``natpolicy.record_shapes`` (from its
    ``.pyc``, as any module's code): compiling them here cost every run about 25 M instructions, the
    largest step of a small plan's start-up. Their code is the same object ``exec`` makes of
    :func:`shape_source` (``tests/test_records.py`` compares them); any other shape is compiled here.
    """
    key = (frozen, count, factories, post_init)
    code = _shapes.get(key)
    if code is not None:
        return code
    from natpolicy.record_shapes import SHAPES

    made = SHAPES.get(key)
    if made is not None:
        # The module's file and line would show in a traceback through __init__: give exec's.
        code = _inner_code(made).replace(co_filename="<string>", co_firstlineno=2)
    else:
        namespace: dict[str, Any] = {}
        exec(shape_source(*key), {}, namespace)
        code = _inner_code(namespace["__create_fn__"])
    _shapes[key] = code
    return code


def _placeholders(count: int) -> tuple[str, ...]:
    """``__record_field_0__`` ... for ``count`` fields (made once per count)."""
    made = _placeholder_names.get(count)
    if made is None:
        made = _placeholder_names[count] = tuple(_PLACEHOLDER.format(i) for i in range(count))
    return made


_placeholder_names: dict[int, tuple[str, ...]] = {}


def _inner_code(create_fn: Any) -> CodeType:
    return next(const for const in create_fn.__code__.co_consts if isinstance(const, CodeType))


def shape_source(frozen: bool, count: int, factories: tuple[int, ...], post_init: bool) -> str:
    """``__create_fn__``, which makes the ``__init__`` of one shape (``dataclass``'s lines, placeholder names)."""
    params, lines = ["self"], []
    for index in range(count):
        name = _PLACEHOLDER.format(index)
        params.append(name)
        value = (f"{_FACTORY.format(index)}() if {name} is _HAS_DEFAULT_FACTORY else {name}"
                 if index in factories else name)
        lines.append(f"__dataclass_builtins_object__.__setattr__(self,{name!r},{value})" if frozen
                     else f"self.{name}={value}")
    if post_init:
        lines.append("self.__post_init__()")
    outer = ["_HAS_DEFAULT_FACTORY", "__dataclass_builtins_object__", *(_FACTORY.format(i) for i in factories)]
    body = "\n".join(f"  {line}" for line in lines or ["pass"])
    return f"def __create_fn__({', '.join(outer)}):\n def __init__({','.join(params)}):\n{body}\n return __init__\n"


def _add_init(cls: Any, fields: tuple[FieldSpec, ...], frozen: bool, slots: bool,
              had_doc: bool) -> None:
    """``__init__`` (and a frozen class's guards) as ``dataclass`` would have added them."""
    seen_default: FieldSpec | None = None
    for f in fields:  # dataclass's own check, with its words (3.13 names the default too)
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = f
        elif seen_default is not None:
            after = f" {seen_default.name!r}" if sys.version_info >= (3, 13) else ""
            raise TypeError(f"non-default argument {f.name!r} follows default argument{after}")
    factories = tuple(i for i, f in enumerate(fields) if f.default_factory is not MISSING)
    post_init = hasattr(cls, "__post_init__")
    code = _shape_code(frozen, len(fields), factories, post_init)
    # Each placeholder becomes its field's name; any other name or constant stays (``names.get(n, n)``,
    # by ``map`` over the sequence twice: no generator per tuple). The keys are all strings, so a
    # constant that is not one (``None``, a code object) equals none of them and stays as it is.
    names = dict(zip(_placeholders(len(fields)), [f.name for f in fields], strict=True))
    get = names.get
    renamed: dict[str, Any] = {"co_name": "__init__",
                               "co_varnames": tuple(map(get, code.co_varnames, code.co_varnames)),
                               "co_names": tuple(map(get, code.co_names, code.co_names)),
                               "co_consts": tuple(map(get, code.co_consts, code.co_consts))}
    if sys.version_info >= (3, 11):
        renamed["co_qualname"] = f"{cls.__qualname__}.__init__"
    code = code.replace(**renamed)
    outer = {"_HAS_DEFAULT_FACTORY": _HAS_DEFAULT_FACTORY, "__dataclass_builtins_object__": object,
             **{_FACTORY.format(i): fields[i].default_factory for i in factories}}
    module = sys.modules.get(cls.__module__)
    init = FunctionType(code, module.__dict__ if module else {}, "__init__",
                        tuple([_HAS_DEFAULT_FACTORY if f.default is MISSING else f.default
                               for f in fields if f.default is not MISSING
                               or f.default_factory is not MISSING]) or None,
                        tuple([CellType(outer[name]) for name in code.co_freevars]))
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    cls.__init__ = _named(init, cls, "__init__")
    if frozen:
        _add_frozen(cls, tuple(f.name for f in fields), slots)
    if not had_doc:  # dataclass describes an undocumented class by its __init__'s signature
        text_sig = _signature_text(init, fields)
        if text_sig is None:
            try:
                import inspect

                text_sig = str(inspect.signature(cls)).replace(" -> None", "")
            except (TypeError, ValueError):
                text_sig = ""
        cls.__doc__ = cls.__name__ + text_sig


def _signature_text(init: Any, fields: tuple[FieldSpec, ...]) -> str | None:
    """``str(inspect.signature(cls)).replace(" -> None", "")`` for the ``__init__`` above, or ``None``: ask inspect.

    Only for string annotations (a module with ``from __future__ import annotations``), which
    ``inspect`` shows as their ``repr``; a default shows as ``= repr(default)``, a factory's as
    ``<factory>`` (its marker's ``repr``). Building ``inspect.Signature`` cost 320,000 instructions a class.
    """
    parts = []
    for made, default in zip(fields, [None] * (len(fields) - len(init.__defaults__ or ())) + list(
            init.__defaults__ or ()), strict=True):
        if not isinstance(made.type, str):
            return None
        part = f"{made.name}: {made.type!r}"
        if made.default is not MISSING or made.default_factory is not MISSING:
            part += f" = {default!r}"
        parts.append(part)
    return f"({', '.join(parts)}) -> None".replace(" -> None", "")


def _add_frozen(cls: Any, names: tuple[str, ...], slots: bool) -> None:
    """``dataclass``'s frozen guards, as closures; slotted classes pickle by their fields' values."""
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses_module().FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses_module().FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    cls.__setattr__ = _named(__setattr__, cls, "__setattr__")
    cls.__delattr__ = _named(__delattr__, cls, "__delattr__")
    if slots:
        # dataclass's _add_slots gives a frozen slotted class these (pickle would otherwise set
        # the slots through the guard above).
        if "__getstate__" not in cls.__dict__:
            cls.__getstate__ = _getstate
        if "__setstate__" not in cls.__dict__:
            cls.__setstate__ = _setstate


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses_module().fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses_module().fields(self), state, strict=False):  # as dataclass reads it
        object.__setattr__(self, f.name, value)


def _record_decorator(cls: type | None = None, /, **options: Any) -> Any:
    if cls is None:
        return lambda inner: _record(inner, dict(options))
    return _record(cls, options)


if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from dataclasses import field, replace
elif _FIELDS_ONLY:
    from natpolicy.record_fields import field, replace

    record = _record_decorator
else:
    from dataclasses import field, replace

    record = _record_decorator
