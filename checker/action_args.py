"""The Action's inputs that become plain ``natpolicy check`` options, and the automatic diff base.

``diff-base``, ``download-modules``, ``var-file``, ``check``, ``skip-check``
and ``args`` come from the workflow file, which the repository's owner
wrote (action_trust: the inputs are trusted, the pull request's files are
not). Still, they are turned into argv here, never into shell text: ``args``
is split the way a shell would split it (:func:`shlex.split`) and nothing is
ever evaluated. File names that look like options are refused, as for the
other path inputs, and ``args`` may not name the options the action sets
itself from the base branch (``--config``, ``--policy``, ``--baseline``) or
for its own reports (``--format``, ``--output``, ...): the trust model and the
step's outputs would otherwise be bypassed without anyone noticing.

The diff base: Terraform code shows a deletion only when compared with the
code before the change. On a pull request (or a merge queue group) whose
``path`` holds Terraform code, the action compares with the pull request's
base commit by itself (``--diff-base <sha>``), fetching it one commit deep
when the checkout is shallow (actions/checkout's default). A plan already
holds its deletions, so a plan-only ``path`` gets no diff base.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict

__all__ = ["ExtraInputs", "ActionInputError", "extra_argv", "has_terraform_code", "read_extra_inputs",
           "FORBIDDEN_IN_ARGS", "EXTRA_INPUT_NAMES"]

EXTRA_INPUT_NAMES = ("diff-base", "download-modules", "var-file", "check", "skip-check", "args",
                     "live", "live-required", "live-role")

# Options `args` may not carry: the action sets them (from the base branch on a
# pull request, or for the reports the step writes), or they write files.
FORBIDDEN_IN_ARGS = {
    "--config": "config", "--policy": "policy", "--baseline": "baseline", "--create-baseline": None,
    "--force": None, "--format": None, "-f": None, "--output": None, "-o": None, "--also-output": None,
    "--category": "category", "--fail-on": "fail-on", "--soft-fail": "soft-fail", "--source-root": "source-root",
    "--diff-base": "diff-base", "--var-file": "var-file", "--check": "check", "-c": "check",
    "--skip-check": "skip-check", "--download-modules": "download-modules", "--rego-timeout": "rego-timeout",
    # live: the step keeps the AWS credentials only when the `live` input is true (action_env).
    "--live": "live", "--live-required": "live-required", "--live-role": "live-role",
    "--color": None, "--no-color": None, "--progress": None, "--no-progress": None, "--quiet": None, "-q": None,
}
# A rule id or family: NAT001, SG, TAG001 (user Rego rules have ids of their own).
_RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
# A git revision the user names: no option, no whitespace, no `..` range.
_REVISION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./@{}~^-]*$")
# An IAM role ARN, in any partition (aws, aws-cn, aws-us-gov): what --live-role assumes.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")


class ActionInputError(Exception):
    """An input the action cannot use; reported as one ``::error`` line, exit 2."""


class ExtraInputs(TypedDict):
    diff_base: str
    download_modules: bool
    var_files: list[str]
    check: list[str]
    skip_check: list[str]
    args: list[str]
    live: bool
    live_required: bool
    live_roles: list[str]


def read_extra_inputs(raw: Mapping[str, str]) -> ExtraInputs:
    """The new inputs, checked; ``raw`` maps the action's input names to their text."""
    diff_base = raw.get("diff-base", "").strip()
    if diff_base and (not _REVISION.match(diff_base) or ".." in diff_base):
        raise ActionInputError(f"input `diff-base` is {diff_base!r}; give one git revision (a commit id, branch "
                               "or tag), not an option or a range")
    var_files = _lines(raw.get("var-file", ""))
    for name in var_files:
        if name.startswith("-"):
            raise ActionInputError(f"input `var-file`: {name!r} looks like an option; write ./{name} for a file "
                                   "whose name starts with a dash")
    return {
        "diff_base": diff_base,
        "download_modules": _flag("download-modules", raw.get("download-modules", "")),
        "var_files": var_files,
        "check": _rule_ids("check", raw.get("check", "")),
        "skip_check": _rule_ids("skip-check", raw.get("skip-check", "")),
        "args": _args(raw.get("args", "")),
        "live": _flag("live", raw.get("live", "")),
        "live_required": _flag("live-required", raw.get("live-required", "")),
        "live_roles": _role_arns(raw.get("live-role", "")),
    }


def extra_argv(extra: ExtraInputs, diff_base: str | None) -> list[str]:
    """The options the new inputs stand for, in a fixed order, before the ``--`` that ends the options.

    Values are attached with ``=``, so that even a value starting with a dash
    can never be read as another option.
    """
    argv: list[str] = []
    if diff_base:
        argv.append(f"--diff-base={diff_base}")
    if extra["download_modules"]:
        argv.append("--download-modules")
    argv += [f"--var-file={name}" for name in extra["var_files"]]
    argv += [f"--check={rule}" for rule in extra["check"]]
    argv += [f"--skip-check={rule}" for rule in extra["skip_check"]]
    if extra["live"]:
        argv.append("--live")
        if extra["live_required"]:
            argv.append("--live-required")
        argv += [f"--live-role={arn}" for arn in extra["live_roles"]]
    return argv + extra["args"]


def has_terraform_code(paths: Sequence[str]) -> bool:
    """Does any ``path`` input name Terraform code (as natpolicy's classifier reads it), not plans?"""
    from natpolicy.errors import InputError
    from natpolicy.loaders.classify import classify

    for path in paths:
        if path == "-":
            continue
        try:
            if not classify(path).kind.is_plan:
                return True
        except InputError:
            continue  # natpolicy itself says what is wrong with it
    return False


def automatic_diff_base(paths: Sequence[str], given: str, base_commit: str | None, workspace: Path) -> str | None:
    """The ``--diff-base`` the step passes: the input, else the pull request's base for Terraform code.

    ``base_commit`` is the event's base (``None`` outside a pull request or a
    merge queue). The commit is fetched when missing; a failure raises
    ``action_trust.TrustError``, which the step reports (exit 2).
    """
    if given:
        return given
    if base_commit is None or not has_terraform_code(paths):
        return None
    from natpolicy.action_trust import BaseTree

    BaseTree.open(workspace, base_commit)  # present, or fetched, or an error saying fetch-depth: 0
    return base_commit


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _flag(name: str, value: str) -> bool:
    raw = value.strip().lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise ActionInputError(f"input `{name}` is {raw!r}; use true or false")


def _rule_ids(name: str, value: str) -> list[str]:
    """Rule ids or families, one per line or comma-separated."""
    ids = [part.strip() for line in value.splitlines() for part in line.split(",") if part.strip()]
    for rule in ids:
        if not _RULE_ID.match(rule):
            raise ActionInputError(f"input `{name}`: {rule!r} is not a rule id or family (e.g. NAT001, SG)")
    return ids


def _role_arns(value: str) -> list[str]:
    """``live-role``: IAM role ARNs, one per line or comma-separated."""
    arns = [part.strip() for line in value.splitlines() for part in line.split(",") if part.strip()]
    for arn in arns:
        if not _ROLE_ARN.match(arn):
            raise ActionInputError(f"input `live-role`: {arn!r} is not an IAM role ARN "
                                   "(arn:aws:iam::ACCOUNT:role/NAME)")
    return arns


def _args(value: str) -> list[str]:
    """``args``, split as a shell splits words (quotes honoured), never run by one."""
    try:
        words = shlex.split(value, comments=False, posix=True)
    except ValueError as exc:
        raise ActionInputError(f"input `args` cannot be split into words: {exc}") from None
    for word in words:
        option = word.split("=", 1)[0]
        if option in FORBIDDEN_IN_ARGS:
            input_name = FORBIDDEN_IN_ARGS[option]
            instead = f"use the `{input_name}` input" if input_name else "the action sets it itself"
            raise ActionInputError(f"input `args`: {option} is not allowed there; {instead}")
        if option.startswith("-") and not option.startswith("--") and len(option) > 2:
            # Bundled short options (`-qo x`) would hide a forbidden one.
            raise ActionInputError(f"input `args`: write {word!r} as separate options")
        if word == "--":
            raise ActionInputError("input `args`: `--` is not allowed there; give paths in the `path` input")
    return words


# A block header, `resource "aws_vpc" "main" {` or `module "vpc" {`, as the source mapping reads them.
_HEADER = re.compile(r'(?m)^[ \t]*(resource|data|module)[ \t]+"([^"\n]+)"(?:[ \t]*"([^"\n]+)")?')
MAX_FOLDERS = 2_000  # folders of the workspace looked at when matching a plan to its configuration


def matching_source_root(paths: Sequence[str], workspace: Path) -> str | None:
    """The workspace folder a plan was made from, when one clearly matches; for ``--source-root``.

    Without it, a plan's findings stay on the plan's lines (``plan.json:1``),
    a file the pull request does not hold. The plan's configuration names its
    root module's blocks (resources, data sources, module calls); the folder
    whose ``.tf`` files declare most of them, at least half, wins. A tie, or
    no such folder, gives ``None``: better the plan's lines than a wrong file.
    """
    import json
    import os

    from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES

    wanted: set[tuple[str, ...]] = set()
    for path in paths:
        try:
            if path == "-" or has_terraform_code([path]):
                continue
            plan = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        root = plan.get("configuration", {}).get("root_module", {}) if isinstance(plan, dict) else {}
        if not isinstance(root, dict):
            continue
        for res in root.get("resources") or ():
            if isinstance(res, dict) and isinstance(res.get("type"), str) and isinstance(res.get("name"), str):
                wanted.add(("data" if res.get("mode") == "data" else "resource", res["type"], res["name"]))
        wanted |= {("module", str(name)) for name in (root.get("module_calls") or {})}
    if not wanted:
        return None
    scores: list[tuple[int, str]] = []
    for seen, (current, dirs, files) in enumerate(os.walk(workspace)):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if seen > MAX_FOLDERS:
            break
        declared: set[tuple[str, ...]] = set()
        for name in files:
            if name.endswith(TERRAFORM_CODE_SUFFIXES):
                try:
                    text = (Path(current) / name).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                declared |= {tuple(g for g in m.groups() if g is not None) for m in _HEADER.finditer(text)}
        score = len(declared & wanted)
        if score * 2 >= len(wanted) and score:
            scores.append((score, os.path.relpath(current, workspace)))
    scores.sort(key=lambda s: (-s[0], s[1]))
    if not scores or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return Path(scores[0][1]).as_posix()
