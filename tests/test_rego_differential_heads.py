"""scripts/differential_heads.py: the `--heads` generator of scripts/rego_differential.py (issue 17)."""
from __future__ import annotations

from tests.script_modules import load_script

heads = load_script("differential_heads")


def test_the_generated_modules_are_the_same_for_one_seed_and_vary_every_kind_of_head() -> None:
    modules = heads.random_heads(300, 4)
    assert modules == heads.random_heads(300, 4) != heads.random_heads(300, 5)
    texts = "\n".join(body for body, _ in modules)
    for construct in ("x contains ", "x := ", "x[", "x.a[", "f(rs) := ", " else := ", "default x := ", "sprintf(",
                      "upper(", "count(", "input.rs[i].n", "[input.rs[i].n, i]", '{"k": input.rs[i].n}',
                      "[v | some v in ", "some i;", "i > 0", " if {\n\t", " if { ", "if input.rs"):
        assert construct in texts, construct
    assert all("x" in body and "rs" in document or "rs" not in document for body, document in modules)


def test_sets_and_objects_are_compared_by_their_elements_not_their_order() -> None:
    assert heads._sorted_set("x contains 1 if true", "", [2, 1]) == heads._sorted_set("x contains 1", "", [1, 2])
    assert heads._sorted_set("x := 1", "", {"b": 1, "a": 2}) == heads._sorted_set("x := 1", "", {"a": 2, "b": 1})
    assert heads._sorted_set("x := [2, 1]", "got [2, 1]", [2, 1]) != heads._sorted_set("x := 1", "got [1, 2]", [1, 2])
