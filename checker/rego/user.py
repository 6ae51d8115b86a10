"""User policies (``--policy``) evaluated against one plan at a time."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from natpolicy.check import BaseCheck
from natpolicy.findings import Finding
from natpolicy.model import ResourceModel
from natpolicy.rego.builtins import refuse_network_calls
from natpolicy.rego.conftest import (
    exception_shape_note,
    exempted_rules,
    is_exempt,
    parse_results,
    plain_name_note,
    select_queries,
    unused_fields_note,
    where,
)
from natpolicy.rego.data_conflicts import refuse_data_conflicts
from natpolicy.rego.data_files import load_data
from natpolicy.rego.data_number_texts import refuse_kept_data_numbers
from natpolicy.rego.evaluate import PolicySet, Query
from natpolicy.rego.loading import load_policy_paths
from natpolicy.rego.results import RegoResult, rule_check, to_finding

__all__ = ["UserPolicies"]


class UserPolicies:
    def __init__(self, policy_set: PolicySet, builtin_ids: frozenset[str] = frozenset(),
                 notes: Sequence[str] = ()) -> None:
        self.set = policy_set
        self.builtin_ids = builtin_ids  # ids of natpolicy's own rules: a result using one is kept apart
        self.notes = list(notes)  # what loading noticed (a namespace with nothing to query), once per run

    @property
    def empty(self) -> bool:
        """Nothing to query: the set is not run at all (conftest passes such a selection)."""
        return not self.set.queries

    @property
    def wants_data(self) -> bool:
        return self.set.wants_data

    @classmethod
    def load(cls, paths: Sequence[str], namespaces: Sequence[str], all_namespaces: bool,
             builtin_ids: frozenset[str] = frozenset(), rego_version: str = "v1",
             data_paths: Sequence[str] = (), strict_builtin_errors: bool = False) -> UserPolicies:
        policies = load_policy_paths(list(paths), rego_version)
        # Every loaded file is compiled, so none may reach the network; the
        # engine checks the other calls against its builtins before running any.
        refuse_network_calls(policies)
        queries, notes = select_queries(policies, namespaces, all_namespaces)
        data = load_data(data_paths) if data_paths else None
        refuse_data_conflicts(policies, data)  # a rule where the data gives a value: OPA refuses both
        if data_paths:
            refuse_kept_data_numbers(policies, data_paths)  # `1.0` of a JSON file: OPA keeps its text
        # OPA's and conftest's default: a builtin failing on an operand of another kind is undefined.
        policy_set = PolicySet(policies, queries, data=data, undefined_builtin_errors=not strict_builtin_errors)
        return cls(policy_set, builtin_ids, notes)

    def findings(self, model: ResourceModel, origin: str, values: Sequence[tuple[Query, Any]],
                 scrub: Any) -> tuple[list[Finding], list[BaseCheck], list[str]]:
        """The findings, rules and notes of one plan's values (``interpret``'s answer for this set)."""
        raw: list[tuple[Query, list[RegoResult]]] = []  # each query's results, in the order of the values
        exempt: dict[str, set[str]] = {}
        early: list[str] = []
        passed: dict[str, int] = {}
        for query, value in values:
            if query.rule == "exception":
                exempt.setdefault(query.package, set()).update(exempted_rules(value))
                shape = exception_shape_note(value, query)
                if shape:
                    early.append(f"{origin}: {shape}")
            elif isinstance(value, bool):
                # `deny if { ... }` / `deny = true`: conftest finds no results
                # in a boolean and passes; natpolicy does the same, with a note.
                early.append(f"{origin}: {query.ref} ({where(query)}) is the boolean {str(value).lower()}, "
                             "not a set of results, and is ignored as conftest ignores it; report through "
                             f"`{query.rule} contains msg if {{ ... }}`")
            else:
                results, empty = parse_results(value, query, self.builtin_ids)
                raw.append((query, results))
                if empty:
                    passed[query.ref] = passed.get(query.ref, 0) + empty
        findings: list[Finding] = []
        checks: dict[str, BaseCheck] = {}
        skipped: dict[str, int] = {}
        named: set[str] = set()
        unused: dict[tuple[str, str], set[str]] = {}
        for query, results in raw:
            if not results:
                continue
            # What depends on the query alone is asked once per query, not once per result (6,000 results).
            names = exempt.get(query.package, set())
            if is_exempt(query.rule, names):
                skipped[query.ref] = skipped.get(query.ref, 0) + len(results)
                continue
            hint = plain_name_note(query.rule, names, query.package)
            if hint:
                named.add(hint)
            for result in results:
                if result.unused:
                    unused.setdefault((query.ref, where(query)), set()).update(result.unused)
                findings.append(to_finding(result, model, origin, scrub))
                if result.rule_id not in checks:  # one rule class per id, not one per result (6,000 results: 0.2 s)
                    checks[result.rule_id] = rule_check(result)
        notes = early + [f"{origin}: {n} result(s) of {ref} exempted by an `exception` rule"
                         for ref, n in sorted(skipped.items())]
        notes += [f"{origin}: {n} result(s) of {ref} have an empty message, which conftest counts as passed: "
                  "no finding" for ref, n in sorted(passed.items())]
        notes += [f"{origin}: {hint}" for hint in sorted(named)]
        notes += [f"{origin}: {unused_fields_note(ref, place, fields)}"
                  for (ref, place), fields in sorted(unused.items())]
        clashes = sorted({(query.ref, r.builtin_clash, r.rule_id) for query, results in raw for r in results
                          if r.builtin_clash})
        notes += [f"{origin}: {ref} returned the id {asked}, which is a built-in natpolicy rule's: "
                  f"reported as {given}, "
                  "so the built-in rule's documentation is not shown for it" for ref, asked, given in clashes]
        return findings, list(checks.values()), notes
