"""Every string of a run's result through the last-resort credential redaction (see natpolicy.redact).

Applied once, before any format is rendered, so all five formats (and the
exit code's findings) see the same text: redacting rendered output instead
would miss a token that markdown escaped (``ghp\\_…``) or SARIF percent-encoded.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from natpolicy.findings import Finding
from natpolicy.redact import may_hold_credential, redact, redact_value
from natpolicy.runner import RunResult


def redact_result(result: RunResult) -> RunResult:
    return replace(result, findings=[_finding(f) for f in result.findings],
                   errors=[redact(e) for e in result.errors], notes=[redact(n) for n in result.notes])


_FIELDS = ("rule_id", "rule_name", "address", "resource_type", "message", "origin", "key", "suppression")


def _finding(f: Finding) -> Finding:
    # One search over all the fields first: nearly every finding holds nothing to redact.
    # (A match across two fields only costs the per-field pass below, which finds nothing.)
    probe = "\0".join([*(getattr(f, n) or "" for n in _FIELDS), f.location.path, repr(f.details)])
    if not may_hold_credential(probe):
        return f
    changed: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(f, name)
        if isinstance(value, str):
            clean = redact(value)
            if clean != value:
                changed[name] = clean
    path = redact(f.location.path)
    if path != f.location.path:
        changed["location"] = replace(f.location, path=path)
    if f.details:
        details = redact_value(dict(f.details))
        if details != f.details:
            changed["details"] = details
    return replace(f, **changed) if changed else f
