"""scripts/differential_collections.py: the `--collections` generator of scripts/rego_differential.py (issue 17)."""
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


collections = _load("differential_collections")


def test_the_generated_modules_are_the_same_for_one_seed_and_build_every_kind_of_collection() -> None:
    modules = collections.random_collections(150, 4)
    assert modules == collections.random_collections(150, 4) != collections.random_collections(150, 5)
    texts = "\n".join(body for body, _ in modules)
    for construct in ("ps contains ", "po[", " | some i, e in ", "some z in ", " - ", " & ", "object.keys(",
                      "object.get(", "json.marshal(", 'sprintf("%v"', " < ", " == ", "some k, v in ", "input.no",
                      "set()", "{1}: ", "null: ", "true: ", "[e]: ", "type_name(e): ", "sort(", "count("):
        assert construct in texts, construct
    assert all(body.endswith("]") and "\nx := [[v0 | true]" in body for body, _ in modules)


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_generated_collections_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    script = _load("rego_differential")
    saved = list(sys.path)
    try:
        assert script.main(["--collections", "40", "--seed", "3"]) == 0
    finally:
        sys.path[:] = saved
    out, err = capsys.readouterr()
    assert out == "" and "0 of 40 answered differently, 0 answered by one engine only" in err
