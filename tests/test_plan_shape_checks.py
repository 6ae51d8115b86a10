"""The per-type attribute checks' quick pass agrees with the checks that explain (``loaders.plan_shapes``).

Every attribute of every shape, and of every block inside one, is given each
of a set of values of every JSON kind (and ``UNKNOWN``); the quick pass must
find nothing exactly when ``shape_problems`` has nothing to say.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from natpolicy.loaders import plan_shapes
from natpolicy.model import UNKNOWN, Resource

_SAMPLES: list[Any] = [
    None, UNKNOWN, True, False, 0, 22, -1, 70000, 22.0, 22.5, math.nan, math.inf, "", "true", " FALSE ", "yes",
    " 22", "-1", "tcp", "0.0.0.0/0", [], ["0.0.0.0/0"], ["a", None, UNKNOWN], ["a", 1], [{}], {}, {"a": 1}, [UNKNOWN],
]


def _variants(shape: plan_shapes.Shape) -> Iterator[Any]:
    """Each sample, and for a list of blocks also blocks holding each variant of each of their attributes."""
    yield from _SAMPLES
    if not isinstance(shape, str):
        for name, inner in shape.items():
            for value in _variants(inner):
                yield [{name: value}]
                yield [UNKNOWN, {name: value}, "x"]


@pytest.mark.parametrize("kind", sorted(plan_shapes.SHAPES))
def test_the_quick_pass_finds_nothing_exactly_when_the_explaining_checks_find_nothing(kind: str) -> None:
    shape = plan_shapes.SHAPES[kind]
    for name, attribute_shape in shape.items():
        for value in _variants(attribute_shape):
            values = {name: value}
            quick = plan_shapes.no_shape_problems(values, shape)
            assert quick == (not list(plan_shapes.shape_problems(values, shape))), (name, value)


def _volume(before: Any, after: Any) -> Resource:
    return Resource(address="aws_ebs_volume.v", type="aws_ebs_volume", name="v", before=before, after=after)


def test_one_object_on_both_sides_is_checked_once_and_reported_once() -> None:
    # A no-op's two sides are one object (the fast decode shares them): the same problems as two equal copies.
    shared = {"encrypted": "yes", "snapshot_id": 5}
    assert plan_shapes.resource_problems(_volume(shared, shared)) == \
        plan_shapes.resource_problems(_volume(dict(shared), dict(shared))) == \
        ["`encrypted` is a JSON string, not a boolean", "`snapshot_id` is a JSON number, not a string"]
    assert plan_shapes.resource_problems(_volume({"encrypted": True}, {"encrypted": True})) == []


@pytest.mark.parametrize("side", ["before", "after"])
def test_a_problem_on_one_side_of_two_objects_is_still_found(side: str) -> None:
    good, bad = {"encrypted": True}, {"encrypted": [True]}
    resource = _volume(bad, good) if side == "before" else _volume(good, bad)
    assert plan_shapes.resource_problems(resource) == ["`encrypted` is a JSON array, not a boolean"]


def _expected(resources: list[Resource]) -> list[tuple[str, list[str]]]:
    return [(r.address, p) for r in resources if (p := plan_shapes.resource_problems(r))]


def _batched(resources: list[Resource]) -> list[tuple[str, list[str]]]:
    found = {id(r): (r.address, p) for r, p in plan_shapes.problem_resources(resources)}
    return [found[id(r)] for r in resources if id(r) in found]


@pytest.mark.parametrize("kind", sorted(plan_shapes.SHAPES))
def test_the_column_pass_reports_exactly_what_each_resource_alone_does(kind: str) -> None:
    # Each variant in a column of plain resources of the same type, on either side or both:
    # the batch must name the same resources with the same problems, in the same words.
    shape = plan_shapes.SHAPES[kind]
    plain = Resource(address=f"{kind}.plain", type=kind, name="plain", before=None, after={})
    for name, attribute_shape in shape.items():
        for i, value in enumerate(_variants(attribute_shape)):
            values = {name: value}
            resources = [
                plain,
                Resource(address=f"{kind}.both{i}", type=kind, name="both", before=values, after=values),
                Resource(address=f"{kind}.after{i}", type=kind, name="after", before={}, after=dict(values)),
                Resource(address=f"{kind}.before{i}", type=kind, name="before", before=dict(values), after=None),
            ]
            assert _batched(resources) == _expected(resources), (name, value)
            assert _batched([plain, resources[2]]) == _expected([plain, resources[2]]), (name, value)


def test_the_column_pass_reads_every_side_and_only_dicts() -> None:
    class Values(dict):  # type: ignore[type-arg]
        pass

    good = _volume({"encrypted": True}, {"encrypted": "true"})
    odd = [
        _volume({"encrypted": 1}, {"encrypted": True}),             # the before side of two objects
        _volume(Values(encrypted=[]), None),                        # a dict subclass is still read
        _volume(["not", "a", "dict"], {"encrypted": " FALSE "}),  # a side that is no object is passed over
    ]
    for resource in odd:
        assert _batched([good, resource]) == _expected([good, resource]), resource
    assert _batched([good, *odd]) == _expected([good, *odd]) != []
    routes = [Resource(address=f"aws_route_table.r{i}", type="aws_route_table", name="r", before=None,
                       after={"route": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": v}]})
              for i, v in enumerate(["nat-1", None, UNKNOWN, 7])]
    assert _batched(routes) == _expected(routes) == [
        ("aws_route_table.r3", ["`route[0].nat_gateway_id` is a JSON number, not a string"])]


def test_resources_of_types_that_fail_come_by_type_in_order_of_first_appearance() -> None:
    def route(i: int, target: Any) -> Resource:
        return Resource(address=f"aws_route.r{i}", type="aws_route", name="r", after={"nat_gateway_id": target})

    resources = [route(1, 1), _volume(None, {"encrypted": []}), Resource(address="aws_vpc.v", type="aws_vpc",
                 name="v", after={"id": "vpc-1"}), route(2, "nat-1"), route(3, []), _volume({"encrypted": 0}, None),
                 Resource(address="aws_eip.e", type="aws_eip", name="e", after={"id": 5})]
    found = [(r.address, p) for r, p in plan_shapes.problem_resources(iter(resources))]
    assert found == [(r.address, p) for kind in ("aws_route", "aws_ebs_volume") for r in resources
                     if r.type == kind and (p := plan_shapes.resource_problems(r))]
    assert [address for address, _ in found] == ["aws_route.r1", "aws_route.r3", "aws_ebs_volume.v", "aws_ebs_volume.v"]
