"""The Action's diff base and its plain-option inputs (diff-base, download-modules, var-file, check, skip-check, args).

The pull-request tests reuse test_action_trust's real repositories: an
``origin`` with the base commit on ``main`` and the pull request on ``pr``,
cloned one commit deep into the workspace (as actions/checkout does), and the
event file GitHub writes. Nothing touches the network.
"""
from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from natpolicy import action_args, action_run

# make_pr and run_action are test_action_trust's fixtures, shared by importing them (hence F811 in pyproject).
from test_action_trust import DEFAULTS, PullRequest, Run, git, make_pr, run_action  # noqa: F401
from test_gitdiff import config

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def sarif_results(run: Run) -> list[tuple[str, str]]:
    results = json.loads(run.sarif)["runs"][0]["results"]
    return sorted((r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in results)


def has_commit(workspace: Path, sha: str) -> bool:
    return subprocess.run(["git", "-C", str(workspace), "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True, check=False).returncode == 0


def nat_pr(make_pr: Callable[..., PullRequest]) -> PullRequest:
    """A pull request that deletes the NAT gateway the private route table sends its traffic to."""
    return make_pr({"main.tf": config()}, {"main.tf": config(nat=None, route_to=None)})


# -- the automatic diff base ----------------------------------------------------------------------------


def test_terraform_code_on_a_pull_request_is_compared_with_its_base(make_pr: Callable[..., PullRequest],
                                                                    run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)
    # Shallow, as actions/checkout leaves it: the base commit is not there yet.
    assert git(pr.workspace, "rev-parse", "--is-shallow-repository") == "true"
    assert not has_commit(pr.workspace, pr.base)
    run = run_action(pr, {"path": ".", "check": "NAT"})
    assert run.code == 1, run.stdout
    assert sarif_results(run) == [("NAT001", "aws_nat_gateway.main")]
    assert has_commit(pr.workspace, pr.base)  # fetched by the step


def test_without_a_pull_request_the_code_is_compared_with_head(make_pr: Callable[..., PullRequest],
                                                               run_action: Callable[..., Run]) -> None:
    # A push: the checkout is the change itself, and HEAD is natpolicy's default (nothing deleted since).
    pr = nat_pr(make_pr)
    run = run_action(pr, {"path": ".", "check": "NAT"}, event="push", payload={"ref": "refs/heads/pr"})
    assert run.code == 0, run.stdout
    assert sarif_results(run) == []


def test_the_diff_base_input_wins(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)
    # Comparing with the head itself sees no deletion, though the event names the base.
    run = run_action(pr, {"path": ".", "check": "NAT", "diff-base": pr.head})
    assert run.code == 0, run.stdout
    assert sarif_results(run) == []


def test_a_base_that_cannot_be_fetched_fails_closed_with_one_line(make_pr: Callable[..., PullRequest],
                                                                  run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)
    git(pr.workspace, "remote", "set-url", "origin", (pr.origin.parent / "gone").as_uri())
    # trust-pr-config needs no base branch for the settings; the diff still does.
    run = run_action(pr, {"path": ".", "trust-pr-config": "true"})
    assert run.code == 2
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "fetch-depth: 0" in error and pr.base[:7] in error
    assert run.outputs["failed"] == "true"


def test_a_plan_gets_no_diff_base(make_pr: Callable[..., PullRequest], run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)  # plan.json (written by make_pr) holds an open SSH group and a plain volume
    run = run_action(pr, {"path": "plan.json"})
    assert run.code == 1, run.stdout
    assert [rule for rule, _ in sarif_results(run)] == ["EBS001", "SG002"]


def test_a_plan_with_an_explicit_diff_base_is_natpolicys_usage_error(make_pr: Callable[..., PullRequest],
                                                                       run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)
    run = run_action(pr, {"path": "plan.json", "diff-base": pr.base})
    assert run.code == 2
    assert any("--diff-base" in line for line in run.stdout.splitlines() if line.startswith("::error"))


def test_terraform_code_is_recognised_as_natpolicy_classifies_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roots" / "a").mkdir(parents=True)
    (tmp_path / "roots" / "a" / "main.tf").write_text('resource "aws_vpc" "v" {}\n', encoding="utf-8")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "p.json").write_text('{"format_version": "1.2", "resource_changes": []}',
                                               encoding="utf-8")
    assert action_args.has_terraform_code(["roots/a/main.tf"])
    assert action_args.has_terraform_code(["roots"])  # a folder of roots
    assert not action_args.has_terraform_code(["plans", "plans/p.json", "-", "missing"])
    assert action_args.has_terraform_code(["plans", "roots/a"])


# -- the plain-option inputs ----------------------------------------------------------------------------


def argv_for(**given: str) -> list[str]:
    env = {action_run.INPUT_ENV[name]: given.get(name.replace("-", "_"), DEFAULTS[name])
           for name in action_run.INPUT_ENV}
    env[action_run.INPUT_ENV["path"]] = "infra"
    inputs = action_run.read_inputs(env)
    argv = action_run.check_argv(inputs, Path("r.json"), Path("a.txt"), Path("s.md"))
    end = argv.index("--")
    assert argv[end + 1:] == ["infra"]
    return argv[:end]


def test_each_input_becomes_its_option() -> None:
    argv = argv_for(diff_base="origin/main", download_modules="true", var_file="prod.tfvars\n  envs/a b.tfvars\n",
                    check="NAT, SG001\nEBS", skip_check="SG003", args="--var 'name=a b' --skip-invalid -v")
    assert argv[argv.index("--diff-base=origin/main"):] == [
        "--diff-base=origin/main", "--download-modules", "--var-file=prod.tfvars", "--var-file=envs/a b.tfvars",
        "--check=NAT", "--check=SG001", "--check=EBS", "--skip-check=SG003",
        "--var", "name=a b", "--skip-invalid", "-v"]


def test_empty_inputs_add_nothing() -> None:
    argv = argv_for()
    assert not [a for a in argv if a.startswith(("--diff-base", "--download-modules", "--var-file", "--check",
                                                 "--skip-check", "--var", "-v"))]


def test_download_modules_false_adds_nothing() -> None:
    assert "--download-modules" not in argv_for(download_modules="false")


def test_args_are_words_never_shell() -> None:
    argv = argv_for(args="--var 'x=$(touch /tmp/pwned)' --var \"y=`id`; rm -rf /\"")
    assert argv[-4:] == ["--var", "x=$(touch /tmp/pwned)", "--var", "y=`id`; rm -rf /"]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("args", "--config evil.yaml", "--config is not allowed there; use the `config` input"),
    ("args", "--policy=evil/", "--policy is not allowed there; use the `policy` input"),
    ("args", "-o /etc/passwd", "-o is not allowed there; the action sets it itself"),
    ("args", "--also-output sarif=x.sarif", "--also-output is not allowed there"),
    ("args", "-qo x", "as separate options"),
    ("args", "-- other-root", "`--` is not allowed there"),
    ("args", "--var 'unclosed", "cannot be split into words"),
    ("var_file", "--help", "looks like an option"),
    ("check", "NAT;id", "is not a rule id"),
    ("skip_check", "-x", "is not a rule id"),
    ("diff_base", "--output=x", "one git revision"),
    ("diff_base", "main..feature", "one git revision"),
    ("download_modules", "yes", "use true or false"),
])
def test_bad_inputs_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(action_run.ActionInputError, match=None) as caught:
        argv_for(**{name: value})
    assert message in str(caught.value)


def test_a_refused_input_is_one_error_annotation_and_exit_2(make_pr: Callable[..., PullRequest],
                                                            run_action: Callable[..., Run]) -> None:
    pr = nat_pr(make_pr)
    run = run_action(pr, {"path": ".", "args": "--baseline other.json"})
    assert run.code == 2
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "use the `baseline` input" in error


OPEN_BY_VARIABLE = """\
variable "cidr" {
  default = "10.0.0.0/8"
}

resource "aws_security_group" "admin" {
  name = "admin"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""


def test_var_file_check_and_skip_check_reach_natpolicy(make_pr: Callable[..., PullRequest],
                                                       run_action: Callable[..., Run]) -> None:
    pr = make_pr({"main.tf": OPEN_BY_VARIABLE}, {"open.tfvars": 'cidr = "0.0.0.0/0"\n'})
    assert sarif_results(run_action(pr, {"path": ".", "check": "SG"})) == []
    opened = run_action(pr, {"path": ".", "check": "SG", "var-file": "open.tfvars"})
    assert sarif_results(opened) == [("SG002", "aws_security_group.admin")]
    skipped = run_action(pr, {"path": ".", "var-file": "open.tfvars", "skip-check": "SG002, FLOW"})
    assert sarif_results(skipped) == []
