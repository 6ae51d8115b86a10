"""A function below a ref head's name (``a.f(x) := ...``), met at its key by a declared any or a value's type.

Settled from OPA's source (``v1/ast/check.go``): ``a`` read alone is the object ``getRefRecExtent`` builds,
``object<f: function>[string: any]``. ``unifies`` of a function with anything but a function is false, any
included: ``unifiesAny`` returns false for a function before it looks at its parts. So where that object meets
another object type, ``unifiesObjectsStatic`` selects ``f`` in the other and fails, whatever it finds there: a
builtin's declared ``object[string: any]`` (``http.send``, ``io.jwt.decode_verify``,
``json.marshal_with_options``), a function's argument inferred so, or, in ``==`` and ``=`` between two typed
values (``checkExprEq``, both types non-nil), a value's object holding any at ``f``. Where the object itself meets
a declared any, ``unifiesAny`` of the empty ``Any`` is true without a look inside (``is_object(a)``,
``json.marshal(a)``, ``a == input.z``, the object as a literal's value), and an unbound name in a pattern is bound
to the function unchecked (``unify1``). This reader let the function meet any and pass.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, assert_refused_at, type_errors_by_line

P = "package p\n\na.f(x) := x + 1\n"  # the body below starts on line 4

REFUSED = [
    # A builtin's declared object of any values: f selects any there.
    ("h if {\n  http.send(a)\n}\n", 5, "argument 1 of http.send(...), `a`, is an object<\"f\": function"),
    ('h if {\n  io.jwt.decode_verify("t", a)\n}\n', 5, "argument 2 of io.jwt.decode_verify(...)"),
    ("h if {\n  json.marshal_with_options(1, a)\n}\n", 5, "argument 2 of json.marshal_with_options(...)"),
    # One name down: `b.c` is the object holding the function.
    ("b.c.f(x) := 1\nh if {\n  http.send(b.c)\n}\n", 6, "argument 1 of http.send(...), `b.c`"),
    # A function's argument OPA infers as object[string: any] from its body.
    ("g(o) := 1 if { http.send(o) }\nh if {\n  g(a)\n}\n", 6, "argument 1 of g(...), `a`"),
    # `==` and `=` between two typed values: an object holding any (or of any keys and values) at f.
    ('h if {\n  a == {"f": input.z}\n}\n', 5, "unifies a function below a ref head's name with a value"),
    ('h if {\n  y := {"f": input.z}\n  x := a\n  x = y\n}\n', 7, "`x = y` unifies a function"),
    ("h if {\n  y := {k: v | some k, v in input.z}\n  a == y\n}\n", 6, "`a == y` unifies a function"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    # Declared any, and any: no look inside the object.
    "h if {\n  is_object(a)\n  json.marshal(a)\n  a == input.z\n  a != input.z\n  a in {input.z}\n}\n",
    # The object as a value inside another: selected as any there, which unifies with an object.
    'h if {\n  http.send({"x": a})\n  x := {"b": a}\n  http.send(x)\n}\n',
    # Two names down: the name's own object holds no function itself.
    "b.c.f(x) := 1\nh if {\n  http.send(b)\n}\n",
    # The same object on both sides, and a pattern's unbound name.
    'h if {\n  x := a\n  x == a\n  {"f": y} = x\n  x == {"f": z}\n}\n',
    # An argument any (not referred to as an object in its body).
    "g(o) := 1 if { o.x == 1 }\nh if {\n  g(a)\n}\n",
])
def test_what_opa_accepts_is_not_refused(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    assert_probes_as_opa([name for name in PROBES if name.startswith("types30a-function-")], 3, engine)
