"""``natpolicy verify``: a policy set's own ``test_`` rules, as ``conftest verify`` / ``opa test`` run them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from tests.rego_answers import ENGINES

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[1]

POLICY = '''package main

import rego.v1

deny contains msg if {
	some r in input.resource_changes
	not object.get(r.change.after, "tags", {}).owner
	msg := sprintf("%s has no owner", [r.address])
}
'''
TESTS = '''package main

import rego.v1

test_untagged_is_denied if {
	deny["a has no owner"] with input as {"resource_changes": [{"address": "a", "change": {"after": {}}}]}
}

test_deleted_resource_is_denied_too if {
	count(deny) == 1 with input as {"resource_changes": [{"address": "a", "change": {"after": null}}]}
}

test_tagged_passes if {
	count(deny) == 0 with input as {"resource_changes": [{"address": "a", "change": {"after": {"tags": {"owner": "x"}}}}]}
}
'''

needs_regorus = pytest.mark.skipif("regorus" not in ENGINES, reason="`with` runs on regorus (regopy aborts on it)")


def policy_dir(tmp_path: Path, tests: str = TESTS) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    (folder / "deny.rego").write_text(POLICY, encoding="utf-8")
    (folder / "deny_test.rego").write_text(tests, encoding="utf-8")
    return folder


@needs_regorus
def test_natpolicys_own_twins_pass_their_tests(cli: Cli) -> None:
    result = cli("verify", "-p", str(ROOT / "policies" / "rego"))
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines()[-1].endswith("passed, 0 failures, 0 errors")


@needs_regorus
def test_every_test_passes_and_the_summary_counts_them(cli: Cli, tmp_path: Path) -> None:
    result = cli("verify", "-p", str(policy_dir(tmp_path)), "-v")
    assert result.code == 0, result.out + result.err
    assert [line.split(" - ")[0] for line in result.out.splitlines()[:-1]] == ["PASS"] * 3
    assert result.out.splitlines()[-1] == "3 tests, 3 passed, 0 failures, 0 errors"


@needs_regorus
def test_a_failing_and_an_erroring_test_are_listed_with_their_lines(cli: Cli, tmp_path: Path) -> None:
    tests = TESTS + ('\ntest_wrong if {\n\tcount(deny) == 5\n}\n\ntest_stops if {\n\thex.decode("z") == "a"\n}\n'
                     '\ntest_false := false\n')
    result = cli("verify", "-p", str(policy_dir(tmp_path, tests)))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("FAIL - ") and "deny_test.rego:17 - main.test_wrong: undefined, not true" in lines[0]
    assert lines[1].startswith("ERROR - ") and "deny_test.rego:21 - main.test_stops: " in lines[1]
    assert "deny_test.rego:22:" in lines[1]  # the error's own line
    assert lines[2].startswith("FAIL - ") and "deny_test.rego:25 - main.test_false: false, not true" in lines[2]
    assert lines[-1] == "6 tests, 3 passed, 2 failures, 1 error"


@needs_regorus
def test_strict_builtin_errors_make_the_null_after_an_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("verify", "-p", str(policy_dir(tmp_path)), "--strict-builtin-errors", "--format", "json")
    assert result.code == 1
    outcomes = {t["name"]: t["result"] for t in result.json()["tests"]}
    assert outcomes == {"main.test_untagged_is_denied": "pass", "main.test_deleted_resource_is_denied_too": "error",
                        "main.test_tagged_passes": "pass"}
    assert result.json()["summary"] == {"tests": 3, "passed": 2, "failed": 0, "errors": 1}


@needs_regorus
def test_run_selects_tests_by_a_regular_expression(cli: Cli, tmp_path: Path) -> None:
    result = cli("verify", "-p", str(policy_dir(tmp_path)), "--run", "tagged_passes$", "--format", "json")
    assert [t["name"] for t in result.json()["tests"]] == ["main.test_tagged_passes"]
    bad = cli("verify", "-p", str(policy_dir(tmp_path)), "--run", "(")
    assert bad.code == 2 and "--run: not a regular expression" in bad.err


def test_no_test_rule_is_an_error_not_a_pass(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "deny.rego").write_text(POLICY, encoding="utf-8")
    result = cli("verify", "-p", str(folder))
    assert result.code == 2 and "no test_ rule to run" in result.err and result.err.count("\n") == 1


def test_the_default_policy_folder_is_conftests(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("verify")
    assert result.code == 2 and "'policy'" in result.err  # ./policy, as conftest verify, is missing here


def test_regopy_refuses_with_in_a_test_naming_its_line(cli: Cli, tmp_path: Path) -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed")
    result = cli("verify", "-p", str(policy_dir(tmp_path)), "--rego-engine", "regopy")
    assert result.code == 2 and "deny_test.rego:6:" in result.err and "`with` makes regopy 1.5.2 abort" in result.err


def test_conftests_own_file_builtins_are_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    tests = 'package main\n\nimport rego.v1\n\ntest_fixture if {\n\tcfg := parse_config_file("main.tf")\n\tcfg.x\n}\n'
    result = cli("verify", "-p", str(policy_dir(tmp_path, tests)))
    assert result.code == 2 and "deny_test.rego:6:9: parse_config_file is a builtin of conftest, not of OPA" in result.err
