"""EBS001: an EBS volume that will not be encrypted."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.model import Resource, ResourceModel
from natpolicy.policies.ebs._encryption import (
    creating,
    default_encryption,
    expressions,
    has_snapshot,
    judge,
    state_of,
)


class EbsVolumeUnencrypted(ResourceCheck):
    id = "EBS001"
    name = "EBS volume is not encrypted"
    severity = Severity.HIGH
    summary = "`aws_ebs_volume` not encrypted (account default encryption honoured)"
    categories = ("encryption",)
    supported_types = ("aws_ebs_volume",)

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        after = resource.after if isinstance(resource.after, dict) else {}
        config = expressions(resource)
        verdict = judge(
            state_of(after.get("encrypted"), config),
            creating=creating(resource),
            snapshot=has_snapshot(after.get("snapshot_id"), config),
            default=default_encryption(model),
        )
        if verdict.unencrypted:
            yield Violation(f"{resource.address} will not be encrypted: {verdict.reason}")
