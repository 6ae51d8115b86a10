"""scripts/new_rule.py: a throwaway rule written into tmp_path, never into the checkout."""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, PlanBuilder
from natpolicy.check import ResourceCheck, Severity
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.model import ResourceModel
from natpolicy.runner import run
from rule_docs import doc_problems

sys.path.insert(0, str(ROOT / "scripts"))

import new_rule  # noqa: E402

NAME = "Security group allows all egress to the internet"


@pytest.fixture
def written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    assert new_rule.main(["ZZ901", "zz", NAME, "--type", "aws_security_group", "--severity", "high",
                          "--category", "networking", "--root", str(tmp_path)]) == 0
    printed = [Path(line) for line in capsys.readouterr().out.splitlines()]
    files = {p.relative_to(tmp_path).as_posix(): p for p in tmp_path.rglob("*") if p.is_file()}
    assert sorted(printed) == sorted(files.values())
    return files


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_writes_the_four_files_and_nothing_else(written: dict[str, Path]) -> None:
    assert sorted(written) == [
        "policies/rego/zz901.rego",
        "policies/rego/zz901_test.rego",
        "policies/zz/__init__.py",  # a new family gets its package
        "policies/zz/zz901_security_group_allows_all_egress.md",
        "policies/zz/zz901_security_group_allows_all_egress.py",
        "tests/test_rule_zz901.py",
    ]
    for path in written.values():
        assert "TODO(new_rule)" in path.read_text(encoding="utf-8") or path.name == "__init__.py"


def test_the_rule_is_one_class_with_its_metadata_and_runs(written: dict[str, Path]) -> None:
    module = _load(written["policies/zz/zz901_security_group_allows_all_egress.py"])
    [cls] = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, ResourceCheck)
             and c.__module__ == module.__name__]
    assert (cls.id, cls.name, cls.severity, cls.categories, cls.supported_types) == (
        "ZZ901", NAME, Severity.HIGH, ("networking",), ("aws_security_group",))
    assert cls.summary and cls.judges_one_resource
    # The skeleton's own fixtures: one must fire, the others stay quiet.
    plan = (PlanBuilder().create("aws_security_group.bad", {"todo_attribute": True})
            .create("aws_security_group.good", {"todo_attribute": False})
            .create("aws_security_group.unknown", {}, unknown=["todo_attribute"]))
    result = run(ResourceModel(plan_resources(plan.build(), origin="plan.json")), [cls()])
    assert [(f.rule_id, f.address) for f in result.findings] == [("ZZ901", "aws_security_group.bad")]


def test_the_doc_passes_the_house_checks(written: dict[str, Path]) -> None:
    doc = written["policies/zz/zz901_security_group_allows_all_egress.md"].read_text(encoding="utf-8")
    assert doc_problems(doc, "ZZ901", NAME) == []


def test_the_test_file_has_a_firing_and_a_quiet_case(written: dict[str, Path]) -> None:
    tree = ast.parse(written["tests/test_rule_zz901.py"].read_text(encoding="utf-8"))
    tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert tests == ["test_zz901_fires", "test_zz901_stays_quiet"]
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert "ZZ901" in constants  # what tests/test_every_rule.py looks for


def test_the_rego_twin_compiles_and_its_cases_pass(written: dict[str, Path]) -> None:
    pytest.importorskip("regopy")
    from natpolicy.rego.engine_regopy import RegopyEngine
    from natpolicy.rego.source import scan_module

    twin = written["policies/rego/zz901.rego"].read_text(encoding="utf-8")
    test = written["policies/rego/zz901_test.rego"].read_text(encoding="utf-8")
    assert twin.startswith("# METADATA\n") and "#   rules: [ZZ901]" in twin
    assert scan_module(twin).problems == []
    engine = RegopyEngine()
    modules = {"tfplan.rego": (ROOT / "policies" / "rego" / "tfplan.rego").read_text(encoding="utf-8"),
               "zz901.rego": twin, "zz901_test.rego": test[:test.index("# -- OPA only")]}
    compiled = engine.compile(modules, None, ["natpolicy/rules/zz901_test/cases", "natpolicy/rules/zz901/findings"])
    cases = engine.evaluate(compiled, "natpolicy/rules/zz901_test/cases", engine.prepare_input({}))
    assert [c["name"] for c in cases] == ["fires", "stays quiet"]
    for case in cases:
        found = engine.evaluate(compiled, "natpolicy/rules/zz901/findings", engine.prepare_input(case["input"]))
        assert sorted([f["rule"], f["address"]] for f in found) == sorted(case["expect"]), case["name"]


@pytest.mark.parametrize(("argv", "message"), [
    (["sg005", "sg", NAME], "upper-case letters and three digits"),
    (["SG005", "ebs", NAME], "does not belong to family"),
    (["SG005", "sg", 'say "hi"'], "without double quotes"),
    (["IAM001", "iam", NAME], "give one with --type"),
    (["SG005", "sg", NAME, "--type", "Not A Type"], "not a Terraform resource type"),
])
def test_bad_arguments_are_one_line_and_exit_2(argv: list[str], message: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert new_rule.main([*argv, "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_rule_or_file_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_rule.main(["SG001", "sg", NAME, "--root", str(tmp_path)]) == 2  # IDs are never reused
    assert "exists already" in capsys.readouterr().err and list(tmp_path.iterdir()) == []
    args = ["ZZ902", "zz", NAME, "--type", "aws_vpc", "--root", str(tmp_path)]
    assert new_rule.main(args) == 0
    rule = next((tmp_path / "policies" / "zz").glob("zz902_*.py"))
    rule.write_text("# mine\n", encoding="utf-8")
    assert new_rule.main(args) == 2
    assert rule.read_text(encoding="utf-8") == "# mine\n"
