"""``record`` on Python 3.11 describes its fields without ``dataclasses`` until someone asks.

``natpolicy.records.field`` returns a spec there, ``record`` keeps specs, and the class's
``__dataclass_fields__``/``__dataclass_params__`` are built (as ``dataclass`` builds them) on the first
read; ``natpolicy.records.replace`` replaces without them. A plan run then imports neither
``dataclasses`` nor ``inspect``. These hold each step against a ``dataclass`` twin made from the same
body with ``dataclasses.field``: the ``Field`` objects attribute by attribute, the parameters,
``replace`` (before and after the description is built), ``asdict``, pickling, subclassing and the
refusals with their words. ``tests/test_records.py`` holds the methods themselves.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from conftest import FIXTURES, after_fresh_check
from natpolicy import records
from natpolicy.record_fields import Described
from natpolicy.records import record

LAZY = records._FIELDS_ONLY
needs_lazy = pytest.mark.skipif(not LAZY, reason="record describes fields lazily on Python 3.11 only")
FIELD_ATTRS = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare", "metadata",
               "kw_only", "_field_type")
FIXTURE = FIXTURES / "plans" / "nat-deleted.json"
PARAMS = ("init", "repr", "eq", "order", "unsafe_hash", "frozen")


def _spec(made: dataclasses.Field[Any]) -> Any:
    """``records.field`` with the arguments ``made`` was given."""
    kwargs: dict[str, Any] = {"init": made.init, "repr": made.repr, "hash": made.hash, "compare": made.compare,
                              "metadata": dict(made.metadata) or None}
    for name in ("default", "default_factory", "kw_only"):
        if getattr(made, name) is not dataclasses.MISSING:
            kwargs[name] = getattr(made, name)
    return records.field(**kwargs)


def _pair(annotations: dict[str, str], namespace: dict[str, Any], **options: Any) -> tuple[Any, Any]:
    """``Thing`` by ``dataclass`` with ``dataclasses.field`` and by ``record`` with ``records.field``."""
    made = []
    for side, decorate in enumerate((dataclasses.dataclass, record)):
        body = {"__annotations__": dict(annotations), "__qualname__": "Thing", "__module__": __name__}
        for name, value in namespace.items():
            if isinstance(value, dataclasses.Field):
                value = copy.copy(value) if side == 0 else _spec(value)
            body[name] = value
        made.append(decorate(type("Thing", (), body), **options))
    return made[0], made[1]


SHAPES: list[tuple[dict[str, str], dict[str, Any]]] = [
    ({}, {}),
    ({"a": "int", "b": "str"}, {"b": "x"}),
    ({"a": "int", "b": "list", "c": "str"},
     {"b": dataclasses.field(default_factory=list, compare=False),
      "c": dataclasses.field(default="c", repr=False, metadata={"k": 1})}),
    ({"a": "int", "b": "int"}, {"b": dataclasses.field(default=0, compare=False, hash=True)}),
    ({"a": "int", "b": "dict", "c": "int"}, {"b": dataclasses.field(default_factory=dict), "c": 3,
                                            "__doc__": "Documented."}),
]
OPTIONS = [dict(frozen=f, slots=s, eq=e) for f in (False, True) for s in (False, True) for e in (True, False)]


def _described_lazily(cls: type) -> bool:
    return type(vars(cls).get("__dataclass_fields__")) is Described


@needs_lazy
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("shape", range(len(SHAPES)))
def test_fields_and_params_are_dataclasses_own_when_asked(shape: int, options: dict[str, Any]) -> None:
    annotations, namespace = SHAPES[shape]
    plain, ours = _pair(annotations, namespace, **options)
    assert _described_lazily(ours)
    values = {name: index for index, name in enumerate(annotations)}
    changes = {name: -index for index, name in enumerate(annotations) if index % 2}
    # replace before anything has asked for the fields: no description built
    replaced = records.replace(ours(**values), **changes)
    assert _described_lazily(ours)
    assert repr(replaced) == repr(dataclasses.replace(plain(**values), **changes))
    assert repr(records.replace(ours(**values))) == repr(ours(**values))
    # the first read builds both attributes, as dataclass set them
    mine, theirs = dataclasses.fields(ours), dataclasses.fields(plain)
    assert not _described_lazily(ours) and type(vars(ours)["__dataclass_fields__"]) is dict
    assert [[getattr(f, attr) for attr in FIELD_ATTRS] for f in mine] == [
        [getattr(f, attr) for attr in FIELD_ATTRS] for f in theirs]
    assert all(type(f) is dataclasses.Field for f in mine)
    assert [getattr(ours.__dataclass_params__, p) for p in PARAMS] == [
        getattr(plain.__dataclass_params__, p) for p in PARAMS]
    assert list(vars(ours)["__dataclass_fields__"]) == list(vars(plain)["__dataclass_fields__"])
    assert dataclasses.is_dataclass(ours) and dataclasses.is_dataclass(ours(**values))
    assert dataclasses.asdict(ours(**values)) == dataclasses.asdict(plain(**values))
    assert repr(records.replace(ours(**values), **changes)) == repr(replaced)
    for back in (copy.copy(ours(**values)), copy.deepcopy(ours(**values))):  # frozen slots: the state functions
        assert repr(back) == repr(ours(**values)) and type(back) is ours


@needs_lazy
def test_an_instance_read_describes_the_class_too() -> None:
    plain, ours = _pair({"a": "int"}, {}, frozen=True, slots=True)
    made = ours(1)
    assert made.__dataclass_fields__["a"].name == "a"  # type: ignore[attr-defined]
    assert not _described_lazily(ours)
    assert made.__dataclass_params__.frozen is True  # type: ignore[attr-defined]


@needs_lazy
def test_replace_refuses_an_unknown_name_as_dataclasses_does() -> None:
    plain, ours = _pair({"a": "int"}, {})
    with pytest.raises(TypeError) as theirs:
        dataclasses.replace(plain(1), zz=2)
    with pytest.raises(TypeError) as mine:
        records.replace(ours(1), zz=2)
    assert str(mine.value) == str(theirs.value)


@needs_lazy
def test_replace_of_anything_else_is_dataclasses_replace() -> None:
    _, ours = _pair({"a": "int", "b": "int"}, {"b": dataclasses.field(default=0)})

    class Sub(ours):  # type: ignore[misc, valid-type]
        pass

    made = records.replace(Sub(1, 2), a=5)
    assert type(made) is Sub and (made.a, made.b) == (5, 2)
    with pytest.raises(TypeError, match="replace\\(\\) should be called on dataclass instances"):
        records.replace(object())
    plain = dataclasses.make_dataclass("P", [("a", int), ("b", int, dataclasses.field(default=0, init=False))])
    with pytest.raises(ValueError, match="init=False"):
        records.replace(plain(1), b=2)


@needs_lazy
def test_a_record_based_on_a_lazy_record_is_dataclasses_subclass() -> None:
    plain, ours = _pair({"a": "int"}, {})
    sub_plain = dataclasses.dataclass(type("Sub", (plain,), {"__annotations__": {"b": "int"}, "b": 2}))
    sub_ours = record(type("Sub", (ours,), {"__annotations__": {"b": "int"}, "b": 2}))
    assert [f.name for f in dataclasses.fields(sub_ours)] == [f.name for f in dataclasses.fields(sub_plain)]
    assert repr(sub_ours(1)) == repr(sub_plain(1))


@needs_lazy
@pytest.mark.parametrize(("annotations", "namespace", "error"), [
    ({"a": "list"}, {"a": []}, ValueError),  # a mutable default
    ({"a": "int"}, {"b": dataclasses.field(default=1)}, TypeError),  # a field without annotation
    ({"a": "int", "b": "int"}, {"a": dataclasses.field(default=1)}, TypeError),  # no default after a default
])
def test_refusals_are_dataclass_words(annotations: dict[str, str], namespace: dict[str, Any], error: type) -> None:
    with pytest.raises(error) as theirs:
        _pair(annotations, namespace)
    body = {"__annotations__": dict(annotations), "__qualname__": "Thing", "__module__": __name__,
            **{k: _spec(v) if isinstance(v, dataclasses.Field) else v for k, v in namespace.items()}}
    with pytest.raises(error) as mine:
        record(type("Thing", (), body))
    assert str(mine.value) == str(theirs.value)


def test_field_refuses_both_defaults_in_dataclass_words() -> None:
    with pytest.raises(ValueError) as theirs:
        dataclasses.field(default=1, default_factory=list)
    with pytest.raises(ValueError) as mine:
        records.field(default=1, default_factory=list)
    assert str(mine.value) == str(theirs.value)


def test_a_descriptor_default_hears_its_name_once_as_in_dataclass() -> None:
    heard: list[tuple[str, str]] = []

    class Named:
        def __set_name__(self, owner: type, name: str) -> None:
            heard.append((owner.__name__, name))

        __hash__ = object.__hash__

    for make_field, decorate in ((dataclasses.field, dataclasses.dataclass), (records.field, record)):
        default = Named()
        decorate(type("Thing", (), {"__annotations__": {"a": "Named"}, "a": make_field(default=default)}))
    assert heard == [("Thing", "a"), ("Thing", "a")]


def test_a_spec_handed_to_dataclass_becomes_a_field() -> None:
    """Options ``record`` does not write (``order``) go to ``dataclass`` with real ``Field`` objects."""
    plain = dataclasses.dataclass(order=True)(type("T", (), {"__annotations__": {"a": "int", "b": "list"},
                                                              "b": dataclasses.field(default_factory=list)}))
    ours = record(order=True)(type("T", (), {"__annotations__": {"a": "int", "b": "list"},
                                             "b": records.field(default_factory=list)}))
    assert [[getattr(f, a) for a in FIELD_ATTRS] for f in dataclasses.fields(ours)] == [
        [getattr(f, a) for a in FIELD_ATTRS] for f in dataclasses.fields(plain)]
    assert (ours(1) < ours(2)) is True


@needs_lazy
def test_a_plan_run_imports_neither_dataclasses_nor_inspect(tmp_path: Any) -> None:
    """The fixture plan checked to SARIF in a fresh interpreter; then both still work as ever in it."""
    then = (
        "print('@@', sorted(m for m in ('dataclasses', 'inspect', 'typing_extensions') if m in sys.modules))\n"
        "import dataclasses, typing_extensions\n"
        "from natpolicy.model import Resource\n"
        "print('@@', [f.name for f in dataclasses.fields(Resource)][:2], typing_extensions.__name__)\n"
    )
    lines, stderr = after_fresh_check(FIXTURE, tmp_path / "out.sarif", then)
    assert lines == ["@@ []", "@@ ['address', 'type'] typing_extensions"], stderr


@pytest.mark.parametrize("factory", [False, True])
def test_a_spec_a_plain_base_holds_is_handled_as_dataclass_does(factory: bool) -> None:
    """``record`` looks again only at fields whose value ``getattr`` found to be a spec; one that a plain base
    holds is found there too: its default is set on the class, and one without a default is deleted from
    the class, which does not hold it (``AttributeError``), as ``dataclass`` does."""
    outcomes: list[Any] = []
    for make_field, decorate in ((dataclasses.field, dataclasses.dataclass), (records.field, record)):
        base = type("Base", (), {"a": make_field(default=1), "c": 3,
                                 "b": make_field(default_factory=list) if factory else make_field(default=())})
        try:
            made = decorate(type("Thing", (base,), {"__annotations__": {"a": "int", "b": "Any", "c": "int"},
                                                    "__qualname__": "Thing"}))
        except AttributeError as exc:
            outcomes.append(str(exc))
            continue
        outcomes.append((repr(made()), {k: vars(made).get(k, "-") for k in "abc"},
                         [(f.name, f.default) for f in dataclasses.fields(made)]))
    assert outcomes[1] == outcomes[0]
