"""Which NAT gateways ``--live`` looks at, and in which AWS region each one lives.

Every managed ``aws_nat_gateway`` the plan deletes or replaces (NAT001, NAT002,
and the deletions the NAT analysis judged safe) whose id the plan knows.
The region comes from, in this order: the resource's own ``region`` argument
(AWS provider 6), an ARN on it or on its subnet, its subnet's availability
zone, the plan's ``aws`` provider configuration, and else ``None`` (boto3's
standard configuration chain: ``AWS_REGION``, ``~/.aws/config``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from natpolicy.model import Resource, ResourceModel

__all__ = ["GatewayTarget", "gateway_targets"]

_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):")
_ZONE = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d{1,2})[a-z]$")


@dataclass(frozen=True, slots=True)
class GatewayTarget:
    gateway_id: str  # the live id (nat-...), as the plan's prior state records it
    address: str
    origin: str
    region: str | None  # None: boto3's default chain decides
    region_source: str  # "resource", "arn", "subnet", "provider" or "default"
    subnet_id: str | None  # the gateway's own (public) subnet, when known


def gateway_targets(model: ResourceModel) -> list[GatewayTarget]:
    """The deleted or replaced NAT gateways with a known id, in model order, each id once."""
    providers: dict[str, str | None] = {}
    out: list[GatewayTarget] = []
    seen: set[str] = set()
    for gw in model.of_type("aws_nat_gateway"):
        if gw.mode != "managed" or not gw.is_deleted:
            continue
        gid = gw.get("id", before=True)
        if not isinstance(gid, str) or not gid.startswith("nat-") or gid in seen:
            continue
        seen.add(gid)
        if gw.origin not in providers:
            providers[gw.origin] = _provider_region(model, gw.origin)
        region, source = _region_of(model, gw, providers[gw.origin])
        subnet = gw.get("subnet_id", before=True)
        out.append(GatewayTarget(gateway_id=gid, address=gw.address, origin=gw.origin, region=region,
                                 region_source=source, subnet_id=subnet if isinstance(subnet, str) else None))
    return out


def _region_of(model: ResourceModel, gw: Resource, provider: str | None) -> tuple[str | None, str]:
    own = _text(gw.get("region", before=True))
    if own and _REGION.match(own):
        return own, "resource"
    arn = _ARN_REGION.match(_text(gw.get("arn", before=True)))
    if arn:
        return arn.group(1), "arn"
    subnet_id = _text(gw.get("subnet_id", before=True))
    for subnet in model.by_id(subnet_id) if subnet_id else ():
        if subnet.type != "aws_subnet":
            continue
        for values in (subnet.before, subnet.after):
            if not isinstance(values, dict):
                continue
            found = _ARN_REGION.match(_text(values.get("arn"))) or _ZONE.match(_text(values.get("availability_zone")))
            if found:
                return found.group(1), "subnet"
    if provider:
        return provider, "provider"
    return None, "default"


def _provider_region(model: ResourceModel, origin: str) -> str | None:
    """``provider "aws" { region = "..." }`` of the plan ``origin``, when written as a constant.

    The model keeps resources, not provider blocks, so the plan file is read
    again (``--live`` only). Stdin cannot be read twice: its gateways use the
    other sources.
    """
    root = model.context.display_root
    if not origin or origin in ("-", "<stdin>") or root is None:
        return None
    path = Path(root, origin)
    if not path.is_file():
        return None
    from natpolicy.errors import InputError
    from natpolicy.loaders.plan_text import load_document

    try:
        _, doc = load_document(str(path))
    except (InputError, OSError):
        return None
    config: Any = doc.get("configuration") if isinstance(doc, dict) else None
    providers = config.get("provider_config") if isinstance(config, dict) else None
    aws = providers.get("aws") if isinstance(providers, dict) else None
    expressions = aws.get("expressions") if isinstance(aws, dict) else None
    region = expressions.get("region") if isinstance(expressions, dict) else None
    value = region.get("constant_value") if isinstance(region, dict) else None
    return value if isinstance(value, str) and _REGION.match(value) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
