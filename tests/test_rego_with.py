"""``with`` in a ``--policy`` file: regorus answers it as OPA does (the probes of category ``with``); regopy 1.5.2
aborts the whole process on it, so it is refused there alone, with its line (``natpolicy.rego.guards``)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult, PlanBuilder
from tests.rego_answers import ENGINES

Cli = Callable[..., CliResult]

POLICY = ('package main\n\nimport rego.v1\n\nowner_missing contains r.address if {\n'
          '  some r in input.resource_changes\n  not r.change.after.triggers.owner\n}\n\n'
          'deny contains msg if {\n  some a in owner_missing with input.resource_changes as [input.resource_changes[0]]\n'
          '  msg := sprintf("%s has no owner", [a])\n}\n')


def run(cli: Cli, tmp_path: Path, engine: str) -> CliResult:
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "p.rego").write_text(POLICY, encoding="utf-8")
    plan = (PlanBuilder().create("null_resource.a", {"triggers": {"k": "v"}})
            .create("null_resource.b", {"triggers": {"k": "w"}}).write(tmp_path / "plan.json"))
    return cli("check", str(plan), "-p", str(tmp_path / "policy"), "--rego-engine", engine, "--format", "json",
               "--no-progress")


def test_regorus_runs_with_as_opa(cli: Cli, tmp_path: Path) -> None:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed")
    result = run(cli, tmp_path, "regorus")
    # Only the first resource is seen under `with`: one finding, not two.
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if "/" in f["rule_id"]] == ["null_resource.a has no owner"]


def test_regopy_refuses_with_naming_its_line(cli: Cli, tmp_path: Path) -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    result = run(cli, tmp_path, "regopy")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "p.rego:11:27: `with` makes regopy 1.5.2 abort" in result.err and "run on regorus" in result.err
