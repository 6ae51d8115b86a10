"""EBS005: the account's default EBS encryption is turned off."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import GraphCheck, Severity, Violation
from natpolicy.model import UNKNOWN, ResourceModel
from natpolicy.policies.ebs._encryption import DEFAULT_TYPE, Default, default_encryption


class DefaultEncryptionDisabled(GraphCheck):
    id = "EBS005"
    name = "EBS default encryption is disabled"
    severity = Severity.MEDIUM
    summary = "`aws_ebs_encryption_by_default` disabled or deleted"
    # One aws_ebs_encryption_by_default resource is all it needs to see.
    judges_one_resource = True
    categories = ("encryption",)
    supported_types = (DEFAULT_TYPE,)

    def scan(self, model: ResourceModel) -> Iterable[Violation]:
        # A graph check, because removing the resource is itself the risky
        # change: the provider's delete calls DisableEbsEncryptionByDefault.
        enabled_after = default_encryption(model) is Default.ON
        for res in model.of_type(DEFAULT_TYPE):
            if res.mode != "managed" or res.deposed is not None:
                continue
            if res.exists_after:
                if isinstance(res.after, dict) and _is_false(res.after.get("enabled")):
                    yield Violation(f"{res.address} turns off default EBS encryption: `enabled` is false",
                                    resource=res)
            elif res.is_pure_delete and isinstance(res.before, dict) and not _is_false(res.before.get("enabled")) \
                    and not enabled_after:
                yield Violation(f"{res.address} is deleted, which turns off default EBS encryption",
                                resource=res, key="delete")


def _is_false(value: object) -> bool:
    if value is UNKNOWN:
        return False
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")
