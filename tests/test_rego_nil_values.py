"""OPA's nil type where a variable key reads the values of a name's object holding a function (``a.f(x) := ...``).

Settled from OPA's source: ``a``'s type is an object whose static property ``f`` is a function type, beside the
dynamic ``string: any`` (``getRefRecExtent``, ``v1/ast/env.go``); ``a[k]`` is ``types.Values`` of it
(``selectRef``), which folds the static properties in key order and then the dynamic one by ``types.Or``
(``v1/types/types.go``): ``Or(nil, t)`` is ``t``, ``Or`` of two functions a function, of a function and anything
else nil. Nil is refused wherever unified (``unify2`` of two nil sides, ``unify1``'s ``unifies(nil, T)``), passed
to a call, or looked past (``checkRefLeaf``: ``Keys(nil)``); a bare ref statement (``rewriteDynamics`` rewrites only
its keys, and ``checkExpr`` unifies nothing there) passes, a bare composite holding it does not.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, assert_refused_at, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
F = "a.f(x) := x + 1\n"  # line 3

REFUSED = [
    (F + "h if {\n  some k\n  a[k] == 2\n}\n", 6, "`a[k]` reads the values of an object holding a function"),
    (F + "h if {\n  x := a\n  some k\n  y := x[k]\n}\n", 7, "`x[k]` reads the values"),
    (F + "h if {\n  is_string(a[_])\n}\n", 5, "which OPA types as nil"),
    (F + 'h if {\n  some k, v in a\n}\n', 5, "`a` reads the values of an object holding a function"),
    # rewriteSomeDeclStatement (v1/ast/compile.go): `some v in a` is `v = a[__localN__]`, the same ref.
    (F + 'h if {\n  some v in a\n}\n', 5, "`a` reads the values of an object holding a function"),
    (F + "h if {\n  some k\n  a[k].y\n}\n", 6, "`a[k].y` looks up a key past the values"),
    (F + "r := a[_]\n", 4, "`a[_]` reads the values"),
    (F + "h if {\n  [a[_]] == [1]\n}\n", 5, "which OPA types as nil"),
    # A bare composite holding it: rewriteDynamicsOne gives the ref its own `__localN__ = a[k]` (v1/ast/compile.go).
    (F + "h if {\n  some k\n  [a[k]]\n}\n", 6, "which OPA types as nil"),
    (F + 'h if {\n  {"x": a[_]}\n}\n', 5, "which OPA types as nil"),
    # b (number), then f: nil; g (function), then the dynamic any: nil.
    (F + "a.b := 1\na.g(x) := x\nh if {\n  upper(a[_])\n}\n", 7, "which OPA types as nil"),
    # OPA's any<...> of a rule's definitions (types31): types.Values of an Any is the Or of each part's, a scalar's
    # nil, so nil where every part's is (these passed: the reader did not follow nil through several parts).
    (F + 'r := a if input.c else := 5\nh if {\n  some v in r\n}\n', 6, "`r` reads the values"),
    (F + 'b.g(x) := x\nr := a if input.c else := b\nh if {\n  some v in r\n}\n', 7, "`r` reads the values"),
    # ... and the other part's values where one has them: Or(nil, number) is a number (it was "an any<nil, number>").
    (F + 'r := a if input.c else := [1]\nh if {\n  some k\n  upper(r[k])\n}\n', 7, "`r[k]`, is a number,"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    # b (number), f: nil, then Or(nil, any) = any.
    F + "a.b := 1\nh if {\n  some k\n  a[k] == 2\n  upper(a[k])\n}\n",
    # A bare ref, negated too: rewriteDynamics rewrites only its keys, checkExpr unifies nothing.
    F + "h if {\n  some k\n  a[k]\n  not a[_]\n}\n",
    # An object below the name: Values fold it as a value, not as a function.
    "a.b.f(x) := x + 1\nh if {\n  some k\n  a[k] == 2\n}\n",
    # Keys are strings, a constant key reads its own static property.
    F + 'a.b := 1\nh if {\n  some k\n  a[k]\n  upper(k)\n  a.b + 1\n}\n',
    # A part with values beside one of nil values: Or(nil, number) is a number (types31).
    F + 'r := a if input.c else := [1]\nh if {\n  some k\n  r[k] == 2\n  some v in r\n  v + 1\n}\n',
    # An `every` body is never typed but for its refs (as before).
    F + "h if {\n  every k, v in a { v == 1 }\n}\n",
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith("types30a-nil-")], 6, engine)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_through_several_parts_are_refused_or_pass_as_opa_does(engine: str) -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith("types31-nil-")], 2, engine)
