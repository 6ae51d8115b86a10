"""``--format junit``: JUnit XML, the test report Jenkins, GitLab, Azure DevOps and CircleCI all display.

One ``<testsuite>`` per rule that ran (and per user Rego rule that reported),
so a CI's test tab lists every rule; each finding is a ``<testcase>`` with a
``<failure>``, a suppressed one a ``<testcase>`` with ``<skipped>`` (its
reason), and a rule without findings one passing ``<testcase>``. Input errors
are a last suite whose test case has an ``<error>``. The shape follows the
schema Jenkins' xUnit plugin validates against (``junit-10.xsd``, vendored in
``tests/schemas/``): it has no ``file``/``line`` attributes on a test case, so
the location is in the test case's name and the failure's text.

Everything quoted from the scanned files goes through ``safe_text.escape``:
XML 1.0 cannot carry most control characters at all, and a CI log may echo
the failure text. The timing attributes are left out so a report is the same
bytes for the same input.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from natpolicy.findings import Finding
from natpolicy.outputs.registry import ReportSettings
from natpolicy.runner import RunResult
from natpolicy.safe_text import escape

__all__ = ["render", "report"]


def render(result: RunResult) -> ET.Element:
    names = {c.id: c.name for c in result.checks}
    by_rule: dict[str, list[Finding]] = {rule: [] for rule in sorted(names)}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    root = ET.Element("testsuites", name="natpolicy")
    totals = [0, 0, 0]  # tests, failures, errors
    for rule in sorted(by_rule):
        findings = by_rule[rule]
        name = names.get(rule) or (findings[0].rule_name if findings else rule)
        suite = _suite(root, f"{rule}: {name}", rule, findings)
        totals[0] += int(suite.get("tests", "0"))
        totals[1] += int(suite.get("failures", "0"))
    if result.errors:
        suite = ET.SubElement(root, "testsuite", name="natpolicy input", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", name="inputs can be read", classname="natpolicy")
        first = escape(result.errors[0])
        error = ET.SubElement(case, "error", type="input", message=first)
        error.text = "\n".join(escape(e) for e in result.errors)
        totals[0] += 1
        totals[2] += 1
    if result.notes:  # what could not be judged: a CI shows a suite's output beside its tests
        suite = ET.SubElement(root, "testsuite", name="natpolicy notes", tests="0", failures="0", errors="0")
        ET.SubElement(suite, "system-out").text = "\n".join(f"note: {escape(n)}" for n in result.notes)
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    return root


def _suite(root: ET.Element, title: str, rule: str, findings: Iterable[Finding]) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=escape(title))
    tests = failures = skipped = 0
    for f in findings:
        tests += 1
        where = f"{f.location.path}:{f.location.start_line}"
        case = ET.SubElement(suite, "testcase", name=escape(f"{f.address} ({where})"),
                             classname=escape(f"natpolicy.{rule}"))
        if f.suppressed:
            skipped += 1
            ET.SubElement(case, "skipped", message=escape(f"suppressed: {f.suppression}"))
            continue
        failures += 1
        failure = ET.SubElement(case, "failure", type=f.severity.label, message=escape(f.message))
        failure.text = escape(f"{f.severity.label.upper()} {rule} {f.message}") + "\n" + escape(
            f"at {where} (from {f.origin}), fingerprint {f.fingerprint}")
    if not tests:
        tests = 1
        ET.SubElement(suite, "testcase", name="no findings", classname=escape(f"natpolicy.{rule}"))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return suite


def report(result: RunResult, settings: ReportSettings) -> str:
    """``--format junit`` (see ``outputs/registry.py``)."""
    root = render(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
