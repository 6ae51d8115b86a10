"""``--format markdown``: a job summary for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

Layout, for a reviewer who reads top-down and stops early:

1. one line with the count (and the gate's verdict when known);
2. a table by severity;
3. the NAT findings first (at most ``TOP_NAT``), each with the route tables
   that lose egress and a Mermaid flowchart of them (``outputs/mermaid.py``);
4. the other findings, most severe first (at most ``TOP_FINDINGS``), each
   linking to its rule doc;
5. errors and notes.

Suppressed findings are left out (they are not actionable, and a comment that
lists them is the complaint users raise about SARIF-to-comment tools). The
whole text stays within ``max_bytes``: by default under GitHub's 1 MiB
step-summary limit, ``PR_COMMENT_MAX_BYTES`` for a PR comment. Rows stop
before the budget runs out and a note says how many were left out.

Plan text (addresses, messages, route table ids) is escaped: markdown
punctuation is backslashed, and ``@name``, ``#123``, ``https://`` and
``www.`` get a zero-width space so that a plan cannot mention people,
cross-reference issues or plant links in a comment.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from natpolicy import __version__
from natpolicy.check import Severity, rule_family
from natpolicy.findings import Finding
from natpolicy.outputs.doclinks import rule_help_uri
from natpolicy.outputs.mermaid import nat_diagram
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import escape

# GitHub refuses a step summary above 1 MiB; keep clear of it so a caller can
# add a heading of its own.
MAX_BYTES = 1_000_000
# GitHub refuses a comment body above 65,536 characters; a UTF-8 character is
# at least one byte, so this many bytes always fits.
PR_COMMENT_MAX_BYTES = 65_536
TOP_FINDINGS = 50
# A plan that deletes thousands of NAT gateways must not push every other
# finding (an open security group, say) out of the summary.
TOP_NAT = 50
TOP_ROUTE_TABLES = 20
MAX_CELL = 500
NAT_FAMILY = "NAT"
# The NAT rules put the route tables that lose egress in ``Finding.details``
# under this key (see policies/nat/_wording.py, ``tables_detail``).
ROUTE_TABLE_KEY = "route_tables"

_ICON = {Severity.CRITICAL: "🟣", Severity.HIGH: "🔴", Severity.MEDIUM: "🟠", Severity.LOW: "🔵"}
_TRUNCATED = "\n> [!WARNING]\n> Truncated to stay under {limit}: {n} more {noun} not listed here. " \
             "The SARIF file and the code scanning alerts have every finding.\n"
_ALL_LISTED = "the SARIF file and the code scanning alerts list them all"


def render(result: RunResult, *, fail_on: Severity | None = None, soft_fail: bool = False,
           max_bytes: int = MAX_BYTES, top: int = TOP_FINDINGS, top_nat: int = TOP_NAT,
           gates: Callable[[Finding], bool] | None = None) -> str:
    docs = {c.id: rule_help_uri(c) for c in result.checks}
    active = sorted((f for f in result.findings if not f.suppressed), key=Finding.sort_key)
    nat = [f for f in active if rule_family(f.rule_id).upper() == NAT_FAMILY]
    others = [f for f in active if rule_family(f.rule_id).upper() != NAT_FAMILY]

    limit = "GitHub's 1 MiB step-summary limit" if max_bytes == MAX_BYTES else f"{max_bytes:,} bytes"
    out = _Budget(max_bytes - _size(_TRUNCATED.format(limit=limit, n=10**9, noun="findings")))
    out.add(_head(result, active, fail_on, soft_fail, gates))
    listed = 0
    if nat:
        out.add("\n### NAT gateways: egress at risk\n\n")
        listed += _add_all(out, [_nat_item(f, docs.get(f.rule_id)) for f in nat[:top_nat]])
        if listed < len(nat) and not out.full:
            rest = len(nat) - listed
            out.add(f"\n_…and {rest} more NAT {_plural(rest, 'finding')}; {_ALL_LISTED}._\n")
    if others and not out.full:
        title = "Findings" if not nat else "Other findings"
        out.add(f"\n### {title}\n\n| Severity | Rule | Resource | Location | Finding |\n|---|---|---|---|---|\n")
        shown = _add_all(out, [_row(f, docs.get(f.rule_id)) for f in others[:top]])
        listed += shown
        if shown < len(others) and not out.full:
            # "less severe" only when it is true: the next one down may tie.
            lower = others[shown].severity < others[shown - 1].severity if shown else False
            out.add(f"\n_…and {len(others) - shown} more{', less severe' if lower else ''}; {_ALL_LISTED}._\n")
    truncated = out.full
    out.add(_tail(result), force=False)
    text = out.text()
    if truncated:
        unlisted = len(active) - listed
        text += _TRUNCATED.format(limit=limit, n=unlisted, noun=_plural(unlisted, "finding"))
    return text


def _add_all(out: _Budget, chunks: Sequence[str]) -> int:
    """Add chunks while they fit; how many went in."""
    for count, chunk in enumerate(chunks):
        if not out.add(chunk):
            return count
    return len(chunks)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"


class _Budget:
    """Appends chunks while they fit; once one does not, nothing more is added."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.full = False
        self._parts: list[str] = []

    def add(self, chunk: str, force: bool = True) -> bool:
        size = len(chunk.encode("utf-8"))
        if self.full or self.size + size > self.limit:
            # `force=False` chunks (the footer) may be dropped without marking
            # the findings as truncated.
            self.full = self.full or force
            return False
        self._parts.append(chunk)
        self.size += size
        return True

    def text(self) -> str:
        return "".join(self._parts)


def _head(result: RunResult, active: Sequence[Finding], fail_on: Severity | None, soft_fail: bool,
          gates: Callable[[Finding], bool] | None) -> str:
    counts = {s: 0 for s in Severity}
    for f in active:
        counts[f.severity] += 1
    resources, rules = result.resources, len(result.checks)
    scope = f"{resources} {_plural(resources, 'resource')} checked against {rules} {_plural(rules, 'rule')}"
    lines = ["## natpolicy", ""]
    if not active and result.errors:  # not a clean run: some input or policy was not checked (exit 2)
        lines.append(f"⚠️ **No findings in what was checked** ({scope}; incomplete: see the errors below).")
    elif not active:
        lines.append(f"✅ **No findings** ({scope}).")
    else:
        lines.append(f"**{len(active)} {_plural(len(active), 'finding')}** ({scope}).")
    if fail_on is not None:
        # The verdict counts what the exit code counts (a user policy's `warn` only when asked: app.exit_code).
        gating = [f for f in active if gates is None or gates(f)]
        verdict = _verdict(gating, fail_on, soft_fail, bool(result.errors))
        advisory = sum(1 for f in active if f.severity >= fail_on) - sum(1 for f in gating if f.severity >= fail_on)
        if advisory and not result.errors:
            verb = "does" if advisory == 1 else "do"
            verdict += (f" {advisory} `warn` {_plural(advisory, 'result')} of a policy {verb} not fail the run "
                        "(as in conftest; `--fail-on-warn` would).")
        lines += ["", verdict]
    lines += ["", "| Severity | Findings |", "|:---|---:|"]
    for sev in sorted(Severity, reverse=True):
        lines.append(f"| {_ICON[sev]} {sev.label.capitalize()} | {counts[sev]} |")
    return "\n".join(lines) + "\n"


def _verdict(active: Sequence[Finding], fail_on: Severity, soft_fail: bool, errors: bool) -> str:
    if errors:
        return "❌ **Gate: error.** natpolicy could not evaluate everything (see Errors below)."
    failing = sum(1 for f in active if f.severity >= fail_on)
    if not failing:
        return f"✅ **Gate: pass** (nothing at or above `{fail_on.label}`)."
    noun = "finding is" if failing == 1 else "findings are"
    if soft_fail:
        return f"⚠️ **Gate: would fail** ({failing} {noun} at or above `{fail_on.label}`; soft-fail is on)."
    return f"❌ **Gate: fail** ({failing} {noun} at or above `{fail_on.label}`)."


def _nat_item(f: Finding, doc: str | None) -> str:
    lines = [f"- {_ICON[f.severity]} **{_rule_link(f.rule_id, doc)}** {_code(f.address)} at {_code(_where(f))}: "
             f"{_text(f.message)}"]
    tables = _route_tables(f.details)
    if tables:
        lines.append("  - Route tables losing egress:")
        lines += [f"    - {t}" for t in tables[:TOP_ROUTE_TABLES]]
        if len(tables) > TOP_ROUTE_TABLES:
            rest = len(tables) - TOP_ROUTE_TABLES
            lines.append(f"    - …and {rest} more route {_plural(rest, 'table')}")
    diagram = nat_diagram(f)
    if diagram:  # subnets -> route tables -> the deleted gateway; GitHub renders it (outputs/mermaid.py)
        lines += ["", *("  " + line if line else "" for line in diagram.rstrip("\n").split("\n"))]
    return "\n".join(lines) + "\n"


def _route_tables(details: Mapping[str, Any]) -> list[str]:
    """One line per route table from the NAT rules' ``details["route_tables"]``:
    ``{"address", "id", "destinations": [...], "subnets": [{"address", "id"}]}``."""
    out = []
    for table in details.get(ROUTE_TABLE_KEY) or []:
        if not isinstance(table, Mapping):
            out.append(_code(str(table)))
            continue
        line = _label(table)
        destinations = [str(d) for d in table.get("destinations") or []]
        if destinations:
            line += " loses " + ", ".join(_code(d) for d in destinations)
        subnets = [_label(s) for s in table.get("subnets") or [] if isinstance(s, Mapping)]
        if subnets:
            line += f"; {_plural(len(subnets), 'subnet')}: " + ", ".join(subnets)
        out.append(line)
    return out


def _label(item: Mapping[str, Any]) -> str:
    """`address` (id), whichever of the two is known."""
    address, id_ = item.get("address"), item.get("id")
    if address and id_ and id_ != address:
        return f"{_code(str(address))} ({_code(str(id_))})"
    return _code(str(address or id_ or "?"))


def _row(f: Finding, doc: str | None) -> str:
    cells = [
        f"{_ICON[f.severity]} {f.severity.label}",
        _rule_link(f.rule_id, doc),
        _code(f.address, table=True),
        _code(_where(f), table=True),
        _text(f.message),
    ]
    return "| " + " | ".join(cells) + " |\n"


def _tail(result: RunResult) -> str:
    lines: list[str] = []
    if result.errors:
        lines += ["", "### Errors", ""]
        lines += [f"- {_text(e)}" for e in result.errors[:20]]
        if len(result.errors) > 20:
            lines.append(f"- …and {len(result.errors) - 20} more")
    if result.notes:
        lines += ["", "<details><summary>Notes</summary>", ""]
        lines += [f"- {_text(n)}" for n in result.notes[:50]]
        if len(result.notes) > 50:
            lines.append(f"- …and {len(result.notes) - 50} more")
        lines += ["", "</details>"]
    suppressed = sum(1 for f in result.findings if f.suppressed)
    footer = f"natpolicy {__version__}"
    if suppressed:
        footer += f" · {suppressed} suppressed {'finding' if suppressed == 1 else 'findings'} not shown"
    lines += ["", f"<sub>{footer}</sub>"]
    return "\n".join(lines) + "\n"


def _where(f: Finding) -> str:
    return f"{f.location.path}:{max(1, f.location.start_line)}"


def _rule_link(rule_id: str, doc: str | None) -> str:
    # A user's Rego policy names its own rule ids: they are plan-side text too.
    return f"[{_text(rule_id)}]({doc})" if doc else _text(rule_id)


_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|~#&"})
# What GitHub turns into mentions, issue references and links even in escaped
# text (it looks at the rendered text, after the backslashes are gone); a
# zero-width space after the trigger breaks the pattern and shows nothing.
_AUTOLINKED = re.compile(r"@|(?<=#)(?=\d)|(?<=:)(?=//)|(?i:(?<=\bwww)(?=\.))")
_ZERO_WIDTH_SPACE = "&#8203;"


def plain(value: str) -> str:
    """:func:`_text` for other modules that put plan or repository text into markdown."""
    return _text(value)


def code(value: str) -> str:
    """:func:`_code` (outside a table) for other modules."""
    return _code(value)


def _text(value: str) -> str:
    """Plain text that markdown must not interpret (messages can hold `*`, `<`, `|`, `@`)."""
    value = escape(" ".join(value.split()))  # control characters written out (a summary may be printed)
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    return _AUTOLINKED.sub(lambda m: m.group(0) + _ZERO_WIDTH_SPACE, value.translate(_SPECIAL))


def _code(value: str, table: bool = False) -> str:
    # Control characters written out; a legacy `##[command]`, read anywhere in a log line, broken.
    value = escape(" ".join(value.split())).replace("##[", "##\\[")
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    if table:
        # Inside a table a pipe ends the cell even within a code span.
        value = value.replace("|", "\\|")
    # The fence must be longer than any run of backticks inside the value.
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format markdown`` (see ``outputs/registry.py``)."""
    return render(result, fail_on=settings.fail_on, soft_fail=settings.soft_fail,
                  max_bytes=settings.markdown_max_bytes or MAX_BYTES, gates=settings.gates)
