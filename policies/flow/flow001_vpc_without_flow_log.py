"""FLOW001: a VPC that no flow log records."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import GraphCheck, Severity, Violation
from natpolicy.model import UNKNOWN, Resource, ResourceModel

VPC_TYPES = ("aws_vpc", "aws_default_vpc")
FLOW_LOG = "aws_flow_log"


class VpcWithoutFlowLog(GraphCheck):
    id = "FLOW001"
    name = "VPC has no flow log"
    severity = Severity.MEDIUM
    summary = "VPC without an `aws_flow_log` targeting it (by id, reference or module output)"
    categories = ("logging",)
    supported_types = (*VPC_TYPES, FLOW_LOG)

    def scan(self, model: ResourceModel) -> Iterable[Violation]:
        flow_logs = [f for f in model.of_type(FLOW_LOG) if _kept(f)]
        # One pass over the flow logs: the VPC ids they name, in any plan of
        # the run (a literal "vpc-..." counts as much as a reference).
        logged_ids = {f.after["vpc_id"] for f in flow_logs
                      if isinstance(f.after, dict) and isinstance(f.after.get("vpc_id"), str)}
        for vpc in model.of_type(*VPC_TYPES):
            if not _kept(vpc):
                continue  # being deleted: nothing left to log
            if _vpc_ids(vpc) & logged_ids:
                continue
            # Configuration references (resolved through module outputs by the
            # loader) find flow logs whose vpc_id is only known after apply; a
            # known vpc_id already says which VPC is logged, whatever it refers to.
            if any(_kept(f) and f.get("vpc_id") is UNKNOWN
                   for f in model.references_to(vpc, types=(FLOW_LOG,), attribute="vpc_id")):
                continue
            yield Violation(
                f"{vpc.address} has no flow log: no aws_flow_log targets it by vpc_id or by reference",
                resource=vpc,
            )


def _kept(res: Resource) -> bool:
    return res.mode == "managed" and res.exists_after


def _vpc_ids(vpc: Resource) -> set[str]:
    ids: set[str] = set()
    for side in (vpc.after, vpc.before):
        if isinstance(side, dict) and isinstance(side.get("id"), str) and side["id"]:
            ids.add(side["id"])
    return ids
