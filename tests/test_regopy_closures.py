"""regopy binds a bracket variable inside a comprehension afresh where the enclosing rule bound it by a ref, a
function argument and the like. Where the body binds it by a ref in an earlier statement, natpolicy copies it
before the comprehension's statement (regopy_closures.copies_for_regopy) and regopy answers as OPA; the other
such brackets are refused by line; the other bindings run."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_closures import copies_for_regopy, rebound_closures

needs_regopy = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
DOCUMENT = {"rs": [{"p": 5}, {"p": 0}], "o": {"a": 0, "b": 1}}
USE = "c := [w | w := input.rs[i].p]"


@pytest.mark.parametrize(("rule", "expected"), [
    (f"x contains [i, c] if {{ input.rs[i]; {USE} }}", [[0, [5]], [1, [0]]]),  # bound by a ref before
    (f"x contains [i, c] if {{ some i; r := input.rs[i]; {USE} }}", [[0, [5]], [1, [0]]]),
    (f"x[i] := c if {{ input.rs[i]; {USE} }}", {"0": [5], "1": [0]}),  # a rule's key the body binds
    ("x contains [i, c] if {\n  r := input.rs[i]\n  c := count([w | w := input.rs[i].p; w > i])\n}",
     [[0, 1], [1, 0]]),
    # `input[...]` holding a set union is a ref's bracket, no comprehension of its own (rule_scope.comprehensions)
    ("x contains [i, c] if { input.rs[i]; c := [w | w := input[{input.rs[i]} | {\"m\"}]] }", [[0, []], [1, []]]),
])
def test_a_variable_the_body_binds_by_a_ref_before_is_copied_and_answered_as_opa(rule: str, expected: Any) -> None:
    source = f"package p\n\n{rule}\n"
    assert list(rebound_closures(source)) == []
    out = copies_for_regopy(source)
    assert out.count("\n") == source.count("\n") and ":= i; " in out and "[i]" in out.split(":= i; ")[0]
    if "regopy" in installed_engines():
        engine = create_engine("regopy")
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        value = engine.evaluate(compiled, "p/x", engine.prepare_input(DOCUMENT))
        assert (sorted(value, key=repr) if isinstance(value, list) else value) == expected


@pytest.mark.parametrize("rule", [
    f"x contains [i, c] if {{ {USE}; input.rs[i] }}",  # bound by a ref after the comprehension
    "x := [[i, c] | input.rs[i]; c := [w | w := input.rs[i].p]]",  # by a ref in an enclosing comprehension
    "f(i) := [w | w := input.rs[i].p]",  # a function's argument
    "x := 1 if { every i, r in input.rs { count([w | w := input.rs[i].p]) == 1 } }",
    f"x contains [i, c] if {{ walk([0, 1], [[i], _]); {USE} }}",
    f"x contains [i, c] if {{ [i, _] = [1, 2]; {USE} }}",
    f"x contains [i, c] if {{ i = input.o[_]; {USE} }}",
    f"f(i) := c if {{ s := {{1}} | {{2}}; {USE} }}",  # a body holding a set union too
])
def test_a_bracket_of_a_variable_bound_outside_the_comprehension_is_refused_on_regopy(rule: str) -> None:
    source = f"package p\n\n{rule}\n"
    refused = [(source.count("\n", 0, offset) + 1, message) for offset, message in engine_refusals(source, "regopy")
               if "binds it afresh" in message]
    assert [line for line, _ in refused] == [3], refused
    assert "`j := i`" in refused[0][1]
    assert not [m for _, m in engine_refusals(source, "regorus") if "afresh" in m]


# Near-misses, each with OPA's answer: bindings regopy reads inside a comprehension as OPA does, a variable of
# the comprehension's own, one outside a bracket, a sibling comprehension's, and a rule's name.
NEAR_MISSES: list[tuple[str, Any]] = [
    (f"x contains [i, c] if {{ some i, _ in input.rs; {USE} }}", [[0, [5]], [1, [0]]]),
    (f"x contains [i, c] if {{ some i in [0, 1]; {USE} }}", [[0, [5]], [1, [0]]]),
    (f"x contains [i, c] if {{ i := input.o[_]; {USE} }}", [[0, [5]], [1, [0]]]),
    (f"x contains [j, c] if {{ input.rs[j]; i := j; {USE} }}", [[0, [5]], [1, [0]]]),
    (f"x contains [i, c] if {{ i = 1; {USE} }}", [[1, [0]]]),
    ("x := [w | w := input.rs[i].p]", [5, 0]),
    ("x contains c if { input.rs[i]; c := [w | some i; w := input.rs[i].p] }", [[5, 0]]),
    ("x contains [i, c] if { input.rs[i]; c := [w | w := input.rs[j].p; j == i] }", [[0, [5]], [1, [0]]]),
    ("x := [[w | input.rs[i]; w := 1], [v | v := input.rs[i].p]]", [[1, 1], [5, 0]]),
    # A body holding a set union is no comprehension: its own ref binds `i` (it stopped the query, a false stop)
    ("x contains [i, c] if { s := {1} | {2}; input.rs[i]; c := count(s) }", [[0, 2], [1, 2]]),
    ("x contains [i, c] if {\n  s := {1} | {2}\n  input.rs[i]\n  c := [w | w := input.rs[i].p; count(s) == 2]\n}",
     [[0, [5]], [1, [0]]]),
]


@pytest.mark.parametrize(("rule", "expected"), NEAR_MISSES)
def test_other_bindings_are_not_refused_and_answer_as_opa_on_regopy(rule: str, expected: Any) -> None:
    source = f"package p\n{rule}\n"
    assert list(rebound_closures(source)) == []
    if "regopy" in installed_engines():
        engine = create_engine("regopy")
        compiled = engine.compile({"p.rego": source}, None, ["p/x"])
        value = engine.evaluate(compiled, "p/x", engine.prepare_input(DOCUMENT))
        assert sorted(value, key=repr) == sorted(expected, key=repr)
