"""``--format gitlab``: a GitLab Code Quality report (the CodeClimate issue subset GitLab reads).

A JSON array with one object per unsuppressed finding: ``description``,
``check_name``, ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical`` or ``blocker``) and ``location.path`` with
``location.lines.begin``, the fields GitLab requires
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
GitLab compares the fingerprints of the merge request's report with the
target branch's to show what is new, so they must be unique within a report
and stable across line moves: the finding's own fingerprint (rule, address,
key), extended with its root so one module called from two roots gives two.

Code Quality has no suppressed state: suppressed findings are left out, as
they are from the exit code. Input errors are not findings either; they end
the run with exit 2 and their one line on stderr.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import escape

__all__ = ["SEVERITIES", "render", "report"]

# natpolicy's four ranks onto GitLab's five; "info" stays free for what is not a risk.
SEVERITIES: dict[Severity, str] = {
    Severity.LOW: "minor", Severity.MEDIUM: "major", Severity.HIGH: "critical", Severity.CRITICAL: "blocker",
}


def render(result: RunResult) -> list[dict[str, Any]]:
    return [_issue(f) for f in result.findings if not f.suppressed]


def _issue(f: Finding) -> dict[str, Any]:
    begin = max(f.location.start_line, 1)  # GitLab wants a line; a plan without one points at its first
    end = max(f.location.end_line or begin, begin)
    return {
        "type": "issue",
        "description": escape(f"{f.rule_id}: {f.message}"),
        "check_name": f.rule_id,
        "fingerprint": _fingerprint(f),
        "severity": SEVERITIES[f.severity],
        "categories": ["Security"],
        "location": {"path": escape(f.location.path), "lines": {"begin": begin, "end": end}},
    }


def _fingerprint(f: Finding) -> str:
    text = f"{f.fingerprint}\0{f.origin}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format gitlab`` (see ``outputs/registry.py``)."""
    return json.dumps(render(result), indent=2) + "\n"
