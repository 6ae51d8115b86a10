"""scripts/differential_patterns.py: the `--patterns` generator of scripts/rego_differential.py (a maintainer's tool)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.engines import installed_engines

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


patterns = _load("differential_patterns")


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
    script = _load("rego_differential")
    saved = list(sys.path)
    try:
        assert script.main(["--patterns", "60", "--seed", "2"]) == 0
    finally:
        sys.path[:] = saved
    out, err = capsys.readouterr()
    assert out == "" and "0 of 60 answered differently" in err
