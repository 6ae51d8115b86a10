"""scripts/differential_patterns.py: the `--patterns` generator of scripts/rego_differential.py (a maintainer's tool)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script, run_differential

patterns = load_script("differential_patterns")


def test_the_generated_modules_are_the_same_for_one_seed_and_use_each_kind_of_pattern() -> None:
    modules = patterns.random_patterns(200, 4)
    assert modules == patterns.random_patterns(200, 4) != patterns.random_patterns(200, 5)
    texts = "\n".join(module for module, _ in modules)
    for construct in ("] = input.xs", "] := input.", '{"k": ', "some [", "some _, [", "every [", "f([a, b])",
                      '("a", v)', "[a, a]", "| some [", "input.xs = input.ys", " == "):
        assert construct in texts, construct


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_generated_patterns_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # `some [d, b] in xs` after `b` was met: OPA refuses it (var b referenced above), both engines answered
    assert run_differential(["--patterns", "60", "--seed", "2"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 60 answered differently" in err
