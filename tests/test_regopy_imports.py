"""`import rego.v1` binds no name in OPA v1; rego-cpp 1.5.2 bound `v1` by it (natpolicy.rego.regopy_imports).

Measured before the import was blanked for regopy: a rule or function named `v1` beside it did not compile
("the policies do not compile", no line), and a module importing it that read the package's `v1` from another
module left its rule out of the answer, silently.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine
from natpolicy.rego.regopy_imports import without_rego_v1_imports
from rego_answers import ENGINES
from tests.test_rego_conformance import PROBES, outcome

pytestmark = pytest.mark.skipif("regopy" not in ENGINES, reason="needs regopy")


@pytest.mark.parametrize("name", ["rule-named-v1-beside-import-rego-v1",
                                  "function-named-v1-beside-aliased-import-rego-v1",
                                  "local-named-v1-beside-import-rego-v1"])
def test_regopy_answers_a_v1_beside_the_import(name: str) -> None:
    kind, detail = outcome(create_engine("regopy"), next(p for p in PROBES if p["name"] == name))
    assert kind == "ok", detail  # answered, not refused


def test_regopy_reads_the_packages_v1_from_a_module_importing_rego_v1() -> None:
    engine = create_engine("regopy")
    modules = {"a.rego": "package p\nimport rego.v1\nx := v1 + 1\n", "b.rego": "package p\nv1 := 1\n"}
    compiled = engine.compile(modules, None, ["p"])
    assert engine.evaluate(compiled, "p", engine.prepare_input({})) == {"v1": 1, "x": 2}  # regopy left x out


def test_the_import_is_blanked_in_place() -> None:
    source = "package p\nimport rego.v1 # v1\nimport rego.v1 as r\nimport data.rego.v1\ny := \"import rego.v1\"\n"
    out = without_rego_v1_imports(source)
    assert out == "package p\n" + " " * 14 + " # v1\n" + " " * 19 + "\nimport data.rego.v1\ny := \"import rego.v1\"\n"
    assert without_rego_v1_imports("package p\nx := 1\n") == "package p\nx := 1\n"
