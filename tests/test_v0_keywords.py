"""natpolicy.rego.v0_keywords: `contains`, `if`, `in` and `every` in Rego v0 without `import future.keywords`.

OPA's v0 parser refuses such a module ("var cannot be used for rule name", OPA cmd/parse_test.go); regorus
0.13.0 reads `contains` as the keyword anyway. natpolicy refuses it at load, with its line.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.loading import read_policy

_UNIMPORTED = 'package main\n\ndeny contains "m" if {\n  input.l\n}\n'


def test_refused_at_load_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_policy(Path("p.rego"), "p.rego", _UNIMPORTED, rego_version="v0")
    assert caught.value.source == "p.rego:3:6"
    assert "`contains` in a rule head" in caught.value.problem and "var cannot be used for rule name" \
        in caught.value.problem


def test_regorus_itself_answers_what_opa_refuses() -> None:
    # Why natpolicy refuses: regorus reads `contains` as the keyword and `if` as a rule named `if`, so the
    # finding holds whatever the input (OPA: a parse error).
    regorus = pytest.importorskip("regorus")
    engine = regorus.Engine()
    engine.set_rego_v0(True)
    engine.add_policy("p.rego", _UNIMPORTED)
    engine.set_input_json(json.dumps({}))
    assert engine.eval_query("data.main.deny")["result"][0]["expressions"][0]["value"] == {"m"}


@pytest.mark.parametrize(("source", "version"), [
    ("package main\nimport future.keywords\ndeny contains msg if { msg := \"m\" }\n", "v0"),
    ("package main\nimport future.keywords.contains\nimport future.keywords.if\n"
     "deny contains msg if { msg := \"m\" }\n", "v0"),
    ("package main\nimport rego.v1\ndeny contains msg if { msg := \"m\" }\n", "v0"),
    (_UNIMPORTED, "v1"),
    # `if`, `in`, `every` as names, which v0 allows without the import (a rule named `if` starts its line)
    ("package main\nx[in] { in := input.xs[_] }\ny = [every | every := [1][_]] { true }\n", "v0"),
    ("package main\nx = y { y := [if | if := input.xs[_]] }\nz { in := 1; in == 1 }\n", "v0"),
    ("package main\nx = 1 { true }\nw = {in: 1} { in := \"a\" }\nv = input.if { true }\n", "v0"),
    ("package main\nx { in := [1]\n  in[0] == 1 }\n", "v0"),
    # each imported (`every` brings `in` along)
    ("package main\nimport future.keywords.if\nallow := true if {\n  input.l\n}\n", "v0"),
    ("package main\nimport future.keywords\nallow if { 3 in input.xs }\n", "v0"),
    ("package main\nimport future.keywords.every\nallow { every v in input.xs { v > 0 } }\n", "v0"),
    ("package main\nallow := true if { some x in input.xs; x > 1 }\n", "v1"),
    # the builtin, and a field
    ('package main\nx := contains("ab", "a")\ny := input.contains\n', "v0"),
    ("package main\ndeny[msg] {\n  msg := \"m\"\n}\n", "v0"),
])
def test_near_misses_load(source: str, version: str) -> None:
    read_policy(Path("p.rego"), "p.rego", source, rego_version=version)


# The v1 keywords without their import, read as Rego v0: OPA's v0 parser (v1/ast/parser.go parseRules, then
# ParseRuleFromBody) reads `allow := 5 if { ... }` as `allow := 5` and a rule named `if` (handed over as v0, below),
# and refuses the others.
# natpolicy handed a module without other v0 syntax over as v1 (`allow := 5 if { false }` undefined where OPA
# answers 5; `allow if { ... }` answered where OPA refuses), and regorus' v0 mode answered `allow if { ... }`
# (scripts/differential_v0.py).
@pytest.mark.parametrize(("source", "where", "what"), [
    ("package main\nallow if { input.t }\n", "p.rego:2:7", "a rule head's `if`"),
    ("package main\ndeny[m] { m := 1 }\nallow if { input.t }\n", "p.rego:3:7", "a rule head's `if`"),
    ("package main\nnames[r.name] if { r := input.rs[_] }\n", "p.rego:2:15", "a rule head's `if`"),
    ("package main\nf(a) if { a > 1 }\n", "p.rego:2:6", "a rule head's `if`"),
    ("package main\nx = 3 { input.t } else = 4 if { true }\n", "p.rego:2:28", "a rule head's `if`"),
    ("package main\nx := [v | some v in input.xs]\n", "p.rego:2:18", "`in`"),
    ("package main\nx { 3 in input.xs }\n", "p.rego:2:7", "`in`"),
    ("package main\nimport future.keywords.if\nx if { 3 in input.xs }\n", "p.rego:3:10", "`in`"),
    ("package main\nimport future.keywords.in\nx { every v in input.xs { v > 0 } }\n", "p.rego:3:5", "`every`"),
])
def test_v1_keywords_without_their_import_are_refused_at_load(source: str, where: str, what: str) -> None:
    with pytest.raises(InputError) as caught:
        read_policy(Path("p.rego"), "p.rego", source, rego_version="v0")
    assert caught.value.source == where and caught.value.problem.startswith(what), caught.value


@pytest.mark.parametrize(("source", "rule", "opa"), [
    ("package main\nallow := 5 if { input.nope }\n", "allow", 5),
    ("package main\nallow := true\nif { input.nope }\n", "allow", True),
    ("package main\ntest contains 1 if { true }\ntests := test if { input.nope }\n", "tests", [1]),
])
def test_a_value_rule_then_if_is_read_as_opas_v0_parser_reads_it(source: str, rule: str, opa: object) -> None:
    """`tests := test if { ... }` without the import is `tests := test` and a rule named `if` to OPA's v0 parser
    (CVittoria's published s3 policy writes it so); regorus' v0 mode reads it so too: the module goes over as v0."""
    if "contains" in source:
        source = source.replace("test contains 1 if { true }", "test[1] { true }")
    policy = read_policy(Path("p.rego"), "p.rego", source, rego_version="v0")
    assert policy.v0
    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    engine = create_engine("regorus")
    compiled = engine.compile({"p.rego": source}, None, [f"main/{rule}"], rego_version="v0")
    assert engine.evaluate(compiled, f"main/{rule}", engine.prepare_input({})) == opa
