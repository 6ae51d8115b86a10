"""Python rules vs. their Rego twins: the same (rule, address, severity), or a documented difference.

Plans compared: every fixture plan, every plan the rule families' own tests
build (recorded by ``tests/rego_plan_recorder.py`` in a subprocess), the
difference fixtures below, and every plan of ``../shared/corpus/plans`` and
``../shared/corpus/checkov-plans``. A (rule, address) pair on one side only
passes only when one entry of ``policies/rego/DIFFERENCES.md`` explains it
*for that address*; each entry has a fixture here that shows it. A pair both
sides report must carry the same severities; no entry excuses that.
"""
from __future__ import annotations

import functools
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
from natpolicy.check import BaseCheck, rule_family  # noqa: E402
from natpolicy.loaders.inputs import load_inputs  # noqa: E402
from natpolicy.loaders.plan_text import load_document  # noqa: E402
from natpolicy.model import ResourceModel  # noqa: E402
from natpolicy.rego.engine_regopy import RegopyEngine  # noqa: E402
from natpolicy.rego.evaluate import Plan, build_job, interpret  # noqa: E402
from natpolicy.rego.sandbox import Limits, run_in_process  # noqa: E402
from natpolicy.rego.twins import Twins  # noqa: E402
from natpolicy.runner import Scrubber, run  # noqa: E402

DIFFERENCES = ROOT / "policies" / "rego" / "DIFFERENCES.md"
# The rules' own tests: a family's file, one rule's file (scripts/new_rule.py writes those) and the NAT files.
RULE_TESTS = tuple(sorted(p.name for pattern in ("test_rules_*.py", "test_rule_*.py", "test_nat_*.py")
                          for p in (ROOT / "tests").glob(pattern)))
_WHOLE_FAMILY = re.compile(r"/0+\s*$")


@pytest.fixture(scope="module")
def checks() -> list[BaseCheck]:
    return registry.instantiate(registry.discover())  # every rule has a twin (tests/test_rego_twins.py)


@pytest.fixture(scope="module")
def twins(checks: list[BaseCheck]) -> Twins:
    return Twins.load(checks)


@functools.cache
def _engine() -> Any:
    """The engine a run uses by default: regorus where it installs (and about twice as fast here), else regopy."""
    try:
        from natpolicy.rego.engine_regorus import RegorusEngine

        return RegorusEngine()
    except ImportError:
        return RegopyEngine()


def _values(plans: list[Plan], twins: Twins) -> Any:
    # No fallback: regorus' "duplicated definition of local variable" (a `some j` run twice in one
    # body) is worked around by natpolicy.rego.regorus_some, so every plan runs on the default engine.
    job = build_job([twins.set], plans)
    return interpret(run_in_process(_engine(), job), [twins.set], plans, Limits())


Pair = tuple[str, str]
Triple = tuple[str, str, str]  # rule, address, severity


def compare(path: Path, checks: list[BaseCheck], twins: Twins) -> tuple[set[Triple], set[Triple], ResourceModel, Any]:
    model = load_inputs([str(path)])
    origin = model.context.origins[0]
    python = {(f.rule_id, f.address, f.severity.label) for f in run(model, checks).findings}
    _, doc = load_document(str(path))
    # The engine in this process: the same job and the same reading of its
    # answers as the child process of a run, without starting one per plan.
    plans = [Plan(origin, doc, None)]
    values = _values(plans, twins)
    found = twins.findings(model, origin, values[0][0], Scrubber(model))
    return python, {(f.rule_id, f.address, f.severity.label) for f in found}, model, doc


def pairs_of(triples: set[Triple]) -> set[Pair]:
    return {(rule, address) for rule, address, _ in triples}


# -- what an address is joined with: the scope a documented difference must touch -------------
_JOINED_TYPES = {
    "FLOW": ("aws_vpc", "aws_flow_log"),
    "NAT": ("aws_nat_gateway", "aws_route", "aws_route_table", "aws_default_route_table",
            "aws_route_table_association", "aws_main_route_table_association", "aws_subnet",
            "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_vpc"),
    "SG": ("aws_security_group", "aws_default_security_group", "aws_security_group_rule",
           "aws_vpc_security_group_ingress_rule"),
    "EBS": ("aws_ebs_volume", "aws_instance", "aws_launch_template", "aws_launch_configuration",
            "aws_volume_attachment"),
}
# Settings that hold for every resource of the family in the account.
_ACCOUNT_WIDE = {"EBS": ("aws_ebs_encryption_by_default",)}


def joined(model: ResourceModel, address: str, rule: str) -> list[Any]:
    """The resources the rule's verdict on ``address`` can depend on.

    The connected part of the family's resources around ``address``, linked
    by resolved references and by attribute values equal to another
    resource's id (in either direction), plus the family's account-wide
    settings.
    """
    family = rule_family(rule)
    start = model.get(address)
    if start is None:
        return []
    types = set(_JOINED_TYPES.get(family, ())) | {start.type}
    pool = [r for r in model if r.type in types and r.origin == start.origin]
    neighbours: dict[int, set[int]] = {id(r): set() for r in pool}
    by_key = {id(r): r for r in pool}
    for res in pool:
        linked = list(model.referenced(res))
        for value in _strings(res.values):
            linked.extend(model.by_id(value))
        for other in linked:
            if id(other) in neighbours and other is not res:
                neighbours[id(res)].add(id(other))
                neighbours[id(other)].add(id(res))
    seen, todo = {id(start)}, [id(start)]
    while todo:
        for nxt in neighbours.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    wide = [r for r in model.of_type(*_ACCOUNT_WIDE.get(family, ())) if r.origin == start.origin]
    return [by_key[k] for k in seen if k in by_key] + ([start] if id(start) not in by_key else []) + wide


def _strings(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value]
    if depth > 3:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


# -- the documented differences, as predicates ---------------------------------------------
def _union(rule: str, address: str, python_only: bool, model: ResourceModel, doc: Any) -> bool:
    """D1: Python reports sources adding up to the internet (in one entry or across a group's); none is a /0."""
    if not rule.startswith("SG") or not python_only:
        return False
    from natpolicy.policies.sg._ingress import open_exposures

    resource = model.get(address)
    grade = registry.find(rule).grade  # type: ignore[attr-defined]
    return resource is not None and any(
        e.grade == grade and not any(_WHOLE_FAMILY.search(s.value) for s in e.sources)
        for e in open_exposures(resource, model))


_CROSS_MODULE = ("var.", "module.")
_FAMILY_TYPES = {
    "FLOW": ("aws_flow_log",),
    "NAT": ("aws_route", "aws_route_table", "aws_default_route_table", "aws_route_table_association",
            "aws_nat_gateway", "aws_subnet"),
}


def _module_refs(rule: str, address: str, python_only: bool, model: ResourceModel, doc: Any) -> bool:
    """D2: a reference joined with this address crosses a module boundary (var./module.)."""
    if rule_family(rule) not in _FAMILY_TYPES:
        return False
    for res in joined(model, address, rule):
        expressions = res.expressions or {}
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
    """D3: this address, or a resource joined with it, is only in prior_state."""
    changed = {rc.get("address") for rc in doc.get("resource_changes") or () if isinstance(rc, dict)}
    return any(res.from_prior_state and res.address not in changed
               for res in joined(model, address, rule))


EXPLANATIONS: dict[str, Callable[[str, str, bool, ResourceModel, Any], bool]] = {
    "union": _union,
    "module-refs": _module_refs,
    "prior-state": _prior_state,
}


def unexplained(python: set[Triple], rego: set[Triple], model: ResourceModel, doc: Any) -> list[str]:
    out = []
    py_pairs, rego_pairs = pairs_of(python), pairs_of(rego)
    for side, pairs in (("python only", py_pairs - rego_pairs), ("rego only", rego_pairs - py_pairs)):
        for rule, address in sorted(pairs):
            if not any(explain(rule, address, side == "python only", model, doc) for explain in EXPLANATIONS.values()):
                out.append(f"{side}: {rule} {address}")
    for rule, address in sorted(py_pairs & rego_pairs):
        py_sev = sorted(s for r, a, s in python if (r, a) == (rule, address))
        rego_sev = sorted(s for r, a, s in rego if (r, a) == (rule, address))
        if py_sev != rego_sev:
            out.append(f"severity differs: {rule} {address} python {py_sev} rego {rego_sev}")
    return out


def explained_by(python: set[Triple], rego: set[Triple], model: ResourceModel, doc: Any) -> set[str]:
    ids = set()
    py_pairs, rego_pairs = pairs_of(python), pairs_of(rego)
    for side, pairs in (("python only", py_pairs - rego_pairs), ("rego only", rego_pairs - py_pairs)):
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


def checkov_corpus_plans() -> list[Path]:
    """The plans of Checkov's own tests (``../shared/corpus/checkov-plans``)."""
    base = CORPUS / "checkov-plans"
    return sorted(p for p in base.rglob("*.json") if _is_plan(p)) if base.is_dir() else []


@pytest.fixture(scope="module")
def recorded_plans(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every plan the rule families' tests build, recorded by running those tests."""
    out = tmp_path_factory.mktemp("recorded")
    tests = [str(ROOT / "tests" / name) for name in RULE_TESTS if (ROOT / "tests" / name).is_file()]
    if not tests:
        pytest.skip("no rule tests to record plans from")
    env = dict(os.environ, NATPOLICY_RECORD_PLANS=str(out),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    # -n 0: one process (this test already holds a worker); the recorder plugin lives in it.
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "rego_plan_recorder", "-p", "no:cacheprovider",
                    *tests], cwd=ROOT, env=env, capture_output=True, timeout=600)
    # Their own failures are their tests' business; what matters here is the plans.
    plans = sorted(out.glob("*.json"))
    assert plans, "the rule tests built no plans"
    return plans


Compared = tuple[set[Triple], set[Triple], ResourceModel, Any]
BATCH = 40  # plans per engine job


def compare_batch(paths: list[Path], checks: list[BaseCheck], twins: Twins) -> list[Compared | Exception]:
    """:func:`compare` for many plans, in one engine job per batch: the twins are compiled once per
    job (about 0.2 s, most of what a small plan costs) instead of once per plan. A plan the engine
    fails on makes its batch fall back to one job per plan, so the failure is that plan's alone."""
    out: list[Compared | Exception] = []
    for start in range(0, len(paths), BATCH):
        batch = paths[start:start + BATCH]
        loaded: list[tuple[int, ResourceModel, str, Any, set[Triple]]] = []
        results: list[Compared | Exception | None] = [None] * len(batch)
        for i, path in enumerate(batch):
            try:
                model = load_inputs([str(path)])
                python = {(f.rule_id, f.address, f.severity.label) for f in run(model, checks).findings}
                _, doc = load_document(str(path))
            except Exception as exc:
                results[i] = exc
                continue
            loaded.append((i, model, model.context.origins[0], doc, python))
        plans = [Plan(origin, doc, None) for _, _, origin, doc, _ in loaded]
        try:
            values = _values(plans, twins)  # a failing batch goes plan by plan, below
        except Exception:
            for i, _, _, _, _ in loaded:
                try:
                    results[i] = compare(batch[i], checks, twins)
                except Exception as exc:
                    results[i] = exc
        else:
            for j, (i, model, origin, doc, python) in enumerate(loaded):
                found = twins.findings(model, origin, values[0][j], Scrubber(model))
                results[i] = (python, {(f.rule_id, f.address, f.severity.label) for f in found}, model, doc)
        out += [r for r in results if r is not None]
    return out


def _check_all(paths: list[Path], checks: list[BaseCheck], twins: Twins) -> None:
    problems = []
    for path, compared in zip(paths, compare_batch(paths, checks, twins), strict=True):
        if isinstance(compared, Exception):  # a plan the loader refuses is not a differential case
            from natpolicy.errors import NatpolicyError

            if isinstance(compared, NatpolicyError) and "rego" not in str(compared):
                continue
            raise compared
        python, rego, model, doc = compared
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


def test_checkov_corpus_plans_agree(checks: list[BaseCheck], twins: Twins) -> None:
    plans = checkov_corpus_plans()
    if not plans:
        pytest.skip("../shared/corpus/checkov-plans is not available")
    _check_all(plans, checks, twins)


# -- each documented difference, shown by a fixture -------------------------------------------
def _union_plan() -> PlanBuilder:
    block = {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr_blocks": [],
             "cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"]}
    # Also across entries of one group: two rules, each half of the internet.
    halves = [{"type": "ingress", "security_group_id": "sg-0123", "protocol": "tcp", "from_port": 3389,
               "to_port": 3389, "cidr_blocks": [cidr]} for cidr in ("0.0.0.0/1", "128.0.0.0/1")]
    return (PlanBuilder().create("aws_security_group.split", {"name": "split", "ingress": [block], "egress": []})
            .create("aws_security_group_rule.half_a", halves[0]).create("aws_security_group_rule.half_b", halves[1]))


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
    ("union", _union_plan, ({("SG002", "aws_security_group.split"), ("SG002", "aws_security_group_rule.half_a")},
                            set())),
    ("module-refs", _module_refs_plan, (set(), {("FLOW001", "aws_vpc.main")})),
    ("prior-state", _prior_state_plan, (set(), {("EBS001", "aws_ebs_volume.data")})),
])
def test_each_documented_difference_has_a_fixture(difference: str, build: Callable[[], PlanBuilder],
                                                  expected: tuple[set[Pair], set[Pair]], tmp_path: Path,
                                                  checks: list[BaseCheck], twins: Twins) -> None:
    assert f"`{difference}`" in DIFFERENCES.read_text(encoding="utf-8")
    path = build().write(tmp_path / "plan.json")
    python, rego, model, doc = compare(path, checks, twins)
    assert (pairs_of(python) - pairs_of(rego), pairs_of(rego) - pairs_of(python)) == expected
    assert explained_by(python, rego, model, doc) == {difference}
    assert unexplained(python, rego, model, doc) == []


def test_an_undocumented_disagreement_fails(tmp_path: Path, checks: list[BaseCheck], twins: Twins) -> None:
    path = PlanBuilder().create("aws_ebs_volume.data", {"size": 20, "encrypted": False}).write(tmp_path / "p.json")
    python, rego, model, doc = compare(path, checks, twins)
    assert pairs_of(python) == pairs_of(rego) == {("EBS001", "aws_ebs_volume.data")}
    assert python == rego  # severities too
    # Pretend the twin missed it: no documented difference explains that.
    assert unexplained(python, set(), model, doc) == ["python only: EBS001 aws_ebs_volume.data"]
    # Or that it reported another severity: nothing explains that either.
    (rule, address, severity), = python
    other = "low" if severity != "low" else "high"
    assert unexplained(python, {(rule, address, other)}, model, doc) == [
        f"severity differs: EBS001 aws_ebs_volume.data python ['{severity}'] rego ['{other}']"]


def _two_modules_plan() -> PlanBuilder:
    """The module-refs fixture, plus an unrelated root VPC whose flow log the twin cannot see either."""
    return (_module_refs_plan()
            .create("aws_vpc.other", {"cidr_block": "10.1.0.0/16"}, unknown=["id"])
            .create("aws_ebs_volume.data", {"size": 20, "encrypted": False}))


def test_documented_differences_explain_only_the_addresses_they_touch(tmp_path: Path, checks: list[BaseCheck],
                                                                        twins: Twins) -> None:
    path = _two_modules_plan().write(tmp_path / "plan.json")
    python, rego, model, doc = compare(path, checks, twins)
    # The cross-module flow log explains aws_vpc.main, which it watches...
    assert _module_refs("FLOW001", "aws_vpc.main", False, model, doc)
    # ...not another VPC of the same plan, nor another family.
    assert not _module_refs("FLOW001", "aws_vpc.other", False, model, doc)
    assert not _module_refs("NAT001", "aws_vpc.other", True, model, doc)
    assert ("FLOW001", "aws_vpc.other") in pairs_of(python) & pairs_of(rego)  # both report it
    assert unexplained(python, {t for t in rego if t[1] != "aws_vpc.other"}, model, doc) == [
        "python only: FLOW001 aws_vpc.other"]


def test_prior_state_explains_only_what_is_joined_with_it(tmp_path: Path, checks: list[BaseCheck],
                                                          twins: Twins) -> None:
    path = (_prior_state_plan()
            .create("aws_security_group.open", {"name": "open", "egress": [], "ingress": [
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"],
                 "ipv6_cidr_blocks": []}]})
            .prior("aws_security_group.legacy", {"name": "legacy", "id": "sg-legacy", "ingress": [], "egress": []})
            .write(tmp_path / "plan.json"))
    python, rego, model, doc = compare(path, checks, twins)
    # The account's default encryption (prior_state only) bears on every volume...
    assert _prior_state("EBS001", "aws_ebs_volume.data", False, model, doc)
    # ...but another, unrelated security group only in prior_state explains nothing about this one.
    assert not _prior_state("SG002", "aws_security_group.open", True, model, doc)
    assert _prior_state("SG002", "aws_security_group.legacy", True, model, doc)
    assert unexplained(python - {t for t in python if t[0] == "SG002"}, rego, model, doc) == [
        "rego only: SG002 aws_security_group.open"]
