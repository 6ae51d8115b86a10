"""The terminal report: findings grouped by severity, one summary line."""
from __future__ import annotations

import textwrap

from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.runner import RunResult

_COLOURS = {Severity.CRITICAL: "magenta", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "blue"}
_ID_WIDTH, _SEV_WIDTH = 8, 9
_INDENT = " " * (_ID_WIDTH + _SEV_WIDTH)


def render(result: RunResult, *, colour: bool = False, width: int = 100) -> str:
    import click  # only for styling; click is already loaded by the CLI

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if colour else text  # type: ignore[arg-type]

    lines: list[str] = []
    active = [f for f in result.findings if not f.suppressed]
    suppressed = [f for f in result.findings if f.suppressed]
    current: Severity | None = None
    for f in active:
        if colour and f.severity != current:
            current = f.severity
            lines.append(style(f"── {f.severity.label.upper()} " + "─" * 40, fg=_COLOURS[f.severity], bold=True))
        lines.extend(_finding_lines(f, style, width))
    if suppressed:
        lines.append(style(f"Suppressed ({len(suppressed)}):", dim=True))
        for f in suppressed:
            lines.append(style(f"  {f.rule_id} {f.address}: {f.suppression}", dim=True))
    for err in result.errors:
        lines.append(style(f"error: {err}", fg="red"))
    for note in result.notes:
        lines.append(style(f"note: {note}", dim=True))
    lines.append(summary_line(result, style))
    return "\n".join(lines) + "\n"


def _finding_lines(f: Finding, style, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    head = f"{f.rule_id:<{_ID_WIDTH}}{f.severity.label:<{_SEV_WIDTH}}"
    body = textwrap.wrap(f.message, width=max(40, width - len(_INDENT))) or [""]
    out = [style(f"{f.rule_id:<{_ID_WIDTH}}", bold=True)
           + style(f"{f.severity.label:<{_SEV_WIDTH}}", fg=_COLOURS[f.severity]) + body[0]]
    out += [_INDENT + line for line in body[1:]]
    loc = f"{f.location.path}:{f.location.start_line}"
    out.append(style(f"{' ' * len(head)}at {loc}  [{f.rule_name}]", dim=True))
    return out


def summary_line(result: RunResult, style=lambda t, **k: t) -> str:  # type: ignore[no-untyped-def]
    active = [f for f in result.findings if not f.suppressed]
    if not active:
        text = f"No findings: {result.resources} resources checked against {len(result.checks)} rules."
        return style(text, fg="green", bold=True)
    counts = {s: 0 for s in Severity}
    for f in active:
        counts[f.severity] += 1
    parts = [f"{n} {s.label}" for s, n in sorted(counts.items(), reverse=True) if n]
    noun = "finding" if len(active) == 1 else "findings"
    return style(
        f"{len(active)} {noun} ({', '.join(parts)}) in {result.resources} resources checked against "
        f"{len(result.checks)} rules.",
        bold=True,
    )
