"""The terminal report: findings grouped by severity, one summary line.

Everything quoted from the scanned files (messages, addresses, file names,
notes) has its control characters escaped (see natpolicy.safe_text), so the
only escape sequences in the report are natpolicy's own colours, and no line
starts with ``::``, which a GitHub runner would take as a workflow command.

Paths are shown relative to where the user stands, so that they can be
opened from there: findings carry paths relative to the repository's top
(what SARIF and GitHub want), which from ``envs/dev`` would read
``envs/dev/main.tf`` for the ``main.tf`` beside the user. A finding moved
onto a module call also names the resource's own block.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import defang_line, escape

_COLOURS = {Severity.CRITICAL: "magenta", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "blue"}
_MIN_ID_WIDTH, _SEV_WIDTH = 8, 9


class Style(Protocol):
    """Dresses a piece of text for the terminal (the subset of ``click.style`` the report uses)."""

    def __call__(self, text: str, *, fg: str | None = None, bold: bool | None = None,
                 dim: bool | None = None) -> str: ...


def _plain(text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
    return text  # no colour: for files, pipes and tests


class _Here:
    """Turns a repository-relative display path into one relative to the working directory."""

    def __init__(self) -> None:
        from natpolicy.loaders.paths import repository_top

        self.cwd = Path(os.path.abspath(Path.cwd()))
        self.top = repository_top(self.cwd)
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        shown = self._cache.get(path)
        if shown is None:
            shown = self._cache[path] = self._relative(path)
        return shown

    def _relative(self, path: str) -> str:
        if self.top is None or self.top == self.cwd or path.startswith("<") or os.path.isabs(path):
            return path
        full = self.top / path
        if not os.path.lexists(full):
            return path  # not a file of this repository (another one's, or a git-index-only file)
        try:
            return Path(os.path.relpath(full, self.cwd)).as_posix()
        except ValueError:  # another drive on Windows
            return path


def render(result: RunResult, *, colour: bool = False, width: int = 100, compact: bool = False) -> str:
    import click  # only for styling; click is already loaded by the CLI

    def style(text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
        return click.style(text, fg=fg, bold=bold, dim=dim) if colour else text

    lines: list[str] = []
    active = [f for f in result.findings if not f.suppressed]
    suppressed = [f for f in result.findings if f.suppressed]
    current: Severity | None = None
    # User Rego ids (`main/deny_high`) are longer than ours: the column grows, one space at least.
    id_width = max([_MIN_ID_WIDTH, *(len(f.rule_id) + 1 for f in active)])
    # Several roots calling one module give findings on the same lines: name the root.
    several = len({f.origin for f in result.findings}) > 1
    here = _Here()
    for f in active:
        if colour and f.severity != current:
            current = f.severity
            lines.append(style(f"── {f.severity.label.upper()} " + "─" * 40, fg=_COLOURS[f.severity], bold=True))
        if compact:
            lines.append(_compact_line(f, style, id_width, several, here))
        else:
            lines.extend(_finding_lines(f, style, width, id_width, several, here))
    if suppressed:
        lines.append(style(f"Suppressed ({len(suppressed)}):", dim=True))
        for f in suppressed:
            lines.append(style(escape(f"  {f.rule_id} {f.address}{_origin(f, several)}: {f.suppression}"),
                               dim=True))
    for err in result.errors:
        lines.append(style(f"error: {escape(err)}", fg="red"))
    for note in result.notes:
        lines.append(style(f"note: {escape(note)}", dim=True))
    lines.append(summary_line(result, style))
    return "".join(defang_line(line) + "\n" for line in lines)


def _origin(f: Finding, several: bool) -> str:
    """" (from envs/prod)" when the file alone does not tell the root (a plan's, or a shared module's)."""
    inside = f.location.path == f.origin or f.location.path.startswith(f.origin.rstrip("/") + "/")
    return f" (from {f.origin})" if several and not inside else ""


def _finding_lines(f: Finding, style: Style, width: int, id_width: int, several: bool = False,
                   here: _Here | None = None) -> list[str]:
    indent = " " * (id_width + _SEV_WIDTH)
    body = wrap(escape(f.message), width=max(40, width - len(indent))) or [""]
    out = [style(f"{escape(f.rule_id):<{id_width}}", bold=True)
           + style(f"{f.severity.label:<{_SEV_WIDTH}}", fg=_COLOURS[f.severity]) + body[0]]
    out += [indent + line for line in body[1:]]
    shown = here or (lambda path: path)
    loc = escape(f"{shown(f.location.path)}:{f.location.start_line}{_origin(f, several)}")
    out.append(style(f"{indent}at {loc}  [{escape(f.rule_name)}]", dim=True))
    for item in f.related:
        where = f"{shown(item.location.path)}:{item.location.start_line}" if item.location else "not at hand"
        out.append(style(escape(f"{indent}   {item.address} is declared at {where}"), dim=True))
    return out


def _compact_line(f: Finding, style: Style, id_width: int, several: bool, here: _Here) -> str:
    """``--compact``: the finding and where it is on one line (no wrapping, no rule-name line), for grep and CI logs."""
    loc = escape(f"{here(f.location.path)}:{f.location.start_line}{_origin(f, several)}")
    return (style(f"{escape(f.rule_id):<{id_width}}", bold=True)
            + style(f"{f.severity.label:<{_SEV_WIDTH}}", fg=_COLOURS[f.severity]) + f"{escape(f.message)}  ({loc})")


def wrap(text: str, width: int) -> list[str]:
    """Words filled into lines of at most ``width``; a longer word is cut into pieces.

    Linear in the text's length (``textwrap`` is quadratic on one long word:
    24 s for an 8 MB resource key). ``text`` has no line breaks (escaped).
    """
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for word in text.split():
        start = 0
        while len(word) - start > width:  # cut a long word, filling the current line first
            room = width - size - (1 if current else 0)
            if room > 0:
                current.append(word[start:start + room])  # slices, never a copy of the rest: linear
                start += room
            lines.append(" ".join(current))
            current, size = [], 0
        if start:
            word = word[start:]
        if not word:
            continue
        if current and size + 1 + len(word) > width:
            lines.append(" ".join(current))
            current, size = [], 0
        size += len(word) + (1 if current else 0)
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary_line(result: RunResult, style: Style = _plain) -> str:
    active = [f for f in result.findings if not f.suppressed]
    scope = f"{_count(result.resources, 'resource')} checked against {_count(len(result.checks), 'rule')}"
    # An error (exit 2) means some input or policy was not checked: "No findings" alone, in green, would
    # read as a clean bill of health.
    incomplete = f"; incomplete: {_count(len(result.errors), 'error')} above" if result.errors else ""
    if not active:
        if incomplete:
            return style(f"No findings in what was checked: {scope}{incomplete}.", fg="red", bold=True)
        return style(f"No findings: {scope}.", fg="green", bold=True)
    counts = {s: 0 for s in Severity}
    for f in active:
        counts[f.severity] += 1
    parts = [f"{n} {s.label}" for s, n in sorted(counts.items(), reverse=True) if n]
    return style(f"{_count(len(active), 'finding')} ({', '.join(parts)}) in {scope}{incomplete}.", bold=True)


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format text`` (see ``outputs/registry.py``)."""
    return render(result, colour=settings.colour, compact=settings.compact)
