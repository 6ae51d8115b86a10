"""Everyday ``natpolicy check`` and ``natpolicy hook`` command lines, read without click.

Why: importing click and building the command group cost every run about 40 M instructions (a tenth of a
small plan's run, as much as msgspec's whole import), for a command line that is, in CI and in hooks,
almost always plain paths and a few common options. :func:`quick_check_params` reads such a line into the
keyword arguments click would pass to the ``check`` callback (:func:`quick_hook_params` the same for the
pre-commit hook's line, whose options are ``check``'s); for anything else it returns ``None`` and the
CLI hands the line to click as before: help, ``--``, an option it does not list here (each rarely used or
Rego/HCL/live/baseline-related), short options run together (``-vq``, ``-fsarif``), a missing value, a
value that starts with ``-``, or any value click would refuse (then click words the error). Reading a line
it accepts, click would run the same checks (choices, the paths' ``stat``/``access`` tests, the callbacks)
and find nothing to refuse, so the values are click's own: ``tests/test_check_argv.py`` compares the two
over accepted and declined lines.

Imports nothing of natpolicy's but the output formats' names (for ``--format``) and ``flag_habits``.
"""
from __future__ import annotations

import os
import stat
from typing import Any

__all__ = ["COMPLETE_VAR", "quick_check_params", "quick_hook_params"]

# click answers shell completion instead of running when this is set (``_{PROG}_COMPLETE``).
COMPLETE_VAR = "_NATPOLICY_COMPLETE"
SEVERITIES = ("low", "medium", "high", "critical")

# The callback's keyword arguments when nothing is given (as click fills them: a flag False, a multiple
# option an empty tuple, a tri-state flag and an option without a default None).
DEFAULTS: dict[str, Any] = {
    "paths": (), "fmt": "text", "output": None, "also_outputs": (), "markdown_max_bytes": None, "fail_on": None,
    "soft_fail": False, "include": (), "exclude": (), "category": "natpolicy/", "sarif_include_suppressed": False,
    "source_root": None, "config_file": None, "variables": (), "var_files": (), "skip_invalid": False,
    "diff_base": None, "staged": False, "download_modules": False, "require_modules": False, "policies": (),
    "namespaces": (), "all_namespaces": False, "engine": "python", "rego_timeout": None, "rego_memory": None,
    "rego_engine": None, "baseline": None, "create_baseline": None, "force": False, "colour": None, "live": False,
    "live_roles": (), "live_required": False, "compact": False, "verbose": False, "quiet": False, "progress": None,
    "jobs": None, "fail_on_warn": False, "data_files": (), "rego_version": None, "combine": False,
    "strict_builtin_errors": False,
}

# Flags: the token, exactly, and the value it stores (the last one given wins, as in click).
_FLAGS: dict[str, tuple[str, bool]] = {
    "--soft-fail": ("soft_fail", True), "--no-fail": ("soft_fail", True),
    "--sarif-include-suppressed": ("sarif_include_suppressed", True), "--skip-invalid": ("skip_invalid", True),
    "--compact": ("compact", True), "-v": ("verbose", True), "--verbose": ("verbose", True),
    "-q": ("quiet", True), "--quiet": ("quiet", True), "--color": ("colour", True), "--no-color": ("colour", False),
    "--progress": ("progress", True), "--no-progress": ("progress", False), "--staged": ("staged", True),
}

# Options with a value (``--name VALUE`` or ``--name=VALUE``, ``-x VALUE``): the parameter and its kind.
_VALUES: dict[str, tuple[str, str]] = {
    "-f": ("fmt", "format"), "--format": ("fmt", "format"),
    "-o": ("output", "output"), "--output": ("output", "output"),
    "--fail-on": ("fail_on", "severity"),
    "-c": ("include", "texts"), "--check": ("include", "texts"), "--skip-check": ("exclude", "texts"),
    "--category": ("category", "text"),
    "--config": ("config_file", "file"), "--baseline": ("baseline", "file"),
    "--source-root": ("source_root", "folder"),
    # A run with user policies (conftest habits): click's import was a tenth of such a run's own start.
    "-p": ("policies", "existing"), "--policy": ("policies", "existing"),
    "--rego-engine": ("rego_engine", "engine"),
}
_REPEATED = ("texts", "existing")  # options given several times: every value kept, in order
_ENGINES = ("regorus", "regopy", "opa")


def quick_check_params(args: list[str]) -> dict[str, Any] | None:
    """The ``check`` callback's keyword arguments for ``args`` (``["check", ...]``), or ``None``: ask click."""
    if args[:1] != ["check"] or COMPLETE_VAR in os.environ:
        return None
    params = _read(args[1:], hook=False)
    if params is None or not params["paths"]:
        return None  # click's "Missing argument"
    return params


def quick_hook_params(args: list[str]) -> dict[str, Any] | None:
    """The ``hook`` callback's keyword arguments, ``args`` as ``precommit.hook_arguments`` leaves them, or ``None``.

    That is ``["hook", OPTION..., "--", FILE...]``: the first ``--`` ends the options (click's parser
    too), every name after it is a file, none required; a word before it is a file as well, first.
    """
    if args[:1] != ["hook"] or COMPLETE_VAR in os.environ:
        return None
    return _read(args[1:], hook=True)


def _read(tokens: list[str], *, hook: bool) -> dict[str, Any] | None:
    params = dict(DEFAULTS)
    if hook:
        params["plans"] = False
    paths: list[str] = []
    several: dict[str, list[str]] = {}
    at = 0
    while at < len(tokens):
        token = tokens[at]
        at += 1
        if token == "-" or not token.startswith("-"):
            if not token and not hook:
                return None  # check's callback refuses an empty path (hook's paths have none)
            paths.append(token)
            continue
        if token == "--" and hook:
            paths += tokens[at:]
            break
        if token == "--plans" and hook:
            params["plans"] = True
            continue
        flag = _FLAGS.get(token)
        if flag is not None:
            params[flag[0]] = flag[1]
            continue
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        option = _VALUES.get(name)
        if option is None:
            return None
        if not equals:
            if at == len(tokens):
                return None
            value = tokens[at]
            at += 1
        if not value or value.startswith("-"):
            return None
        dest, kind = option
        converted = _converted(kind, value)
        if converted is None:
            return None
        if kind in _REPEATED:
            several.setdefault(dest, []).append(converted)
        else:
            params[dest] = converted
    params["paths"] = tuple(paths)
    for dest, values in several.items():
        params[dest] = tuple(values)
    return params


def _converted(kind: str, value: str) -> str | None:
    """``value`` as click's type for ``kind`` converts it, or ``None`` where click would refuse it."""
    if kind in ("text", "texts"):
        return value
    if kind == "format":
        from natpolicy.outputs.registry import NAMES

        return _choice(NAMES, value)
    if kind == "severity":
        return _choice(SEVERITIES, value)
    if kind == "engine":
        return _choice(_ENGINES, value)
    if kind == "existing":
        # ``click.Path(exists=True)``: a file or a folder that exists and can be read.
        return value if os.path.exists(value) and os.access(value, os.R_OK) else None
    if kind == "output":
        from natpolicy.flag_habits import format_named_as_file

        if format_named_as_file(value):
            return None  # the --output callback's refusal
        return value if _path_passes(value, dir_okay=False, file_okay=True, writable=True) else None
    if kind == "file":
        return value if _path_passes(value, dir_okay=False, file_okay=True, writable=False) else None
    return value if _path_passes(value, dir_okay=True, file_okay=False, writable=False) else None


def _choice(choices: tuple[str, ...], value: str) -> str | None:
    """``click.Choice(choices, case_sensitive=False)``: the first choice equal to ``value`` casefolded."""
    wanted = value.casefold()
    return next((choice for choice in choices if choice.casefold() == wanted), None)


def _path_passes(value: str, *, dir_okay: bool, file_okay: bool, writable: bool) -> bool:
    """The tests of ``click.Path(exists=False, readable=True, ...)``: a path that does not exist passes."""
    try:
        found = os.stat(value)
    except OSError:
        return True
    if not file_okay and stat.S_ISREG(found.st_mode):
        return False
    if not dir_okay and stat.S_ISDIR(found.st_mode):
        return False
    if not os.access(value, os.R_OK):
        return False
    return not writable or os.access(value, os.W_OK)
