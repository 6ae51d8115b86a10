"""Calls OPA refuses as "undefined function", functions defined with two arities, and rules called like functions.

OPA checks every call of every rule at compile time (``checkUndefinedFuncs``
and ``checkRuleConflicts`` in ``v1/ast/compile.go``): a call that is neither a
builtin nor exactly a loaded rule, or a name whose definitions have different
arities, refuses the whole module, reached or not. natpolicy refuses the same
on every engine, with the line, and nothing OPA accepts.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.rego.builtins import calls_to_check
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import char_line_col, scan_module
from rego_compile_checks import PROBES, refusal, regorus_never_answers

ENGINES = ["regorus", "regopy"]
LIB = "package lib\n\ng(a) := a\n\nh(a, b) := a + b\n"
P = "package p\n\n"  # the body below starts on line 3


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("body", "where", "path"), [
    ("helper := data.lib.nosuch(1)\n", "3:11", "data.lib.nosuch"),
    ("import data.lib\n\nhelper if {\n  lib.nosuch(1)\n}\n", "6:3", "data.lib.nosuch"),
    ("import data.lib as l\n\nhelper := l.zz(1, 2)\n", "5:11", "data.lib.zz"),
    ("import data.lib.g\n\nhelper := g.h(1)\n", "5:11", "data.lib.g.h"),
    # A package that is not loaded at all; the package itself is no function.
    ("helper := data.other.f(1)\n", "3:11", "data.other.f"),
    ("helper := data.lib(1)\n", "3:11", "data.lib"),
    # Past a rule of the package: `r` is a rule, `r.f` is nothing.
    ('r := {"f": 1}\n\nhelper if {\n  r.f(1)\n}\n', "6:3", "data.p.r.f"),
    # Anywhere in a module: an every body, a comprehension, a rule's head, a negation.
    ("helper if {\n  every v in [1] {\n    data.lib.nope(v)\n  }\n}\n", "5:5", "data.lib.nope"),
    ("helper := [y | y := data.lib.nope(1)]\n", "3:21", "data.lib.nope"),
    ("helper contains data.lib.nope(1) if true\n", "3:17", "data.lib.nope"),
    ("helper if {\n  not data.p.nope(1)\n}\n", "4:7", "data.p.nope"),
    # Under a ref head of names and string keys: a rule is exactly where its ref leads, and nowhere else.
    ("a.b(x) := x\n\nhelper if {\n  a.c(1)\n}\n", "6:3", "data.p.a.c"),
    ("a.b(x) := x\n\nhelper := a(1)\n", "5:11", "data.p.a"),
    ('a["b"].c := 1\n\nhelper if {\n  a.b(1)\n}\n', "6:3", "data.p.a.b"),
])
def test_a_call_no_loaded_rule_defines_is_refused_with_its_line(engine: str, body: str, where: str,
                                                                  path: str) -> None:
    refused = refusal({"a.rego": P + body + "\nx := 1\n", "lib.rego": LIB}, engine)
    assert refused.startswith(f"a.rego:{where}: undefined function:"), refused
    assert f"(OPA: undefined function {path})" in refused and "\n" not in refused


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("body", [
    # Defined only with `else`, with a default, in another file of the package (b.rego), of another package.
    "f(x) := 1 if {\n  x == 1\n} else := 2\n\nhelper := data.p.f(1) + f(3)\n",
    "default k(_) := 0\n\nhelper := data.p.k(1) + k(2)\n",
    "helper := data.p.other_file(1) + other_file(2)\n",
    "import data.lib\nimport data.lib.h as add\n\nhelper := [lib.g(1), data.lib.h(1, 2), add(1, 2)]\n",
    "import data.lib as l\n\nhelper if {\n  l.h(1, 2, out)\n  out == 3\n}\n",
    # Builtins, also dotted, and natpolicy's own sprintf; a ref-head function where its ref leads (a string key
    # is a name too); rules under one ref head, called where each leads.
    'helper := [upper("a"), strings.any_prefix_match(["a"], "a"), sprintf("%d", [1]), json.marshal(1)]\n',
    "a.b(x) := x\n\nhelper := [a.b(1), data.p.a.b(2)]\n",
    'a["b"](x) := x\n\nhelper := [a.b(1), data.p.a.b(2)]\n',
    "a.b(x) := x\n\na.c.d(x, y) := y\n\nhelper := [a.b(1), a.c.d(1, 2)]\n",
    # Not calls: a string, a comment, a ref into data, a `with` target.
    'helper := "data.lib.nosuch(1)" # data.lib.nosuch(1)\n\nother := data.lib.nosuch\n',
])
def test_a_call_opa_resolves_passes(engine: str, body: str) -> None:
    other = "package p\n\nother_file(a) := a\n"
    assert refusal({"a.rego": P + body, "b.rego": other, "lib.rego": LIB}, engine) == ""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_function_defined_with_two_arities_is_refused_with_its_line(engine: str) -> None:
    refused = refusal({"a.rego": P + "f(x) := 1\n\nf(x, y) := 2\n\nx := 1\n"}, engine)
    assert refused.startswith("a.rego:3:1: `f` is defined with different numbers of arguments (1, 2"), refused
    assert "(OPA: conflicting rules data.p.f found)" in refused
    # A rule that is no function has arity 0; across files of the package too, each file at its definition.
    assert refusal({"a.rego": P + "f := 2\n"}, engine) == ""
    refused = refusal({"a.rego": P + "x := 1\n\nf := 2\n", "b.rego": P + "f(a) := a\n"}, engine)
    assert refused.startswith("a.rego:5:1: `f` is defined with different numbers of arguments (0, 1"), refused
    # Another package's `f` is another rule.
    assert refusal({"a.rego": P + "f(a) := a\n", "b.rego": "package q\n\nf(a, b) := a\n"}, engine) == ""


@pytest.mark.parametrize("engine", ENGINES)
def test_definitions_of_one_arity_pass(engine: str) -> None:
    same = P + "default f(_) := 0\n\nf(x) := 1 if x == 1\n\nallow if true\n\ndefault allow := false\n"
    assert refusal({"a.rego": same, "b.rego": P + "f(y) := 2 if y == 2\n"}, engine) == ""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rule_that_is_no_function_has_arity_0(engine: str) -> None:
    # OPA's GetArity reads the rule's arguments: none. Inside an expression exactly 0, alone 0 or 1 (the output).
    for body, where in (("r := 1\n\nhelper := r(1)\n", "5:11"), ("deny contains 1 if true\n\nhelper := deny(1)\n",
                                                                  "5:11"),
                        ("r := 1\n\nhelper if {\n  data.p.r(1, 2)\n}\n", "6:3")):
        refused = refusal({"a.rego": P + body}, engine)
        assert refused.startswith(f"a.rego:{where}: arity error:") and "has arity 0" in refused, refused
    # A rule named like a builtin does not decide what a call of that name is.
    assert refusal({"a.rego": P + "count := 1\n\nhelper := count([1])\n"}, engine) == ""


def test_what_is_refused_fails_on_regorus_only_when_reached() -> None:
    for body in ("helper := data.lib.nosuch(1)\n", 'r := {"f": 1}\n\nhelper if {\n  r.f(1)\n}\n'):
        assert refusal({"a.rego": P + body})
        regorus_never_answers(P + body, fails=True)


# The line OPA's error names, for each refused probe of the round-4 block.
PROBE_LINES = {"undefined-function-data-path": 3, "undefined-function-through-import": 5,
               "undefined-function-past-a-rule": 5, "function-two-arities": 2, "rule-called-with-an-argument": 3,
               "ref-head-function-arity": 3, "rule-called-as-a-statement": 4}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    for name, line in PROBE_LINES.items():
        source = PROBES[name]["source"]
        assert PROBES[name].get("refused") is True, name
        refusals = engine_refusals(source, engine)
        assert refusals and char_line_col(source, refusals[0][0])[0] == line, (name, refusals)
    for name in ("functions-defined-with-else-and-default", "function-one-arity-many-definitions",
                 "ref-head-function-called"):
        assert engine_refusals(PROBES[name]["source"], engine) == [], name


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("body", "where", "says"), [
    # A function with a ref head has the arity of its head's arguments (OPA's GetArity finds it at data.p.a.b).
    ("a.b(x) := x\n\nhelper := a.b(1, 2)\n", "5:11", "(OPA: function data.p.a.b has arity 1)"),
    ("a.b(x) := x\n\nhelper if {\n  a.b(1, 2, 3)\n}\n", "6:3", "(2 with the output, as a statement of its own)"),
    ("a.b.c(x, y) := x\n\nhelper := data.p.a.b.c(1)\n", "5:11", "(OPA: function data.p.a.b.c has arity 2)"),
    ("import data.lib\n\nhelper := lib.x.y(1)\n", "5:11", "(OPA: function data.lib.x.y has arity 2)"),
    # A string key is a name of the ref; a ref-head rule that is no function has arity 0.
    ('a["b"](x) := x\n\nhelper := a.b(1, 2)\n', "5:11", "(OPA: function data.p.a.b has arity 1)"),
    ("a.b := 1\n\nhelper := a.b(1)\n", "5:11", "(OPA: function data.p.a.b has arity 0)"),
    ("a.b contains 1\n\nhelper := data.p.a.b(1)\n", "5:11", "(OPA: function data.p.a.b has arity 0)"),
])
def test_a_ref_head_function_s_arity_is_checked(engine: str, body: str, where: str, says: str) -> None:
    lib = LIB + "\nx.y(a, b) := a\n"
    refused = refusal({"a.rego": P + body, "lib.rego": lib}, engine)
    assert refused.startswith(f"a.rego:{where}: arity error:") and says in refused, refused


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ref_head_function_called_with_its_arity_passes(engine: str) -> None:
    body = "a.b(x) := x\n\nhelper if {\n  a.b(1, out)\n  out == 1\n  a.b(2)\n}\n\nother := [a.b(3), data.p.a.b(4)]\n"
    assert refusal({"a.rego": P + body, "lib.rego": LIB + "\nx.y(a, b) := a\n"}, engine) == ""
    assert refusal({"a.rego": P + "import data.lib\n\nv := lib.x.y(1, 2)\n", "lib.rego": LIB + "\nx.y(a, b) := a\n"},
                    engine) == ""


def test_a_ref_head_function_is_no_builtin_call() -> None:
    # Its head and its calls are the policy's own: the engine is never asked whether `a.b` is a builtin
    # (it said no, and natpolicy refused a policy OPA runs).
    source = P + 'a.b(x) := x + 1\n\ndeny contains "hit" if {\n  a.b(1) == 2\n  upper("a") == "A"\n}\n'
    policies = [PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))]
    assert calls_to_check(policies) == {"upper"}
    for name in installed_engines():
        engine = create_engine(name)
        compiled = engine.compile({"p.rego": source}, None, ["p/deny"])
        assert engine.evaluate(compiled, "p/deny", engine.prepare_input({})) == ["hit"], name


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("body", "where", "value"), [
    # A statement of its own may pass one argument more than the arity, so `r(1)` passes the arity check; then
    # OPA's type checker finds the rule's value type, no function type: "undefined function data.p.r".
    ("r := 1\n\nhelper if {\n  r(1)\n}\n", "6:3", "data.p.r, a rule whose value is a number"),
    ('r if true\n\ndefault r := false\n\nhelper if {\n  data.p.r("a")\n}\n', "8:3",
     "data.p.r, a rule whose value is a boolean"),
    ("r := 1\n\nhelper := [1 | r(1)]\n", "5:16", "data.p.r, a rule whose value is a number"),
    ("import data.lib\n\nhelper if {\n  lib.limit(1)\n}\n", "6:3", "data.lib.limit, a rule whose value is a number"),
    # A rule with a ref head of names is typed where it leads.
    ("a.b := 1\n\nhelper if {\n  a.b(1)\n}\n", "6:3", "data.p.a.b, a rule whose value is a number"),
    ('a["b"] contains 1\n\nhelper if {\n  data.p.a.b(1)\n}\n', "6:3", "data.p.a.b, a rule whose value is a set"),
    # One collection type: a literal, a comprehension (called with no argument), a partial object, and a set
    # from two definitions (OPA's environment joins two sets into one set of either's elements).
    ("r := {1}\n\nhelper if {\n  r(1)\n}\n", "6:3", "data.p.r, a rule whose value is a set[number]"),
    ('r := [1, "a"]\n\nhelper if {\n  not r(1)\n}\n', "6:7", "a rule whose value is an array[any<number, string>]"),
    ('r := {"a": 1}\n\nhelper if {\n  r(1)\n}\n', "6:3", "data.p.r, a rule whose value is an object"),
    ("r := [x | some x in [1]]\n\nhelper if {\n  r()\n}\n", "6:3", "data.p.r, a rule whose value is an array"),
    ('o[k] := 1 if {\n  some k in ["a"]\n}\n\nhelper if {\n  o(1)\n}\n', "8:3",
     "data.p.o, a rule whose value is an object"),
    ('r contains 1 if input.a\n\nr contains "a" if input.b\n\nhelper if {\n  r(1)\n}\n', "8:3",
     "data.p.r, a rule whose value is a set"),
    ('r := {1} if input.a else := {"a"}\n\nhelper if {\n  r(1)\n}\n', "6:3",
     "data.p.r, a rule whose value is a set[any<number, string>]"),
    ("import data.lib\n\nhelper if {\n  lib.names(1)\n}\n", "6:3", "data.lib.names, a rule whose value is a set"),
    # Two definitions, or elements, of one type this reader holds whole: OPA's Or of two equal types is that type.
    ("r := [1] if input.a else := [1]\n\nhelper if {\n  r(1)\n}\n", "6:3", "a rule whose value is an array[number]"),
    ("r := x if {\n  some x in [[1], [2]]\n}\n\nhelper if {\n  r(1)\n}\n", "8:3", "an array[number]"),
    ('r := {"a": 1} if input.a\n\nr := {"a": 2} if input.b\n\nhelper if {\n  r(1)\n}\n', "8:3",
     "data.p.r, a rule whose value is an object"),
    # Comprehensions of one element type (OPA's array[number], also split's array[string]) and of one key and
    # value type (object[string: number]): one type again.
    ("r := [x | some x in [1]] if input.a else := [y | some y in [2]]\n\nhelper if {\n  r(1)\n}\n", "6:3",
     "an array[number]"),
    ('r := split(input.s, ",") if input.a else := [y | some y in ["a"]]\n\nhelper if {\n  r(1)\n}\n', "6:3",
     "an array[string]"),
    ('r := {k: 1 | some k in ["a"]} if input.a else := {k: 2 | some k in ["b"]}\n\nhelper if {\n  r(1)\n}\n',
     "6:3", "data.p.r, a rule whose value is an object"),
    # Object comprehensions of two value types too: each `else` branch is a rule of its own to OPA's checker
    # (WalkRules visits Rule.Else, NewGraph adds it, CheckTypes types it; parseElse copies the head), inserted at
    # the rule's path, where typeTreeNode.Insert's mergeTypes (v1/ast/env.go) makes two objects of no static
    # property one object, object[string: any<number, string>]: no any, so "undefined function".
    ('r := {k: 1 | some k in ["a"]} if input.a else := {k: "s" | some k in ["b"]}\n\nhelper if {\n  r(1)\n}\n',
     "6:3", "data.p.r, a rule whose value is an object"),
    ('r := {k: 1 | some k in ["a"]} if input.a\n\nr := {k: "s" | some k in ["b"]} if input.b\n\nhelper if {\n'
     '  r(1)\n}\n', "8:3", "data.p.r, a rule whose value is an object"),
])
def test_a_rule_of_one_type_called_as_a_statement_is_refused(engine: str, body: str, where: str, value: str) -> None:
    refused = refusal({"a.rego": P + body, "lib.rego": LIB + '\nlimit := 5\n\nnames := {"a"}\n'}, engine)
    assert refused.startswith(f"a.rego:{where}: type error: `") and value in refused, refused
    assert "(OPA: undefined function data." in refused, refused


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("body", [
    # Two types are OPA's `any`, which lets the call pass; so does a value it cannot type.
    'r := 1\n\ndefault r := "a"\n\nhelper if {\n  r(1)\n}\n',
    'r := 1 if input.a else := "b"\n\nhelper if {\n  r(1)\n}\n',
    "r := input.x\n\nhelper if {\n  r(1)\n}\n",
    # Two collection types OPA's `Or` keeps apart (definitions, elements) are its `any` too. An `every` body's
    # calls are never typed.
    "r := [1] if input.a else := [1, 2]\n\nhelper if {\n  r(1)\n}\n",
    'r := {"a": 1} if input.a\n\nr := {"b": 1} if input.b\n\nhelper if {\n  r(1)\n}\n',
    "default r := []\n\nr := [1] if input.a\n\nhelper if {\n  r(1)\n}\n",
    "r := x if {\n  some x in [[1], [1, 2]]\n}\n\nhelper if {\n  r(1)\n}\n",
    'r := [1] if input.a else := ["a"]\n\nhelper if {\n  r(1)\n}\n',
    'r := {"a": 1} if input.a\n\nr := {"a": "s"} if input.b\n\nhelper if {\n  r(1)\n}\n',
    "f(x) := [x]\n\nf(x) := [x, x] if input.a\n\nr := f(1)\n\nhelper if {\n  r(1)\n}\n",
    "r := 1\n\nhelper if {\n  every v in [1] {\n    r(v)\n  }\n}\n",
    # Comprehensions of two element types, an array literal beside a comprehension (static elements against a
    # dynamic type): OPA's any<...>. (Object comprehensions of two value types are one object: mergeTypes, above.)
    'r := [x | some x in [1]] if input.a else := [y | some y in ["a"]]\n\nhelper if {\n  r(1)\n}\n',
    "r := [1] if input.a else := [y | some y in [1]]\n\nhelper if {\n  r(1)\n}\n",
    # An object of static properties beside one of none: mergeTypes joins them by Or, OPA's any<...>.
    'r := {"a": 1} if input.a else := {k: "s" | some k in ["b"]}\n\nhelper if {\n  r(1)\n}\n',
    # A local name, and a function, are no rule.
    "r := 1\n\nhelper if {\n  r := 2\n  r == 2\n}\n",
    "f(x) := x\n\nhelper if {\n  f(1)\n}\n",
])
def test_a_rule_call_opa_lets_pass_passes(engine: str, body: str) -> None:
    refused = refusal({"a.rego": P + body}, engine)
    if engine == "regopy" and "r(" in body:
        # rego-cpp aborts the process compiling a call of a rule that is no function: refused there, loud
        # (regopy_rule_calls), never handed to it.
        assert "regopy 1.5.2 aborts the process" in refused, refused
    else:
        assert refused == ""


def test_two_equal_types_this_reader_does_not_hold_whole_are_refused_as_unsure() -> None:
    # OPA's Or of these two is one type (array[any], input having no type), so it refuses the call; this reader
    # cannot tell an element of OPA's any from one it does not type, so it refuses, saying it cannot tell.
    body = "r := [x | some x in input.a] if input.a else := [y | some y in input.b]\n\nhelper if {\n  r(1)\n}\n"
    assert "natpolicy cannot tell whether OPA's type checker accepts `r(1)`" in refusal({"a.rego": P + body})
