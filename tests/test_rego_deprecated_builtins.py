"""OPA's deprecated builtins in a module read as Rego v0 (``natpolicy.rego.deprecated_builtins``): ``re_match`` and
``net.cidr_overlap`` renamed to the builtins OPA runs for them, the others answered in Rego as OPA's Go answers
them (v1/topdown aggregates.go, sets.go, casts.go), in OPA's default mode for builtin errors."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder
from natpolicy.rego.deprecated_builtins import ALIASES, FUNCTIONS, deprecated_functions, deprecated_renames
from tests.rego_answers import ENGINES

Cli = Callable[..., CliResult]

pytestmark = pytest.mark.skipif("regorus" not in ENGINES, reason="Rego v0 runs on regorus (regopy misreads it)")


def run(cli: Cli, tmp_path: Path, body: str, *flags: str) -> CliResult:
    """A v0 policy whose ``deny`` reports ``sprintf("%v", [VALUE])`` for each value ``x`` the body binds."""
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    (folder / "p.rego").write_text(f"package main\n\ndeny[msg] {{\n  {body}\n  msg := sprintf(\"%v\", [x])\n}}\n",
                                   encoding="utf-8")
    plan = PlanBuilder().create("null_resource.a", {"triggers": {"k": "v"}}).write(tmp_path / "plan.json")
    return cli("check", str(plan), "-p", str(folder), "--rego-version", "v0", "--rego-engine", "regorus",
               "--format", "json", "--no-progress", *flags)


def answers(result: CliResult) -> list[str]:
    assert result.out, result.err
    return sorted(f["message"] for f in result.json()["findings"] if "/" in f["rule_id"])


@pytest.mark.parametrize(("body", "expected"), [
    ('re_match("^a.c$", "abc"); x := 1', ["1"]),
    ('net.cidr_overlap("10.0.0.0/8", "10.1.2.3"); x := 2', ["2"]),
    ("x := any([false, true])", ["true"]),
    ("x := any({false})", ["false"]),
    ("x := any([])", ["false"]),
    ('x := any(["true", 1])', ["false"]),  # only the boolean true counts
    ("x := all([true, true])", ["true"]),
    ("x := all([])", ["true"]),
    ("x := all({true, 1})", ["false"]),
    ('x := set_diff({"a", "b"}, {"a"})', ['{"b"}']),
    ("x := cast_array({2, 1})", ["[1, 2]"]),
    ('x := cast_set(["b", "a", "b"])', ['{"a", "b"}']),
    ('x := cast_string("s")', ["s"]),
    ("x := cast_boolean(false)", ["false"]),
    ("x := cast_null(null)", ["null"]),
    ('x := cast_object({"k": 1})', ['{"k": 1}']),
])
def test_each_deprecated_builtin_answers_as_opa(cli: Cli, tmp_path: Path, body: str, expected: list[str]) -> None:
    result = run(cli, tmp_path, body)
    assert answers(result) == expected


@pytest.mark.parametrize("body", [
    'x := any({"a": true})', "x := all(1)", 'x := set_diff([1], {1})', "x := cast_array(1)", "x := cast_set({})",
    "x := cast_string(1)", "x := cast_boolean(0)", "x := cast_null(false)", "x := cast_object([])",
    "re_match(1, \"a\"); x := 1",
])
def test_an_operand_of_another_kind_is_undefined_as_in_opas_default_mode(cli: Cli, tmp_path: Path, body: str) -> None:
    result = run(cli, tmp_path, body)
    assert result.code == 0 and answers(result) == []


def test_under_strict_builtin_errors_only_the_renamed_builtins_run(cli: Cli, tmp_path: Path) -> None:
    assert answers(run(cli, tmp_path, 're_match("^a", "abc"); x := 1', "--strict-builtin-errors")) == ["1"]
    refused = run(cli, tmp_path, "x := any([true])", "--strict-builtin-errors")
    assert refused.code == 2 and "without --strict-builtin-errors" in refused.err and "p.rego:4:8" in refused.err


def test_a_v1_module_may_not_call_them_as_in_opa(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "p.rego").write_text('package main\n\nimport rego.v1\n\ndeny contains "d" if re_match("a", "a")\n',
                                   encoding="utf-8")
    plan = PlanBuilder().create("null_resource.a", {"triggers": {"k": "v"}}).write(tmp_path / "plan.json")
    result = cli("check", str(plan), "-p", str(folder), "--rego-version", "v0", "--rego-engine", "regorus",
                 "--no-progress")
    assert result.code == 2 and "re_match is a builtin OPA deprecated" in result.err


def test_an_error_after_a_renamed_call_names_the_policys_column(cli: Cli, tmp_path: Path) -> None:
    # hex.decode fails on the text (a stop in either mode): its column is the policy's, past the longer name
    # (regorus names the text inside the literal's quote).
    result = run(cli, tmp_path, 're_match("a", "a"); x := hex.decode("z")')
    assert result.code == 2
    line = '  re_match("a", "a"); x := hex.decode("z")'
    column = line.index('"z"') + 2
    assert f"p.rego:4:{column}: " in result.err, result.err


def test_the_tables_cover_opas_deprecated_names() -> None:
    from natpolicy.rego.builtins import _DEPRECATED  # the refusal's own list: every name is answered or refused

    assert set(_DEPRECATED) == set(ALIASES) | set(FUNCTIONS)
    assert set(deprecated_renames(False)) == set(ALIASES)
    definitions: Any = deprecated_functions(set(FUNCTIONS))
    assert definitions.count("\n") >= len(FUNCTIONS) and " x" not in definitions  # private argument names
