"""regopy_else_names: a name a failed else branch bound, met again by a ref in a later branch, is refused on regopy;
a later branch binding it afresh by ``:=`` or ``some ... in`` is left, and regopy answers it as OPA does."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_else_names import reused_else_names
from tests.test_rego_default_mode import default_answer

ROWS = {"rs": [{"n": -1, "s": "c"}]}

REFUSED = [
    "x := input.rs[i].n if { i := 1 } else := 2 if { some i; input.rs[i] }",
    "x := 1 if { i = 1; input.rs[i] } else := 2 if { input.rs[i] }",
    "x := 1 if { some i in [1]; input.rs[i] } else := 2 if { some i; input.rs[i] }",
    "x := 1 if { i := 1; input.rs[i] } else := 2 if { count([v | v := input.rs[i].n]) == 1 }",
    "x := 1 if { r := input.rs[1]; r.n > 0 } else := 2 if { [r] := [input.rs[0]]; r.n < 0 }",
    "x := 1 if { i := 1; input.rs[i] } else := 2 if { false } else := input.rs[i].n",
]

# (rule, OPA's answer): each is left, and regopy answers as OPA.
LEFT = [
    ("x := 1 if { i := 1; input.rs[i] } else := 9 if { i := 0; input.rs[i] }", 9),
    ("x := input.rs[i].n if { i := 1 } else := 9 if { some i in [0]; input.rs[i] }", 9),
    ("x := 1 if { i := 1; input.rs[i] } else := 2 if { j := 0; input.rs[j] }", 2),
    ("x := 1 if {\n  r := input.rs[1]\n  r.n > 0\n} else := 2 if {\n  r := input.rs[0]\n  r.n < 0\n}", 2),
    ("f(i) := 1 if { input.rs[i] } else := 9 if { i > 0 }\nx := f(1)", 9),
    ("x := sprintf(\"%v\", [1]) if { input.n == 2 } else := count(input.rs) if { true }", 1),
    ("x := 1 if { some i; input.rs[i].n > 5 } else := 2", 2),
]


@pytest.mark.parametrize("rule", REFUSED)
def test_a_name_met_again_by_a_ref_is_refused(rule: str) -> None:
    found = list(reused_else_names(f"package p\n{rule}\n", set()))
    assert len(found) == 1 and "earlier branch of this `else` chain" in found[0][1]


@pytest.mark.parametrize(("rule", "answer"), LEFT)
def test_a_name_bound_afresh_is_left(rule: str, answer: object) -> None:
    assert list(reused_else_names(f"package p\n{rule}\n", {"f"})) == []


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed")
@pytest.mark.parametrize(("rule", "answer"), LEFT)
def test_regopy_answers_what_is_left_as_opa(rule: str, answer: object) -> None:
    assert default_answer(create_engine("regopy"), {"source": f"package p\n{rule}\n", "rule": "x", "input": ROWS}) == ("ok", answer)
