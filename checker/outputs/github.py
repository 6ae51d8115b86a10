"""``--format github``: workflow-command annotations for GitHub Actions logs.

Each finding becomes ``::error file=…,line=…,endLine=…,title=…::message``
(``warning`` and ``notice`` likewise, from the finding's SARIF level).
GitHub shows only about ten annotations of each type per step and drops the
rest silently, so the most severe findings come first, each type is capped,
and one closing notice counts what was left out; the SARIF upload and the
job summary carry everything. When a type has more findings than slots, the
slots go by rule family first (:data:`FAMILY_ORDER`: NAT, then SG, then the
others), then in the usual order: a NAT gateway deletion cuts production off
the internet, so it must not be the one hidden behind ten EBS annotations.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from natpolicy.check import BaseCheck
from natpolicy.findings import Finding
from natpolicy.outputs.doclinks import rule_help_uri
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import escape

# Per step, per annotation type (actions/toolkit docs/problem-matchers.md).
LIMIT_PER_LEVEL = 10
_COMMAND = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}
LEVELS = ("error", "warning", "notice")
# Who takes a type's slots first when they run out; other families after them.
FAMILY_ORDER = ("NAT", "SG")


def escape_data(text: str) -> str:
    """The message part (after ``::``), as actions/toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property: ``:`` and ``,`` would end it early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, properties: Mapping[str, str | int] | None = None) -> str:
    # Control characters in quoted text (an ESC colouring the log, a lone CR) are written out;
    # the message's own line breaks stay line breaks (%0A).
    props = ",".join(f"{k}={escape_property(escape(str(v)))}" for k, v in (properties or {}).items())
    body = "\n".join(escape(line) for line in message.split("\n"))
    return f"::{level}{' ' + props if props else ''}::{escape_data(body)}"


def render(result: RunResult, *, limit: int = LIMIT_PER_LEVEL) -> str:
    docs = _help_uris(result.checks)
    # Tool errors (a rule that crashed) come first: they decide exit 2.
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    by_level["error"] += [command("error", text, {"title": "natpolicy error"}) for text in result.errors]
    active = sorted((f for f in result.findings if not f.suppressed), key=Finding.sort_key)
    grouped: dict[str, list[Finding]] = {level: [] for level in LEVELS}
    for f in active:
        grouped[_COMMAND.get(f.level, "warning")].append(f)
    for level, findings in grouped.items():
        if len(by_level[level]) + len(findings) >= limit:  # (the notice cap may drop to limit - 1)
            findings.sort(key=_family_rank)  # stable: the usual order within a family
        by_level[level] += [annotation(f, docs.get(f.rule_id)) for f in findings]
    overflow = any(len(lines) > limit for lines in by_level.values())
    # The closing count is itself a notice: keep a notice slot free for it.
    caps = {level: limit for level in LEVELS}
    if overflow:
        caps["notice"] = limit - 1
    shown: list[str] = []
    hidden: dict[str, int] = {}
    for level in LEVELS:
        lines = by_level[level]
        shown += lines[: caps[level]]
        if len(lines) > caps[level]:
            hidden[level] = len(lines) - caps[level]
    if hidden:
        shown.append(command("notice", _rest_message(hidden), {"title": "natpolicy: more findings"}))
    return "".join(line + "\n" for line in shown)


def _family_rank(f: Finding) -> int:
    """NAT001 -> NAT -> 0, SG002 -> 1, everything else after them (tool errors are not findings)."""
    family = f.rule_id.rstrip("0123456789").upper()
    return FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)


def annotation(f: Finding, help_uri: str | None = None) -> str:
    props: dict[str, str | int] = {}
    if _is_file(f.location.path):
        props["file"] = f.location.path
        props["line"] = max(1, f.location.start_line)
        if f.location.end_line and f.location.end_line >= f.location.start_line:
            props["endLine"] = f.location.end_line
    props["title"] = f"{f.rule_id} ({f.severity.label}): {f.rule_name}"
    body = f"{f.message}\nResource: {f.address}"
    if f.origin and f.origin != f.location.path:
        body += f" (plan {f.origin})"
    if help_uri:
        body += f"\nRule: {help_uri}"
    return command(_COMMAND.get(f.level, "warning"), body, props)


def _rest_message(hidden: Mapping[str, int]) -> str:
    total = sum(hidden.values())
    parts = ", ".join(f"{n} {level}" for level, n in hidden.items())
    noun = "annotation" if total == 1 else "annotations"
    return (f"{total} more natpolicy {noun} not shown ({parts}); GitHub shows about {LIMIT_PER_LEVEL} per type "
            "per step. See the job summary or the code scanning alerts for every finding.")


def _is_file(path: str) -> bool:
    # `<stdin>` and `<unknown>` are not files GitHub could point at.
    return bool(path) and not (path.startswith("<") and path.endswith(">"))


def _help_uris(checks: Iterable[BaseCheck]) -> dict[str, str | None]:
    return {c.id: rule_help_uri(c) for c in checks}


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format github`` (see ``outputs/registry.py``)."""
    return render(result)
