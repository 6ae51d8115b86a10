"""regopy_loop_order: each later iteration of an array comprehension reads the earlier ones' names, so regopy 1.5.2
runs the loops in OPA's order (it scheduled independent iterations otherwise: silent until stop 31)."""
from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from natpolicy.rego.engines import installed_engines
from natpolicy.rego.regopy_loop_order import SEQ, SEQ_HELPER, loops_for_regopy
from tests.test_rego_default_mode import default_answer

P = "package p\nimport rego.v1\n"


@pytest.mark.parametrize(("body", "rewritten"), [
    ("x := [[a, b] | some a in input.a; some b in input.b]",
     f"x := [[a, b] | some a in input.a; some b in {SEQ}(input.b, [a])]"),
    ("x := [[a, b, c] | a := input.a[_]\n  some i; b := input.b[i]\n  c := f(input.c)[_]]",
     f"x := [[a, b, c] | a := input.a[_]\n  some i; b := {SEQ}(input.b, [a])[i]\n  c := {SEQ}(f(input.c), [a, b, i])[_]]"),
    ("x := [[k, v] | some k, v in input.o; some w in input.w]",
     f"x := [[k, v] | some k, v in input.o; some w in {SEQ}(input.w, [k, v])]"),
    ("x := [[r, a] | some r in input.rs; some a in r.actions]",
     f"x := [[r, a] | some r in input.rs; some a in {SEQ}(r.actions, [r])]"),  # already ordered: harmless
    ("x := [[a, b] | some a in input.a; b := input.b[i]]",  # `i` free: an iteration
     f"x := [[a, b] | some a in input.a; b := {SEQ}(input.b, [a])[i]]"),
    ('x := [[a, b] | some a in input.a; b := {"q", "p"}[_]]',  # a literal bracketed where it stands
     f'x := [[a, b] | some a in input.a; b := {SEQ}({{"q", "p"}}, [a])[_]]'),
    # an `every` body is no comprehension, whatever set union it holds (rule_scope.comprehensions)
    ("x := [[a, c] | some a in input.a; every y in input.b { s := {y} | {a}; z := input.c[_] }; some c in input.c]",
     f"x := [[a, c] | some a in input.a; every y in input.b {{ s := {{y}} | {{a}}; z := {SEQ}(input.c, [a])[_] }}; "
     f"some c in {SEQ}(input.c, [a])]"),
])
def test_each_later_iteration_reads_the_earlier_names(body: str, rewritten: str) -> None:
    assert loops_for_regopy(P + body + "\n") == P + rewritten + "\n" + SEQ_HELPER


@pytest.mark.parametrize("body", [
    "x := [a | some a in input.a]",  # one iteration
    "x := {[a, b] | some a in input.a; some b in input.b}",  # a set holds no order
    "x := {a: b | some a in input.a; some b in input.b}",
    "x if { some a in input.a; some b in input.b; a == b }",  # a rule body
    "x := [a | some a in input.a; a != 1]",  # a filter
])
def test_no_order_to_keep_is_left_as_written(body: str) -> None:
    assert loops_for_regopy(P + body + "\n") == P + body + "\n"


def test_natpolicys_own_helpers_are_left_alone() -> None:
    helper = "__natpolicy_h(x) := [[a, b] | some a in x; some b in x]\n"
    assert loops_for_regopy(P + helper) == P + helper


_FORMS = ["some {v} in input.{v}", "{v} := input.{v}[_]", "some i{v}; {v} := input.{v}[i{v}]",
          "some j{v}, {v} in input.{v}", "{v} := input.{v}[k{v}]", "{v} := {{w | some w in input.{v}}}[_]"]
_INPUT: dict[str, Any] = {"a": ["A", "B", "C"], "b": [1, 2, 3], "c": ["x", "y"], "d": [True, False]}


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_random_cross_products_come_out_in_opa_order_on_regopy() -> None:
    # OPA's order is the nested loops' in the written order: itertools.product of the collections.
    from natpolicy.rego.engines import create_engine

    engine, rng = create_engine("regopy"), random.Random(5)
    for _ in range(25):
        names = rng.sample(sorted(_INPUT), rng.randint(2, 4))
        forms = [rng.choice(_FORMS) for _ in names]
        statements = [form.format(v=v) for form, v in zip(forms, names, strict=True)]
        body = f"x := [[{', '.join(names)}] | {rng.choice(['; ', chr(10) + '  ']).join(statements)}]"
        # a set (the last form) is iterated in its sorted order, each input array in its own
        want = [list(t) for t in itertools.product(*[sorted(_INPUT[v]) if form.startswith("{v} := {{")
                                                     else _INPUT[v] for form, v in zip(forms, names, strict=True)])]
        assert default_answer(engine, {"source": P + body + "\n", "rule": "x", "input": _INPUT}) == ("ok", want), body
