"""negated_operands: the operands OPA's compiler binds outside a ``not`` (a call's refs, nested calls, a
unification's ref brackets and collection elements) are bound before it, on its line, on both engines.

Each fire case is the rewrite's exact output and then OPA's answer on both engines through natpolicy's own path
(guards, rewrites, compile, evaluate); each near miss is left as written and answered alike.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.builtin_errors import guard_operands
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engine import UNDEFINED, EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.negated_operands import (
    PREFIX,
    bind_negated_operands,
    moved_names,
    negated_operand_refusals,
    original_column,
    package_refs,
)
from natpolicy.rego.regorus_negation import negations_for_regorus
from natpolicy.rego.source import scan_module

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]


def _name(source: str, operand: str) -> str:
    return f"{PREFIX}{source.index(operand)}"


def _module(body: str) -> str:
    return f"package p\n{body}\n"


# (rule, the operands bound first in their order, the rewritten rule with N0, N1 for the fresh names)
FIRES: list[tuple[str, list[str], str]] = [
    ('x if not startswith(input.missing, "a")', ["input.missing"],
     'x if { N0 := input.missing; not startswith(N0, "a") }'),
    ('x if not input.missing != "a"', ["input.missing"], 'x if { N0 := input.missing; not N0 != "a" }'),
    ('x if not startswith(lower(input.x), "a")', ["lower(input.x)"],
     'x if { N0 := lower(input.x); not startswith(N0, "a") }'),
    ("x if not count(input.rs) > 1", ["count(input.rs)"], "x if { N0 := count(input.rs); not N0 > 1 }"),
    ("x if {\n  not input.a + 1 >= input.b\n}", ["input.a + 1", "input.b"],
     "x if {\n  N0 := input.a + 1; N1 := input.b; not N0 >= N1\n}"),
    ('x if not startswith(input.rs[_].name, "a")', ["input.rs[_].name"],
     'x if { N0 := input.rs[_].name; not startswith(N0, "a") }'),
    ('x if not "a" in input.xs', ["input.xs"], 'x if { N0 := input.xs; not "a" in N0 }'),
    ("x if not (input.n > 1)", ["input.n"], "x if { N0 := input.n; not (N0 > 1) }"),
    ('x if not [input.m] == ["a"]', ["input.m"], 'x if { N0 := input.m; not [N0] == ["a"] }'),
    ('x if not {"k": input.m} == {"k": "a"}', ["input.m"], 'x if { N0 := input.m; not {"k": N0} == {"k": "a"} }'),
    ("x if not input.x[input.k]", ["input.k"], "x if { N0 := input.k; not input.x[N0] }"),
    ('x if not input.x == lower(input.y)', ["lower(input.y)"], 'x if { N0 := lower(input.y); not input.x == N0 }'),
    ('x if {\n  r := input.r\n  not startswith(r.tags.Name, "a")\n}', ["r.tags.Name"],
     'x if {\n  r := input.r\n  N0 := r.tags.Name; not startswith(N0, "a")\n}'),
    ('name := input.name\nx if not startswith(name, "a")', ["name, "],
     'name := input.name\nx if { N0 := name; not startswith(N0, "a") }'),
    ('import data.q.limit\nx if not startswith(limit, "a")', ["limit, "],
     'import data.q.limit\nx if { N0 := limit; not startswith(N0, "a") }'),
    ('x := [1 | not startswith(input.rs[_].name, "a")]', ["input.rs[_].name"],
     'x := [1 | N0 := input.rs[_].name; not startswith(N0, "a")]'),
    ('x if {\n  every r in input.rs {\n    not startswith(r.name, "a")\n  }\n}', ["r.name"],
     'x if {\n  every r in input.rs {\n    N0 := r.name; not startswith(N0, "a")\n  }\n}'),
    ('x := 1 if {\n  input.first\n} else := 2 if not endswith((input.s), "a")', ["input.s"],
     'x := 1 if {\n  input.first\n} else := 2 if { N0 := input.s; not endswith((N0), "a") }'),
    ('x if {\n  not startswith(input.x, "a") with input as {"x": "b"}\n}', ["input.x"],
     'x if {\n  N0 := input.x with input as {"x": "b"}; not startswith(N0, "a") with input as {"x": "b"}\n}'),
    ('x if not object.get(input.o, "k", false)', ["input.o"], 'x if { N0 := input.o; not object.get(N0, "k", false) }'),
    ("x if not count([v | some v in input.vs]) == 0", ["count("],
     "x if { N0 := count([v | some v in input.vs]); not N0 == 0 }"),  # a nested call, its comprehension with it
    ('x if {\n  not startswith(input.a,  # the prefix\n    input.b)\n}', ["input.a", "input.b"],
     "x if {\n  N0 := input.a; N1 := input.b; not startswith(N0,  # the prefix\n    N1)\n}"),
    # A minus the tokenizer read as a number's sign (`-1`) is `minus` here too (it raised a KeyError before).
    ("x if not count(input.rs) -1 > 1", ["count(input.rs) -1"], "x if { N0 := count(input.rs) -1; not N0 > 1 }"),
    ("x if not (input.rs[_].n + 1) > 2", ["input.rs[_].n + 1"], "x if { N0 := input.rs[_].n + 1; not (N0) > 2 }"),
]

QUIET = [
    'x if not input.missing == "a"',  # a unification keeps its refs (`==` is one)
    'x if not input.rs[_].name == "a"',  # the `_` stays the negation's own
    "x if not input.x.y",
    'x if not (input.missing == "a")',  # parentheses change nothing
    'x if {\n  some v in input.vs\n  not startswith(v, "a")\n}',  # a variable is no ref
    'f(v) if not startswith(v, "a")\nx := f("b")',  # nor a function's argument
    'x if {\n  name := input.n\n  not startswith(name, "a")\n}\nname := 1',  # a local shadows the rule
    'x if startswith(input.x, "a")',  # no `not`
    'x if not startswith("abc", "a")',
]


def _expected(source: str, operands: list[str], rewritten: str) -> str:
    out = _module(rewritten)
    for n, operand in enumerate(operands):
        out = out.replace(f"N{n}", _name(source, operand))
    return out


@pytest.mark.parametrize(("rule", "operands", "rewritten"), FIRES)
def test_the_operands_are_bound_before_the_not_on_its_line(rule: str, operands: list[str], rewritten: str) -> None:
    source = _module(rule)
    out = bind_negated_operands(source)
    assert out == _expected(source, operands, rewritten)
    assert out.count("\n") == source.count("\n")
    assert negated_operand_refusals(source) == []


@pytest.mark.parametrize("rule", QUIET)
def test_what_opa_keeps_in_the_negation_is_left_as_written(rule: str) -> None:
    source = _module(rule)
    assert bind_negated_operands(source) == source and negated_operand_refusals(source) == []


def test_the_guard_of_opas_default_mode_stays_inside_around_the_bound_name() -> None:
    source = _module('x if not startswith(input.n, "a")')
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    guarded = guard_operands(source, [call for _, call in builtin_calls([policy])], False).text
    assert "__natpolicy_if_string(input.n)" in guarded
    name = f"{PREFIX}{guarded.index('input.n')}"
    assert f'x if {{ {name} := input.n; not startswith(__natpolicy_if_string({name}), "a") }}' \
        in bind_negated_operands(guarded)


def test_regorus_negation_counts_only_a_wildcard_left_in_the_negation() -> None:
    moved = bind_negated_operands(_module('x if not startswith(input.rs[_].name, "a")'))
    assert "count([1 |" not in negations_for_regorus(moved)  # the `_` iterates outside, as in OPA
    kept = _module('x if not input.rs[_].name == "a"')
    assert bind_negated_operands(kept) == kept and "count([1 | input.rs[_].name" in negations_for_regorus(kept)


def test_a_rule_of_another_module_of_the_package_is_a_ref() -> None:
    modules = {"a.rego": _module('x if not startswith(name, "a")'), "b.rego": "package p\nname := input.name\n",
               "c.rego": "package q\nother := 1\n"}
    refs = package_refs(modules)
    assert "name" in refs["a.rego"] and "other" not in refs["a.rego"]
    assert bind_negated_operands(modules["a.rego"], refs["a.rego"]) != modules["a.rego"]
    assert bind_negated_operands(modules["a.rego"], refs["c.rego"]) == modules["a.rego"]  # there a variable


def test_the_fresh_name_is_one_the_policy_does_not_spell() -> None:
    source = _module('x if {\n  not startswith(input.a, "b")\n  y := 1\n}')
    taken = _name(source, "input.a")
    source = source.replace("y := 1", f"{taken} := 1")
    assert f'{taken}_ := input.a; not startswith({taken}_, "b")' in bind_negated_operands(source)


def test_the_names_of_a_ref_bound_as_it_is_are_known_to_regopys_guard() -> None:
    source = _module('x if not startswith(input.rs[_].name, "a")\ny if not startswith(lower(input.rs[_].n), "a")\n'
                     'z if not startswith(lower(input.m[input.idx[_]]), "a")')
    # the nested call's `_` too, which regopy_hoist then hoists out of its binding; not one it leaves in place
    assert moved_names(source) == {source.index("[_]") + 1, source.index("[_].n)") + 1}
    assert engine_refusals(source.split("\nz if")[0] + "\n", "regopy") == []
    assert any("`_`" in message for _, message in engine_refusals(source, "regopy"))
    # In an `every` body regopy 1.5.2 stops a body iterating beside a `not`: the guard still refuses it there.
    every = _module('x if {\n  every p in input.ps {\n    not startswith(input.rs[_].name, p)\n  }\n}')
    assert moved_names(every) == frozenset()
    assert any("`_`" in message for _, message in engine_refusals(every, "regopy"))
    assert engine_refusals(every, "regorus") == []


def test_a_column_of_the_rewritten_line_is_the_policys_own() -> None:
    source = _module('x if {\n  y := 1; not startswith(lower(input.n), "a") with input as {}\n}')
    rewritten, policy = bind_negated_operands(source).splitlines()[2], source.splitlines()[2]
    for word in ("y := 1", "startswith", '"a"', "with input"):  # before the bindings, and after them
        assert original_column(source, None, 3, rewritten.rindex(word) + 1) == policy.index(word) + 1
    # in a binding: its operand's own place; in its name or its `with`, the `not`'s
    assert original_column(source, None, 3, rewritten.index("input.n") + 1) == policy.index("input.n") + 1
    assert original_column(source, None, 3, rewritten.index(PREFIX) + 1) == policy.index("not") + 1
    assert original_column(source, None, 3, rewritten.index("with") + 1) == policy.index("not") + 1


@pytest.mark.parametrize("rule", [
    'x if {\n  not startswith(lower(`a\nb`), input.x)\n}',  # a raw string holding a line break
    "x if {\n  not input.a +\n    1 > input.b\n}",  # an operand over lines outside brackets
])
def test_what_cannot_be_written_on_one_line_is_refused_on_its_line(rule: str) -> None:
    source = _module(rule)
    refusals = negated_operand_refusals(source)
    assert [offset for offset, _ in refusals] == [source.index("not")]
    assert "outside the `not`" in refusals[0][1]
    for engine in ("regorus", "regopy"):
        assert any(offset == source.index("not") for offset, _ in engine_refusals(source, engine))


def test_collections_nested_past_the_limit_are_refused_not_recursed_into() -> None:
    deep = "[" * 2000 + "input.x" + "]" * 2000  # past Python's recursion limit, were each level a call
    source = _module(f"x if not f({deep})\nf(v) if v")
    assert bind_negated_operands(source) == source
    assert [offset for offset, _ in negated_operand_refusals(source)] == [source.index("not")]
    shallow = _module(f"x if not f({'[' * 50}input.x{']' * 50})\nf(v) if v")
    assert bind_negated_operands(shallow) != shallow and negated_operand_refusals(shallow) == []


# (rule, input, OPA's answer): what both engines answered otherwise before the rewrite, and near misses.
ANSWERS: list[tuple[str, dict[str, Any], Any]] = [
    ('x if not startswith(input.missing, "a")', {}, UNDEFINED),
    ('x if not startswith(input.present, "a")', {"present": "b"}, True),
    ('x if not input.count > 5', {}, UNDEFINED),
    ('x if not input.count > 5', {"count": 3}, True),
    ('x if not startswith(lower(input.missing), "a")', {}, UNDEFINED),
    ('x if not startswith(input.rs[_].name, "a")', {"rs": [{"name": "ab"}, {"name": "zz"}]}, True),
    ('x if not startswith(input.rs[_].name, "a")', {"rs": [{"name": "ab"}, {"name": "ac"}]}, UNDEFINED),
    ('x if not startswith(lower(input.rs[_].name), "a")', {"rs": [{"name": "AB"}, {"name": "ZZ"}]}, True),
    ('x if not startswith(lower(input.rs[_].name), "a")', {"rs": [{"name": "AB"}]}, UNDEFINED),
    ('x if not input.rs[_].name == "ab"', {"rs": [{"name": "ab"}, {"name": "zz"}]}, UNDEFINED),
    ('is_a(v) if startswith(v, "a")\nx if not is_a(input.missing)', {}, UNDEFINED),
    ('x if not input.missing == "a"', {}, True),
    ('x contains r.id if {\n  some r in input.rs\n  not startswith(r.tags.Name, "a")\n}',
     {"rs": [{"id": 1, "tags": {}}, {"id": 2, "tags": {"Name": "b"}}, {"id": 3, "tags": {"Name": "a"}}]}, [2]),
    # An infix operator nested in the operands is a call OPA binds outside, with the variable of its ref.
    ("x contains i if not (input.rs[i].n + 1) > 2", {"rs": [{"n": 1}, {}, {"n": 7}]}, [0]),
    ("x contains i if not input.rs[i].n * 2 == 2", {"rs": [{"n": 1}, {}, {"n": 7}]}, [2]),
    ("x if not count(input.rs) -1 > 1", {"rs": [1, 2]}, True),
    ("x if not count(input.rs) -1 > 1", {"rs": [1, 2, 3]}, UNDEFINED),
]


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("rule", "document", "opa"), ANSWERS)
def test_both_engines_answer_as_opa(engine_name: str, rule: str, document: dict[str, Any], opa: Any) -> None:
    source = _module(rule)
    assert engine_refusals(source, engine_name) == []
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input(document)) == opa


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_a_stop_inside_a_rewritten_statement_names_the_policy_line() -> None:
    # lower(5) fails in the binding moved before the `not`, on the `not`'s own line (4): regorus stops there
    # (OPA's strict mode; regopy answers builtin errors in the default mode only).
    source = _module('y := 1\nx if {\n  not startswith(lower(input.n), "a")\n}')
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(compiled, "p/x", engine.prepare_input({"n": 5}))
    location = re.match(r"p\.rego:(\d+):(\d+): ", caught.value.message)
    assert location is not None, caught.value.message
    line = source.splitlines()[3]
    # The column is the policy's own, inside the operand (`lower(input.n)`), not the binding's in the rewrite.
    assert int(location.group(1)) == 4 and line.index("(lower") < int(location.group(2)) <= line.index(", \"a\"")
    assert "lower" in caught.value.message


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_a_stop_in_the_negated_call_itself_names_its_operand_column() -> None:
    source = _module('x if not startswith(input.n, "a")')
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(compiled, "p/x", engine.prepare_input({"n": 5}))
    column = source.splitlines()[1].index("input.n") + 1
    assert caught.value.message.startswith(f"p.rego:2:{column}: "), caught.value.message
