"""natpolicy.rego.v0_keywords: `contains` in a Rego v0 rule head without `import future.keywords`.

OPA's v0 parser refuses such a module ("var cannot be used for rule name", OPA cmd/parse_test.go); regorus
0.13.0 reads `contains` as the keyword anyway. natpolicy refuses it at load, with its line.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from natpolicy.errors import InputError
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
    # `if` without its import: OPA's v0 parser reads a rule named `if`, and so does regorus
    ("package main\nallow := true if {\n  input.l\n}\n", "v0"),
    # the builtin, and a field
    ('package main\nx := contains("ab", "a")\ny := input.contains\n', "v0"),
    ("package main\ndeny[msg] {\n  msg := \"m\"\n}\n", "v0"),
])
def test_near_misses_load(source: str, version: str) -> None:
    read_policy(Path("p.rego"), "p.rego", source, rego_version=version)
