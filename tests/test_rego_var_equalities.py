"""``x = y`` binds one side only once something else binds the other (types29b).

Settled from OPA's source: ``reorderBodyForSafety`` (v1/ast/compile.go) takes ``x = y``'s outputs from
``outputVarsForExprEq``, that is ``Unify(safe, x, y)`` (v1/ast/unify.go), which marks a variable safe only when the
other is; two unsafe ones are only marked unknown to each other. ``y == "a"`` is still the builtin ``equal`` there
(``RewriteEquals`` runs later), whose arguments are inputs. So ``x = y; y == "a"`` is refused ("var x is unsafe").
Before, the unsafe check counted either side of ``=`` as binding; the engines refused the body on their own with
another reason (regorus: "incompatible destructuring patterns", regopy: "Unable to unify due to cycle").
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, refusal

P = "package p\n\n"


def _refused(body: str, engine: str = "regorus") -> str:
    return refusal({"p.rego": P + "h if {\n" + body + "\n}\n\nr := 1\n"}, engine)


@pytest.mark.parametrize(("body", "name", "line"), [
    ('  x = y\n  y == "a"', "x", 4),
    ('  x = y', "x", 4),
    ('  y == "a"\n  x = y', "y", 4),
    ('  x = y\n  y = z\n  z != 1', "x", 4),
    ('  c := [1 | x = y; y == "a"]', "x", 4),
    ('  x = y; y == "a"; count([1]) > 0', "x", 4),
])
@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_what_opa_refuses_is_refused_as_unsafe(body: str, name: str, line: int, engine: str) -> None:
    said = _refused(body, engine)
    assert said.startswith(f"p.rego:{line}:"), said
    assert f"variable `{name}` is unsafe" in said
    assert "binds it only once something else binds that one" in said


@pytest.mark.parametrize("body", [
    '  x = y\n  y = "a"',
    '  x = y\n  y == "a"\n  input.b[x]',
    '  x = y\n  y = z\n  z = input.a',
    '  y := input.a\n  x = y',
    '  c := [1 | x = y; y = 1]',
    '  y := input.a\n  c := [1 | x = y]',
    '  some y in input.a\n  x = y',
    '  x = [y]\n  y == 1\n  x == [1]',  # a pattern stays generous: natpolicy leaves it to the engines
])
def test_what_opa_accepts_or_is_left_passes(body: str) -> None:
    assert _refused(body) == ""


def test_a_function_parameter_binds_the_other_side() -> None:
    assert refusal({"p.rego": P + "f(y) := x if {\n  x = y\n}\n\nr := f(1)\n"}, "regorus") == ""


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes(engine: str) -> None:
    refused = PROBES["types29b-var-equal-var-bound-by-nothing-refused"]
    assert refused.get("refused")
    assert "variable `x` is unsafe" in refusal({"p.rego": refused["source"]}, engine)
    for near in ("types29b-var-equal-var-bound-by-unify-near-miss", "types29b-var-equal-var-bound-through-a-ref-near-miss"):
        assert refusal({"p.rego": PROBES[near]["source"]}, engine) == ""
