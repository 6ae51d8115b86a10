"""A `=` whose other side a later statement binds itself, and a function's body, typed in OPA's order (types28b).

Settled from OPA's source (``v1/ast/compile.go``): ``reorderBodyForSafety`` adds a statement once its variables are
safe or its own outputs (``outputVarsForExpr``): the keys of a ref whose head is safe (``isRefSafe``,
``Ref.OutputVars``), a call's arguments past its arity once its inputs are safe (``outputVarsForExprCall``), one
side of ``=`` once the other is (``Unify``); a comprehension or ``every`` that closes over a body variable comes after
what binds it (``reorderBodyForClosures``); a function's body is reordered too, its arguments safe
(``checkSafetyRuleBodies``). And ``checkRefLeaf`` types an unbound variable key as ``types.Keys`` of what the ref
reached (``PutOne``). A statement reading a name a later statement binds waits for it too (OPA's unsafe
variables). Where this reader cannot read which statement OPA runs first, it refuses as unsure, never silent.
`some y in ...` after a use of `y` is no case: OPA refuses it ("var y referenced above"), and natpolicy too.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
UNSURE = "natpolicy cannot tell whether OPA's type checker accepts"


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


REFUSED = [
    # A ref of a safe head outputs its key: the index of an array is a number.
    ('h if {\n  x = y\n  ["a"][y]\n  upper(x)\n}\n', 6, "argument 1 of upper(...), `x`, is a number"),
    ('h if {\n  x = y\n  xs := ["a"]\n  xs[y]\n  upper(x)\n}\n', 7, "`x`, is a number"),
    ('h if {\n  x = y\n  o := {"a": 1}\n  v := o[y]\n  x + 1\n}\n', 7, "applies `+` to a string (`x`)"),
    # A call's output argument, its input bound.
    ('h if {\n  x = y\n  count(input.a, y)\n  upper(x)\n}\n', 6, "`x`, is a number"),
    ('h if {\n  x = [y]\n  count(input.a, y)\n  upper(x[0])\n}\n', 6, "is a number"),
    # `=` of a side that is a ref of a safe head: Unify outputs the other side, the key too.
    ('h if {\n  x = y\n  y = ["a"][k]\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
    ('h if {\n  x = y\n  y == "a"\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
    # A comprehension or an `every` closing over `y`: after what binds it.
    ('h if {\n  x = y\n  ys := [1 | y]\n  y = "a"\n  x + 1\n}\n', 7, "applies `+` to a string (`x`)"),
    ('h if {\n  x = y\n  every z in [1] { y != z }\n  y = "a"\n  x + 1\n}\n', 7, "applies `+` to a string (`x`)"),
    # A function's body.
    ('f(a) := a if {\n  x = y\n  y = "a"\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
    ('f(a) := a if {\n  x = y\n  count(a, y)\n  upper(x)\n}\n', 6, "`x`, is a number"),
    # An unbound variable key: the keys' type.
    ('h if {\n  o := {"a": 1}\n  o[k]\n  k + 1\n}\n', 6, "applies `+` to a string (`k`)"),
    ('h if {\n  xs := ["a"]\n  v := xs[i]\n  upper(i)\n}\n', 6, "`i`, is a number"),
    ('h if {\n  s := {"a"}\n  s[e]\n  e + 1\n}\n', 6, "applies `+` to a string (`e`)"),
    # A negated statement outputs nothing ("Negated expressions must be safe"): it waits for `y` too.
    ('h if {\n  x = y\n  not input.a[y]\n  y = 1\n  upper(x)\n}\n', 7, "`x`, is a number"),
    ('h if {\n  x = y\n  not ["a"][y]\n  y = "s"\n  upper(x)\n}\n', 5, "looks up a key of type string (`y`)"),
    # A name read before the statement that binds it: that statement first (OPA's unsafe variables).
    ('h if {\n  some v in xs\n  xs = ["a"]\n  v + 1\n}\n', 6, "applies `+` to a string (`v`)"),
    ('h if {\n  count(xs) > 0\n  xs = 1\n}\n', 4, "argument 1 of count(...), `xs`, is a number"),
    ('h if {\n  x := y\n  y = 1\n  upper(x)\n}\n', 6, "`x`, is a number"),
    ('f(a) := a if {\n  some v in xs\n  xs = ["a"]\n  v + 1\n}\n', 6, "applies `+` to a string (`v`)"),
    # A ref head's first name with a function below it: still OPA's object of its rules (getRefRecExtent).
    ("a.f(x) := 1\nh if { upper(a) }\n", 4, "`a`, is an object"),
    ("a.f(x) := 1\na.b := 1\nh if {\n  x := a\n  upper(x.b)\n}\n", 7, "`x.b`, is a number"),
]


@pytest.mark.parametrize(("body", "line", "says"), REFUSED)
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # The same shapes where the types fit.
    'h if {\n  x = y\n  ["a"][y]\n  x + 1\n}\n',
    'h if {\n  x = y\n  count(input.a, y)\n  x + 1\n}\n',
    'h if {\n  x = y\n  input.a[y]\n  upper(x)\n}\n',
    'h if {\n  x = y\n  ys := [1 | y]\n  y = 1\n  x + 1\n}\n',
    'f(a) := a if {\n  x = y\n  y = 1\n  x + 1\n}\n',
    'f(a) := a if {\n  x = y\n  y = a\n  upper(x)\n}\n',
    'h if {\n  o := {"a": 1}\n  o[k]\n  upper(k)\n}\n',
    'h if {\n  xs := ["a"]\n  xs[i] == "a"\n  i + 1\n}\n',
    'h if {\n  o := {"a": 1}\n  o[_]\n  some k, v in o\n  upper(k)\n}\n',
    'h if {\n  some v in xs\n  xs = [1]\n  v + 1\n}\n',
    'h if {\n  x := y\n  y = "a"\n  upper(x)\n}\n',
    'h if {\n  x = y\n  not input.a[y]\n  y = "s"\n  upper(x)\n}\n',
    'h if {\n  y > 0\n  y = 1\n  x := y + 1\n}\n',
    # The name's other keys beside a function below it; its calls are as before. (`x.f` itself is refused since
    # types29, as OPA's checkApply refuses it: test_rego_rule_tree_merged; OPA refuses `count(a)` too, its
    # unifiesObjectsStatic meeting the function type: left, docs/rego.md.)
    'a.f(x) := 1\nh if {\n  x := a\n  x.g == 1\n  a.f(1) == 1\n  is_object(a)\n}\n',
    # A key of what this reader does not hold whole stays any.
    'h if {\n  input.a[k]\n  k + 1\n  upper(k)\n}\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("body", [
    # A statement this reader does not read (a `with` target holding a variable) that may bind the waited name. (A
    # comprehension declaring the waited name itself, a `some y` declaration and a ref key holding a ref are
    # followed since types30b, as OPA orders them, and a statement with `with` since types31:
    # test_rego_safety_reorder.)
    'h if {\n  x = y\n  y = 1 with input[y] as {}\n  x + 1\n}\n',
])
def test_an_order_this_reader_cannot_read_is_refused_as_unsure(body: str) -> None:
    errors = found(body)
    assert errors and errors[0][0] == 5 and errors[0][1].startswith(UNSURE) and "reorderBodyForSafety" in errors[0][1]


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize(("body", "line"), [(REFUSED[0][0], 6), (REFUSED[9][0], 6), (REFUSED[11][0], 6)])
def test_every_engine_refuses_it_at_its_line(engine: str, body: str, line: int) -> None:
    said = refusal({"p.rego": P + body + "\nr := 1\n"}, engine)
    assert f"p.rego:{line}:" in said and "OPA refuses the whole module" in said, said


@pytest.mark.parametrize("body", [
    'helper if {\n  x = y\n  count(input.a, y)\n  upper(x)\n}\n',
    'helper if {\n  o := {"a": 1}\n  o[k]\n  k + 1\n}\n',
])
def test_what_is_refused_never_answers_on_regorus_when_reached(body: str) -> None:
    regorus_never_answers(P + body)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_second_round_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    names = ["types28b-unify-before-a-ref-key-binds-its-other-side",
             "types28b-unify-before-a-call-output-binds-its-other-side",
             "types28b-unify-before-a-comprehension-closes-over-its-other-side", "types28b-unify-in-a-function-body",
             "types28b-ref-key-variable-typed-as-the-keys", "types28b-ref-head-root-with-a-function-below",
             "types28b-some-over-a-name-a-later-statement-binds", "types28b-negated-ref-key-outputs-nothing",
             "types28b-assign-from-a-name-a-later-statement-binds"]
    for name in names:
        assert PROBES[name].get("refused") and refusal({"p.rego": PROBES[name]["source"]}, engine), name
    for name in ["types28b-unify-before-a-ref-key-near-miss", "types28b-ref-key-variable-near-miss",
                 "types28b-unify-in-a-function-body-near-miss", "types28b-ref-head-root-with-a-function-near-miss",
                 "types28b-some-over-a-name-a-later-statement-binds-near-miss"]:
        assert not PROBES[name].get("refused") and type_errors_by_line(PROBES[name]["source"]) == [], name
