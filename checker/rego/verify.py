"""``natpolicy verify``: a policy set's own ``test_`` rules, as ``conftest verify`` and ``opa test`` run them.

Every ``*.rego`` under the given paths is loaded, ``*_test.rego`` files included, and every rule
whose name starts with ``test_`` is a test: it passes when its value is ``true``, and fails when it is
anything else or undefined (``opa test``'s rule). A test that stops with an error is an error, reported
with its line, and the others still run (``opa test`` goes on too). The tests run in the same sandboxed
child, with the same guards and engines, as ``natpolicy check --policy``: what an engine would answer
differently from OPA is refused before anything runs, and a builtin that fails on an operand of the
wrong kind is undefined unless ``--strict-builtin-errors`` is given. ``input`` is empty unless a test
supplies it (``with input as {...}``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from natpolicy.errors import InputError
from natpolicy.records import record
from natpolicy.rego.evaluate import Plan, PolicySet, Query

__all__ = ["TestResult", "run_tests", "test_queries"]

_CAP_ADVICE = "iterate less in the test, or give it a smaller input"
PASS, FAIL, ERROR = "pass", "fail", "error"


@record(frozen=True)
class TestResult:
    query: Query
    outcome: str  # PASS, FAIL or ERROR
    detail: str = ""  # why it failed: its value, "undefined", or the error's line

    @property
    def name(self) -> str:
        return f"{self.query.package}.{self.query.rule}"


def test_queries(policies: Sequence[Any], pattern: str | None = None) -> list[Query]:
    """One query per ``test_`` rule of each package (a rule defined in several files is one test), in file
    order; ``pattern``: a regular expression the test's ``package.rule`` must contain (``opa test --run``)."""
    try:
        chosen = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise InputError("--run", f"not a regular expression: {exc}") from None
    out: list[Query] = []
    seen: set[tuple[str, str]] = set()
    for policy in policies:
        for rule in policy.info.rules:
            key = (policy.package, rule)
            if rule.startswith("test_") and key not in seen and (
                    chosen is None or chosen.search(f"{policy.package}.{rule}")):
                seen.add(key)
                out.append(Query(policy.package, rule, policy))
    return out


def run_tests(paths: Sequence[str], *, data_paths: Sequence[str] = (), rego_version: str = "v1",
              engine_name: str | None = None, strict_builtin_errors: bool = False, pattern: str | None = None,
              timeout: float | None = None, memory_mib: int | None = None) -> tuple[list[TestResult], list[str]]:
    """The result of each test, in order, and notes (the engine chosen by default)."""
    from natpolicy.rego.builtins import refuse_network_calls
    from natpolicy.rego.data_conflicts import refuse_data_conflicts
    from natpolicy.rego.data_files import load_data
    from natpolicy.rego.data_number_texts import refuse_kept_data_numbers
    from natpolicy.rego.engines import choose_engine
    from natpolicy.rego.evaluate import build_job, interpret
    from natpolicy.rego.guards import refuse_for_engine
    from natpolicy.rego.loading import load_policy_paths
    from natpolicy.rego.sandbox import DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, Limits, run_child

    engine, notes = choose_engine(engine_name)
    if engine == "regopy" and strict_builtin_errors:
        raise InputError("rego", "--strict-builtin-errors needs an engine that stops on a failing builtin; regopy "
                                 "1.5.2 answers undefined there: run the tests on regorus or opa")
    policies = load_policy_paths(list(paths), rego_version, include_tests=True)
    refuse_network_calls(policies)
    queries = test_queries(policies, pattern)
    if not queries:
        where = ", ".join(paths)
        raise InputError(where, "no test_ rule to run" + (f" matching --run {pattern}" if pattern else "")
                         + " (a test is a rule named test_..., usually in a *_test.rego file)")
    data = load_data(list(data_paths)) if data_paths else None
    refuse_data_conflicts(policies, data)  # as opa test refuses a rule where the data gives a value
    if data_paths:
        refuse_kept_data_numbers(policies, list(data_paths))  # `1.0` of a JSON file: OPA keeps its text
    policy_set = PolicySet(policies, queries, cap_advice=_CAP_ADVICE, data=data,
                           undefined_builtin_errors=not strict_builtin_errors)
    refuse_for_engine(policy_set.policies, engine)
    plans = [Plan("verify", {}, None)]
    job = build_job([policy_set], plans, engine)
    job["keep_going"] = True
    limits = Limits(timeout=timeout or DEFAULT_TIMEOUT, memory_mib=memory_mib or DEFAULT_MEMORY_MIB)
    outcome = run_child(job, limits)
    values = interpret(outcome, [policy_set], plans, limits, engine)[0][0]
    results = []
    for k, (query, value) in enumerate(values):
        failure = outcome.query_errors.get((0, 0, k))
        if failure is not None:
            results.append(TestResult(query, ERROR, policy_set.problem(failure).problem))
        elif value is True:
            results.append(TestResult(query, PASS))
        else:
            results.append(TestResult(query, FAIL, f"{_shown(value)}, not true"))
    return results, notes


def _shown(value: Any) -> str:
    """A failing test's value by its kind only (a value may come from a data file the run was given)."""
    from natpolicy.rego.engine import UNDEFINED

    if value is UNDEFINED:
        return "undefined"
    if value is False:
        return "false"
    kinds = ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"), (list, "a collection"),
             (dict, "an object"))
    return next((label for cls, label in kinds if isinstance(value, cls)), "null")
