"""scripts/differential_collections.py: the `--collections` generator of scripts/rego_differential.py (issue 17)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script, run_differential

collections = load_script("differential_collections")


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
    assert run_differential(["--collections", "40", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 40 answered differently, 0 answered by one engine only" in err
