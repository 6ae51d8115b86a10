"""A `with` target holding a key that is not a string (``with input[k] as``), refused with its line.

Settled from OPA's source: the parser (``parseWith``, v1/ast/parser.go) and ``validateWith`` (v1/ast/compile.go)
take such a target, and the safety order reads its variables as inputs of the statement (``outputVarsForExpr``:
"With modifier inputs must be safe"). But topdown's ``evalWith`` (v1/topdown/eval.go) hands the target as written,
never plugged, to ``mergeTermWithValues`` (v1/topdown/input.go), which takes a path of string keys only
(``IsValidImportPath``): a query that evaluates the statement stops with "bad document path", whatever the variable
is bound to. Where the keys before it pass through a rule, ``validateWith`` refuses the module at compile time
("cannot partially replace"). regorus 0.13.0 cannot parse such a key ("expected string"), so the module was refused
already, with a message that did not say why; regopy refuses every `with`.
"""
from __future__ import annotations

import pytest

from rego_compile_checks import PROBES, assert_probes_as_opa, refusal

P = "package p\n\n"  # the body below starts on line 3


@pytest.mark.parametrize(("body", "line", "says"), [
    ('h if {\n  k := "a"\n  input.a == 1 with input[k] as 1\n}\n', 5, "`with input[k] as`"),
    ('h if {\n  some k in ["a"]\n  y := input.a with input.b[k] as 5\n  y == 5\n}\n', 5, "`with input.b[k] as`"),
    ('h if {\n  true with input.a[0] as 1\n}\n', 4, "`with input.a[0] as`"),
    ('h if {\n  k := "z"\n  true with data.z[k] as 1\n}\n', 5, "`with data.z[k] as`"),
    # The first key that is no string is named, past string keys in brackets.
    ('h if {\n  k := "b"\n  true with input["a"][k][1] as 1\n}\n', 5, '`with input["a"][k] as`'),
])
def test_a_key_that_is_not_a_string_is_refused_naming_opas_error(body: str, line: int, says: str) -> None:
    found = refusal({"p.rego": P + body})
    assert found.startswith(f"p.rego:{line}:") and says in found and "bad document path" in found, found
    assert "\n" not in found


def test_a_key_past_a_rule_is_refused_as_opas_compiler_refuses_it() -> None:
    # validateWith walks every key before the last: q is a rule, so "cannot partially replace", at compile time.
    found = refusal({"p.rego": P + 'q := {"a": 1}\nh if {\n  k := "a"\n  true with data.p.q[k] as 1\n}\n'})
    assert found.startswith("p.rego:6:") and "`with data.p.q[k] as`: data.p.q is a rule" in found, found
    assert "which regorus 0.13.0 cannot parse" in found, found


@pytest.mark.parametrize("body", [
    'h := y if {\n  y := input.a.b with input["a"]["b"] as 5\n}\n',
    'h := y if {\n  y := input.a with input.a as 5\n}\n',
    'h := y if {\n  y := data.x.y with data["x"].y as 5\n}\n',
])
def test_string_keys_are_not_refused(body: str) -> None:
    assert refusal({"p.rego": P + body}) == ""


_NAMES = [name for name in PROBES if name.startswith("types31b-with-")]


def test_the_probes_answer_as_opa_on_regorus() -> None:
    assert_probes_as_opa(_NAMES, 3, "regorus")


def test_regopy_refuses_the_probes_opa_stops_on() -> None:
    # regopy refuses every `with` (the near miss too): the refused probes stay refused there.
    for name in _NAMES:
        if name.endswith("-refused"):
            assert refusal({"p.rego": PROBES[name]["source"]}, "regopy"), name
