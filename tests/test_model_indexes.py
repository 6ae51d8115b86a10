"""The model's indexes built on first ask (``ResourceModel``): the same answers as scanning every resource.

``get``, ``by_id`` and ``instances`` are built when first asked, the config
addresses per type and only for the types an address can belong to; ``extend``
keeps a built index up to date. Each answer is held here against a scan of the
model's resources in order (what the eager indexes held), on near misses: one
address in two plans, deposed objects, types and names holding dots, a data
source and a managed resource with one config address, and resources added
after a first ask.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from natpolicy.model import Resource, ResourceModel


def _res(address: str, type_: str, name: str, *, origin: str = "a.json", mode: str = "managed", module: str = "",
         deposed: str | None = None, before: Any = None, after: Any = None) -> Resource:
    return Resource(address=address, type=type_, name=name, mode=mode, module=module, deposed=deposed,
                    before=before, after=after, origin=origin)


def _near_misses() -> list[Resource]:
    vpc = _res("aws_vpc.main", "aws_vpc", "main", after={"id": "vpc-1"}, before={"id": "vpc-1"})
    return [
        vpc,
        _res("aws_vpc.main", "aws_vpc", "main", origin="b.json", before={"id": "vpc-2"}),  # one address, two plans
        _res("aws_vpc.main", "aws_vpc", "main", deposed="d1", before={"id": "vpc-0"}),  # a deposed object
        _res("x", "a.b", "c", before={"id": "shared"}),  # config address "a.b.c" ...
        _res("aws_subnet.s", "aws_subnet", "s", before={"id": "shared"}, after={"id": "subnet-9"}),
        _res("y", "a", "b.c", after={"id": "shared"}),  # ... and "a.b.c" again, another type
        _res("data.x.y", "x", "y", mode="data"),  # "data.x.y" ...
        _res("data.x.y", "data", "x.y"),  # ... a managed type "data" writes it too
        _res('module.m["k"].aws_vpc.v', "aws_vpc", "v", module='module.m["k"]', before={"id": ""}),
        _res("module.m.aws_vpc.v", "module", "m.aws_vpc.v", after={"id": 7}),  # "module.m.aws_vpc.v" twice
        _res('module.m["j"].aws_vpc.v', "aws_vpc", "v", module='module.m["j"]', before={"id": "vpc-1"}),
        _res("odd.aws_vpc.w", "aws_vpc", "w", module="odd"),  # a module address without a module step
        _res('module.m["j"].module.n[0].aws_vpc.v', "aws_vpc", "v", module='module.m["j"].module.n[0]'),
        vpc,  # the same object added twice
        _res("aws_vpc.main", "aws_vpc", "main", after={"id": "vpc-3"}),  # a later resource with an earlier key
    ]


def _get_by_scan(resources: list[Resource], address: str, origin: str | None, deposed: str | None) -> Resource | None:
    if origin is not None:
        found = [r for r in resources if (r.origin, r.address, r.deposed) == (origin, address, deposed)]
        return found[-1] if found else None
    first: dict[tuple[str, str, str | None], Resource] = {}
    for r in resources:
        first[(r.origin, r.address, r.deposed)] = r  # the last resource, at its key's first place
    return next((r for (_, a, d), r in first.items() if a == address and d == deposed), None)


def _by_id_by_scan(resources: list[Resource], ident: str) -> list[Resource]:
    out: list[Resource] = []
    for r in resources:
        for side in (r.before,) if r.after is r.before else (r.before, r.after):
            own = side.get("id") if isinstance(side, dict) else None
            if isinstance(own, str) and own and own == ident and (not out or out[-1] is not r):
                out.append(r)
    return out


def _questions(resources: list[Resource]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    origins = sorted({r.origin for r in resources}) + ["c.json"]
    for address in sorted({r.address for r in resources}) + ["aws_vpc.none"]:
        for origin in [*origins, None]:
            for deposed in (None, "d1", "d2"):
                yield "get", (address, origin, deposed)
    for ident in ("vpc-0", "vpc-1", "vpc-2", "vpc-3", "shared", "subnet-9", "", "none"):
        yield "by_id", (ident,)
    for config in sorted({r.config_address for r in resources}) + ["aws_vpc", "a.b", "b.c", "module.m"]:
        for origin in origins:
            yield "instances", (origin, config)


def _answer_by_scan(resources: list[Resource], question: str, args: tuple[Any, ...]) -> Any:
    if question == "get":
        return _get_by_scan(resources, *args)
    if question == "by_id":
        return _by_id_by_scan(resources, *args)
    origin, config = args
    return [r for r in resources if r.origin == origin and r.config_address == config]


def _same(found: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return isinstance(found, list) and len(found) == len(expected) and all(
            f is e for f, e in zip(found, expected, strict=True))
    return found is expected


def _check(model: ResourceModel) -> None:
    for question, args in _questions(model.resources):
        found = getattr(model, question)(*args)
        assert _same(found, _answer_by_scan(model.resources, question, args)), (question, args, found)


def test_every_answer_is_the_scan_of_the_resources_in_model_order() -> None:
    _check(ResourceModel(_near_misses()))


@pytest.mark.parametrize("split", [0, 1, 4, 7, 12, 14])
def test_resources_added_after_a_first_ask_are_in_every_index(split: int) -> None:
    resources = _near_misses()
    model = ResourceModel(resources[:split])
    _check(model)  # every index built (or asked and empty)
    for resource in resources[split:split + 3]:
        model.add(resource)
        _check(model)
    model.extend(resources[split + 3:])
    _check(model)
    assert model.resources == resources


def test_one_at_a_time_and_all_at_once_give_the_same_model() -> None:
    one = ResourceModel()
    for resource in _near_misses():
        one.add(resource)
    _check(one)


def test_a_config_address_of_two_types_is_in_model_order() -> None:
    model = ResourceModel(_near_misses())
    assert [r.address for r in model.instances("a.json", "a.b.c")] == ["x", "y"]
    assert [(r.mode, r.type) for r in model.instances("a.json", "data.x.y")] == [("data", "x"), ("managed", "data")]
    assert [r.type for r in model.instances("a.json", "module.m.aws_vpc.v")] == ["aws_vpc", "module", "aws_vpc"]


def test_only_the_types_an_address_can_belong_to_are_indexed() -> None:
    model = ResourceModel(_near_misses())
    model.instances("a.json", "aws_subnet.s")
    assert set(model._by_config) == {"aws_subnet"}  # noqa: SLF001 - the laziness is what is tested
    model.instances("a.json", "module.m.aws_vpc.v")
    assert set(model._by_config) == {"aws_subnet", "aws_vpc", "module"}  # noqa: SLF001
    model.add(_res("aws_vpc.late", "aws_vpc", "late"))
    assert set(model._by_config) == {"aws_subnet", "module"}  # noqa: SLF001 - rebuilt when next asked
    assert [r.address for r in model.instances("a.json", "aws_vpc.late")] == ["aws_vpc.late"]
