"""The composite action (action.yml) and the dogfood workflow, run locally.

The steps' own shell lines run under bash exactly as the runner runs them
(``bash --noprofile --norc -eo pipefail``), with ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY`` and ``GITHUB_WORKSPACE`` pointed at temporary files.
``uses:`` steps are skipped (setup-python), and so is the pip install step:
natpolicy is already installed in the test environment, and reinstalling it
from the checkout would replace the editable install.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, PlanBuilder, assert_valid_sarif
from test_github_output import parse as parse_annotations

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "natpolicy.yml"
INPUTS = {"path", "source-root", "policy", "config", "fail-on", "soft-fail", "sarif-file", "category",
          "annotations", "summary", "baseline"}
OUTPUTS = {"sarif-file", "findings", "failed"}
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

OPEN_SSH = {"name": "web", "egress": [], "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
PLAIN_VOLUME = {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION)


# -- running the action's steps locally ------------------------------------------


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def annotations(self) -> list[dict[str, Any]]:
        return parse_annotations("\n".join(line for line in self.stdout.splitlines() if line.startswith("::")))


def read_github_output(text: str) -> dict[str, str]:
    """``name=value`` and ``name<<DELIM`` … ``DELIM`` entries, as the runner reads them."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for item in lines:
                if item == delimiter:
                    break
                value.append(item)
            else:
                raise AssertionError(f"unterminated {name} output")
            out[name] = "\n".join(value)
        elif line:
            name, _, value = line.partition("=")
            out[name] = value
    return out


def resolve(value: Any, inputs: dict[str, str], defaults: dict[str, str]) -> str:
    def expression(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            name = expr.removeprefix("inputs.")
            assert name in defaults, f"unknown input {name}"
            return inputs.get(name, defaults[name])
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"expression the local runner does not know: {expr}")

    return EXPRESSION.sub(expression, str(value))


def run_action(action: dict[str, Any], workspace: Path, inputs: dict[str, str]) -> ActionRun:
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    missing = [n for n, spec in action["inputs"].items() if spec.get("required") and n not in inputs]
    assert not missing, f"required inputs missing: {missing}"
    runner = workspace.parent / "runner"
    runner.mkdir(exist_ok=True)
    output_file, summary_file = runner / "github_output", runner / "step_summary"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    base_env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(summary_file), GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(runner), GITHUB_ACTIONS="true",
    )
    code, stdout, stderr = 0, "", ""
    step_outputs: dict[str, dict[str, str]] = {}
    for step in action["runs"]["steps"]:
        if "uses" in step or _installs_natpolicy(step):
            continue
        env = dict(base_env)
        env.update({k: resolve(v, inputs, defaults) for k, v in (step.get("env") or {}).items()})
        before = output_file.read_text(encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=120)
        stdout += proc.stdout
        stderr += proc.stderr
        step_outputs[step.get("id", "")] = read_github_output(output_file.read_text(encoding="utf-8")[len(before):])
        code = proc.returncode
        if code:
            break
    outputs = {}
    for name, spec in action["outputs"].items():
        m = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", spec["value"])
        assert m, spec["value"]
        outputs[name] = step_outputs.get(m.group(1), {}).get(m.group(2), "")
    return ActionRun(code, stdout, stderr, outputs, summary_file.read_text(encoding="utf-8"))


def _installs_natpolicy(step: dict[str, Any]) -> bool:
    return "pip install" in step.get("run", "")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "work space"
    ws.mkdir()
    return ws


def risky(workspace: Path, name: str = "plans dir/a plan.json") -> Path:
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return (PlanBuilder().create("aws_security_group.web", OPEN_SSH)
            .create("aws_ebs_volume.data", PLAIN_VOLUME).write(path))


# -- action.yml structure ------------------------------------------------------


def test_action_is_a_composite_with_the_documented_interface(action: dict[str, Any]) -> None:
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == OUTPUTS
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert spec.get("required") is True or "default" in spec, f"optional input {name} needs a default"
        assert isinstance(spec.get("default", ""), str), f"{name}: YAML would turn the default into a non-string"
    assert action["inputs"]["path"]["required"] is True
    assert action["inputs"]["sarif-file"]["default"].endswith(".sarif")
    for name, spec in action["outputs"].items():
        assert spec.get("description") and spec.get("value"), name


def test_steps_are_safe_pinned_and_use_every_input(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    env_text = ""
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"pin {step['uses']} by full commit SHA"
            continue
        assert step.get("shell") == "bash", "composite run steps must name their shell"
        # Inputs reach the shell only through env: never as ${{ }} inside the script.
        assert "${{" not in step["run"], step["run"]
        env_text += yaml.safe_dump(step.get("env") or {})
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", env_text))
    assert used == INPUTS, f"unused inputs: {INPUTS - used}"
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install = next(s for s in steps if _installs_natpolicy(s))
    assert '"$GITHUB_ACTION_PATH"' in install["run"], "install from the action's own checkout"
    assert steps.index(install) < steps.index(next(s for s in steps if s.get("id") == "check"))


# -- the action, run locally ----------------------------------------------------------


def test_defaults_write_sarif_annotations_summary_and_fail(action: dict[str, Any], workspace: Path,
                                                           sarif_validator: Any) -> None:
    risky(workspace)
    other = (PlanBuilder().create("aws_ebs_volume.logs", PLAIN_VOLUME).write(workspace / "second.json"))
    run = run_action(action, workspace, {"path": f"plans dir/a plan.json\n  {other.name}  \n"})
    assert run.code == 1, run.stderr
    assert run.outputs == {"sarif-file": "natpolicy.sarif", "findings": "3", "failed": "true"}
    sarif = json.loads((workspace / "natpolicy.sarif").read_text(encoding="utf-8"))
    assert_valid_sarif(sarif_validator, sarif)
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["EBS001", "EBS001", "SG002"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "plans%20dir/a%20plan.json", "second.json"}
    assert sarif["runs"][0]["automationDetails"]["id"] == "natpolicy/"
    # Annotations: the same findings, on the files as GitHub sees them from the workspace.
    anns = run.annotations
    assert [(a["level"], a["props"]["file"]) for a in anns] == [
        ("error", "plans dir/a plan.json"), ("error", "second.json"), ("error", "plans dir/a plan.json")]
    assert "3 findings (3 high)" in run.stdout, "the terminal report is in the log too"
    assert run.summary.startswith("## natpolicy\n") and "**3 findings**" in run.summary
    assert "❌ **Gate: fail**" in run.summary


def test_exit_status_follows_fail_on_not_what_is_reported(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "fail-on": "critical"})
    assert run.code == 0, run.stderr
    assert run.outputs["failed"] == "false" and run.outputs["findings"] == "2"
    sarif = json.loads((workspace / "natpolicy.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 2, "fail-on never filters the SARIF"
    assert len(run.annotations) == 2 and "**2 findings**" in run.summary
    assert "✅ **Gate: pass** (nothing at or above `critical`)" in run.summary


def test_soft_fail_passes_the_step_but_failed_still_tells(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "soft-fail": "true"})
    assert run.code == 0, run.stderr
    assert run.outputs["failed"] == "true"
    assert "`soft-fail` is on: this step passes although the gate failed." in run.summary


def test_annotations_and_summary_can_be_turned_off(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "annotations": "false", "summary": "False"})
    assert run.code == 1
    assert run.annotations == [] and run.summary == ""
    assert (workspace / "natpolicy.sarif").is_file() and run.outputs["findings"] == "2"


def test_category_and_sarif_file(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "category": "natpolicy/prod",
                                         "sarif-file": "reports/prod plan.sarif"})
    assert run.outputs["sarif-file"] == "reports/prod plan.sarif"
    sarif = json.loads((workspace / "reports" / "prod plan.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["automationDetails"]["id"] == "natpolicy/prod/"


def test_baseline_input_reports_and_gates_only_new_findings(action: dict[str, Any], workspace: Path) -> None:
    plan = risky(workspace)
    created = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan), "--create-baseline",
                              str(workspace / ".natpolicy-baseline.json")], capture_output=True, text=True,
                             cwd=workspace)
    assert created.returncode == 0, created.stderr
    clean = run_action(action, workspace, {"path": "plans dir", "baseline": ".natpolicy-baseline.json"})
    assert clean.code == 0 and clean.outputs == {"sarif-file": "natpolicy.sarif", "findings": "0", "failed": "false"}
    assert clean.annotations == [] and "✅ **No findings**" in clean.summary

    (PlanBuilder().create("aws_security_group.web", OPEN_SSH).create("aws_ebs_volume.data", PLAIN_VOLUME)
     .create("aws_ebs_volume.new", PLAIN_VOLUME).write(plan))
    new = run_action(action, workspace, {"path": "plans dir", "baseline": ".natpolicy-baseline.json"})
    assert new.code == 1 and new.outputs["findings"] == "1" and new.outputs["failed"] == "true"
    assert [a["message"].splitlines()[1] for a in new.annotations] == ["Resource: aws_ebs_volume.new"]


def test_a_clean_plan_passes(action: dict[str, Any], workspace: Path) -> None:
    PlanBuilder().create("aws_ebs_volume.data", {**PLAIN_VOLUME, "encrypted": True}).write(workspace / "plan.json")
    run = run_action(action, workspace, {"path": "plan.json"})
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs == {"sarif-file": "natpolicy.sarif", "findings": "0", "failed": "false"}
    assert run.annotations == [] and "✅ **No findings**" in run.summary


@pytest.mark.parametrize("inputs, message", [
    ({"path": "plan.json", "fail-on": "severe"}, "input `fail-on` is 'severe'"),
    ({"path": "plan.json", "annotations": "yes"}, "input `annotations` is 'yes'; use true or false"),
    ({"path": " \n "}, "input `path` is empty"),
])
def test_bad_inputs_fail_with_one_error_annotation(action: dict[str, Any], workspace: Path,
                                                   inputs: dict[str, str], message: str) -> None:
    run = run_action(action, workspace, inputs)
    assert run.code == 2
    [ann] = run.annotations
    assert ann["level"] == "error" and ann["message"].startswith(message)
    assert run.outputs == {"sarif-file": "", "findings": "", "failed": ""}


def test_unreadable_input_fails_even_under_soft_fail(action: dict[str, Any], workspace: Path) -> None:
    run = run_action(action, workspace, {"path": "missing.json", "soft-fail": "true"})
    assert run.code == 2
    assert "natpolicy: error: missing.json" in run.stderr and "Traceback" not in run.stderr
    assert run.outputs == {"sarif-file": "", "findings": "0", "failed": "true"}


def test_inputs_cannot_inject_shell(action: dict[str, Any], workspace: Path) -> None:
    hostile = '$(touch pwned1)\n`touch pwned2`\n"; touch pwned3; echo "'
    run = run_action(action, workspace, {"path": hostile, "category": "$(touch pwned4)"})
    assert run.code == 2
    assert not list(workspace.glob("pwned*")) and not list(workspace.parent.glob("pwned*"))
    assert "natpolicy: error: $(touch pwned1)" in run.stderr


# -- the dogfood workflow -------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(WORKFLOW)


def test_workflow_runs_on_every_push_with_least_privilege(workflow: dict[str, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "push" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    for step in job["steps"]:
        if "uses" in step and not step["uses"].startswith("./"):
            assert PINNED.match(step["uses"]), f"pin {step['uses']} by full commit SHA"


def test_workflow_uploads_sarif_except_on_fork_and_dependabot_prs(workflow: dict[str, Any]) -> None:
    [job] = workflow["jobs"].values()
    ours = next(s for s in job["steps"] if s.get("uses") == "./")
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == f"${{{{ steps.{ours['id']}.outputs.sarif-file }}}}"
    condition = " ".join(upload["if"].split())
    assert "!cancelled()" in condition, "upload even when the gate fails"
    assert "github.actor != 'dependabot[bot]'" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert ours["with"].get("sarif-file", ".sarif").endswith(".sarif")
    assert job["steps"].index(ours) < job["steps"].index(upload)


def test_workflow_dogfood_catches_the_fixtures(workflow: dict[str, Any], action: dict[str, Any],
                                               tmp_path: Path, sarif_validator: Any) -> None:
    """Run the workflow's natpolicy step and its assertion step on this repository's fixtures."""
    [job] = workflow["jobs"].values()
    ours = next(s for s in job["steps"] if s.get("uses") == "./")
    inputs = {k: str(v) for k, v in ours["with"].items()}
    assert (ROOT / inputs["path"]).is_dir()
    # A copy of the checkout's fixtures, so the test never writes into the repository.
    workspace = tmp_path / "checkout"
    shutil.copytree(ROOT / inputs["path"], workspace / inputs["path"])
    run = run_action(action, workspace, inputs)
    assert run.code == 0, run.stdout + run.stderr
    assert_valid_sarif(sarif_validator, json.loads((workspace / inputs["sarif-file"]).read_text(encoding="utf-8")))
    assert any(a["props"].get("title", "").startswith("NAT001") for a in run.annotations)
    check = next(s for s in job["steps"] if "run" in s and "steps." in json.dumps(s.get("env", {})))
    env = {k: EXPRESSION.sub(lambda m: run.outputs[m.group(1).rsplit(".", 1)[-1]], v)
           for k, v in check["env"].items()}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                          env={**os.environ, **env}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_example_is_valid_yaml_and_pinned() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## GitHub Actions"):]
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    [job] = example["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    for step in job["steps"]:
        if "uses" in step and not step["uses"].startswith("natpolicy/natpolicy@"):
            assert PINNED.match(step["uses"]), step["uses"]
    upload = job["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "dependabot[bot]" in upload["if"] and "head.repo.full_name" in upload["if"]
