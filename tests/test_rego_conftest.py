"""conftest habits that user policies keep under natpolicy (docs/rego.md, "Coming from conftest").

Every test runs on the default Rego engine; where an engine cannot do
something (Rego v0 on regopy), the test checks the clear refusal instead.
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


def policy(tmp_path: Path, source: str, name: str = "policy.rego", folder: str = "policy") -> Path:
    directory = tmp_path / folder
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(source, encoding="utf-8")
    return directory


def quiet_plan(tmp_path: Path) -> Path:
    """A plan no built-in rule fires on: the exit code is the user policies' alone."""
    return (PlanBuilder()
            .create("null_resource.a", {"triggers": {"k": "v"}})
            .create("null_resource.b", {"triggers": {"k": "w"}})
            .write(tmp_path / "plan.json"))


def check(cli: Cli, *args: str) -> CliResult:
    """``natpolicy check`` in-process; no progress lines, which a loaded machine would add to stderr."""
    return cli("check", *args, "--no-progress")


def user_findings(result: CliResult) -> list[dict[str, Any]]:
    assert result.out, result.err
    return [f for f in result.json()["findings"] if "/" in f["rule_id"]]


def notes_of(result: CliResult) -> str:
    return " ".join(result.json()["notes"])


# -- -p -------------------------------------------------------------------------------
def test_p_is_the_short_form_of_policy(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "d" if true\n')
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "json")
    assert result.code == 1
    assert [f["rule_id"] for f in user_findings(result)] == ["main/deny"]


# -- warn does not fail the run unless asked ----------------------------------------------
WARN_ONLY = V1 + 'warn contains "consider tagging" if true\nwarn_cost contains "big" if true\n'


def test_warnings_are_reported_but_exit_zero_as_in_conftest(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, WARN_ONLY)
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "json")
    assert sorted(f["rule_id"] for f in user_findings(result)) == ["main/warn", "main/warn_cost"]
    assert result.code == 0


@pytest.mark.parametrize(("flags", "code"), [
    (("--fail-on-warn",), 1),
    (("--fail-on", "low"), 1),  # an explicit threshold counts every finding at or above it
    (("--fail-on", "medium"), 1),
    (("--fail-on", "high"), 0),  # warnings are medium
    (("--fail-on-warn", "--fail-on", "high"), 0),
    (("--fail-on-warn", "--soft-fail"), 0),
])
def test_warnings_fail_with_fail_on_warn_or_an_explicit_fail_on(cli: Cli, tmp_path: Path, flags: tuple[str, ...],
                                                                 code: int) -> None:
    directory = policy(tmp_path, WARN_ONLY)
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), *flags)
    assert result.code == code, result.err


def test_a_fail_on_from_the_config_file_is_explicit_too(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, WARN_ONLY)
    config = tmp_path / "natpolicy.yaml"
    config.write_text("fail-on: medium\n", encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--config", str(config))
    assert result.code == 1


def test_a_deny_still_fails_next_to_warnings(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, WARN_ONLY + 'deny contains "no" if true\n')
    assert check(cli, str(quiet_plan(tmp_path)), "-p", str(directory)).code == 1


# -- a namespace with nothing to query passes, with a note --------------------------------
@pytest.mark.parametrize(("source", "flags", "note"), [
    ("package other\n\nimport rego.v1\n\ndeny contains \"x\" if true\n", (),
     "no Rego policy is in namespace main (packages found: other)"),
    ("package other\n\nimport rego.v1\n\ndeny contains \"x\" if true\n", ("--namespace", "typo"),
     "no Rego policy is in namespace typo"),
    (V1 + "helper := 1\n", (), "no deny, violation or warn rule in Rego package main"),
    (V1 + "exception contains [\"\"] if true\n", (), "no deny, violation or warn rule in Rego package main"),
])
def test_a_namespace_with_nothing_to_query_passes_with_a_note(cli: Cli, tmp_path: Path, source: str,
                                                              flags: tuple[str, ...], note: str) -> None:
    directory = policy(tmp_path, source, "helpers.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), *flags, "--format", "json")
    assert result.code == 0, result.err
    assert user_findings(result) == []
    assert note in notes_of(result)


def test_a_silent_package_next_to_a_reporting_one_is_named_in_a_note(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "d" if true\n')
    policy(tmp_path, "package lib\n\nimport rego.v1\n\nword := 1\n", "lib.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--all-namespaces", "--format", "json")
    assert [f["rule_id"] for f in user_findings(result)] == ["main/deny"]
    assert "no deny, violation or warn rule in Rego package lib" in notes_of(result)


# -- a bare boolean deny is ignored, as conftest ignores it ---------------------------------
@pytest.mark.parametrize("rule", [
    "deny if { true }\n",
    "deny := true\n",
    "deny = true\n",
    "violation_x := false\n",
    "warn if { input.resource_changes[0].type == \"null_resource\" }\n",
])
def test_a_bare_boolean_rule_is_ignored_with_a_note(cli: Cli, tmp_path: Path, rule: str) -> None:
    directory = policy(tmp_path, V1 + rule + 'deny_real contains "real" if true\n', "bools.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "json")
    assert [f["rule_id"] for f in user_findings(result)] == ["main/deny_real"]  # the rest still runs
    assert result.code == 1
    notes = notes_of(result)
    assert "is the boolean" in notes and "ignored as conftest ignores it" in notes and "bools.rego:5" in notes


def test_a_non_boolean_scalar_is_still_an_error(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny := 5\n", "bad.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory))
    assert result.code == 2 and "must be a set of results" in result.err


# -- exceptions reach warn_ rules too --------------------------------------------------------
def test_exceptions_exempt_warn_rules_by_their_suffix(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny_tags contains "t" if true\n'
                                      'warn_tags contains "w" if true\n'
                                      'warn_cost contains "c" if true\n'
                                      'exception contains rules if {\n  rules := ["tags"]\n}\n')
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "json")
    assert [f["rule_id"] for f in user_findings(result)] == ["main/warn_cost"]
    notes = notes_of(result)
    assert "1 result(s) of data.main.warn_tags exempted" in notes
    assert "1 result(s) of data.main.deny_tags exempted" in notes
    assert result.code == 0  # only a warning is left


def test_an_exception_naming_the_plain_rule_exempts_it(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "d" if true\nwarn contains "w" if true\n'
                                      'deny_x contains "x" if true\n'
                                      'exception contains ["deny"] if true\nexception contains ["warn"] if true\n')
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "json")
    assert [f["rule_id"] for f in user_findings(result)] == ["main/deny_x"]


def test_an_exception_applies_only_in_its_own_namespace(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'warn_tags contains "w" if true\n')
    policy(tmp_path, "package other\n\nimport rego.v1\n\nwarn_tags contains \"o\" if true\n"
                     "exception contains [\"tags\"] if true\n", "other.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--all-namespaces", "--format", "json")
    assert [f["rule_id"] for f in user_findings(result)] == ["main/warn_tags"]


# -- --data: JSON/YAML base documents under data. ---------------------------------------------
DATA_POLICY = V1 + ('deny contains msg if {\n  some rc in input.resource_changes\n'
                    '  not rc.change.after.triggers.k in data.allowed\n'
                    '  msg := sprintf("%s: %s not allowed (owner %s)", [rc.address, rc.change.after.triggers.k,'
                    ' data.team.owner])\n}\n')


def test_data_files_merge_under_data_as_conftest_loads_them(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, DATA_POLICY)
    allowed = tmp_path / "allowed.yaml"
    allowed.write_text("# safe YAML\nallowed:\n  - v\n", encoding="utf-8")
    tree = tmp_path / "datadir" / "team"
    tree.mkdir(parents=True)
    (tree / "owner.json").write_text('{"owner": "net-team"}', encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--data", str(allowed),
                 "-d", str(tmp_path / "datadir"), "--format", "json")
    # data.allowed from the file's top; data.team.owner from datadir/team/owner.json.
    assert [f["message"] for f in user_findings(result)] == ["null_resource.b: w not allowed (owner net-team)"]
    assert result.code == 1


def test_data_from_two_files_merges_key_by_key(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, DATA_POLICY)
    one, two = tmp_path / "one.json", tmp_path / "two.yml"
    one.write_text('{"allowed": ["v", "w"], "team": {"x": 1}}', encoding="utf-8")
    two.write_text("team:\n  owner: me\n", encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--data", str(one), "--data", str(two),
                 "--format", "json")
    assert user_findings(result) == [] and result.code == 0


@pytest.mark.parametrize(("name", "text", "cause"), [
    ("bad.json", '{"allowed": [', "malformed JSON at line 1"),
    ("bad.yaml", "allowed: [a\n", "bad.yaml:2: invalid YAML"),
    ("list.yaml", "- a\n- b\n", "must hold an object at its top"),
    ("alias.yaml", "a: &x [1]\nb: *x\n", "anchors and aliases"),
    ("python.yaml", "a: !!python/object/apply:os.system ['true']\n", "invalid YAML"),
    ("nan.yaml", "a: .nan\n", "cannot hold"),
    ("mine.json", '{"natpolicy": {}}', "`data.natpolicy`, which natpolicy fills itself"),
    ("data.txt", "allowed = 1", "--data reads .json, .yaml and .yml files"),
])
def test_a_bad_data_file_is_one_line_and_exit_2(cli: Cli, tmp_path: Path, name: str, text: str, cause: str) -> None:
    directory = policy(tmp_path, DATA_POLICY)
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--data", str(bad), "--format", "json")
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in line and cause in line and name in line, line


def test_conflicting_data_files_are_refused(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, DATA_POLICY)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text('{"team": {"owner": "a"}}', encoding="utf-8")
    two.write_text('{"team": {"owner": "b"}}', encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "-d", str(one), "-d", str(two))
    assert result.code == 2 and "data.team.owner is given twice" in result.err


def test_data_without_policy_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.json"
    data.write_text("{}", encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), "--data", str(data))
    assert result.code == 2 and "--data apply to --policy files" in result.err


# -- Rego v0 -------------------------------------------------------------------------------------
V0_POLICY = ("package main\n\ndeny[msg] {\n  rc := input.resource_changes[_]\n"
             "  rc.change.after.triggers.k == \"w\"\n  msg := sprintf(\"%s is w\", [rc.address])\n}\n")


def engine_reads_v0() -> bool:
    from natpolicy.rego.engine import DEFAULT_ENGINE, create_engine

    return getattr(create_engine(DEFAULT_ENGINE), "compile_versions", None) is not None


def test_v0_policies_are_read_as_v1_by_default_as_in_conftest(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V0_POLICY, "old.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory))
    assert result.code == 2
    line = result.err.strip()
    assert "old.rego:3:11" in line and "Rego v0 syntax" in line and "--rego-version v0" in line, line


def test_rego_version_v0_runs_v0_policies_or_says_the_engine_cannot(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V0_POLICY, "old.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--rego-version", "v0", "--format", "json")
    if engine_reads_v0():
        assert [f["message"] for f in user_findings(result)] == ["null_resource.b is w"]
        assert result.code == 1
    else:
        assert result.code == 2 and result.out == ""
        line = result.err.strip()
        assert "old.rego:3:11" in line and "cannot read Rego v0" in line and "\n" not in line, line


def test_rego_version_v0_still_runs_v1_modules_on_any_engine(cli: Cli, tmp_path: Path) -> None:
    # A module importing rego.v1 is v1 under --rego-version v0 (OPA's rule), and a
    # module without v0 syntax means the same in both: every engine runs them.
    directory = policy(tmp_path, V1 + 'deny contains "v1" if true\n')
    policy(tmp_path, "package main\n\nlimit := 3\n", "plain.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--rego-version", "v0", "--format", "json")
    assert [f["message"] for f in user_findings(result)] == ["v1"]


def test_rego_version_v1_refuses_the_v0_object_form_that_v0_reads_as_a_set(cli: Cli, tmp_path: Path) -> None:
    source = "package main\n\nimport future.keywords.if\n\ndeny[msg] if {\n  msg := \"x\"\n}\n"
    directory = policy(tmp_path, source, "mixed.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--rego-version", "v1")
    assert result.code == 2 and "mixed.rego:5:1" in result.err and "defines an object" in result.err
