"""EBS002: an EC2 instance with a root or EBS volume that will not be encrypted."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.model import Resource, ResourceModel
from natpolicy.policies.ebs._encryption import instance_volumes


class InstanceVolumeUnencrypted(ResourceCheck):
    id = "EBS002"
    name = "EC2 instance volume is not encrypted"
    severity = Severity.HIGH
    summary = "`aws_instance` root or EBS volume not encrypted"
    categories = ("encryption",)
    supported_types = ("aws_instance",)
    # The root volume comes from the AMI, whose snapshot may be encrypted.
    precision = "medium"

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        for block in instance_volumes(resource, model):
            yield Violation(f"{resource.address} {block.label} will not be encrypted: {block.reason}",
                            key=block.key, details=block.details())
