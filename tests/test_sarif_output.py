"""SARIF 2.1.0 for GitHub: schema-valid, one location per result, stable fingerprints."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import PlanBuilder, assert_valid_sarif
from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.model import Resource, ResourceModel
from natpolicy.outputs import sarif
from natpolicy.runner import run


class _VolumeCheck(ResourceCheck):
    """A minimal rule so these tests do not depend on the shipped rule set."""

    id = "TEST001"
    name = "Test volume rule"
    severity = Severity.HIGH
    supported_types = ("aws_ebs_volume",)

    def scan(self, resource: Resource, model: ResourceModel):  # type: ignore[no-untyped-def]
        if resource.get("encrypted") is False:
            yield Violation(f"{resource.address} is not encrypted")


def _result(builder: PlanBuilder, origin: str = "plan.json", text: str | None = None):  # type: ignore[no-untyped-def]
    doc = builder.build()
    model = ResourceModel(plan_resources(doc, origin=origin, text=text))
    return run(model, [_VolumeCheck()])


def test_minimal_log_is_schema_valid(sarif_validator) -> None:
    log = sarif.render(_result(PlanBuilder().create("aws_ebs_volume.a", {"encrypted": False})))
    assert_valid_sarif(sarif_validator, log)
    run_ = log["runs"][0]
    assert run_["tool"]["driver"]["name"] == "natpolicy"
    assert run_["tool"]["driver"]["semanticVersion"]
    assert run_["automationDetails"]["id"] == "natpolicy/"
    rule = run_["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "8.0"
    assert "security" in rule["properties"]["tags"]
    assert rule["defaultConfiguration"]["level"] == "error"
    result = run_["results"][0]
    assert result["ruleId"] == "TEST001" and result["ruleIndex"] == 0
    assert "aws_ebs_volume.a" in result["message"]["text"]


def test_location_is_the_plan_entry_line_when_pretty_printed() -> None:
    builder = PlanBuilder().create("aws_vpc.x", {}).create("aws_ebs_volume.a", {"encrypted": False})
    text = builder.dumps(indent=2)
    log = sarif.render(_result(builder, text=text))
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    lines = text.splitlines()
    rc_start = next(i for i, line in enumerate(lines) if '"resource_changes"' in line)
    expected = next(i for i, line in enumerate(lines) if i > rc_start and '"address": "aws_ebs_volume.a"' in line) + 1
    assert region["startLine"] == expected


def test_compact_plan_points_at_line_one() -> None:
    builder = PlanBuilder().create("aws_ebs_volume.a", {"encrypted": False})
    log = sarif.render(_result(builder, text=builder.dumps()))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_each_result_has_its_own_artifact_location_worked_out_once_per_path(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    b = PlanBuilder()
    for i in range(3):
        b.create(f"aws_ebs_volume.v{i}", {"encrypted": False})
    calls: list[str] = []
    real = sarif._artifact
    monkeypatch.setattr(sarif, "_artifact", lambda path: calls.append(path) or real(path))
    results = [*sarif.render(_result(b, origin="a/plan.json"))["runs"][0]["results"],
               *sarif.render(_result(b, origin="b plan.json"))["runs"][0]["results"]]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    assert calls == ["a/plan.json", "b plan.json"]  # once per path and report
    assert [loc["uri"] for loc in locations] == ["a/plan.json"] * 3 + ["b%20plan.json"] * 3
    assert locations == [real("a/plan.json")] * 3 + [real("b plan.json")] * 3
    # Copies, not one shared object: a caller editing one result's location edits only that one.
    assert len({id(loc) for loc in locations}) == 6


def test_fingerprint_is_stable_across_line_moves() -> None:
    small = PlanBuilder().create("aws_ebs_volume.a", {"encrypted": False})
    big = PlanBuilder()
    for i in range(20):
        big.create(f"aws_vpc.v{i}", {})
    big.create("aws_ebs_volume.a", {"encrypted": False})
    fp = lambda b: sarif.render(_result(b, text=b.dumps(indent=2)))["runs"][0]["results"][0][  # noqa: E731
        "partialFingerprints"]["primaryLocationLineHash"]
    assert fp(small) == fp(big)


def test_category_sets_automation_details() -> None:
    log = sarif.render(_result(PlanBuilder().create("aws_ebs_volume.a", {"encrypted": False})), category="natpolicy/prod")
    assert log["runs"][0]["automationDetails"]["id"] == "natpolicy/prod/"


def test_cli_writes_sarif_file_and_prints_report(tmp_path: Path, cli, sarif_validator) -> None:
    path = PlanBuilder().create("aws_vpc.a", {"cidr_block": "10.0.0.0/16"}).write(tmp_path / "plan.json")
    out = tmp_path / "results.sarif"
    result = cli("check", str(path), "--format", "sarif", "--output", str(out), "--no-color")
    assert result.code in (0, 1)
    assert "resource checked against" in result.out  # the terminal report, in the same run
    log = json.loads(out.read_text())
    assert_valid_sarif(sarif_validator, log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert all(not u.startswith("/") for u in uris)


def test_sarif_on_stdout_is_pure_json(tmp_path: Path, cli) -> None:
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "plan.json")
    result = cli("check", str(path), "--format", "sarif")
    json.loads(result.out)


def test_every_shipped_rule_has_complete_sarif_metadata(tmp_path: Path, cli, sarif_validator) -> None:
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "plan.json")
    log = cli("check", str(path), "--format", "sarif").json()
    assert_valid_sarif(sarif_validator, log)
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert float(rule["properties"]["security-severity"]) not in (0.0, 4.0, 7.0, 9.0)
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")


def test_two_roots_reporting_one_module_line_stay_two_alerts(tmp_path: Path, cli, sarif_validator,
                                                             monkeypatch) -> None:
    # envs/prod and envs/staging both call ../../modules/sg as `module "sg"`: one address, one module block,
    # two roots. Each alert sits on its root's own call (the module's block is a related location), and the
    # fingerprints stay the root-qualified ones they were when both alerts sat on the module's block.
    (tmp_path / "modules" / "sg").mkdir(parents=True)
    (tmp_path / "modules" / "sg" / "main.tf").write_text(
        'variable "cidrs" {\n  type = list(string)\n}\n\n'
        'resource "aws_security_group" "this" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n'
        '    protocol    = "tcp"\n    cidr_blocks = var.cidrs\n  }\n}\n', encoding="utf-8")
    for env in ("prod", "staging", "dev"):
        (tmp_path / "envs" / env).mkdir(parents=True)
        cidr = "10.0.0.0/8" if env == "dev" else "0.0.0.0/0"
        (tmp_path / "envs" / env / "main.tf").write_text(
            f'module "sg" {{\n  source = "../../modules/sg"\n  cidrs  = ["{cidr}"]\n}}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    log = cli("check", "envs", "-f", "sarif").json()
    assert_valid_sarif(sarif_validator, log)
    results = log["runs"][0]["results"]
    places = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert len(results) == 2 and places == {("envs/prod/main.tf", 1), ("envs/staging/main.tf", 1)}
    assert {r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "modules/sg/main.tf"}
    prints = {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}
    assert len(prints) == 2
    # One root alone keeps the plain fingerprint (rule + address + key), as every other finding does.
    [alone] = cli("check", "envs/prod", "-f", "sarif").json()["runs"][0]["results"]
    plain = cli("check", "envs/prod", "-f", "json").json()["findings"][0]["fingerprint"]
    assert alone["partialFingerprints"]["primaryLocationLineHash"] == plain
    assert plain not in prints


def test_results_are_capped_at_code_scanning_limit_with_a_note(sarif_validator) -> None:
    builder = PlanBuilder()
    for i in range(12):
        builder.create(f"aws_ebs_volume.v{i:02}", {"encrypted": False})
    result = _result(builder)
    log = sarif.render(result, max_results=5)
    assert_valid_sarif(sarif_validator, log)
    run_ = log["runs"][0]
    assert [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in run_["results"]] == \
        [f.address for f in result.findings[:5]]
    notes = [n["message"]["text"] for n in run_["invocations"][0]["toolExecutionNotifications"]]
    assert any(text.startswith("7 of 12 results left out") for text in notes)
    assert run_["properties"] == {"natpolicy/totalResults": 12, "natpolicy/resultsShown": 5}
    full = sarif.render(result)  # under the cap: no note, nothing left out
    assert len(full["runs"][0]["results"]) == 12 and "properties" not in full["runs"][0]
    assert sarif.MAX_RESULTS == 5_000
