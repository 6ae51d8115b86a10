"""``--format json``: a stable, documented report (schema: findings.schema.json)."""
from __future__ import annotations

from typing import Any

from natpolicy import __version__
from natpolicy.findings import Finding
from natpolicy.outputs.indented_json import dumps_indented
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult

SCHEMA_VERSION = 1


def render(result: RunResult) -> dict[str, Any]:
    counts: dict[str, int] = {"critical": 0, "high": 0, "medium": 0, "low": 0}
    for f in result.findings:
        if not f.suppressed:
            counts[f.severity.label] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "natpolicy", "version": __version__},
        "summary": {
            "resources": result.resources,
            "rules": len(result.checks),
            "findings": sum(counts.values()),
            "suppressed": sum(1 for f in result.findings if f.suppressed),
            "by_severity": counts,
        },
        "findings": [finding_dict(f) for f in result.findings],
        "errors": list(result.errors),
        "notes": list(result.notes),
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    out = {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity.label,
        "level": f.level,
        "address": f.address,
        "resource_type": f.resource_type,
        "message": f.message,
        "origin": f.origin,
        "file": f.location.path,
        "start_line": f.location.start_line,
        "end_line": f.location.end_line,
        "fingerprint": f.fingerprint,
        "details": dict(f.details),
        "suppressed": f.suppressed,
        "suppression_reason": f.suppression,
    }
    if f.related:  # only then: reports of findings outside modules keep their shape
        out["related"] = [{"address": r.address, "file": r.location.path if r.location else None,
                           "start_line": r.location.start_line if r.location else None,
                           "end_line": r.location.end_line if r.location else None, "message": r.message}
                          for r in f.related]
    return out


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format json`` (see ``outputs/registry.py``)."""
    return dumps_indented(render(result)) + "\n"
