"""The engine parses only the plan sections the policies can read, and that changes no answer.

``natpolicy.rego.input_keys`` reads which top-level keys of ``input`` the
policies name; ``plan_bytes.sections_parts`` cuts those out of the plan's own
text. A policy that can see the whole input (``object.keys(input)``) must get
all of it, so both directions are checked through the CLI: a section nothing
reads is never parsed (a value nested past regorus' limit there goes
unnoticed), and one a policy may read still is.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, CliResult, PlanBuilder
from natpolicy.rego.input_keys import readable_input_keys

Cli = Callable[..., CliResult]


def _module(body: str) -> str:
    return f"package main\n\nimport rego.v1\n\n{body}\n"


@pytest.mark.parametrize(("body", "keys"), [
    ("deny contains rc.address if some rc in input.resource_changes", {"resource_changes"}),
    ('x := input["planned_values"].root_module', {"planned_values"}),
    ("x := input[`prior_state`]", {"prior_state"}),
    ('x := input["resource\\u005fchanges"]', {"resource_changes"}),  # the key as OPA reads the string
    ("x := input . configuration", {"configuration"}),
    # A field named input is no use of the input document; neither is the word in a string or a comment.
    ('x := data.input.y\ny := {"input": 1}.input\nz := "input[k]" # input[k]\nw := input.a', {"a"}),
    ("x := 1", set()),
    # A `$` in a string is no template string.
    ('deny contains rc.address if {\n\tsome rc in input.resource_changes\n\tregex.match("^aws_.*$", rc.type)\n}',
     {"resource_changes"}),
])
def test_the_sections_a_policy_names(body: str, keys: set[str]) -> None:
    assert readable_input_keys([_module(body)]) == frozenset(keys)


def test_an_import_names_its_section_and_modules_add_up() -> None:
    first = "package a\n\nimport input.configuration as c\n\nx := c.root_module\n"
    second = _module('y := input.format_version')
    assert readable_input_keys([first, second]) == {"configuration", "format_version"}


@pytest.mark.parametrize("body", [
    "x := input[k] if some k in {\"a\"}",
    "x := [v | v := input[_]]",
    "x := input[1]",
    "x := object.keys(input)",
    "x := [p | walk(input, [p, _])]",
    "x := input",
    "x := count(input)",
    "deny contains 1 if { some k, v in input }",
    'x := data.main.y with input as {"a": 1}',
    "x := input.a\ny := json.marshal(input)",  # one whole use is enough, wherever it is
    'x := $"{input.a}"',  # a template string hides its uses from the tokens
])
def test_a_use_that_can_see_the_whole_input_keeps_all_of_it(body: str) -> None:
    assert readable_input_keys([_module(body)]) is None


def test_import_input_keeps_all_of_it() -> None:
    assert readable_input_keys(["package a\n\nimport input\n\nx := input.a\n"]) is None
    assert readable_input_keys(["package a\n\nimport input as i\n"]) is None


def _sections(data: bytes) -> dict[str, object] | None:
    from natpolicy.rego.plan_bytes import read_plan

    return read_plan(data, "plan.json").sections


def _plan_files() -> list[Path]:
    files = sorted((ROOT / "fixtures" / "plans").glob("*.json"))
    if (CORPUS / "plans").is_dir():
        files += sorted((CORPUS / "plans").rglob("*.json"))[::10]  # a tenth of the corpus: every project
    return files


@pytest.mark.parametrize("path", _plan_files(), ids=lambda p: p.name)
def test_the_cut_text_holds_the_chosen_sections_exactly(path: Path) -> None:
    pytest.importorskip("msgspec")
    from natpolicy.rego.plan_bytes import sections_parts

    data = path.read_bytes()
    sections = _sections(data)
    if sections is None:
        pytest.skip("not plain UTF-8 JSON: the engine gets the whole text")
    whole = json.loads(data)
    for keys in (frozenset(), frozenset({"resource_changes"}),
                 frozenset({"resource_changes", "configuration", "prior_state", "no_such_section"}), frozenset(whole)):
        assert json.loads(b"".join(sections_parts(sections, keys))) == {k: v for k, v in whole.items() if k in keys}


def test_a_repeated_top_level_key_keeps_the_last_value_as_json_does() -> None:
    pytest.importorskip("msgspec")
    from natpolicy.rego.plan_bytes import sections_parts

    data = b'{"format_version": "1.2", "a": [1], "resource_changes": [], "a": {"b": 2}}'
    sections = _sections(data)
    assert sections is not None
    assert json.loads(b"".join(sections_parts(sections, frozenset({"a"})))) == {"a": json.loads(data)["a"]} == {"a": {"b": 2}}


def _deep_plan(tmp_path: Path) -> Path:
    """A plan whose extra top-level section nests past regorus' input limit (127), within natpolicy's (256)."""
    from natpolicy.rego.engine_regorus import INPUT_DEPTH_LIMIT

    depth = INPUT_DEPTH_LIMIT + 20
    text = PlanBuilder().create("aws_instance.web", {"ami": "ami-1", "tags": {}}).dumps()
    text = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return path


def _policy(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "policy"
    directory.mkdir()
    (directory / "policy.rego").write_text(_module(body), encoding="utf-8")
    return directory


def test_a_section_no_policy_reads_is_never_parsed(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("regorus")
    pytest.importorskip("msgspec")
    policy = _policy(tmp_path, 'deny contains sprintf("%s has no Owner tag", [rc.address]) if {\n'
                               "\tsome rc in input.resource_changes\n\tnot rc.change.after.tags.Owner\n}")
    result = cli("check", str(_deep_plan(tmp_path)), "--policy", str(policy), "--format", "json",
                 "--rego-engine", "regorus")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if f["rule_id"] == "main/deny"] == [
        "aws_instance.web has no Owner tag"]


def test_a_policy_that_can_see_every_section_gets_every_section(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("regorus")
    policy = _policy(tmp_path, 'deny contains sprintf("%d sections", [count(object.keys(input))]) if true')
    plan = PlanBuilder().create("aws_instance.web", {"ami": "ami-1"})
    path = plan.write(tmp_path / "plan.json")
    result = cli("check", str(path), "--policy", str(policy), "--format", "json", "--rego-engine", "regorus")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if f["rule_id"] == "main/deny"] == [
        f"{len(plan.build())} sections"]
    # The deep section is read, so regorus' own limit speaks, as it always did.
    result = cli("check", str(_deep_plan(tmp_path)), "--policy", str(policy), "--rego-engine", "regorus")
    assert result.code == 2
    assert "nested more than 127 levels deep" in result.err
