"""``natpolicy.records.record`` keeps every contract ``dataclasses.dataclass`` gives.

Each check builds the same class twice, once with ``dataclass`` and once with ``record``, and
holds the two together: ``repr`` text, ``==``/``!=`` and ``NotImplemented``, hash values (the
same, so sets iterate alike), unhashable mutable classes, frozen assignment, ``replace``,
``fields``, ``asdict``, ``__match_args__``, slots, pickling and copying, subclassing, the
``__init__`` signature, annotations, defaults and default factories, ``__post_init__``, the class
docstring, and the classes ``record`` hands to ``dataclass`` whole. The last tests do the same for
every ``record`` class natpolicy defines.
"""
from __future__ import annotations

import builtins
import copy
import dataclasses
import importlib
import inspect
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from natpolicy import record_shapes, records
from natpolicy.records import record

ROOTS = {"natpolicy": Path(__file__).resolve().parents[1] / "checker",
         "natpolicy.policies": Path(__file__).resolve().parents[1] / "policies"}
PARAMS = ("init", "repr", "eq", "order", "unsafe_hash", "frozen")


def _pair(annotations: dict[str, str], namespace: dict[str, Any] | None = None,
          bases: tuple[tuple[type, type], ...] = (), **options: Any) -> tuple[Any, Any]:
    """The class ``Thing`` made by ``dataclass`` and by ``record`` from one body."""
    made = []
    for side, decorate in enumerate((dataclasses.dataclass, record)):
        body = {"__annotations__": dict(annotations), "__qualname__": "Thing",
                "__module__": __name__, **(namespace or {})}
        cls = type("Thing", tuple(pair[side] for pair in bases), body)
        made.append(decorate(cls, **options))
    return made[0], made[1]


SHAPES: list[tuple[dict[str, str], dict[str, Any]]] = [
    ({}, {}),
    ({"a": "int"}, {}),
    ({"a": "int", "b": "str"}, {"b": "x"}),
    ({"a": "int", "b": "list", "c": "str"},
     {"b": dataclasses.field(default_factory=list, compare=False),
      "c": dataclasses.field(default="c", repr=False)}),
    ({"a": "int", "b": "int"}, {"b": dataclasses.field(default=0, hash=False)}),
    ({"a": "int", "b": "int"}, {"b": dataclasses.field(default=0, compare=False, hash=True)}),
    ({"a": "int", "b": "dict", "c": "int", "d": "set"},
     {"b": dataclasses.field(default_factory=dict), "c": 3, "d": dataclasses.field(default_factory=set),
      "__doc__": "Documented: dataclass leaves the docstring alone."}),
]
OPTIONS = [dict(frozen=f, slots=s, eq=e, repr=r) for f in (False, True) for s in (False, True)
           for e in (True, False) for r in (True, False)]


def _shown(value: Any) -> str:
    """``repr`` without the address ``object.__repr__`` shows (for ``repr=False``)."""
    return re.sub(r" at 0x[0-9a-f]+>$", ">", repr(value))


def _values(cls: type, shift: int = 0) -> dict[str, Any]:
    return {f.name: (f"v{i + shift}" if i % 2 else i + shift) for i, f in enumerate(dataclasses.fields(cls))}


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("shape", range(len(SHAPES)))
def test_record_behaves_as_dataclass(shape: int, options: dict[str, Any]) -> None:
    annotations, namespace = SHAPES[shape]
    plain, ours = _pair(annotations, namespace, **options)
    for attr in PARAMS:
        assert getattr(ours.__dataclass_params__, attr) == getattr(plain.__dataclass_params__, attr)
    _same_init(ours, plain)
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(plain)]
    assert ours.__match_args__ == plain.__match_args__
    assert getattr(ours, "__slots__", None) == getattr(plain, "__slots__", None)
    assert (ours.__hash__ is None) == (plain.__hash__ is None)
    assert (ours.__hash__ is object.__hash__) == (plain.__hash__ is object.__hash__)

    a, b, c = _values(plain), _values(plain), _values(plain, shift=7)
    pa, pb, pc = plain(**a), plain(**b), plain(**c)
    oa, ob, oc = ours(**a), ours(**b), ours(**c)
    assert _shown(oa) == _shown(pa)
    assert (oa == ob, oa == oc, oa != ob, oa != oc) == (pa == pb, pa == pc, pa != pb, pa != pc)
    assert ours.__eq__(oa, pa) is plain.__eq__(pa, oa)  # another class: NotImplemented if eq
    assert (oa == pa) is False
    if plain.__hash__ not in (None, object.__hash__):
        assert (hash(oa), hash(oc)) == (hash(pa), hash(pc))
    assert dataclasses.asdict(oa) == dataclasses.asdict(pa)
    assert _shown(dataclasses.replace(oa, **c)) == _shown(dataclasses.replace(pa, **c))
    for copied, original in ((copy.copy(oa), oa), (copy.deepcopy(oa), oa)):  # frozen slots: __setstate__
        assert type(copied) is ours and dataclasses.asdict(copied) == dataclasses.asdict(original)
    required = {f.name: a[f.name] for f in dataclasses.fields(plain)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    assert dataclasses.asdict(ours(**required)) == dataclasses.asdict(plain(**required))
    for f in dataclasses.fields(plain):
        if f.default_factory is not dataclasses.MISSING:  # a new value each time, as dataclass makes
            assert getattr(ours(**required), f.name) is not getattr(ours(**required), f.name)
    if a:
        name = next(iter(a))
        if options["frozen"]:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(oa, name, 1)
            with pytest.raises(dataclasses.FrozenInstanceError):
                delattr(oa, name)
            if not options["slots"]:  # (3.11's slotted dataclass raises TypeError here: see records)
                with pytest.raises(dataclasses.FrozenInstanceError):
                    oa.unknown = 1
                with pytest.raises(dataclasses.FrozenInstanceError):
                    pa.unknown = 1
        else:
            setattr(oa, name, 99)
            setattr(pa, name, 99)
            assert _shown(oa) == _shown(pa)


def _their_marker(value: Any) -> Any:
    """``record``'s default-factory marker read as ``dataclass``'s (the same ``<factory>``, not the same object:
    ``record`` does not import ``dataclasses`` to write an ``__init__``)."""
    return dataclasses._HAS_DEFAULT_FACTORY if value is records._HAS_DEFAULT_FACTORY else value  # type: ignore[attr-defined]


def _defaults(fn: Any) -> tuple[Any, Any]:
    return (None if fn.__defaults__ is None else tuple(map(_their_marker, fn.__defaults__))), fn.__kwdefaults__


def _signature(fn: Any) -> inspect.Signature:
    signature = inspect.signature(fn)
    return signature.replace(parameters=[p.replace(default=_their_marker(p.default))
                                         for p in signature.parameters.values()])


def test_the_factory_marker_shows_as_dataclass_shows_its_own() -> None:
    assert repr(records._HAS_DEFAULT_FACTORY) == repr(dataclasses._HAS_DEFAULT_FACTORY) == "<factory>"  # type: ignore[attr-defined]


def _same_init(ours: Any, plain: Any) -> None:
    """The ``__init__`` ``dataclass`` writes and the one ``record`` gives, and the class docstring."""
    mine, theirs = ours.__init__, plain.__init__
    assert _signature(mine) == _signature(theirs)
    assert mine.__annotations__ == theirs.__annotations__
    assert _defaults(mine) == _defaults(theirs)
    assert (mine.__name__, mine.__qualname__, mine.__module__) == (
        theirs.__name__, theirs.__qualname__, theirs.__module__)
    assert mine.__globals__ is theirs.__globals__  # where get_type_hints resolves the annotations
    assert ours.__doc__ == plain.__doc__


def test_post_init_runs_last_as_in_dataclass() -> None:
    def check(self: Any) -> None:
        if self.a < 0:
            raise ValueError(f"negative {self.b!r}")
    for frozen in (False, True):
        plain, ours = _pair({"a": "int", "b": "list"},
                            {"b": dataclasses.field(default_factory=list), "__post_init__": check},
                            frozen=frozen, slots=frozen)
        _same_init(ours, plain)
        assert repr(ours(1)) == repr(plain(1)) == "Thing(a=1, b=[])"
        for side in (ours, plain):
            with pytest.raises(ValueError, match=r"^negative \[\]$"):
                side(-1)


def test_a_field_without_default_after_one_with_is_refused_in_dataclass_words() -> None:
    messages = []
    for decorate in (dataclasses.dataclass, record):
        cls = type("Thing", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1, "__module__": __name__})
        with pytest.raises(TypeError) as caught:
            decorate(cls, frozen=True)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("non-default argument 'b' follows default argument")


@pytest.mark.parametrize("annotations, namespace", [
    ({"a": int, "b": "str"}, {"b": "x"}),  # an annotation that is not a string: inspect words it
    ({"a": "int", "b": "list[int]", "c": "str"}, {"b": dataclasses.field(default_factory=list), "c": " -> None"}),
    ({"self_": "int", "b": "dict[str, 'int']"}, {"b": dataclasses.field(default_factory=dict)}),
])
def test_an_undocumented_class_is_described_as_dataclass_describes_it(annotations: dict[str, Any],
                                                                        namespace: dict[str, Any]) -> None:
    for options in ({}, {"frozen": True, "slots": True}):
        plain, ours = _pair(annotations, namespace, **options)
        assert ours.__doc__ == plain.__doc__


@pytest.mark.parametrize("annotations, namespace, error", [
    ({"a": "int", "b": "list"}, {"b": []}, ValueError),  # a mutable default
    ({"a": "int"}, {"b": dataclasses.field(default=1)}, TypeError),  # a field without an annotation
], ids=["mutable-default", "unannotated-field"])
def test_refusals_are_dataclass_words(annotations: dict[str, str], namespace: dict[str, Any], error: type) -> None:
    messages = []
    for decorate in (dataclasses.dataclass, record):
        cls = type("Thing", (), {"__annotations__": dict(annotations), **namespace, "__module__": __name__})
        with pytest.raises(error) as caught:
            decorate(cls)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("options", [{"match_args": False}, {"slots": True, "weakref_slot": True},
                                     {"slots": True, "frozen": True, "match_args": False}], ids=str)
def test_the_options_record_passes_on_act_as_in_dataclass(options: dict[str, Any]) -> None:
    plain, ours = _pair({"a": "int", "b": "str"}, {"b": "x", "__doc__": "Doc."}, **options)
    assert hasattr(ours, "__match_args__") == hasattr(plain, "__match_args__")
    assert getattr(ours, "__slots__", None) == getattr(plain, "__slots__", None)
    assert [(f.name, f.type, f.default, f.kw_only, f._field_type) for f in dataclasses.fields(ours)] == [  # noqa: SLF001
        (f.name, f.type, f.default, f.kw_only, f._field_type) for f in dataclasses.fields(plain)]  # noqa: SLF001
    assert repr(ours.__dataclass_params__) == repr(plain.__dataclass_params__)
    assert ours.__doc__ == plain.__doc__
    assert ours(1).b == plain(1).b == "x"


@pytest.mark.parametrize("annotations, namespace, options", [
    ({"a": "int", "b": "int"}, {}, {"kw_only": True}),
    ({"a": "int", "b": "int"}, {"a": dataclasses.field(kw_only=True)}, {}),
    ({"a": "int", "b": "int"}, {"b": dataclasses.field(default=2, init=False)}, {"slots": True}),
    ({"a": "int", "b": "ClassVar[int]"}, {"b": 5}, {}),
    ({"a": "int", "b": "dataclasses.InitVar[int]"}, {"__post_init__": lambda self, b: None}, {}),
    ({"self": "int", "b": "int"}, {}, {}),
    ({"a": "int"}, {"__init__": lambda self, a=0: object.__setattr__(self, "a", a)}, {}),
    ({"a": "int"}, {}, {"init": False}),
], ids=["kw_only", "field-kw_only", "init-false-field", "classvar", "initvar", "self", "own-init", "init-false"])
@pytest.mark.parametrize("frozen", [False, True])
def test_what_record_does_not_write_goes_to_dataclass(annotations: dict[str, str], namespace: dict[str, Any],
                                                      options: dict[str, Any], frozen: bool) -> None:
    plain, ours = _pair(annotations, namespace, frozen=frozen, **options)
    assert _signature(ours.__init__) == _signature(plain.__init__)
    assert ours.__dataclass_params__.init == plain.__dataclass_params__.init
    assert ours.__doc__ == plain.__doc__
    if options.get("init", True):
        values = {name: 1 for name in inspect.signature(plain).parameters}
        assert repr(ours(**values)) == repr(plain(**values))


def test_own_frozen_setattr_is_refused_as_by_dataclass() -> None:
    def guard(self: Any, name: str, value: Any) -> None:
        raise AttributeError(name)
    for decorate in (dataclasses.dataclass, record):
        cls = type("Thing", (), {"__annotations__": {"a": "int"}, "__setattr__": guard, "__module__": __name__})
        with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__"):
            decorate(cls, frozen=True)


def test_a_dataclass_base_goes_to_dataclass_whole() -> None:
    base = _pair({"a": "int"}, frozen=True)
    for frozen in (False, True):
        made = []
        for side, decorate in enumerate((dataclasses.dataclass, record)):
            cls = type("Thing", (base[side],), {"__annotations__": {"b": "int"}, "__module__": __name__})
            try:
                made.append(repr(decorate(cls, frozen=frozen)(1, 2)))
            except TypeError as error:
                made.append(str(error))
        assert made[0] == made[1]


def test_a_shape_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of ``record``: a second class of a shape compiles nothing (``dataclass`` execs three)."""
    compiled: list[str] = []
    real_exec = builtins.exec

    def counting_exec(source: Any, *args: Any) -> Any:
        if re.search(r"def __(init|setattr|delattr)__\(", str(source)):  # (3.13's dataclass execs an empty one)
            compiled.append(str(source))
        return real_exec(source, *args)
    monkeypatch.setattr(records, "_shapes", {})
    monkeypatch.setattr(record_shapes, "SHAPES", {})  # natpolicy's own shapes come compiled
    monkeypatch.setattr(builtins, "exec", counting_exec)
    first, second = (record(type(name, (), {"__annotations__": {name.lower(): "int", "other": "list"},
                                            "other": dataclasses.field(default_factory=list),
                                            "__doc__": name, "__module__": __name__}), frozen=True, slots=True)
                     for name in ("One", "Two"))
    assert len(compiled) == 1
    assert (repr(first(1)), repr(second(2))) == ("One(one=1, other=[])", "Two(two=2, other=[])")
    with pytest.raises(dataclasses.FrozenInstanceError):
        second(2).two = 3


@pytest.mark.parametrize("key", sorted(record_shapes.SHAPES), ids=str)
def test_a_compiled_shape_is_the_code_exec_makes(key: tuple[bool, int, tuple[int, ...], bool]) -> None:
    """``record_shapes`` holds, for each shape, the very code ``exec`` of ``shape_source`` makes (name, file, lines)."""
    namespace: dict[str, Any] = {}
    exec(records.shape_source(*key), {}, namespace)
    made = records._inner_code(namespace["__create_fn__"])  # noqa: SLF001
    stored = records._shape_code(*key)  # noqa: SLF001
    assert stored == made
    assert (stored.co_filename, stored.co_firstlineno, stored.co_flags) == (made.co_filename, made.co_firstlineno,
                                                                             made.co_flags)
    assert stored.co_code == made.co_code and stored.co_linetable == made.co_linetable


def test_record_shapes_is_up_to_date() -> None:
    """Every shape natpolicy's classes use is compiled with the package (``python scripts/record_shapes.py``)."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "record_shapes.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr or "checker/record_shapes.py is stale: run scripts/record_shapes.py"


@pytest.mark.parametrize("frozen", [False, True])
def test_subclass_compares_and_hashes_its_own_fields(frozen: bool) -> None:
    base = _pair({"a": "int"}, frozen=frozen)
    plain, ours = _pair({"b": "int"}, {"b": 2}, bases=(base,), frozen=frozen)
    assert _signature(ours.__init__) == _signature(plain.__init__)
    assert repr(ours(1)) == repr(plain(1)) == "Thing(a=1, b=2)"
    assert (ours(1, 2) == ours(1, 3)) is (plain(1, 2) == plain(1, 3)) is False
    assert (ours(1) == base[1](1)) is (plain(1) == base[0](1)) is False
    if frozen:
        assert hash(ours(1, 2)) == hash(plain(1, 2)) == hash((1, 2))


@pytest.mark.parametrize("frozen", [False, True])
def test_values_equal_only_to_themselves_compare_as_in_dataclass(frozen: bool) -> None:
    """NaN: tuples of one NaN object are equal, the NaN is not equal to itself (3.13 compares so)."""
    nan = float("nan")
    plain, ours = _pair({"a": "float", "b": "int"}, frozen=frozen)
    for left, right in ((nan, nan), (nan, float("nan")), (1.0, 1.0)):
        assert (ours(left, 1) == ours(right, 1)) is (plain(left, 1) == plain(right, 1))
        theirs, mine = plain(left, 1), ours(left, 1)
        assert (mine == mine) is (theirs == theirs) is True


def test_recursive_repr_stops_as_dataclass_does() -> None:
    plain, ours = _pair({"items": "list"}, eq=True)
    p, o = plain([]), ours([])
    p.items.append(p)
    o.items.append(o)
    assert repr(o) == repr(p) == "Thing(items=[...])"


def test_own_methods_and_options_record_does_not_cover_go_to_dataclass() -> None:
    def own_repr(self: Any) -> str:
        return "mine"
    plain, ours = _pair({"a": "int"}, {"__repr__": own_repr}, frozen=True)
    assert repr(ours(1)) == repr(plain(1)) == "mine"
    assert hash(ours(1)) == hash(plain(1))
    plain, ours = _pair({"a": "int"}, order=True)
    assert (ours(1) < ours(2)) is (plain(1) < plain(2)) is True
    plain, ours = _pair({"a": "int"}, unsafe_hash=True)
    assert hash(ours(1)) == hash(plain(1))


@record(frozen=True, slots=True)
class _FrozenSlots:
    a: int
    b: tuple[str, ...] = ()


@record(frozen=True)
class _Frozen:
    a: int
    b: list[int] = dataclasses.field(default_factory=list)


@record
class _Mutable:
    a: int
    b: list[int] = dataclasses.field(default_factory=list)


@pytest.mark.parametrize("value", [_FrozenSlots(1, ("x",)), _Frozen(1, [2]), _Mutable(1, [2])], ids=repr)
def test_pickles_round_trip(value: Any) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol))
        assert back == value and repr(back) == repr(value) and type(back) is type(value)


def _record_classes() -> list[type]:
    """Every class natpolicy declares with ``@record`` (modules found by their source text)."""
    found: list[type] = []
    for package, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            if not re.search(r"^@record\b", path.read_text(encoding="utf-8"), re.M):
                continue
            parts = [p for p in path.relative_to(root).with_suffix("").parts if p != "__init__"]
            module = importlib.import_module(".".join([package, *parts]))
            found += [cls for cls in vars(module).values()
                      if isinstance(cls, type) and cls.__module__ == module.__name__
                      and dataclasses.is_dataclass(cls)]
    return found


def _twin(cls: type) -> Any:
    """``cls`` made again by ``dataclass`` from its fields and options."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    specs = [(f.name, f.type, dataclasses.field(
        default=f.default, default_factory=f.default_factory, init=f.init, repr=f.repr,
        hash=f.hash, compare=f.compare, kw_only=f.kw_only)) for f in dataclasses.fields(cls)]
    namespace = {"__post_init__": cls.__post_init__} if hasattr(cls, "__post_init__") else {}
    return dataclasses.make_dataclass(
        cls.__name__, specs, **{attr: getattr(params, attr) for attr in PARAMS},
        slots="__slots__" in cls.__dict__, namespace=namespace)


def _filled(cls: type, values: dict[str, Any]) -> Any:
    made = cls.__new__(cls)  # BaseException.__new__ for an exception record (natpolicy.rego.engine's errors)
    for name, value in values.items():
        object.__setattr__(made, name, value)
    return made


RECORDS = _record_classes()


def test_natpolicy_uses_record() -> None:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in RECORDS}
    assert {"natpolicy.model.Resource", "natpolicy.findings.Finding",
            "natpolicy.policies.nat._routes.Node"} <= names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_natpolicy_record_matches_its_dataclass_twin(cls: type) -> None:
    twin = _twin(cls)
    for attr in PARAMS:
        assert getattr(cls.__dataclass_params__, attr) == getattr(twin.__dataclass_params__, attr)  # type: ignore[attr-defined]
    assert _signature(cls.__init__) == _signature(twin.__init__)  # type: ignore[misc]
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    assert (cls.__hash__ is object.__hash__) == (twin.__hash__ is object.__hash__)
    assert getattr(cls, "__match_args__", None) == getattr(twin, "__match_args__", None)
    def make(shift: int) -> dict[str, Any]:
        return {f.name: (f"v{i + shift}", i + shift) for i, f in enumerate(dataclasses.fields(cls))}
    ours, same, other = _filled(cls, make(0)), _filled(cls, make(0)), _filled(cls, make(5))
    theirs, their_other = _filled(twin, make(0)), _filled(twin, make(5))
    assert repr(ours).split("(", 1)[1] == repr(theirs).split("(", 1)[1]
    assert repr(ours).startswith(f"{cls.__qualname__}(")
    assert (ours == same, ours == other) == (theirs == _filled(twin, make(0)), theirs == their_other)
    assert cls.__eq__(ours, theirs) is twin.__eq__(theirs, ours)
    if twin.__hash__ not in (None, object.__hash__):
        assert (hash(ours), hash(other)) == (hash(theirs), hash(their_other))


@pytest.mark.parametrize("cls", [cls for cls in RECORDS if (cls.__doc__ or "").startswith(f"{cls.__name__}(")],
                         ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_an_undocumented_natpolicy_record_is_described_as_by_dataclass(cls: type) -> None:
    assert cls.__doc__ == _twin(cls).__doc__


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_natpolicy_record_builds_as_its_dataclass_twin(cls: type) -> None:
    """Through ``__init__``: the same values set, factories called, ``__post_init__`` run (or refusing alike)."""
    twin = _twin(cls)
    mine, theirs = cls.__init__, twin.__init__  # type: ignore[misc]
    assert mine.__annotations__ == theirs.__annotations__
    assert _defaults(mine) == _defaults(theirs)
    assert mine.__qualname__ == f"{cls.__qualname__}.__init__"
    required = [f"v{i}" for i, f in enumerate(dataclasses.fields(cls)) if f.init
                and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    built = []
    for side in (cls, twin):
        try:
            made = side(*required)
        except Exception as error:  # a __post_init__ refusing the placeholder values
            built.append((type(error), str(error)))
        else:
            built.append(tuple(repr(getattr(made, f.name)) for f in dataclasses.fields(cls)))
    assert built[0] == built[1]

