"""The house shape of a rule's documentation page, checked on its text.

Used for every shipped rule (tests/test_every_rule.py) and for the page
``scripts/new_rule.py`` writes (tests/test_new_rule.py), so a new rule starts
from a page that already passes.
"""
from __future__ import annotations

import ast
import re

REQUIRED_HEADINGS = ["## What it does", "## Why it matters", "## Example", "## How to fix", "### Terraform",
                     "### AWS Console", "### AWS CLI", "### Python (boto3)"]
OPTIONAL_HEADINGS = ["## Options", "## Compared with Checkov"]
# The AWS API call that creates the risk, named in "Why it matters" (`AuthorizeSecurityGroupIngress`).
_API_CALL = re.compile(r"`[A-Z][a-z]+[A-Z][A-Za-z]*`")


def _section(doc: str, heading: str, following: str) -> str:
    return doc.split(heading, 1)[1].split(following, 1)[0] if heading in doc else ""


def doc_problems(doc: str, rule_id: str, name: str) -> list[str]:
    """What is wrong with the page ``doc`` of rule ``rule_id`` named ``name``; empty when nothing is."""
    problems: list[str] = []
    lines = doc.splitlines()
    if not lines or lines[0] != f"# {rule_id}: {name}":
        problems.append(f"the first line must be '# {rule_id}: {name}'")
    # Headings inside fenced code (comments in shell/python) are not sections.
    headings: list[str] = []
    in_fence = False
    for line in lines[1:]:
        if line.startswith("```"):
            in_fence = not in_fence
        elif line.startswith("#") and not in_fence:
            headings.append(line)
    if headings[:len(REQUIRED_HEADINGS)] != REQUIRED_HEADINGS:
        problems.append(f"the sections must start {REQUIRED_HEADINGS}, not {headings[:len(REQUIRED_HEADINGS)]}")
    extra = headings[len(REQUIRED_HEADINGS):]
    if extra != [h for h in OPTIONAL_HEADINGS if h in extra]:
        problems.append(f"after the required sections only {OPTIONAL_HEADINGS} may follow, in order: {extra}")
    if not _API_CALL.search(_section(doc, "## Why it matters", "## Example")):
        problems.append("'Why it matters' must name the AWS API call in backticks")
    if _section(doc, "## Example", "## How to fix").count("```hcl") != 2:
        problems.append("'Example' must hold two hcl blocks: the failing configuration and the fixed one")
    for block in re.findall(r"```python\n(.*?)```", doc, flags=re.S):
        try:
            ast.parse(block)
        except SyntaxError as exc:
            problems.append(f"a python block does not parse: {exc}")
    # SARIF's fullDescription is the "What it does" paragraph: one paragraph, no code.
    what = _section(doc, "## What it does", "## Why it matters").strip()
    if not what or "\n\n" in what or "```" in what:
        problems.append("'What it does' must be one paragraph without code")
    return problems
