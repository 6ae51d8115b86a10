"""The fast plan decode keeps each configuration block's ``expressions`` raw until a resource's are first read.

``plan_structs.ConfigBlock`` holds them as msgspec ``Raw`` bytes, and a
``PlanResource`` asks the plan's ``ConfigIndex`` for its ``expressions`` (and
its ``references``) when first read, which decodes them then. These tests hold that laziness to being
invisible: the same values as the reference decode (``json.loads``), even
where msgspec's own decode would refuse what its skipping accepted, one
shared object per block, the same ``repr``, and a pickle or copy that is a
plain ``Resource``. The decoders' whole-plan equivalence is
``test_plan_decoding.py``'s.
"""
from __future__ import annotations

import copy
import json
import math
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PlanBuilder
from natpolicy.loaders import plan_fast
from natpolicy.loaders.plan_json import load_plan
from natpolicy.loaders.plan_resource import PlanResource
from natpolicy.model import Resource

pytestmark = pytest.mark.skipif("msgspec" not in plan_fast.BACKENDS, reason="msgspec is not installed here")

plan_structs = pytest.importorskip("natpolicy.loaders.plan_structs")


def _load(path: Path, backend: str) -> dict[str, Resource]:
    saved = plan_fast.BACKEND
    plan_fast.BACKEND = backend
    try:
        return {r.address: r for r in load_plan(str(path))}
    finally:
        plan_fast.BACKEND = saved


def _doc() -> dict[str, Any]:
    return (PlanBuilder()
            .create("aws_route.r", {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0"},
                    expressions={"nat_gateway_id": {"references": ["aws_nat_gateway.n.id", "aws_nat_gateway.n"]}})
            .noop("aws_vpc.main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"})
            .noop("aws_subnet.s[0]", {"id": "subnet-0", "vpc_id": "vpc-1"})
            .noop("aws_subnet.s[1]", {"id": "subnet-1", "vpc_id": "vpc-1"})
            .noop("module.net.aws_eip.e", {"id": "eipalloc-1"})
            .build())


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_expressions_stay_raw_until_read_and_read_as_the_reference_does(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc())
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    assert plan_fast.decode(path.read_bytes()) is not None  # the fast path reads this plan
    subnet = fast["aws_subnet.s[0]"]
    assert isinstance(subnet, PlanResource) and subnet.expressions_pending and subnet.references_pending
    index = subnet.plan_config.index
    assert index is not None
    block = index.blocks["aws_subnet.s"]
    assert isinstance(block, plan_structs.ConfigBlock)
    assert isinstance(block.expressions, plan_structs.msgspec.Raw)  # nothing has read them yet
    for address, res in fast.items():
        assert res.expressions == reference[address].expressions, address
    assert not isinstance(block.expressions, plan_structs.msgspec.Raw)
    assert not subnet.expressions_pending and subnet.references_pending  # each field asked for on its own
    for address, res in fast.items():
        assert res.references == reference[address].references, address
        assert type(res.references) is type(reference[address].references)  # a LazyReferences, as the join gives
    assert not subnet.references_pending
    # count twins share their block's one decoded object, as they share its dict in the reference decode
    assert fast["aws_subnet.s[0]"].expressions is fast["aws_subnet.s[1]"].expressions
    assert reference["aws_subnet.s[0]"].expressions is reference["aws_subnet.s[1]"].expressions


def test_a_resource_without_a_block_and_a_block_without_an_object_read_none(tmp_path: Path) -> None:
    doc = _doc()
    blocks = doc["configuration"]["root_module"]["resources"]
    blocks[:] = [b for b in blocks if b["address"] != "aws_vpc.main"]
    for block in blocks:
        if block["address"] == "aws_route.r":
            block["expressions"] = ["not", "an", "object"]
        elif block["address"] == "aws_subnet.s":
            del block["expressions"]
    path = _write(tmp_path, doc)
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    assert plan_fast.decode(path.read_bytes()) is not None
    for address in ("aws_vpc.main", "aws_route.r", "aws_subnet.s[0]"):
        assert fast[address].expressions is None and reference[address].expressions is None, address
    assert fast["aws_route.r"].references == reference["aws_route.r"].references


def test_a_number_msgspec_refuses_to_decode_reads_as_json_loads_reads_it(tmp_path: Path) -> None:
    # msgspec skips 1e999 while it reads the plan, and refuses it when it decodes it: the expressions are then
    # read by json.loads (inf), as the reference decode reads the whole plan.
    doc = _doc()
    for block in doc["configuration"]["root_module"]["resources"]:
        if block["address"] == "aws_vpc.main":
            block["expressions"]["big"] = {"constant_value": "BIG"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc).replace('"BIG"', "1e999"), encoding="utf-8")
    assert plan_fast.decode(path.read_bytes()) is not None
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    value = fast["aws_vpc.main"].expressions["big"]["constant_value"]  # type: ignore[index]
    assert math.isinf(value) and value == reference["aws_vpc.main"].expressions["big"]["constant_value"]  # type: ignore[index]


def _nested(depth: int) -> Any:
    return plan_structs.msgspec.Raw(b"[" * depth + b"]" * depth)


def _deep_call(frames: int, raw: Any) -> Any:
    if frames:
        return _deep_call(frames - 1, raw)
    return plan_structs.decode_lazily(raw)


def test_a_part_nested_near_the_limit_decodes_from_deep_in_a_rule() -> None:
    # A part the plan's decode read within the nesting limit is decoded later from deeper in the stack, where
    # msgspec's own limit (counted in the interpreter's frames) would refuse it: json.loads reads it then.
    depth = sys.getrecursionlimit() - 100
    raw = _nested(depth)
    with pytest.raises(RecursionError):
        _deep_call_msgspec(150, raw)  # what decode_lazily meets first there
    value = _deep_call(150, raw)
    for _ in range(depth - 1):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == []
    assert sys.getrecursionlimit() == depth + 100  # restored


def _deep_call_msgspec(frames: int, raw: Any) -> Any:
    if frames:
        return _deep_call_msgspec(frames - 1, raw)
    return plan_structs.decode_any(raw)


def test_repr_pickle_and_copy_of_a_lazy_resource_are_those_of_a_resource(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc())
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    res = fast["aws_subnet.s[0]"]
    assert type(res) is not Resource and isinstance(res, Resource)
    assert repr(res).startswith("Resource(address='aws_subnet.s[0]'")
    assert repr(res) == repr(reference["aws_subnet.s[0]"])
    for twin in (pickle.loads(pickle.dumps(fast["aws_route.r"])), copy.copy(fast["aws_route.r"])):
        assert type(twin) is Resource
        assert twin.expressions == reference["aws_route.r"].expressions
        assert repr(twin) == repr(reference["aws_route.r"])


def test_setting_a_field_replaces_what_the_configuration_would_give(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc())
    res = _load(path, "msgspec")["aws_route.r"]
    res.expressions = {"set": {"constant_value": 1}}
    res.references = {"set": ("aws_vpc.main",)}
    assert res.expressions == {"set": {"constant_value": 1}} and res.references == {"set": ("aws_vpc.main",)}
    res.expressions = None
    assert res.expressions is None


def test_module_calls_resolve_through_the_typed_configuration(tmp_path: Path) -> None:
    # A module call's sources and the references through its variables and outputs, on both decoders.
    doc = (PlanBuilder()
           .module_call("module.net", source="./modules/net", inputs={"vpc": {"references": ["aws_vpc.main.id"]}},
                        outputs={"table": ["aws_route_table.t.id", "aws_route_table.t"]})
           .create("module.net.aws_route.r", {"route_table_id": "rtb-1"},
                   refs={"route_table_id": ["aws_route_table.t.id", "aws_route_table.t"]})
           .noop("module.net.aws_route_table.t", {"id": "rtb-1"}, refs={"vpc_id": ["var.vpc"]})
           .noop("aws_vpc.main", {"id": "vpc-1"})
           .create("aws_route.root", {"route_table_id": "rtb-1"}, refs={"route_table_id": ["module.net.table"]})
           .build())
    path = _write(tmp_path, doc)
    assert plan_fast.decode(path.read_bytes()) is not None
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    for address in fast:
        for name in ("expressions", "references", "module_sources"):
            assert getattr(fast[address], name) == getattr(reference[address], name), (address, name)
    assert fast["module.net.aws_route.r"].module_sources == ("./modules/net",)
    assert dict(fast["module.net.aws_route.r"].references) == {"route_table_id": ("module.net.aws_route_table.t",)}
    assert dict(fast["aws_route.root"].references) == {"route_table_id": ("module.net.aws_route_table.t",)}
    assert dict(fast["module.net.aws_route_table.t"].references) == {"vpc_id": ("aws_vpc.main",)}


@pytest.mark.parametrize("configuration", [
    "not an object",
    {"root_module": "not an object"},
    {"root_module": {"resources": ["not a block"]}},
    {"root_module": {"resources": {"not": "a list"}}},
    {"root_module": {"module_calls": {"net": "not a call"}}},
    {"root_module": {"module_calls": {"net": {"module": ["not a module"]}}}},
])
def test_a_configuration_of_another_shape_goes_to_the_reference_decode(tmp_path: Path, configuration: Any) -> None:
    # The reference passes over such parts; the typed decode declines the plan, so the reference reads it.
    doc = _doc()
    doc["configuration"] = configuration
    path = _write(tmp_path, doc)
    assert plan_fast.decode(path.read_bytes()) is None
    fast, reference = _load(path, "msgspec"), _load(path, "json")
    assert [repr(r) for r in fast.values()] == [repr(r) for r in reference.values()]
