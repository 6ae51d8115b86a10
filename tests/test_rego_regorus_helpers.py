"""natpolicy's helper functions once per package on regorus (``natpolicy.rego.regorus_helpers``): regorus stops on a
function with ``else`` that two modules define, which natpolicy's rewrites appended to each module needing it."""
from __future__ import annotations

import pytest

from natpolicy.rego.regorus_helpers import without_repeated_helpers
from tests.rego_answers import ENGINES

SPRINTF = ('package main\nimport rego.v1\ndeny contains msg if {\n  some r in input.rs\n'
           '  msg := sprintf("%s has no owner", [r.address])\n}\n')
COUNT = "package main\nimport rego.v1\nt if count(deny) == 1\n"


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_package_of_two_files_each_needing_a_helper_runs(engine_name: str) -> None:
    from natpolicy.rego.engines import create_engine

    engine = create_engine(engine_name)
    compiled = engine.compile({"a.rego": SPRINTF, "b.rego": COUNT}, None, ["main/t"])
    assert engine.evaluate(compiled, "main/t", engine.prepare_input({"rs": [{"address": "a"}]})) is True


def test_a_repeated_helper_is_blanked_on_its_lines() -> None:
    helper = "__natpolicy_f(__natpolicy_x) := 1 if is_string(__natpolicy_x) else := 2\n"
    a, b = "package p\nx := __natpolicy_f(1)\n" + helper, "package p\ny := __natpolicy_f(2)\n" + helper
    out = without_repeated_helpers({"a.rego": a, "b.rego": b}, {"a.rego": a, "b.rego": b})
    assert out["a.rego"] == a and out["b.rego"].count("\n") == b.count("\n")
    assert "__natpolicy_f(__natpolicy_x)" not in out["b.rego"] and "y := __natpolicy_f(2)" in out["b.rego"]


@pytest.mark.parametrize(("b", "why"), [
    ("package q\ny := __natpolicy_f(2)\n__natpolicy_f(__natpolicy_x) := 1\n", "another package"),
    ("package p\ny := __natpolicy_f(2)\n__natpolicy_f(__natpolicy_x) := 2\n", "another text"),
])
def test_only_the_same_helper_in_the_same_package_is_blanked(b: str, why: str) -> None:
    a = "package p\nx := __natpolicy_f(1)\n__natpolicy_f(__natpolicy_x) := 1\n"
    assert without_repeated_helpers({"a.rego": a, "b.rego": b}, {"a.rego": a, "b.rego": b})["b.rego"] == b, why


def test_the_policys_own_rules_are_never_blanked() -> None:
    a = b = "package p\ng(x) := 1\n"
    assert without_repeated_helpers({"a.rego": a, "b.rego": b}, {"a.rego": a, "b.rego": b}) == {"a.rego": a,
                                                                                                "b.rego": b}


def test_a_helper_written_in_v0_and_in_v1_is_one_helper() -> None:
    # A package whose files mix Rego v0 and v1 got natpolicy's helpers once each way; regorus stopped on any
    # function so defined ("binding plan not found", measured on raw regorus).
    v1 = "package p\nimport rego.v1\nx := __natpolicy_f(1)\n__natpolicy_f(__natpolicy_x) := __natpolicy_x if is_number(__natpolicy_x)\n"
    v0 = "package p\ny = __natpolicy_f(2)\n__natpolicy_f(__natpolicy_x) = __natpolicy_x { is_number(__natpolicy_x) }\n"
    out = without_repeated_helpers({"a.rego": v1, "b.rego": v0}, {"a.rego": v1, "b.rego": v0})
    assert out["a.rego"] == v1 and "__natpolicy_f(__natpolicy_x)" not in out["b.rego"]
    # near misses: a set value is no scalar value; another body is another definition
    for other in ("__natpolicy_f(__natpolicy_x) = {__natpolicy_x} { is_number(__natpolicy_x) }\n",
                  "__natpolicy_f(__natpolicy_x) = __natpolicy_x { is_string(__natpolicy_x) }\n"):
        b = "package p\ny = __natpolicy_f(2)\n" + other
        assert without_repeated_helpers({"a.rego": v1, "b.rego": b}, {"a.rego": v1, "b.rego": b})["b.rego"] == b


def test_a_package_mixing_rego_v0_and_v1_runs_on_regorus() -> None:
    from natpolicy.rego.engines import create_engine, installed_engines

    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    v1 = "package main\nimport rego.v1\ndeny contains r.n if {\n  some r in input.rs\n  r.t == \"x\"\n}\n"
    v0 = "package main\nimport future.keywords.in\ndeny[r.n] {\n  some r in input.rs\n  r.t == \"y\"\n}\n"
    engine = create_engine("regorus")
    compiled = engine.compile({"a.rego": v1, "b.rego": v0}, None, ["main/deny"], rego_version="v0")
    answer = engine.evaluate(compiled, "main/deny", engine.prepare_input({"rs": [{"n": 1, "t": "x"}, {"n": 2, "t": "y"}]}))
    assert sorted(answer) == [1, 2]
