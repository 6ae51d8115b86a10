"""A rule whose type a `q[k]` definition's value is, which OPA's ``mergeTypes`` may widen in place (``type_aliases``).

Settled from OPA's source: `v := r` types `v` with the very type value OPA's tree holds for `r` (``GetByRef``, a Go
pointer), ``nestedObject`` (v1/ast/check.go) files it, uncopied, as `q[k]`'s value, and ``mergeTypes``
(v1/ast/env.go), merging `q`'s definitions, widens in place an object of no static property held by an ``Any`` it
meets with another such object (``tDynProps.Key = types.Or(...)``). Where that object is `r`'s own, `r`'s type widens
for every rule OPA types after, in the order ``Graph.Sort`` gives, which varies from run to run. Widening only Or-s
parts in, and OPA's checks pass an ``Or`` where a part passes: a statement reading `r` that passes with `r`'s own
type passes in every order; one refused so but passing widened is refused as unsure (OPA's answer varies).
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, assert_refused_at, type_errors_by_line

# `other` is an Any holding an object of no static property (its `else` a string): q's second definition, an
# object of no static property, meets it in mergeTypes in either order, and widens other's object in place.
ANY_HELD = ('package p\n\nother := {k: 1 | some k in ["a"]} if input.c else := "s"\n\n'
            'q[k] := v if {\n  some k in ["x"]\n  v := other\n}\n\n'
            'q[k] := {j: "t" | some j in ["b"]} if some k in ["y"]\n\n')
# `other` a plain object: Or-ed into an Any by a definition of another shape first, in some orders only.
OR_FIRST = ('package p\n\nother := {k: 1 | some k in ["a"]}\n\nq[k] := other if some k in ["x"]\n\n'
            'q[k] := "s" if some k in ["y"]\n\nq[k] := {j: "t" | some j in ["b"]} if some k in ["z"]\n\n')
# Two objects only: mergeTypes merges them into a new object, and widens nothing.
NO_ANY = ('package p\n\nother := {k: 1 | some k in ["a"]}\n\nq[k] := other if some k in ["x"]\n\n'
          'q[k] := {j: "t" | some j in ["b"]} if some k in ["z"]\n\n')


@pytest.mark.parametrize(("module", "line"), [(ANY_HELD, 13), (OR_FIRST, 12)])
def test_a_statement_whose_verdict_the_widening_decides_is_refused_as_unsure(module: str, line: int) -> None:
    # other.z is a number with other's own type (upper refuses it), any<number, string> widened (upper takes it).
    errors = type_errors_by_line(module + "h if {\n  upper(other.z)\n}\n")
    assert errors and errors[0][0] == line and "natpolicy cannot tell" in errors[0][1], errors
    assert "widens in place in some orders" in errors[0][1] and "\n" not in errors[0][1], errors


def test_where_nothing_is_widened_opas_error_is_given() -> None:
    assert_refused_at(type_errors_by_line(NO_ANY + "h if {\n  upper(other.z)\n}\n"), 10, "argument 1 of upper")


@pytest.mark.parametrize("tail", [
    "h if {\n  other.z + 1\n}\n",  # a number, or any<number, string>: `+` takes both
    "h if {\n  x := other.z\n  x + 1\n}\n",  # x typed by other's own type, the strictest: passes every order
    "h if {\n  upper(q.j.z)\n}\n",  # q's join holds a string value in every order
])
@pytest.mark.parametrize("module", [ANY_HELD, OR_FIRST])
def test_what_every_order_passes_is_not_refused(module: str, tail: str) -> None:
    assert type_errors_by_line(module + tail) == []


def test_the_probes_answer_as_opa() -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith("types31b-alias-")], 2, "regorus")
