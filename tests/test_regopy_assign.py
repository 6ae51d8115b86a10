"""regopy_assign: a name assigned an iterating ref, unified with a fresh name first, so regopy 1.5.2 compiles it.

rego-cpp crashes while compiling ``h := input.rs[_].type; v := input.m[h]`` (SIGSEGV). Written as
``__natpolicy_sN = input.rs[_].type; h := __natpolicy_sN`` the body compiles and answers as OPA. Each fire case is
compiled raw in a child process (the crash would take pytest down with it) to show the crash is still there, then
run through natpolicy's regopy engine against OPA's answer, which regorus gives too.
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_assign import assignments_for_regopy

DOC = {"rs": [{"type": "a", "in": {"type": "a"}}, {"type": "b", "in": {"type": "b"}}], "ts": ["a", "b"],
       "m": {"a": 1}, "n": {"a": [5]}}

FIRES = [
    # (rule body, OPA's answer for `x`)
    ("h := input.rs[_].type\n  v := input.m[h]", [1]),
    ("h := input.ts[_]\n  v := input.m[h]", [1]),
    ("m := input.m\n  h := input.rs[_].type\n  v := m[h]", [1]),
    ("h := input.rs[_].in.type\n  v := input.m[h]", [1]),
    ("some i\n  h := input.rs[i].type\n  v := input.m[h]", [1]),
    ("h := input.rs[_].type\n  some v in input.n[h]", [5]),
    ("h := input.rs[_].type\n  v := input.m[lower(h)]", [1]),
    ("h := input.rs[_].type; v := input.m[h]; v > 0", [1]),
]

QUIET = [
    "x := input.rs[_].type",  # a rule's head
    "x if {\n  h := input.m.a\n  h > 0\n}",  # no bracket
    'x if {\n  h := input.rs["0"]\n}',  # a string in the bracket: nothing iterates
    "x if {\n  h := input.rs[_].type with input as {}\n}",  # not the whole statement
    "x if {\n  h := input.rs[_].type\n    with input as {}\n}",  # continued on the next line
    "x if {\n  h := input.rs[_].type == 1\n}",  # not a ref alone
    "x if {\n  h := f(input.rs[_])\n}",  # a call
    "x if {\n  h := [input.rs[_]]\n}",  # a literal
    "x if {\n  h := input.rs[_]\n    .type\n}",  # over two lines
    "x if {\n  [h, g] := [input.rs[_], 1]\n}",  # a pattern
    "x if {\n  h = input.rs[_].type\n}",  # a unification already
]


def _module(body: str) -> str:
    return f"package p\nimport rego.v1\nx contains v if {{\n  {body}\n}}\n"


@pytest.mark.parametrize("body", [body for body, _ in FIRES])
def test_an_assigned_iterating_ref_is_unified_first_on_its_own_line(body: str) -> None:
    source = _module(body)
    out = assignments_for_regopy(source)
    assert out != source
    assert out.count("\n") == source.count("\n")
    assert "__natpolicy_s" in out and " = input." in out


@pytest.mark.parametrize("source", QUIET)
def test_other_statements_are_left_as_written(source: str) -> None:
    module = f"package p\nimport rego.v1\n{source}\n"
    assert assignments_for_regopy(module) == module


def test_the_fresh_name_is_one_the_module_does_not_spell() -> None:
    source = _module("h := input.rs[_].type\n  v := input.m[h]")
    taken = "__natpolicy_s" + str(source.index("input.rs"))
    spelled = source.replace("v := input.m[h]", f"v := input.m[h]\n  {taken} := 1")
    out = assignments_for_regopy(spelled)
    assert f"{taken}_ = input.rs[_].type; h := {taken}_" in out


_RAW = """
import json, sys, regopy
i = regopy.Interpreter()
i.set_input_term(json.dumps(json.loads(sys.argv[2])))
i.add_module("p.rego", sys.argv[1])
print(i.query("x = data.p.x"))
"""


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed")
@pytest.mark.parametrize(("body", "expected"), FIRES)
def test_regopy_crashes_on_the_original_and_answers_the_rewrite_as_opa(body: str, expected: Any) -> None:
    source = _module(body)
    raw = subprocess.run([sys.executable, "-c", _RAW, source, json.dumps(DOC)], capture_output=True, text=True,
                         timeout=60)
    assert raw.returncode < 0, raw.stdout  # killed by a signal: the crash this module works around
    for name in [e for e in ("regorus", "regopy") if e in installed_engines()]:
        rego = create_engine(name)
        compiled = rego.compile({"p.rego": source}, None, ["p/x"])
        assert rego.evaluate(compiled, "p/x", rego.prepare_input(DOC)) == expected, name


@pytest.mark.parametrize("source", [
    "x contains [i, c] if { some i, _ in input.rs; c := [w | w := input.rs[i].p] }",
    "x contains [j, c] if { input.rs[j]; i := j; c := [w | w := input.rs[i].p] }",
    "f(i) := v if { v := input.rs[i] }",
    "x contains v if { i := 1; v := input.rs[i] }",
])
def test_a_bracket_name_bound_before_is_left_alone(source: str) -> None:
    # Inside a comprehension regopy would iterate it afresh in the unification (regopy_closures).
    module = f"package p\nimport rego.v1\n{source}\n"
    assert assignments_for_regopy(module) == module
