"""rule_conflicts: one name defined as a whole value and by parts, OPA's "conflicting rules".

Each fire case is refused on both engines at the later definition; the ones regorus (or both engines) answered
are run without the guard to show it. Near misses (one kind, defaults, ref heads with other keys, functions)
stay quiet.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.engines import installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.rule_conflicts import rule_conflicts
from natpolicy.rego.source import char_line_col

FIRES = [
    # (module body, line of the refused head, did regorus answer it without the guard)
    ('default a := []\na contains 1\nx := a', 4, True),
    ('a contains 1\na := {1}\nx := a', 4, True),
    ('default a := {}\na[k] := 1 if some k in ["x"]\nx := a', 4, True),
    ('a.b := 1\na := {"b": 1}\nx := a', 4, True),
    ('a[k] := 1 if some k in ["c"]\na contains "d"\nx := a', 4, False),
    ('a contains 1\na.q := 42\nx := a', 4, False),
]

QUIET = [
    'default a.b := 0\na[k] := 1 if some k in ["c"]\nx := a',
    "a contains 1\na contains 2\nx := a",
    "default a := 1\na := 2 if input.y\nx := a",
    "a.b := 1\na.c := 2\nx := a",
    "a[y] if y := 1\na contains 2\nx := a",  # `a[y] if` is an object in v1, a set in v0: left to the engines
    "a := 1 if input.x else := 2\nx := a",
    'deny contains m if { m := "a" }\ndeny contains m if { m := "b" }\nx := deny',
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


@pytest.mark.parametrize(("body", "line", "answered"), FIRES)
def test_a_name_of_two_kinds_is_refused_on_both_engines_at_the_later_head(body: str, line: int,
                                                                         answered: bool) -> None:
    source = _module(body)
    found = list(rule_conflicts(source))
    assert len(found) == 1, found
    offset, message = found[0]
    assert char_line_col(source, offset)[0] == line and "OPA refuses the module" in message and "data.p.a" in message
    for engine in ("regorus", "regopy"):
        assert (offset, message) in engine_refusals(source, engine)


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")
@pytest.mark.parametrize(("body", "line", "answered"), [f for f in FIRES if f[2]])
def test_without_the_guard_regorus_answered(body: str, line: int, answered: bool,
                                            raw_regorus: Callable[[], Any]) -> None:
    engine = raw_regorus()
    engine.add_policy("p.rego", _module(body))
    engine.eval_rule("data.p.x")  # no error: an answer where OPA refuses the module


def test_a_conflict_across_the_files_of_a_package_is_found() -> None:
    first, second = _module("a contains 1"), _module("a := {1}")
    assert list(rule_conflicts(second, [first])) and list(rule_conflicts(first, [second]))
    assert not list(rule_conflicts(second, [_module("b contains 1")]))


@pytest.mark.parametrize("body", QUIET)
def test_one_kind_defaults_and_other_keys_are_left_alone(body: str) -> None:
    assert list(rule_conflicts(_module(body))) == []
