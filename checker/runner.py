"""Runs checks over a model and turns their violations into findings."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from natpolicy.check import BaseCheck, GraphCheck, ResourceCheck, Violation
from natpolicy.findings import Finding
from natpolicy.gc_pause import paused_gc
from natpolicy.model import UNKNOWN, Resource, ResourceModel, SourceLocation


@dataclass
class RunResult:
    findings: list[Finding]
    checks: list[BaseCheck]
    resources: int
    # Problems that did not stop the run (a rule crashing on odd input, an
    # HCL file that would not parse); reported as SARIF tool notifications.
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run(model: ResourceModel, checks: Iterable[BaseCheck]) -> RunResult:
    # Rules build indexes over the whole model; the cyclic collector would
    # re-scan the freshly loaded plan on every threshold (see gc_pause).
    with paused_gc():
        return _run(model, checks)


def _run(model: ResourceModel, checks: Iterable[BaseCheck]) -> RunResult:
    checks = list(checks)
    by_type: dict[str, list[ResourceCheck]] = {}
    graph: list[GraphCheck] = []
    for check in checks:
        if isinstance(check, GraphCheck):
            graph.append(check)
        elif isinstance(check, ResourceCheck):
            for type_ in check.supported_types:
                by_type.setdefault(type_, []).append(check)

    raw: list[tuple[BaseCheck, Violation, Resource]] = []
    errors: list[str] = []
    for resource in model:
        # A check judges the state after apply: something being destroyed
        # is never reported for the configuration it is leaving behind.
        if resource.mode != "managed" or not resource.exists_after:
            continue
        for check in by_type.get(resource.type, ()):
            try:
                for violation in check.scan(resource, model):
                    raw.append((check, violation, violation.resource or resource))
            except Exception as exc:  # a rule bug must not hide every other finding
                errors.append(f"rule {check.id} failed on {resource.address}: {type(exc).__name__}: {exc}")
    for gcheck in graph:
        try:
            for violation in gcheck.scan(model):
                if violation.resource is None:
                    raise ValueError("graph check violations must name their resource")
                raw.append((gcheck, violation, violation.resource))
        except Exception as exc:
            errors.append(f"rule {gcheck.id} failed: {type(exc).__name__}: {exc}")

    scrub = _Scrubber(model)
    findings = [_finding(check, v, res, scrub) for check, v, res in raw]
    findings = _dedupe(findings)
    findings.sort(key=Finding.sort_key)
    return RunResult(findings=findings, checks=checks, resources=len(model), errors=errors)


def _finding(check: BaseCheck, violation: Violation, resource: Resource, scrub: _Scrubber) -> Finding:
    severity = violation.severity or check.severity
    return Finding(
        rule_id=check.id,
        rule_name=check.name,
        severity=severity,
        level=violation.level or severity.sarif_level,
        address=resource.address,
        resource_type=resource.type,
        message=scrub(violation.message),
        origin=resource.origin,
        location=resource.location or SourceLocation(path=resource.origin or "<unknown>"),
        key=violation.key,
        details=violation.details or {},
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        k = (f.rule_id, f.origin, f.address, f.key)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


class _Scrubber:
    """Last line of defence: no string the plan marks sensitive leaves natpolicy.

    Rules already render values through ``Resource.show``; this catches any
    that slip through (a message built from a raw value, say).
    """

    def __init__(self, model: ResourceModel) -> None:
        secrets: set[str] = set()
        for res in model:
            if res.after_sensitive:
                _collect_sensitive(res.after, res.after_sensitive, secrets)
            if res.before_sensitive:
                _collect_sensitive(res.before, res.before_sensitive, secrets)
        # Very short values would mangle ordinary words; they carry little secret.
        secrets = {s for s in secrets if len(s) >= 4}
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))) if secrets else None
        )

    def __call__(self, text: str) -> str:
        return self._pattern.sub("(sensitive value)", text) if self._pattern else text


def _collect_sensitive(value: Any, mask: Any, out: set[str]) -> None:
    if mask is True:
        _strings(value, out)
    elif isinstance(mask, dict) and isinstance(value, dict):
        for k, sub in mask.items():
            if sub:
                _collect_sensitive(value.get(k), sub, out)
    elif isinstance(mask, list) and isinstance(value, list):
        for sub, item in zip(mask, value):
            if sub:
                _collect_sensitive(item, sub, out)


def _strings(value: Any, out: set[str]) -> None:
    if value is UNKNOWN or value is None:
        return
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        out.add(str(value))
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
