"""The built-in rules' Rego twins: their own Rego tests, `--engine rego`, `export-rego`."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, CliResult, assert_valid_sarif

pytest.importorskip("regopy")

from natpolicy.rego.engine_regopy import RegopyEngine  # noqa: E402
from natpolicy.rego.source import scan_module  # noqa: E402
from natpolicy.rego.twins import twin_files  # noqa: E402

Cli = Callable[..., CliResult]
OPA_ONLY = "# -- OPA only"
TWINS = [p for p in twin_files() if p.name != "tfplan.rego"]
TESTS = [p for p in twin_files(include_tests=True) if p.name.endswith("_test.rego")]


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


def _cases() -> list[Any]:
    """(test file, case name) for every case of every *_test.rego, read with regopy."""
    engine = RegopyEngine()
    out = []
    for test in TESTS:
        compiled, pkg = _compiled(engine, test)
        cases = engine.evaluate(compiled, pkg.replace(".", "/") + "/cases", engine.prepare_input({}))
        out.extend(pytest.param(test, i, id=f"{test.stem}:{case['name']}") for i, case in enumerate(cases))
    return out


_COMPILED: dict[Path, Any] = {}


def _compiled(engine: RegopyEngine, test: Path) -> tuple[Any, str]:
    source = test.read_text(encoding="utf-8")
    pkg = scan_module(source).package
    if test not in _COMPILED:
        modules = {p.name: p.read_text(encoding="utf-8") for p in twin_files()}
        # regopy aborts on `with`: the OPA-only part of the file stays out.
        modules[test.name] = source[:source.index(OPA_ONLY)]
        target = pkg.removesuffix("_test").replace(".", "/")
        _COMPILED[test] = engine.compile(modules, None, [pkg.replace(".", "/") + "/cases", target + "/findings"])
    return _COMPILED[test], pkg


@pytest.mark.parametrize(("test", "index"), _cases())
def test_rego_unit_cases_pass_under_regopy(engine: RegopyEngine, test: Path, index: int) -> None:
    compiled, pkg = _compiled(engine, test)
    case = engine.evaluate(compiled, pkg.replace(".", "/") + "/cases", engine.prepare_input({}))[index]
    found = engine.evaluate(compiled, pkg.removesuffix("_test").replace(".", "/") + "/findings",
                            engine.prepare_input(case["input"]))
    assert sorted([f["rule"], f["address"]] for f in found) == sorted(case["expect"]), case["name"]


def test_every_twin_has_a_test_file_with_cases_fire_and_quiet() -> None:
    for twin in TWINS:
        test = twin.with_name(twin.stem + "_test.rego")
        assert test.is_file(), f"{twin.name} has no {test.name}"
        text = test.read_text(encoding="utf-8")
        assert OPA_ONLY in text and "test_cases if" in text.split(OPA_ONLY)[1]
        assert '"expect": []' in text  # a case that must stay quiet


def test_twins_are_rego_v1_with_metadata_and_cover_every_python_rule() -> None:
    from natpolicy import registry

    covered: set[str] = set()
    for twin in twin_files():
        text = twin.read_text(encoding="utf-8")
        assert text.startswith("# METADATA\n"), twin.name
        assert "import rego.v1" in text
        info = scan_module(text)
        assert info.problems == [], (twin.name, info.problems)  # no v0 syntax, no `with`
        match = re.search(r"#\s+rules: \[([^\]]*)\]", text)
        if match:
            rules = {r.strip() for r in match.group(1).split(",")}
            assert all(f'"{rule}"' in text for rule in rules), twin.name  # each one is reported somewhere
            covered |= rules
    python = {c.id for c in registry.discover()}
    assert python == covered, python ^ covered  # every rule has a twin, every twin a rule


def test_twins_offer_conftest_deny_and_warn_sets(engine: RegopyEngine) -> None:
    modules = {p.name: p.read_text(encoding="utf-8") for p in twin_files()}
    compiled = engine.compile(modules, None, ["natpolicy/rules/sg/deny", "natpolicy/rules/sg/warn"])
    plan = {"resource_changes": [{
        "address": "aws_security_group.a", "mode": "managed", "type": "aws_security_group", "name": "a",
        "change": {"actions": ["create"], "after": {"ingress": [
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]},
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
        ]}, "after_unknown": {}},
    }]}
    deny = engine.evaluate(compiled, "natpolicy/rules/sg/deny", engine.prepare_input(plan))
    warn = engine.evaluate(compiled, "natpolicy/rules/sg/warn", engine.prepare_input(plan))
    assert [d["rule"] for d in deny] == ["SG002"] and [w["rule"] for w in warn] == ["SG003"]
    assert all(isinstance(r["msg"], str) for r in deny + warn)


# -- natpolicy check --engine rego -----------------------------------------------------------
def pairs(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["address"]) for f in report["findings"])


@pytest.mark.parametrize("plan", sorted((FIXTURES / "plans").glob("*.json")) + [FIXTURES / "rego" / "plan.json"],
                         ids=lambda p: p.name)
def test_engine_rego_reports_what_python_reports(cli: Cli, plan: Path) -> None:
    python = cli("check", str(plan), "--format", "json")
    rego = cli("check", str(plan), "--format", "json", "--engine", "rego")
    assert rego.code == python.code, rego.err
    assert pairs(rego.json()) == pairs(python.json())


def test_engine_rego_sarif_carries_the_python_rule_metadata(cli: Cli, sarif_validator: Any) -> None:
    plan = FIXTURES / "rego" / "plan.json"
    python = cli("check", str(plan), "--format", "sarif").json()
    rego = cli("check", str(plan), "--format", "sarif", "--engine", "rego").json()
    assert_valid_sarif(sarif_validator, rego)
    assert rego["runs"][0]["tool"]["driver"]["rules"] == python["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["ruleId"], r["level"], r["locations"]) for r in rego["runs"][0]["results"]] == \
        [(r["ruleId"], r["level"], r["locations"]) for r in python["runs"][0]["results"]]


def test_engine_rego_respects_rule_selection(cli: Cli) -> None:
    plan = FIXTURES / "rego" / "plan.json"
    only_ebs = cli("check", str(plan), "--format", "json", "--engine", "rego", "--check", "EBS")
    assert only_ebs.code == 0 and only_ebs.json()["findings"] == []
    no_sg = cli("check", str(plan), "--format", "json", "--engine", "rego", "--skip-check", "SG002")
    assert not [f for f in no_sg.json()["findings"] if f["rule_id"] == "SG002"]


def test_engine_rego_with_user_policies_together(cli: Cli) -> None:
    plan = FIXTURES / "rego" / "plan.json"
    result = cli("check", str(plan), "--format", "json", "--engine", "rego", "--policy", str(FIXTURES / "rego" / "policy"))
    assert pairs(result.json()) == [("SG002", "aws_security_group.bastion"), ("TAG001", "aws_instance.web")]


# -- natpolicy export-rego -------------------------------------------------------------------
def test_export_rego_writes_twins_tests_and_differences(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "opa" / "policies"
    result = cli("export-rego", str(target))
    assert result.code == 0, result.err
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted([p.name for p in twin_files(include_tests=True)] + ["DIFFERENCES.md"])
    for path in twin_files(include_tests=True):
        assert (target / path.name).read_bytes() == path.read_bytes()
    assert result.out.splitlines() == [str(target / n) for n in
                                       [p.name for p in twin_files(include_tests=True)] + ["DIFFERENCES.md"]]


def test_export_rego_refuses_a_file_as_target(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = cli("export-rego", str(target))
    assert result.code == 2 and "Traceback" not in result.err


def test_twins_call_only_builtins_regopy_has(engine: RegopyEngine) -> None:
    from natpolicy.rego.builtins import refuse_unknown_calls
    from natpolicy.rego.loading import read_policy

    policies = [read_policy(p, p.name) for p in twin_files()]
    assert sum(len(p.info.calls) for p in policies) > 20  # the check looked at real calls
    refuse_unknown_calls(policies, engine.is_builtin)


def test_the_nat_twin_runs_first_and_its_statement_cap_points_at_the_python_engine(engine: RegopyEngine,
                                                                                   tmp_path: Path) -> None:
    from natpolicy import registry
    from natpolicy.errors import InputError
    from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job, interpret
    from natpolicy.rego.loading import read_policy
    from natpolicy.rego.sandbox import Limits, run_in_process
    from natpolicy.rego.twins import Twins

    twins = Twins.load(registry.instantiate(registry.discover()))
    # The twin that scans (nat) fails first on a plan too large, not after the others ran.
    assert [q.package for q in twins.set.queries][0] == "natpolicy.rules.nat"
    packages = {scan_module(p.read_text(encoding="utf-8")).package for p in twin_files()}
    rules = sorted(p for p in packages if p.startswith("natpolicy.rules."))
    assert sorted(q.package for q in twins.set.queries) == rules
    assert "natpolicy.rules.nat" in packages
    # The same cap, reached by a query of the size a 10k plan makes nat.rego run, with the twins' advice.
    path = tmp_path / "heavy.rego"
    path.write_text("package heavy\n\nimport rego.v1\n\nfindings := [1 | some i in numbers.range(1, 3000); "
                    "some j in numbers.range(1, 3000); i == j]\n", encoding="utf-8")
    heavy = read_policy(path, "policies/rego/heavy.rego")
    capped = PolicySet([heavy], [Query("heavy", "findings", heavy)], cap_advice=twins.set.cap_advice)
    plans = [Plan("plan.json", {}, None)]
    with pytest.raises(InputError) as err:
        interpret(run_in_process(engine, build_job([capped], plans)), [capped], plans, Limits())
    message = str(err.value)
    assert "heavy.rego" in message and "10,000,000 statements" in message
    assert "this built-in twin is too costly for regopy on a plan this size" in message
    assert "leave out --engine rego" in message and "default Python engine" in message
    assert "data.natpolicy" not in message  # the advice for user policies is not the twins'


# -- sensitive values: the twins judge them and never show them, however short ------------------
def _sensitive_plan() -> Any:
    from conftest import PlanBuilder
    from examples import VpcLayout

    plan = PlanBuilder()
    plan.create("aws_security_group_rule.ssh", {"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22,
                                                "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-1"},
                unknown=["id"], sensitive=["from_port", "to_port"])
    plan.create("aws_security_group.web", {"name": "web", "ingress": [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "from_port": 3389, "to_port": 3389, "cidr_blocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]}, unknown=["id"],
        sensitive={"ingress": [{"from_port": True, "to_port": True}, {"protocol": True}, False]})
    plan.create("aws_vpc_security_group_ingress_rule.telnet", {
        "ip_protocol": "6", "from_port": 23, "to_port": 23, "cidr_ipv4": "0.0.0.0/0", "security_group_id": "sg-1"},
        unknown=["id"], sensitive=["ip_protocol"])
    plan.create("aws_instance.vm", {"ami": "ami-1", "root_block_device": [{"encrypted": True}],
                                    "ebs_block_device": [{"device_name": "sdb", "encrypted": False},
                                                         {"device_name": "sdc", "encrypted": False}]},
                unknown=["id"], sensitive={"ebs_block_device": [{"device_name": True}, False]})
    vpc = VpcLayout(plan).steady(1, skip=("nat", "route"))
    plan.forget(vpc.address("nat", 0), vpc.nat(0))
    plan.delete(vpc.address("route", 0), vpc.route(0), before_sensitive=["nat_gateway_id"])
    return plan, vpc


def test_twins_render_values_through_the_sensitivity_check_not_the_scrubber(tmp_path: Path) -> None:
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.rego.evaluate import Plan, build_job, interpret
    from natpolicy.rego.sandbox import Limits, run_in_process
    from natpolicy.rego.twins import Twins

    plan, vpc = _sensitive_plan()
    path = plan.write(tmp_path / "plan.json")
    model = load_inputs([str(path)])
    twins = Twins.load(registry.instantiate(registry.discover()))
    plans = [Plan("plan.json", plan.build(), None)]
    values = interpret(run_in_process(RegopyEngine(), build_job([twins.set], plans)), [twins.set], plans, Limits())
    # No scrubber: whatever the twins render is what they chose to show.
    found = {(f.address, f.key): f.message for f in twins.findings(model, "plan.json", values[0][0], lambda s: s)}
    assert found == {
        ("aws_security_group_rule.ssh", "sensitive:ipv4"):
            "aws_security_group_rule.ssh allows a sensitive administrative or database port from the internet",
        ("aws_security_group.web", "sensitive#0:ipv4"):
            "aws_security_group.web allows a sensitive administrative or database port from the internet",
        ("aws_security_group.web", "sensitive#1:ipv4"):
            "aws_security_group.web allows a sensitive administrative or database port from the internet",
        ("aws_security_group.web", "port 443/tcp:ipv4"): "aws_security_group.web allows port 443/tcp from the internet",
        ("aws_vpc_security_group_ingress_rule.telnet", "sensitive:ipv4"):
            "aws_vpc_security_group_ingress_rule.telnet allows a sensitive administrative or database port from the internet",
        ("aws_instance.vm", "ebs:#0"):
            "aws_instance.vm EBS volume device #0 (sensitive value) will not be encrypted: `encrypted` is false and "
            "no `aws_ebs_encryption_by_default` in the checked plan or code enables account default encryption",
        ("aws_instance.vm", "ebs:sdc"): "aws_instance.vm EBS volume sdc will not be encrypted: `encrypted` is "
                                        "false and no `aws_ebs_encryption_by_default` in the checked plan or code "
                                        "enables account default encryption",
        (vpc.address("route", 0), f"res:{vpc.address('table', 0)}|0.0.0.0/0"):
            f"{vpc.address('route', 0)} removes the default route 0.0.0.0/0 to (sensitive value), which is kept, "
            "and no other route takes over",
    }


def test_engine_rego_output_hides_short_sensitive_values_as_the_python_engine_does(cli: Cli, tmp_path: Path) -> None:
    plan, _ = _sensitive_plan()
    path = plan.write(tmp_path / "plan.json")
    reports = {engine: cli("check", str(path), "--engine", engine, "--format", "json").json()
               for engine in ("python", "rego")}
    pairs = {engine: sorted((f["rule_id"], f["address"]) for f in report["findings"])
             for engine, report in reports.items()}
    assert pairs["rego"] == pairs["python"]
    for engine, report in reports.items():
        for f in report["findings"]:
            shown = re.findall(r"\b(?:22|23|3389|6|sdb)\b", f["message"] + str(f.get("details", "")))
            assert shown == [], (engine, f["message"])
