"""regopy_first_binding: a variable first bound inside a call's argument or a collection literal.

regopy 1.5.2 binds nothing there, so the rule is silently undefined where OPA (and regorus) bind it. Most such
refs regopy_hoist binds before their statement (tests/test_regopy_hoist.py); what it leaves in place is refused
here, with the reason. Each fire case is run on the real regopy without the guard to show the silent miss, then
refused with its line; each near miss must stay quiet.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_first_binding import HEAD_TERM, first_bound_inside, move_head_terms
from natpolicy.rego.source import char_line_col

DOC = {"rs": [{"type": "aws_vpc", "names": ["aws_a", "b"], "ns": [1, 5]}, {"type": "aws_eip", "names": ["aws_c"],
                                                                         "ns": [3]}, {"type": "x", "ns": [2]}],
       "arr": ["c", "a", "b"], "idx": ["a", "z", "b"], "m": {"a": "x", "b": "y"}, "s": "a,b,ab"}

FIRES = [
    # (rule x's body, the variable, what it is inside and why it stays there, OPA's answer)
    ('x if {\n  every r in input.rs { startswith(r.names[k], "aws_") }\n}', "k",
     "the argument of startswith(...), in an `every` body", True),
    ('x contains i if {\n  upper(input.m[input.idx[i]]) == "X"\n}', "i",
     "the argument of upper(...), inside another ref's brackets", [0]),
    ('x contains i if {\n  startswith(split(input.s, ",")[i], "a")\n}', "i",
     "the argument of startswith(...), in a ref rooted at a call", [0, 2]),
    ('x if {\n  every r in input.rs { r.ns[k] * 2 > 8 }\n}', "k", "arithmetic (`+ - * /`), in an `every` body", True),
    # inside another ref's brackets regopy binds nothing, even on the right of := (the miss was silent)
    ('x contains [i, v] if {\n  v := input.m[input.idx[i]]\n}', "i", "another ref's brackets", [[0, "x"], [2, "y"]]),
    # a comprehension's head reads what its body binds (it was taken for the first place, and the miss was silent)
    ('x := [input.idx[i] | upper(input.m[input.idx[i]]) == "X"]', "i",
     "the argument of upper(...), inside another ref's brackets", ["a"]),
    ('x contains input.m[input.idx[i]] if {\n  some i\n}', "i", "another ref's brackets", ["x", "y"]),
]
# The input of the `every` cases: each resource has a matching key, so OPA answers true there.
EVERY_DOC = {"rs": [{"names": ["aws_a"], "ns": [9]}, {"names": ["b", "aws_c"], "ns": [1, 5]}]}

QUIET = [
    # bound before the call or literal, by a ref, `some ... in`, a function's argument or a rule of the package
    'x contains i if {\n  input.rs[i]\n  startswith(input.rs[i].type, "aws_")\n}',
    'x contains i if {\n  some i, r in input.rs\n  startswith(input.rs[i].type, "aws_")\n}',
    'f(i) := [input.arr[i]]\nx := f(1)',
    'n := 1\nx := [input.arr[n]]',
    'x := [[input.arr[i], i] | some i; input.arr[i]]',  # bound in the comprehension's own body
    'x := [t | t := upper(input.arr[_])]',  # `_` in a call: guards' own check (tests/test_rego_conformance.py)
    'x contains input.arr[i] if {\n  some i\n}',  # a ref head alone: regopy binds it
    'x := {"b": input.arr[0], "a": 2}',  # constant brackets
    'x[input.arr[i]] := i if {\n  some i\n}',  # the rule's own name is no other ref: regopy binds it
    'x := [k | {"b": 1, "a": 2}[k]]',  # a literal iterated, not a variable inside it
    'x contains i if {\n  v := input.arr[i]\n  startswith(v, "a")\n}',
    # first bound inside a call or literal, but bound before the statement by regopy_hoist
    'x contains i if {\n  startswith(input.rs[i].type, "aws_")\n}',
    'x contains k if {\n  lower(input.arr[k]) == "a"\n}',
    'x contains i if {\n  [input.arr[i]] == ["a"]\n}',
    'x := [j | some j\n  v := {"k": input.arr[j]}]',
    'x contains v if {\n  i > 0\n  v := input.arr[i]\n}',  # a read first, then a ref regopy binds
    # a head term moved to the end of its body (move_head_terms), where regopy_hoist binds it
    'x contains [input.arr[i], i] if {\n  some i\n}',
]
# Head terms OPA's compiler moves to the end of the body, as move_head_terms does for regopy: (rule x, answer).
# The first is conftest's own examples/terraform/policy/gke.rego, refused on regopy before.
MOVED = [
    ('x contains sprintf("missing %s %v", [input.rs[i].type, input.rs[i].ns[0]]) if {\n  not input.none\n}',
     ["missing aws_eip 3", "missing aws_vpc 1", "missing x 2"]),
    ('x contains sprintf("%s", [\n  input.arr[i]]) if { not input.none }\ny := 2', ["a", "b", "c"]),
    ('x := {"t": input.arr[i]} if {\n  input.arr[i] == "b"\n}', {"t": "b"}),
    ('x = [upper(input.idx[i])] if {\n  input.idx[i] == "z"\n}', ["Z"]),
    # arithmetic is a call to OPA's compiler too: refused on regopy until 2026-12-07 (residue30)
    ('x contains input.rs[i].ns[0] + i if { i > 0 }', [4]),
    ('x := 1 + input.rs[i].ns[0] if { input.rs[i].type == "x" } else := 7', 3),
]

# A read that cannot bind (`i > 0`) first, then a ref inside a literal, a call or arithmetic: OPA's safety
# reordering binds i there first; regopy answered nothing (refused since, for a literal or a call; silent for
# arithmetic, found by rego_differential --heads --default-mode, seed 43002). regopy_hoist now binds the ref
# before its statement, and regopy reorders the read after it, as OPA does: (rule x, answer).
AFTER_A_READ = [
    ('x contains v if {\n  i > 0\n  v := {"t": input.arr[i]}\n}', [{"t": "a"}, {"t": "b"}]),
    ('x contains {"a": input.arr[i]} if {\n  some i\n  i > 0\n}', [{"a": "a"}, {"a": "b"}]),
    ('x[i] := input.rs[i].ns[0] + i if { i > 0 }', {"1": 4, "2": 4}),
    ('x[sprintf("k%d", [i])] := input.rs[i].ns[0] * 2 if { i > 0 }', {"k1": 6, "k2": 4}),
    ('x contains v if {\n  i > 0\n  v := abs(input.rs[i].ns[0])\n}', [2, 3]),
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


@pytest.mark.parametrize(("body", "name", "inside", "opa"), FIRES)
def test_first_bindings_inside_are_refused_with_their_line(body: str, name: str, inside: str, opa: Any) -> None:
    source = _module(body)
    found = list(first_bound_inside(source, {"x"}))
    assert len(found) == 1, found
    offset, message = found[0]
    assert source[offset:offset + len(name)] == name
    assert char_line_col(source, offset)[0] == 3 + body[:body.index(f"[{name}]")].count("\n")
    assert f"`{name}`" in message and inside in message and "silently undefined" in message
    assert (offset, message) in engine_refusals(source, "regopy")
    assert not any("regopy 1.5.2 never binds" in m for _, m in engine_refusals(source, "regorus"))


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "name", "inside", "opa"), FIRES)
def test_without_the_guard_regopy_misses_what_opa_and_regorus_find(body: str, name: str, inside: str, opa: Any) -> None:
    source = _module(body)
    document = EVERY_DOC if "every" in body else DOC
    answers = {}
    for engine_name in ("regopy", "regorus"):
        engine = create_engine(engine_name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        answers[engine_name] = engine.evaluate(compiled, "p/x", engine.prepare_input(document))
    assert answers["regorus"] == opa
    assert answers["regopy"] in (UNDEFINED, [], set())


@pytest.mark.parametrize("body", QUIET)
def test_variables_bound_before_or_in_their_own_body_are_left_alone(body: str) -> None:
    source = _module(body)
    assert list(first_bound_inside(source, {"x", "f", "n"})) == []


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
@pytest.mark.parametrize("body", [b for b in QUIET if "upper(input.arr[_])" not in b])
def test_the_near_misses_answer_on_regopy(body: str) -> None:
    source = _module(body)
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input(DOC)) not in (UNDEFINED, [])


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "opa"), MOVED)
def test_head_terms_moved_to_the_body_answer_as_opa(body: str, opa: Any) -> None:
    _answered_alike(_module(body), opa)


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "opa"), AFTER_A_READ)
def test_a_ref_bound_after_a_read_is_hoisted_and_answers_as_opa(body: str, opa: Any) -> None:
    _answered_alike(_module(body), opa)


def _answered_alike(source: str, opa: Any) -> None:
    """Nothing refused on regopy, and both engines answer ``opa``."""
    assert engine_refusals(source, "regopy") == []
    for engine_name in ("regopy", "regorus"):
        engine = create_engine(engine_name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        assert engine.evaluate(compiled, "p/x", engine.prepare_input(DOC)) == opa, engine_name


def test_a_moved_head_term_keeps_every_line_and_leaves_other_heads() -> None:
    source = _module(MOVED[1][0])
    moved = move_head_terms(source)
    assert moved.splitlines() == [
        "package p", "import rego.v1", f"x contains {HEAD_TERM}",
        f' if {{ not input.none ; {HEAD_TERM} := sprintf("%s", [   input.arr[i]]) }}', "y := 2"]
    left = [
        'x contains input.arr[i] if { some i }',  # a ref alone: regopy binds it
        'f(i) := [input.arr[i]] if { true }',  # a function: its argument binds
        'x := [upper(input.s)] if { true } else := [lower(input.s)]',  # no variable in either branch
        'x contains [input.arr[i],  # why\n  1] if { some i }',  # a comment a joined line would swallow
        'x contains [input.arr[i], `a\nb`] if { some i }',  # a raw string holding a line break
        'x := [j | some j\n  v := {"k": input.arr[j]}] if { true }',  # a comprehension's statements, one a line
        'a.b contains [input.arr[i]] if { some i }',  # a ref head
        'x := [input.arr[i]]',  # no body and no `else`: regopy binds it (test_the_near_misses_answer_on_regopy)
        'f(i) := [input.arr[i]] if { true } else := [input.arr[i], 1]',  # a function's parameter in each branch
    ]
    for body in left:
        assert move_head_terms(_module(body)) == _module(body), body


# Each branch of an else chain, and a function's value, moved into its own body as OPA's compiler moves it
# (WalkRules visits rule.Else; rewriteExprTermsInHead): (rule, the moved text, OPA's answer of x over DOC).
H = HEAD_TERM
MOVED_BRANCHES = [
    ('x := [upper(input.arr[i])] if { input.arr[i] == "a" } else := 1',
     f'x := {H} if {{ input.arr[i] == "a" ; {H} := [upper(input.arr[i])] }} else := 1', ["A"]),
    ('x := 0 if { false } else := [upper(input.arr[i])] if input.arr[i] == "b"',
     f'x := 0 if {{ false }} else := {H} if {{ input.arr[i] == "b"; {H} := [upper(input.arr[i])] }}', ["B"]),
    ('x := [upper(input.arr[i])] if input.arr[i] == "c" else := 1',  # (regorus stops: multiple outputs)
     f'x := {H} if {{ input.arr[i] == "c"; {H} := [upper(input.arr[i])] }} else := 1', None),
    ('x := 0 if { false } else := [upper(input.idx[1])]',
     'x := 0 if { false } else := [upper(input.idx[1])]', ["Z"]),  # no variable: left
    ('x := 0 if { input.none } else := {"k": input.m[k]}',
     f'x := 0 if {{ input.none }} else := {H} if {{ {H} := {{"k": input.m[k]}} }}', None),  # two values: a conflict
    # i and k bound only through the moved term (OPA: `__local0__ = upper(...)` in the body binds them)
    ('x := 0 if { false } else := [upper(input.rs[1].names[i]),\n  i] if { true }',
     f'x := 0 if {{ false }} else := {H}\n if {{ true ; {H} := [upper(input.rs[1].names[i]),   i] }}', ["AWS_C", 0]),
    ('f(a) := [a, upper(input.rs[1].names[k])] if { a > 1 } else := [a]\nx := [f(1), f(2)] if { true }',
     f'f(a) := {H} if {{ a > 1 ; {H} := [a, upper(input.rs[1].names[k])] }} else := [a]\nx := [f(1), f(2)] if {{ true }}',
     [[1], [2, "AWS_C"]]),
]


@pytest.mark.parametrize(("body", "moved", "opa"), MOVED_BRANCHES)
def test_each_branch_term_is_moved_into_its_own_body_keeping_every_line(body: str, moved: str, opa: Any) -> None:
    assert move_head_terms(_module(body)) == _module(moved)


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "moved", "opa"), [case for case in MOVED_BRANCHES if case[2] is not None])
def test_moved_branch_terms_answer_as_opa(body: str, moved: str, opa: Any) -> None:
    _answered_alike(_module(body), opa)


def test_a_term_left_in_a_branch_is_refused_where_only_another_branch_binds_it() -> None:
    # Each branch is read on its own: the else's ref binds i in the else only (a comment keeps the term in place).
    source = _module('x := [upper(input.arr[i]),  # why\n  1] if { true } else := input.arr[i] if { true }')
    found = list(first_bound_inside(source, {"x"}))
    assert [(char_line_col(source, offset)[0], source[offset]) for offset, _ in found] == [(3, "i")]


# A partial object's key and value and a ref head's bracket keys that compute, moved into the body as OPA's compiler
# moves them (rewriteRuleHeadRefs, rewriteRefsInHead): (rule, the moved text, OPA's answer of x := y over DOC).
K, V = "__natpolicy_key", "__natpolicy_value"
MOVED_KEYS = [
    ('y[input.arr[i]] := 1', f'y[{K}] := 1 if {{ {K} := input.arr[i] }}', {"a": 1, "b": 1, "c": 1}),
    ('y.a[input.arr[i]] := 1', f'y.a[{K}] := 1 if {{ {K} := input.arr[i] }}', {"a": {"a": 1, "b": 1, "c": 1}}),
    ('y[upper(input.arr[i])] := 1', f'y[{K}] := 1 if {{ {K} := upper(input.arr[i]) }}', {"A": 1, "B": 1, "C": 1}),
    ('y[input.idx[i]] := input.arr[i]', f'y[{K}] := {V} if {{ {K} := input.idx[i]; {V} := input.arr[i] }}',
     {"a": "c", "z": "a", "b": "b"}),
    ('y[input.arr[i]] := 1 if input.arr[i] != "a"',
     f'y[{K}] := 1 if {{ input.arr[i] != "a"; {K} := input.arr[i] }}', {"b": 1, "c": 1}),
    # over lines: each term on the body's last line, its line breaks kept in the head
    ('y[input.arr[\n  i]] := input.idx[\n  i] if {\n  i > 0\n}',
     f'y[{K}\n] := {V}\n if {{\n  i > 0\n{K} := input.arr[   i]; {V} := input.idx[   i] }}', {"a": "z", "b": "b"}),
    ('y[input.arr[i]] := 1 if { some i }', f'y[{K}] := 1 if {{ some i ; {K} := input.arr[i] }}',
     {"a": 1, "b": 1, "c": 1}),
]


@pytest.mark.parametrize(("body", "moved", "opa"), MOVED_KEYS)
def test_ref_head_keys_and_values_are_moved_into_the_body_keeping_every_line(body: str, moved: str, opa: Any) -> None:
    assert move_head_terms(_module(body)) == _module(moved)


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("body", "moved", "opa"), MOVED_KEYS)
def test_moved_ref_head_keys_answer_as_opa_read_by_another_rule(body: str, moved: str, opa: Any) -> None:
    source = _module(body + "\nx := y")
    assert engine_refusals(source, "regopy") == []
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input(DOC)) == opa


def test_ref_head_keys_that_compute_nothing_are_left() -> None:
    for body in [
        'y[k] := 1 if { k := input.arr[_] }',  # a variable the body binds: OPA moves neither a var nor a scalar
        'y["a"] := 2',
        'y.a.b := 1 if { true }',
        'y[input.arr[i]] := 1 if { true } else := 2',  # an else (refused: else_chains), left as written
        'y[concat(",", [input.arr[i],  # why\n  "x"])] := 1',  # a comment a joined line would swallow
        'f(x) := input.arr[x]',  # a function: its parameters bind
    ]:
        assert move_head_terms(_module(body)) == _module(body), body
