"""A ref past a value of several kinds, selected in each part as OPA's ``types.Select`` selects in an ``Any``.

Settled from OPA's source (``v1/types/types.go``, ``v1/ast/check.go``): ``checkRefLeaf`` finds a constant key by
``selectConstant``, whose ``types.Select`` of an ``Any`` selects the key in each part and joins what it finds by
``Or``: a part that cannot be selected (a scalar, an object without the key, an array past its static elements, a
set of another element type) gives nil and drops out, and where no part gives a type the ref is "undefined ref".
Any other key (a variable, a collection) is unified with ``types.Keys`` of the whole, and the ref goes on with
``types.Values`` of the whole (every part's). ``Set.Select`` of a scalar constant is the key's own type where the
set's element type is it, or an ``any`` holding it. This reader once gave any for every key of such a value.
Each near miss is valid Rego OPA accepts.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, assert_refused_at, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
DEEP = 'q[k] := "t" if { some k in ["a"] }\nq.a.b.c := 1 if { false }\n'  # lines 3 and 4
MIXED = 'r := {"a": 1} if input.x else := "s"\n'  # line 3: any<string, object<"a": number>>

REFUSED = [
    # The merged dynamic property any<string, object[string: object[string: number]]>: a number three keys on.
    (DEEP + "h if {\n  q.j.x.y.z\n}\n", 6, "`q.j.x.y.z` looks inside a number"),
    (DEEP + "h if {\n  upper(q.j.x.y)\n}\n", 6, "`q.j.x.y`, is a number"),
    # A rule of two kinds: the key in no part, the key's type the object part's alone, a key into that.
    (MIXED + "h if {\n  r.b\n}\n", 5, "`r.b` looks up `b` in an any<object, string>, and none of its parts"),
    (MIXED + "h if {\n  upper(r.a)\n}\n", 5, "`r.a`, is a number"),
    (MIXED + "h if {\n  r.a.b\n}\n", 5, "`r.a.b` looks inside a number"),
    # Two arrays: index 1 only in the first (a string), index 2 in neither.
    ('r := [1, "a"] if input.x else := ["b"]\nh if {\n  r[1] + 1\n}\n', 5, "`r[1] + 1` applies `+` to a string"),
    ('r := [1, "a"] if input.x else := ["b"]\nh if {\n  r[2]\n}\n', 5, "`r[2]` looks up `2`"),
    # A set of any elements (also the `-` operator's any<number, set[any]>): a constant key is its own type.
    ("h if {\n  s := {v | some v in input.a}\n  s.foo + 1\n}\n", 5, "`s.foo + 1` applies `+` to a string"),
    ("h if {\n  s := input.a - input.b\n  s.foo + 1\n}\n", 5, "`s.foo + 1` applies `+` to a string"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    DEEP + "h if {\n  q.j.x.y + 1\n  upper(q.j)\n}\n",
    MIXED + "h if {\n  r.a + 1\n}\n",
    # A variable key: the keys of every part (here any: OPA's Keys of the string part is nil, the object's a
    # string), and every part's values, so a string and a number both pass.
    'r := ["a"] if input.x else := {"a": 1}\nh if {\n  some k\n  upper(r[k])\n}\n',
    'r := ["a"] if input.x else := {"a": 1}\nh if {\n  some k\n  r[k] + 1\n}\n',
    'r := [1, "a"] if input.x else := ["b"]\nh if {\n  upper(r[1])\n  r[0] == 1\n}\n',
    "h if {\n  s := {v | some v in input.a}\n  upper(s.foo)\n  t := input.a - input.b\n  upper(t.foo)\n}\n",
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith("types30a-") and ("several-kinds" in name or "set-key" in name)], 5, engine)
