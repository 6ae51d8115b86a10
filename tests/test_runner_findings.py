"""The runner builds each finding without ``Finding.__init__``: the very instance ``Finding(**fields)`` gives."""
from __future__ import annotations

import dataclasses
from typing import Any

from natpolicy import runner
from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.findings import Finding
from natpolicy.model import FindingContext, Resource, ResourceModel, SourceLocation


class _Rule(ResourceCheck):
    id = "TEST001"
    name = "Test rule"
    severity = Severity.MEDIUM
    supported_types = ("aws_ebs_volume",)

    def scan(self, resource: Resource, model: ResourceModel):  # type: ignore[no-untyped-def]
        yield Violation(f"{resource.address} is open", key="k", details={"n": (1, 2)})
        yield Violation("second", severity=Severity.CRITICAL, level="note")


def test_a_finding_built_by_the_runner_is_the_one_finding_init_builds() -> None:
    located = Resource(address="aws_ebs_volume.a", type="aws_ebs_volume", name="a", origin="plan.json",
                       location=SourceLocation("main.tf", 3, 5),
                       finding_context=FindingContext(note=" (deleted)", details={"was": "here"}))
    bare = Resource(address="aws_ebs_volume.b", type="aws_ebs_volume", name="b", origin="")
    findings = runner.run(ResourceModel([located, bare]), [_Rule()]).findings
    assert len(findings) == 4
    for finding in findings:
        fields: dict[str, Any] = {f.name: getattr(finding, f.name) for f in dataclasses.fields(Finding)}
        twin = Finding(**fields)
        assert finding == twin and repr(finding) == repr(twin)
        assert vars(finding) == vars(twin) and list(vars(finding)) == list(vars(twin))  # every field, in order


def test_new_finding_sets_every_field_of_finding_in_order_with_its_defaults() -> None:
    required = {"rule_id": "R", "rule_name": "n", "severity": Severity.LOW, "level": "note", "address": "a.b",
                "resource_type": "a", "message": "m", "origin": "o", "location": SourceLocation("p")}
    twin = Finding(**required)  # every default from the class itself
    built = runner._new_finding({**required, "key": "", "details": {}, "suppression": None,
                                 "suppression_kind": "inSource", "related": ()})
    assert vars(built) == vars(twin) and list(vars(built)) == [f.name for f in dataclasses.fields(Finding)]
    assert not hasattr(Finding, "__post_init__") and "__slots__" not in vars(Finding)
    assert dataclasses.replace(built, key="x") == dataclasses.replace(twin, key="x")
