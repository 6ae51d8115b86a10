"""A plain ``some x`` binds nothing: a ref after it types ``x`` by its keys, as without it (types29b).

Settled from OPA's source: ``rewriteDeclaredVarsInBody`` (v1/ast/compile.go) hands ``some x`` to
``rewriteSomeDeclStatement``, which declares the renamed ``x`` and returns no expression, so the statement is gone
before ``CheckTypes``. ``q[x]`` then puts ``types.Keys`` of q on x (``checkRefLeaf``, v1/ast/check.go), as it does
without the ``some``. This reader typed a declared name any, so ``some x; q[x]; x + 1`` passed while the same body
without ``some x`` was refused.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

Q = 'package p\n\nq[k] := 1 if some k in ["a"]\n\n'  # q is object[string: number]; the body below starts on line 5


@pytest.mark.parametrize(("body", "line", "says"), [
    ("h if {\n  some x\n  q[x]\n  x + 1\n}\n", 8, "applies `+` to a string (`x`)"),
    ("h if {\n  some x, y\n  q[x] = y\n  upper(y)\n}\n", 8, "upper"),
    ("h if {\n  some x\n  q[x]\n  input.a[x]\n  x + 1\n}\n", 9, "applies `+` to a string (`x`)"),
])
def test_what_opa_refuses_is_refused(body: str, line: int, says: str) -> None:
    assert_refused_at(type_errors_by_line(Q + body), line, says)


@pytest.mark.parametrize("body", [
    "h if {\n  some x\n  q[x]\n  upper(x) == \"A\"\n}\n",
    # checkRefLeaf below input (any): types.Keys(any) is any, so x is any and q[x] only checks it unifies. This
    # reader left x unbound there, and q[x] typed it a string: a false refusal, with or without `some x`.
    "h if {\n  some x\n  input.a[x]\n  q[x]\n  x + 1\n}\n",
    "h if {\n  input.a[x]\n  q[x]\n  x + 1\n}\n",
    "h if {\n  input.a[x][y]\n  q[y]\n  y + 1\n}\n",
    "h if {\n  some x\n  x := 5\n  x + 1\n}\n",  # OPA: var x declared above (a compile error checked elsewhere)
    "h if {\n  some q\n  input.a[q]\n  q + 1\n}\n",  # shadows the rule q: followed no further, any as before
    "h if {\n  x := 1\n  c := [1 | some x; input.a[x]; x + 1]\n}\n",  # shadows the outer x: any as before
])
def test_what_opa_accepts_or_is_left_passes(body: str) -> None:
    assert type_errors_by_line(Q + body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes(engine: str) -> None:
    name = "types29b-some-declared-key-typed"
    assert PROBES[f"{name}-refused"].get("refused")
    assert "p.rego:8:" in refusal({"p.rego": PROBES[f"{name}-refused"]["source"]}, engine)
    assert refusal({"p.rego": PROBES[f"{name}-near-miss"]["source"]}, engine) == ""
    assert refusal({"p.rego": PROBES["types29b-key-bound-below-input-near-miss"]["source"]}, engine) == ""
