"""The config file's ``hcl-budget`` reaches the HCL evaluator through the CLI.

``natpolicy.app`` sets the configured limits with ``natpolicy.loaders.hcl_limits``
(which a plan-only run can import without the HCL reader); the evaluator reads
them through ``natpolicy.loaders.hcl.budget``. These run the whole pipeline, so
the two must share one context.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from natpolicy.cli import main
from natpolicy.loaders import hcl_limits
from natpolicy.loaders.hcl import budget

MAIN_TF = 'resource "aws_vpc" "v" {\n  count      = 50\n  cidr_block = "10.0.0.0/16"\n}\n'


def _check(root: Path) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", str(root), "--format", "json", "--no-progress", "--config", str(root / ".natpolicy.yaml")])
    return out.getvalue()


@pytest.mark.parametrize(("instances", "stopped"), [(20, True), (50, False)])
def test_the_configured_instance_limit_stops_a_count_past_it(tmp_path: Path, instances: int, stopped: bool) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / ".natpolicy.yaml").write_text(f"hcl-budget:\n  instances: {instances}\n")
    report = _check(tmp_path)
    # 50 instances: past a limit of 20, within a limit of 50 (the default is 50,000).
    assert (f"hcl-budget.instances: {instances} " in report) is stopped, report


def test_the_budget_module_re_exports_the_light_limits() -> None:
    assert budget.Limits is hcl_limits.Limits and budget.DEFAULT_LIMITS is hcl_limits.DEFAULT_LIMITS
    chosen = hcl_limits.Limits(steps=7)
    with hcl_limits.configured(chosen):
        assert budget.limits() is chosen
        with budget.active() as spent:
            assert spent.limits is chosen  # a new budget draws the configured limits
    assert budget.limits() == budget.DEFAULT_LIMITS
