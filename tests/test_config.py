"""The config file: discovery, validation with the published schema, and its effect on a run."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from natpolicy.config import Config, find_config, load_config, resolve_config, strip_instance_keys
from natpolicy.errors import UsageError
from planbuilder import PlanBuilder


def open_port(port: int, name: str = "ssh") -> PlanBuilder:
    return PlanBuilder().create(f"aws_security_group.{name}", {
        "name": name,
        "ingress": [{"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
    })


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- discovery ---------------------------------------------------------------

def test_found_upward_from_the_scanned_path(tmp_path: Path) -> None:
    cfg = write(tmp_path / "repo" / ".natpolicy.yaml", "fail-on: high\n")
    (tmp_path / "repo" / ".git").mkdir()
    nested = tmp_path / "repo" / "envs" / "prod"
    nested.mkdir(parents=True)
    assert find_config(nested) == cfg
    assert find_config(nested / "plan.json") == cfg  # a file starts from its folder
    assert resolve_config(None, [str(nested)]).fail_on == "high"


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".natpolicy.yaml", "fail-on: high\n")  # outside the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(repo) is None
    assert resolve_config(None, [str(repo)]) == Config()


def test_pyproject_table_is_used_only_when_present(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[tool.natpolicy]\nfail-on = "critical"\nskip-checks = ["EBS"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')  # no table: keep looking
    found = find_config(tmp_path / "sub")
    assert found == tmp_path / "pyproject.toml"
    cfg = load_config(found)
    assert (cfg.fail_on, cfg.skip_checks) == ("critical", ("EBS",))


def test_yaml_file_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.natpolicy]\nfail-on = "critical"\n')
    yaml_file = write(tmp_path / ".natpolicy.yaml", "fail-on: medium\n")
    assert find_config(tmp_path) == yaml_file


def test_toml_dates_and_exception_tables(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", """
[tool.natpolicy]
admin_ports = [22, 2222]

[[tool.natpolicy.exceptions]]
rule = "sg002"
address = "aws_security_group.bastion"
reason = "bastion, IP-restricted upstream"
expires = 2031-01-31
""")
    cfg = load_config(path)
    assert cfg.ports == {"admin_ports": (22, 2222)}
    (exc,) = cfg.exceptions
    assert (exc.rule, exc.expires) == ("SG002", dt.date(2031, 1, 31))


def test_empty_yaml_file_is_an_empty_config(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path / ".natpolicy.yaml", "# nothing yet\n"))
    assert (cfg.checks, cfg.fail_on, cfg.exceptions) == ((), None, ())


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="config file not found"):
        resolve_config(str(tmp_path / "missing.yaml"), ["."])


# -- validation: one line, naming the key ------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("fail_on: high\n", "fail_on: unknown key (expected one of"),
    # Values are never quoted back (a config can hold anything): the key, and what was expected.
    ("fail-on: extreme\n", "fail-on: must be one of low, medium, high, critical"),
    ("checks: SG001\n", "checks: expected a list, found a string"),
    ("admin_ports: [22, 70000]\n", "admin_ports[1]: must be at most 65535"),
    ("web_ports: [80, '443']\n", "web_ports[1]: expected an integer, found a string"),
    ("exceptions:\n  - rule: SG001\n    address: x\n", "exceptions[0].reason: missing (required)"),
    ("exceptions:\n  - {rule: SG001, address: x, reason: '  '}\n", "exceptions[0].reason: must not be empty"),
    ("exceptions:\n  - {rule: SG001, address: x, reason: r, expires: soon}\n",
     "exceptions[0].expires: must be a date written YYYY-MM-DD"),
    ("exceptions:\n  - {rule: SG001, address: x, reason: r, expires: '2027-02-30'}\n",
     "exceptions[0].expires: is not a real date"),
    # Unquoted, YAML would read it as a timestamp and fail naming no key.
    ("exceptions:\n  - {rule: SG001, address: x, reason: r}\n  - {rule: SG002, address: y, reason: r, "
     "expires: 2099-02-30}\n", "exceptions[1].expires: is not a real date"),
    ("exceptions:\n  - {rule: SG001, address: x, reason: r, expires: 2027-01-31 10:00:00}\n",
     "exceptions[0].expires: must be a date written YYYY-MM-DD"),
    ("exceptions:\n  - {rule: SG001, adress: x, reason: r}\n", "exceptions[0].adress: unknown key"),
    ("soft-fail: [1]\n", "soft-fail: expected a boolean, found a list"),
    ("- fail-on\n", "the config must be a mapping"),
    ("fail-on: [high\n", ".natpolicy.yaml:2: invalid YAML"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / ".natpolicy.yaml", text)
    with pytest.raises(UsageError) as info:
        load_config(path, display=".natpolicy.yaml")
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith(".natpolicy.yaml")
    assert message in line


def test_unknown_rules_and_options_are_refused() -> None:
    from natpolicy.registry import discover

    rules = discover()
    with pytest.raises(UsageError, match=r"cfg: skip-checks\[1\]: unknown rule or family; see"):
        Config(path="cfg", skip_checks=("SG", "SG999")).check_rules(rules)
    with pytest.raises(UsageError, match=r"cfg: options.SG002.admin_port: SG002 has no such option \(it has: "
                                         r"admin_ports, web_ports\)"):
        Config(path="cfg", options={"SG002": {"admin_port": [22]}}).check_rules(rules)
    with pytest.raises(UsageError, match=r"options.SG002.admin_ports: expected a list, found a number"):
        Config(path="cfg", options={"SG002": {"admin_ports": 22}}).check_rules(rules)
    with pytest.raises(UsageError, match=r"exceptions\[0\].rule: unknown rule or family; see"):
        from natpolicy.config import RuleException

        Config(path="cfg", exceptions=(RuleException("XX1", "a", "r"),)).check_rules(rules)


def test_published_schema_is_a_valid_schema_and_ships_with_the_package() -> None:
    import jsonschema

    import natpolicy

    schema_path = Path(natpolicy.__file__).with_name("config.schema.json")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"checks", "skip-checks", "fail-on", "soft-fail", "admin_ports",
                                         "web_ports", "options", "exceptions", "policy", "namespaces",
                                         "all-namespaces", "hcl-budget", "download-modules",
                                         "require-modules", "rego-engine", "live", "live-required",
                                         "data", "combine", "rego-version", "fail-on-warn", "strict-builtin-errors"}


def test_port_lists_reach_every_rule_that_declares_them() -> None:
    from natpolicy.registry import discover

    rules = discover()
    options = Config(ports={"admin_ports": (2222,)}, options={"SG003": {"web_ports": [8443]}}).rule_options(rules)
    sg_ids = {c.id for c in rules if "admin_ports" in c.default_options}
    assert sg_ids >= {"SG001", "SG002", "SG003", "SG004"}
    assert set(options) == sg_ids
    # A port list given under one SG rule is the whole family's: the rules grade each port together.
    assert all(options[rule] == {"admin_ports": [2222], "web_ports": [8443]} for rule in sg_ids)


def test_a_rule_level_port_list_wins_over_the_top_level_one() -> None:
    from natpolicy.registry import discover

    rules = discover()
    options = Config(ports={"admin_ports": (22, 2222)}, options={"SG002": {"admin_ports": [22]}}).rule_options(rules)
    assert {options[r]["admin_ports"] == [22] for r in ("SG001", "SG002", "SG003", "SG004")} == {True}


def test_different_port_lists_for_one_family_are_refused() -> None:
    from natpolicy.registry import discover

    rules = discover()
    same = Config(path="cfg", options={"SG002": {"web_ports": [443]}, "SG003": {"web_ports": [443]}})
    same.check_rules(rules)  # the same list twice is fine
    with pytest.raises(UsageError, match=r"cfg: options.SG003.web_ports: differs from options.SG002.web_ports; "
                                         r"a port list applies to the whole SG family"):
        Config(path="cfg", options={"SG002": {"web_ports": [443]}, "SG003": {"web_ports": [80]}}).check_rules(rules)


def open_ports(*ports: int) -> PlanBuilder:
    return PlanBuilder().create("aws_security_group.web", {
        "name": "web",
        "ingress": [{"from_port": p, "to_port": p, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]} for p in ports],
    })


@pytest.mark.parametrize(("config", "expected"), [
    ("", ["SG002", "SG003"]),  # 22 admin, 80 web (and 443 web, reported with 80)
    # The README's own example: 80 stops being a web port, so it is an "other" port (SG004).
    ("options:\n  SG003: {web_ports: [443]}\n", ["SG002", "SG003", "SG004"]),
    ("web_ports: [443]\n", ["SG002", "SG003", "SG004"]),
    # 22 stops being an admin port: it is an "other" port now, never dropped.
    ("options:\n  SG002: {admin_ports: [3389]}\n", ["SG003", "SG004"]),
])
def test_a_port_moved_between_lists_is_still_reported(project: Path, cli: Callable[..., CliResult], config: str,
                                                      expected: list[str]) -> None:
    open_ports(22, 80, 443).write(project / "plan.json")
    write(project / ".natpolicy.yaml", config or "# defaults\n")
    found = cli("check", "plan.json", "-f", "json").json()["findings"]
    assert sorted({f["rule_id"] for f in found}) == expected


def test_strip_instance_keys() -> None:
    assert strip_instance_keys('module.a["x]y"].aws_sg.b[0]') == "module.a.aws_sg.b"
    assert strip_instance_keys("aws_sg.b") == "aws_sg.b"


# -- the config in a real run ---------------------------------------------------

@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the search stops here
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fail_on_from_config_and_flag_override(project: Path, cli: Callable[..., CliResult]) -> None:
    open_port(2222).write(project / "plan.json")  # SG004, medium
    assert cli("check", "plan.json").code == 1
    write(project / ".natpolicy.yaml", "fail-on: high\n")
    assert cli("check", "plan.json").code == 0
    assert cli("check", "plan.json", "--fail-on", "medium").code == 1


def test_checks_and_skip_checks_from_config(project: Path, cli: Callable[..., CliResult]) -> None:
    open_port(22).write(project / "plan.json")  # SG002
    write(project / ".natpolicy.yaml", "skip-checks: [SG002]\n")
    assert cli("check", "plan.json", "-f", "json").json()["findings"] == []
    # A flag replaces the config's list.
    out = cli("check", "plan.json", "-f", "json", "--skip-check", "EBS").json()
    assert [f["rule_id"] for f in out["findings"]] == ["SG002"]
    from natpolicy.registry import discover

    write(project / ".natpolicy.yaml", "checks: [EBS]\n")
    ebs_rules = [c for c in discover() if c.id.startswith("EBS")]
    assert cli("check", "plan.json", "-f", "json").json()["summary"]["rules"] == len(ebs_rules) > 0


def test_admin_ports_from_config_reclassify_a_port(project: Path, cli: Callable[..., CliResult]) -> None:
    open_port(2222).write(project / "plan.json")
    before = cli("check", "plan.json", "-f", "json").json()
    assert [f["rule_id"] for f in before["findings"]] == ["SG004"]
    write(project / ".natpolicy.yaml", "admin_ports: [22, 2222]\n")
    after = cli("check", "plan.json", "-f", "json").json()
    assert [f["rule_id"] for f in after["findings"]] == ["SG002"]


def test_explicit_config_flag(project: Path, cli: Callable[..., CliResult]) -> None:
    open_port(2222).write(project / "plan.json")
    write(project / "strict.yaml", "fail-on: critical\n")
    assert cli("check", "plan.json", "--config", "strict.yaml").code == 0


def test_policy_paths_from_config_are_relative_to_the_file(project: Path, cli: Callable[..., CliResult]) -> None:
    import shutil

    from conftest import FIXTURES

    open_port(2222).create("aws_instance.web", {"ami": "ami-1", "tags": {"Name": "web"}}).write(project / "plan.json")
    (project / "ci").mkdir()
    shutil.copytree(FIXTURES / "rego" / "policy", project / "ci" / "policies")
    write(project / "ci" / "natpolicy.yaml", "policy: [policies]\n")
    rules = {f["rule_id"] for f in cli("check", "plan.json", "-f", "json", "--config", "ci/natpolicy.yaml").json()["findings"]}
    plain = {f["rule_id"] for f in cli("check", "plan.json", "-f", "json").json()["findings"]}
    assert "TAG001" not in plain and "TAG001" in rules  # the config's policy ran beside the built-in rules

    write(project / "ci" / "natpolicy.yaml", "policy: [missing]\n")
    bad = cli("check", "plan.json", "--config", "ci/natpolicy.yaml")
    assert bad.code == 2 and "policy[0]" in bad.err and "relative to the config file" in bad.err


def test_bad_config_exits_2_with_one_line(project: Path, cli: Callable[..., CliResult]) -> None:
    open_port(22).write(project / "plan.json")
    write(project / ".natpolicy.yaml", "exceptions:\n  - {rule: SG002, address: '*'}\n")
    result = cli("check", "plan.json")
    assert result.code == 2
    assert result.err.strip() == "natpolicy: error: .natpolicy.yaml: exceptions[0].reason: missing (required)"
    write(project / ".natpolicy.yaml", "checks: [SG2]\n")
    result = cli("check", "plan.json")
    assert (result.code, result.err.strip()) == (
        2, "natpolicy: error: .natpolicy.yaml: checks[0]: unknown rule or family; see `natpolicy rules`")


def test_exceptions_glob_expiry_and_reason(project: Path, cli: Callable[..., CliResult]) -> None:
    plan = open_port(22, "bastion_a")
    plan.create("aws_security_group.web", {
        "name": "web", "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    plan.write(project / "plan.json")
    today = dt.datetime.now(dt.timezone.utc).date()
    write(project / ".natpolicy.yaml", f"""
exceptions:
  - rule: SG
    address: aws_security_group.bastion_*
    reason: bastions are reached through the VPN only
    expires: {today.isoformat()}
  - rule: SG002
    address: aws_security_group.web
    reason: temporary
    expires: {(today - dt.timedelta(days=1)).isoformat()}
""")
    result = cli("check", "plan.json", "-f", "json")
    out = result.json()
    by_address = {f["address"]: f for f in out["findings"]}
    bastion, web = by_address["aws_security_group.bastion_a"], by_address["aws_security_group.web"]
    assert (bastion["suppressed"], bastion["suppression_reason"]) == (True, "bastions are reached through the VPN only")
    assert (web["suppressed"], web["suppression_reason"]) == (False, None)
    assert any("exceptions[1] (SG002 aws_security_group.web) expired on" in n for n in out["notes"])
    assert result.code == 1  # the expired one still fails the run
    # With only the honoured exception left, nothing fails.
    text = (project / ".natpolicy.yaml").read_text().split("  - rule: SG002")[0]
    write(project / ".natpolicy.yaml", text)
    plan2 = open_port(22, "bastion_a")
    plan2.write(project / "plan.json")
    result = cli("check", "plan.json")
    assert result.code == 0
    assert "Suppressed (1):" in result.out
    assert "SG002 aws_security_group.bastion_a: bastions are reached through the VPN only" in result.out


def test_exception_without_instance_key_covers_every_instance(project: Path, cli: Callable[..., CliResult]) -> None:
    plan = PlanBuilder()
    for i in range(2):
        plan.create(f'module.edge["eu"].aws_security_group.ssh[{i}]', {
            "name": f"ssh{i}",
            "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    plan.write(project / "plan.json")
    write(project / ".natpolicy.yaml",
          "exceptions:\n  - {rule: SG002, address: module.edge.aws_security_group.ssh, reason: jump hosts}\n")
    out = cli("check", "plan.json", "-f", "json").json()
    assert [f["suppressed"] for f in out["findings"]] == [True, True]
    write(project / ".natpolicy.yaml",
          "exceptions:\n  - {rule: SG002, address: 'module.edge[\"eu\"].aws_security_group.ssh[1]', reason: one}\n")
    out = cli("check", "plan.json", "-f", "json").json()
    assert sorted((f["address"][-2], f["suppressed"]) for f in out["findings"]) == [("0", False), ("1", True)]


def test_bad_pyproject_names_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.natpolicy]\nfail-on = "never"\n')
    with pytest.raises(UsageError, match=r"^pyproject.toml: fail-on: must be one of low,"):
        load_config(path, display="pyproject.toml")
    path = write(tmp_path / "pyproject.toml", '[tool.natpolicy\nfail-on = "high"\n')
    with pytest.raises(UsageError, match=r"^pyproject.toml: invalid TOML: "):
        load_config(path, display="pyproject.toml")


def test_yml_spelling_is_found_too(tmp_path: Path) -> None:
    cfg = write(tmp_path / ".natpolicy.yml", "fail-on: critical\n")
    assert find_config(tmp_path) == cfg


def test_exception_glob_with_many_stars_ends_at_once(project: Path, cli: Callable[..., CliResult]) -> None:
    # A regex translation backtracked: 16 stars against a long address took 93 s.
    name = "a" * 3000
    open_port(22, name).write(project / "plan.json")
    write(project / ".natpolicy.yaml", f"""
exceptions:
  - rule: SG
    address: "{'*a' * 16}*b"
    reason: never matches
""")
    start = dt.datetime.now()
    result = cli("check", "plan.json", "-f", "json")
    assert (dt.datetime.now() - start).total_seconds() < 10
    assert [f["suppressed"] for f in result.json()["findings"]] == [False]


@pytest.mark.parametrize("pattern, address, expected", [
    ("a*b", "axxb", True), ("a*b", "axxbc", False), ("*", "", True), ("?", "", False), ("a?c", "abc", True),
    ("*x*x*", "xx", True), ("*x*x*", "x", False), ("ab*ba", "aba", False), ("a*?*b", "ab", False),
    ("a*?*b", "axb", True), ("*a?", "bab", True), ("aws_*.web[*]", "aws_sg.web[0]", True),
    ("module.*.aws_sg.*", "module.a.aws_sg.b", True), ("aws_sg.[?]", "aws_sg.[0]", True),
])
def test_exception_glob_stars_and_question_marks(pattern: str, address: str, expected: bool) -> None:
    from natpolicy.config import RuleException

    assert RuleException("SG", pattern, "r").covers("SG001", address) is expected


def test_exception_glob_agrees_with_a_regular_expression() -> None:
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from natpolicy.config import RuleException

    @settings(max_examples=300, deadline=None)
    @given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
    def check(pattern: str, address: str) -> None:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        assert RuleException("SG", pattern, "r").covers("SG001", address) is bool(re.fullmatch(regex, address, re.S))

    check()


def test_hcl_budget_from_the_config(project: Path, cli: Callable[..., CliResult]) -> None:
    write(project / "infra" / "main.tf", 'resource "aws_vpc" "v" {\n  count      = 10\n  cidr_block = "10.0.0.0/16"\n}\n')
    write(project / ".natpolicy.yaml", "hcl-budget:\n  instances: 5\n")
    out = cli("check", "infra", "-f", "json").json()
    assert [n for n in out["notes"] if "evaluation budget" in n] == [
        "infra/main.tf:2: count = 10 is past the evaluation budget (hcl-budget.instances: 5 per root module); its instances "
        "are checked once, on the settings that are known (raise hcl-budget.instances in the config to evaluate it)"]
    write(project / ".natpolicy.yaml", "hcl-budget:\n  instances: 10\n")
    out = cli("check", "infra", "-f", "json").json()
    assert not [n for n in out["notes"] if "evaluation budget" in n]


@pytest.mark.parametrize("text, problem", [
    ("hcl-budget:\n  step: 5\n", "hcl-budget.step: unknown key (expected one of instances, size, steps)"),
    ("hcl-budget:\n  size: 0\n", "hcl-budget.size: must be at least 1"),
    ("hcl-budget:\n  steps: many\n", "hcl-budget.steps: expected an integer, found a string"),
])
def test_hcl_budget_errors_are_one_line(project: Path, cli: Callable[..., CliResult], text: str, problem: str) -> None:
    write(project / ".natpolicy.yaml", text)
    write(project / "main.tf", 'resource "aws_vpc" "v" {}\n')
    result = cli("check", ".")
    assert result.code == 2
    assert result.err.strip() == f"natpolicy: error: .natpolicy.yaml: {problem}", result.err
