"""The Action's ``live`` inputs: ``--live`` options, the AWS credentials kept only then, boto3's lock, end to end.

The step runs in-process (``action_run.main(env)``) on test_action_trust's real
pull-request repositories. The end-to-end test points ``AWS_ENDPOINT_URL`` at
moto's ``ThreadedMotoServer`` on 127.0.0.1 (test_live_server's fixture), with
fake credentials in the runner's environment, as
aws-actions/configure-aws-credentials would leave them.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT
from natpolicy import action_env, action_run
from test_action import locked_for, read_lock, target_environments
from test_action_inputs import argv_for

# make_pr and run_action are test_action_trust's fixtures, shared by importing them (hence F811 in pyproject).
from test_action_trust import SECRETS, PullRequest, Run, make_pr, run_action  # noqa: F401
from test_live_server import endpoint  # noqa: F401 (moto's server on 127.0.0.1)

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

AWS_LOCK = ROOT / "action" / "requirements-aws.txt"
ROLE = "arn:aws:iam::210987654321:role/natpolicy-live-read"
AWS_SESSION = {"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLEsessiontoken", "AWS_REGION": "eu-west-1",
               "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


# -- the options ------------------------------------------------------------------------------------


def test_live_inputs_become_the_live_options() -> None:
    argv = argv_for(live="true", live_required="true", live_role=f"{ROLE}\n arn:aws:iam::123456789012:role/b, ")
    assert argv[argv.index("--live"):] == [
        "--live", "--live-required", f"--live-role={ROLE}", "--live-role=arn:aws:iam::123456789012:role/b"]


def test_without_live_the_other_live_inputs_add_nothing() -> None:
    argv = argv_for(live_required="true", live_role=ROLE)
    assert not [a for a in argv if a.startswith("--live")]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("live", "yes", "use true or false"),
    ("live_required", "1", "use true or false"),
    ("live_role", "--help", "is not an IAM role ARN"),
    ("live_role", "arn:aws:iam::12345:role/x", "is not an IAM role ARN"),
    ("live_role", "arn:aws:iam::123456789012:user/x", "is not an IAM role ARN"),
    ("args", "--live", "--live is not allowed there; use the `live` input"),
    ("args", f"--live-role={ROLE}", "use the `live-role` input"),
])
def test_bad_live_inputs_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(action_run.ActionInputError) as caught:
        argv_for(**{name: value})
    assert message in str(caught.value)


# -- the environment ---------------------------------------------------------------------------------


def _environment_seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    import natpolicy.cli

    real = natpolicy.cli.main

    def observed(argv: Any = None) -> int:
        seen.append(dict(os.environ))
        return real(argv)

    monkeypatch.setattr(natpolicy.cli, "main", observed)
    return seen


@pytest.mark.parametrize("live", [False, True])
def test_aws_credentials_reach_natpolicy_only_with_live(live: bool, make_pr: Callable[..., PullRequest],
                                                        run_action: Callable[..., Run],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _environment_seen(monkeypatch)
    run = run_action(make_pr({}, {}), {"live": str(live).lower()}, extra_env={**SECRETS, **AWS_SESSION})
    assert run.code == 1, run.everything  # the plan deletes no NAT gateway: nothing is read live
    [environment] = seen
    aws = {k: v for k, v in environment.items() if k.startswith("AWS_")}
    if live:
        assert aws == {k: v for k, v in {**SECRETS, **AWS_SESSION}.items() if k.startswith("AWS_")}
    else:
        assert aws == {}
    # Never the other secrets, whatever `live` says.
    assert not [k for k in environment if k.startswith(("INPUT_", "ACTIONS_", "TF_TOKEN_", "GITHUB_TOKEN"))]
    for value in [*SECRETS.values(), AWS_SESSION["AWS_SESSION_TOKEN"]]:
        assert value not in run.everything


def test_live_keeps_no_profile_or_config_file() -> None:
    """A profile may name a credential_process, a program botocore would run: never passed on."""
    env = {"AWS_PROFILE": "p", "AWS_CONFIG_FILE": "/w/c", "AWS_SHARED_CREDENTIALS_FILE": "/w/k",
           "AWS_ACCESS_KEY_ID": "AKIA", "PATH": "/bin"}
    assert action_env.reduced(env, live=True) == {"AWS_ACCESS_KEY_ID": "AKIA", "PATH": "/bin"}
    assert action_env.reduced(env) == {"PATH": "/bin"}


# -- boto3, installed only with live ----------------------------------------------------------------------


def test_the_aws_lock_pins_the_aws_extra_and_its_closure() -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = [Requirement(r) for r in pyproject["project"]["optional-dependencies"]["aws"]]
    pins = read_lock(AWS_LOCK)
    assert {p.name for p in pins} == {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six",
                                      "urllib3"}
    from importlib.metadata import requires

    for env in target_environments():
        locked = locked_for(pins, env)
        for req in extra:
            assert req.specifier.contains(locked[canonicalize_name(req.name)]), f"{req} vs the lock"
        # Each pinned release's own requirements (those of the installed versions, as a sample) are pinned too.
        for name in ("boto3", "botocore", "s3transfer", "python-dateutil"):
            for raw in requires(name) or []:
                req = Requirement(raw)
                if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                    continue
                assert canonicalize_name(req.name) in locked, f"{name} needs {req}; the aws lock lacks it"


def test_boto3_is_installed_from_the_lock_only_when_live_is_true() -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    install = next(s for s in action["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert install["env"]["INPUT_LIVE"] == "${{ inputs.live }}"
    run = install["run"]
    line = '"${pip[@]}" --only-binary :all: --require-hashes -r "$GITHUB_ACTION_PATH/action/requirements-aws.txt"'
    assert f'if [ "$live" = "true" ]; then\n  {line}\nfi' in run
    # The shell reads the input as action_run does: the same words switch boto3 and --live on.
    head = run[:run.index("if [ \"$live\"")]
    decide = head[head.index('live="$('):]
    for value, wanted in (("true", "true"), (" True\n", "true"), ("false", "false"), ("", "")):
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", decide + 'printf %s "$live"'],
                              env={"PATH": os.environ["PATH"], "INPUT_LIVE": value}, capture_output=True, text=True,
                              check=True)
        assert proc.stdout == wanted
        assert action_run.read_inputs({"INPUT_PATH": "p", "INPUT_LIVE": value})["extra"]["live"] is (wanted == "true")


# -- end to end: the step against moto's server -------------------------------------------------------


def test_live_action_reports_nat004_from_a_real_http_endpoint(make_pr: Callable[..., PullRequest],
                                                             run_action: Callable[..., Run], endpoint: str) -> None:
    from test_live_evidence import _hand_made_table, _network, safe_plan
    from test_live_server import _client

    ids = _network(_client("ec2"))
    hand = _hand_made_table(_client("ec2"), ids)
    pr = make_pr({}, {})
    safe_plan(ids, pr.workspace / "plan.json")
    runner_env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
                  "AWS_SECRET_ACCESS_KEY": "fake-secret-never-printed", "AWS_EC2_METADATA_DISABLED": "true",
                  "GITHUB_TOKEN": SECRETS["GITHUB_TOKEN"]}
    static = run_action(pr, extra_env=runner_env)
    assert static.code == 0 and static.outputs["findings"] == "0", static.everything
    run = run_action(pr, {"live": "true"}, extra_env=runner_env)
    assert run.code == 1, run.everything
    assert run.outputs["findings"] == "1" and run.outputs["failed"] == "true"
    [result] = json.loads(run.sarif)["runs"][0]["results"]
    assert result["ruleId"] == "NAT004" and hand in result["message"]["text"]
    assert "NAT004" in run.summary and hand in run.summary
    for secret in ("AKIAFAKE", "fake-secret", SECRETS["GITHUB_TOKEN"]):
        assert secret not in run.everything
