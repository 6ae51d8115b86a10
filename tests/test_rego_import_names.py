"""import_names: an import named like a rule (OPA reads the import) and, on regorus, a rule read through an import
of the module's own package (regorus: undefined).

Each fire case is refused with its line and run on the raw engine to show the difference; near misses (an
alias, a call through the own package, the rule's own path imported on regorus) stay quiet and answer.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.import_names import data_import_refs_for_regorus, import_refusals
from natpolicy.rego.source import char_line_col

SHADOWING = [
    # (module body, what OPA answers for x, what raw regorus answered)
    ("import input.o\no := 5\nx := o", {"k": 1}, 5),
    ("import data.lib\nlib := 5\nx := lib", {"z": 1}, 5),
]
OWN_PACKAGE = [
    # (module body, line of the refused use): the name is used otherwise than as a ref's root too
    ("import data.p as me\nq := 1\nx := me.q\ny := me", 5),
    ("import data.p\nq := 1\nx := p.q\ny := p", 5),
]
SPELLED_AS_DATA = [
    # (module body, OPA's answer for x): every use a ref, spelled as data.p on regorus, where it was undefined
    ("import data.p as me\nq := 1\nx := me.q", 1),
    ("import data.p\nq := 1\nx := p.q", 1),
    ('import data.p as me\nq := 1\nx := me["q"]', 1),
    ("import data.p\nq := {1, 2}\nx := [v | some v in p.q]", [1, 2]),
]
QUIET = [
    # (module body, the answer on both engines)
    ("import input.o as oo\no := 5\nx := [o, oo.k]", [5, 1]),
    ("import data.p.q as r\nq := 1\nx := r", 1),
    ("import data.p as me\nf(v) := v\nx := me.f(3)", 3),
    ("import data.lib\nx := lib.z", 1),
]
LIB = "package lib\nimport rego.v1\nz := 1\n"


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\n{body}\n"


def _answer(engine_name: str, source: str) -> object:
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source, "lib.rego": LIB}, None, ["p/x"])
    return engine.evaluate(compiled, "p/x", engine.prepare_input({"o": {"k": 1}}))


@pytest.mark.parametrize(("body", "opa", "regorus_said"), SHADOWING)
def test_an_import_named_like_a_rule_is_refused_on_both_engines(body: str, opa: object,
                                                               regorus_said: object) -> None:
    source = _module(body)
    for engine in ("regorus", "regopy"):
        found = list(import_refusals(source, engine))
        assert len(found) == 1 and char_line_col(source, found[0][0])[0] == 3, found
        assert "OPA reads" in found[0][1] and "\n" not in found[0][1]
        assert found[0] in engine_refusals(source, engine)
    if "regorus" in installed_engines():
        assert _answer("regorus", source) == regorus_said != opa  # the rule, where OPA reads the import


def test_the_rules_own_path_imported_is_left_to_regorus_and_refused_on_regopy() -> None:
    source = _module('import data.p.q\nq := {"a": 1}\nx := q.a')
    assert list(import_refusals(source, "regorus")) == []
    assert list(import_refusals(source, "regopy"))  # regopy does not compile it
    if "regorus" in installed_engines():
        assert _answer("regorus", source) == 1


def test_a_rule_in_another_file_of_the_package_counts() -> None:
    assert list(import_refusals(_module("import input.o\nx := o"), "regorus", [_module("o := 5")]))


@pytest.mark.parametrize(("body", "line"), OWN_PACKAGE)
def test_a_rule_read_through_an_import_of_its_own_package_is_refused_on_regorus(body: str, line: int) -> None:
    source = _module(body)
    found = list(import_refusals(source, "regorus"))
    assert len(found) == 1 and char_line_col(source, found[0][0])[0] == line, found
    assert list(import_refusals(source, "regopy")) == []  # regopy reads it as OPA
    assert data_import_refs_for_regorus(source) == source  # left as written, refused instead
    if "regopy" in installed_engines():
        assert _answer("regopy", source) == 1


@pytest.mark.parametrize(("body", "opa"), SPELLED_AS_DATA)
def test_reads_through_an_import_of_the_own_package_are_spelled_as_data_refs_on_regorus(body: str,
                                                                                       opa: object) -> None:
    source = _module(body)
    assert list(import_refusals(source, "regorus")) == []
    spelled = data_import_refs_for_regorus(source)
    assert spelled.count("\n") == source.count("\n") and "x := data.p" in spelled.replace("[v | some v in ", "")
    for engine in installed_engines():
        if engine in ("regorus", "regopy"):
            assert _answer(engine, source) == opa, engine


def test_a_package_above_is_spelled_as_data_too() -> None:
    source = "package a.b\nimport rego.v1\nimport data.a\nt := 7\nx := a.b.t\ny := a.sibling\n"
    assert data_import_refs_for_regorus(source).endswith("x := data.a.b.t\ny := data.a.sibling\n")


def test_a_package_above_the_module_counts_too() -> None:
    source = "package a.b\nimport rego.v1\nimport data.a\nq := 1\nx := a.b.q\ny := a\n"
    assert [char_line_col(source, o)[0] for o, _ in import_refusals(source, "regorus")] == [5]
    assert list(import_refusals(source.replace("import data.a\n", "import data.lib\n"), "regorus")) == []


@pytest.mark.parametrize(("body", "expected"), QUIET)
def test_aliases_calls_and_other_packages_are_left_alone_and_answer(body: str, expected: object) -> None:
    source = _module(body)
    for engine in ("regorus", "regopy"):
        assert list(import_refusals(source, engine)) == []
        if engine in installed_engines():
            assert _answer(engine, source) == expected

