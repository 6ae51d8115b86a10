"""scripts/differential_scopes.py: the `--scopes` generator of scripts/rego_differential.py (a maintainer's tool)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script, run_differential

scopes = load_script("differential_scopes")


def test_the_generated_modules_are_the_same_for_one_seed_and_combine_scopes_and_modifiers() -> None:
    modules = scopes.random_scopes(80, 4)
    assert modules == scopes.random_scopes(80, 4) != scopes.random_scopes(80, 5)
    texts = "\n".join(module for module, _, _, _ in modules)
    for construct in (" with input", " with data.p.", " with f as ", " with count as ", "every ", "not ",
                      "some ", "e := 5; "):
        assert construct in texts, construct
    # each module using `with` has a twin without it (unless the with makes an input no document can be)
    twins = [(module, twin) for module, twin, _, _ in modules if twin is not None]
    assert twins and all(" with " in module and "} with " not in twin.split("x := ")[-1] for module, twin in twins)


def test_the_twins_input_is_merged_as_opa_merges_with_targets() -> None:
    base = {"a": {"b": 1}, "s": "ab", "xs": [1]}
    assert scopes.merge_with(base, [(["input", "a", "b"], 7)]) == {"a": {"b": 7}, "s": "ab", "xs": [1]}
    assert scopes.merge_with(base, [(["input", "s", "t"], 1)])["s"] == {"t": 1}  # a string is replaced
    assert scopes.merge_with(base, [(["input", "xs", "b"], 1)])["xs"] == {"b": 1}  # so is an array
    assert scopes.merge_with(base, [(["input"], 3), (["input", "k"], 9)]) == {"k": 9}
    assert scopes.merge_with(base, [(["input"], [1]), (["input", "a", "b"], 9)]) == {"a": {"b": 9}}
    assert scopes.merge_with(base, [(["input", "a"], 1), (["input", "a", "b"], 2)])["a"] == {"b": 2}
    assert base == {"a": {"b": 1}, "s": "ab", "xs": [1]}  # the base input itself is left alone


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_generated_scopes_answer_alike_with_their_twins_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # regopy's comprehension reading an outer name its body never mentions answered [] before (regopy_head_reads)
    assert run_differential(["--scopes", "40", "--seed", "11"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 40 answered differently" in err
