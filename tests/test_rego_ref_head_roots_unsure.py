"""What the type reader cannot follow near a ref head's first name and in OPA's order is refused as unsure
(types28b, third round), never silent; what it follows is typed as OPA types it.

Settled from OPA's source: ``getRefRecExtent`` (``v1/ast/typeenv.go``) types ``a`` of ``a.b := 1`` from the type
tree below it, which holds a function below it as a function type (``checkRule``), a rule with a variable key at
``a`` itself as a value the rules below it are merged into (``typeTreeNode.Insert``: typed since types29, where one
name below it; ``test_rego_rule_tree_merged``), and the rules another loaded package (``package p.a``) files
there. ``reorderBodyForClosures`` (``v1/ast/compile.go``) runs a statement whose
comprehension closes over a name after what binds it.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_refused_at, refusal, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3
UNSURE = "natpolicy cannot tell whether OPA's type checker accepts"


def found(body: str, loaded: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body, loaded)


@pytest.mark.parametrize(("body", "line", "says"), [
    # A comprehension closing over a name a later statement binds: typed after it (reorderBodyForClosures).
    ('h if {\n  ys := [v | some v in xs]\n  xs = ["a"]\n  ys[0] + 1\n}\n', 6, "applies `+` to a string (`ys[0]`)"),
    ('h if {\n  ys := [v | some v in xs]\n  xs = ["a"]\n  y := ys[0]\n  y + 1\n}\n', 7, "applies `+` to a string"),
    ('f(a) := a if {\n  ys := {v | some v in xs}\n  xs = ["a"]\n  some y in ys\n  y + 1\n}\n', 7,
     "applies `+` to a string"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


def test_several_definitions_holding_sets_beside_rules_below_are_typed_as_every_order_types_them() -> None:
    # A variable key's rule of several definitions holding sets beside rules below it: refused as unsure where read
    # alone until types31; every order OPA may merge them in (Graph.Sort) types the name alike, an object
    # (test_rego_rule_tree_merge_types), so `upper(a)` is refused as OPA refuses it and `x := a` passes.
    errors = found('a.b.c := 1\na[k] := {2} if { some k in ["x"] }\na[k] := {"s"} if { some k in ["y"] }\n'
                   'h if { upper(a) }\n')
    assert errors and errors[0][0] == 6 and "argument 1 of upper(...), `a`, is an object" in errors[0][1], errors
    assert found('a[k] := {1} if some k in ["x"]\na[k] := {"s"} if some k in ["y"]\na.b.c := 2\n'
                 'h if {\n  x := a\n}\n') == []


def test_a_package_below_the_name_is_refused_as_unsure_where_the_name_is_read_alone() -> None:
    below = "package p.a\n\nc := 2\n"
    errors = found("a.b := 1\nh if {\n  x := a\n}\n", (below,))
    assert errors and errors[0][0] == 5 and errors[0][1].startswith(UNSURE) and "package ...a" in errors[0][1]
    assert found("a.b := 1\nh if {\n  x := a\n}\n") == []  # no package below: OPA's object of its rules
    assert found("a.b := 1\nh if {\n  a.b == 1\n}\n", (below,)) == []  # a rule reached by its ref


@pytest.mark.parametrize("body", [
    # The same shapes where the types fit, or where nothing reads what is not followed.
    'h if {\n  ys := [v | some v in xs]\n  xs = [1]\n  ys[0] + 1\n}\n',
    'h if {\n  z := [n | some n in input.xs]\n  n := 1\n  n + 1\n}\n',  # the comprehension's own n
    "a.f(x) := x + 1\nr := a.f(1) if is_object(a)\n",
    "a.f(x) := x + 1\nh if {\n  x := a\n  x.g == 1\n}\n",
    # Left, not refused: a read before a binding whose order is not read (`a := y; upper(x) == a; y := x`). (The
    # function's property read, `x.f`, is refused since types29, as OPA's checkApply refuses it.)
    'a[k] := 1 if some k in ["x"]\na.b := 2\nh if {\n  a.b == 2\n}\n',
    # The name alone beside a variable key one name up: merged as OPA merges it (types29), x bound to it.
    'a[k] := 1 if some k in ["x"]\na.b := 2\nh if {\n  x := a\n}\n',
    'q.k := 5 if false\nq[k] := v if { some k, v in input.o }\nx := [q.k, q.j]\n',
    'a.b[k] := 1 if some k in ["x"]\na.c := 2\nx := a\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_third_round_probes_are_refused_or_pass_as_opa_does(engine: str) -> None:
    name = "types28b-comprehension-closing-over-a-name-a-later-statement-binds"
    assert PROBES[name].get("refused") and "p.rego:6:" in refusal({"p.rego": PROBES[name]["source"]}, engine)
    near = PROBES[f"{name}-near-miss"]
    assert not near.get("refused") and type_errors_by_line(near["source"]) == []
    unsure = P + ("a[k] := {1} if some k in [\"x\"]\na[k] := {\"s\"} if some k in [\"y\"]\na.b.c := 2\n"
                  "h if {\n  x := a\n}\n\nr := 1\n")
    said = refusal({"p.rego": unsure}, engine)
    # regorus refuses the pair of rules itself first (ref_head_conflicts); regopy answers, `a` typed as every
    # order OPA may merge it in types it (types31; it was refused as unsure).
    assert said == "" if engine == "regopy" else "lies inside `a[k]`" in said, said
