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
    leaves_open,
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
        encrypted, snapshot_id = after.get("encrypted"), after.get("snapshot_id")
        config = expressions(resource) if leaves_open(encrypted, snapshot_id) else None
        verdict = judge(
            state_of(encrypted, config),
            creating=creating(resource),
            snapshot=has_snapshot(snapshot_id, config),
            default=default_encryption(model),
        )
        if verdict.unencrypted:
            yield Violation(f"{resource.address} will not be encrypted: {verdict.reason}")
