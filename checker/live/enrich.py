"""Put ``--live`` evidence into the findings it concerns: details, message, and (only ever up) severity.

Live evidence never turns a finding off: it adds a sentence and
``details["live"]`` to NAT001, NAT002 and NAT004 findings on a gateway it
read, and raises a medium finding to high when the gateway carried traffic in
the last 7 days (the outage would hit real flows). NAT004 itself comes from the
rule, which reads the live route tables from the model's context.
"""
from __future__ import annotations

from dataclasses import replace

from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.live.gather import LiveRun
from natpolicy.outputs.severity import sarif_level
from natpolicy.runner import RunResult

__all__ = ["LIVE_KEY", "LIVE_RULES", "enrich"]

LIVE_KEY = "live"  # the key in Finding.details (and SARIF properties)
LIVE_RULES = frozenset({"NAT001", "NAT002", "NAT004"})


def enrich(result: RunResult, live: LiveRun) -> RunResult:
    by_place = {(ev.target.origin, ev.target.address): ev for ev in live.evidence.values()}
    findings: list[Finding] = []
    for finding in result.findings:
        ev = by_place.get((finding.origin, finding.address))
        if finding.rule_id not in LIVE_RULES or ev is None:
            findings.append(finding)
            continue
        detail = ev.detail()
        severity = finding.severity
        if ev.has_traffic and severity == Severity.MEDIUM:
            severity = Severity.HIGH
            detail["severity_raised"] = "medium to high: the gateway carried traffic in the last 7 days"
        findings.append(replace(
            finding, severity=severity,
            level=sarif_level(severity) if severity != finding.severity else finding.level,
            message=f"{finding.message} {ev.summary()}",
            details={**finding.details, LIVE_KEY: detail}))
    findings.sort(key=Finding.sort_key)
    return replace(result, findings=findings, notes=[*result.notes, *live.notes])
