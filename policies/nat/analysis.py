"""The NAT route analysis, as a public, typed interface.

NAT001-NAT003 and ``data.natpolicy.nat`` (``natpolicy.rego.facts``) read the
same analysis through this module, so Rego policies see exactly what the
Python rules judged. ``_egress`` and ``_routes`` stay the family's private
machinery: anything outside the NAT family imports only this module.

* ``egress_index(model)``: the index every NAT rule asks (built once per model);
* ``run_notes(model)``: what the analysis noticed about the input as a whole,
  for a check to yield as ``check.Note``;
* ``deleted_gateways(model, origin)``: the verdict on every deleted NAT
  gateway of one plan, as plain typed records.
"""
from __future__ import annotations

from natpolicy.check import record
from natpolicy.model import ResourceModel
from natpolicy.policies.nat._egress import EgressIndex, GatewayVerdict, shared_note
from natpolicy.policies.nat._routes import NAT_TYPE

__all__ = [
    "EgressIndex",
    "GatewayAnalysis",
    "GatewayVerdict",
    "LostRoute",
    "deleted_gateways",
    "egress_index",
    "run_notes",
]

# The ``ResourceModel.memo`` key of the index (see ``egress_index``).
_INDEX_KEY = ("nat", "egress_index")


def egress_index(model: ResourceModel) -> EgressIndex:
    """The model's index, built once and shared by every NAT rule of the run and by Rego's data."""
    return model.memo(_INDEX_KEY, lambda: EgressIndex(model))


def run_notes(model: ResourceModel) -> tuple[str, ...]:
    """Run notes of the analysis: route tables or NAT gateways that several plans manage."""
    index = egress_index(model)
    return (shared_note(model, index.shared_ids),) if index.shared_ids else ()


@record(frozen=True, slots=True)
class LostRoute:
    """A route table that loses its egress through a deleted gateway."""

    route_table: str  # its label: address, or id when no plan holds it
    destinations: tuple[str, ...]
    subnets: tuple[str, ...]  # labels of the subnets it still serves
    # Why it has no egress after apply: no_route, blackhole, target_deleted,
    # igw_not_public, private_nat or no_egress.
    reason: str


@record(frozen=True, slots=True)
class GatewayAnalysis:
    """NAT001's verdict on one deleted NAT gateway."""

    address: str  # deposed objects as "<address> (deposed <key>)"
    gateway_id: str | None  # its id before apply (nat-...), when the plan knows it
    replaced: bool  # an object exists at the address after apply
    private: bool  # a private NAT gateway (connectivity_type = "private")
    # No route evidence, and no other gateway of its kind in its VPC (or plan).
    partial: bool
    # No route evidence, and the other gateways are all in other availability zones.
    cross_az: bool
    # Route evidence existed, but every table it named is torn down.
    teardown: bool
    lost_routes: tuple[LostRoute, ...]


def deleted_gateways(model: ResourceModel, origin: str) -> list[GatewayAnalysis]:
    """The verdict on every managed NAT gateway of plan ``origin`` that apply deletes, in model order."""
    index = egress_index(model)
    out: list[GatewayAnalysis] = []
    for gw in model.of_type(NAT_TYPE):
        if gw.origin != origin or gw.mode != "managed" or not gw.is_deleted:
            continue
        verdict = index.judge_gateway(gw)
        out.append(GatewayAnalysis(
            address=gw.address if gw.deposed is None else f"{gw.address} (deposed {gw.deposed})",
            gateway_id=_known_id(gw.get("id", before=True)),
            replaced=gw.exists_after,
            private=bool(verdict.private),
            partial=bool(verdict.partial and verdict.alone),
            cross_az=bool(verdict.partial and verdict.cross_az),
            teardown=bool(verdict.teardown),
            lost_routes=tuple(
                LostRoute(route_table=loss.table.label, destinations=tuple(loss.destinations),
                          subnets=tuple(s.label for s in loss.subnets), reason=loss.blocker.reason)
                for loss in verdict.losses
            ),
        ))
    return out


def _known_id(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
