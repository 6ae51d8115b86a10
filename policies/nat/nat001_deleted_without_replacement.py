"""NAT001: a NAT gateway is deleted and no live target takes over its routes."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from natpolicy.check import GraphCheck, Note, Severity, Violation
from natpolicy.model import ResourceModel
from natpolicy.policies.nat._wording import (
    gateway_id,
    gateway_label,
    loss_phrase,
    table_phrase,
    tables_detail,
)
from natpolicy.policies.nat.analysis import GatewayVerdict, egress_index, run_notes


class NatGatewayDeletedWithoutReplacement(GraphCheck):
    id = "NAT001"
    name = "NAT gateway deleted without replacement"
    severity = Severity.HIGH
    summary = (
        "`aws_nat_gateway` deleted while a route table that used it keeps its subnets and gets no other "
        "egress target (a private NAT gateway is none; deleted private NAT gateways: medium); "
        "partial-evidence fallback when no plan holds its routes (medium when the gateways left are all "
        "in other zones)"
    )
    categories = ("networking", "availability")
    supported_types = ("aws_nat_gateway", "aws_route", "aws_route_table", "aws_route_table_association")

    def scan(self, model: ResourceModel) -> Iterable[Violation | Note]:
        index = egress_index(model)
        # Whichever NAT rule runs reports what the shared analysis noticed (the runner keeps one copy).
        yield from (Note(text) for text in run_notes(model))
        for gateway in model.of_type("aws_nat_gateway"):
            if gateway.mode != "managed" or not gateway.is_deleted:
                continue  # forget and moves leave the gateway running
            verdict = index.judge_gateway(gateway)
            if verdict.losses:
                yield self._lost_routes(verdict)
            elif verdict.partial and (verdict.alone or verdict.cross_az):
                yield self._partial(verdict)

    def _lost_routes(self, verdict: GatewayVerdict) -> Violation:
        gateway = verdict.gateway
        if verdict.becomes_private:
            head = f"{gateway_label(gateway)} is replaced by a private NAT gateway, which gives no internet egress: "
        elif gateway.exists_after:
            head = f"{gateway_label(gateway)} is replaced, but no route sends traffic to the new gateway: "
        elif verdict.private:
            head = f"{gateway_label(gateway)} (a private NAT gateway) is deleted and nothing replaces it: "
        else:
            head = f"{gateway_label(gateway)} is deleted and nothing replaces it: "
        parts = [f"{table_phrase(loss, gateway.origin)} {loss_phrase(loss, private=verdict.private)}"
                 for loss in verdict.losses]
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
        lost = "private routing" if verdict.private else "egress"
        what = (f"{gateway_label(gateway)} is replaced by a private NAT gateway"
                if verdict.becomes_private else f"{gateway_label(gateway)} is deleted")
        if verdict.alone:
            message = f"{what} and no other {kind} is kept or created in {verdict.scope}. "
            severity = Severity.MEDIUM if verdict.private else None
        else:
            # Others survive, all in other zones: egress works, across zones.
            message = (
                f"{what} and the other {kind}s kept in {verdict.scope} are all outside its availability zone "
                f"{verdict.zone}: if its subnets are routed to them, their {lost} depends on another zone "
                "(a cross-AZ dependency: an outage there cuts them off, and cross-zone traffic is billed). "
            )
            severity = Severity.LOW if verdict.private else Severity.MEDIUM
        message += (
            "Evidence is partial: no route in the plan uses the gateway (its routes may live in another "
            f"Terraform state), so the route tables and subnets that lose {lost} cannot be named."
        )
        return Violation(
            message=message,
            resource=gateway,
            severity=severity,
            details=self._details(verdict, evidence="partial"),
            key=gateway.deposed or "",
        )

    @staticmethod
    def _details(verdict: GatewayVerdict, *, evidence: str) -> dict[str, Any]:
        details: dict[str, Any] = {
            "gateway_id": gateway_id(verdict.gateway),
            "connectivity_type": "private" if verdict.private else "public",
            "evidence": evidence,
            "route_tables": tables_detail(verdict.losses, reasons=True),
        }
        if verdict.becomes_private:
            details["replacement_connectivity_type"] = "private"
        if evidence == "partial":
            details["scope"] = verdict.scope
            details["cross_az"] = verdict.cross_az
            if verdict.zone is not None:
                details["availability_zone"] = verdict.zone
        return details
