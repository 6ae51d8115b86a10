"""EBS003: a launch template whose block device mappings are not encrypted."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.model import UNKNOWN, Resource, ResourceModel
from natpolicy.policies.ebs._encryption import (
    ExpressionsOnDemand,
    config_block,
    default_encryption,
    default_root,
    device_label,
    has_snapshot,
    judge,
    leaves_open,
    state_of,
)


class LaunchTemplateVolumeUnencrypted(ResourceCheck):
    id = "EBS003"
    name = "Launch template volume is not encrypted"
    severity = Severity.HIGH
    summary = "`aws_launch_template` block device mapping not encrypted"
    categories = ("encryption",)
    supported_types = ("aws_launch_template",)
    # As EBS002/EBS004: a mapping of the AMI's root device inherits its snapshot, whose encryption we cannot see.
    precision = "medium"

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        after = resource.after if isinstance(resource.after, dict) else {}
        mappings = after.get("block_device_mappings")
        default = default_encryption(model)
        if mappings is UNKNOWN or mappings is None or mappings == []:
            # No mappings: instances boot the AMI's root volume, judged as EBS002 judges
            # an instance without root_block_device (see default_root).
            root = default_root(resource, "block_device_mappings", creating=True, default=default)
            if root is not None:
                yield Violation(f"{resource.address} launches instances whose {root.label} will not be encrypted: "
                                f"{root.reason}", key=root.key, details=root.details())
            return
        if not isinstance(mappings, list):
            return
        config = ExpressionsOnDemand(resource)  # read only for a value known after apply (``leaves_open``)
        for i, mapping in enumerate(mappings):
            if not isinstance(mapping, dict) or not isinstance(mapping.get("ebs"), list):
                continue  # no_device / virtual_name (instance store) or unknown
            for j, ebs in enumerate(mapping["ebs"]):
                if not isinstance(ebs, dict):
                    continue
                encrypted, snapshot_id = ebs.get("encrypted"), ebs.get("snapshot_id")
                ebs_config = None
                if leaves_open(encrypted, snapshot_id):
                    mapping_config = config_block(config.get(), "block_device_mappings", mapping, i, len(mappings))
                    ebs_config = config_block(mapping_config, "ebs", ebs, j, len(mapping["ebs"]))
                # Volumes are created at every launch, so the account default
                # in force then applies even to a template that already exists.
                verdict = judge(state_of(encrypted, ebs_config), creating=True,
                                snapshot=has_snapshot(snapshot_id, ebs_config), default=default)
                if verdict.unencrypted:
                    name, key = device_label(resource, mapping.get("device_name"),
                                             ("block_device_mappings", i, "device_name"), i)
                    yield Violation(
                        f"{resource.address} maps {name} to an EBS volume that will not be encrypted: "
                        f"{verdict.reason}",
                        key=f"ebs:{key}", details={"device_name": name, "block_device_mapping": i})
