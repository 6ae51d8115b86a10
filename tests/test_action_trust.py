"""The Action's trust model on pull requests, run as the Action runs it.

Each test builds a real repository: an ``origin`` with a base commit on
``main`` and a pull request's head commit on ``pr``, cloned one commit deep
(as actions/checkout does) into the workspace, so the base commit must be
fetched. ``natpolicy.action_run.main(env)`` then runs in-process with the
``INPUT_*`` variables, the event file GitHub writes for ``pull_request`` and
the runner's files, from the workspace.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, PlanBuilder
from natpolicy import action_env, action_gate, action_run, action_trust
from natpolicy.config import Config
from natpolicy.loaders.gitrepo import Git, GitError
from test_action import read_github_output

OPEN_SSH = {"name": "web", "egress": [], "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
PLAIN_VOLUME = {"availability_zone": "eu-west-1a", "size": 10, "encrypted": False}
MAIN_TF = '''resource "aws_security_group" "web" {
  name = "web"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
}
'''
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
# The rule of issue 13: every secret-looking variable, reversed so that log masking misses it.
LEAK_POLICY = '''package main

import rego.v1

warn contains msg if {
	some k, v in opa.runtime().env
	regex.match("(SECRET|TOKEN|KEY)", upper(k))
	msg := concat("", [k, "=", strings.reverse(v)])
}

warn contains "leak probe ran" if { true }
'''
SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    "TF_TOKEN_app_terraform_io": "atlasv1.sekr1tT0kenValue",
    "GITHUB_TOKEN": "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-t0ken-value",
    "ACTIONS_RUNTIME_TOKEN": "runtime-t0ken-value",
}
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
DEFAULTS = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}


def git(cwd: Path, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd.parent), "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    proc = subprocess.run(["git", "-C", str(cwd), *args], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def write_files(root: Path, files: Mapping[str, str | None]) -> None:
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@dataclass
class PullRequest:
    origin: Path
    workspace: Path
    base: str
    head: str


@pytest.fixture
def make_pr(tmp_path: Path) -> Callable[..., PullRequest]:
    def make(base: Mapping[str, str | None], pr: Mapping[str, str | None],
             links: Mapping[str, str] | None = None) -> PullRequest:
        origin = tmp_path / "origin"
        origin.mkdir()
        git(origin, "init", "-q", "-b", "main")
        write_files(origin, {"main.tf": MAIN_TF, **base})
        git(origin, "add", "-A")
        git(origin, "commit", "-q", "-m", "base")
        base_sha = git(origin, "rev-parse", "HEAD")
        git(origin, "checkout", "-q", "-b", "pr")
        write_files(origin, pr)
        for name, target in (links or {}).items():
            (origin / name).symlink_to(target)
        git(origin, "add", "-A")
        git(origin, "commit", "-q", "--allow-empty", "-m", "pull request")
        head_sha = git(origin, "rev-parse", "HEAD")
        # Deep enough that the link in test_a_committed_sarif_link_is_refused leads to tmp_path/.credentials.
        workspace = tmp_path / "home" / "runner" / "work space"
        workspace.parent.mkdir(parents=True)
        git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "pr", origin.as_uri(), str(workspace))
        PlanBuilder().create("aws_security_group.web", OPEN_SSH).create(
            "aws_ebs_volume.data", PLAIN_VOLUME).write(workspace / "plan.json")
        return PullRequest(origin, workspace, base_sha, head_sha)

    return make


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    sarif: str

    @property
    def everything(self) -> str:
        return "\n".join([self.stdout, self.stderr, self.summary, self.sarif, json.dumps(self.outputs)])

    def warnings(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::warning")]


@pytest.fixture
def run_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Run]]:
    def run(pr: PullRequest, inputs: Mapping[str, str] | None = None, *, event: str = "pull_request",
            payload: Any = None, extra_env: Mapping[str, str] | None = None) -> Run:
        runner = tmp_path / "runner"
        runner.mkdir(exist_ok=True)
        output, summary = runner / "github_output", runner / "step_summary"
        output.write_text("", encoding="utf-8")
        summary.write_text("", encoding="utf-8")
        event_file = runner / "event.json"
        if payload is None:
            payload = {"action": "synchronize", "number": 7, "pull_request": {
                "number": 7, "base": {"ref": "main", "sha": pr.base}, "head": {"ref": "pr", "sha": pr.head}}}
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_ACTIONS": "true",
               "GITHUB_WORKSPACE": str(pr.workspace), "RUNNER_TEMP": str(runner),
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file),
               "NATPOLICY_CACHE_DIR": os.environ.get("NATPOLICY_CACHE_DIR", str(tmp_path / "cache")),
               **(extra_env or {})}
        given = {"path": "plan.json", **(inputs or {})}
        env.update({action_run.INPUT_ENV[name]: given.get(name, DEFAULTS[name]) for name in action_run.INPUT_ENV})
        for name, value in (extra_env or {}).items():
            monkeypatch.setenv(name, value)  # in the process too, as the runner puts them
        monkeypatch.chdir(pr.workspace)
        capsys.readouterr()
        code = action_run.main(env)
        out, err = capsys.readouterr()
        sarif_path = pr.workspace / given.get("sarif-file", "natpolicy.sarif")
        sarif = sarif_path.read_text(encoding="utf-8") if sarif_path.is_file() and not sarif_path.is_symlink() else ""
        return Run(code, out, err, read_github_output(output.read_text(encoding="utf-8")),
                   summary.read_text(encoding="utf-8"), sarif)

    yield run


def findings(run: Run) -> list[str]:
    return sorted(r["ruleId"] for r in json.loads(run.sarif)["runs"][0]["results"])


# -- 1 and 2: config, policies and gate settings come from the base branch -------------------------

HOSTILE_CONFIG = """\
soft-fail: true
fail-on: critical
skip-checks: [EBS]
exceptions:
  - {rule: SG, address: "*", reason: "fine"}
policy: [.github/natpolicy]
"""


def test_a_pr_cannot_switch_its_gate_off_or_add_policies(make_pr: Callable[..., PullRequest],
                                                        run_action: Callable[..., Run]) -> None:
    pr = make_pr({".natpolicy.yaml": "fail-on: high\n"},
                 {".natpolicy.yaml": HOSTILE_CONFIG, ".github/natpolicy/leak.rego": LEAK_POLICY})
    with pytest.raises(GitError):  # one commit deep: the base commit must be fetched
        Git(pr.workspace).run("cat-file", "-e", f"{pr.base}^{{commit}}")
    run = run_action(pr)
    assert run.code == 1, run.stdout
    assert run.outputs == {"sarif-file": "natpolicy.sarif", "findings": "2", "failed": "true"}
    assert findings(run) == ["EBS001", "SG002"]
    assert "leak probe ran" not in run.everything, "the PR's policy never runs"
    section = run.summary.split("| Severity |")[0]
    assert "**This pull request tries to relax natpolicy's gate.**" in section
    for setting in ("`fail-on`", "`soft-fail`", "`skip-checks`", "`exceptions`", "`policy`"):
        assert f"> - {setting}:" in section, setting
    assert "the pull request's policy path `.github/natpolicy` was ignored" in section
    assert "`critical` in the pull request, `high` on the base branch" in section
    assert f"the base branch's (`{pr.base[:7]}`)" in section
    [warning] = run.warnings()
    assert "this pull request relaxes fail-on, soft-fail, skip-checks, exceptions, policy in its config (ignored)" \
        in warning


def test_trust_pr_config_uses_the_prs_settings_and_still_says_so(make_pr: Callable[..., PullRequest],
                                                                 run_action: Callable[..., Run]) -> None:
    pr = make_pr({".natpolicy.yaml": "fail-on: high\n"}, {".natpolicy.yaml": "soft-fail: true\nskip-checks: [EBS]\n"})
    run = run_action(pr, {"trust-pr-config": "true"})
    assert run.code == 0 and run.outputs["findings"] == "1"
    assert findings(run) == ["SG002"]
    assert "`trust-pr-config` is `true`, so its settings were used" in run.summary
    assert "> - `soft-fail`:" in run.summary and "`skip-checks`" in run.summary


def test_a_pr_may_tighten_the_gate(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run]) -> None:
    """Tightening (a lower fail-on, a removed exception) is the PR's to do; no warning."""
    base = "fail-on: critical\nexceptions:\n  - {rule: EBS001, address: aws_ebs_volume.data, reason: legacy}\n"
    pr = make_pr({".natpolicy.yaml": base}, {".natpolicy.yaml": "fail-on: high\n"})
    run = run_action(pr)
    assert run.code == 1 and findings(run) == ["EBS001", "SG002"]
    assert run.warnings() == [] and "relax" not in run.summary


def test_without_the_pr_the_base_settings_pass(make_pr: Callable[..., PullRequest],
                                               run_action: Callable[..., Run]) -> None:
    """The yardstick for the test above: the base branch's own config lets both findings pass."""
    base = "fail-on: critical\nexceptions:\n  - {rule: EBS001, address: aws_ebs_volume.data, reason: legacy}\n"
    pr = make_pr({".natpolicy.yaml": base}, {"README.md": "docs only\n"})
    run = run_action(pr)
    assert run.code == 0 and run.outputs["findings"] == "1" and run.warnings() == []


@pytest.mark.parametrize("pr_config, relaxed", [
    ("web_ports: [80, 443, 8443]\n", "port 8443"),  # other (medium) graded as web (low)
    ("options: {SG002: {admin_ports: [22], web_ports: [80]}}\n", "ports 21, 23, 135"),  # no longer admin
    ("admin_ports: [22, 3389, 2222]\nweb_ports: [80, 443, 22]\n", "ports 21, 23, 135"),
    ("options: {SG002: {admin_ports: [22, 3389, 3306, 5432, 1433, 1521, 6379, 27017, 9200, 9300, 5601, 11211, "
     "2375, 2376, 5984, 8020, 9042, 23, 21, 445, 135, 139, 2222], web_ports: [443]}}\n", ""),  # tighter
])
def test_port_lists_are_tuning_unless_they_lower_a_grade(make_pr: Callable[..., PullRequest],
                                                         run_action: Callable[..., Run],
                                                         pr_config: str, relaxed: str) -> None:
    pr = make_pr({}, {".natpolicy.yaml": pr_config})
    run = run_action(pr)
    assert findings(run) == ["EBS001", "SG002"]
    if relaxed:
        assert f"the pull request lowers the severity of {relaxed}" in run.summary
    else:
        assert run.warnings() == []


def test_a_pr_config_nearer_the_plan_is_compared_with_the_base_one(make_pr: Callable[..., PullRequest],
                                                                    run_action: Callable[..., Run]) -> None:
    """natpolicy's own search (upward from the plan) at the PR's head and on the base commit."""
    pr = make_pr({".natpolicy.yaml": "fail-on: high\n", "infra/main.tf": MAIN_TF},
                 {"infra/.natpolicy.yaml": "soft-fail: true\nfail-on: high\n"})
    (pr.workspace / "plan.json").rename(pr.workspace / "infra" / "plan.json")
    run = run_action(pr, {"path": "infra/plan.json"})
    assert run.code == 1 and findings(run) == ["EBS001", "SG002"]
    assert "> - `soft-fail`: `true` in the pull request, `false` on the base branch" in run.summary
    assert "`fail-on`" not in run.summary.split("| Severity |")[0]


def test_the_config_input_is_read_from_the_base_branch(make_pr: Callable[..., PullRequest],
                                                       run_action: Callable[..., Run]) -> None:
    pr = make_pr({"ci/natpolicy.yaml": "skip-checks: [SG]\n"}, {"ci/natpolicy.yaml": "skip-checks: [SG, EBS]\n"})
    run = run_action(pr, {"config": "ci/natpolicy.yaml"})
    assert findings(run) == ["EBS001"]
    assert "`skip-checks`: the pull request stops running EBS001" in run.summary


def test_a_config_input_the_pr_adds_is_refused(make_pr: Callable[..., PullRequest],
                                               run_action: Callable[..., Run]) -> None:
    pr = make_pr({}, {"ci/natpolicy.yaml": "soft-fail: true\n"})
    run = run_action(pr, {"config": "ci/natpolicy.yaml"})
    assert run.code == 2 and run.outputs == {"sarif-file": "", "findings": "", "failed": "true"}
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "input `config`: ci/natpolicy.yaml is not on the base branch" in error
    assert "trust-pr-config: true" in error


@pytest.mark.parametrize("target", ["../../../.credentials", ".git/config"])
def test_a_pr_config_that_links_out_of_the_repository_is_not_read(make_pr: Callable[..., PullRequest],
                                                                   run_action: Callable[..., Run],
                                                                   tmp_path: Path, target: str) -> None:
    (tmp_path / ".credentials").write_text("fail-on: critical\nsecret: AKIAIOSFODNN7EXAMPLE\n", encoding="utf-8")
    pr = make_pr({}, {}, links={".natpolicy.yaml": target})
    run = run_action(pr)
    assert run.code == 2
    assert ".natpolicy.yaml: the pull request's config resolves outside the repository's files; refused" in run.stdout
    assert "AKIA" not in run.everything and "secret" not in run.everything


needs_rego = pytest.mark.skipif(__import__("importlib").util.find_spec("regopy") is None, reason="regopy is absent")


@needs_rego
def test_the_policy_input_runs_the_base_branch_policies(make_pr: Callable[..., PullRequest],
                                                        run_action: Callable[..., Run]) -> None:
    """The PR rewrites the policy the workflow names so that it never fires: the base's runs."""
    defanged = OWNER_TAG_POLICY.replace("not rc.change.after.tags.Owner", "false")
    pr = make_pr({"policy/tags.rego": OWNER_TAG_POLICY}, {"policy/tags.rego": defanged})
    run = run_action(pr, {"policy": "policy"})
    assert "TAG001" in findings(run)
    trusted = run_action(pr, {"policy": "policy", "trust-pr-config": "true"})
    assert "TAG001" not in findings(trusted), "the yardstick: the PR's copy would not fire"


def test_a_config_on_the_base_branch_brings_its_policies_from_there(make_pr: Callable[..., PullRequest],
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    pr = make_pr({".natpolicy.yaml": "policy: [rego]\n", "rego/tags.rego": OWNER_TAG_POLICY},
                 {"rego/tags.rego": None, "rego/other.rego": "package other\n"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": pr.base}}}), encoding="utf-8")
    monkeypatch.chdir(pr.workspace)
    work = tmp_path / "work"
    work.mkdir()
    inputs = {"path": ["plan.json"], "config": "", "policy": [], "baseline": "", "fail-on": "",
              "trust-pr-config": False}
    trusted = action_trust.prepare(inputs, {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)},
                                   work)
    assert trusted.config is not None and trusted.relaxed == []
    data = json.loads(Path(trusted.config).read_text(encoding="utf-8"))
    [folder] = data["policy"]
    assert Path(folder).is_relative_to(work), "a copy, not the checkout's folder"
    assert sorted(p.name for p in Path(folder).iterdir()) == ["tags.rego"]
    assert Path(folder, "tags.rego").read_text(encoding="utf-8") == OWNER_TAG_POLICY


def test_the_baseline_input_is_read_from_the_base_branch(make_pr: Callable[..., PullRequest],
                                                         run_action: Callable[..., Run]) -> None:
    accepting = json.dumps({"natpolicy_baseline": 1, "findings": [
        {"rule_id": "SG002", "address": "aws_security_group.web"},
        {"rule_id": "EBS001", "address": "aws_ebs_volume.data"}]})
    pr = make_pr({"baseline.json": json.dumps({"natpolicy_baseline": 1, "findings": []})},
                 {"baseline.json": accepting})
    run = run_action(pr, {"baseline": "baseline.json"})
    assert run.code == 1 and findings(run) == ["EBS001", "SG002"]
    assert run_action(pr, {"baseline": "baseline.json", "trust-pr-config": "true"}).code == 0


def test_outside_a_pull_request_the_checkout_is_trusted(make_pr: Callable[..., PullRequest],
                                                        run_action: Callable[..., Run]) -> None:
    pr = make_pr({".natpolicy.yaml": "fail-on: high\n"}, {".natpolicy.yaml": "soft-fail: true\n"})
    run = run_action(pr, event="push", payload={"ref": "refs/heads/main", "after": pr.head})
    assert run.code == 0 and run.outputs["failed"] == "false" and run.warnings() == []


def test_a_merge_queue_run_trusts_the_target_branch(make_pr: Callable[..., PullRequest],
                                                    run_action: Callable[..., Run]) -> None:
    pr = make_pr({".natpolicy.yaml": "fail-on: high\n"}, {".natpolicy.yaml": "soft-fail: true\n"})
    run = run_action(pr, event="merge_group", payload={"merge_group": {"base_sha": pr.base, "head_sha": pr.head}})
    assert run.code == 1 and "> - `soft-fail`:" in run.summary


@pytest.mark.parametrize("payload, message", [
    ({"number": 7}, "the pull_request event file has no pull_request object"),
    ({"pull_request": {"base": {"sha": "main"}}}, "pull_request.base.sha is missing or not a commit id"),
])
def test_a_pull_request_without_its_base_fails_closed(make_pr: Callable[..., PullRequest],
                                                      run_action: Callable[..., Run],
                                                      payload: dict[str, Any], message: str) -> None:
    pr = make_pr({}, {".natpolicy.yaml": "soft-fail: true\n"})
    run = run_action(pr, payload=payload)
    assert run.code == 2 and run.outputs["failed"] == "true"
    assert message in run.stdout


def test_a_base_commit_that_cannot_be_fetched_is_an_error(make_pr: Callable[..., PullRequest],
                                                          run_action: Callable[..., Run]) -> None:
    pr = make_pr({}, {".natpolicy.yaml": "soft-fail: true\n"})
    git(pr.workspace, "remote", "set-url", "origin", (pr.origin.parent / "gone").as_uri())
    run = run_action(pr)
    assert run.code == 2
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert f"base commit {pr.base[:7]} is not in the checkout and fetching it from origin failed" in error
    assert "fetch-depth: 0" in error


# -- 3: suppressions the pull request adds ------------------------------------------------------------


@pytest.mark.parametrize("folder", [".", "infra dir/ünïcode"])
def test_suppressions_added_by_the_pr_are_named(make_pr: Callable[..., PullRequest],
                                                run_action: Callable[..., Run], folder: str) -> None:
    old_skip = MAIN_TF.replace('resource "aws_security_group"',
                               '# natpolicy:skip=SG002 bastion, reviewed in 2025\nresource "aws_security_group"')
    new_skip = old_skip.replace('resource "aws_ebs_volume"',
                                '# natpolicy:skip=EBS001 nothing secret on it\nresource "aws_ebs_volume"')
    main = "main.tf" if folder == "." else f"{folder}/main.tf"
    pr = make_pr({main: old_skip}, {main: new_skip})
    run = run_action(pr, {"source-root": folder})
    assert run.code == 0 and run.outputs["findings"] == "0"
    section = run.summary.split("| Severity |")[0]
    assert "**1 finding suppressed by this PR**" in section
    assert f"EBS001 `aws_ebs_volume.data`, by `natpolicy:skip` at {main}:6: nothing secret on it" in section
    assert "SG002" not in section, "the base branch's skip is not the PR's"
    [warning] = run.warnings()
    assert "1 finding suppressed by this PR" in warning


def test_checkov_skips_added_by_the_pr_are_named_too(make_pr: Callable[..., PullRequest],
                                                    run_action: Callable[..., Run]) -> None:
    # natpolicy honours Checkov's comments (docs/configuration.md): one the PR adds is the PR's own suppression.
    old_skip = MAIN_TF.replace('resource "aws_security_group"',
                               '# checkov:skip=CKV_AWS_24:bastion, reviewed in 2025\nresource "aws_security_group"')
    new_skip = old_skip.replace('resource "aws_ebs_volume"',
                                '# checkov:skip=CKV_AWS_3:nothing secret on it\nresource "aws_ebs_volume"')
    pr = make_pr({"main.tf": old_skip}, {"main.tf": new_skip})
    run = run_action(pr)
    section = run.summary.split("| Severity |")[0]
    assert "**1 finding suppressed by this PR**" in section
    assert "EBS001 `aws_ebs_volume.data`, by `checkov:skip=CKV_AWS_3` at main.tf:6: nothing secret on it" in section
    assert "SG002" not in section, "the base branch's skip is not the PR's"


def test_exceptions_added_by_a_trusted_pr_config_are_named(make_pr: Callable[..., PullRequest],
                                                           run_action: Callable[..., Run]) -> None:
    config = ("exceptions:\n  - {rule: SG002, address: aws_security_group.web, reason: bastion}\n"
              "  - {rule: EBS, address: 'aws_ebs_volume.*', reason: scratch disks}\n")
    pr = make_pr({".natpolicy.yaml": config.split("  - {rule: EBS")[0]}, {".natpolicy.yaml": config})
    ignored = run_action(pr)
    assert findings(ignored) == ["EBS001"] and "suppressed by this PR" not in ignored.summary
    assert "the pull request adds 1 exception: EBS `aws_ebs_volume.*`" in ignored.summary
    trusted = run_action(pr, {"trust-pr-config": "true"})
    assert trusted.code == 0 and "**1 finding suppressed by this PR**" in trusted.summary
    assert "EBS001 `aws_ebs_volume.data`, by exception `.natpolicy.yaml: exceptions[1]`: scratch disks" \
        in trusted.summary


# -- 4: the environment natpolicy runs in ---------------------------------------------------------------


def test_natpolicy_runs_without_the_jobs_secrets(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, str]] = []
    import natpolicy.cli

    real = natpolicy.cli.main

    def observed(argv: Any = None) -> int:
        seen.append(dict(os.environ))
        return real(argv)

    monkeypatch.setattr(natpolicy.cli, "main", observed)
    pr = make_pr({}, {})
    run = run_action(pr, extra_env=SECRETS)
    assert run.code == 1
    [environment] = seen
    assert not set(SECRETS) & set(environment)
    assert not [k for k in environment if k.startswith(("INPUT_", "ACTIONS_", "AWS_", "TF_TOKEN_"))]
    assert environment["GITHUB_WORKSPACE"] == str(pr.workspace) and "PATH" in environment
    assert all(os.environ[k] == v for k, v in SECRETS.items()), "the caller's environment is back afterwards"


def test_the_reduced_environment_is_an_allow_list() -> None:
    env = {**SECRETS, "PATH": "/bin", "HOME": "/h", "LANG": "C.UTF-8", "RUNNER_TEMP": "/t", "MY_DB_PASSWORD": "x",
           "GITHUB_REPOSITORY": "o/r", "INPUT_PATH": "plan.json", "Path": "/win"}
    assert action_env.reduced(env) == {"PATH": "/bin", "HOME": "/h", "LANG": "C.UTF-8", "RUNNER_TEMP": "/t",
                                       "Path": "/win"}


def test_git_runs_with_a_clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    # Variables that would steer git: another repository, a config value.
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "natpolicy.probe")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "steered")
    found = Git.discover(repo)
    assert found is not None
    # What git itself passes to a program it starts: its whole environment.
    seen = found.run("-c", "alias.printenv=!env", "printenv").decode()
    names = {line.partition("=")[0] for line in seen.splitlines()}
    assert not set(SECRETS) & names
    assert "LC_ALL=C" in seen.splitlines()
    with pytest.raises(GitError):
        found.run("config", "--get", "natpolicy.probe")


# -- 5: the output path ----------------------------------------------------------------------------------


def test_a_committed_sarif_link_is_refused(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run],
                                           tmp_path: Path) -> None:
    credentials = tmp_path / ".credentials"
    credentials.write_text("[default]\naws_secret_access_key = keep me\n", encoding="utf-8")
    pr = make_pr({}, {}, links={"natpolicy.sarif": "../../../.credentials"})
    assert (pr.workspace / "natpolicy.sarif").resolve() == credentials.resolve()
    run = run_action(pr)
    assert run.code == 2
    assert credentials.read_text(encoding="utf-8") == "[default]\naws_secret_access_key = keep me\n"
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "input `sarif-file`:" in error and "is a symbolic link" in error


@pytest.mark.parametrize("sarif_file, problem", [
    ("../outside.sarif", "is outside"),
    ("reports", "is a directory"),
])
def test_a_sarif_file_outside_the_workspace_or_not_a_file_is_refused(make_pr: Callable[..., PullRequest],
                                                                    run_action: Callable[..., Run],
                                                                    sarif_file: str, problem: str) -> None:
    pr = make_pr({}, {"reports/keep.txt": "x"})
    run = run_action(pr, {"sarif-file": sarif_file})
    assert run.code == 2 and problem in run.stdout
    assert not (pr.workspace.parent / "outside.sarif").exists()


# -- 6: rego-timeout ------------------------------------------------------------------------------------------


def test_rego_timeout_is_passed_as_the_flag() -> None:
    inputs = action_run.read_inputs({"INPUT_PATH": "plan.json", "INPUT_REGO_TIMEOUT": " 2.5 "})
    argv = action_run.check_argv(inputs, Path("r.json"), Path("a.txt"), Path("s.md"))
    assert argv[argv.index("--rego-timeout") + 1] == "2.5"
    assert "--rego-timeout" not in action_run.check_argv(action_run.read_inputs({"INPUT_PATH": "p.json"}),
                                                         Path("r.json"), Path("a.txt"), Path("s.md"))


@pytest.mark.parametrize("value", ["nan", "0", "-1", "inf", "soon"])
def test_a_bad_rego_timeout_is_an_input_error(value: str) -> None:
    with pytest.raises(action_run.ActionInputError, match="input `rego-timeout`"):
        action_run.read_inputs({"INPUT_PATH": "plan.json", "INPUT_REGO_TIMEOUT": value})


@needs_rego
def test_rego_timeout_reaches_natpolicy(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run]) -> None:
    # Millions of steps and nothing kept: slow, and small in memory should the limit not hold.
    slow = ('package main\n\nimport rego.v1\n\ndeny contains "x" if {\n'
            '\tsome i in numbers.range(1, 3000)\n\tsome j in numbers.range(1, 3000)\n\ti * j == -1\n}\n')
    pr = make_pr({"policy/slow.rego": slow}, {})
    run = run_action(pr, {"policy": "policy", "rego-timeout": "0.2"})
    assert run.code == 2
    # The limit covers the whole Rego stage (engine start included); the Python findings are still annotated.
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error title=natpolicy error::")]
    assert "ran longer than --rego-timeout 0.2 s" in error


# -- 7: the attack of issue 13, end to end ----------------------------------------------------------------


def _leaked(run: Run) -> list[str]:
    text = run.everything
    return [name for name, value in SECRETS.items()
            if value in text or value[::-1] in text or value[:12] in text or value[::-1][:12] in text]


def test_a_pr_added_policy_cannot_leak_the_jobs_secrets(make_pr: Callable[..., PullRequest],
                                                        run_action: Callable[..., Run]) -> None:
    pr = make_pr({}, {".natpolicy.yaml": "policy: [.github/natpolicy]\n", ".github/natpolicy/leak.rego": LEAK_POLICY})
    run = run_action(pr, extra_env=SECRETS)
    assert run.code == 1, run.stdout
    assert _leaked(run) == []
    assert "leak probe ran" not in run.everything
    assert "the pull request's policy path `.github/natpolicy` was ignored" in run.summary


@needs_rego
def test_even_a_trusted_pr_policy_sees_no_secrets(make_pr: Callable[..., PullRequest],
                                                  run_action: Callable[..., Run]) -> None:
    pr = make_pr({}, {".natpolicy.yaml": "policy: [.github/natpolicy]\n", ".github/natpolicy/leak.rego": LEAK_POLICY})
    run = run_action(pr, {"trust-pr-config": "true"}, extra_env=SECRETS)
    # Trusted, the policy is read: opa.runtime() is refused before anything runs (no engine answers it as OPA).
    assert run.code == 2 and "leak.rego:6:" in run.everything and "opa.runtime(): " in run.everything
    assert _leaked(run) == []


def test_the_step_as_the_runner_starts_it(make_pr: Callable[..., PullRequest], tmp_path: Path) -> None:
    """`python -I -m natpolicy.action_run`, as action.yml runs it: inputs and secrets in the process environment."""
    pr = make_pr({}, {".natpolicy.yaml": "soft-fail: true\npolicy: [.github/natpolicy]\n",
                      ".github/natpolicy/leak.rego": LEAK_POLICY})
    runner = tmp_path / "runner"
    runner.mkdir()
    (runner / "event.json").write_text(json.dumps({"pull_request": {"base": {"sha": pr.base}}}), encoding="utf-8")
    for name in ("github_output", "step_summary"):
        (runner / name).write_text("", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_WORKSPACE": str(pr.workspace),
           "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(runner / "github_output"),
           "GITHUB_STEP_SUMMARY": str(runner / "step_summary"), "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_EVENT_PATH": str(runner / "event.json"), "INPUT_PATH": "plan.json", **SECRETS}
    proc = subprocess.run([sys.executable, "-I", "-m", "natpolicy.action_run"], cwd=pr.workspace, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = (runner / "step_summary").read_text(encoding="utf-8")
    assert "> - `soft-fail`: `true` in the pull request, `false` on the base branch" in summary
    assert "the pull request's policy path `.github/natpolicy` was ignored" in summary
    run = Run(proc.returncode, proc.stdout, proc.stderr, {}, summary,
              (pr.workspace / "natpolicy.sarif").read_text(encoding="utf-8"))
    assert _leaked(run) == [] and "leak probe ran" not in run.everything


@pytest.mark.parametrize("base, pr, relaxed", [
    (Config(namespaces=("main", "team")), Config(path="p", namespaces=("main",)), ["namespaces"]),
    (Config(all_namespaces=True), Config(path="p", namespaces=("main", "team")), ["namespaces"]),
    (Config(namespaces=("team",)), Config(path="p", all_namespaces=True), []),
    (Config(policies=("/copies/rego",)), Config(path="p"), ["policy"]),  # the PR drops the base's policy
    (Config(checks=("SG",)), Config(path="p", checks=("SG", "EBS")), []),
    (Config(checks=("SG", "EBS")), Config(path="p", checks=("SG",)), ["checks"]),
    (Config(), Config(path="p", options={"SG002": {"admin_ports": [22]}}), ["admin_ports / web_ports / options"]),
    # A lower budget hides values (unknown is never a finding); a higher one lets the PR's HCL run for hours.
    (Config(), Config(path="p", hcl_budget={"steps": 10}), ["hcl-budget"]),
    (Config(hcl_budget={"steps": 10}), Config(path="p", hcl_budget={"steps": 10**12}), ["hcl-budget"]),
    (Config(hcl_budget={"size": 5}), Config(path="p", hcl_budget={"size": 5}), []),
    # Fetching modules sends the runner where the configuration says: the base branch alone decides.
    (Config(), Config(path="p", download_modules=True), ["download-modules"]),
    (Config(require_modules=True), Config(path="p"), ["require-modules"]),
    (Config(download_modules=True), Config(path="p", download_modules=True), []),
    # Live evidence reads the cloud account with the job's credentials: the base branch alone decides.
    (Config(), Config(path="p", live=True), ["live"]),
    (Config(), Config(path="p", live_required=True), ["live-required"]),
    (Config(live=True, live_required=True), Config(path="p"), ["live", "live-required"]),
    (Config(live=True), Config(path="p", live=True), []),
])
def test_what_a_pr_config_relaxes(base: Config, pr: Config, relaxed: list[str]) -> None:
    data, found = action_gate.merge(base, pr, lambda p: None, Path("/copies"))
    assert [r.setting for r in found] == relaxed
    if relaxed == ["namespaces"]:  # the base branch's packages are queried
        assert (data.get("namespaces", []), data.get("all-namespaces", False)) == (
            list(base.namespaces), base.all_namespaces)
    assert data.get("hcl-budget", {}) == dict(base.hcl_budget)  # only the base branch's budget is used
    assert data.get("download-modules", False) == base.download_modules
    assert data.get("require-modules", False) == base.require_modules
    assert (data.get("live", False), data.get("live-required", False)) == (base.live, base.live_required)
