"""Policy sets of several files and packages with --data (issue 17; found with rego_differential.py --packages).

* a rule where the --data documents give a value (data_conflicts): OPA refuses the set ("conflicting rule for data
  path lib/limit found"), both engines answered one of the two: refused on every engine, at the rule's line;
* regopy: natpolicy's own helpers were rules, shown in a package read whole (`__natpolicy_kind_rank`): functions now.

Each fix's case runs through natpolicy's pipeline (scripts/differential_packages.answer) and, where the engine
itself is wrong, on the raw engine too; near misses answer as OPA does.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.data_conflicts import data_conflicts, rule_places
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.loading import read_policy
from natpolicy.rego.user import UserPolicies
from tests.script_modules import load_script

packages = load_script("differential_packages")
ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]
INPUT = {"xs": [2, 1], "flag": True}
LIB = "package lib\n\nlimit := 2\n\nq.r.s contains v if {\n  some v in input.xs\n}\n\nf(x) := x * 2\n"


def _answer(engine: str, modules: dict[str, str], data: dict[str, Any] | None = None) -> tuple[str, Any]:
    return packages.answer(create_engine(engine), modules, data, False, INPUT)  # type: ignore[no-any-return]


def _main(body: str) -> str:
    return f"package main\n\n{body}\n"


# --- a rule where --data gives a value --------------------------------------------------------------------------------

CONFLICTS = [
    # (data, the rule refused, its line in LIB): a value at the rule's path (an object too, an empty one too), below
    # it, or a value that is no object above it (OPA's storage.NonEmpty)
    ({"lib": {"limit": 9}}, "limit", 3),
    ({"lib": {"limit": {}}}, "limit", 3),
    ({"lib": {"q": {"r": {"s": [7]}}}}, "q.r.s", 5),
    ({"lib": {"q": {"r": 5}}}, "q.r.s", 5),
    ({"lib": {"f": 1}}, "f", 9),
    ({"lib": 7}, "limit", 3),
]
NO_CONFLICT = [
    # data beside the rules, merged as OPA merges base and virtual documents
    ({"lib": {"extra": 1}}, {"extra": 1, "limit": 2, "q": {"r": {"s": [1, 2]}}}),
    ({"lib": {"q": {"t": 5}}}, {"limit": 2, "q": {"r": {"s": [1, 2]}, "t": 5}}),
    ({"cfg": {"lib": 1}}, {"limit": 2, "q": {"r": {"s": [1, 2]}}}),
]


@pytest.mark.parametrize(("data", "rule", "line"), CONFLICTS)
def test_a_rule_where_the_data_gives_a_value_is_refused_on_every_engine(
        data: dict[str, Any], rule: str, line: int, tmp_path: Path) -> None:
    (tmp_path / "lib.rego").write_text(LIB)
    (tmp_path / "main.rego").write_text(_main("deny contains msg if {\n  msg := sprintf(\"%v\", [data.lib])\n}"))
    (tmp_path / "data.json").write_text(json.dumps(data))
    with pytest.raises(InputError) as raised:
        UserPolicies.load([str(tmp_path / "lib.rego"), str(tmp_path / "main.rego")], [], False,
                          data_paths=[str(tmp_path / "data.json")])
    assert raised.value.source.endswith(f"lib.rego:{line}:1")
    path = "/".join(["lib", *rule.split(".")])
    assert f"rule `{rule}`" in raised.value.problem and f"conflicting rule for data path {path} found" in \
        raised.value.problem
    for engine in ENGINES:
        kind, message = _answer(engine, {"lib.rego": LIB, "main.rego": _main("x := data.lib")}, data)
        assert kind == "refused" and f"lib.rego:{line}:1" in message, (engine, kind, message)


@pytest.mark.skipif("regorus" not in ENGINES, reason="needs regorus")
def test_the_engines_answered_the_data_or_the_rule_where_opa_refuses() -> None:
    # what natpolicy refuses now: regorus answered the data's value, silently
    import regorus

    engine = regorus.Engine()
    engine.add_policy("lib.rego", LIB)
    engine.add_data_json(json.dumps({"lib": {"limit": 9}}))
    engine.set_input_json("{}")
    assert json.loads(engine.eval_query_as_json("data.lib.limit"))["result"][0]["expressions"][0]["value"] == 9


@pytest.mark.parametrize(("data", "expected"), NO_CONFLICT)
def test_data_beside_the_rules_is_merged_with_them(data: dict[str, Any], expected: Any) -> None:
    for engine in ENGINES:
        assert _answer(engine, {"lib.rego": LIB, "main.rego": _main("deny := data.lib")}, data) == ("ok", expected)


def test_the_rule_tree_places_are_opas() -> None:
    source = ('package lib\nlimit := 2\ndefault on := false\nq.r.s contains v if { some v in input.xs }\n'
              'by_name[k] := 1 if k := "a"\np["x"].z := 1\nn[1] := 2\nf(x) := x\n')
    assert [place for _, place, _ in rule_places(source)] == [
        ("limit",), ("on",), ("q", "r", "s"), ("by_name",), ("p", "x", "z"), ("f",)]  # `n[1]`: a number's key
    policies = [read_policy(Path("l.rego"), "l.rego", source, "v1")]
    assert [m for _, _, m in data_conflicts(policies, {"lib": {"n": {"1": 3}, "q": {"t": 1}}})] == []
    assert len(list(data_conflicts(policies, {"lib": {"by_name": {"a": 2}}}))) == 1
    assert len(list(data_conflicts(policies, {"lib": [1]}))) == 6  # an array above every rule: no object
    assert list(data_conflicts(policies, None)) == []


# --- regopy: natpolicy's helpers are no rules of the package ----------------------------------------------------------

HELPED = ("package lib\n\nsmall contains v if {\n  some v in input.xs\n  v < 2\n}\n\n"
          "bits := format_int(input.xs[0], 2)\n")


@pytest.mark.skipif("regopy" not in ENGINES, reason="needs regopy")
def test_a_package_read_whole_holds_no_helper_of_natpolicy_on_regopy() -> None:
    # regopy's comparison and format_int rewrites appended `__natpolicy_kind_rank := {...}` and
    # `__natpolicy_nibbles := {...}`, which data.lib then held (and iterated, and counted)
    modules = {"lib.rego": HELPED, "main.rego": _main("x := 1")}
    for read, expected in (("data.lib", {"bits": "10", "small": [1]}), ("count(data.lib)", 2),
                           ("[k | some k, _ in data.lib]", ["bits", "small"])):
        modules["main.rego"] = _main(f"deny := {read}")
        for engine in ENGINES:
            assert _answer(engine, modules) == ("ok", expected), (engine, read)


