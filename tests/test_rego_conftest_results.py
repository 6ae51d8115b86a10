"""How conftest reads a rule's results and its exceptions, and natpolicy with it (docs/rego.md,
"conftest's rules, side by side").

conftest's source is the reference: ``policy/engine.go`` (``check``, ``query``,
``removeRulePrefix``) and ``output/result.go`` (``NewResult``, ``Passed``,
``ExitCode``). Every test runs on the default Rego engine.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder

pytest.importorskip("regopy")

Cli = Callable[..., CliResult]

V1 = "package main\n\nimport rego.v1\n\n"


def run(cli: Cli, tmp_path: Path, source: str, *flags: str) -> tuple[CliResult, list[dict[str, Any]], str]:
    """``natpolicy check`` of a plan no built-in rule fires on: the user findings (id, message) and the notes."""
    directory = tmp_path / "policy"
    directory.mkdir(exist_ok=True)
    (directory / "policy.rego").write_text(source, encoding="utf-8")
    plan = PlanBuilder().create("null_resource.a", {"triggers": {"k": "v"}}).write(tmp_path / "plan.json")
    result = cli("check", str(plan), "-p", str(directory), "--format", "json", "--no-progress", *flags)
    assert result.out, result.err
    report = result.json()
    return result, [f for f in report["findings"] if "/" in f["rule_id"] or f.get("details", {}).get("query")], \
        " ".join(report["notes"])


def ids(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(f["rule_id"] for f in findings)


# -- --no-fail ---------------------------------------------------------------------------------
def test_no_fail_is_conftests_spelling_of_soft_fail(cli: Cli, tmp_path: Path) -> None:
    result, findings, _ = run(cli, tmp_path, V1 + 'deny contains "d" if true\n', "--no-fail")
    assert ids(findings) == ["main/deny"]
    assert result.code == 0
