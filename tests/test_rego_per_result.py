"""What a user policy's results cost per result, and that the shortcuts taken there change nothing.

A query's string results are made from its first one (``conftest._StringResults``) rather than read field by
field; ``UserPolicies.findings`` asks what depends on the query alone (its exception, its hint) once per query.
Each is held here to the field-by-field reading it replaced: the same results, keys, details, notes and order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.conftest import parse_results
from natpolicy.rego.evaluate import Query
from natpolicy.rego.loading import read_policy
from natpolicy.rego.results import RegoResult


def _query(rule: str = "deny") -> Query:
    policy = read_policy(Path("p.rego"), "p.rego", f'package main\n\nimport rego.v1\n\n{rule} contains "x" if true\n')
    return Query("main", rule, policy)


def _fields(result: RegoResult) -> dict[str, Any]:
    return {name: getattr(result, name) for name in RegoResult.__dataclass_fields__}  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", ["deny", "warn_tags", "violation"])
def test_string_results_are_what_each_reads_as_its_own_object(rule: str) -> None:
    """``"m"`` and ``{"msg": "m"}`` are one result to conftest: the strings' shortcut must give what the objects'
    field-by-field reading gives, key for key (repeated and empty messages too), with a details dict each."""
    messages = ["b", "a", "", "b", "c", "a", "", "d"]
    query = _query(rule)
    strings, passed = parse_results(list(messages), query, frozenset({"main/deny"}))
    objects, passed_objects = parse_results([{"msg": m} for m in messages], query, frozenset({"main/deny"}))
    assert passed == passed_objects == 2
    assert [_fields(r) for r in strings] == [_fields(r) for r in objects]
    assert len({id(r.details) for r in strings}) == len(strings)  # never one dict shared between findings
    assert len({r.key for r in strings}) == len(strings) - 2  # repeated messages share their key, as before


def test_string_results_after_an_object_result_are_still_read_as_strings() -> None:
    """Mixed values: the object's own fields never leak into the strings made after it."""
    query = _query()
    value: list[Any] = [{"msg": "o", "id": "X1", "severity": "low", "address": "aws_s3_bucket.b", "extra": 1},
                        "s1", {"msg": "p", "key": 7}, "s2"]
    mixed, _ = parse_results(value, query)
    alone = [parse_results([item], query)[0][0] for item in value]
    assert [(r.rule_id, r.severity, r.address, r.details, r.message) for r in mixed] == [
        (r.rule_id, r.severity, r.address, r.details, r.message) for r in alone]
    assert mixed[1].details == mixed[3].details == {"query": "data.main.deny"}
