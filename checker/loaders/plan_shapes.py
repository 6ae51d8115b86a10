"""The JSON types of the plan attributes the built-in rules read, checked once per resource.

The rules read values defensively: an ``ingress`` that is not a list, a port
that is not a number, an ``encrypted`` that is neither a boolean nor
``"true"``/``"false"`` are simply passed over, which is right for a value
known only after apply and wrong for a corrupted plan. Terraform never writes
such types, so finding one means the plan was edited, and a gate must not
pass silently what it could not read: each such resource is named, with the
attribute, as an input error (a note with ``--skip-invalid``), beside the
findings on everything else.

``SHAPES`` lists, per resource type, the attributes the rules of
``natpolicy.policies`` read (SG, EBS, FLOW, NAT); keep it in step with them.
A kind is a name below, or a mapping: a list of blocks, each with those
attributes. ``None`` and unknown values always pass.

A loader asks ``problem_resources`` of all its resources at once: it reads
one attribute of every resource of a type together, as a column, and judges
the column by the set of its values' types, in C; only a type whose column
holds a value outside the plain types is checked resource by resource.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, repeat
from typing import Any

from natpolicy.model import UNKNOWN, Resource, Unknown

__all__ = ["MAX_REPORTED", "SHAPES", "no_shape_problems", "problem_resources", "resource_problems",
           "shape_problems"]

Shape = str | Mapping[str, "Shape"]

STR, PORT, PROTOCOL, BOOL, STRS = "string", "port", "protocol", "boolean", "strings"

_CIDRS: Mapping[str, Shape] = {"cidr_blocks": STRS, "ipv6_cidr_blocks": STRS}
_PORTS: Mapping[str, Shape] = {"from_port": PORT, "to_port": PORT}
_TARGETS: Mapping[str, Shape] = {attr: STR for attr in (
    "nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "instance_id",
    "vpc_endpoint_id", "egress_only_gateway_id", "local_gateway_id", "carrier_gateway_id",
    "core_network_arn", "vpc_peering_connection_id")}
_VOLUME: Mapping[str, Shape] = {"encrypted": BOOL, "snapshot_id": STR, "device_name": STR}
_GROUP: Mapping[str, Shape] = {"id": STR, "ingress": {**_CIDRS, **_PORTS, "protocol": PROTOCOL}}

SHAPES: Mapping[str, Mapping[str, Shape]] = {
    # SG001..SG004
    "aws_security_group": _GROUP,
    "aws_default_security_group": _GROUP,
    "aws_security_group_rule": {"type": STR, "security_group_id": STR, "protocol": PROTOCOL, **_CIDRS, **_PORTS},
    "aws_vpc_security_group_ingress_rule": {"security_group_id": STR, "ip_protocol": PROTOCOL, "cidr_ipv4": STR,
                                            "cidr_ipv6": STR, **_PORTS},
    # EBS001..EBS005
    "aws_ebs_volume": {"encrypted": BOOL, "snapshot_id": STR},
    "aws_instance": {"root_block_device": {"encrypted": BOOL}, "ebs_block_device": _VOLUME},
    "aws_launch_configuration": {"root_block_device": {"encrypted": BOOL}, "ebs_block_device": _VOLUME},
    "aws_launch_template": {"block_device_mappings": {"device_name": STR, "ebs": {"encrypted": BOOL,
                                                                                   "snapshot_id": STR}}},
    "aws_ebs_encryption_by_default": {"enabled": BOOL},
    # FLOW001 (and the VPC side of NAT)
    "aws_flow_log": {"vpc_id": STR},
    "aws_vpc": {"id": STR, "main_route_table_id": STR, "default_route_table_id": STR},
    "aws_default_vpc": {"id": STR, "main_route_table_id": STR, "default_route_table_id": STR},
    # NAT001..NAT003
    "aws_nat_gateway": {"id": STR, "subnet_id": STR, "vpc_id": STR, "connectivity_type": STR, "allocation_id": STR,
                        "availability_mode": STR},
    "aws_route": {"route_table_id": STR, "destination_cidr_block": STR, "destination_ipv6_cidr_block": STR,
                  "destination_prefix_list_id": STR, **_TARGETS},
    "aws_route_table": {"id": STR, "vpc_id": STR, "route": {"cidr_block": STR, "ipv6_cidr_block": STR,
                                                            "destination_prefix_list_id": STR, **_TARGETS}},
    "aws_default_route_table": {"id": STR, "vpc_id": STR, "default_route_table_id": STR,
                                "route": {"cidr_block": STR, "ipv6_cidr_block": STR,
                                          "destination_prefix_list_id": STR, **_TARGETS}},
    "aws_route_table_association": {"subnet_id": STR, "route_table_id": STR, "gateway_id": STR},
    "aws_main_route_table_association": {"vpc_id": STR, "route_table_id": STR},
    "aws_subnet": {"id": STR, "vpc_id": STR, "availability_zone": STR, "map_public_ip_on_launch": BOOL},
    "aws_internet_gateway": {"id": STR, "vpc_id": STR},
}

# Lines per plan: past this, one more line counts the rest (a plan of 100k broken resources is one problem).
MAX_REPORTED = 20


def problem_resources(resources: Iterable[Resource]) -> Iterator[tuple[Resource, list[str]]]:
    """Each resource with a problem and ``resource_problems(resource)``; the others are passed over.

    A type is checked resource by resource only when one of its columns is not plainly right.
    """
    resources = resources if isinstance(resources, list) else list(resources)
    # Type -> the dict sides of its resources (every after, then every before that is another object:
    # a no-op shares one object for both, plan_fast), gathered in one pass; ``None`` for a type
    # without a shape. Types in the order they first appear, as the resources of a failing type.
    sides_of: dict[str, list[Any] | None] = {}
    # (The exact type is tested before ``isinstance``, and ``None`` before a before: a builtin call costs
    # more than the rest of a resource's turn here.)
    for resource in resources:
        try:
            sides = sides_of[resource.type]
        except KeyError:
            sides = sides_of[resource.type] = [] if resource.type in SHAPES else None
        if sides is not None:
            after = resource.after
            if after.__class__ is dict or isinstance(after, dict):
                sides.append(after)
            before = resource.before
            if before is not after and before is not None and isinstance(before, dict):
                sides.append(before)
    # A dict subclass among the sides: each resource alone.
    failing = [kind for kind, sides in sides_of.items() if sides is not None and not (
        set(map(type, sides)) <= _DICTS_ONLY and _columns_pass(sides, SHAPES[kind]))]
    if not failing:
        return
    groups: dict[str, list[Resource]] = {kind: [] for kind in failing}
    for resource in resources:
        group = groups.get(resource.type)
        if group is not None:
            group.append(resource)
    for group in groups.values():
        for resource in group:
            problems = resource_problems(resource)
            if problems:
                yield resource, problems

_NONE, _UNKNOWN = type(None), Unknown
# The types a column may hold, per kind, for every value in it to pass ``_check`` without more tests.
_PLAIN: Mapping[str, frozenset[type]] = {
    STR: frozenset({str, _NONE, _UNKNOWN}),
    BOOL: frozenset({bool, _NONE, _UNKNOWN}),
    PORT: frozenset({int, _NONE, _UNKNOWN}),  # a bool is no port: type(True) is bool, not int
    PROTOCOL: frozenset({str, int, _NONE, _UNKNOWN}),
    STRS: frozenset({list, _NONE, _UNKNOWN}),
}
_ITEMS = frozenset({str, _NONE, _UNKNOWN})
_LISTS_ONLY = frozenset({list})
_DICTS_ONLY = frozenset({dict})  # of a list of strings
_BLOCK_LISTS = frozenset({list, _NONE, _UNKNOWN})
_BLOCKS = frozenset({dict, _UNKNOWN})  # a null block is a problem, an unknown one is not
_BOOL_TEXTS = frozenset({"true", "false", ""})


def _columns_pass(sides: list[Any], shape: Mapping[str, Shape]) -> bool:
    """True only when ``shape_problems(side, shape)`` has nothing to say for each of ``sides`` (dicts).

    False may also mean "not sure" (a float port, a str subclass): the caller then asks each resource.
    Types are compared exactly: ``int`` excludes ``bool``, and a subclass of ``str`` or ``list`` is
    left to the per-resource checks.
    """
    column: list[Any]
    for name, kind in shape.items():
        if kind is not STRS and kind.__class__ is str:
            # One pass in C, no column kept: nearly every scalar column is plainly right.
            types = set(map(type, map(dict.get, sides, repeat(name))))
            if types <= _PLAIN[kind]:
                continue
            column = list(map(dict.get, sides, repeat(name)))
        else:
            column = list(map(dict.get, sides, repeat(name)))
            types = set(map(type, column))
        if not isinstance(kind, str):  # a list of blocks
            if not types <= _BLOCK_LISTS:
                return False
            lists = column if types == _LISTS_ONLY else [v for v in column if v.__class__ is list]
            blocks = list(chain.from_iterable(lists))
            block_types = set(map(type, blocks))
            if not block_types <= _BLOCKS:
                return False
            if _UNKNOWN in block_types:
                blocks = [b for b in blocks if b is not UNKNOWN]
            if blocks and not _columns_pass(blocks, kind):
                return False
            continue
        if types <= _PLAIN[kind]:
            if kind is STRS and list in types:
                lists = column if types == _LISTS_ONLY else [v for v in column if v.__class__ is list]
                if not set(map(type, chain.from_iterable(lists))) <= _ITEMS:
                    return False
            continue
        if kind is BOOL and types <= {bool, str, _NONE, _UNKNOWN}:
            # Launch templates write "true"/"false"/"" (strings): as ``_check`` reads them.
            if all(v.strip().lower() in _BOOL_TEXTS for v in column if v.__class__ is str):
                continue
        return False
    return True


def resource_problems(resource: Resource) -> list[str]:
    """What makes ``resource`` unjudgeable: "`ingress` is a JSON object, not a list of blocks"; empty if nothing."""
    shape = SHAPES.get(resource.type)
    if shape is None:
        return []
    before, after = resource.before, resource.after
    # Most no-ops share one object for both sides (plan_fast): checked once, it has the same problems twice.
    if (not isinstance(before, dict) or no_shape_problems(before, shape)) and (
            after is before or not isinstance(after, dict) or no_shape_problems(after, shape)):
        return []  # nearly every resource: one pass of type tests, no message built
    found: list[str] = []
    for side in (before, after):
        if isinstance(side, dict):
            for problem in shape_problems(side, shape):
                if problem not in found:
                    found.append(problem)
    return found


def no_shape_problems(values: Mapping[str, Any], shape: Mapping[str, Shape]) -> bool:
    """True when ``shape_problems(values, shape)`` has nothing to say; the same tests, no messages."""
    for name, kind in shape.items():
        value = values.get(name)
        if value is None or value is UNKNOWN:
            continue
        cls = value.__class__
        if kind is STR:
            if cls is not str:
                return False
        elif kind is BOOL:
            if cls is not bool and _check(value, BOOL) is not None:
                return False
        elif kind.__class__ is str:
            if _check(value, kind) is not None:
                return False
        else:
            if cls is not list:
                return False
            for block in value:
                if block is UNKNOWN:
                    continue
                if block.__class__ is not dict or not no_shape_problems(block, kind):  # type: ignore[arg-type]
                    return False
    return True


def shape_problems(values: Mapping[str, Any], shape: Mapping[str, Shape], prefix: str = "") -> Iterator[str]:
    for name, kind in shape.items():
        value = values.get(name)
        if value is None or value is UNKNOWN:
            continue
        where = f"{prefix}{name}"
        if isinstance(kind, Mapping):
            if not isinstance(value, list):
                yield f"`{where}` is {_kind(value)}, not a list of blocks"
                continue
            for i, block in enumerate(value):
                if block is UNKNOWN:
                    continue
                if not isinstance(block, dict):
                    yield f"`{where}[{i}]` is {_kind(block)}, not a block (an object)"
                    continue
                yield from shape_problems(block, kind, f"{where}[{i}].")
        else:
            problem = _check(value, kind)
            if problem is not None:
                yield f"`{where}` is {problem}"


def _check(value: Any, kind: str) -> str | None:
    """``None`` when ``value`` is what Terraform writes for ``kind``, else what it is instead."""
    if kind == STR:
        return None if isinstance(value, str) else f"{_kind(value)}, not a string"
    if kind == BOOL:
        # Launch templates write "true"/"false"/"" (strings); everything else a boolean.
        if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false", "")):
            return None
        return f"{_kind(value)}, not a boolean"
    if kind == STRS:
        if not isinstance(value, list):
            return f"{_kind(value)}, not a list of strings"
        odd = next((v for v in value if v is not UNKNOWN and v is not None and not isinstance(v, str)), None)
        return None if odd is None else f"a list holding {_kind(odd)}, not only strings"
    if kind == PORT:
        return None if _is_number(value, text=True) else f"{_kind(value)}, not a port number"
    if kind == PROTOCOL:
        return None if isinstance(value, str) or _is_number(value, text=False) else \
            f"{_kind(value)}, not a protocol name or number"
    raise ValueError(f"unknown shape kind {kind!r}")


def _is_number(value: Any, *, text: bool) -> bool:
    """A whole number: an int, a whole finite float, or (old plans, HCL) digits in a string."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    if text and isinstance(value, str):
        digits = value.strip().removeprefix("-")
        return digits.isascii() and digits.isdigit()
    return False


def _kind(value: Any) -> str:
    """The JSON type of a value, for a message (never the value: it may be sensitive)."""
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "an infinite number"
    if isinstance(value, float) and not value.is_integer():
        return "a JSON number with a fraction"
    return {dict: "a JSON object", list: "a JSON array", str: "a JSON string", int: "a JSON number",
            float: "a JSON number"}.get(type(value), "a JSON null")
