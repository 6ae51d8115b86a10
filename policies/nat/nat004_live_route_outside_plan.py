"""NAT004: the plan's routes look safe, but a live route table outside the plan still routes to the gateway."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import GraphCheck, Note, Severity, Violation
from natpolicy.model import LiveRouteTable, ResourceModel
from natpolicy.policies.nat._wording import gateway_id, gateway_label, join_words
from natpolicy.policies.nat.analysis import egress_index

# A listing past this many tables ends in "and N more"; details keep them all.
_NAMED = 5


class NatGatewayStillRoutedLive(GraphCheck):
    id = "NAT004"
    name = "NAT gateway deleted while a live route table outside the plan still uses it"
    severity = Severity.HIGH
    summary = (
        "with `--live`: an `aws_nat_gateway` the plan deletes, judged safe from the plan's own routes, is "
        "still the target of a route table in the AWS account that no plan of the run manages"
    )
    categories = ("networking", "availability")
    supported_types = ("aws_nat_gateway",)

    def scan(self, model: ResourceModel) -> Iterable[Violation | Note]:
        live = model.context.live_route_tables
        if not live:
            return  # only `natpolicy check --live` fills this in
        index = egress_index(model)
        for gateway in model.of_type("aws_nat_gateway"):
            if gateway.mode != "managed" or not gateway.is_deleted:
                continue
            raw_id = gateway.get("id", before=True)
            tables = live.get(raw_id) if isinstance(raw_id, str) else None
            if not tables:
                continue
            verdict = index.judge_gateway(gateway)
            if verdict.losses or (verdict.partial and (verdict.alone or verdict.cross_az)):
                continue  # NAT001 reports this gateway; the live tables go into its details
            yield Violation(
                message=self._message(gateway_label(gateway), gateway_id(gateway) or raw_id, tables),
                resource=gateway,
                severity=Severity.MEDIUM if verdict.private else None,
                details={
                    "gateway_id": gateway_id(gateway),
                    "evidence": "live",
                    "live_route_tables": [_table_detail(t) for t in tables],
                },
                key=gateway.deposed or "",
            )

    @staticmethod
    def _message(label: str, shown_id: str, tables: tuple[LiveRouteTable, ...]) -> str:
        parts = [_table_phrase(t, shown_id) for t in tables[:_NAMED]]
        if len(tables) > _NAMED:
            parts.append(f"{len(tables) - _NAMED} more")
        return (f"{label} is deleted and the plan's own routes are safe, but the live account still routes to it "
                f"from outside this plan: {join_words(parts)}. After apply those routes are blackholes.")


def _table_phrase(table: LiveRouteTable, shown_id: str) -> str:
    name = f" ({table.name})" if table.name else ""
    owner = f", account {table.owner}" if table.owner else ""
    main = ", the VPC's main table" if table.main else ""
    subnets = f", subnets {', '.join(table.subnets)}" if table.subnets else ""
    return (f"route table {table.route_table_id}{name} (not managed here{owner}{main}{subnets}) still sends "
            f"{', '.join(table.destinations) or 'traffic'} to {shown_id}")


def _table_detail(table: LiveRouteTable) -> dict[str, object]:
    return {"id": table.route_table_id, "name": table.name, "owner": table.owner, "main": table.main,
            "subnets": list(table.subnets), "destinations": list(table.destinations), "region": table.region}
