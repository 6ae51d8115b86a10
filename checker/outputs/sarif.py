"""SARIF 2.1.0 for GitHub code scanning.

One run; the driver lists every rule that ran (not just the ones that
failed), so rule help is available even for a clean scan. Every result has
exactly one physical location with a relative URI, the Terraform address as
its logical location, and a fingerprint GitHub uses to track the alert. A
finding on a resource inside a module sits on the root's ``module`` call and
names the resource's own block as a ``relatedLocation`` (natpolicy.call_sites).
"""
from __future__ import annotations

from typing import Any

from natpolicy import __version__
from natpolicy.address import logical_name
from natpolicy.check import BaseCheck
from natpolicy.findings import Finding, RelatedLocation, fingerprint
from natpolicy.outputs.doclinks import INFORMATION_URI, rule_help_uri
from natpolicy.outputs.indented_json import dumps_indented
from natpolicy.outputs.registry import ReportSettings
from natpolicy.outputs.severity import sarif_level, security_severity
from natpolicy.runner import RunResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning rejects a run above 25,000 results and keeps only the
# 5,000 most severe: more is megabytes nobody sees (1M findings made a 1 GB
# file). The findings come sorted most severe first, so the cap keeps those.
MAX_RESULTS = 5_000


def render(result: RunResult, *, category: str = "natpolicy/", include_suppressed: bool = False,
           max_results: int = MAX_RESULTS) -> dict[str, Any]:
    checks = sorted(result.checks, key=lambda c: c.id)
    index = {c.id: i for i, c in enumerate(checks)}
    findings = [f for f in result.findings if (include_suppressed or not f.suppressed) and f.rule_id in index]
    total = len(findings)
    findings = findings[:max_results]
    any_suppressed = include_suppressed and any(f.suppressed for f in findings)
    shared = _shared_by_roots(findings)
    artifacts: dict[str, dict[str, Any]] = {}  # path -> its artifactLocation: findings share a few files
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "natpolicy",
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(c) for c in checks],
            }
        },
        # GitHub splits the id at its last "/" into category and run id; a
        # trailing "/" makes the whole text the category.
        "automationDetails": {"id": category if category.endswith("/") else f"{category}/"},
        "results": [_result(f, index, any_suppressed, shared, artifacts) for f in findings],
        "columnKind": "utf16CodeUnits",
    }
    notifications = [
        {"level": "error", "message": {"text": text}} for text in result.errors
    ] + [{"level": "note", "message": {"text": text}} for text in result.notes]
    if total > len(findings):
        notifications.append({"level": "warning", "message": {"text": (
            f"{total - len(findings):,} of {total:,} results left out: GitHub code scanning keeps only the "
            f"{max_results:,} most severe of a run; the text, JSON and markdown reports list every finding")}})
        run["properties"] = {"natpolicy/totalResults": total, "natpolicy/resultsShown": len(findings)}
    run["invocations"] = [
        {
            "executionSuccessful": not result.errors,
            "toolExecutionNotifications": notifications,
        }
    ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(check: BaseCheck) -> dict[str, Any]:
    doc = check.documentation() or check.name
    summary = _first_paragraph(doc) or check.name
    tags = ["security", "terraform", "aws", *check.categories]
    help_uri = rule_help_uri(check)
    level = sarif_level(check.severity)
    rule: dict[str, Any] = {
        "id": check.id,
        "name": "".join(w.capitalize() for w in check.name.replace("-", " ").split())[:255] or check.id,
        "shortDescription": {"text": check.name[:1024]},
        "fullDescription": {"text": summary[:1024]},
        # GitHub ignores helpUri, so the link also goes into help.markdown.
        "help": {"text": doc, "markdown": f"{doc}\n\n[{check.id} documentation]({help_uri})" if help_uri else doc},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": list(dict.fromkeys(tags))[:20],
            "security-severity": security_severity(check.severity),
            "precision": check.precision,
            "problem.severity": {"note": "recommendation"}.get(level, level),
        },
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _first_paragraph(doc: str) -> str:
    """The body of the rule doc's 'What it does' section, as plain text."""
    lines = doc.splitlines()
    body: list[str] = []
    started = False
    for line in lines:
        if line.startswith("#"):
            if started and body:
                break
            started = "what it does" in line.lower() or started
            continue
        if started:
            if not line.strip() and body:
                break
            if line.strip():
                body.append(line.strip())
    return " ".join(body).replace("`", "")


def _shared_by_roots(findings: list[Finding]) -> set[tuple[str, str, str]]:
    """(rule, fingerprint, file) of findings that several roots (or plans) report on one place.

    GitHub keys an alert by its rule, file and ``primaryLocationLineHash``. Two
    roots calling one module under the same name (``envs/prod`` and
    ``envs/staging`` both with ``module "sg"``) give the same address in the
    same module file, so without the root their findings would be one alert,
    and fixing one root would leave the other hidden. Only such collisions get
    the root in their fingerprint; every other fingerprint stays rule +
    address + key.
    """
    origins: dict[tuple[str, str, str], set[str]] = {}
    for f in findings:
        # The resource's own block, also when the finding is shown on its module call: the
        # fingerprints stay what they were before findings moved onto calls.
        origins.setdefault((f.rule_id, f.fingerprint, f.block_location.path), set()).add(f.origin)
    return {place for place, roots in origins.items() if len(roots) > 1}


def _fingerprint(f: Finding, shared: set[tuple[str, str, str]]) -> str:
    plain = f.fingerprint
    if (f.rule_id, plain, f.block_location.path) in shared:
        return fingerprint(f.rule_id, f.address, f"{f.key}\0{f.origin}")
    return plain


def _result(f: Finding, index: dict[str, int], with_suppressions: bool,
            shared: set[tuple[str, str, str]], artifacts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, f.location.start_line)}
    if f.location.end_line and f.location.end_line >= region["startLine"]:
        region["endLine"] = f.location.end_line
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": f.level,
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_of(f.location.path, artifacts),
                    "region": region,
                },
                "logicalLocations": [
                    {"fullyQualifiedName": f.address, "name": logical_name(f.address), "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": _fingerprint(f, shared)},
        "properties": {"severity": f.severity.label, "resourceType": f.resource_type},
    }
    if f.related:
        out["relatedLocations"] = [_related(i, item, artifacts) for i, item in enumerate(f.related, start=1)]
    if with_suppressions:
        out["suppressions"] = (
            [{"kind": f.suppression_kind, "justification": f.suppression}] if f.suppressed else []
        )
    return out


def _related(number: int, item: RelatedLocation, artifacts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A related location: the file and lines when known, always the address."""
    out: dict[str, Any] = {"id": number}
    if item.location is not None:
        region: dict[str, Any] = {"startLine": max(1, item.location.start_line)}
        if item.location.end_line and item.location.end_line >= region["startLine"]:
            region["endLine"] = item.location.end_line
        out["physicalLocation"] = {"artifactLocation": _artifact_of(item.location.path, artifacts), "region": region}
    out["logicalLocations"] = [{"fullyQualifiedName": item.address, "name": logical_name(item.address),
                                "kind": "resource"}]
    out["message"] = {"text": item.message}
    return out


def _artifact_of(path: str, artifacts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``_artifact(path)``, worked out once per path of one report; each result gets its own copy."""
    found = artifacts.get(path)
    if found is None:
        found = artifacts[path] = _artifact(path)
    return dict(found)


def _artifact(path: str) -> dict[str, Any]:
    """An ``artifactLocation``: relative to ``%SRCROOT%`` (the repository's top), never climbing above it.

    Display paths are relative to the top of the repository holding the file,
    else to the working directory; only a file outside both (a plan in /tmp)
    comes out as ``../``. GitHub would resolve that against the checkout's
    root and point at nothing, or at another file: such a file gets its
    absolute ``file://`` URI and no ``uriBaseId`` instead.
    """
    import os
    from pathlib import Path, PurePosixPath

    posix = path.replace("\\", "/")
    if posix.startswith("<") and posix.endswith(">"):
        posix = posix.strip("<>")
    while posix.startswith("./"):
        posix = posix[2:]
    climbs = ".." in PurePosixPath(posix).parts
    if climbs or os.path.isabs(path) or (len(posix) > 1 and posix[1] == ":"):
        full = Path(os.path.abspath(path))
        return {"uri": full.as_uri()}
    return {"uri": _quote(posix), "uriBaseId": "%SRCROOT%"}


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/-_.~")


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format sarif`` (see ``outputs/registry.py``)."""
    return dumps_indented(render(result, category=settings.category,
                                 include_suppressed=settings.sarif_include_suppressed)) + "\n"
