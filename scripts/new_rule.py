"""Writes the four files of a new rule, ready to fill in.

    python scripts/new_rule.py SG005 sg "Security group allows all egress to the internet"
    python scripts/new_rule.py SG005 sg "..." --type aws_security_group --severity high

Writes, below the repository (or ``--root``):

- ``policies/<family>/<id>_<slug>.py``: the rule, metadata beside its logic;
- ``policies/<family>/<id>_<slug>.md``: its documentation, with the house sections;
- ``tests/test_rule_<id>.py``: a case that must fire and one that must stay quiet, built with PlanBuilder;
- ``policies/rego/<id>.rego`` and ``<id>_test.rego``: its Rego twin and the twin's cases.

Every placeholder is marked ``TODO(new_rule)``; tests/test_every_rule.py fails while one is
left in the checkout, so a half-written rule cannot ship. Nothing else needs editing: the
registry finds the class, the README table (scripts/rules_table.py --write), the Checkov
adapter and the Rego twins are derived from its metadata. See CONTRIBUTING.md.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODO = "TODO(new_rule)"
SEVERITIES = ("low", "medium", "high", "critical")
# The resource type a family's new rule most likely judges; --type overrides it.
FAMILY_TYPES = {"sg": "aws_security_group", "ebs": "aws_ebs_volume", "flow": "aws_vpc", "nat": "aws_nat_gateway"}
FAMILY_CATEGORIES = {"sg": "networking", "ebs": "encryption", "flow": "logging", "nat": "networking"}
_ID = re.compile(r"[A-Z]+[0-9]{3}")


class UsageError(Exception):
    """A bad argument: one line on stderr, exit code 2."""


def slug(name: str) -> str:
    """``"Security group allows all egress"`` -> ``security_group_allows_all_egress`` (five words at most)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return "_".join(words[:5])


def class_name(name: str) -> str:
    return "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", name)) or "NewRule"


def rule_source(rule_id: str, name: str, severity: str, type_: str, category: str) -> str:
    return f'''"""{rule_id}: {name}."""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.model import Resource, ResourceModel


class {class_name(name)}(ResourceCheck):
    id = "{rule_id}"
    name = "{name}"
    severity = Severity.{severity.upper()}
    summary = "{TODO}: one line for the README rules table"
    categories = ("{category}",)
    supported_types = ("{type_}",)

    def scan(self, resource: Resource, model: ResourceModel) -> Iterable[Violation]:
        # {TODO}: judge the state after apply; a value known only after apply
        # (UNKNOWN) is never a violation.
        after = resource.after if isinstance(resource.after, dict) else {{}}
        if after.get("todo_attribute") is True:
            yield Violation(f"{{resource.address}} {TODO}: say what is wrong")
'''


def doc_source(rule_id: str, name: str, type_: str) -> str:
    return f"""# {rule_id}: {name}

## What it does

{TODO}: one paragraph, no code: what the rule reports, on which resources, judged after apply.

## Why it matters

{TODO}: the risk, and the AWS API call that creates it (`TodoApiCall`).

## Example

```hcl
# {TODO}: the configuration that fails
resource "{type_}" "bad" {{
}}
```

Fixed:

```hcl
# {TODO}: the same configuration, fixed
resource "{type_}" "good" {{
}}
```

## How to fix

### Terraform

{TODO}: the change to the configuration.

### AWS Console

{TODO}: the clicks.

### AWS CLI

```sh
# {TODO}: the command
```

### Python (boto3)

```python
import boto3

# {TODO}: the call
client = boto3.client("ec2")
```
"""


def test_source(rule_id: str, name: str, type_: str) -> str:
    lower = rule_id.lower()
    return f'''"""{rule_id}: {name}."""
from __future__ import annotations

from conftest import PlanBuilder, findings_of

RULE = "{rule_id}"


def test_{lower}_fires(plan: PlanBuilder) -> None:
    # {TODO}: the smallest plan the rule must report.
    plan.create("{type_}.bad", {{"todo_attribute": True}})
    assert findings_of(plan, RULE) == [(RULE, "{type_}.bad")]


def test_{lower}_stays_quiet(plan: PlanBuilder) -> None:
    # {TODO}: the nearest configuration that is fine (and one whose value is unknown).
    plan.create("{type_}.good", {{"todo_attribute": False}})
    plan.create("{type_}.unknown", {{}}, unknown=["todo_attribute"])
    assert findings_of(plan, RULE) == []
'''


def twin_source(rule_id: str, name: str, severity: str, type_: str) -> str:
    lower = rule_id.lower()
    return f'''# METADATA
# title: {name} ({rule_id})
# description: |
#   Rego twin of natpolicy's {rule_id}. {TODO}: the same decisions as the Python rule.
# custom:
#   rules: [{rule_id}]
package natpolicy.rules.{lower}

import data.natpolicy.lib.tfplan
import rego.v1

deny contains f if {{
	some f in findings
	f.severity in {{"critical", "high"}}
}}

warn contains f if {{
	some f in findings
	not f.severity in {{"critical", "high"}}
}}

findings := [f |
	some rc in tfplan.of_types({{"{type_}"}})
	tfplan.exists_after(rc)
	rc.change.after.todo_attribute == true
	f := {{
		"id": "{rule_id}",
		"rule": "{rule_id}",
		"severity": "{severity}",
		"address": rc.address,
		"resource_type": rc.type,
		"msg": concat("", [rc.address, " {TODO}: say what is wrong"]),
	}}
]
'''


def twin_test_source(rule_id: str, type_: str) -> str:
    lower = rule_id.lower()
    return f'''package natpolicy.rules.{lower}_test

import data.natpolicy.rules.{lower}
import rego.v1

# Cases: a plan and the [rule, address] pairs natpolicy.rules.{lower} must report
# (run by `test_cases` in OPA, and by natpolicy's test suite under regopy).

resource(name, after) := {{
	"address": concat(".", ["{type_}", name]), "mode": "managed", "type": "{type_}", "name": name,
	"change": {{"actions": ["create"], "before": null, "after": after, "after_unknown": {{}}}},
}}

# {TODO}: the same cases as tests/test_rule_{lower}.py.
cases := [
	{{"name": "fires", "input": {{"resource_changes": [resource("bad", {{"todo_attribute": true}})]}}, "expect": [["{rule_id}", "{type_}.bad"]]}},
	{{"name": "stays quiet", "input": {{"resource_changes": [resource("good", {{"todo_attribute": false}})]}}, "expect": []}},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {{
	every c in cases {{
		sort([[f.rule, f.address] | some f in {lower}.findings with input as c.input]) == sort(c.expect)
	}}
}}
'''


def plan_files(root: Path, rule_id: str, family: str, name: str, severity: str, type_: str,
               category: str) -> dict[Path, str]:
    """Every file to write, by path below ``root``."""
    stem = f"{rule_id.lower()}_{slug(name)}"
    folder = root / "policies" / family
    files = {
        folder / f"{stem}.py": rule_source(rule_id, name, severity, type_, category),
        folder / f"{stem}.md": doc_source(rule_id, name, type_),
        root / "tests" / f"test_rule_{rule_id.lower()}.py": test_source(rule_id, name, type_),
        root / "policies" / "rego" / f"{rule_id.lower()}.rego": twin_source(rule_id, name, severity, type_),
        root / "policies" / "rego" / f"{rule_id.lower()}_test.rego": twin_test_source(rule_id, type_),
    }
    if not (folder / "__init__.py").is_file():
        files[folder / "__init__.py"] = f'"""Rules of the {family.upper()} family."""\n'
    return files


def _validate(rule_id: str, family: str, name: str, type_: str | None) -> str:
    if not _ID.fullmatch(rule_id):
        raise UsageError(f"rule ID {rule_id!r} must be upper-case letters and three digits, like SG005")
    if rule_id.rstrip("0123456789").lower() != family:
        raise UsageError(f"rule ID {rule_id} does not belong to family {family!r}: "
                         f"use {rule_id.rstrip('0123456789').lower()!r}")
    if not name.strip() or any(c in name for c in '"\\\n'):
        raise UsageError("the rule name must be one line without double quotes or backslashes")
    if type_ is None:
        type_ = FAMILY_TYPES.get(family)
        if type_ is None:
            raise UsageError(f"family {family!r} has no usual resource type: give one with --type")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", type_):
        raise UsageError(f"resource type {type_!r} is not a Terraform resource type")
    from natpolicy.registry import discover  # IDs are permanent: never reuse one, wherever the files go

    if any(cls.id == rule_id for cls in discover()):
        raise UsageError(f"rule {rule_id} exists already")
    return type_


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="new_rule.py", description="Write the files of a new natpolicy rule.")
    parser.add_argument("rule_id", metavar="ID", help="e.g. SG005")
    parser.add_argument("family", help="the rule family's folder under policies/, e.g. sg")
    parser.add_argument("name", help='e.g. "Security group allows all egress to the internet"')
    parser.add_argument("--type", dest="type_", default=None, help="the resource type the rule judges")
    parser.add_argument("--severity", choices=SEVERITIES, default="medium")
    parser.add_argument("--category", default=None, choices=sorted(set(FAMILY_CATEGORIES.values())),
                        help="default: the family's usual one")
    parser.add_argument("--root", type=Path, default=ROOT, help="where to write (default: this repository)")
    args = parser.parse_args(argv)
    family = args.family.lower()
    try:
        type_ = _validate(args.rule_id, family, args.name, args.type_)
        files = plan_files(args.root, args.rule_id, family, args.name.strip(), args.severity, type_,
                           args.category or FAMILY_CATEGORIES.get(family, "general"))
        taken = [p for p in files if p.exists() and p.name != "__init__.py"]
        if taken:
            raise UsageError(f"{taken[0]} exists already; nothing written")
    except UsageError as exc:
        print(f"new_rule.py: {exc}", file=sys.stderr)
        return 2
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
