"""The check step of the composite GitHub Action (``action.yml``).

``python -I -m natpolicy.action_run`` reads the action's inputs from ``INPUT_*``
environment variables (action.yml passes each one through ``env:``, never
into shell text, so an input can hold quotes, ``$( )`` or newlines safely),
runs ``natpolicy check`` once, and from that one run writes:

- the SARIF file (``sarif-file`` input), for ``github/codeql-action/upload-sarif``;
- annotations on stdout (``--format github``), when ``annotations`` is true;
- the job summary, appended to ``$GITHUB_STEP_SUMMARY``, when ``summary`` is true;
- the step outputs ``sarif-file``, ``findings`` and ``failed`` to ``$GITHUB_OUTPUT``.

The terminal report quotes the plan (addresses, for_each keys, messages), and
the runner reads any log line that starts with ``::`` as a workflow command.
So the report is printed between ``::stop-commands::<random token>`` and
``::<token>::``, which turns command processing off; the annotations, which
natpolicy itself escaped, come after it.

On a pull request the checkout is the PR author's, so the step trusts only
the base branch and the inputs (action_trust): config, policies and baseline
come from the base commit, the PR's config may only tighten or tune the gate,
and the summary names what the PR tried to relax and the findings it
suppresses itself (action_review) unless ``trust-pr-config`` is true. natpolicy
runs with the environment reduced to what it needs (action_env), so no policy
or Terraform function can read the job's secrets (the workflow's ``live``
input alone lets the AWS credential variables through, for ``--live``), and the SARIF file is
written by this step, never through a link or outside the workspace.

Exit status: that of ``natpolicy check`` — 1 when a finding is at or above
``fail-on`` (the input, else the config file's, else low), whatever was
reported; 2 on input errors, with one ``::error`` annotation saying why.
``soft-fail`` turns 1 into 0 but never 2: a gate that could not read its input
must not pass. The step applies ``soft-fail`` itself rather than passing
``--soft-fail``, so that ``failed`` still says whether the gate tripped and a
later step can act on it.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import secrets
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

from natpolicy import action_args, action_env, action_review, action_trust, safe_write
from natpolicy.action_args import ActionInputError
from natpolicy.errors import NatpolicyError

SEVERITIES = ("low", "medium", "high", "critical")
# Each action input and the environment variable action.yml passes it in
# (the runner's own naming: INPUT_ + upper case, `-` -> `_`).
INPUT_NAMES = ("path", "source-root", "policy", "config", "fail-on", "soft-fail", "sarif-file", "category",
               "annotations", "summary", "baseline", "trust-pr-config", "rego-timeout",
               *action_args.EXTRA_INPUT_NAMES)
INPUT_ENV = {name: "INPUT_" + name.upper().replace("-", "_") for name in INPUT_NAMES}
ERROR_PREFIX = "natpolicy: error: "

# The inputs once read and checked (keys as action.yml names them, hence the functional form).
ActionInputs = TypedDict("ActionInputs", {
    "path": list[str], "source-root": str, "policy": list[str], "config": str, "fail-on": str,
    "soft-fail": bool, "sarif-file": str, "category": str, "annotations": bool, "summary": bool,
    "baseline": str, "trust-pr-config": bool, "rego-timeout": str, "extra": action_args.ExtraInputs,
})


def main(env: Mapping[str, str] | None = None) -> int:
    # A copy: os.environ itself is emptied of all but a few variables while natpolicy runs.
    env = dict(os.environ) if env is None else env
    try:
        inputs = read_inputs(env)
        workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
        sarif_file = _output_target(inputs["sarif-file"], workspace)
    except ActionInputError as exc:
        print(command("error", str(exc)), flush=True)
        return 2
    if not inputs["sarif-file"].lower().endswith(".sarif"):
        print(command("warning", f"input `sarif-file` is {inputs['sarif-file']!r}: keep the .sarif extension, "
                                 "upload-sarif looks for *.sarif files (and some versions skipped others)"),
              flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="natpolicy-", dir=env.get("RUNNER_TEMP") or None))
    report_json = workdir / "report.json"
    sarif = workdir / "report.sarif"
    annotations = workdir / "annotations.txt"
    summary = workdir / "summary.md"
    # From here on natpolicy (and git) see only the variables they need: the
    # job's secrets are out of reach of any code or policy the PR brought.
    # The `live` input (the workflow's, never the pull request's) keeps the AWS credentials for --live.
    with action_env.only(action_env.reduced(env, live=inputs["extra"]["live"])):
        try:
            trusted = action_trust.prepare(inputs, env, workdir)
            # Terraform code on a pull request: compare with its base commit (see action_args).
            diff_base = action_args.automatic_diff_base(
                inputs["path"], inputs["extra"]["diff_base"], trusted.pr.base if trusted.pr else None, Path.cwd())
            if not inputs["source-root"]:
                # A plan's findings go on its .tf lines when the workspace holds its configuration.
                inputs["source-root"] = action_args.matching_source_root(inputs["path"], Path.cwd()) or ""
        except (action_trust.TrustError, NatpolicyError) as exc:
            print(command("error", str(exc)), flush=True)
            if env.get("GITHUB_OUTPUT"):
                write_outputs(env["GITHUB_OUTPUT"], {"sarif-file": "", "findings": "", "failed": "true"})
            return 2
        argv = check_argv(inputs, report_json, annotations, summary, sarif=sarif, trusted=trusted,
                          diff_base=diff_base)
        code, stderr = _run_quoted(argv)
        report = _read_json(report_json)
        pr_suppressed = action_review.suppressed_by_pr(report["findings"] if report else (), trusted)

    sarif_written = False
    try:
        if sarif.is_file():
            # Written here, not by natpolicy: the target may be a link or a
            # FIFO the pull request committed (checked again at the rename).
            safe_write.write_text(sarif_file, sarif.read_text(encoding="utf-8"), within=workspace)
            sarif_written = True
    except OSError as exc:
        print(command("error", f"input `sarif-file`: cannot write {inputs['sarif-file']}: {exc}"), flush=True)
        code = 2
    if inputs["annotations"] and annotations.is_file():
        sys.stdout.write(annotations.read_text(encoding="utf-8"))
    review = action_review.annotation(trusted, pr_suppressed)
    if review:
        print(command("warning", review))
    if code == 2 and not (inputs["annotations"] and report):
        # Say why in an annotation too: the log line alone is easy to miss.
        for message in _error_messages(report, stderr):
            print(command("error", message))
    soft_passed = code == 1 and inputs["soft-fail"]
    if inputs["summary"] and summary.is_file() and env.get("GITHUB_STEP_SUMMARY"):
        section = action_review.summary_section(trusted, pr_suppressed)
        text = _with_section(summary.read_text(encoding="utf-8"), section)
        if soft_passed:
            text += "\n> [!NOTE]\n> `soft-fail` is on: this step passes although the gate failed.\n"
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(text + "\n")

    outputs = {
        "sarif-file": inputs["sarif-file"] if report and sarif_written else "",
        # No report: natpolicy stopped on an input error and counted nothing,
        # which is not the same as counting zero.
        "findings": str(report["summary"]["findings"]) if report else "",
        "failed": "true" if code != 0 else "false",
    }
    if env.get("GITHUB_OUTPUT"):
        write_outputs(env["GITHUB_OUTPUT"], outputs)
    sys.stdout.flush()
    return 0 if soft_passed else code


def _output_target(given: str, workspace: Path) -> Path:
    """The ``sarif-file`` path, once known to be a regular file (or none yet) inside the workspace.

    The checkout is the pull request's: ``natpolicy.sarif`` may be a committed
    link to the runner's credentials. Parent folders are created (inside the
    workspace only), so ``reports/natpolicy.sarif`` needs no mkdir step.
    """
    target = Path(given)
    try:
        safe_write.check_target(target, within=workspace)
        target.parent.mkdir(parents=True, exist_ok=True)
        return safe_write.check_target(target, within=workspace)
    except OSError as exc:
        raise ActionInputError(f"input `sarif-file`: {exc}; give a path of a new or regular file inside the "
                               "workspace") from None


def _with_section(summary: str, section: str) -> str:
    """The review section right under the report's heading, where a reviewer starts reading."""
    if not section:
        return summary
    heading, sep, rest = summary.partition("\n")
    return f"{heading}\n\n{section}{rest}" if sep else f"{summary}\n\n{section}"


def _run_quoted(argv: list[str]) -> tuple[int, str]:
    """Run ``natpolicy check`` with workflow commands off; return its exit code and stderr."""
    from natpolicy.cli import main as natpolicy

    token = secrets.token_hex(16)  # unguessable, so the plan cannot print it to resume early
    print(f"::stop-commands::{token}", flush=True)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            code = natpolicy(argv)
    finally:
        # natpolicy's stderr (its one-line errors quote paths and plan text)
        # goes to stdout, inside the quiet window: the runner reads stdout and
        # stderr through two pipes, so a line written to stderr now could be
        # read after the resume line below and run as a command.
        sys.stdout.write(captured.getvalue())
        print(f"::{token}::", flush=True)
    return code, captured.getvalue()


def read_inputs(env: Mapping[str, str]) -> ActionInputs:
    def raw(name: str) -> str:
        return env.get(INPUT_ENV[name], "")

    paths = _lines(raw("path"))
    if not paths:
        raise ActionInputError("input `path` is empty: give plan JSON files or directories, one per line")
    fail_on = raw("fail-on").strip().lower()
    if fail_on and fail_on not in SEVERITIES:
        raise ActionInputError(f"input `fail-on` is {fail_on!r}; use one of {', '.join(SEVERITIES)}")
    sarif_file = raw("sarif-file").strip() or "natpolicy.sarif"
    if "\n" in sarif_file:
        raise ActionInputError("input `sarif-file` must be one path")
    return {
        "path": paths,
        "source-root": raw("source-root").strip(),
        "policy": _lines(raw("policy")),
        "config": raw("config").strip(),
        "fail-on": fail_on,
        "soft-fail": _flag("soft-fail", raw("soft-fail"), False),
        "sarif-file": sarif_file,
        "category": _category(raw("category")),
        "annotations": _flag("annotations", raw("annotations"), True),
        "summary": _flag("summary", raw("summary"), True),
        "baseline": raw("baseline").strip(),
        "trust-pr-config": _flag("trust-pr-config", raw("trust-pr-config"), False),
        "rego-timeout": _seconds("rego-timeout", raw("rego-timeout")),
        "extra": action_args.read_extra_inputs({name: raw(name) for name in action_args.EXTRA_INPUT_NAMES}),
    }


def check_argv(inputs: ActionInputs, report_json: Path, annotations: Path, summary: Path, *,
               sarif: Path | None = None, trusted: action_trust.Trusted | None = None,
               diff_base: str | None = None) -> list[str]:
    """The one ``natpolicy check`` command line the step runs.

    ``trusted`` (from action_trust) replaces the config, policy and baseline
    inputs with the base branch's copies on a pull request. ``diff_base``:
    the revision Terraform code is compared with (the ``diff-base`` input, else
    the pull request's base; see action_args).
    """
    # --no-progress: the step captures natpolicy's stderr and prints it at the end, where
    # progress lines would only get in the way (and into an error annotation).
    argv = ["check", "--format", "text", "--color", "--no-progress", "--category", inputs["category"],
            "--also-output", f"sarif={sarif or inputs['sarif-file']}",
            "--also-output", f"json={report_json}"]
    if inputs["annotations"]:
        argv += ["--also-output", f"github={annotations}"]
    if inputs["summary"]:
        argv += ["--also-output", f"markdown={summary}"]
    if inputs["fail-on"]:
        argv += ["--fail-on", inputs["fail-on"]]
    if inputs["source-root"]:
        argv += ["--source-root", inputs["source-root"]]
    config = trusted.config if trusted else inputs["config"]
    if config:
        argv += ["--config", config]
    for policy in trusted.policies if trusted else inputs["policy"]:
        argv += ["--policy", policy]
    baseline = trusted.baseline if trusted else inputs["baseline"]
    if baseline:
        argv += ["--baseline", baseline]
    if inputs["rego-timeout"]:
        argv += ["--rego-timeout", inputs["rego-timeout"]]
    argv += action_args.extra_argv(inputs["extra"], diff_base if diff_base is not None else
                                   inputs["extra"]["diff_base"] or None)
    # `--` so that a path starting with a dash is never read as an option.
    return [*argv, "--", *inputs["path"]]


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append to ``$GITHUB_OUTPUT`` with the heredoc form, safe for any value."""
    with open(path, "a", encoding="utf-8") as fh:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
            fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def command(level: str, message: str) -> str:
    """One workflow-command annotation from the action itself."""
    from natpolicy.outputs.github import command as workflow_command

    return workflow_command(level, message, {"title": "natpolicy action"})


def _error_messages(report: Mapping[str, Any] | None, stderr: str) -> list[str]:
    if report and report.get("errors"):
        return [str(e) for e in report["errors"]]
    # click's usage errors add "Usage: …" and "Try '… -h' for help." lines: not the message.
    lines = [line.strip().removeprefix(ERROR_PREFIX) for line in stderr.splitlines()
             if line.strip() and not line.startswith(("Usage: ", "Try '"))]
    return [" ".join(lines)] if lines else ["natpolicy stopped on an error (exit 2); see the log above"]


def _read_json(path: Path) -> dict[str, Any] | None:  # JSON: its shape is natpolicy's report
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # natpolicy stopped on an input error; it already said why
    return data if isinstance(data, dict) else None


def _lines(value: str) -> list[str]:
    """One path per line; surrounding blanks trimmed, so spaces inside a path survive."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def _flag(name: str, value: str, default: bool) -> bool:
    raw = value.strip().lower()
    if not raw:
        return default
    if raw in ("true", "false"):
        return raw == "true"
    raise ActionInputError(f"input `{name}` is {raw!r}; use true or false")


def _seconds(name: str, value: str) -> str:
    """A positive, finite number of seconds ("" when not given), as natpolicy's flag takes it."""
    raw = value.strip()
    if not raw:
        return ""
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ActionInputError(f"input `{name}` is {raw!r}; give a number of seconds above 0")
    return raw


def _category(raw: str) -> str:
    """GitHub splits automationDetails.id at the last `/` into category and run id,
    so `natpolicy/prod` would be category `natpolicy` and clash with
    `natpolicy/staging`; a trailing `/` makes the whole input the category."""
    value = raw.strip() or "natpolicy/"
    return value if value.endswith("/") else value + "/"


if __name__ == "__main__":
    raise SystemExit(main())
