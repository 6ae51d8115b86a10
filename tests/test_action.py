"""The composite action (action.yml) and the dogfood workflow, run locally.

The steps' own shell lines run under bash exactly as the runner runs them
(``bash --noprofile --norc -eo pipefail``), with ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``, ``GITHUB_WORKSPACE`` and ``RUNNER_TEMP`` pointed at
temporary files and the workspace as the working directory. The log is read
back the way actions/runner reads it (``runner_commands``), so a test sees
which workflow commands the runner would act on.

``uses:`` steps (setup-python) are replaced by their output, a Python
interpreter. Most tests also skip the install step and use the test
environment's Python as the action's virtualenv; one test runs the real
install step into a fresh virtualenv from the package index, so a broken
install line fails the suite.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT, PlanBuilder, assert_valid_sarif
from natpolicy import action_run

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "natpolicy.yml"
LOCK = ROOT / "action" / "requirements.txt"
REGO_LOCK = ROOT / "action" / "requirements-rego.txt"
AWS_LOCK = ROOT / "action" / "requirements-aws.txt"  # the `live` input's boto3 (tests/test_action_live.py)
INPUTS = {"path", "source-root", "policy", "config", "fail-on", "soft-fail", "sarif-file", "category",
          "annotations", "summary", "baseline", "trust-pr-config", "rego-timeout", "diff-base",
          "download-modules", "var-file", "check", "skip-check", "args", "live", "live-required", "live-role"}
OUTPUTS = {"sarif-file", "findings", "failed"}
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

OPEN_SSH = {"name": "web", "egress": [], "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
PLAIN_VOLUME = {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False}
# A conftest-style user policy: every EBS volume needs an Owner tag.
OWNER_TAG_POLICY = '''package main

import rego.v1

deny contains result if {
	some rc in input.resource_changes
	rc.type == "aws_ebs_volume"
	not rc.change.after.tags.Owner
	result := {"msg": concat("", [rc.address, " has no Owner tag"]), "address": rc.address,
	           "id": "TAG001", "severity": "medium"}
}
'''  # noqa: E101 (Rego indents with tabs, then aligns a wrapped line with spaces)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION)


# -- reading the log as the runner does ---------------------------------------------

# The commands actions/runner registers (ActionCommandManager and its extensions).
RUNNER_COMMANDS = {"error", "warning", "notice", "debug", "set-output", "set-env", "add-path", "add-mask",
                   "save-state", "group", "endgroup", "echo", "add-matcher", "remove-matcher", "stop-commands"}


@dataclass(frozen=True)
class Command:
    name: str
    props: dict[str, str]
    data: str


def _unescape(text: str, props: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if props else []) + [("%25", "%")]
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text


def _parse_command(line: str, known: set[str]) -> Command | None:
    """``::name k=v,…::data`` after leading blanks, or the legacy ``##[name k=v;…]data`` anywhere."""
    trimmed = line.lstrip()
    if trimmed.startswith("::") and (end := trimmed.find("::", 2)) >= 0:
        info, data, sep = trimmed[2:end], trimmed[end + 2:], ","
    elif (start := line.find("##[")) >= 0 and (end := line.find("]", start)) >= 0:
        info, data, sep = line[start + 3:end], line[end + 1:], ";"
    else:
        return None
    name, _, prop_text = info.partition(" ")
    if name.lower() not in known:
        return None
    props = {}
    for pair in prop_text.strip().split(sep):
        key, eq, value = pair.partition("=")
        if eq and key and value:
            props[key] = _unescape(value, props=True)
    return Command(name.lower(), props, _unescape(data, props=False))


def runner_commands(log: str, control: bool = False) -> list[Command]:
    """The workflow commands the runner would act on, stop-commands windows honoured.

    ``control``: list the stop-commands and resume commands too.
    """
    executed: list[Command] = []
    stop_token: str | None = None
    for line in log.splitlines():
        known = RUNNER_COMMANDS | ({stop_token.lower()} if stop_token else set())
        cmd = _parse_command(line, known)
        if cmd is None:
            continue
        if stop_token is not None:
            if cmd.name == stop_token.lower():
                stop_token = None
                executed += [cmd] if control else []
            continue
        if cmd.name == "stop-commands":
            stop_token = cmd.data
            executed += [cmd] if control else []
            continue
        executed.append(cmd)
    return executed


# -- running the action's steps locally ------------------------------------------


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def commands(self) -> list[Command]:
        return runner_commands(self.stdout + "\n" + self.stderr)

    @property
    def annotations(self) -> list[dict[str, Any]]:
        return [{"level": c.name, "props": c.props, "message": c.data} for c in self.commands
                if c.name in ("error", "warning", "notice")]


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


def resolve(value: Any, contexts: Mapping[str, Mapping[str, str]]) -> str:
    """``${{ inputs.x }}``, ``${{ steps.id.outputs.x }}``, ``${{ matrix.x }}``: nothing else is allowed."""
    def expression(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("steps."):
            step, _, name = expr.removeprefix("steps.").partition(".outputs.")
            assert step in contexts["steps"], f"{expr}: no earlier step has id {step}"
            return contexts["steps"][step].get(name, "")  # type: ignore[attr-defined]
        scope, _, name = expr.partition(".")
        assert scope in contexts and name in contexts[scope], f"expression the local runner does not know: {expr}"
        return contexts[scope][name]

    return EXPRESSION.sub(expression, str(value))


def run_action(action: dict[str, Any], workspace: Path, inputs: dict[str, str], *, install: bool = False,
               setup_python: str = sys.executable, action_path: Path = ROOT) -> ActionRun:
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    missing = [n for n, spec in action["inputs"].items() if spec.get("required") and n not in inputs]
    assert not missing, f"required inputs missing: {missing}"
    assert set(inputs) <= set(defaults), f"unknown inputs: {set(inputs) - set(defaults)}"
    runner = workspace.parent / "runner"
    runner.mkdir(exist_ok=True)
    output_file, summary_file = runner / "github_output", runner / "step_summary"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "VIRTUAL_ENV", "PYTHON"))}
    base_env.update(
        GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(summary_file), GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(runner), GITHUB_ACTIONS="true",
        # A workflow's earlier step may well have set this; `python -I` ignores it.
        PYTHONPATH=str(workspace),
    )
    code, stdout, stderr = 0, "", ""
    step_outputs: dict[str, dict[str, str]] = {}
    contexts: dict[str, Any] = {"inputs": {**defaults, **inputs}, "steps": step_outputs}
    for step in action["runs"]["steps"]:
        step_id = step.get("id", "")
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@"), step["uses"]
            step_outputs[step_id] = {"python-path": setup_python}
            continue
        if _installs_natpolicy(step) and not install:
            step_outputs[step_id] = {"python": sys.executable}  # natpolicy is installed here already
            continue
        env = dict(base_env)
        env.update({k: resolve(v, contexts) for k, v in (step.get("env") or {}).items()})
        before = output_file.read_text(encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=600)
        stdout += proc.stdout
        stderr += proc.stderr
        step_outputs[step_id] = read_github_output(output_file.read_text(encoding="utf-8")[len(before):])
        code = proc.returncode
        if code:
            break
    outputs = {}
    for name, spec in action["outputs"].items():
        m = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", spec["value"])
        assert m, spec["value"]
        outputs[name] = step_outputs.get(m.group(1), {}).get(m.group(2), "")
    return ActionRun(code, stdout, stderr, outputs, summary_file.read_text(encoding="utf-8"), step_outputs)


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


MARKER = "IMPOSTOR_RAN"


def plant_impostors(workspace: Path) -> None:
    """Packages a scanned repository could hold, named like what the action imports.

    Each one, if imported, leaves a marker file and breaks the step; with
    ``python -I`` the working directory (the workspace) is not on sys.path.
    """
    body = (f"import pathlib\npathlib.Path({str(workspace / MARKER)!r}).write_text(__name__)\n"
            "raise SystemExit('impostor ' + __name__)\n")
    for module in ("natpolicy/__init__.py", "natpolicy/action_run.py", "natpolicy/cli.py", "click/__init__.py",
                   "yaml/__init__.py", "pip/__init__.py", "pip/__main__.py", "venv/__init__.py", "venv/__main__.py",
                   "ensurepip/__init__.py", "ensurepip/__main__.py", "setuptools/__init__.py", "sitecustomize.py"):
        path = workspace / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


# -- action.yml structure ------------------------------------------------------

# GitHub's metadata syntax for a composite action, as far as this action uses it
# (https://docs.github.com/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions).
_STRING = {"type": "string", "minLength": 1}
ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "description", "runs"],
    "additionalProperties": False,
    "properties": {
        "name": _STRING, "description": _STRING, "author": _STRING,
        "branding": {"type": "object", "additionalProperties": False,
                     "properties": {"icon": _STRING, "color": {"enum": ["white", "black", "yellow", "blue", "green",
                                                                          "orange", "red", "purple", "gray-dark"]}}},
        "inputs": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9-]*$"},
                   "additionalProperties": {
                       "type": "object", "required": ["description"], "additionalProperties": False,
                       "properties": {"description": _STRING, "required": {"type": "boolean"},
                                      "default": {"type": "string"}, "deprecationMessage": _STRING}}},
        "outputs": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["description", "value"], "additionalProperties": False,
            "properties": {"description": _STRING, "value": _STRING}}},
        "runs": {
            "type": "object", "required": ["using", "steps"], "additionalProperties": False,
            "properties": {
                "using": {"const": "composite"},
                "steps": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"name": _STRING, "id": {"type": "string", "pattern": "^[A-Za-z_][\\w-]*$"},
                                   "if": _STRING, "uses": _STRING, "with": {"type": "object"},
                                   "run": _STRING, "shell": {"const": "bash"}, "working-directory": _STRING,
                                   "env": {"type": "object", "additionalProperties": {"type": "string"}},
                                   "continue-on-error": {"type": ["boolean", "string"]}},
                    # A composite run step must name its shell.
                    "oneOf": [{"required": ["uses"], "not": {"anyOf": [{"required": ["run"]},
                                                                        {"required": ["shell"]}]}},
                              {"required": ["run", "shell"], "not": {"required": ["uses"]}}]}},
            }},
    },
}
_WORKFLOW_STEP: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": _STRING, "id": _STRING, "if": _STRING, "uses": _STRING, "with": {"type": "object"},
                   "run": _STRING, "shell": _STRING, "env": {"type": "object"}, "working-directory": _STRING,
                   "continue-on-error": {"type": ["boolean", "string"]}, "timeout-minutes": {"type": "number"}},
    "oneOf": [{"required": ["uses"], "not": {"required": ["run"]}},
              {"required": ["run"], "not": {"required": ["uses"]}}],
}
_PERMISSION = {"enum": ["read", "write", "none"]}
WORKFLOW_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name", "on", "jobs"], "additionalProperties": False,
    "properties": {
        "name": _STRING, "on": {"type": ["object", "array", "string"]}, "env": {"type": "object"},
        "permissions": {"type": "object", "additionalProperties": _PERMISSION},
        "jobs": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["runs-on", "steps"], "additionalProperties": False,
            "properties": {"runs-on": _STRING, "name": _STRING, "if": _STRING, "env": {"type": "object"},
                           "permissions": {"type": "object", "additionalProperties": _PERMISSION},
                           "timeout-minutes": {"type": "number"},
                           "strategy": {"type": "object", "additionalProperties": False,
                                        "properties": {"fail-fast": {"type": "boolean"},
                                                       "max-parallel": {"type": "number"},
                                                       "matrix": {"type": "object"}}},
                           "steps": {"type": "array", "minItems": 1, "items": _WORKFLOW_STEP}}}},
    },
}


def test_action_yml_matches_the_metadata_schema(action: dict[str, Any]) -> None:
    jsonschema.validate(action, ACTION_SCHEMA)


@pytest.mark.parametrize("broken", [
    {"runs": {"using": "node20", "steps": [{"run": "x", "shell": "bash"}]}},
    {"runs": {"using": "composite", "steps": [{"run": "x"}]}},  # no shell
    {"runs": {"using": "composite", "steps": [{"uses": "a/b@c", "run": "x"}]}},
    {"inputs": {"path": {"description": "p", "requierd": True}}},  # a typo GitHub would ignore silently
    {"inputs": {"path": {"description": "p", "default": 3}}},  # YAML turned the default into a number
    {"outputs": {"findings": {"description": "n"}}},  # a composite output needs its value
])
def test_the_schema_rejects_broken_action_files(action: dict[str, Any], broken: dict[str, Any]) -> None:
    """The schema is not a rubber stamp: each of these mistakes fails it."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**action, **broken}, ACTION_SCHEMA)


def test_action_is_a_composite_with_the_documented_interface(action: dict[str, Any]) -> None:
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == OUTPUTS
    for name, spec in action["inputs"].items():
        assert spec.get("required") is True or "default" in spec, f"optional input {name} needs a default"
    assert action["inputs"]["path"]["required"] is True
    assert action["inputs"]["sarif-file"]["default"].endswith(".sarif")


def test_steps_are_safe_pinned_and_use_every_input(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    for step in steps:
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"pin {step['uses']} by full commit SHA"
            continue
        # Inputs reach the shell only through env: never as ${{ }} inside the script.
        assert "${{" not in step["run"], step["run"]
    check = next(s for s in steps if s.get("id") == "check")
    used = {m for v in check["env"].values() for m in re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", v)}
    assert used == INPUTS, f"unused inputs: {INPUTS - used}"


def test_env_names_are_the_ones_action_run_reads(action: dict[str, Any]) -> None:
    """A renamed input or env: key must not leave action_run reading an empty variable."""
    check = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    passed = {name: m.group(1) for name, value in check["env"].items()
              if (m := re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", value))}
    assert passed == {env: name for name, env in action_run.INPUT_ENV.items()}

    class Recording(dict[str, str]):
        def __init__(self) -> None:
            super().__init__({env: "x.json" if name == "path" else "" for name, env in action_run.INPUT_ENV.items()})
            self.read: set[str] = set()

        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            self.read.add(key)
            return super().get(key, default)

    env = Recording()
    action_run.read_inputs(env)
    assert env.read == set(passed), "action_run reads exactly the variables action.yml sets"


def test_python_is_isolated_off_path_and_in_a_private_venv(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    setup = steps[0]
    assert setup["uses"].startswith("actions/setup-python@")
    # Not on the caller's PATH, nor pythonLocation & co. for later steps.
    assert setup["with"]["update-environment"] is False and setup.get("id")
    install = next(s for s in steps if _installs_natpolicy(s))
    # INPUT_LIVE: boto3 is installed for the `live` input only (tests/test_action_live.py).
    assert install["env"] == {"SETUP_PYTHON": f"${{{{ steps.{setup['id']}.outputs.python-path }}}}",
                              "INPUT_LIVE": "${{ inputs.live }}"}
    assert '"$SETUP_PYTHON" -I -m venv "$venv"' in install["run"] and "${RUNNER_TEMP:?}/" in install["run"]
    check = next(s for s in steps if s.get("id") == "check")
    assert check["env"]["NATPOLICY_PYTHON"] == f"${{{{ steps.{install['id']}.outputs.python }}}}"
    assert steps.index(install) < steps.index(check)
    # Every interpreter call runs in isolated mode: the working directory is
    # the scanned repository, and -I keeps it (and PYTHONPATH) off sys.path.
    for step in (install, check):
        # An interpreter in command position: at a line start, or first in the pip=(…) array.
        calls = re.findall(r'(?:^|\()\s*"\$(?:SETUP_PYTHON|py|NATPOLICY_PYTHON)"\s+(\S+)', step["run"], re.M)
        assert calls and all(flag == "-I" for flag in calls), step["run"]


def test_install_is_hash_pinned_from_wheels_and_natpolicy_offline(action: dict[str, Any]) -> None:
    install = next(s for s in action["runs"]["steps"] if _installs_natpolicy(s))
    run = install["run"]
    for lock in (LOCK, REGO_LOCK, AWS_LOCK):
        rel = lock.relative_to(ROOT).as_posix()
        assert f'--only-binary :all: --require-hashes -r "$GITHUB_ACTION_PATH/{rel}"' in run
    assert '--no-deps --no-build-isolation --no-index "$GITHUB_ACTION_PATH"' in run


# -- the pinned requirements ----------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: tuple[str, ...]


def read_lock(path: Path) -> list[Pin]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        hashes = tuple(re.findall(r"--hash=sha256:([0-9a-f]{64})\b", line))
        req = Requirement(re.sub(r"\s--hash=\S+", "", line).strip())
        [spec] = req.specifier
        assert spec.operator == "==", f"{req.name}: pin exactly, not {spec}"
        assert hashes, f"{req.name}: no sha256 hash"
        pins.append(Pin(canonicalize_name(req.name), Version(spec.version), req.marker, hashes))
    return pins


def target_environments() -> Iterator[dict[str, str]]:
    """The platforms a runner can have, at every Python the package supports."""
    for minor in (10, 11, 12, 13):
        for sys_platform, platform_system, os_name in (("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"),
                                                       ("win32", "Windows", "nt")):
            yield {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0", "sys_platform": sys_platform,
                   "platform_system": platform_system, "os_name": os_name, "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "extra": ""}


def locked_for(pins: list[Pin], env: dict[str, str]) -> dict[str, Version]:
    chosen: dict[str, Version] = {}
    for pin in pins:
        if pin.marker is None or pin.marker.evaluate(env):
            assert pin.name not in chosen, f"{pin.name} pinned twice for {env['sys_platform']} {env['python_version']}"
            chosen[pin.name] = pin.version
    return chosen


def assert_covered(requirements: list[Requirement], locked: dict[str, Version], env: dict[str, str], why: str) -> None:
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        where = f"{env['sys_platform']} Python {env['python_version']}"
        assert name in locked, f"{why} needs {req} on {where}; action/requirements*.txt does not pin it"
        assert req.specifier.contains(locked[name], prereleases=True), \
            f"{why} needs {req}; the lock pins {name}=={locked[name]} (re-run action/lock.sh)"


def test_the_lock_pins_everything_natpolicy_and_its_build_need() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    rego = [Requirement(r) for r in pyproject["project"]["optional-dependencies"]["rego"]]
    build = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    core_pins, rego_pins = read_lock(LOCK), read_lock(REGO_LOCK)
    assert {p.name for p in rego_pins} == {canonicalize_name(r.name) for r in rego}, \
        "the rego lock holds the rego extra and nothing else"
    for env in target_environments():
        locked = locked_for(core_pins, env)
        assert_covered(dependencies, locked, env, "natpolicy")
        assert_covered(build, locked, env, "the build backend ([build-system] requires)")
        assert_covered(rego, locked_for(rego_pins, env), env, "the rego extra")


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


def test_the_workspace_cannot_supply_the_python_code_that_runs(action: dict[str, Any], workspace: Path) -> None:
    """A scanned repository with natpolicy/, click/, yaml/ packages: none of them is imported."""
    plant_impostors(workspace)
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir"})
    assert not (workspace / MARKER).exists(), (workspace / MARKER).read_text()
    assert run.code == 1, run.stdout + run.stderr
    assert run.outputs == {"sarif-file": "natpolicy.sarif", "findings": "2", "failed": "true"}


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
    assert not [a for a in run.annotations if a["level"] == "warning"]


def test_a_sarif_file_without_the_extension_is_warned_about(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "sarif-file": "natpolicy.json"})
    assert run.code == 1 and run.outputs["sarif-file"] == "natpolicy.json"
    [warning] = [a for a in run.annotations if a["level"] == "warning"]
    assert warning["message"].startswith("input `sarif-file` is 'natpolicy.json': keep the .sarif extension")


def test_baseline_input_reports_and_gates_only_new_findings(action: dict[str, Any], workspace: Path) -> None:
    plan = risky(workspace)
    created = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(plan.relative_to(workspace)),
                              "--create-baseline", ".natpolicy-baseline.json"], capture_output=True, text=True,
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


def test_policy_input_runs_the_users_rego(action: dict[str, Any], workspace: Path) -> None:
    (workspace / "policy").mkdir()
    (workspace / "policy" / "tags.rego").write_text(OWNER_TAG_POLICY, encoding="utf-8")
    tagged = {**PLAIN_VOLUME, "encrypted": True, "tags": {"Owner": "team-a"}}
    (PlanBuilder().create("aws_ebs_volume.tagged", tagged)
     .create("aws_ebs_volume.untagged", {**tagged, "tags": {}}).write(workspace / "plan.json"))
    run = run_action(action, workspace, {"path": "plan.json", "policy": "policy\n"})
    assert run.code == 1, run.stdout + run.stderr
    assert run.outputs["findings"] == "1"
    [ann] = run.annotations
    assert ann["props"]["title"].startswith("TAG001 (medium)")
    assert ann["message"].startswith("aws_ebs_volume.untagged has no Owner tag")
    # Without the policy, the same plan is clean: the finding is the policy's.
    assert run_action(action, workspace, {"path": "plan.json"}).outputs["findings"] == "0"


def test_config_input_names_a_config_file_with_its_own_policies(action: dict[str, Any], workspace: Path) -> None:
    (workspace / "ci" / "rego").mkdir(parents=True)
    (workspace / "ci" / "rego" / "tags.rego").write_text(OWNER_TAG_POLICY, encoding="utf-8")
    # Not the default name, so only the `config` input can bring it in.
    (workspace / "ci" / "natpolicy.yaml").write_text("skip-checks: [EBS001]\npolicy: [rego]\nfail-on: high\n",
                                                     encoding="utf-8")
    PlanBuilder().create("aws_ebs_volume.data", PLAIN_VOLUME).write(workspace / "plan.json")
    configured = run_action(action, workspace, {"path": "plan.json", "config": "ci/natpolicy.yaml"})
    # EBS001 (high) skipped; TAG001 (medium) reported but under the file's fail-on.
    assert configured.code == 0, configured.stdout + configured.stderr
    assert configured.outputs == {"sarif-file": "natpolicy.sarif", "findings": "1", "failed": "false"}
    assert [a["props"]["title"].split()[0] for a in configured.annotations] == ["TAG001"]
    plain = run_action(action, workspace, {"path": "plan.json"})
    assert plain.code == 1 and [a["props"]["title"].split()[0] for a in plain.annotations] == ["EBS001"]


def test_source_root_input_puts_annotations_on_the_tf_lines(action: dict[str, Any], workspace: Path) -> None:
    (workspace / "infra").mkdir()
    (workspace / "infra" / "main.tf").write_text(
        '# storage\n\nresource "aws_ebs_volume" "data" {\n  availability_zone = "eu-west-1a"\n  size = 10\n}\n',
        encoding="utf-8")
    (workspace / "plans").mkdir()
    PlanBuilder().create("aws_ebs_volume.data", PLAIN_VOLUME).write(workspace / "plans" / "plan.json")
    mapped = run_action(action, workspace, {"path": "plans/plan.json", "source-root": "infra"})
    assert mapped.code == 1, mapped.stdout + mapped.stderr
    [ann] = mapped.annotations
    assert (ann["props"]["file"], ann["props"]["line"], ann["props"]["endLine"]) == ("infra/main.tf", "3", "6")
    # Without the input, the folder of the workspace that declares the plan's blocks is found.
    [found] = run_action(action, workspace, {"path": "plans/plan.json"}).annotations
    assert (found["props"]["file"], found["props"]["line"]) == ("infra/main.tf", "3")
    # Two folders that match equally well: no guess, the plan's lines.
    (workspace / "copy").mkdir()
    (workspace / "copy" / "main.tf").write_text((workspace / "infra" / "main.tf").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    [unmapped] = run_action(action, workspace, {"path": "plans/plan.json"}).annotations
    assert unmapped["props"]["file"] == "plans/plan.json"


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
    assert "natpolicy: error: missing.json" in run.stdout and "Traceback" not in run.stdout + run.stderr
    # Nothing was counted: `findings` is empty, not a reassuring 0.
    assert run.outputs == {"sarif-file": "", "findings": "", "failed": "true"}
    [ann] = run.annotations
    assert ann == {"level": "error", "props": {"title": "natpolicy action"}, "message": "missing.json: no such file"}


def test_a_missing_policy_directory_is_one_error_annotation(action: dict[str, Any], workspace: Path) -> None:
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "policy": "no such dir"})
    assert run.code == 2 and run.outputs["findings"] == ""
    [ann] = run.annotations
    assert ann["level"] == "error" and "'--policy'" in ann["message"] and "no such dir" in ann["message"]
    assert "Usage:" not in ann["message"]


def test_inputs_cannot_inject_shell(action: dict[str, Any], workspace: Path) -> None:
    hostile = '$(touch pwned1)\n`touch pwned2`\n"; touch pwned3; echo "'
    run = run_action(action, workspace, {"path": hostile, "category": "$(touch pwned4)"})
    assert run.code == 2
    assert not list(workspace.glob("pwned*")) and not list(workspace.parent.glob("pwned*"))
    assert "natpolicy: error: $(touch pwned1)" in run.stdout


HOSTILE_KEYS = {
    # The terminal report wraps long lines; at some key length the forged
    # command starts a line (after blanks, which the runner trims).
    "wrapped": ["a" * n + " ::stop-commands::pwn" for n in range(100)],
    "newlines": ["x" * n + "\n::set-output name=failed::false\n::add-mask::natpolicy\n"
                 "::error file=README.md,line=1::fake" for n in range(0, 100, 3)],
    # The runner still reads the old `##[command]` form anywhere in a line.
    "legacy": ["##[set-output name=findings]0"],
}


def hostile_plan(workspace: Path, keys: list[str]) -> Path:
    builder = PlanBuilder()
    for key in keys:
        builder.create(f'aws_ebs_volume.data["{key}"]', PLAIN_VOLUME)
    return builder.write(workspace / "plan.json")


@pytest.mark.parametrize("kind", HOSTILE_KEYS)
def test_plan_text_cannot_issue_workflow_commands(action: dict[str, Any], workspace: Path, kind: str) -> None:
    keys = HOSTILE_KEYS[kind]
    hostile_plan(workspace, keys)
    run = run_action(action, workspace, {"path": "plan.json"})
    assert run.code == 1 and run.outputs["findings"] == str(len(keys))
    # The runner acts on natpolicy's annotations (at most 10 errors and the
    # notice counting the rest) and on nothing else.
    commands = run.commands
    assert [c.name for c in commands] == ["error"] * min(10, len(keys)) + (["notice"] if len(keys) > 10 else [])
    for cmd in commands[:-1] if len(keys) > 10 else commands:
        assert (cmd.props["file"], cmd.props["title"].split()[0]) == ("plan.json", "EBS001")
        assert any(f'Resource: aws_ebs_volume.data["{key}"]' in cmd.data for key in keys)
    # The report itself is in the log, inside the stop-commands window.
    assert "EBS001" in run.stdout.split("::stop-commands::", 1)[1]


@pytest.mark.parametrize("kind", HOSTILE_KEYS)
def test_without_the_window_the_report_issues_no_command_either(workspace: Path, kind: str) -> None:
    """The text writer itself escapes the same plans (`--format text` in a workflow step of one's own)."""
    hostile_plan(workspace, HOSTILE_KEYS[kind])
    proc = subprocess.run([sys.executable, "-I", "-m", "natpolicy", "check", "plan.json", "--color"], cwd=workspace,
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "EBS001" in proc.stdout
    assert runner_commands(proc.stdout, control=True) == [], "a bare text report holds no command of its own"


def test_an_error_message_cannot_issue_workflow_commands(action: dict[str, Any], workspace: Path) -> None:
    """natpolicy's one-line error quotes the input: a newline in it must not start a command."""
    risky(workspace)
    run = run_action(action, workspace, {"path": "plans dir", "baseline": "b.json\n::add-mask::natpolicy"})
    assert run.code == 2
    # natpolicy's error line escapes the newline, so no forged line reaches the log at all.
    assert "\n::add-mask::" not in run.stdout + run.stderr
    [cmd] = run.commands
    assert cmd.name == "error" and cmd.data.startswith("b.json\\n::add-mask::natpolicy: baseline file not found")
    assert run.outputs == {"sarif-file": "", "findings": "", "failed": "true"}


# -- the real install step ------------------------------------------------------------


def _python_312() -> str:
    """A Python 3.12 (what setup-python installs for the action), else the test interpreter's base."""
    candidates = [shutil.which("python3.12") or ""]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-I", "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return getattr(sys, "_base_executable", sys.executable)


def _action_checkout(tmp_path: Path) -> Path:
    """The action's files as the runner downloads them, so the build never writes into this checkout."""
    target = tmp_path / "_actions" / "natpolicy"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis", ".venv*", ".ci-venv",
        "out", "*.sarif"))
    return target


@pytest.mark.index  # pip installs the lock from the package index
def test_the_real_install_step_builds_a_private_venv_from_the_lock(action: dict[str, Any], tmp_path: Path) -> None:
    """The install line itself, from the package index, into a fresh venv: the slow one.

    The workspace holds pip/, venv/, ensurepip/ and setuptools/ impostors and
    PYTHONPATH points at it, as in the fast tests; a Rego policy proves that
    the `rego` extra got installed; the interpreter that stands for
    setup-python's must come out of it untouched.
    """
    toolcache = tmp_path / "toolcache"
    subprocess.run([_python_312(), "-I", "-m", "venv", "--without-pip", str(toolcache)], check=True)
    tool_python = next(p for p in (toolcache / "bin" / "python", toolcache / "Scripts" / "python.exe") if p.exists())
    workspace = tmp_path / "work space"
    workspace.mkdir()
    plant_impostors(workspace)
    risky(workspace)
    (workspace / "policy").mkdir()
    (workspace / "policy" / "tags.rego").write_text(OWNER_TAG_POLICY, encoding="utf-8")

    run = run_action(action, workspace, {"path": "plans dir", "policy": "policy"}, install=True,
                     setup_python=str(tool_python), action_path=_action_checkout(tmp_path))
    assert not (workspace / MARKER).exists(), (workspace / MARKER).read_text()
    assert run.code == 1, run.stdout + run.stderr
    assert "regopy could not be installed" not in run.stdout
    assert run.outputs == {"sarif-file": "natpolicy.sarif", "findings": "3", "failed": "true"}
    assert sorted(a["props"]["title"].split()[0] for a in run.annotations) == ["EBS001", "SG002", "TAG001"]

    venv_python = Path(run.step_outputs["install"]["python"])
    assert venv_python.is_relative_to(workspace.parent / "runner"), "the venv lives under RUNNER_TEMP"
    check = subprocess.run([str(venv_python), "-I", "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # Exactly the lock was installed, and each installed release's own
    # requirements are pinned on every platform (for this Python): the lock
    # is closed, and cannot drift from what the packages ask for.
    dump = subprocess.run([str(venv_python), "-I", "-c",
                           "import json, sys, importlib.metadata as m; print(json.dumps({"
                           "'minor': sys.version_info[1], 'dists': {d.metadata['Name']: [d.version, d.requires or []]"
                           " for d in m.distributions()}}))"],
                          capture_output=True, text=True, check=True)
    found = json.loads(dump.stdout)
    dists = {canonicalize_name(name): (Version(v), reqs) for name, (v, reqs) in found["dists"].items()}
    pins = read_lock(LOCK) + read_lock(REGO_LOCK)
    envs = [e for e in target_environments() if e["python_version"] == f"3.{found['minor']}"]
    for env in envs:
        locked = locked_for(pins, env)
        if env["sys_platform"] == "linux":
            for name, version in locked.items():
                assert dists.get(name, (None,))[0] == version, f"{name}: locked {version}, installed {dists.get(name)}"
        for name, (version, reqs) in dists.items():
            if name in ("pip", "natpolicy") or name in locked:
                requires = [r for r in map(Requirement, reqs) if not (r.marker and "extra" in str(r.marker))]
                assert_covered(requires, locked, env, f"{name} {version}")
    # setup-python's interpreter got nothing: the job's other steps see it as it was.
    untouched = subprocess.run([str(tool_python), "-I", "-c", "import click"], capture_output=True, text=True)
    assert untouched.returncode != 0 and "No module named 'click'" in untouched.stderr


# -- the dogfood workflow -------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(WORKFLOW)


def test_workflow_matches_the_schema(workflow: dict[str, Any]) -> None:
    # YAML 1.1 reads a bare `on` as True.
    jsonschema.validate({("on" if k is True else k): v for k, v in workflow.items()}, WORKFLOW_SCHEMA)


def test_workflow_runs_on_every_push_with_least_privilege(workflow: dict[str, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["persist-credentials"] is False
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
    assert ours["with"]["sarif-file"].endswith(".sarif")
    assert job["steps"].index(ours) < job["steps"].index(upload)


def test_workflow_checks_each_fixture_plan_on_its_own(workflow: dict[str, Any]) -> None:
    """Every plan in fixtures/plans has its own matrix entry, category and SARIF file."""
    [job] = workflow["jobs"].values()
    entries = job["strategy"]["matrix"]["include"]
    plans = sorted(p.name for p in (ROOT / "fixtures" / "plans").glob("*.json"))
    assert sorted(e["fixture"] + ".json" for e in entries) == plans
    ours = next(s for s in job["steps"] if s.get("uses") == "./")
    for key in ("path", "category", "sarif-file"):
        assert "${{ matrix.fixture }}" in ours["with"][key], f"{key} must differ per plan"


@pytest.mark.parametrize("fixture", ["nat-deleted", "nat-consolidated"])
def test_workflow_dogfood_finds_exactly_the_expected_rules(workflow: dict[str, Any], action: dict[str, Any],
                                                           tmp_path: Path, sarif_validator: Any,
                                                           fixture: str) -> None:
    """Run one matrix job's natpolicy step and its assertion step on this repository's fixtures."""
    [job] = workflow["jobs"].values()
    matrix = next(e for e in job["strategy"]["matrix"]["include"] if e["fixture"] == fixture)
    contexts: dict[str, Any] = {"matrix": {k: str(v) for k, v in matrix.items()}}
    ours = next(s for s in job["steps"] if s.get("uses") == "./")
    inputs = {k: resolve(v, contexts) for k, v in ours["with"].items()}
    # A copy of the checkout's fixtures, so the test never writes into the repository.
    workspace = tmp_path / "checkout"
    shutil.copytree(ROOT / "fixtures" / "plans", workspace / "fixtures" / "plans")
    run = run_action(action, workspace, inputs)
    assert run.code == 0, run.stdout + run.stderr
    sarif = json.loads((workspace / inputs["sarif-file"]).read_text(encoding="utf-8"))
    assert_valid_sarif(sarif_validator, sarif)
    assert sarif["runs"][0]["automationDetails"]["id"] == f"natpolicy/fixtures/{fixture}/"
    found = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    assert " ".join(found) == matrix["rules"], "the matrix states what this fixture must produce"

    check = next(s for s in job["steps"] if "run" in s and "steps." in json.dumps(s.get("env", {})))
    env = {k: resolve(v, {**contexts, "steps": {ours["id"]: run.outputs}}) for k, v in check["env"].items()}
    assert_check = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                                  cwd=workspace, env={**os.environ, **env}, capture_output=True, text=True)
    assert assert_check.returncode == 0, assert_check.stdout + assert_check.stderr
    # The assertion step is not a rubber stamp: a wrong expectation fails it.
    wrong = {**env, "EXPECTED_RULES": "SG001" if matrix["rules"] else "NAT001"}
    failing = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                             cwd=workspace, env={**os.environ, **wrong}, capture_output=True, text=True)
    assert failing.returncode != 0


@pytest.mark.parametrize("doc", ["README.md", "docs/github-action.md"])
def test_documented_workflow_is_valid_yaml_and_pinned(doc: str) -> None:
    # The README shows the workflow and docs/github-action.md explains it: both copies are checked.
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text[text.index("# GitHub Actions"):]
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    jsonschema.validate({("on" if k is True else k): v for k, v in example.items()}, WORKFLOW_SCHEMA)
    [job] = example["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["persist-credentials"] is False
    for step in job["steps"]:
        if "uses" in step and not step["uses"].startswith("natpolicy/natpolicy@"):
            assert PINNED.match(step["uses"]), step["uses"]
    upload = job["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "dependabot[bot]" in upload["if"] and "head.repo.full_name" in upload["if"]
