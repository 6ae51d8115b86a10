"""What ``natpolicy verify`` prints: conftest's shape of a test report, as text or JSON, and its exit code."""
from __future__ import annotations

import json
from collections.abc import Sequence

from natpolicy.rego.verify import ERROR, FAIL, PASS, TestResult

__all__ = ["report", "verdict"]

_LABEL = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR"}


def verdict(results: Sequence[TestResult]) -> int:
    """0 when every test passed, 1 otherwise."""
    return 0 if all(r.outcome == PASS for r in results) else 1


def report(results: Sequence[TestResult], notes: Sequence[str], fmt: str, verbose: bool = False) -> str:
    counts = {kind: sum(1 for r in results if r.outcome == kind) for kind in (PASS, FAIL, ERROR)}
    if fmt == "json":
        tests = [{"name": r.name, "file": r.query.policy.display, "line": r.query.policy.line_of_rule(r.query.rule),
                  "result": r.outcome, **({"detail": r.detail} if r.detail else {})} for r in results]
        summary = {"tests": len(results), "passed": counts[PASS], "failed": counts[FAIL], "errors": counts[ERROR]}
        return json.dumps({"tests": tests, "summary": summary, "notes": list(notes)}, indent=2) + "\n"
    lines = [f"note: {note}" for note in notes]
    for r in results:
        if r.outcome != PASS or verbose:
            where = f"{r.query.policy.display}:{r.query.policy.line_of_rule(r.query.rule)}"
            lines.append(f"{_LABEL[r.outcome]} - {where} - {r.name}" + (f": {r.detail}" if r.detail else ""))
    lines.append(f"{_plural(len(results), 'test')}, {counts[PASS]} passed, {_plural(counts[FAIL], 'failure')}, "
                 f"{_plural(counts[ERROR], 'error')}")
    return "\n".join(lines) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
