"""How a rule's severity shows in SARIF: its level and GitHub's security-severity score.

Rules only rank findings (``natpolicy.check.Severity``); how a rank reads in a
report is the outputs' business, so it lives here. The runner uses
:func:`sarif_level` for a finding's default level (every format shows it) and
the Rego twins use it so both engines give one level per rule.
"""
from __future__ import annotations

from natpolicy.check import Severity

__all__ = ["sarif_level", "security_severity"]

_LEVELS: dict[Severity, str] = {Severity.LOW: "note", Severity.MEDIUM: "warning"}
# GitHub bands: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
# Stay clear of the edges so rounding can never move a band.
_SCORES: dict[Severity, str] = {
    Severity.LOW: "2.0", Severity.MEDIUM: "5.5", Severity.HIGH: "8.0", Severity.CRITICAL: "9.5",
}


def sarif_level(severity: Severity) -> str:
    """SARIF ``level``: ``note``, ``warning`` or (high and critical) ``error``."""
    return _LEVELS.get(severity, "error")


def security_severity(severity: Severity) -> str:
    """GitHub's ``security-severity`` score, as text, in the middle of the severity's band."""
    return _SCORES[severity]
