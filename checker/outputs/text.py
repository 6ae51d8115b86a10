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
from typing import TYPE_CHECKING, Protocol

from natpolicy.check import Severity
from natpolicy.findings import Finding, RelatedLocation
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import defang_line, escape

if TYPE_CHECKING:
    from collections.abc import Callable

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
    style: Style = _plain
    if colour:
        import click  # only for colour: the CLI reads a plain run's flags without click (natpolicy.check_argv)

        def coloured(text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
            return click.style(text, fg=fg, bold=bold, dim=dim)

        style = coloured
    lines: list[str] = []
    active: list[Finding] = []
    suppressed: list[Finding] = []
    for f in result.findings:  # one pass, one ``suppressed`` read a finding
        (suppressed if f.suppressed else active).append(f)
    current: Severity | None = None
    # User Rego ids (`main/deny_high`) are longer than ours: the column grows, one space at least.
    id_width = max([_MIN_ID_WIDTH, *(len(f.rule_id) + 1 for f in active)])
    # Several roots calling one module give findings on the same lines: name the root.
    several = len({f.origin for f in result.findings}) > 1
    here = _Here()
    layout = _Layout(style, width, id_width, several, here)
    for f in active:
        if colour and f.severity != current:
            current = f.severity
            lines.append(style(f"── {f.severity.label.upper()} " + "─" * 40, fg=_COLOURS[f.severity], bold=True))
        if compact:
            lines.append(_compact_line(f, style, id_width, several, here))
        else:
            layout.add_finding(f, lines)
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
    report = "\n".join(lines) + "\n"
    if "##[" not in report and not _command_line(report):
        # defang_line would change no line: the report is its lines joined as they are, in one step (a 10k
        # plan's 3,000 lines, each tested and copied with its "\n" one by one, cost 4.5 M instructions).
        return report
    # defang_line changes only a line holding "##[" or starting with "::" after blanks: others skip the call.
    return "".join([(defang_line(line) if "::" in line or "##[" in line else line) + "\n" for line in lines])


def _command_line(report: str) -> bool:
    """Does some line of ``report`` start with ``::`` after blanks (``line.lstrip().startswith("::")``)?

    Looked for from each ``::`` (messages about IPv6 hold ``::/0``, seldom at a line's start): the text
    between it and the start of its line is blank. A line is what follows a ``"\n"``; where ``render``'s
    own lines held one, this finds more such starts, never fewer, and the caller then defangs line by line.
    """
    at = report.find("::")
    while at >= 0:
        start = report.rfind("\n", 0, at) + 1
        if start == at or report[start:at].isspace():
            return True
        at = report.find("::", at + 2)
    return False


def _origin(f: Finding, several: bool) -> str:
    """" (from envs/prod)" when the file alone does not tell the root (a plan's, or a shared module's)."""
    if not several:
        return ""
    inside = f.location.path == f.origin or f.location.path.startswith(f.origin.rstrip("/") + "/")
    return "" if inside else f" (from {f.origin})"


class _Layout:
    """One report's finding lines: what depends only on the rule or the file is worked out once.

    A 10k plan's report has 684 findings from 14 rules in one file: the heading of a finding (its
    rule id and severity, styled) and its rule name are the same for every finding of a rule, and
    :func:`escape` and the styles are pure functions of their text, so each distinct one is built
    once and looked up after (each finding's lines are the same text as when built one by one).
    """

    def __init__(self, style: Style, width: int, id_width: int, several: bool, here: _Here) -> None:
        self.style, self.id_width, self.several, self.here = style, id_width, several, here
        self.indent = " " * (id_width + _SEV_WIDTH)
        self.body_width = max(40, width - len(self.indent))
        self._heads: dict[tuple[str, Severity], str] = {}
        self._names: dict[str, str] = {}
        self._places: dict[str, str] = {}  # a file's path as shown, escaped

    def add_finding(self, f: Finding, out: list[str]) -> None:
        indent, style = self.indent, self.style
        head = self._heads.get((f.rule_id, f.severity))
        if head is None:
            head = self._heads[(f.rule_id, f.severity)] = (
                style(f"{escape(f.rule_id):<{self.id_width}}", bold=True)
                + style(f"{f.severity.label:<{_SEV_WIDTH}}", fg=_COLOURS[f.severity]))
        message = f.message
        # Printable ASCII (nearly every message) is its own escape, and ``wrap`` need not test it again:
        # each test reads every character (a tenth of the report's cost).
        if message.isascii() and message.isprintable():
            body = _wrap_printable(message, self.body_width) or [""]
        else:
            body = wrap(escape(message), width=self.body_width) or [""]
        out.append(head + body[0])
        for line in body[1:]:
            out.append(indent + line)
        name = self._names.get(f.rule_name)
        if name is None:
            name = self._names[f.rule_name] = escape(f.rule_name)
        place = self._places.get(f.location.path)
        if place is None:
            place = self._places[f.location.path] = escape(self.here(f.location.path))
        # escape works character by character, so escaping the parts is escaping the whole (a line number is digits).
        origin = escape(_origin(f, self.several)) if self.several else ""
        out.append(style(f"{indent}at {place}:{f.location.start_line}{origin}  [{name}]", dim=True))
        for item in f.related:
            out.append(_related_line(item, indent, style, self.here))


def _related_line(item: RelatedLocation, indent: str, style: Style, shown: Callable[[str], str]) -> str:
    where = f"{shown(item.location.path)}:{item.location.start_line}" if item.location else "not at hand"
    return style(escape(f"{indent}   {item.address} is declared at {where}"), dim=True)


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
    if text.isascii() and text.isprintable():
        return _wrap_printable(text, width)
    filled = _fill(" ".join(text.split()), width)
    return filled if filled is not None else _fill_word_by_word(text, width)


def _wrap_printable(text: str, width: int) -> list[str]:
    """:func:`wrap` of a text known to be printable ASCII."""
    if "  " not in text and text[:1] != " " and text[-1:] != " ":
        joined = text  # printable ASCII has no blank but " ": these are its words, one space between them
    else:
        joined = " ".join(text.split())
    filled = _fill(joined, width)
    return filled if filled is not None else _fill_word_by_word(text, width)


def _fill_word_by_word(text: str, width: int) -> list[str]:
    """:func:`wrap`'s lines word by word, cutting a longer word: where :func:`_fill` declines, and its reference."""
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


def _fill(joined: str, width: int) -> list[str] | None:
    """:func:`wrap`'s lines when no word is longer than ``width`` (else ``None``), filled by slicing.

    ``joined`` is the words with one space between them. The loop in :func:`wrap` puts a word on
    the current line when the line stays within ``width``, else starts a new line. With no word
    longer than ``width``, a line starting at ``pos`` therefore ends at the last word end within
    ``width`` characters: the last space at or before ``pos + width`` (when the rest is longer
    than ``width``; a word end is a space or the end of the text). That is one ``rfind`` per line
    instead of a few operations per word, the same lines (``tests/test_text_report.py`` holds the
    two together). A longer word is always met at the start of a line (lines end at spaces, and it
    cannot fit inside one), where no space follows it within ``width``: then the loop in
    :func:`wrap`, which cuts long words, writes the lines instead.
    """
    lines: list[str] = []
    pos, end = 0, len(joined)
    while end - pos > width:
        cut = joined.rfind(" ", pos, pos + width + 1)
        if cut < 0:
            return None
        lines.append(joined[pos:cut])
        pos = cut + 1
    if pos < end:
        lines.append(joined[pos:])
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
