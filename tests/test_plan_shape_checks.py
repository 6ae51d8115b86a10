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
from natpolicy.model import UNKNOWN

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
