"""A statement's ``==`` waits for what binds its operands, as OPA's compiler orders it (types29).

Settled from OPA's source (``v1/ast/compile.go``): the stage ``CheckSafetyRuleBodies`` reorders each body
(``reorderBodyForSafety``) while ``a == b`` is still the builtin ``equal``: ``outputVarsForExpr`` gives a call no
outputs but its arguments past its arity, so both operands are inputs and it runs after what binds them. Only
then does ``RewriteEquals`` make it ``=``, which ``CheckTypes`` unifies (``checkExprEq``). This reader ran it
where it was written when one side was bound, binding the other, and passed `a := y; 1 == a; y = "s"`.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


@pytest.mark.parametrize(("body", "line", "says"), [
    ('h if {\n  a := y\n  1 == a\n  y = "s"\n}\n', 5, "`1 == a` unifies a number with a string"),
    ('h if {\n  a := y\n  upper(input.x) == a\n  y = 1\n}\n', 5, "`upper(input.x) == a` unifies a string with a number"),
    ('h if {\n  a = y\n  a == [1]\n  y = "s"\n}\n', 5, "`a == [1]` unifies a string with an array"),
    # Nothing binds y: OPA refuses the body as unsafe (`y == "a"` outputs nothing), as natpolicy's unsafe check
    # does since types29b (test_rego_var_equalities); the type reader types the `==` still waiting when the body
    # ends first, so `x + 1` is refused by it too.
    ('h if {\n  x = y\n  y == "a"\n  x + 1\n}\n', 6, "applies `+` to a string (`x`)"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(P + body), line, says)


@pytest.mark.parametrize("body", [
    'h if {\n  a := y\n  "t" == a\n  y = "s"\n}\n',
    'h if {\n  a := y\n  upper(input.x) == a\n  y = input.z\n}\n',
    'h if {\n  y = "s"\n  a := y\n  "t" == a\n}\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert type_errors_by_line(P + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    name = "types29-equal-waits-for-its-operand"
    assert PROBES[f"{name}-refused"].get("refused")
    assert "p.rego:5:" in refusal({"p.rego": PROBES[f"{name}-refused"]["source"]}, engine)
    assert type_errors_by_line(PROBES[f"{name}-near-miss"]["source"]) == []
