"""scripts/differential_packages.py: the `--packages` generator of scripts/rego_differential.py (a maintainer's tool)."""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import installed_engines
from tests.script_modules import load_script, run_differential

packages = load_script("differential_packages")


def test_the_generated_sets_are_the_same_for_one_seed_and_hold_packages_imports_and_data() -> None:
    cases = packages.random_cases(120, 4)
    assert cases == packages.random_cases(120, 4) != packages.random_cases(120, 5)
    texts = "\n".join(source for modules, _, _ in cases for source in modules.values())
    for construct in ("package lib\n", "package lib.k8s\n", "import data.lib\n", "import data.lib as l\n",
                      "import data.lib.k8s as k\n", "import input.rs\n", "import data.cfg as unused_cfg\n",
                      "q.r.s contains v", "default enabled := false", "f(x) := x * 2", " with data.lib.",
                      "some key, _ in data.lib", "rs := 7", "data.main.local"):
        assert construct in texts, construct
    # a package over two files, data beside the rules, and data where OPA refuses it
    assert any("lib1.rego" in modules for modules, _, _ in cases)
    assert any(data and "extra" in data.get("lib", {}) and not conflict for _, data, conflict in cases)
    assert any(conflict for _, _, conflict in cases) and any(data is None for _, data, _ in cases)


@pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()), reason="needs regorus and regopy")
def test_generated_sets_answer_alike_on_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    # regopy's helper rules in data.lib, regorus' package read whole and the data at a rule's path differed before
    assert run_differential(["--packages", "40", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 of 40 answered differently" in err
