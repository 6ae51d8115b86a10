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


# -- --combine: CombineConfigurations (parser/parser.go) ---------------------------------------
def test_combine_splits_lists_and_sorts_by_path_as_conftest_does(cli: Cli, tmp_path: Path) -> None:
    # One entry per document or list element, under its file's path, sorted by path: not one entry per file in
    # command-line order.
    source = V1 + ('deny contains concat(" ", [e.path, json.marshal(e.contents)]) if some e in input\n'
                   'warn contains concat(",", [e.path | some e in input]) if true\n')
    (tmp_path / "b.yaml").write_text("kind: one\n---\nkind: two\n", encoding="utf-8")
    (tmp_path / "a.json").write_text('[{"kind": "x"}, {"kind": "y"}]', encoding="utf-8")
    directory = tmp_path / "policy"
    directory.mkdir()
    (directory / "policy.rego").write_text(source, encoding="utf-8")
    result = cli("check", str(tmp_path / "b.yaml"), str(tmp_path / "a.json"), "-p", str(directory), "--combine",
                 "--format", "json", "--no-progress")
    findings = result.json()["findings"]
    [order] = [f["message"] for f in findings if f["rule_id"] == "main/warn"]
    assert [Path(p).name for p in order.split(",")] == ["a.json", "a.json", "b.yaml", "b.yaml"]
    contents = sorted(f["message"].split(" ", 1)[1] for f in findings if f["rule_id"] == "main/deny")
    assert contents == ['{"kind":"one"}', '{"kind":"two"}', '{"kind":"x"}', '{"kind":"y"}']


def test_combine_keeps_a_single_document_whole(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("kind: one\nitems: [1, 2]\n", encoding="utf-8")
    directory = tmp_path / "policy"
    directory.mkdir()
    (directory / "policy.rego").write_text(V1 + 'deny contains sprintf("%d %d", [count(input), '
                                                'count(input[0].contents.items)]) if true\n', encoding="utf-8")
    result = cli("check", str(tmp_path / "one.yaml"), "-p", str(directory), "--combine", "--format", "json",
                 "--no-progress")
    assert [f["message"] for f in result.json()["findings"]] == ["1 2"]
