"""Every output format natpolicy writes, by name: the one list ``--format``, ``--also-output`` and the Action use.

A format is one module in ``natpolicy.outputs`` with a ``render`` function
(the report itself, with whatever keyword arguments it needs) and a
``report(result, settings) -> str`` function that reads its options from
:class:`ReportSettings` and returns the whole text to write. Adding a format
is that module plus one :data:`FORMATS` line; ``tests/test_output_registry.py``
fails when either is missing.

The modules are named, not imported: a run imports only the writers it uses,
and ``natpolicy --version`` (which reads :data:`NAMES` through the CLI) imports
nothing but this file.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from natpolicy.records import record

if TYPE_CHECKING:
    from collections.abc import Callable

    from natpolicy.check import Severity
    from natpolicy.findings import Finding
    from natpolicy.runner import RunResult

__all__ = ["FORMATS", "NAMES", "OutputFormat", "ReportSettings", "find"]


@record(frozen=True)
class ReportSettings:
    """The run's options that shape a report; each format reads the ones it needs."""

    colour: bool = False  # text: ANSI colours (never for a file)
    category: str = "natpolicy/"  # sarif: automationDetails.id
    sarif_include_suppressed: bool = False  # sarif: keep suppressed findings, marked
    fail_on: Severity | None = None  # markdown: the gate's verdict line
    soft_fail: bool = False  # markdown: the gate's verdict line
    # markdown: which findings the exit code counts (a user policy's `warn` only with --fail-on-warn or an
    # explicit fail-on), so the verdict line says what the exit code does; None counts every finding.
    gates: Callable[[Finding], bool] | None = None
    markdown_max_bytes: int | None = None  # markdown: None is markdown.MAX_BYTES
    compact: bool = False  # text: one line per finding, no detail lines


@record(frozen=True)
class OutputFormat:
    """One report format: its name on the command line and the module that writes it."""

    name: str  # what --format and --also-output FORMAT=FILE accept
    module: str  # imported on first use, so unused writers cost nothing
    extension: str  # a file name's usual ending for this format
    # Can colour a terminal: only then does --color (or a TTY) apply. Every
    # report is rendered whole, never streamed: files are written atomically
    # and SARIF keeps the most severe results only after sorting all of them.
    colour: bool = False

    def report(self, result: RunResult, settings: ReportSettings) -> str:
        """The whole report, as the format's module renders it."""
        text: str = importlib.import_module(self.module).report(result, settings)
        return text


# The order is the order `--help` and error messages list the formats in.
FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("text", "natpolicy.outputs.text", ".txt", colour=True),
    OutputFormat("json", "natpolicy.outputs.json_report", ".json"),
    OutputFormat("sarif", "natpolicy.outputs.sarif", ".sarif"),
    OutputFormat("github", "natpolicy.outputs.github", ".log"),
    OutputFormat("markdown", "natpolicy.outputs.markdown", ".md"),
    OutputFormat("junit", "natpolicy.outputs.junit", ".xml"),  # CI test tabs: Jenkins, GitLab, Azure, CircleCI
    OutputFormat("gitlab", "natpolicy.outputs.gitlab", ".json"),  # GitLab Code Quality
)
NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
_BY_NAME = {f.name: f for f in FORMATS}


def find(name: str) -> OutputFormat | None:
    """The format called ``name``, or ``None`` (the caller words the error for its flag)."""
    return _BY_NAME.get(name)
