"""The plan's configuration joined to its resources (``plan_json.finish_resources``, ``ConfigIndex``).

The loader spells each resource's config address out (a root module resource's
is its local address; a module's prefix and call sources are read once per
module instance) and reads the block's ``expressions`` from the index's one
dictionary. Held here against the join written the plain way, on near misses:
a root block whose address spells a module block's, blocks without an address
or of the wrong JSON type, data sources, nested and keyed module instances.
"""
from __future__ import annotations

from typing import Any

from natpolicy.address import config_address_of, module_path
from natpolicy.loaders.plan_json import finish_resources
from natpolicy.loaders.references import ConfigIndex
from natpolicy.model import Resource


def _block(address: str | None, type_: str, name: str, expressions: Any, mode: str = "managed") -> dict[str, Any]:
    block: dict[str, Any] = {"mode": mode, "type": type_, "name": name, "expressions": expressions}
    if address is not None:
        block["address"] = address
    return block


def _configuration() -> dict[str, Any]:
    inner = {"resources": [_block("aws_subnet.s", "aws_subnet", "s", {"vpc_id": {"references": ["var.vpc"]}})]}
    module = {
        "resources": [
            _block("aws_vpc.v", "aws_vpc", "v", {"cidr_block": {"constant_value": "10.1.0.0/16"}}),
            _block(None, "aws_ami", "a", {"owners": {"constant_value": ["self"]}}, mode="data"),
        ],
        "outputs": {"vpc_id": {"expression": {"references": ["aws_vpc.v.id", "aws_vpc.v"]}}},
        "module_calls": {"inner": {"source": "./inner", "module": inner,
                                   "expressions": {"vpc": {"references": ["aws_vpc.v.id", "aws_vpc.v"]}}}},
    }
    return {"root_module": {
        "resources": [
            # Spells the module's block address: the module's block, indexed after the root's, wins.
            _block("module.m.aws_vpc.v", "aws_vpc", "shadowed", {"cidr_block": {"constant_value": "root"}}),
            _block("aws_flow_log.f", "aws_flow_log", "f", {"vpc_id": {"references": ["module.m.vpc_id", "module.m"]}}),
            _block("", "aws_eip", "e", {"domain": {"constant_value": "vpc"}}),  # no address: type.name
            _block("aws_vpc.odd", "aws_vpc", "odd", ["not", "an", "object"]),
            "not a block",
            _block("aws_vpc.twice", "aws_vpc", "twice", {"first": {"constant_value": 1}}),
            _block("aws_vpc.twice", "aws_vpc", "twice", {"second": {"constant_value": 2}}),
        ],
        "module_calls": {"m": {"source": "./m", "module": module}},
    }}


def _resources() -> list[Resource]:
    def res(address: str, type_: str, name: str, module: str = "", mode: str = "managed") -> Resource:
        return Resource(address=address, type=type_, name=name, module=module, mode=mode, after={}, origin="p.json")

    return [
        res("aws_flow_log.f", "aws_flow_log", "f"),
        res('module.m["a"].aws_vpc.v', "aws_vpc", "v", 'module.m["a"]'),
        res('module.m["b"].aws_vpc.v', "aws_vpc", "v", 'module.m["b"]'),
        res('module.m["a"].data.aws_ami.a', "aws_ami", "a", 'module.m["a"]', mode="data"),
        res('module.m["a"].module.inner.aws_subnet.s', "aws_subnet", "s", 'module.m["a"].module.inner'),
        res("aws_eip.e", "aws_eip", "e"),
        res("aws_vpc.odd", "aws_vpc", "odd"),
        res("aws_vpc.twice", "aws_vpc", "twice"),
        res("aws_vpc.nowhere", "aws_vpc", "nowhere"),
        res("module.gone.aws_vpc.x", "aws_vpc", "x", "module.gone"),
    ]


def _plain_join(configuration: dict[str, Any], resource: Resource) -> tuple[Any, tuple[str | None, ...]]:
    """The expressions and module sources of one resource, found the slow way (what the loader did)."""
    blocks: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(configuration["root_module"], ())]
    while stack:
        module, path = stack.pop()
        prefix = "".join(f"module.{m}." for m in path)
        for block in module.get("resources", []):
            if isinstance(block, dict):
                local = block.get("address") or (f"data.{block['type']}.{block['name']}" if block["mode"] == "data"
                                                 else f"{block['type']}.{block['name']}")
                blocks[prefix + local] = block
        for name, call in module.get("module_calls", {}).items():
            sources[(*path, name)] = call["source"]
            stack.append((call["module"], (*path, name)))
    block = blocks.get(config_address_of(resource.module, resource.type, resource.name, resource.mode))
    expressions = block.get("expressions") if block is not None else None
    names = module_path(resource.module)
    called = tuple(sources.get(names[:i + 1]) for i in range(len(names))) if resource.module else ()
    return (expressions if isinstance(expressions, dict) else None), called


def test_each_resource_gets_its_blocks_expressions_and_module_sources() -> None:
    configuration = _configuration()
    resources = _resources()
    finish_resources(resources, configuration, "p.json", None)
    for resource in resources:
        assert (resource.expressions, resource.module_sources) == _plain_join(configuration, resource), resource.address
    by_address = {r.address: r for r in resources}
    assert by_address['module.m["b"].aws_vpc.v'].expressions == {"cidr_block": {"constant_value": "10.1.0.0/16"}}
    assert by_address["aws_vpc.twice"].expressions == {"second": {"constant_value": 2}}
    assert by_address["aws_vpc.odd"].expressions is None and by_address["aws_vpc.nowhere"].expressions is None
    assert by_address['module.m["a"].module.inner.aws_subnet.s'].module_sources == ("./m", "./inner")


def test_references_resolve_from_the_module_the_block_is_in() -> None:
    resources = _resources()
    finish_resources(resources, _configuration(), "p.json", None)
    by_address = {r.address: r for r in resources}
    assert dict(by_address["aws_flow_log.f"].references) == {"vpc_id": ("module.m.aws_vpc.v",)}
    subnet = by_address['module.m["a"].module.inner.aws_subnet.s']
    assert subnet.references.get("vpc_id") == ("module.m.aws_vpc.v",)  # one attribute, before the whole block
    assert dict(subnet.references) == {"vpc_id": ("module.m.aws_vpc.v",)}
    index = ConfigIndex(_configuration())
    assert index.expressions("module.m.aws_vpc.v") == {"cidr_block": {"constant_value": "10.1.0.0/16"}}
    assert index.references("module.m.module.inner.aws_subnet.s") == {"vpc_id": ("module.m.aws_vpc.v",)}
    assert index.attribute_references("module.m.module.inner.aws_subnet.s", "vpc_id") == ("module.m.aws_vpc.v",)
