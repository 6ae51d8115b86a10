"""User Rego policies in conftest style: `natpolicy check plan.json --policy DIR`."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, SLOW_REGO_BODY, CliResult, PlanBuilder, assert_valid_sarif, slow_rego_count

pytest.importorskip("regopy")

EXAMPLE_POLICY = FIXTURES / "rego" / "policy"
EXAMPLE_PLAN = FIXTURES / "rego" / "plan.json"

Cli = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def _regopy_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests pin regopy's messages and limits (its statement cap, its missing builtins);
    # regorus, the default where it installs, runs end to end in test_rego_engine_choice.py.
    monkeypatch.setattr("natpolicy.rego.engines.DEFAULT_ENGINE", "regopy")


def policy(tmp_path: Path, source: str, name: str = "policy.rego", folder: str = "policy") -> Path:
    directory = tmp_path / folder
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(source, encoding="utf-8")
    return directory


def small_plan(tmp_path: Path) -> Path:
    return (PlanBuilder()
            .create("aws_instance.web", {"ami": "ami-1", "tags": {"Name": "web"}}, unknown=["id"])
            .create("aws_instance.api", {"ami": "ami-1", "tags": {"Owner": "me"}}, unknown=["id"])
            .write(tmp_path / "plan.json"))


def run_json(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("check", *args, "--format", "json")
    assert result.out, result.err
    return result.code, result.json()


V1 = "package main\n\nimport rego.v1\n\n"


# -- the example policy -------------------------------------------------------------
def test_example_plan_is_built_by_the_plan_builder() -> None:
    proc = subprocess.run([sys.executable, str(FIXTURES / "rego" / "make_plan.py"), "--check"])
    assert proc.returncode == 0, "fixtures/rego/plan.json drifted: run python fixtures/rego/make_plan.py"


def test_example_policy_fires_on_the_instance_without_owner(cli: Cli) -> None:
    code, report = run_json(cli, str(EXAMPLE_PLAN), "--policy", str(EXAMPLE_POLICY))
    assert code == 1
    pairs = sorted((f["rule_id"], f["address"]) for f in report["findings"])
    assert ("TAG001", "aws_instance.web") in pairs
    assert ("SG002", "aws_security_group.bastion") in pairs  # built-in findings in the same report
    assert not any(a == "aws_instance.api" for _, a in pairs)
    tag = next(f for f in report["findings"] if f["rule_id"] == "TAG001")
    assert tag["severity"] == "medium" and tag["message"] == "aws_instance.web has no Owner tag"


def test_example_sarif_is_valid_with_rego_rules_next_to_builtin_ones(cli: Cli, sarif_validator: Any) -> None:
    result = cli("check", str(EXAMPLE_PLAN), "--policy", str(EXAMPLE_POLICY), "--format", "sarif")
    log = result.json()
    assert_valid_sarif(sarif_validator, log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "TAG001" in ids and "SG002" in ids
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    tag = next(r for r in run["results"] if r["ruleId"] == "TAG001")
    assert tag["level"] == "warning"  # severity medium
    region = tag["locations"][0]["physicalLocation"]["region"]
    text = EXAMPLE_PLAN.read_text(encoding="utf-8").splitlines()
    assert '"address": "aws_instance.web"' in text[region["startLine"] - 1]  # located like any finding
    rule = rules[tag["ruleIndex"]]
    assert rule["shortDescription"]["text"] == "EC2 instance without an Owner tag"
    # A user's policy has no page in natpolicy's repository: no dead link.
    assert "helpUri" not in rule and "github.com/natpolicy" not in rule["help"]["markdown"]
    assert next(r for r in rules if r["id"] == "SG002")["helpUri"].endswith("policies/sg/sg002_admin_ports.md")


# -- conftest conventions --------------------------------------------------------------
def test_string_results_get_stable_ids_and_levels(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "no" if true\n'
                                      'violation_tags contains "v" if true\n'
                                      'warn_cost contains "w" if true\n'
                                      'helper := "not a result"\n')
    code, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory))
    found = {f["rule_id"]: f for f in report["findings"] if "/" in f["rule_id"]}
    assert set(found) == {"main/deny", "main/violation_tags", "main/warn_cost"}
    assert found["main/deny"]["severity"] == "high" and found["main/deny"]["level"] == "error"
    assert found["main/violation_tags"]["level"] == "error"
    assert found["main/warn_cost"]["severity"] == "medium" and found["main/warn_cost"]["level"] == "warning"
    assert found["main/deny"]["address"].endswith("plan.json")  # no resource named: the plan itself
    assert code == 1


def test_results_naming_a_resource_are_located_by_address(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains {"msg": "m", "resource": "aws_instance.api"} if true\n'
                                      'deny contains {"msg": "gone", "address": "aws_instance.missing"} if true\n')
    plan = small_plan(tmp_path)
    _, report = run_json(cli, str(plan), "--policy", str(directory))
    by_address = {f["address"]: f for f in report["findings"] if f["rule_id"] == "main/deny"}
    lines = plan.read_text(encoding="utf-8").splitlines()
    api = by_address["aws_instance.api"]
    assert api["resource_type"] == "aws_instance"
    assert '"address": "aws_instance.api"' in lines[api["start_line"] - 1]
    assert by_address["aws_instance.missing"]["start_line"] == 1


def test_default_namespace_is_main_and_others_are_chosen_by_flag(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "main" if true\n')
    policy(tmp_path, 'package team.network\n\nimport rego.v1\n\ndeny contains "net" if true\n', "net.rego")
    policy(tmp_path, 'package team.storage\n\nimport rego.v1\n\nwarn contains "sto" if true\n', "sto.rego")
    plan = str(small_plan(tmp_path))

    def ids(*flags: str) -> set[str]:
        return {f["rule_id"] for f in run_json(cli, plan, "--policy", str(directory), *flags)[1]["findings"]
                if "/" in f["rule_id"]}

    assert ids() == {"main/deny"}
    assert ids("--namespace", "team.network") == {"team.network/deny"}
    assert ids("--namespace", "team.*") == {"team.network/deny", "team.storage/warn"}
    assert ids("--all-namespaces") == {"main/deny", "team.network/deny", "team.storage/warn"}


def test_terraform_configuration_is_refused_for_the_builtin_twins(cli: Cli, tmp_path: Path) -> None:
    # --policy reads .tf files in conftest's shape (tests/test_rego_conftest.py); the twins read plans only.
    code = tmp_path / "tf"
    code.mkdir()
    (code / "main.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n', encoding="utf-8")
    result = cli("check", str(code), "--engine", "rego")
    assert result.code == 2 and "reads Terraform plan JSON" in result.err and "Traceback" not in result.err


def test_namespace_without_policy_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("check", str(small_plan(tmp_path)), "--namespace", "main")
    assert result.code == 2 and "give --policy DIR" in result.err


def test_exceptions_exempt_suffixed_and_plain_rules(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny_tags contains "t" if true\n'
                                      'deny_ports contains "p" if true\n'
                                      'violation_tags contains "v" if true\n'
                                      'warn_tags contains "w" if true\n'
                                      'exception contains rules if {\n  rules := ["tags"]\n}\n')
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--format", "json", "-v")
    report = result.json()
    ids = {f["rule_id"] for f in report["findings"] if "/" in f["rule_id"]}
    assert ids == {"main/deny_ports"}  # warn_tags too, as in conftest (tests/test_rego_conftest.py)
    notes = " ".join(report["notes"])
    assert "1 result(s) of data.main.deny_tags exempted" in notes
    assert "1 result(s) of data.main.violation_tags exempted" in notes


def test_plain_deny_is_exempted_by_the_empty_name(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "d" if true\nexception contains [""] if true\n')
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory))
    assert not [f for f in report["findings"] if f["rule_id"] == "main/deny"]


def test_severity_and_id_fields_are_used(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'warn contains {"msg": "w", "severity": "critical", "id": "ORG-7"} if true\n')
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory))
    f = next(f for f in report["findings"] if f["rule_id"] == "ORG-7")
    assert f["severity"] == "critical" and f["level"] == "error"
    assert f["details"]["query"] == "data.main.warn"


def test_only_rego_files_not_tests_are_loaded_and_never_from_the_scanned_repo(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    plan = small_plan(repo)
    # A policy lying next to the plan is code nobody asked to run.
    policy(repo, V1 + 'deny contains "from the repo" if true\n', folder="policy")
    clean = cli("check", str(plan), "--format", "json").json()
    assert not [f for f in clean["findings"] if "/" in f["rule_id"]]
    # *_test.rego files are not loaded (this one would be refused for `with`).
    chosen = policy(tmp_path, V1 + 'deny contains "chosen" if true\n', folder="chosen")
    (chosen / "policy_test.rego").write_text(
        V1 + 'test_x if {\n  data.main.deny with input as {}\n}\n', encoding="utf-8")
    _, report = run_json(cli, str(plan), "--policy", str(chosen))
    assert [f["message"] for f in report["findings"] if "/" in f["rule_id"]] == ["chosen"]


def test_single_policy_file_and_repeated_policy_flags(cli: Cli, tmp_path: Path) -> None:
    one = policy(tmp_path, V1 + 'deny contains "one" if true\n', "one.rego", folder="a")
    two = policy(tmp_path, V1 + 'warn contains "two" if true\n', "two.rego", folder="b")
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(one / "one.rego"), "--policy", str(two))
    assert sorted(f["message"] for f in report["findings"] if "/" in f["rule_id"]) == ["one", "two"]


def test_plan_from_stdin(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains msg if {\n  some rc in input.resource_changes\n'
                                      '  not rc.change.after.tags.Owner\n  msg := rc.address\n}\n')
    text = small_plan(tmp_path).read_text(encoding="utf-8")
    result = cli("check", "-", "--policy", str(directory), "--format", "json", stdin=text)
    assert [f["message"] for f in result.json()["findings"] if "/" in f["rule_id"]] == ["aws_instance.web"]


def test_messages_never_echo_sensitive_values(cli: Cli, tmp_path: Path) -> None:
    plan = (PlanBuilder().create("aws_db_instance.db", {"password": "hunter2-secret", "engine": "postgres"},
                                 sensitive=["password"]).write(tmp_path / "plan.json"))
    directory = policy(tmp_path, V1 + 'deny contains {"msg": concat(" ", ["pw is", rc.change.after.password]), '
                                      '"address": rc.address, "pw": rc.change.after.password} if {\n'
                                      '  some rc in input.resource_changes\n}\n')
    result = cli("check", str(plan), "--policy", str(directory), "--format", "json")
    assert "hunter2-secret" not in result.out
    assert "(sensitive value)" in result.out


# -- data.natpolicy ----------------------------------------------------------------------
def test_data_natpolicy_offers_resolved_references_and_resources_after(cli: Cli, tmp_path: Path) -> None:
    plan = (PlanBuilder()
            .module_call("module.net", "./modules/net", outputs={"vpc_id": ["aws_vpc.this.id", "aws_vpc.this"]})
            .create("module.net.aws_vpc.this", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
            .create("aws_flow_log.all", {"traffic_type": "ALL"}, unknown=["id", "vpc_id"],
                    refs={"vpc_id": ["module.net.vpc_id", "module.net"]})
            .write(tmp_path / "plan.json"))
    directory = policy(tmp_path, V1 + "import data.natpolicy\n\n"
                                      "deny contains {\"msg\": concat(\" -> \", [address, target]), \"address\": address} if {\n"
                                      "  some address, attrs in natpolicy.references\n"
                                      "  some target in attrs.vpc_id\n"
                                      "  natpolicy.resources_after[address].type == \"aws_flow_log\"\n"
                                      "}\n"
                                      "warn contains concat(\"\", [\"index \", format_int(i, 10)]) if {\n"
                                      "  i := natpolicy.resources_after[\"module.net.aws_vpc.this\"].change_index\n"
                                      "  input.resource_changes[i].address == \"module.net.aws_vpc.this\"\n"
                                      "}\n")
    _, report = run_json(cli, str(plan), "--policy", str(directory))
    messages = sorted(f["message"] for f in report["findings"] if "/" in f["rule_id"])
    assert messages == ["aws_flow_log.all -> module.net.aws_vpc.this", "index 0"]


def test_data_natpolicy_offers_the_nat_analysis(cli: Cli, tmp_path: Path) -> None:
    plan = FIXTURES / "plans" / "nat-deleted.json"
    if not plan.is_file():
        pytest.skip("fixtures/plans/nat-deleted.json is not there")
    with_policy = policy(tmp_path, V1 + "import data.natpolicy\n\n"
                         "deny contains {\"msg\": concat(\" \", [address, \"loses\", loss.route_table]), \"address\": address} if {\n"
                         "  some address, gw in natpolicy.nat.gateways\n"
                         "  some loss in gw.lost_routes\n"
                         "}\n", "nat.rego")
    _, report = run_json(cli, str(plan), "--policy", str(with_policy))
    python = {f["address"] for f in report["findings"] if f["rule_id"] == "NAT001"}
    rego = {f["address"] for f in report["findings"] if f["rule_id"] == "main/deny"}
    assert python and rego == python


# -- every policy problem: one line, the file, line:col, the cause, exit 2 -------------------
@pytest.mark.parametrize(("source", "where", "cause"), [
    ("package main\n\ndeny[msg] {\n  msg := \"x\"\n}\n", ":3:11", "Rego v0 syntax"),
    (V1 + "deny[msg] if {\n  msg := \"x\"\n}\n", ":5:1", "defines an object, not a set"),
    (V1 + "deny contains msg if {\n  msg := \"x\"\n", ":5:22", "this is unclosed"),
    (V1 + "o := {\"a\": [1]}\ndeny contains v if {\n  x := [w | some k, [w, input.b] in o]\n  v := x[0]\n}\n", ":7",
     "Invalid collection"),  # (`some k, [w] in o` is written as OPA reads it; a ref in the pattern is not: regopy_some_pairs)
    (V1 + "deny contains x if {\n  x := 1 with input as {}\n}\n", ":6:10", "`with`"),
    ("import rego.v1\n\ndeny contains \"x\" if true\n", ":1:1", "no `package`"),
])
def test_policy_problems_name_file_line_and_cause(cli: Cli, tmp_path: Path, source: str, where: str, cause: str) -> None:
    directory = policy(tmp_path, source, "bad.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress", "--format", "sarif")
    assert result.code == 2
    assert result.out == ""  # nothing half-written on stdout
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert f"bad.rego{where}" in line and cause in line, line


@pytest.mark.parametrize(("body", "cause"), [
    ('deny := {"a": true}\n', "Rego v0 `deny[msg]"),
    ('deny := 5\n', "must be a set of results"),
    ('deny contains 5 if true\n', "each result must be a string or an object with a string `msg`"),
    ('deny contains {"severity": "high"} if true\n', "each result must be a string or an object with a string `msg`"),
    ('deny contains {"msg": 5} if true\n', "each result must be a string or an object with a string `msg`"),
    # regopy's own sprintf leaks quotes here (rego-cpp#201): a literal format is rewritten into concat
    # (sprintf_regopy), a computed one refused before anything runs.
    ('deny contains sprintf(f, [concat(",", ["a", "b"])]) if f := "[%s]"\n', "sprintf with a computed format"),
    ('deny contains x if {\n  x := y\n}\ny := 1\ny := 2\n', "produced two different values"),
])
def test_bad_results_name_the_rule(cli: Cli, tmp_path: Path, body: str, cause: str) -> None:
    directory = policy(tmp_path, V1 + body, "bad.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress")
    assert result.code == 2
    line = result.err.strip()
    assert "\n" not in line and "bad.rego:5" in line and cause in line, line


def test_statement_cap_names_the_policy_and_the_limit(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny contains \"x\" if {\n"
                                      "  count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i == j]) > 0\n"
                                      "}\n", "slow.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress")
    assert result.code == 2
    assert "slow.rego:5" in result.err and "data.main.deny" in result.err and "10,000,000 statements" in result.err


def test_stdout_stays_valid_sarif_when_policies_print(tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "x" if {\n  print("debugging my policy")\n}\n')
    plan = small_plan(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan), "--policy", str(directory),
                           "--format", "sarif"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    # print() output is a note of the report, like every other, never raw output.
    notes = [n["message"]["text"] for n in report["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert "Rego print(): debugging my policy" in notes
    assert "debugging my policy" not in proc.stderr


# -- future.keywords imports, policies with nothing to query ------------------------------
def test_rules_after_future_keyword_imports_all_run(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, "package main\n\nimport future.keywords.in\nimport future.keywords.if\n"
                                 "import future.keywords.contains\n\n"
                                 "deny_first contains msg if {\n  msg := \"first\"\n}\n\n"
                                 "deny_second contains msg if {\n  msg := \"second\"\n}\n")
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory))
    assert sorted(f["rule_id"] for f in report["findings"] if "/" in f["rule_id"]) == ["main/deny_first",
                                                                                      "main/deny_second"]


def test_classic_conftest_policy_after_a_future_import_is_refused_with_the_set_advice(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, "package main\n\nimport future.keywords.in\n\ndeny[msg] {\n"
                                 "  some rc in input.resource_changes\n  msg := rc.address\n}\n", "old.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress", "--format", "sarif")
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert "old.rego:5:11" in line and "write `deny contains msg if { ... }`" in line, line


def test_a_helper_package_next_to_a_reporting_one_is_skipped(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "import data.lib\n\ndeny contains lib.word if true\n")
    policy(tmp_path, "package lib\n\nimport rego.v1\n\nword := \"from lib\"\ndefault deny := []\n", "lib.rego")
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory), "--all-namespaces")
    assert [f["message"] for f in report["findings"] if "/" in f["rule_id"]] == ["from lib"]


def test_a_default_deny_alone_defines_deny_and_reports_nothing(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "default deny := []\n")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--format", "json")
    assert result.out, result.err
    assert "Traceback" not in result.err
    assert [f for f in result.json()["findings"] if "/" in f["rule_id"]] == []


def test_default_deny_with_rules_is_queried(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "default allow := false\n\nwarn contains \"w\" if not allow\n")
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory))
    assert [f["rule_id"] for f in report["findings"] if "/" in f["rule_id"]] == ["main/warn"]


# -- builtins regopy lacks: refused at load time ---------------------------------------------
@pytest.mark.parametrize(("call", "name"), [
    ('net.cidr_contains("0.0.0.0/0", "10.0.0.1")', "net.cidr_contains"),
    ("m := rego.metadata.rule()", "rego.metadata.rule"),
    ("json.match_schema({}, {})", "json.match_schema"),
])
def test_calls_to_builtins_regopy_lacks_are_refused(cli: Cli, tmp_path: Path, call: str, name: str) -> None:
    directory = policy(tmp_path, V1 + f"deny contains \"x\" if {{\n  {call}\n}}\n", "gap.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress", "--format", "sarif")
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in line
    col = 3 + call.index(name)
    assert f"gap.rego:6:{col}: {name} is not a builtin of regopy 1.5.2 (it would be silently undefined)" in line, line


def test_a_call_to_an_unknown_function_is_refused(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny contains \"x\" if {\n  has_owner(input)\n}\n", "typo.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress")
    assert result.code == 2
    assert "typo.rego:6:3: has_owner is not a builtin of regopy 1.5.2 and no loaded policy" in result.err


def test_defined_functions_imports_print_strings_and_comments_are_not_refused(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "import data.lib\n\n"
                                      "# net.cidr_contains(\"a\", \"b\") is missing in regopy\n"
                                      "tagged(rc) if rc.change.after.tags.Owner\n"
                                      "deny contains concat(\"\", [\"net.cidr_contains(\", rc.address]) if {\n"
                                      "  some rc in input.resource_changes\n"
                                      "  not tagged(rc)\n"
                                      "  lib.is_instance(rc)\n"
                                      "  data.lib.is_instance(rc)\n"
                                      "  print(rc.address)\n"
                                      "}\n")
    policy(tmp_path, "package lib\n\nimport rego.v1\n\nis_instance(rc) if rc.type == \"aws_instance\"\n", "lib.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--format", "json")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if "/" in f["rule_id"]] == [
        "net.cidr_contains(aws_instance.web"]


# -- ids, levels, fingerprints ---------------------------------------------------------------
def test_a_builtin_rule_id_is_kept_apart_with_a_note(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains {"msg": "mine", "id": "NAT001"} if true\n'
                                      'warn contains {"msg": "look-alike", "id": "ORG-NAT001"} if true\n')
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress", "--format", "sarif")
    run = result.json()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = {r["message"]["text"]: r["ruleId"] for r in run["results"]}
    assert ids["mine"] == "main/NAT001" and ids["look-alike"] == "ORG-NAT001"
    mine = next(r for r in run["results"] if r["message"]["text"] == "mine")
    rule = rules[mine["ruleIndex"]]
    assert rule["id"] == "main/NAT001" and "NAT gateway" not in rule["shortDescription"]["text"]
    notes = " ".join(n["message"]["text"] for n in run["invocations"][0].get("toolExecutionNotifications", []))
    assert "data.main.deny returned the id NAT001, which is a built-in natpolicy rule's: reported as main/NAT001" \
        in notes


def test_a_function_named_like_a_conftest_rule_is_explained(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny(x) := x if true\n", "func.rego")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--no-progress")
    assert result.code == 2
    line = result.err.strip()
    assert "func.rego:5:1: `deny(...)` defines a function" in line and "deny contains msg if" in line, line


def test_warn_rules_and_their_results_have_the_same_sarif_level(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'warn_cost contains "w" if true\ndeny contains "d" if true\n')
    log = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--format", "sarif").json()
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    levels = {r["ruleId"]: (rules[r["ruleIndex"]]["defaultConfiguration"]["level"], r["level"])
              for r in run["results"] if "/" in r["ruleId"]}
    assert levels == {"main/warn_cost": ("warning", "warning"), "main/deny": ("error", "error")}


def test_fingerprints_of_string_results_survive_a_new_result(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny contains msg if {\n  some rc in input.resource_changes\n"
                                      "  not rc.change.after.tags.Owner\n"
                                      "  msg := concat(\" \", [rc.address, \"has no Owner\"])\n}\n")

    def fingerprints(builder: PlanBuilder) -> dict[str, str]:
        plan = builder.write(tmp_path / "plan.json")  # the same path: string results sit at it
        _, report = run_json(cli, str(plan), "--policy", str(directory))
        return {f["message"]: f["fingerprint"] for f in report["findings"] if f["rule_id"] == "main/deny"}

    before = fingerprints(PlanBuilder().create("aws_instance.web", {"ami": "ami-1", "tags": {}}, unknown=["id"]))
    # A new result whose message sorts first, as regopy returns set elements sorted.
    after = fingerprints(PlanBuilder()
                         .create("aws_instance.app", {"ami": "ami-1", "tags": {}}, unknown=["id"])
                         .create("aws_instance.web", {"ami": "ami-1", "tags": {}}, unknown=["id"]))
    assert set(after) == {"aws_instance.app has no Owner", "aws_instance.web has no Owner"}
    assert after["aws_instance.web has no Owner"] == before["aws_instance.web has no Owner"]
    assert len(set(after.values())) == 2


# -- progress ----------------------------------------------------------------------------------
def test_progress_names_the_running_query_on_stderr_only(tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny contains \"slow\" if {\n" + f"  {slow_rego_count(10)} > 0\n" + "}\n")
    plan = small_plan(tmp_path)
    # regopy: the query must last over a second to be shown, and regorus runs it in a fraction of one.
    proc = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan), "--policy", str(directory),
                           "--format", "json", "--rego-engine", "regopy"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    json.loads(proc.stdout)
    assert "natpolicy: rego: " in proc.stderr and "evaluating data.main.deny (1/1)\u2026 " in proc.stderr
    quiet = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan), "--policy", str(directory),
                            "--format", "json", "--quiet", "--rego-engine", "regopy"], capture_output=True, text=True,
                           timeout=300)
    assert "natpolicy: rego:" not in quiet.stderr


def test_no_progress_for_a_short_run(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "quick" if true\n')
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory))
    assert result.code == 1 and "natpolicy: rego:" not in result.err


def test_rego_timeout_stops_a_long_query_naming_the_rule(tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + "deny contains \"slow\" if {\n" + SLOW_REGO_BODY + "}\n", "slow.rego")
    proc = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(small_plan(tmp_path)), "--policy",
                           str(directory), "--format", "sarif", "--rego-timeout", "2.5", "--rego-engine", "regopy"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert "slow.rego:5: evaluating data.main.deny (1/1)" in line, proc.stderr
    assert "was stopped: Rego ran longer than --rego-timeout 2.5 s" in line, proc.stderr
    assert "Traceback" not in proc.stderr
    # The built-in findings of the run are still reported, with the error.
    run = json.loads(proc.stdout)["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert {r["ruleId"] for r in run["results"]} and all("/" not in r["ruleId"] for r in run["results"])


def test_a_failed_rego_stage_is_reported_after_the_report(cli: Cli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Its error line goes out where the input errors' do, after the report and every progress
    # line, so a run that exits 2 ends with the line that says why.
    import natpolicy.app as app

    events: list[str] = []
    render, echo_error = app.render, app._echo_error
    monkeypatch.setattr(app, "render", lambda *a: (events.append("report"), render(*a))[1])
    monkeypatch.setattr(app, "_echo_error", lambda line: (events.append(line), echo_error(line))[1])
    directory = policy(tmp_path, V1 + "p := 1 if true\n\np := 2 if true\n\ndeny contains \"x\" if p == 1\n")
    result = cli("check", str(small_plan(tmp_path)), "--policy", str(directory), "--format", "json")
    assert result.code == 2
    assert events[0] == "report" and len(events) == 2, events
    assert "policy.rego:9: evaluating data.main.deny" in events[1] and " failed: " in events[1]
    assert result.err.strip().splitlines()[-1] == events[1]


def test_rego_timeout_lets_a_quick_query_finish(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "quick" if true\n')
    _, report = run_json(cli, str(small_plan(tmp_path)), "--policy", str(directory), "--rego-timeout", "60")
    assert [f["message"] for f in report["findings"] if "/" in f["rule_id"]] == ["quick"]


def test_each_plan_of_a_run_is_judged_on_its_own_input(cli: Cli, tmp_path: Path) -> None:
    # One compiled policy, several plans: the input handed to regopy must follow the plan.
    directory = policy(tmp_path, V1 + "deny contains {\"msg\": rc.address, \"address\": rc.address} if {\n"
                                      "  some rc in input.resource_changes\n  not rc.change.after.tags.Owner\n}\n"
                                      "warn contains concat(\"\", [\"plan has \", format_int(count(input.resource_changes), 10)]) if true\n")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = (PlanBuilder().create("aws_instance.a", {"ami": "ami-1", "tags": {}}, unknown=["id"])
             .write(tmp_path / "one" / "plan.json"))
    second = (PlanBuilder().create("aws_instance.b", {"ami": "ami-1", "tags": {}}, unknown=["id"])
              .create("aws_instance.c", {"ami": "ami-1", "tags": {"Owner": "me"}}, unknown=["id"])
              .write(tmp_path / "two" / "plan.json"))
    _, report = run_json(cli, str(first), str(second), "--policy", str(directory))
    found = sorted((f["origin"].split("/")[-2], f["rule_id"], f["message"]) for f in report["findings"]
                   if "/" in f["rule_id"])
    assert found == [("one", "main/deny", "aws_instance.a"), ("one", "main/warn", "plan has 1"),
                     ("two", "main/deny", "aws_instance.b"), ("two", "main/warn", "plan has 2")]
