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


# -- exceptions: removeRulePrefix and exception[_][_] == name ----------------------------------
PLAIN_AND_SUFFIXED = (V1 + 'deny contains "d" if true\nviolation contains "v" if true\nwarn contains "w" if true\n'
                      'deny_deny contains "dd" if true\nwarn_tags contains "t" if true\n')


def test_the_empty_name_exempts_plain_deny_violation_and_warn(cli: Cli, tmp_path: Path) -> None:
    # removeRulePrefix turns plain deny, violation and warn into "" (conftest#589).
    result, findings, notes = run(cli, tmp_path, PLAIN_AND_SUFFIXED + 'exception contains [""] if true\n')
    assert ids(findings) == ["main/deny_deny", "main/warn_tags"]
    assert "1 result(s) of data.main.warn exempted" in notes
    assert result.code == 1


def test_naming_deny_exempts_deny_deny_not_plain_deny(cli: Cli, tmp_path: Path) -> None:
    # "deny" is what removeRulePrefix leaves of deny_deny; plain deny looks up "".
    result, findings, notes = run(cli, tmp_path, PLAIN_AND_SUFFIXED + 'exception contains ["deny", "warn"] if true\n')
    assert ids(findings) == ["main/deny", "main/violation", "main/warn", "main/warn_tags"]
    assert "names 'deny', which exempts deny_deny but not plain deny, as in conftest" in notes
    assert "names 'warn', which exempts warn_warn but not plain warn" in notes
    assert result.code == 1


def test_a_suffix_still_exempts_its_deny_violation_and_warn_rules(cli: Cli, tmp_path: Path) -> None:
    _, findings, notes = run(cli, tmp_path, PLAIN_AND_SUFFIXED + 'exception contains ["tags"] if true\n')
    assert ids(findings) == ["main/deny", "main/deny_deny", "main/violation", "main/warn"]
    assert "names '" not in notes  # no hint without a plain rule's name in the exception


@pytest.mark.parametrize(("exception", "left"), [
    ('exception contains {"tags"} if true\n', []),  # a set of sets: exception[_][_] reaches "tags"
    ('exception := {"a": ["tags"]}\n', []),  # an object's values are iterated too
    ('exception contains ["tags", 5] if true\n', []),  # a number beside the name equals no name
    ('exception := {"a": {"b": ["tags"]}}\n', ["main/deny_tags"]),  # one level too deep
])
def test_exception_names_are_what_exception_iterated_twice_reaches(cli: Cli, tmp_path: Path, exception: str,
                                                                   left: list[str]) -> None:
    result, findings, notes = run(cli, tmp_path, V1 + 'deny_tags contains "t" if true\n' + exception)
    assert ids(findings) == left
    assert result.code == (1 if left else 0), result.err
    assert ("so it exempts nothing" in notes) == bool(left)


@pytest.mark.parametrize("exception", ['exception contains "tags" if true\n', 'exception := {"a": "tags"}\n'])
def test_an_exception_naming_no_rule_exempts_nothing_with_a_note(cli: Cli, tmp_path: Path, exception: str) -> None:
    # conftest's query is undefined on a string (not iterable): no exemption, no error.
    result, findings, notes = run(cli, tmp_path, V1 + 'deny_tags contains "t" if true\n' + exception)
    assert ids(findings) == ["main/deny_tags"]
    assert result.code == 1
    assert "data.main.exception" in notes and "so it exempts nothing, as in conftest" in notes


# -- results: Result.Passed and NewResult ------------------------------------------------------
def test_an_empty_message_is_a_pass_as_conftest_counts_it(cli: Cli, tmp_path: Path) -> None:
    result, findings, notes = run(cli, tmp_path, V1 + 'deny contains "" if true\n'
                                                      'deny contains {"msg": "", "id": "X1"} if true\n')
    assert findings == []
    assert result.code == 0
    assert "2 result(s) of data.main.deny have an empty message, which conftest counts as passed" in notes


def test_an_empty_message_passes_beside_a_real_one(cli: Cli, tmp_path: Path) -> None:
    result, findings, _ = run(cli, tmp_path, V1 + 'deny contains "" if true\ndeny contains " " if true\n')
    assert [f["message"] for f in findings] == [" "]  # a blank is no empty message
    assert result.code == 1


@pytest.mark.parametrize(("fields", "unusable"), [
    ('"id": "has space"', "`id` must be a rule id"),
    ('"id": 7', "`id` must be a rule id"),
    ('"severity": "error"', "`severity` must be low, medium, high or critical"),
    ('"resource": {"kind": "Pod"}', "`resource` must be a string"),
    ('"address": ["a"]', "`address` must be a string"),
    ('"title": {"en": "t"}', "`title` must be a string"),
    ('"key": [1]', "`key` must be a string or a whole number"),
    ('"resource_type": 3', "`resource_type` must be a string"),
])
def test_metadata_natpolicy_cannot_use_stays_in_details_as_conftest_keeps_it(cli: Cli, tmp_path: Path, fields: str,
                                                                              unusable: str) -> None:
    # conftest's NewResult keeps every field but msg as metadata; the run is not stopped for one.
    result, findings, notes = run(cli, tmp_path, V1 + f'deny contains {{"msg": "m", {fields}}} if true\n')
    [finding] = findings
    assert finding["rule_id"] == "main/deny" and finding["severity"] == "high"
    key = fields.split('"')[1]
    assert key in finding["details"]
    assert result.code == 1
    assert f"policy.rego:5) returned fields natpolicy cannot use ({unusable}" in notes


def test_usable_metadata_is_still_used(cli: Cli, tmp_path: Path) -> None:
    result, findings, notes = run(cli, tmp_path, V1 + 'warn contains {"msg": "m", "id": "ORG-1", "severity": "HIGH", '
                                                      '"resource": "null_resource.a"} if true\n')
    [finding] = findings
    assert (finding["rule_id"], finding["severity"], finding["address"]) == ("ORG-1", "high", "null_resource.a")
    assert "cannot use" not in notes
    assert result.code == 0  # a warning, however severe, fails only with --fail-on-warn or an explicit fail-on


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
