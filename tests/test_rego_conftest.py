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
    ("python.yaml", "a: !!python/object/apply:os.system ['true']\n", "the YAML tag !!python/object/apply:os.s"),
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
    """Whether the engine a run uses by default reads a policy set that is all Rego v0 (natpolicy.rego.child)."""
    from natpolicy.rego.engines import choose_engine, create_engine

    engine = create_engine(choose_engine(None)[0])
    return getattr(engine, "compile_versions", None) is not None or bool(getattr(engine, "reads_rego_v0", False))


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


def test_rego_version_v0_runs_v0_policies_beside_a_library_importing_rego_v1(cli: Cli, tmp_path: Path) -> None:
    # Real policy sets mix them (EmbarkStudios/opa-policies: v0 rules calling a shared `import rego.v1` lib):
    # OPA's --v0-compatible reads each module importing rego.v1 as v1, and so does every engine that reads v0.
    uses_lib = V0_POLICY.replace("package main\n", "package main\n\nimport data.lib\n").replace(
        'rc.change.after.triggers.k == "w"', 'lib.is_w(rc.change.after.triggers.k)')
    directory = policy(tmp_path, uses_lib, "old.rego")
    policy(tmp_path, 'package lib\n\nimport rego.v1\n\nis_w(v) if v in {"w"}\n', "lib.rego")
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--rego-version", "v0", "--format", "json")
    if engine_reads_v0():
        assert [f["message"] for f in user_findings(result)] == ["null_resource.b is w"]
    else:
        assert result.code == 2 and "old.rego:5:11" in result.err and "cannot read Rego v0" in result.err


def test_a_query_that_stops_on_one_of_several_inputs_names_that_input(cli: Cli, tmp_path: Path) -> None:
    # Found running real policies over a directory of plans: the policy's line alone did not say which plan.
    directory = policy(tmp_path, V1 + 'deny contains "bad" if {\n  hex.decode(input.p) == "b"\n}\n')
    (tmp_path / "good.json").write_text('{"p": "61"}', encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"p": "6"}', encoding="utf-8")  # no even run of hex digits: OPA stops too
    both = check(cli, str(tmp_path / "good.json"), str(tmp_path / "bad.json"), "-p", str(directory))
    assert both.code == 2 and "evaluating data.main.deny on " in both.err, both.err
    assert "bad.json failed: " in both.err and "good.json" not in both.err, both.err
    alone = check(cli, str(tmp_path / "bad.json"), "-p", str(directory))  # one input: the message names no input
    assert alone.code == 2 and "evaluating data.main.deny failed: " in alone.err, alone.err


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


# -- YAML and non-plan JSON: the document is the input -------------------------------------------
K8S_POLICY = V1 + ('deny contains msg if {\n  input.kind == "Deployment"\n'
                   '  not input.spec.template.spec.securityContext.runAsNonRoot\n'
                   '  msg := sprintf("%s: containers must not run as root", [input.metadata.name])\n}\n')

DEPLOYMENTS = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  created: 2024-01-02
spec:
  template:
    spec: {}
---
kind: Deployment
metadata:
  name: safe
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
"""


def test_yaml_inputs_are_documents_for_user_policies_and_notes_for_builtin_rules(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, K8S_POLICY)
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(DEPLOYMENTS, encoding="utf-8")
    result = check(cli, str(quiet_plan(tmp_path)), str(manifest), "-p", str(directory), "--format", "json")
    # Each YAML document is evaluated on its own, as conftest does; the second one passes.
    found = user_findings(result)
    assert [f["message"] for f in found] == ["web: containers must not run as root"]
    assert found[0]["origin"].endswith("deploy.yaml")
    assert "deploy.yaml: not a Terraform plan or Terraform code" in notes_of(result)
    assert result.code == 1


def test_a_yaml_date_reaches_the_policy_as_text(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains input.metadata.created if is_string(input.metadata.created)\n')
    manifest = tmp_path / "deploy.yml"
    manifest.write_text(DEPLOYMENTS, encoding="utf-8")
    result = check(cli, str(manifest), "-p", str(directory), "--format", "json")
    assert [f["message"] for f in user_findings(result)] == ["2024-01-02"]


def test_non_plan_json_is_a_document_and_a_top_level_list_is_evaluated_element_by_element(
        cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, K8S_POLICY)
    single = tmp_path / "one.json"
    single.write_text('{"kind": "Deployment", "metadata": {"name": "j"}, "spec": {"template": {"spec": {}}}}',
                      encoding="utf-8")
    several = tmp_path / "list.json"
    several.write_text('[{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {}}}},'
                       ' {"kind": "Service", "metadata": {"name": "b"}}]', encoding="utf-8")
    result = check(cli, str(single), str(several), "-p", str(directory), "--format", "json")
    assert sorted(f["message"] for f in user_findings(result)) == ["a: containers must not run as root",
                                                                  "j: containers must not run as root"]
    assert result.code == 1


def test_a_yaml_input_without_policy_says_what_natpolicy_reads(cli: Cli, tmp_path: Path) -> None:
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(DEPLOYMENTS, encoding="utf-8")
    result = check(cli, str(manifest))
    assert result.code == 2
    line = result.err.strip()
    assert "malformed JSON" not in line and "\n" not in line
    assert "deploy.yaml: a YAML file is read only by --policy Rego policies" in line


@pytest.mark.parametrize(("text", "cause"), [
    ("kind: [a\n", "deploy.yaml:2: invalid YAML"),
    ("a: &x 1\nb: *x\n", "anchors and aliases"),
    ("a: !!binary aGVsbG8=\n", "the YAML tag !!binary is not read"),
])
def test_a_bad_yaml_input_is_one_line_and_exit_2(cli: Cli, tmp_path: Path, text: str, cause: str) -> None:
    directory = policy(tmp_path, K8S_POLICY)
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(text, encoding="utf-8")
    result = check(cli, str(manifest), "-p", str(directory))
    assert result.code == 2
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in line and cause in line, line


def test_a_broken_plan_is_still_the_plan_loaders_error_under_policy(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, K8S_POLICY)
    broken = tmp_path / "plan.json"
    broken.write_text('{"format_version": "1.2", "resource_changes": {"not": "a list"}}', encoding="utf-8")
    result = check(cli, str(broken), "-p", str(directory))
    assert result.code == 2 and "`resource_changes` is a JSON object, not an array" in result.err


# -- .tf files in conftest's HCL JSON shape ---------------------------------------------------------
# conftest's examples/hcl2 policy, written against its HCL JSON shape (labelled blocks hold a list of
# bodies), with its terraform.tf: the same three failures conftest reports.
HCL2_POLICY = V1 + '''deny contains msg if {
  some lb
  proto := input.resource.aws_alb_listener[lb][_].protocol
  proto == "HTTP"
  msg := sprintf("ALB `%v` is using HTTP rather than HTTPS", [lb])
}

deny contains msg if {
  some name
  rule := input.resource.aws_security_group_rule[name][_]
  rule.type == "ingress"
  some cidr in rule.cidr_blocks
  contains(cidr, "0.0.0.0/0")
  msg := sprintf("ASG `%v` defines a fully open ingress", [name])
}

deny contains msg if {
  some name
  disk := input.resource.azurerm_managed_disk[name][_]
  disk.encryption_settings[_].enabled != true
  msg := sprintf("Azure disk `%v` is not encrypted", [name])
}
'''

HCL2_TERRAFORM = '''resource "aws_security_group_rule" "my-rule" {
  type        = "ingress"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_alb_listener" "my-alb-listener" {
  port     = "80"
  protocol = "HTTP"
}

resource "aws_db_security_group" "my-group" {

}

resource "azurerm_managed_disk" "source" {
  encryption_settings {
    enabled = false
  }
}

resource "aws_s3_bucket" "valid" {
  bucket = "validBucket"
  acl    = "private"

  tags = {
    environment = "prod"
    owner = "devops"
  }
}
'''


def test_conftests_hcl2_example_runs_unchanged_on_a_tf_file(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, HCL2_POLICY)
    code = tmp_path / "code"
    code.mkdir()
    (code / "terraform.tf").write_text(HCL2_TERRAFORM, encoding="utf-8")
    result = check(cli, str(code / "terraform.tf"), "-p", str(directory), "--format", "json")
    messages = sorted(f["message"] for f in user_findings(result))
    assert messages == ["ALB `my-alb-listener` is using HTTP rather than HTTPS",
                        "ASG `my-rule` defines a fully open ingress",
                        "Azure disk `source` is not encrypted"]
    assert all(f["origin"].endswith("code/terraform.tf") for f in user_findings(result))


def test_the_hcl_json_shape_matches_conftests_converter(cli: Cli, tmp_path: Path) -> None:
    """The document a policy sees, echoed back in a result field: conftest's convert_test shapes."""
    directory = policy(tmp_path, V1 + 'deny contains {"msg": "doc", "doc": input} if true\n')
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.tf").write_text('''provider "aws" {
  version = "=2.46.0"
  alias   = "one"
}
provider "aws" {
  version = "=2.47.0"
  alias   = "two"
}
resource "aws_elastic_beanstalk_environment" "example" {
  name  = "test_environment"
  count = 2
  on    = true
  none  = null
  neg   = -1
  region = var.region
  label  = "env-${var.name}"
  cond   = var.n > 2 ? 1 : 0
  list   = ["a", local.b]
  tags   = { Name = "x", "k-2" = 3 }
  setting {
    namespace = "aws:autoscaling:asg"
  }
  setting {
    namespace = "second"
  }
  dynamic "rule" {
    for_each = var.rules
    content {
      port = rule.value
    }
  }
}
locals {
  a = 1
}
variable "names" {
  type    = list(string)
  default = "${1}"
  off     = !true
  from    = "${settings.a}"
  nested  = "x-${var.a}"
}
''', encoding="utf-8")
    result = check(cli, str(code), "-p", str(directory), "--format", "json")
    [finding] = user_findings(result)
    doc = finding["details"]["doc"]
    # hcl2json converts "${x}" alone as x and folds an operator on a literal; a type is an expression like
    # any other ("${list(string)}": hcl2json 0.6.8, its issue #135; the prefix rule of its PR #24 was not merged).
    assert doc["variable"] == {"names": [{"type": "${list(string)}", "default": 1, "off": False,
                                          "from": "${settings.a}", "nested": "x-${var.a}"}]}
    assert doc["provider"] == {"aws": [{"version": "=2.46.0", "alias": "one"},
                                       {"version": "=2.47.0", "alias": "two"}]}
    assert doc["locals"] == [{"a": 1}]
    [env] = doc["resource"]["aws_elastic_beanstalk_environment"]["example"]
    assert env == {
        "name": "test_environment", "count": 2, "on": True, "none": None, "neg": -1,
        "region": "${var.region}", "label": "env-${var.name}", "cond": "${var.n > 2 ? 1 : 0}",
        "list": ["a", "${local.b}"], "tags": {"Name": "x", "k-2": 3},
        "setting": [{"namespace": "aws:autoscaling:asg"}, {"namespace": "second"}],
        "dynamic": {"rule": [{"for_each": "${var.rules}", "content": [{"port": "${rule.value}"}]}]},
    }


def test_builtin_rules_keep_reading_tf_through_natpolicys_own_model(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "seen" if input.resource\n')
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.tf").write_text('resource "aws_security_group" "open" {\n  ingress {\n    from_port = 22\n'
                                  '    to_port = 22\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n'
                                  '  }\n}\n', encoding="utf-8")
    result = check(cli, str(code), "-p", str(directory), "--format", "json")
    ids = {f["rule_id"] for f in result.json()["findings"]}
    assert "main/deny" in ids and any(i.startswith("SG") for i in ids), ids


def test_a_tf_file_that_does_not_parse_is_the_hcl_loaders_error(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + 'deny contains "seen" if input.resource\n')
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block = \n', encoding="utf-8")
    result = check(cli, str(code), "-p", str(directory), "--format", "json")
    assert result.code == 2 and "syntax error" in result.out + result.err and "Traceback" not in result.err


# -- --combine -----------------------------------------------------------------------------------------
def test_combine_gives_every_input_at_once_as_conftest_does(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, V1 + '''deny contains msg if {
  names := {m | some doc in input; m := doc.contents.metadata.name}
  some doc in input
  doc.contents.kind == "Service"
  not doc.contents.spec.selector.app in names
  msg := sprintf("%s selects %s, which no input defines", [doc.path, doc.contents.spec.selector.app])
}

warn contains sprintf("%d inputs", [count(input)]) if true
''')
    good = tmp_path / "app.json"
    good.write_text('{"kind": "Deployment", "metadata": {"name": "web"}}', encoding="utf-8")
    svc = tmp_path / "svc.yaml"
    svc.write_text("kind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    app: db\n", encoding="utf-8")
    plan = quiet_plan(tmp_path)
    result = check(cli, str(plan), str(good), str(svc), "-p", str(directory), "--combine", "--format", "json")
    found = {f["rule_id"]: f for f in user_findings(result)}
    assert found["main/deny"]["message"].endswith("svc.yaml selects db, which no input defines")
    assert found["main/warn"]["message"] == "3 inputs"  # one document, the plan included
    assert found["main/deny"]["origin"] == "Combined"
    assert len(user_findings(result)) == 2  # the policy ran once, not per input


def test_combine_without_policy_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = check(cli, str(quiet_plan(tmp_path)), "--combine")
    assert result.code == 2 and "--combine apply to --policy files" in result.err


# -- the markdown gate verdict says what the exit code does ----------------------------------
@pytest.mark.parametrize(("flags", "code", "verdict"), [
    ((), 0, "✅ **Gate: pass**"),
    (("--fail-on-warn",), 1, "❌ **Gate: fail** (2 findings are at or above `low`)"),
    (("--fail-on", "medium"), 1, "❌ **Gate: fail** (2 findings are at or above `medium`)"),
])
def test_the_markdown_gate_counts_warnings_as_the_exit_code_does(cli: Cli, tmp_path: Path, flags: tuple[str, ...],
                                                                 code: int, verdict: str) -> None:
    directory = policy(tmp_path, WARN_ONLY)
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "markdown", *flags)
    assert result.code == code, result.err
    assert verdict in result.out
    assert ("2 `warn` results of a policy do not fail the run" in result.out) == (code == 0)


def test_the_markdown_gate_still_fails_on_a_deny_next_to_warnings(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, WARN_ONLY + 'deny contains "no" if true\n')
    result = check(cli, str(quiet_plan(tmp_path)), "-p", str(directory), "--format", "markdown")
    assert result.code == 1
    assert "❌ **Gate: fail** (1 finding is at or above `low`). 2 `warn` results" in result.out


def test_a_regorus_parser_warning_is_one_note_not_print_output(cli: Cli, tmp_path: Path) -> None:
    # regorus writes a v0 parser warning as a code frame on the stream print() output shares; each line of it was a
    # "Rego print():" note (about 240 empty ones on a real policy set), now it is one note naming the place.
    from natpolicy.rego.engines import installed_engines

    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    # (`every` as a name, which Rego v0 allows: `tests := test if {` is refused at load now, as OPA refuses it)
    directory = policy(tmp_path, 'package main\n\ntests := [every |\n  every := [1][_]\n]\n'
                                 'deny[msg] {\n  print("looked")\n  msg := "t"\n}\n')
    result = check(cli, str(quiet_plan(tmp_path)), "--policy", str(directory), "--rego-version", "v0",
                   "--rego-engine", "regorus", "--format", "json")
    notes = notes_of(result)
    assert "Rego engine warning: `every` will be treated as identifier" in notes and "policy.rego:4:" in notes, notes
    assert "Rego print(): looked" in notes  # the policy's own print() stays a print note
    assert "Rego print(): -->" not in notes and "Rego print(): \n" not in notes + "\n", notes
