"""Policy sets of several files and packages with --data (issue 17; found with rego_differential.py --packages).

* a rule where the --data documents give a value (data_conflicts): OPA refuses the set ("conflicting rule for data
  path lib/limit found"), both engines answered one of the two: refused on every engine, at the rule's line;
* regopy: natpolicy's own helpers were rules, shown in a package read whole (`__natpolicy_kind_rank`): functions now;
* regorus: a package read whole loses the rules of its later files that read a rule defined after them
  (regorus_packages): an import of a package is spelled out as its data ref, a whole read is refused with its line.

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
from natpolicy.rego.import_names import data_import_refs_for_regorus
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


# --- regorus: a package read whole, over several files --------------------------------------------------------------

LATE = {"a.rego": "package lib\n\nz := 1\n", "b.rego": "package lib\n\nu := l + 1\n\nl := 2\n"}
LATE_READS = [
    # (the late rule's file, what OPA answers for data.lib), measured on raw regorus: u missing, s or c empty, the
    # default answered
    ("package lib\n\nu := l + 1\n\nl := 2\n", {"l": 2, "u": 3, "z": 1}),
    ("package lib\n\ns contains l\n\nl := 2\n", {"l": 2, "s": [2], "z": 1}),
    ("package lib\n\nc := [x | x := l]\n\nl := 2\n", {"c": [2], "l": 2, "z": 1}),
    ("package lib\n\ndefault u := 0\n\nu := l\n\nl := 2\n", {"l": 2, "u": 2, "z": 1}),
]


def _raw_regorus(modules: dict[str, str], query: str) -> Any:
    import regorus

    engine = regorus.Engine()
    for name, source in modules.items():
        engine.add_policy(name, source)
    engine.set_input_json("{}")
    result = json.loads(engine.eval_query_as_json(query)).get("result", [])
    return result[0]["expressions"][0]["value"] if result else "undefined"


@pytest.mark.skipif("regorus" not in ENGINES, reason="needs regorus")
@pytest.mark.parametrize(("late", "expected"), LATE_READS)
def test_a_package_read_whole_is_refused_on_regorus_where_a_later_file_reads_a_later_rule(
        late: str, expected: Any) -> None:
    modules = {"a.rego": "package lib\n\nz := 1\n", "b.rego": late}
    for read, line, col in (("deny := data.lib", 3, 9), ("deny := count(data.lib)", 3, 15),
                            ("deny := [k | some k, _ in data.lib]", 3, 27),
                            ("import data.lib\n\ndeny := object.keys(lib)", 5, 21)):
        assert _raw_regorus({**modules, "main.rego": _main("deny := data.lib")}, "data.main.deny") != expected
        kind, message = _answer("regorus", {**modules, "main.rego": _main(read)})
        assert kind == "refused" and message.startswith(f"main.rego:{line}:{col}: ") and "as a whole" in message, \
            (read, message)
    if "regopy" in ENGINES:
        assert _answer("regopy", {**modules, "main.rego": _main("deny := data.lib")}) == ("ok", expected)


WHOLE_NEAR_MISSES = [
    # (modules of lib, read, OPA's answer): one file; the late read in the package's first file; a rule read by name;
    # the rule read is defined before; a function; a package below read by name
    ({"a.rego": "package lib\n\nu := l + 1\n\nl := 2\n"}, "data.lib", {"l": 2, "u": 3}),
    ({"a.rego": "package lib\n\nu := l + 1\n\nl := 2\n", "b.rego": "package lib\n\nz := 1\n"}, "data.lib",
     {"l": 2, "u": 3, "z": 1}),
    (LATE, "data.lib.u", 3),
    (LATE, "[data.lib.z, data.lib.u]", [1, 3]),
    ({"a.rego": "package lib\n\nz := 1\n", "b.rego": "package lib\n\nl := 2\n\nu := l + 1\n"}, "data.lib",
     {"l": 2, "u": 3, "z": 1}),
    ({"a.rego": "package lib\n\nz := 1\n", "b.rego": "package lib\n\nu := f(1)\n\nf(x) := x\n"}, "data.lib",
     {"u": 1, "z": 1}),
    ({**LATE, "c.rego": "package lib.k\n\nw := 1\n"}, "data.lib.k", {"w": 1}),
]


@pytest.mark.parametrize(("lib", "read", "expected"), WHOLE_NEAR_MISSES)
def test_near_misses_of_a_package_read_whole_answer_on_every_engine(
        lib: dict[str, str], read: str, expected: Any) -> None:
    for engine in ENGINES:
        assert _answer(engine, {**lib, "main.rego": _main(f"deny := {read}")}) == ("ok", expected), engine


IMPORTED = [
    # (main's body, OPA's answer): a rule read through an import of the package, which regorus 0.13.0 answered as
    # undefined there (it reads the package whole), spelled as its data ref
    ("import data.lib\n\ndeny := lib.u", 3),
    ("import data.lib as l\n\ndeny := [l.u, l[\"z\"]]", [3, 1]),
    ("import data.lib\n\ndeny contains v if {\n  v := lib.u\n}", [3]),
]


@pytest.mark.parametrize(("body", "expected"), IMPORTED)
def test_a_rule_read_through_an_import_of_its_package_answers_on_every_engine(body: str, expected: Any) -> None:
    if "regorus" in ENGINES:
        assert _raw_regorus({**LATE, "main.rego": _main(body)}, "data.main.deny") != expected
    for engine in ENGINES:
        assert _answer(engine, {**LATE, "main.rego": _main(body)}) == ("ok", expected), engine


def test_an_import_is_spelled_as_its_ref_only_where_every_use_is_a_ref() -> None:
    source = "package main\nimport data.lib\nimport data.lib.k as k\nimport input.rs\nx := [lib.u, k.w, rs[0]]\n"
    assert data_import_refs_for_regorus(source).endswith("x := [data.lib.u, data.lib.k.w, rs[0]]\n")
    bare = "package main\nimport data.lib\nx := lib.u\ny := lib\n"
    assert data_import_refs_for_regorus(bare) == bare  # `lib` alone: a whole read, refused where it matters
