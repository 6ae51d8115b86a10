"""Habits users bring from Checkov, conftest and other command-line tools, answered in natpolicy's terms.

A leaf (standard library and the outputs registry's names only), so the CLI can
call it while parsing flags without importing the run's machinery.

- ``-o sarif`` means "SARIF output" to a Checkov or conftest user, but
  ``--output`` is natpolicy's report *file*: the run would write the text
  report to a file called ``sarif`` and the CI step would upload nothing
  useful. A bare format name there is a usage error naming the right flags.
- ``NO_COLOR`` (https://no-color.org) and ``FORCE_COLOR``
  (https://force-color.org) are honoured; ``--color``/``--no-color`` win.
- A usage error is the problem on one line and where help is on the next,
  where click's default adds a two-line usage block first.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from natpolicy.outputs.registry import NAMES

__all__ = ["FOREIGN_FORMATS", "colour_wanted", "format_named_as_file", "usage_error_lines"]

# Output names of neighbouring tools (Checkov's and conftest's -o, tfsec's and trivy's
# -f) -> natpolicy's format for the same consumer, or None when natpolicy has none.
FOREIGN_FORMATS: Mapping[str, str | None] = {
    "cli": "text", "table": "text", "stdout": "text", "default": "text", "lovely": "text",
    "junitxml": "junit", "junit-xml": "junit",
    "gitlab_sast": None, "gitlab-sast": None, "gitlab_codequality": "gitlab", "codeclimate": "gitlab",
    "github_failed_only": "markdown", "csv": None, "cyclonedx": None, "cyclonedx_json": None, "spdx": None,
    "tap": None, "azuredevops": None, "checkstyle": None, "template": None,
}


def format_named_as_file(value: str) -> str | None:
    """Why ``-o VALUE`` is refused, or ``None`` when VALUE may be a file name.

    Only a bare word is refused: ``-o sarif`` is a habit, ``-o out.sarif``,
    ``-o ./sarif`` or ``-o reports/sarif`` clearly name a file.
    """
    if not value or "/" in value or os.sep in value or "." in value:
        return None
    word = value.lower()
    if word in NAMES:
        return (f"{value!r} is a report format, not a file: use --format {word} --output FILE "
                f"(or -o ./{value} for a file of that name)")
    if word in FOREIGN_FORMATS:
        ours = FOREIGN_FORMATS[word]
        if ours is None:
            return (f"{value!r} looks like another tool's report format, not a file; natpolicy writes "
                    f"{', '.join(NAMES)}: use --format FORMAT --output FILE (or -o ./{value} for a file of that name)")
        return (f"{value!r} looks like another tool's report format, not a file: natpolicy's is "
                f"--format {ours} --output FILE (or -o ./{value} for a file of that name)")
    return None


def colour_wanted(explicit: bool | None, is_tty: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal report is coloured.

    ``--color``/``--no-color`` win; then ``NO_COLOR`` (any non-empty value:
    the user said no, which beats a tool-wide FORCE_COLOR a CI image may set),
    then ``FORCE_COLOR`` (any non-empty value: CI logs that render ANSI but are
    no TTY), then whether stdout is a terminal.
    """
    if explicit is not None:
        return explicit
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    return is_tty


def usage_error_lines(message: str, command_path: str | None) -> list[str]:
    """``Error: ...`` (one line, whatever click's message held) and ``Try '... --help' for help.``."""
    text = " ".join(message.split())
    where = command_path or "natpolicy"
    return [f"Error: {text}", f"Try '{where} --help' for help."]
