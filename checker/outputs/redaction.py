"""Every string of a run's result through the last-resort credential redaction (see natpolicy.redact).

Applied once, before any format is rendered, so all five formats (and the
exit code's findings) see the same text: redacting rendered output instead
would miss a token that markdown escaped (``ghp\\_…``) or SARIF percent-encoded.
"""
from __future__ import annotations

from typing import Any

from natpolicy.findings import Finding
from natpolicy.records import replace
from natpolicy.redact import may_hold_credential, redact, redact_value
from natpolicy.runner import RunResult


def redact_result(result: RunResult) -> RunResult:
    clear: dict[tuple[Any, ...], bool] = {}
    return replace(result, findings=[_finding(f, clear) for f in result.findings],
                   errors=[redact(e) for e in result.errors], notes=[redact(n) for n in result.notes])


_FIELDS = ("rule_id", "rule_name", "address", "resource_type", "message", "origin", "key", "suppression")


def _finding(f: Finding, clear: dict[tuple[Any, ...], bool]) -> Finding:
    # One search over the fields first: nearly every finding holds nothing to redact. (A match across two
    # fields only costs the per-field pass below, which finds nothing.) The fields a run's findings
    # repeat (the rule, the resource type, the plan, the file) are searched once per distinct set of them
    # (``clear``, one run's); per finding only the address, the key, the message and the details. (A key is
    # nearly a finding's own: a user policy's 6,000 results have 6,000, each of which missed ``clear`` and cost
    # a second search when the key was a shared field.)
    # That is the one search over all of them "\0"-joined it replaced: no trigger word holds a "\0",
    # so a trigger in the joined text lies within one field, and so within one of the two parts.
    shared = (f.rule_id, f.rule_name, f.resource_type, f.origin, f.suppression, f.location.path)
    shared_clear = clear.get(shared)
    if shared_clear is None:
        shared_clear = clear[shared] = not may_hold_credential("\0".join([text or "" for text in shared]))
    if shared_clear and not may_hold_credential("\0".join([f.address or "", f.key or "", f.message or "",
                                                           repr(f.details)])):
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
