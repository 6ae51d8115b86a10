"""The runner skips ``scan`` for resources a check's ``quiet_resources`` names, and nothing else."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from natpolicy import runner
from natpolicy.check import Note, ResourceCheck, Severity, Violation
from natpolicy.model import Resource, ResourceModel

_SHARED: dict[int, tuple[Resource, Any]] = {}


class _Loud(ResourceCheck):
    """Says something of every resource it scans; names the resources in ``_SHARED`` quiet."""

    id = "TEST001"
    name = "Loud"
    severity = Severity.MEDIUM
    supported_types = ("aws_ebs_volume", "aws_instance")
    scanned: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.scanned = []

    def quiet_resources(self, model: ResourceModel) -> Mapping[int, tuple[Resource, Any]] | None:
        return _SHARED

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation | Note]:
        self.scanned.append(resource.address)
        yield Note(f"{self.id} saw {resource.address}")
        yield Violation(f"{resource.address} ({self.id})")


class _Other(_Loud):
    id = "TEST002"


class _Failing(_Loud):
    id = "TEST003"

    def quiet_resources(self, model: ResourceModel) -> Mapping[int, tuple[Resource, Any]] | None:
        raise RuntimeError("no answer")


class _Plain(_Loud):
    id = "TEST004"

    def quiet_resources(self, model: ResourceModel) -> Mapping[int, tuple[Resource, Any]] | None:
        return None


def _resources() -> list[Resource]:
    return [Resource(address=f"aws_ebs_volume.v{i}", type="aws_ebs_volume", name=f"v{i}", after={"n": i},
                     actions=("create",)) for i in range(4)]


def test_resources_named_quiet_skip_every_check_sharing_the_mapping_and_only_those() -> None:
    resources = _resources()
    model = ResourceModel(resources)
    _SHARED.clear()
    _SHARED[id(resources[1])] = (resources[1], resources[1].after)
    _SHARED[id(resources[2])] = (resources[2], {"n": 2})  # judged on other values: not quiet now
    checks = [_Loud(), _Plain(), _Other(), _Failing()]
    result = runner.run(model, checks)
    loud, plain, other, failing = checks
    assert loud.scanned == other.scanned == ["aws_ebs_volume.v0", "aws_ebs_volume.v2", "aws_ebs_volume.v3"]
    assert plain.scanned == failing.scanned == [r.address for r in resources]
    # The order of findings' raw list and of the notes is the full run's, less the skipped scans.
    assert result.rule_notes[:4] == ["TEST001 saw aws_ebs_volume.v0", "TEST004 saw aws_ebs_volume.v0",
                                     "TEST002 saw aws_ebs_volume.v0", "TEST003 saw aws_ebs_volume.v0"]
    assert "TEST001 saw aws_ebs_volume.v1" not in result.rule_notes
    assert "TEST004 saw aws_ebs_volume.v1" in result.rule_notes
    assert not result.errors
    _SHARED.clear()


def test_without_quiet_resources_every_scan_runs() -> None:
    resources = _resources()
    _SHARED.clear()
    check = _Loud()
    result = runner.run(ResourceModel(resources), [check])
    assert check.scanned == [r.address for r in resources]
    assert len(result.findings) == 4
