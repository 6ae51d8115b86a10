"""``ConfigIndex`` spells out a plain ``type.name`` reference instead of asking ``resolve`` (``_resolve_into``).

Every answer must be ``resolve``'s: these tests hold the two together over
names of every shape the fast path must refuse (indexes, empty steps,
modules, variables, data sources, locals...) or take, in the root module and
in modules whose names hold dots or keys, and over whole blocks read through
``references`` and ``attribute_references``.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.loaders.references import ConfigIndex

NAMES = [
    "aws_route_table.rt.id", "aws_route_table.rt", "aws_vpc.main.cidr_block.0", "aws_x.y",
    "aws_x..y", ".aws_x.y", "aws_x", "aws_x.", "aws_x.y[0]", 'aws_x.y["a"].id', "aws_x.y[*].id",
    "data.aws_ami.ubuntu.id", "data.aws_ami", "var.vpc_id", "var", "module.net.vpc_id", "module.net",
    "local.tags", "each.value", "count.index", "path.module", "terraform.workspace", "self.id",
    "module", "data", "", "...", "a.b.c.d.e",
]


def _configuration() -> dict[str, Any]:
    blocks = [{"address": "aws_route.r", "mode": "managed", "type": "aws_route", "name": "r",
               "expressions": {name or "empty": {"references": [name]} for name in NAMES}}]
    child = {"resources": blocks, "outputs": {"vpc_id": {"expression": {"references": ["aws_vpc.v.id"]}}}}
    return {"root_module": {
        "resources": blocks,
        "module_calls": {
            "net": {"module": child, "expressions": {"vpc_id": {"references": ["aws_vpc.outer.id"]}}},
            "a.b": {"module": child},
            'k["x"]': {"module": child},
        }}}


@pytest.mark.parametrize("mpath", [(), ("net",), ("a.b",), ('k["x"]',), ("net", "deeper")])
@pytest.mark.parametrize("name", NAMES)
def test_a_name_resolves_as_resolve_resolves_it(mpath: tuple[str, ...], name: str) -> None:
    index = ConfigIndex(_configuration())
    found: set[str] = set()
    index._resolve_into(mpath, [name], found)  # noqa: SLF001 - the fast path itself, against the slow one
    assert found == set(ConfigIndex(_configuration()).resolve(mpath, name))


@pytest.mark.parametrize("address", ["aws_route.r", "module.net.aws_route.r", "module.a.b.aws_route.r",
                                     'module.k["x"].aws_route.r'])
def test_a_block_reads_what_resolving_each_name_gives(address: str) -> None:
    index = ConfigIndex(_configuration())
    reference = ConfigIndex(_configuration())
    mpath = reference._paths.get(address, ())  # noqa: SLF001
    expected: dict[str, tuple[str, ...]] = {}
    for name in NAMES:
        targets = reference.resolve(mpath, name)
        if targets:
            expected[name or "empty"] = tuple(sorted(targets))
    assert index.references(address) == expected
    fresh = ConfigIndex(_configuration())
    assert {name: fresh.attribute_references(address, name) for name in expected} == expected


@pytest.mark.parametrize("references,expected", [
    (["aws_x.y[0].id", "aws_x.y[0]", "aws_x.y"], ("aws_x.y[0]",)),
    ([1, None, "aws_x.y[0].id", {"a": 1}, "aws_x.y"], ("aws_x.y[0]",)),  # not strings: left out, before the key test
    ([1, "aws_x.y.id", ["aws_z.w"]], ("aws_x.y",)),
    (["aws_x.y.id", "aws_x.y"], ("aws_x.y",)),
    ([], None),
    ([7], None),
])
def test_only_the_string_references_of_an_expression_count(references: list[Any],
                                                           expected: tuple[str, ...] | None) -> None:
    configuration = {"root_module": {"resources": [
        {"address": "aws_route.r", "mode": "managed", "type": "aws_route", "name": "r",
         "expressions": {"route_table_id": {"references": references}}}]}}
    assert ConfigIndex(configuration).attribute_references("aws_route.r", "route_table_id") == expected
