"""regopy_hoist: a ref whose variable is first bound inside a call's argument, a literal or arithmetic is bound
before its statement, on its line, so regopy 1.5.2 binds it as OPA does.

Each fire case runs through natpolicy's own path on both engines (guards, rewrites, compile, evaluate): no refusal
on regopy any more, and regopy's answer is OPA's (and regorus'). Each near miss is left as written.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import PolicySyntaxError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_hoist import PREFIX, hoist_first_bindings, hoisted_names, hoists, unhoisted
from natpolicy.rego.source import line_col
from test_rego_conformance import PROBES, outcome

DOC = {"rs": [{"type": "aws_vpc", "n": 1, "tags": {"env": "PROD", "team": "dev"}, "prefix": "aws"},
              {"type": "google_net", "n": 2},
              {"name": "no type", "n": 3, "tags": {"owner": "prod"}}],
       "arr": ["c", " a ", "b"], "tags": {"env": "prod", "prod": "PROD", "x": "y"},
       "rc": [{"actions": ["create"]}, {"actions": ["delete", "create"]}]}

FIRES: list[tuple[str, Any]] = [
    # (rule x, OPA's answer on DOC)
    ('x contains i if {\n  startswith(input.rs[i].type, "aws_")\n}', [0]),
    ('x contains i if {\n  some i\n  count(input.rc[i].actions) == 1\n}', [0]),
    ('x contains k if {\n  lower(input.tags[k]) == k\n}', ["prod"]),  # the key read again after the call
    ('x contains i if {\n  count([input.rs[i]]) == 1\n}', [0, 1, 2]),
    ('x contains i if {\n  [trim_space(input.arr[i])] == ["a"]\n}', [1]),
    ('x contains i if {\n  v := {"k": input.arr[i]}\n  v.k == "b"\n}', [2]),
    ('x := [j | some j\n  v := {"k": input.arr[j]}]', [0, 1, 2]),
    ('x contains [i, k] if {\n  lower(input.rs[i].tags[k]) == "prod"\n}', [[0, "env"], [2, "owner"]]),
    ('x contains i if {\n  lower(trim(input.arr[i], " ")) == "a"\n}', [1]),
    ('x contains i if {\n  startswith(input.rs[i].type, input.rs[i].prefix)\n}', [0]),
    ('x contains [i, j] if {\n  startswith(input.rs[i].type, input.rs[j].prefix)\n}', [[0, 0]]),
    ('x contains i if {\n  r := input.rs\n  startswith(r[i].type,\n    "google")\n}', [1]),
    ('x if {\n  startswith(input.arr[_], "b")\n}', True),
    ('x contains i if {\n  input.rs[i].n * 2 > 2\n}', [1, 2]),
    ('x contains i if startswith(input.rs[i].type, "google")', [1]),
    ('x := 0 if {\n  input.none\n} else := i if {\n  endswith(input.rs[i].type, "_net")\n}', 1),
    ('x contains msg if {\n  msg := sprintf("%s is %d", [input.rs[i].type, i])\n}', ["aws_vpc is 0", "google_net is 1"]),
    ('f(xs) := {i | startswith(xs[i], "b")}\nx := f(input.arr)', [2]),
    ('x := [input.rs[i].n | endswith(input.rs[i].type, "_net")]', [2]),  # the head reads what the body binds
    ('x := [input.rs[i].n | contains(input.rs[i].type, "_")]', [1, 2]),  # `contains(` in a body is the builtin
]

QUIET = [
    # bound before its statement, or not inside a call, a literal or arithmetic: nothing to hoist
    'x contains i if {\n  input.rs[i]\n  startswith(input.rs[i].type, "aws_")\n}',
    'x contains i if {\n  input.rs[i].type == "aws_vpc"\n}',
    'x contains i if {\n  input.rs[i].n % 2 == 0\n}',
    'f(i) := [input.arr[i]]\nx := f(1)',
    'x := [v | some v in input.arr; upper(v) == "B"]',
    # left in place, refused by the guard instead
    'x if {\n  not startswith(input.arr[_], "b")\n}',
    'x if {\n  every r in input.rs { startswith(r.tags[k], "p") }\n}',
    'x contains lower(input.arr[i]) if {\n  some i\n}',
    'x contains i if {\n  upper(input.m[input.idx[i]]) == "X"\n}',
    'x contains i if {\n  startswith(split(input.s, ",")[i], "a")\n}',
    'x contains i if {\n  startswith(input.rs[i].type, "aws_") with input as {"rs": []}\n}',
]


def _module(rule: str) -> str:
    return f"package p\nimport rego.v1\n{rule}\n"


@pytest.mark.skipif(not {"regopy", "regorus"} <= set(installed_engines()), reason="needs regopy and regorus")
@pytest.mark.parametrize(("rule", "opa"), FIRES)
def test_regopy_answers_as_opa_once_the_ref_is_bound_first(rule: str, opa: Any) -> None:
    source = _module(rule)
    for engine_name in ("regopy", "regorus"):
        assert engine_refusals(source, engine_name) == [], engine_name
        engine = create_engine(engine_name)
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        assert engine.evaluate(compiled, "p/x", engine.prepare_input(DOC)) == opa, engine_name


@pytest.mark.parametrize(("rule", "opa"), FIRES)
def test_the_binding_goes_before_its_statement_on_the_same_line(rule: str, opa: Any) -> None:
    source = _module(rule)
    out = hoist_first_bindings(source)
    assert out != source and out.count("\n") == source.count("\n")
    undone = out
    for hoist in hoists(source):
        name, ref = f"{PREFIX}{hoist.start}", source[hoist.start:hoist.end]
        binding = f"{name} := {ref}; "
        assert binding in out.splitlines()[line_col(source, hoist.at)[0] - 1]  # on its statement's first line
        undone = undone.replace(binding, "").replace(name, ref)
        if hoist.close >= 0:
            undone = undone.replace("if { ", "if ").replace(" }", "")
    assert undone == source  # nothing else moved
    assert not unhoisted(source)


@pytest.mark.parametrize("rule", QUIET)
def test_what_is_bound_before_or_must_stay_is_left_as_written(rule: str) -> None:
    source = _module(rule)
    assert hoists(source) == [] and hoist_first_bindings(source) == source


def test_two_refs_of_one_statement_are_bound_in_their_order_and_each_name_once() -> None:
    source = _module('x contains [i, j] if {\n  startswith(input.a[i], input.b[j])\n}')
    out = hoist_first_bindings(source)
    first, second = (f"{PREFIX}{h.start}" for h in hoists(source))
    assert f"{{\n  {first} := input.a[i]; {second} := input.b[j]; startswith({first}, {second})\n}}" in out
    assert hoisted_names(source) == {source.index("[i]") + 1, source.index("[j]") + 1}


def test_a_body_without_braces_is_braced_around_its_one_expression() -> None:
    source = _module('x contains i if startswith(input.a[i], "b") # a comment stays\ny := 1')
    name = f"{PREFIX}{source.index('input.a[i]')}"
    assert f'x contains i if {{ {name} := input.a[i]; startswith({name}, "b") }} # a comment stays\ny := 1' \
        in hoist_first_bindings(source)


def test_the_fresh_name_is_one_the_policy_does_not_spell() -> None:
    start = len("package p\nimport rego.v1\nx contains i if {\n  ") + len("startswith(")
    taken = f"{PREFIX}{start}"
    source = _module(f'x contains i if {{\n  startswith(input.a[i], "b")\n  {taken} := 1\n}}')
    assert source.index("input.a[i]") == start
    out = hoist_first_bindings(source)
    assert f"{taken}_ := input.a[i]; startswith({taken}_, " in out and f"  {taken} := 1\n" in out


@pytest.mark.parametrize(("rule", "why"), [
    ('x if {\n  not startswith(input.arr[_], "b")\n}', "under `not`"),
    ('x if {\n  every r in input.rs { startswith(r.tags[k], "p") }\n}', "in an `every` body"),
    ('x contains i if {\n  upper(input.m[input.idx[i]]) == "X"\n}', "inside another ref's brackets"),
    ('x contains i if {\n  startswith(input.rs[i].type, "aws_") with input as {"rs": []}\n}', "with `with`"),
    ('x contains i if {\n  startswith(split(input.s, ",")[i], "a")\n}', "rooted at a call"),
])
def test_what_is_left_in_place_says_why(rule: str, why: str) -> None:
    source = _module(rule)
    reasons = list(unhoisted(source).values())
    assert len(reasons) == 1 and why in reasons[0], reasons


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_a_compile_error_after_a_hoisted_line_names_its_own_line() -> None:
    # The hoist makes line 3 longer; regopy's offset into the rewritten module is put back on the policy's line 6.
    source = ('package p\nx contains i if {\n  startswith(input.rs[i].type, "aws_and_a_long_prefix_to_move_offsets")\n'
              '}\ny if {\n  every r in input.rs {\n    upper(input.rs[_].type) == r\n  }\n}\n')
    with pytest.raises(PolicySyntaxError) as caught:
        create_engine("regopy").compile({"p.rego": source}, None, ["p/x", "p/y"])
    assert caught.value.message == "Invalid bracket argument"
    assert line_col(source, caught.value.offset)[0] == 7


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_a_stop_on_a_hoisted_line_names_the_policy_line() -> None:
    from natpolicy.rego.engine import EvaluationError

    source = _module('x contains i if {\n  input.rs[i].n * 1.5 > 2\n}')
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(compiled, "p/x", engine.prepare_input(DOC))
    assert "* at p.rego:4 given a non-integer operand" in caught.value.message


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_regopy_answers_the_issue_probes_it_refused() -> None:
    engine = create_engine("regopy")
    answered = {p["name"] for p in PROBES if p["category"] == "builtin-arg variable binding"
                and outcome(engine, p) == ("ok", "")}
    assert {"builtin-arg-startswith-some-i", "builtin-arg-startswith-implicit-i", "literal-first-binding",
            "builtin-arg-lower-tags-k", "builtin-arg-count-actions", "builtin-arg-wildcard",
            "hoist-ref-undefined-for-some-elements", "hoist-two-refs-one-statement",
            "hoist-nested-calls-and-two-brackets", "hoist-arithmetic-operand", "hoist-else-body",
            "hoist-body-without-braces", "hoist-sprintf-argument-array"} <= answered
    assert "hoist-left-in-every-body" not in answered
