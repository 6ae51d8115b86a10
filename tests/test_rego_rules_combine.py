"""Rules that combine (found by ``rego_differential.py --rules``): ref heads in conflict (ref_head_conflicts), a
constant rule inside a var key's extent on regorus, a bodyless ``else`` followed by another (else_chains), and the
rewrites regorus runs: each function ``else`` value bound in its body (regorus_else), a computed key of a rule with
no body left alone (regorus_heads). Near misses stay quiet.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.else_chains import bodyless_else_refusals, variable_head_else_refusals
from natpolicy.rego.ref_head_conflicts import keyed_extent_refusals, ref_head_conflicts
from natpolicy.rego.regorus_else import bind_else_values
from natpolicy.rego.regorus_heads import bind_heads, head_site

HEAD = "package p\nimport rego.v1\n"


@pytest.mark.parametrize(("body", "said"), [
    ("q.b := {1} if { false }\nq.b.c := 1\nq.b.d := 2", "rule data.p.q.b conflicts with [data.p.q.b.c data.p.q.b.d]"),
    ("q.b.c.d := 2\nq[\"b\"] := 1", "rule data.p.q.b conflicts with [data.p.q.b.c.d]"),
    ("q.b contains 1\nq.b.c := 2", "rule data.p.q.b conflicts with [data.p.q.b.c]"),
    ("q.b(x) := x\nq.b.r := 1", "rule data.p.q.b conflicts with [data.p.q.b.r]"),
    ("q.b := 1\nq.b[k] := v if { some k, v in input.o }", "conflicting rules data.p.q.b found"),
    ("q.b[x] := 1 if { x := \"foo\" }\nq.b contains \"bar\"", "conflicting rules data.p.q.b found"),
])
def test_ref_heads_in_conflict_are_refused(body: str, said: str) -> None:
    found = list(ref_head_conflicts(HEAD + body + "\n"))
    assert len(found) == 1 and said in found[0][1]
    assert found[0][0] == len(HEAD)  # at the first rule of the place


@pytest.mark.parametrize("body", [
    "q.b.c := 1\nq.b.d := 2\nq.e := 3",  # side by side
    "q.b[k] := v if { some k, v in input.o }\nq.b.c := 1",  # under a var key: allowed (keyed_extent_refusals)
    "q.b[k].c := 1 if { k := \"z\" }\nq.b.c := 2",
    "q.b contains 1\nq.b contains 2",
    "q.b := 1\nq.b := 2",  # a run-time conflict, if any
    "default q.b := 1\nq.b := 2",
    "q.b(x) := x\nq.b(x) := 2",
    "q := 1\nq.b := 2",  # one part deep: rule_conflicts' check
])
def test_near_misses_are_left_alone(body: str) -> None:
    assert list(ref_head_conflicts(HEAD + body + "\n")) == []


def test_a_conflict_with_another_file_of_the_package_is_found_in_this_one() -> None:
    found = list(ref_head_conflicts(HEAD + "q.b.c := 1\n", [HEAD + "q.b := {}\n"]))
    assert len(found) == 1 and "conflicts with [data.p.q.b.c]" in found[0][1]
    assert list(ref_head_conflicts(HEAD + "r := 1\n", [HEAD + "q.b := {}\nq.b.c := 1\n"])) == []


def test_a_constant_rule_inside_a_var_keys_extent_is_refused_on_regorus_at_the_constant_rule() -> None:
    source = HEAD + 'q[k] := v if { some k, v in input.o }\nq["k"] := 1\nq.j.m := 2\nr.k := 3\n'
    found = list(keyed_extent_refusals(source))
    assert [source[offset:offset + 6] for offset, _ in found] == ['q["k"]', "q.j.m "]
    assert "inside `q[k]`" in found[0][1]
    assert list(keyed_extent_refusals(HEAD + 'q[k] := v if { some k, v in input.o }\nq[j] := 1 if { j := "z" }\n')) \
        == []


def test_an_else_after_an_else_without_a_body_is_refused_at_the_second() -> None:
    source = HEAD + "q := 1 if { false } else := 2 else := 3 if { true }\n"
    assert [source[o:o + 10] for o, _ in bodyless_else_refusals(source)] == ["else := 3 "]
    for quiet in ('q := 1 if { false } else := {"a": 1} if { true } else := 2',
                  "q := 1 if { false } else := 2", "q := 1 if { false } else = 2 { true } else = 3"):
        assert list(bodyless_else_refusals(HEAD + quiet + "\n")) == []


def test_an_else_on_a_head_holding_a_variable_is_refused_at_the_else() -> None:
    # OPA's parseRules: "else keyword cannot be used on rules with variables in head" (regorus answered the first)
    for fires in ("y[input.rs[i].s] := 1 if { true } else := 2", "y.a[k] := 1 if { k := 1 } else := 2",
                  "y[[k]] := 1 if { k := 1 } else := 2", "y[f(k)].b := 1 if { k := 1 } else := 2",
                  "y[input] := 1 if { true } else := 2"):
        source = HEAD + fires + "\n"
        found = list(variable_head_else_refusals(source))
        assert [source[o:o + 4] for o, _ in found] == ["else"], fires
        assert "else keyword cannot be used on rules with variables in head" in found[0][1]
    for quiet in ('y["a"] := 1 if { false } else := 2', "y.a.b := 1 if { false } else := 2",
                  "y[input.x] := 1 if { false } else := 2",  # a ref's root is no variable of it: ground
                  'y[upper("a")] := 1 if { false } else := 2', "y[k] := 1 if { k := input.rs[_].s }",
                  "y := input.rs[i].s if { false } else := 2", "f(k) := 1 if { k } else := 2"):
        assert list(variable_head_else_refusals(HEAD + quiet + "\n")) == [], quiet


def test_function_else_values_are_bound_in_their_bodies_keeping_lines() -> None:
    source = HEAD + "f(v) := v.k if {\n  true\n} else := [input.o,\n 1] if { v } else := 3\ng(x) := 1 if { x } else := 2\n"
    out = bind_else_values(source)
    assert out.count("\n") == source.count("\n")
    assert "f(v) := __natpolicy_else0 if {\n  true; __natpolicy_else0 := (v.k)\n}" in out
    assert "else := __natpolicy_else1 if {\n v; __natpolicy_else1 := ([input.o, 1]) } else := 3" in out
    assert out.endswith("g(x) := 1 if { x } else := 2\n")  # nothing computed
    # an error inside a bound value is placed at the head's value, where it was written
    assert head_site(out, 4, 30) == (3, 9)


def test_complete_rules_values_are_bound_in_their_bodies() -> None:
    # OPA evaluates a complete rule's value after its body, an undefined one failing that body alone
    # (rewriteExprTermsInHead); regorus answered `q := input.rs[i].n if { some i in [0, 1] }` undefined (--heads)
    out = bind_else_values(HEAD + "q := input.o if { true } else := 2\n")
    assert out == HEAD + "q := __natpolicy_else0 if { true; __natpolicy_else0 := (input.o) } else := 2\n"


def test_a_body_without_braces_before_an_else_binds_its_value() -> None:
    # `if COND` is one literal ending at the `else` (OPA's parseRules, parseElse): the value is bound after it
    out = bind_else_values(HEAD + "f(v) := v.k if true else := 2\n")
    assert out == HEAD + "f(v) := __natpolicy_else0 if { true; __natpolicy_else0 := (v.k) } else := 2\n"


def test_a_complete_rule_without_a_body_gets_one_binding_its_value() -> None:
    # OPA's body `true` (parseRules) with the value moved into it (rewriteRefsInHead)
    assert bind_else_values(HEAD + "q := input.a[i].k\n") == \
        HEAD + "q := __natpolicy_else0 if { __natpolicy_else0 := (input.a[i].k) }\n"


def test_a_function_value_binding_its_own_ref_variable_is_bound_in_its_body() -> None:
    # OPA moves the value into the body (rewriteRefsInHead), where rs[i] binds i; regorus stopped, "var i is unsafe"
    out = bind_else_values(HEAD + "f(rs) := upper(rs[i].s) if { i > 0 }\n")
    assert out == HEAD + "f(rs) := __natpolicy_else0 if { i > 0; __natpolicy_else0 := (upper(rs[i].s)) }\n"


@pytest.mark.parametrize("body", [
    "q := 1 if { true } else := 2",  # a complete rule's constant value: never undefined
    "f(v) := [w | some w in v] if { true } else := 2",  # a comprehension is never undefined
    "f(v) := v.k if { true }",  # no else
    "q := 1",  # a complete rule without a body, its constant value: never undefined
    "q := [w | some w in input.xs]",  # nor a comprehension
    "f(rs, i) := rs[i].s if { true }",  # no else, and the bracket's name is an argument
    "f(rs) := rs[0].s if { true }",  # no else, no name in the brackets
    "f(rs) := rs[_].s if { true }",  # no else, a wildcard
])
def test_other_rules_are_not_rewritten(body: str) -> None:
    assert bind_else_values(HEAD + body + "\n") == HEAD + body + "\n"


def test_a_computed_key_of_a_rule_without_a_body_is_bound_in_a_body_of_its_own() -> None:
    # renamed but never bound, it was "var __natpolicy_key is unsafe" where OPA answers {"3": 2}; OPA's body `true`
    # (parseRules) gets the moved key (rewriteRefsInHead)
    assert bind_heads(HEAD + "q[input.b] := 2\n") == \
        HEAD + "q[__natpolicy_key] := 2 if { __natpolicy_key := (input.b) }\n"
    assert "__natpolicy_key := (input.b)" in bind_heads(HEAD + "q[input.b] := 2 if { true }\n")


def test_a_bodyless_head_closed_by_a_bracket_is_not_joined_to_the_next_rule() -> None:
    # `q contains [1]` then a rule with a body: the next rule was moved into q's head, a parse error on regorus
    source = HEAD + 'q contains [1]\nx := q["a"] if { input.a > 0 }\nr[input.b] := {"k": 1}\ny := 1 if { true }\n'
    assert bind_heads(source) == source.replace('r[input.b] := {"k": 1}',
                                                'r[__natpolicy_key] := {"k": 1} if { __natpolicy_key := (input.b) }')
    assert "__natpolicy_head := (concat" in bind_heads(HEAD + 'q contains concat(",",\n  ["a"]) if { true }\n')
