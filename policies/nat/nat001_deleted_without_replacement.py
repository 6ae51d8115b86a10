"""NAT001: a NAT gateway is deleted and no live target takes over its routes."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from natpolicy.check import GraphCheck, Severity, Violation
from natpolicy.model import ResourceModel
from natpolicy.policies.nat._egress import GatewayVerdict, egress_index
from natpolicy.policies.nat._wording import (
    gateway_id,
    gateway_label,
    loss_phrase,
    table_phrase,
    tables_detail,
)


class NatGatewayDeletedWithoutReplacement(GraphCheck):
    id = "NAT001"
    name = "NAT gateway deleted without replacement"
    severity = Severity.HIGH
    categories = ("networking", "availability")
    supported_types = ("aws_nat_gateway", "aws_route", "aws_route_table", "aws_route_table_association")

    def scan(self, model: ResourceModel) -> Iterable[Violation]:
        index = egress_index(model)
        for gateway in model.of_type("aws_nat_gateway"):
            if gateway.mode != "managed" or not gateway.is_deleted:
                continue  # forget and moves leave the gateway running
            verdict = index.judge_gateway(gateway)
            if verdict.losses:
                yield self._lost_routes(verdict)
            elif verdict.partial and verdict.alone:
                yield self._partial(verdict)

    def _lost_routes(self, verdict: GatewayVerdict) -> Violation:
        gateway = verdict.gateway
        if gateway.exists_after:
            head = f"{gateway_label(gateway)} is replaced, but no route sends traffic to the new gateway: "
        elif verdict.private:
            head = f"{gateway_label(gateway)} (a private NAT gateway) is deleted and nothing replaces it: "
        else:
            head = f"{gateway_label(gateway)} is deleted and nothing replaces it: "
        parts = [
            f"{table_phrase(loss, gateway.origin)} {loss_phrase(loss.destinations, private=verdict.private)}"
            for loss in verdict.losses
        ]
        return Violation(
            message=head + "; ".join(parts) + ".",
            resource=gateway,
            severity=Severity.MEDIUM if verdict.private else None,
            details=self._details(verdict, evidence="routes"),
            key=gateway.deposed or "",
        )

    def _partial(self, verdict: GatewayVerdict) -> Violation:
        gateway = verdict.gateway
        kind = "private NAT gateway" if verdict.private else "NAT gateway"
        message = (
            f"{gateway_label(gateway)} is deleted and no other {kind} is kept or created in {verdict.scope}. "
            "Evidence is partial: no route in the plan uses the gateway (its routes may live in another "
            "Terraform state), so the route tables and subnets that lose "
            f"{'private routing' if verdict.private else 'egress'} cannot be named."
        )
        return Violation(
            message=message,
            resource=gateway,
            severity=Severity.MEDIUM if verdict.private else None,
            details=self._details(verdict, evidence="partial"),
            key=gateway.deposed or "",
        )

    @staticmethod
    def _details(verdict: GatewayVerdict, *, evidence: str) -> dict[str, Any]:
        details: dict[str, Any] = {
            "gateway_id": gateway_id(verdict.gateway),
            "connectivity_type": "private" if verdict.private else "public",
            "evidence": evidence,
            "route_tables": tables_detail(verdict.losses),
        }
        if evidence == "partial":
            details["scope"] = verdict.scope
        return details
