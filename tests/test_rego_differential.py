"""Python rules vs. their Rego twins: the same (rule, address) pairs, or a documented difference.

Plans compared: every fixture plan, every plan the rule families' own tests
build (recorded by ``tests/rego_plan_recorder.py`` in a subprocess), the
difference fixtures below, and every plan of ``../shared/corpus/plans``.
A disagreement passes only when one entry of ``policies/rego/DIFFERENCES.md``
explains it; each entry has a fixture here that shows it.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS, FIXTURES, ROOT, PlanBuilder

pytest.importorskip("regopy")

from natpolicy import registry  # noqa: E402
from natpolicy.check import BaseCheck  # noqa: E402
from natpolicy.loaders.inputs import load_inputs  # noqa: E402
from natpolicy.loaders.plan_text import load_document  # noqa: E402
from natpolicy.model import ResourceModel  # noqa: E402
from natpolicy.rego.engine import RegopyEngine  # noqa: E402
from natpolicy.rego.evaluate import Progress  # noqa: E402
from natpolicy.rego.twins import Twins  # noqa: E402
from natpolicy.runner import _Scrubber, run  # noqa: E402

DIFFERENCES = ROOT / "policies" / "rego" / "DIFFERENCES.md"
RULE_TESTS = ("test_rules_sg.py", "test_rules_ebs.py", "test_rules_flow.py", "test_nat_scenarios.py",
              "test_nat_routes.py", "test_nat_examples.py")
FAMILIES = ("SG", "EBS", "FLOW", "NAT")
_WHOLE_FAMILY = re.compile(r"/0+\s*$")


@pytest.fixture(scope="module")
def checks() -> list[BaseCheck]:
    return registry.instantiate([c for c in registry.discover() if c.id.rstrip("0123456789") in FAMILIES])


@pytest.fixture(scope="module")
def twins(checks: list[BaseCheck]) -> Twins:
    return Twins.load(RegopyEngine(), checks)


Pair = tuple[str, str]


def compare(path: Path, checks: list[BaseCheck], twins: Twins) -> tuple[set[Pair], set[Pair], ResourceModel, Any]:
    model = load_inputs([str(path)])
    origin = model.facts["origins"][0]
    python = {(f.rule_id, f.address) for f in run(model, checks).findings}
    _, doc = load_document(str(path))
    found = twins.run(model, origin, None, twins.set.engine.prepare_input(doc), Progress(False, ""), _Scrubber(model))
    return python, {(f.rule_id, f.address) for f in found}, model, doc


# -- the documented differences, as predicates ---------------------------------------------
def _union(rule: str, address: str, python_only: bool, model: ResourceModel, doc: Any) -> bool:
    """D1: Python sees sources adding up to the internet; none of them is a /0."""
    if not rule.startswith("SG") or not python_only:
        return False
    from natpolicy.policies.sg._ingress import ingress_entries

    resource = model.get(address)
    sources = [s.value for e in ingress_entries(resource) for s in e.sources] if resource else []
    return bool(sources) and not any(_WHOLE_FAMILY.search(s) for s in sources)


_CROSS_MODULE = ("var.", "module.")
_FAMILY_TYPES = {
    "FLOW": ("aws_flow_log",),
    "NAT": ("aws_route", "aws_route_table", "aws_default_route_table", "aws_route_table_association",
            "aws_nat_gateway", "aws_subnet"),
}


def _module_refs(rule: str, address: str, python_only: bool, model: ResourceModel, doc: Any) -> bool:
    """D2: a reference the rule relies on crosses a module boundary (var./module.)."""
    family = rule.rstrip("0123456789")
    if family not in _FAMILY_TYPES:
        return False
    for res in model.of_type(*_FAMILY_TYPES[family]):
        expressions = res.extra.get("expressions") or {}
        if any(ref.startswith(_CROSS_MODULE) for ref in _references(expressions)):
            return True
    return False


def _references(expr: Any) -> list[str]:
    out: list[str] = []
    if isinstance(expr, dict):
        refs = expr.get("references")
        if isinstance(refs, list):
            out.extend(r for r in refs if isinstance(r, str))
        for value in expr.values():
            if isinstance(value, (dict, list)):
                out.extend(_references(value))
    elif isinstance(expr, list):
        for item in expr:
            out.extend(_references(item))
    return out


def _prior_state(rule: str, address: str, python_only: bool, model: ResourceModel, doc: Any) -> bool:
    """D3: the plan holds resources of the rule's family only in prior_state."""
    changed = {rc.get("address") for rc in doc.get("resource_changes") or () if isinstance(rc, dict)}
    family = rule.rstrip("0123456789")
    types = {t for c in registry.discover() if c.id.startswith(family) for t in c.supported_types}
    return any(res.extra.get("from_prior_state") and res.address not in changed and
               (res.type in types or res.address == address) for res in model)


EXPLANATIONS: dict[str, Callable[[str, str, bool, ResourceModel, Any], bool]] = {
    "union": _union,
    "module-refs": _module_refs,
    "prior-state": _prior_state,
}


def unexplained(python: set[Pair], rego: set[Pair], model: ResourceModel, doc: Any) -> list[str]:
    out = []
    for side, pairs in (("python only", python - rego), ("rego only", rego - python)):
        for rule, address in sorted(pairs):
            if not any(explain(rule, address, side == "python only", model, doc) for explain in EXPLANATIONS.values()):
                out.append(f"{side}: {rule} {address}")
    return out


def explained_by(python: set[Pair], rego: set[Pair], model: ResourceModel, doc: Any) -> set[str]:
    ids = set()
    for side, pairs in (("python only", python - rego), ("rego only", rego - python)):
        for rule, address in pairs:
            ids |= {k for k, f in EXPLANATIONS.items() if f(rule, address, side == "python only", model, doc)}
    return ids


# -- plans -----------------------------------------------------------------------------------
def _is_plan(path: Path) -> bool:
    head = path.read_bytes()[:4096].decode("utf-8", "ignore")
    return '"format_version"' in head or '"resource_changes"' in head or '"planned_values"' in head


def fixture_plans() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.json") if _is_plan(p))


def corpus_plans() -> list[Path]:
    base = CORPUS / "plans"
    return sorted(base.rglob("*.json")) if base.is_dir() else []


@pytest.fixture(scope="module")
def recorded_plans(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every plan the rule families' tests build, recorded by running those tests."""
    out = tmp_path_factory.mktemp("recorded")
    tests = [str(ROOT / "tests" / name) for name in RULE_TESTS if (ROOT / "tests" / name).is_file()]
    if not tests:
        pytest.skip("no rule tests to record plans from")
    env = dict(os.environ, NATPOLICY_RECORD_PLANS=str(out),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "rego_plan_recorder", "-p", "no:cacheprovider",
                    *tests], cwd=ROOT, env=env, capture_output=True, timeout=600)
    # Their own failures are their tests' business; what matters here is the plans.
    plans = sorted(out.glob("*.json"))
    assert plans, "the rule tests built no plans"
    return plans


def _check_all(paths: list[Path], checks: list[BaseCheck], twins: Twins) -> None:
    problems = []
    for path in paths:
        try:
            python, rego, model, doc = compare(path, checks, twins)
        except Exception as exc:  # a plan the loader refuses is not a differential case
            from natpolicy.errors import NatpolicyError

            if isinstance(exc, NatpolicyError) and "rego" not in str(exc):
                continue
            raise
        problems += [f"{path.name}: {p}" for p in unexplained(python, rego, model, doc)]
    assert not problems, "undocumented differences between Python rules and Rego twins:\n" + "\n".join(problems)


def test_fixture_plans_agree(checks: list[BaseCheck], twins: Twins) -> None:
    plans = fixture_plans()
    assert plans
    _check_all(plans, checks, twins)


def test_plans_of_the_rule_tests_agree(recorded_plans: list[Path], checks: list[BaseCheck], twins: Twins) -> None:
    _check_all(recorded_plans, checks, twins)


def test_corpus_plans_agree(checks: list[BaseCheck], twins: Twins) -> None:
    plans = corpus_plans()
    if not plans:
        pytest.skip("../shared/corpus/plans is not available")
    _check_all(plans, checks, twins)


# -- each documented difference, shown by a fixture -------------------------------------------
def _union_plan() -> PlanBuilder:
    block = {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr_blocks": [],
             "cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"]}
    return PlanBuilder().create("aws_security_group.split", {"name": "split", "ingress": [block], "egress": []})


def _module_refs_plan() -> PlanBuilder:
    return (PlanBuilder()
            .module_call("module.logs", "./modules/logs", inputs={"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}})
            .create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
            .create("module.logs.aws_flow_log.this", {"traffic_type": "ALL"}, unknown=["id", "vpc_id"],
                    refs={"vpc_id": ["var.vpc_id"]}))


def _prior_state_plan() -> PlanBuilder:
    return (PlanBuilder()
            .create("aws_ebs_volume.data", {"size": 20, "encrypted": False})
            .prior("aws_ebs_encryption_by_default.this", {"enabled": True, "id": "terraform-x"}))


@pytest.mark.parametrize(("difference", "build", "expected"), [
    ("union", _union_plan, ({("SG002", "aws_security_group.split")}, set())),
    ("module-refs", _module_refs_plan, (set(), {("FLOW001", "aws_vpc.main")})),
    ("prior-state", _prior_state_plan, (set(), {("EBS001", "aws_ebs_volume.data")})),
])
def test_each_documented_difference_has_a_fixture(difference: str, build: Callable[[], PlanBuilder],
                                                  expected: tuple[set[Pair], set[Pair]], tmp_path: Path,
                                                  checks: list[BaseCheck], twins: Twins) -> None:
    assert f"`{difference}`" in DIFFERENCES.read_text(encoding="utf-8")
    path = build().write(tmp_path / "plan.json")
    python, rego, model, doc = compare(path, checks, twins)
    assert (python - rego, rego - python) == expected
    assert explained_by(python, rego, model, doc) == {difference}
    assert unexplained(python, rego, model, doc) == []


def test_an_undocumented_disagreement_fails(tmp_path: Path, checks: list[BaseCheck], twins: Twins) -> None:
    path = PlanBuilder().create("aws_ebs_volume.data", {"size": 20, "encrypted": False}).write(tmp_path / "p.json")
    python, rego, model, doc = compare(path, checks, twins)
    assert python == rego == {("EBS001", "aws_ebs_volume.data")}
    # Pretend the twin missed it: no documented difference explains that.
    assert unexplained(python, set(), model, doc) == ["python only: EBS001 aws_ebs_volume.data"]
