"""Every rule comes with its four hand-written files; a forgotten one fails here, never silently.

The rule (policies/<family>/<id>_*.py), its documentation beside it (.md), its
tests (tests/, naming the rule ID) and its Rego twin (policies/rego/, listing the
ID in its METADATA). Everything else is derived from the rule's metadata: the
README table (scripts/rules_table.py), the Checkov adapter's rules and the
Rego twins' coverage.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from natpolicy.check import BaseCheck, rule_family
from natpolicy.registry import discover
from rule_docs import doc_problems

sys.path.insert(0, str(ROOT / "scripts"))

import rules_table  # noqa: E402

RULES = discover()
TWINS = sorted((ROOT / "policies" / "rego").glob("*.rego"))
_TWIN_RULES = re.compile(r"#\s+rules: \[([^\]]*)\]")


def _ids(rules: list[type[BaseCheck]]) -> list[str]:
    return [r.id for r in rules]


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_rule_documentation_has_the_house_sections(rule: type[BaseCheck]) -> None:
    assert rule.doc_path().is_file(), f"{rule.id} has no documentation beside its code"
    assert doc_problems(rule.documentation(), rule.id, rule.name) == []


def test_every_rule_doc_belongs_to_a_rule() -> None:
    docs = {p for p in (ROOT / "policies").glob("*/*.md") if p.parent.name != "rego"}
    assert docs == {(ROOT / r.doc_relpath()) for r in RULES}


def _string_constants(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _own_tests(rule: type[BaseCheck]) -> list[Path]:
    """Where a rule's tests live: its own file (scripts/new_rule.py), or its family's."""
    family = rule_family(rule.id).lower()
    tests = ROOT / "tests"
    return [tests / f"test_rule_{rule.id.lower()}.py", tests / f"test_rules_{family}.py",
            *sorted(tests.glob(f"test_{family}_*.py"))]


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_every_rule_has_tests_naming_it(rule: type[BaseCheck]) -> None:
    # Generic tests iterate the registry; a rule's own tests name it as a literal ID.
    assert any(p.is_file() and rule.id in _string_constants(p) for p in _own_tests(rule)), \
        f"no test names {rule.id}: write tests/test_rule_{rule.id.lower()}.py (scripts/new_rule.py starts one)"


def _twin_rules() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for twin in TWINS:
        match = _TWIN_RULES.search(twin.read_text(encoding="utf-8"))
        if match:
            out[twin.name] = {r.strip() for r in match.group(1).split(",") if r.strip()}
    return out


def test_every_rule_has_a_rego_twin_and_every_twin_a_rule() -> None:
    covered = {rule for rules in _twin_rules().values() for rule in rules}
    assert set(_ids(RULES)) - covered == set(), "rules without a Rego twin"
    assert covered - set(_ids(RULES)) == set(), "Rego twins of rules that do not exist"


def test_every_twin_has_its_test_file() -> None:
    for name in _twin_rules():
        assert (ROOT / "policies" / "rego" / name.replace(".rego", "_test.rego")).is_file(), name


def test_no_placeholder_of_new_rule_is_left() -> None:
    written = [*(ROOT / "policies").rglob("*"), *(ROOT / "tests").glob("test_rule_*.py")]
    left = [p.relative_to(ROOT).as_posix() for p in written
            if p.suffix in (".py", ".md", ".rego") and p.is_file() and "TODO(new_rule)" in p.read_text(encoding="utf-8")]
    assert left == [], "fill in what scripts/new_rule.py left to write"


# -- the README rules table ----------------------------------------------------------------------
def test_readme_rules_table_is_current() -> None:
    assert rules_table.main(["--readme", str(ROOT / "README.md")]) == 0, \
        "README.md's rules table is stale: run `python scripts/rules_table.py --write`"


def test_rules_table_check_fails_on_a_stale_readme_and_write_fixes_it(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    readme.write_text(current.replace("| SG001 | critical |", "| SG001 | low |"), encoding="utf-8")
    assert rules_table.main(["--readme", str(readme)]) == 1
    assert "rules table is stale" in capsys.readouterr().err
    assert rules_table.main(["--readme", str(readme), "--write"]) == 0
    assert readme.read_text(encoding="utf-8") == rules_table.replace_table(current, rules_table.render(RULES))
    readme.write_text("# no markers\n", encoding="utf-8")
    assert rules_table.main(["--readme", str(readme)]) == 2
    assert rules_table.main(["--readme", str(tmp_path / "missing.md")]) == 2
