"""The EBS rules read a resource's configuration only when a planned value is known after apply.

A plan resource's ``expressions`` are decoded when first read
(``loaders.plan_resource``); ``state_of`` and ``has_snapshot`` need them only
for an unknown value, so the rules ask for them only then
(``_encryption.leaves_open``). Whether they judge alike either way is
``test_rules_ebs.py``'s: these tests hold the rules to not reading what they
do not need, and to reading what they do.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy import registry
from natpolicy.loaders import plan_fast
from natpolicy.loaders.plan_json import load_plan
from natpolicy.loaders.plan_resource import PlanResource
from natpolicy.model import ResourceModel
from natpolicy.runner import run

pytestmark = pytest.mark.skipif("msgspec" not in plan_fast.BACKENDS, reason="msgspec is not installed here")

_ROOT = {"root_block_device": [{"volume_size": {"constant_value": 20}}]}


def _plan() -> PlanBuilder:
    return (PlanBuilder()
            # Every value the rules judge is known: no configuration needed.
            .create("aws_ebs_volume.known", {"encrypted": False, "snapshot_id": None}, unknown=["id"],
                    expressions={"encrypted": {"constant_value": False}})
            .create("aws_instance.known", {"root_block_device": [{"encrypted": False}],
                                           "ebs_block_device": [{"encrypted": True, "snapshot_id": "",
                                                                 "device_name": "/dev/sdf"}]},
                    unknown=["id"], expressions=_ROOT)
            .create("aws_launch_template.known",
                    {"block_device_mappings": [{"device_name": "/dev/sda1",
                                                "ebs": [{"encrypted": "false", "snapshot_id": ""}]}]},
                    unknown=["id"], expressions={"block_device_mappings": [{"ebs": [{}]}]})
            # Unknown after apply: the configuration tells unset from unknown.
            .create("aws_ebs_volume.open", {"snapshot_id": None}, unknown=["id", "encrypted"],
                    expressions={"size": {"constant_value": 20}})
            .create("aws_instance.open", {}, unknown=["id", "root_block_device"], expressions=_ROOT)
            .create("aws_launch_template.open",
                    {"block_device_mappings": [{"device_name": "/dev/sda1", "ebs": [{"snapshot_id": ""}]}]},
                    unknown={"id": True, "block_device_mappings": [{"ebs": [{"encrypted": True}]}]},
                    expressions={"block_device_mappings": [{"ebs": [{}]}]}))


def test_only_values_known_after_apply_make_the_rules_read_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan().build()), encoding="utf-8")
    saved = plan_fast.BACKEND
    plan_fast.BACKEND = "msgspec"
    try:
        resources = load_plan(str(path))
    finally:
        plan_fast.BACKEND = saved
    assert all(isinstance(r, PlanResource) and r.expressions_pending for r in resources)

    result = run(ResourceModel(resources), registry.instantiate(
        registry.select(registry.discover(), ["EBS001", "EBS002", "EBS003"])))

    read = {r.address for r in resources if not r.expressions_pending}
    assert read == {"aws_ebs_volume.open", "aws_instance.open", "aws_launch_template.open"}
    # The unread ones were judged all the same: each known unencrypted volume is a finding.
    fired = {f.address for f in result.findings}
    assert {"aws_ebs_volume.known", "aws_instance.known", "aws_launch_template.known"} <= fired
