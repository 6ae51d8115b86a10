"""SARIF 2.1.0 for GitHub code scanning.

One run; the driver lists every rule that ran (not just the ones that
failed), so rule help is available even for a clean scan. Every result has
exactly one physical location with a relative URI, the Terraform address as
its logical location, and a fingerprint GitHub uses to track the alert. A
finding on a resource inside a module sits on the root's ``module`` call and
names the resource's own block as a ``relatedLocation`` (natpolicy.call_sites).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from natpolicy import __version__
from natpolicy.address import logical_name
from natpolicy.check import BaseCheck, Severity
from natpolicy.findings import Finding, RelatedLocation, fingerprint
from natpolicy.outputs.doclinks import INFORMATION_URI, rule_help_uri
from natpolicy.outputs.indented_json import indent_compact
from natpolicy.outputs.registry import ReportSettings
from natpolicy.outputs.severity import sarif_level, security_severity
from natpolicy.records import record
from natpolicy.runner import RunResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning rejects a run above 25,000 results and keeps only the
# 5,000 most severe: more is megabytes nobody sees (1M findings made a 1 GB
# file). The findings come sorted most severe first, so the cap keeps those.
MAX_RESULTS = 5_000


def render(result: RunResult, *, category: str = "natpolicy/", include_suppressed: bool = False,
           max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log as JSON values (what :func:`report` writes, indented)."""
    shown = _select(result, include_suppressed, max_results)
    artifacts: dict[str, dict[str, Any]] = {}  # path -> its artifactLocation: findings share a few files
    results = [_result(f, shown.index, shown.any_suppressed, fp, artifacts)
               for f, fp in zip(shown.findings, shown.fingerprints, strict=True)]
    return _log(result, shown, category, results)


@record(frozen=True)
class _Shown:
    """The findings a report shows (suppressed ones only when asked, the most severe ``max_results``)."""

    checks: list[BaseCheck]  # sorted by id: the driver's rules, in ``ruleIndex`` order
    index: dict[str, int]  # rule id -> its ruleIndex
    findings: list[Finding]
    fingerprints: list[str]  # each finding's primaryLocationLineHash
    total: int  # before the cap
    cap: int  # max_results
    any_suppressed: bool  # results carry their ``suppressions``


def _select(result: RunResult, include_suppressed: bool, max_results: int) -> _Shown:
    checks = sorted(result.checks, key=lambda c: c.id)
    index = {c.id: i for i, c in enumerate(checks)}
    findings = [f for f in result.findings if (include_suppressed or not f.suppressed) and f.rule_id in index]
    total = len(findings)
    findings = findings[:max_results]
    any_suppressed = include_suppressed and any(f.suppressed for f in findings)
    return _Shown(checks, index, findings, _fingerprints(findings), total, max_results, any_suppressed)


def _log(result: RunResult, shown: _Shown, category: str, results: list[Any]) -> dict[str, Any]:
    """The whole log around ``results`` (each result's dict, or a placeholder the caller replaces)."""
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "natpolicy",
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(c) for c in shown.checks],
            }
        },
        # GitHub splits the id at its last "/" into category and run id; a
        # trailing "/" makes the whole text the category.
        "automationDetails": {"id": category if category.endswith("/") else f"{category}/"},
        "results": results,
        "columnKind": "utf16CodeUnits",
    }
    notifications = [
        {"level": "error", "message": {"text": text}} for text in result.errors
    ] + [{"level": "note", "message": {"text": text}} for text in result.notes]
    shown_count = len(shown.findings)
    if shown.total > shown_count:
        notifications.append({"level": "warning", "message": {"text": (
            f"{shown.total - shown_count:,} of {shown.total:,} results left out: GitHub code scanning keeps only the "
            f"{shown.cap:,} most severe of a run; the text, JSON and markdown reports list every finding")}})
        run["properties"] = {"natpolicy/totalResults": shown.total, "natpolicy/resultsShown": shown_count}
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


def _fingerprints(findings: list[Finding]) -> list[str]:
    """Each finding's ``primaryLocationLineHash``: rule + address (+ key), and the root where roots collide.

    GitHub keys an alert by its rule, file and ``primaryLocationLineHash``. Two
    roots calling one module under the same name (``envs/prod`` and
    ``envs/staging`` both with ``module "sg"``) give the same address in the
    same module file, so without the root their findings would be one alert,
    and fixing one root would leave the other hidden. Only such collisions (the
    same rule, plain fingerprint and file from several roots or plans) get the
    root in their fingerprint; every other fingerprint stays rule + address + key.
    Each plain fingerprint (a SHA-256) is worked out once per finding.
    """
    plain = [f.fingerprint for f in findings]
    if len({f.origin for f in findings}) < 2:
        return plain  # one root (one plan): nothing can collide
    # The resource's own block, also when the finding is shown on its module call: the
    # fingerprints stay what they were before findings moved onto calls.
    places = [(f.rule_id, fp, f.block_location.path) for f, fp in zip(findings, plain, strict=True)]
    origins: dict[tuple[str, str, str], set[str]] = {}
    for place, f in zip(places, findings, strict=True):
        origins.setdefault(place, set()).add(f.origin)
    shared = {place for place, roots in origins.items() if len(roots) > 1}
    if not shared:
        return plain
    return [fingerprint(f.rule_id, f.address, f"{f.key}\0{f.origin}") if place in shared else fp
            for f, fp, place in zip(findings, plain, places, strict=True)]


def _result(f: Finding, index: dict[str, int], with_suppressions: bool, fingerprint: str,
            artifacts: dict[str, dict[str, Any]]) -> dict[str, Any]:
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
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        "properties": {"severity": f.severity.label, "resourceType": f.resource_type},
    }
    if f.related:
        out["relatedLocations"] = [_related(i, item, artifacts) for i, item in enumerate(f.related, start=1)]
    if with_suppressions:
        out["suppressions"] = _suppressions(f)
    return out


def _suppressions(f: Finding) -> list[dict[str, Any]]:
    return [{"kind": f.suppression_kind, "justification": f.suppression}] if f.suppressed else []


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


# -- the results as JSON text ---------------------------------------------------------

# json.dumps' own escape of a string (ensure_ascii: the C function where the json module has it):
# a string written through it is the very text json.dumps writes for it, whatever it holds.
_string = json.encoder.encode_basestring_ascii
_LABELS = {severity: severity.label for severity in Severity}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _result_json(f: Finding, index: dict[str, int], with_suppressions: bool, fingerprint: str,
                 texts: dict[str, str], artifacts: dict[str, dict[str, Any]]) -> str | None:
    """``_compact(_result(f, ...))``, written from a template; ``None`` where the template cannot promise that.

    Why the text is the same: every string goes through ``json.dumps``' own escape
    (:data:`_string`, which refuses anything but a string with a ``TypeError``), the
    lines are ``int`` exactly (``str`` of an ``int`` is how ``json.dumps`` writes it;
    a ``bool``, ``float`` or any other number goes to ``json.dumps``), the keys are
    ``_result``'s in its order, and the artifact location, related locations and
    suppressions are ``json.dumps``' text of ``_result``'s own values.
    """
    location = f.location
    start, end, severity = location.start_line, location.end_line, f.severity
    if type(start) is not int or not (end is None or type(end) is int) or type(severity) is not Severity:
        return None
    start = max(1, start)
    region = f'{{"startLine":{start},"endLine":{end}}}' if end and end >= start else f'{{"startLine":{start}}}'
    artifact = texts.get(location.path)  # path -> its artifactLocation as JSON
    if artifact is None:
        artifact = texts[location.path] = _compact(_artifact_of(location.path, artifacts))
    try:
        head = (f'{{"ruleId":{_string(f.rule_id)},"ruleIndex":{index[f.rule_id]},"level":{_string(f.level)},'
                f'"message":{{"text":{_string(f.message)}}},')
        address = f.address
        names = f'{{"fullyQualifiedName":{_string(address)},"name":{_string(logical_name(address))},'
        tail = (f'"partialFingerprints":{{"primaryLocationLineHash":{_string(fingerprint)}}},'
                f'"properties":{{"severity":{_string(_LABELS[severity])},"resourceType":{_string(f.resource_type)}}}')
    except TypeError:  # some field is no string: json.dumps says how it is written
        return None
    text = (f'{head}"locations":[{{"physicalLocation":{{"artifactLocation":{artifact},"region":{region}}},'
            f'"logicalLocations":[{names}"kind":"resource"}}]}}],{tail}')
    if f.related:
        related = [_related(i, item, artifacts) for i, item in enumerate(f.related, start=1)]
        text += f',"relatedLocations":{_compact(related)}'
    if with_suppressions:
        text += f',"suppressions":{_compact(_suppressions(f))}'
    return text + "}"


def _compact_log(log: dict[str, Any], results: list[str]) -> str:
    """``_compact(log)`` with ``results`` (each result's JSON text) as its run's results.

    ``json.dumps`` writes an object as ``{`` + ``key:value`` joined by ``,`` + ``}`` (``{}`` when
    empty), a list as ``[`` + its items joined by ``,`` + ``]``: written here member by member into one
    list of pieces, joined once (the results are nearly all of a large log: each step that wrapped them
    copied them whole). The rules are written by :func:`_rules_json`.
    """
    pieces: list[str] = []
    (run,) = log["runs"]
    tool = run["tool"]
    driver = tool["driver"]

    def results_text() -> None:
        pieces.extend(("[", ",".join(results), "]"))

    def rules_text() -> None:
        pieces.append(_rules_json(driver["rules"]))

    def tool_text() -> None:
        _object_into(pieces, tool, {"driver": lambda: _object_into(pieces, driver, {"rules": rules_text})})

    def runs_text() -> None:
        pieces.append("[")
        _object_into(pieces, run, {"tool": tool_text, "results": results_text})
        pieces.append("]")

    _object_into(pieces, log, {"runs": runs_text})
    return "".join(pieces)


def _rules_json(rules: list[Any]) -> str:
    """``_compact(rules)``, each rule's help escaped once for both its texts where the markdown extends the text.

    A rule's help is its documentation twice (``text``, and ``markdown`` with a link after it): most of a
    small run's SARIF, each copy escaped by ``json.dumps`` (40 instructions a character). ``json.dumps``
    (``ensure_ascii``) escapes a string one code point at a time, with nothing carried from one to the
    next, so the escape of ``text + tail`` is the escape of ``text`` without its closing quote followed by
    that of ``tail`` without its opening quote. The rules are written by ``json.dumps`` with a mark in
    place of each such help, and each mark then replaced by the help's text. A mark is the member
    ``"help":"\\u0000natpolicy-help-N\\u0000"``, which no escaped string can hold (inside one every ``"``
    follows a backslash, so ``":"`` cannot occur); it is looked for once each, and anything unexpected
    is ``json.dumps``' own text.
    """
    marked: list[Any] = []
    helps: list[tuple[str, str]] = []
    for number, rule in enumerate(rules):
        help_ = rule.get("help") if type(rule) is dict else None
        if type(help_) is dict and list(help_) == ["text", "markdown"]:
            text, markdown = help_["text"], help_["markdown"]
            if type(text) is str and type(markdown) is str and markdown.startswith(text):
                escaped = _string(text)
                helps.append((f'"help":"\\u0000natpolicy-help-{number}\\u0000"',
                              f'"help":{{"text":{escaped},"markdown":{escaped[:-1]}{_string(markdown[len(text):])[1:]}}}'))
                rule = {**rule, "help": f"\x00natpolicy-help-{number}\x00"}
        marked.append(rule)
    written = _compact(marked)
    pieces: list[str] = []
    start = 0
    for mark, help_text in helps:
        at = written.find(mark, start)
        if at < 0 or written.find(mark, at + len(mark)) >= 0:
            return _compact(rules)
        pieces.extend((written[start:at], help_text))
        start = at + len(mark)
    pieces.append(written[start:])
    return "".join(pieces)


def _object_into(pieces: list[str], members: dict[str, Any], fills: dict[str, Callable[[], None]]) -> None:
    """``_compact(members)`` onto ``pieces``, but for the values of the keys in ``fills``, which those write."""
    separator = "{"
    for key, value in members.items():
        pieces.append(f"{separator}{_string(key)}:")
        separator = ","
        fill = fills.get(key)
        if fill is not None:
            fill()
        else:
            pieces.append(_compact(value))
    pieces.append("}" if separator == "," else "{}")


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format sarif`` (see ``outputs/registry.py``): ``render``'s log as ``json.dumps(log, indent=2)`` writes it.

    The results (nearly all of a large log) are written as compact JSON text from a template
    (:func:`_result_json`), not built as dicts for ``json.dumps`` to walk: that cost about
    160,000 instructions a result. The rest of the log is ``json.dumps``' own, and the whole
    compact text is indented as :func:`dumps_indented` indents it.
    """
    category, with_suppressed = settings.category, settings.sarif_include_suppressed
    shown = _select(result, with_suppressed, MAX_RESULTS)
    texts: dict[str, str] = {}  # path -> its artifactLocation as JSON
    artifacts: dict[str, dict[str, Any]] = {}  # path -> its artifactLocation
    results: list[str] = []
    for f, fp in zip(shown.findings, shown.fingerprints, strict=True):
        text = _result_json(f, shown.index, shown.any_suppressed, fp, texts, artifacts)
        if text is None:
            text = _compact(_result(f, shown.index, shown.any_suppressed, fp, artifacts))
        results.append(text)
    log = _log(result, shown, category, [])
    compact = _compact_log(log, results)
    return indent_compact(compact, lambda: render(result, category=category, include_suppressed=with_suppressed)) + "\n"
