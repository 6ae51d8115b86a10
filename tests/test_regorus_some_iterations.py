"""natpolicy.rego.regorus_some and `some k, <term> in xs`: an iteration, never a plain declaration.

OPA's parser reads `some k, [d, e] in m` (and `some _, 1 in xs`) as one member_3 call, which
rewriteSomeDeclStatement (v1/ast/compile.go) turns into `[d, e] = m[k]`. The hoist of plain declarations took
`some k` alone when a statement came before it and left `true, [d, e] in m` behind: refused for a pattern
("use of undefined variable `e` is unsafe"), a wrong answer for a constant. The names of such an iteration are
new local variables in OPA (resolveRefsInRule skips declaredVars), so one named like a rule is refused.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regorus_some import hoist_declarations, some_refusals
from tests.test_rego_conformance import outcome

_ENGINES = installed_engines()


@pytest.mark.parametrize("statement", ["some k, [d, e] in input.m", "some _, 1 in input.xs",
                                       "some k, input.v in input.xs", "some k, {\"a\": d} in input.m"])
def test_an_iteration_after_a_statement_is_left_as_written(statement: str) -> None:
    source = f"package p\nx if {{ input.a; {statement} }}\n"
    assert hoist_declarations(source) == source


@pytest.mark.parametrize(("written", "hoisted"), [
    ("x if { input.a; some k; input.b[k] }", "x if { some k; input.a; true; input.b[k] }"),
    ("x if { input.a; some k, j\n input.b[k][j] }", "x if { some k, j; input.a; true\n input.b[k][j] }"),
    ("x := [k | input.a; some k]", "x := [k | some k; input.a; true]"),
])
def test_a_plain_declaration_is_still_hoisted(written: str, hoisted: str) -> None:
    assert hoist_declarations(f"package p\n{written}\n") == f"package p\n{hoisted}\n"


def _outcome(engine_name: str, source: str, document: dict[str, Any], expected: Any = None) -> tuple[str, str]:
    probe = {"source": source, "rule": "x", "input": document, "expect": expected}
    return outcome(create_engine(engine_name), probe)


@pytest.mark.parametrize("engine_name", _ENGINES)
@pytest.mark.parametrize(("body", "document", "expected"), [
    # `e` is never read: OPA answers (checkUnusedDeclaredVars reads the rewritten `[e, _] = input.m[d]`)
    ("x contains d if { input.m; some d, [e, _] in input.m }", {"m": {"i": [1, 2], "j": [3], "k": "ab"}}, ["i"]),
    ("x contains k if { input.xs; some k, 1 in input.xs }", {"xs": [0, 1, "a", 1]}, [1, 3]),
    ("x if { input.xs; some _, \"a\" in input.xs }", {"xs": [0, "a"]}, True),
])
def test_both_engines_answer_as_opa(engine_name: str, body: str, document: dict[str, Any], expected: Any) -> None:
    assert _outcome(engine_name, f"package p\n{body}\n", document, expected) == ("ok", "")


@pytest.mark.parametrize("engine_name", _ENGINES)
@pytest.mark.parametrize("body", ["x := [k | some k, v in input.xs; v == 1]", "x := [v | some [k, v] in input.ys]",
                                  "x := [v | some _, [k, v] in input.ys]", "x := [k | some {\"a\": k} in input.ys]",
                                  "x if { input.xs; some k, 1 in input.xs }"])
def test_an_iteration_name_like_a_rule_is_refused_with_its_line(engine_name: str, body: str) -> None:
    source = f"package p\nk := 5\n{body}\n"
    kind, detail = _outcome(engine_name, source, {"xs": [0, 1], "ys": [[1, 2]]})
    assert kind == "refused" and detail.startswith("p.rego:3: `k` in `some ... in`"), detail


@pytest.mark.parametrize("body", ["x := [k | some k in input.xs]", "x := [v | some i, v in input.ys[k]]",
                                  "x := [v | some [v, _] in input.ys; k == 5]"])
def test_a_single_name_or_a_rule_read_in_the_collection_is_not_refused(body: str) -> None:
    # regopy reads `some k in xs` as OPA does (a new k), regorus refuses it itself; `k` in the collection is the rule
    assert not list(some_refusals(f"package p\nk := 5\n{body}\n", {"k", "x"}))
