"""EBS004: a launch configuration whose instances get unencrypted volumes."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.model import Resource, ResourceModel
from natpolicy.policies.ebs._encryption import instance_volumes


class LaunchConfigurationVolumeUnencrypted(ResourceCheck):
    id = "EBS004"
    name = "Launch configuration volume is not encrypted"
    severity = Severity.HIGH
    summary = "`aws_launch_configuration` root or EBS volume not encrypted"
    categories = ("encryption",)
    supported_types = ("aws_launch_configuration",)
    # The root volume comes from the AMI, whose snapshot may be encrypted.
    precision = "medium"

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        for block in instance_volumes(resource, model, at_launch=True):
            yield Violation(
                f"{resource.address} launches instances whose {block.label} will not be encrypted: {block.reason}",
                key=block.key, details=block.details())
