"""Rules and loaders talk through typed fields, never string-keyed side channels (issue 15).

``Resource.extra`` and ``ResourceModel.facts`` used to carry about twenty
string keys between loaders, rules and outputs; a misspelt key read as
"absent" without a word. These tests keep them gone, keep rules importing
only the model and the check base, and pin the run-notes and memo contracts
that replaced them.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import examples
from natpolicy import registry
from natpolicy.check import GraphCheck, Note, Violation
from natpolicy.loaders.plan_json import plan_resources
from natpolicy.model import Resource, ResourceModel
from natpolicy.runner import run

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
CHECKER = ROOT / "checker"


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _natpolicy_imports(path: Path) -> list[tuple[int, str]]:
    """Every natpolicy module ``path`` imports, at any depth (lazy imports included)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "natpolicy"]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            if node.module and node.module.split(".")[0] == "natpolicy":
                found.append((node.lineno, node.module))
    return found


def test_rules_import_only_the_model_the_check_base_and_their_own_family() -> None:
    bad: list[str] = []
    for path in _modules(POLICIES):
        family = path.relative_to(POLICIES).parts[0] if len(path.relative_to(POLICIES).parts) > 1 else None
        allowed = ("natpolicy.check", "natpolicy.model")
        for line, module in _natpolicy_imports(path):
            own = family is not None and (module == f"natpolicy.policies.{family}"
                                          or module.startswith(f"natpolicy.policies.{family}."))
            if module not in allowed and not own:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


def test_the_engine_imports_no_private_module_of_a_rule_family() -> None:
    """``data.natpolicy`` reads the NAT analysis through ``policies.nat.analysis``, not ``_egress``."""
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}"
           for path in _modules(CHECKER) for line, module in _natpolicy_imports(path)
           if module.startswith("natpolicy.policies.") and any(p.startswith("_") for p in module.split(".")[2:])]
    assert not bad, "\n".join(bad)


def _string_keyed_side_channels(path: Path) -> list[str]:
    """``x.extra[...]``, ``x.facts[...]`` and ``x.extra.get(...)``-style uses in ``path``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        target: ast.expr | None = None
        if isinstance(node, ast.Subscript):
            target = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("get", "setdefault", "pop", "update")):
            target = node.func.value
        if isinstance(target, ast.Attribute) and target.attr in ("extra", "facts"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{target.attr}")
    return found


def test_no_string_keyed_side_channel_is_back() -> None:
    bad = [hit for folder in (CHECKER, POLICIES) for path in _modules(folder)
           for hit in _string_keyed_side_channels(path)]
    assert not bad, "use a typed field of Resource or RunContext instead:\n" + "\n".join(bad)


def test_the_side_channel_scan_catches_what_it_is_for(tmp_path: Path) -> None:
    sample = ROOT / "tests" / "_side_channel_sample.py"
    sample.write_text('def f(res, model):\n    res.extra["expressions"] = 1\n'
                      '    return model.facts.get("load_notes")\n', encoding="utf-8")
    try:
        assert len(_string_keyed_side_channels(sample)) == 2
    finally:
        sample.unlink()


def test_resource_and_model_have_no_untyped_bag() -> None:
    res = Resource(address="aws_vpc.a", type="aws_vpc", name="a")
    assert not hasattr(res, "extra") and not hasattr(res, "__dict__")  # slots: no per-resource dict
    assert not hasattr(ResourceModel(), "facts")


def _two_plans_of_one_state() -> ResourceModel:
    return ResourceModel([*plan_resources(examples.nat_deleted().build(), origin="nat-deleted.json"),
                          *plan_resources(examples.nat_consolidated().build(), origin="nat-consolidated.json")])


def test_rules_return_their_notes_and_leave_the_model_alone() -> None:
    model = _two_plans_of_one_state()
    result = run(model, registry.instantiate(registry.select(registry.discover(), ["NAT"])))
    # Three NAT rules notice the shared tables; the run reports it once.
    assert len(result.rule_notes) == 1
    assert result.rule_notes[0].startswith("plans nat-consolidated.json, nat-deleted.json manage the same")
    assert model.context.load_notes == [] and result.notes == []


def test_a_note_is_never_taken_for_a_violation() -> None:
    class Noting(GraphCheck):
        id = "ZZ001"

        def scan(self, model: ResourceModel) -> list[Violation | Note]:
            return [Note("b"), Note("a"), Note("b")]

    result = run(ResourceModel(), [Noting(), Noting()])
    assert result.findings == [] and result.errors == [] and result.rule_notes == ["b", "a"]


def test_memo_is_per_model_and_forgotten_when_the_model_changes() -> None:
    model, other = ResourceModel(), ResourceModel()
    calls: list[int] = []

    def make() -> int:
        calls.append(len(model))
        return len(model)

    assert model.memo(("t", 1), make) == 0 and model.memo(("t", 1), make) == 0
    assert other.memo(("t", 1), lambda: 99) == 99  # another model, another cache
    model.add(Resource(address="aws_vpc.a", type="aws_vpc", name="a"))
    assert model.memo(("t", 1), make) == 1
    assert calls == [0, 1]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_shared_state_note_follows_the_loader_notes(cli, tmp_path: Path, fmt: str) -> None:
    """The CLI still reports the NAT note once, after every loader note (byte-for-byte as before)."""
    import json

    first, second = tmp_path / "nat-deleted.json", tmp_path / "nat-consolidated.json"
    first.write_text(json.dumps(examples.nat_deleted().build()), encoding="utf-8")
    second.write_text(json.dumps(examples.nat_consolidated().build()), encoding="utf-8")
    out = cli("check", str(first), str(second), "--format", fmt).out
    assert out.count("manage the same route tables or NAT gateways") == 1
