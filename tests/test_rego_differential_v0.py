"""scripts/differential_v0.py: the `--v0` generator of scripts/rego_differential.py (a maintainer's tool)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script, run_differential

v0 = load_script("differential_v0")


def test_the_generated_sets_are_the_same_for_one_seed_and_cover_v0() -> None:
    sets = v0.random_twins(200, 4)
    assert sets == v0.random_twins(200, 4) != v0.random_twins(200, 5)
    texts = "\n".join(modules["p.rego"] for modules, _ in sets)
    for construct in ("[r.name] {", "] = count(", "[msg] {", "sprintf(", "default ", "else = ", "import future.keywords\n",
                      "import future.keywords.in", "import future.keywords.if", "some v in", "every ", "[in] {",
                      "contains(arr, e)", "data.q.", "`raw", "1e2", " = input.n if {", "} { input.t }", "not "):
        assert construct in texts, construct
    for modules, twins in sets:
        assert twins is None or set(twins) == set(modules)
        # a keyword imported in the v0 module is never also one of its names
        if "import future.keywords\n" in modules["p.rego"]:
            assert "[in] {" not in modules["p.rego"] and "contains(arr" not in modules["p.rego"]
        if twins is not None:  # the twin is Rego v1: no body without `if`, no partial set without `contains`
            assert "] {" not in twins["p.rego"] and ") {" not in twins["p.rego"]
    assert any(twins is None for _, twins in sets)  # sets OPA refuses, compared with no answer


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_generated_v0_sets_answer_alike_with_their_twins(capsys: pytest.CaptureFixture[str]) -> None:
    # 7 of these 60 answered otherwise before `if`/`in`/`every` without their import and a second body of one head
    # were refused when read as v0 (natpolicy.rego.v0_keywords, v0_bodies)
    assert run_differential(["--v0", "60", "--seed", "11"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 60 answered differently" in err
