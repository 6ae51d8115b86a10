"""Inline suppressions written for Checkov, tfsec and Trivy, read from a source line.

The syntaxes, as each tool documents and parses them:

- Checkov: ``# checkov:skip=CKV_AWS_24,CKV_AWS_25:the reason`` (also spelt
  ``bridgecrew:skip=`` and ``cortex:skip=``); the reason is optional.
- tfsec: ``#tfsec:ignore:aws-ec2-no-public-ingress-sgr`` with optional
  ``:exp:2025-12-31`` (honoured until that date, not on it) and
  ``:ws:WORKSPACE``; several on one comment (``#tfsec:ignore:a tfsec:ignore:b``).
- Trivy: the same, spelt ``trivy:ignore:``, with an AVD id
  (``AVD-AWS-0107``) or a long id, and optionally ``[attribute=value]``
  after the id to narrow it to one value.

Where they count (inside the block of a finding, on its header, or in the
comment lines just above it) and what they cover is decided by
``natpolicy.suppressions`` and ``natpolicy.foreign_ids``. None of these
tools has a reason field except Checkov; natpolicy shows the tool, the id and
the place as the suppression's reason, plus any words after it.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from functools import cache

from natpolicy.findings import Finding
from natpolicy.foreign_ids import lookup, unmapped_reason
from natpolicy.records import record

__all__ = ["ForeignSkip", "foreign_reason", "parse_foreign"]

# Compiled on first use: only a run that reads .tf comments asks (compiling the three at
# import cost every plan run 0.4 ms).
@cache
def _checkov() -> re.Pattern[str]:
    return re.compile(r"\b(?P<tool>checkov|bridgecrew|cortex):skip=\s*"
                      r"(?P<ids>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)(?::(?P<reason>.*))?$")


@cache
def _ignore() -> re.Pattern[str]:
    return re.compile(r"\b(?P<tool>tfsec|trivy):ignore:(?P<id>[A-Za-z0-9_*.-]+)(?P<params>\[[^\]]*\])?"
                      r"(?P<extra>(?::(?:exp|ws):[^\s:]+)*)")


@cache
def _comment() -> re.Pattern[str]:
    return re.compile(r"#|//|/\*")


@record(frozen=True)
class ForeignSkip:
    tool: str  # checkov, tfsec or trivy
    ids: tuple[str, ...]
    reason: str  # "" when none was written
    path: str
    line: int
    expires: _dt.date | None = None  # tfsec/trivy :exp: (honoured before that date)
    workspace: str | None = None  # tfsec/trivy :ws:
    narrowed: bool = False  # trivy [attribute=value]: only one value, which natpolicy cannot match
    bad_date: str | None = None  # an :exp: that is not a date

    @property
    def spelling(self) -> str:
        """How it was written, for notes and the reason shown (``checkov:skip=CKV_AWS_24``)."""
        if self.tool == "checkov":
            return f"checkov:skip={','.join(self.ids)}"
        return f"{self.tool}:ignore:{self.ids[0]}"

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and today >= self.expires


def parse_foreign(text: str, path: str = "", line: int = 0) -> list[ForeignSkip]:
    """The Checkov, tfsec and Trivy suppressions in the comment on one source line."""
    start = _comment().search(text)
    if start is None:
        return []
    comment = text[start.start():].rstrip()
    if comment.endswith("*/"):
        comment = comment[:-2]
    found: list[ForeignSkip] = []
    checkov = _checkov().search(comment)
    if checkov is not None:
        ids = tuple(part.strip() for part in checkov.group("ids").split(","))
        found.append(ForeignSkip("checkov", ids, (checkov.group("reason") or "").strip(), path, line))
    matches = list(_ignore().finditer(comment))
    # The words after the last ignore token are the only reason tfsec or Trivy users can write.
    tail = comment[matches[-1].end():].strip(" \t-:#/") if matches else ""
    for match in matches:
        expires, workspace, bad = None, None, None
        for key, value in re.findall(r":(exp|ws):([^\s:]+)", match.group("extra")):
            if key == "ws":
                workspace = value
                continue
            try:
                expires = _dt.date.fromisoformat(value)
            except ValueError:
                bad = value
        found.append(ForeignSkip(match.group("tool"), (match.group("id"),), tail, path, line, expires=expires,
                                 workspace=workspace, narrowed=bool(match.group("params")), bad_date=bad))
    return found


def foreign_reason(finding: Finding, skips: Sequence[ForeignSkip], notes: dict[str, None],
                   today: _dt.date) -> str | None:
    """The reason shown for ``finding`` when one of ``skips`` asks its question, else None; notes say why not.

    A foreign id with no natpolicy equivalent, a mapped id asking another
    question of this resource (CKV_AWS_24 on a finding about port 3306), an
    expired ``:exp:``, a ``:ws:`` workspace (natpolicy cannot tell the
    workspace) and a Trivy ``[attribute=value]`` are each a note, never a
    silent suppression.
    """
    for skip in skips:
        where = f"{skip.path}:{skip.line}"
        covering = None
        for foreign in skip.ids:
            equivalent = lookup(foreign)
            if equivalent is None:
                notes[f"{where}: {skip.tool} id {foreign} is not honoured: {unmapped_reason(foreign)}"] = None
            elif equivalent.covers(finding.rule_id, finding.key):
                covering = foreign
            elif finding.rule_id in equivalent.rules:
                notes[f"{where}: {skip.spelling} does not cover {finding.rule_id} on {finding.address}: "
                      f"{foreign} asks whether {equivalent.question}, which is not what this finding reports; "
                      f"add `# natpolicy:skip={finding.rule_id} why` if it is accepted"] = None
        if covering is None:
            continue
        refused = _refusal(skip, today)
        if refused:
            notes[f"{where}: {skip.spelling} {refused}; not honoured"] = None
            continue
        said = skip.reason or "no reason given"
        return f"{said} ({skip.spelling} at {where})"
    return None


def _refusal(skip: ForeignSkip, today: _dt.date) -> str | None:
    if skip.bad_date is not None:
        return f"has exp:{skip.bad_date}, which is not a date (YYYY-MM-DD)"
    if skip.expired(today):
        return f"expired on {skip.expires}"
    if skip.workspace is not None:
        return f"is limited to workspace {skip.workspace}, which natpolicy cannot tell"
    if skip.narrowed:
        return "is limited to one attribute value ([...]), which natpolicy cannot match"
    return None
