"""natpolicy.rego.v0_bodies: one rule head with several bodies (`p = v { a } { b }`) in Rego v0, refused at load.

OPA reads each later body as a rule of its own with the same head (v1/ast/parser.go parseRules); regorus 0.13.0
reads it as an `else` of value true (measured with scripts/differential_v0.py, below).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.loading import read_policy


@pytest.mark.parametrize(("source", "where"), [
    ("package p\nx = 1 { input.nope } { input.t }\n", "p.rego:2:22"),
    ("package p\nf(a) = 1 { a > 5 } {\n  a < 0\n}\n", "p.rego:2:20"),
    ('package p\nx = {"a": 1} { input.nope } { input.t }\n', "p.rego:2:29"),
    ("package p\ns[a] { a := 1 }\n{ a := 2 }\n", "p.rego:3:1"),
])
def test_a_second_body_is_refused_at_load_with_its_line(source: str, where: str) -> None:
    with pytest.raises(InputError) as caught:
        read_policy(Path("p.rego"), "p.rego", source, rego_version="v0")
    assert caught.value.source == where and "a second body of one rule head" in caught.value.problem


@pytest.mark.parametrize("source", [
    'package p\nx = {"a": 1} { input.t }\ny = {1} { true }\n',  # a value that is an object or a set, then a body
    "package p\nx { false } else { true }\nz = 2 { false } else = {3} { true }\n",  # else
    "package p\nx = 1 { true }\ny = 2 { true }\n",  # two rules
    'package p\ndefault x = {}\nx = {"a": 1} { input.t }\n',
])
def test_near_misses_load(source: str) -> None:
    read_policy(Path("p.rego"), "p.rego", source, rego_version="v0")


def test_regorus_itself_reads_the_second_body_as_an_else() -> None:
    regorus = pytest.importorskip("regorus")
    engine = regorus.Engine()
    engine.set_rego_v0(True)
    engine.add_policy("p.rego", "package p\nx = 1 { input.nope } { input.t }\n")
    engine.set_input_json(json.dumps({"t": True}))
    assert engine.eval_query("data.p.x")["result"][0]["expressions"][0]["value"] is True  # OPA: 1
