"""natpolicy.rego.regopy_closure_unify: which `=` of a comprehension is rewritten for regopy, and which is left."""
from __future__ import annotations

import pytest

from natpolicy.rego.regopy_closure_unify import closure_unifications_for_regopy

_HEAD = "package p\nimport rego.v1\n"


def _rewrite(body: str) -> str:
    return closure_unifications_for_regopy(_HEAD + body + "\n")[len(_HEAD):].strip()


def test_a_name_bound_outside_is_renamed_where_the_comprehensions_unification_binds_it() -> None:
    assert _rewrite("x contains [a, [a | a = input.xs[_]]] if { a = input.xs[_] }") == (
        "x contains [a, [a | __natpolicy_u_a = input.xs[_]; __natpolicy_u_a == a]] if { a = input.xs[_] }")
    assert _rewrite('x := [a, [1 | {"k": [a, _]} = input.o]] if { a = 1 }') == (
        'x := [a, [1 | {"k": [__natpolicy_u_a, _]} = input.o; __natpolicy_u_a == a]] if { a = 1 }')
    # a nested comprehension is its own: rewritten once, there
    assert _rewrite("x := [a, [1 | b = [a | a = 1]]] if { a = 1 }") == (
        "x := [a, [1 | b = [a | __natpolicy_u_a = 1; __natpolicy_u_a == a]]] if { a = 1 }")


@pytest.mark.parametrize("body", [
    "x := [1 | a = input.xs[_]]",  # nothing outside binds a
    "x contains [a, [a | a := input.xs[_]]] if { a = input.xs[_] }",  # the comprehension declares its own
    "x contains [a, [a | some a in input.xs; a = 1]] if { a = input.xs[_] }",
    "x := [a, [1 | not a = 1]] if { a = 1 }",  # negated: nothing is bound
    "x := [a, [1 | a = 1 with input as 2]] if { a = 1 }",
    "x := [a, [1 | {a} = input.s]] if { a = 1 }",  # a set's element binds nothing in OPA
    "x := [a, [1 | {a: 1} = input.o]] if { a = 1 }",  # an object's key
    "x := [a, [1 | input.ys[a] = 1; count(a) = 2]] if { a = 1 }",  # a ref's key, a call's argument: read
    "x := [a, [1 | a == 1]] if { a = 1 }",
])
def test_what_binds_nothing_or_is_the_comprehensions_own_is_left_as_written(body: str) -> None:
    assert _rewrite(body) == body
