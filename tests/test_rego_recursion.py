"""recursion: a rule that reaches itself through the rules it refers to, OPA's compile-time recursion error.

Each fire case is refused on both engines at the head of a rule on the cycle; those an engine answered
are run without the guard to show it. Near misses (a chain without a cycle, a rule of another package, a
local variable named like a rule, `data` as a key) stay quiet and answer.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.recursion import recursive_rules
from natpolicy.rego.source import char_line_col

FIRES = [
    # (module body, line of the first refused head, the cycle as the message shows it)
    ("x if x", 3, "(x -> x)"),
    ("x := y\ny := x", 3, "(x -> y -> x)"),
    ("f(a) := g(a)\ng(a) := f(a)\nx := f(1)", 3, "(f -> g -> f)"),
    ("f(a) := f(a - 1) if a > 0\nf(0) := 0\nx := f(3)", 3, "(f -> f)"),
    ("x := 1 if { not x }", 3, "(x -> x)"),
    ("q := 1\ny := data.p\nx := y", 4, "(y -> y)"),
    ('q := 1\nx := {k: v | some k in ["q"]; v := data.p[k]}', 4, "(x -> x)"),
    ("q := 1\nx := count(data.p)", 4, "(x -> x)"),
    ("import data.p as me\nx := me", 4, "(x -> x)"),
    ('y := 1 if input.n > 1\nelse := z\nz := y\nx := z', 3, "(y -> z -> y)"),
    ('o[k] := data.p.o.a if some k in ["b"]\nx := o', 3, "(o -> o)"),
    # `data` alone is a ref of every rule (OPA's parser makes it one): regorus answered "d", regopy stopped with
    # its own "Recursion detected in rule body"
    ('x := object.get(data, ["nosuch"], "d")', 3, "(x -> x)"),
    ("y := 1\nx := [k | some k, _ in data]", 4, "(x -> x)"),
]

# Answered on the raw engine where OPA refuses the module (regorus gave undefined, or both an object).
ANSWERED = {
    "regorus": ["q := 1\ny := data.p\nx := y", 'q := 1\nx := {k: v | some k in ["q"]; v := data.p[k]}',
                'x := object.get(data, ["nosuch"], "d")'],
    "regopy": ['q := 1\nx := {k: v | some k in ["q"]; v := data.p[k]}'],
}

QUIET = [
    ("f(a) := g(a)\ng(a) := h(a)\nh(a) := 1\nx := f(1)", 1),
    ("q := data.p.r\nr := 1\nx := q", 1),
    ('x := data.p.x2.y\nx2 := {"y": 1}', 1),
    ("x := data.p[\"x2\"]\nx2 := 1", 1),
    ('x := data.p.q.x\nq := {"x": 1}', 1),
    ("x := y if { y := 1 }\ny := 2", 1),  # a local `y`, not the rule
    ("f(x) := x\nx := f(2)", 2),  # a parameter named like the rule
    ("q contains q1 if { some q1 in [1] }\nx := [v | some v in q]", [1]),
    ("x := data.q.z", None),
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


@pytest.mark.parametrize(("body", "line", "cycle"), FIRES)
def test_a_rule_on_a_cycle_is_refused_on_both_engines(body: str, line: int, cycle: str) -> None:
    source = _module(body)
    found = list(recursive_rules(source))
    assert found, body
    offset, message = found[0]
    assert char_line_col(source, offset)[0] == line, found
    assert cycle in message and "OPA refuses the module" in message and "\n" not in message
    for engine in ("regorus", "regopy"):
        assert (offset, message) in engine_refusals(source, engine)


def test_data_alone_reaches_the_rules_of_every_loaded_file() -> None:
    # OPA's parseTermFinish (v1/ast/parser.go) makes a lone `data` the ref `data`, which reaches every rule
    # (GetRulesDynamicWithOpts), the rule reading it included: recursive wherever it is read.
    lib = "package lib\nimport rego.v1\nz := data.p.x\n"
    assert [m for _, m in recursive_rules(_module("x := 1\nw := data"), (), [lib])][0].startswith(
        "rule `w` is recursive (w -> w)")
    assert [m for _, m in recursive_rules(lib, (), [_module("x := count(data)")])][0].startswith(
        "rule `z` is recursive (z -> x -> z)")
    # near misses: `data` as a key after a dot, in a string, or as data.x... of no cycle stay quiet
    assert list(recursive_rules(_module('x := input.data\ny := {"data": 1}\nz := data.q.r'))) == []


def test_a_cycle_through_another_package_is_found() -> None:
    lib = "package lib\nimport rego.v1\nz := data.p.x\n"
    source = _module("x := data.lib.z")
    assert [m for _, m in recursive_rules(source, (), [lib])][0].startswith("rule `x` is recursive (x -> z -> x)")
    assert list(recursive_rules(lib, (), [source]))
    assert list(recursive_rules(source, (), ["package lib\nimport rego.v1\nz := 1\n"])) == []


def test_a_cycle_across_the_files_of_a_package_is_found() -> None:
    first, second = _module("x := y"), _module("y := x")
    assert list(recursive_rules(first, [second])) and list(recursive_rules(second, [first]))


@pytest.mark.parametrize("engine_name", [n for n in ("regorus", "regopy") if n in installed_engines()])
def test_without_the_guard_the_engines_answered(engine_name: str) -> None:
    engine = create_engine(engine_name)
    for body in ANSWERED[engine_name]:
        compiled = engine.compile({"p.rego": _module(body)}, None, ["p/x"])
        engine.evaluate(compiled, "p/x", engine.prepare_input({}))  # no error, where OPA refuses the module


@pytest.mark.parametrize(("body", "expected"), QUIET)
def test_chains_other_packages_and_locals_are_left_alone_and_answer(body: str, expected: object) -> None:
    source = _module(body)
    assert list(recursive_rules(source)) == []
    for name in ("regorus", "regopy"):
        if name not in installed_engines():
            continue
        assert not engine_refusals(source, name), engine_refusals(source, name)
        engine = create_engine(name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        value = engine.evaluate(compiled, "p/x", engine.prepare_input({}))
        assert value == expected or (expected is None and value not in (1, "d", [1])), value
