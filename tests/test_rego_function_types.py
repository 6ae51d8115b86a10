"""natpolicy.rego.type_check: what OPA's compiler checks about the package's own functions, refused up front.

Arity (``checkUndefinedFuncs`` in OPA's ``ast/compile.go``): a call that is
a statement of its own passes the arity or one more (the output); a call
inside an expression passes exactly the arity. Argument types (``checkRule``
in ``ast/check.go``): an argument passed on to another function of the
package is typed by it; one used, after its first use, as a type the first
excludes makes the function an error. Each refusal names its line;
each near miss is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.type_check import type_errors
from natpolicy.rego.type_syntax import read_rules
from rego_compile_checks import PROBES, assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\nimport rego.v1\n\n"  # the body below starts on line 5


def found(body: str, loaded: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line, message) of every type error in ``P + body``, beside the modules ``loaded`` of other packages."""
    return type_errors_by_line(P + body, loaded)


LIB = "package lib\n\ng(a) := a\n\nh(a, b) := a + b\n"


@pytest.mark.parametrize(("body", "line", "says"), [
    # Inside an expression (a value, an operand, an argument, a rule's value): exactly the arity.
    ("f(x) := x\nhelper := f(1, 2)\n", 6, "`f(1, 2)` passes 2 arguments to f, but it takes 1 argument (exactly"),
    ("f(x, y) := x\nhelper := f(1)\n", 6, "passes 1 argument to f, but it takes 2 arguments (exactly"),
    ("f(x) := x\nhelper if {\n  f(1, 2) == 1\n}\n", 7, "`f(1, 2)` passes 2 arguments"),
    ("f(x) := x\nhelper if {\n  some v in f(1, [2])\n}\n", 7, "passes 2 arguments"),
    ("f(x) := x\nhelper contains f(1, 2) if true\n", 6, "passes 2 arguments"),
    ("f(x) := x\ng(y) := f(y, 1)\n", 6, "passes 2 arguments"),
    ("f(x) := x\nhelper := [v | v := f()]\n", 6, "`f()` passes 0 arguments"),
    # A statement of its own: the arity, or one more (the output); fewer or two more are refused.
    ("f(x, y) := x\nhelper if {\n  f(1)\n}\n", 7, "it takes 2 arguments (3 with the output"),
    ("f(x) := x\nhelper if {\n  not f(1, 2, 3)\n}\n", 7, "passes 3 arguments"),
    # Every definition of the function, in any of the package's files, counts; data.<own package>.f too.
    ("f(x) := x\nf(y) := 2 if y\nhelper := data.p.f(1, 2)\n", 7, "(OPA: function data.p.f has arity 1)"),
    # Builtins as OPA declares them.
    ("helper := count([1], 2)\n", 5, "(OPA: builtin count has arity 1)"),
    ('helper if {\n  startswith("a")\n}\n', 6, "builtin startswith has arity 2"),
    # Another loaded package's function, by its path or through an import.
    ("helper := data.lib.g(1, 2)\n", 5, "(OPA: function data.lib.g has arity 1)"),
    ("import data.lib\nhelper := lib.h(1)\n", 6, "function data.lib.h has arity 2"),
    ("import data.lib.g\nhelper := g(1, 2)\n", 6, "function data.lib.g has arity 1"),
    ("import data.lib as l\nhelper if {\n  l.g(1, 2, 3)\n}\n", 7, "function data.lib.g has arity 1"),
])
def test_a_call_with_an_arity_opa_refuses_is_refused_with_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body, (LIB,)), line, says)


@pytest.mark.parametrize("body", [
    # The output form of a statement of its own, and the exact arity anywhere.
    "f(x) := x\nhelper if {\n  f(1, y)\n  y == 1\n  f(2)\n  not f(3, 4)\n}\n",
    "f(x, y) := x\nhelper := [f(1, 2), data.p.f(3, 4)]\n",
    # Several definitions of the same arity; a literal argument; default functions.
    "f(x) := 1 if x\nf(1) := 2\ndefault g(_) := 0\nhelper := f(1) + g(2)\n",
    # Builtins with their output; a builtin natpolicy has no signature for.
    "helper if {\n  count([1], n)\n  n == 1\n  walk(input, [p, v])\n}\n",
    # Another package's function with its arity, by its path, through an import, with its output.
    "import data.lib\nhelper := [lib.g(1), data.lib.h(1, 2)]\n",
    "import data.lib\nhelper if {\n  lib.h(1, 2, out)\n  out == 3\n}\n",
])
def test_a_call_with_an_arity_opa_accepts_passes(body: str) -> None:
    assert found(body, (LIB,)) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_an_arity_another_loaded_file_declares_is_checked_on_every_engine(engine: str) -> None:
    uses = "package p\n\nimport data.lib\n\nx := lib.g(1, 2)\n"
    assert refusal({"a.rego": uses, "lib.rego": LIB}, engine).startswith("a.rego:5:6: arity error: `lib.g(1, 2)`")
    assert refusal({"a.rego": uses.replace("(1, 2)", "(1)"), "lib.rego": LIB}, engine) == ""
    # Another file of the same package defines it with two arguments: then the call is right.
    same = "package p\n\nf(a, b) := a\n"
    assert refusal({"a.rego": "package p\n\nx := f(1, 2)\n", "b.rego": same}, engine) == ""
    assert refusal({"a.rego": "package p\n\nx := f(1)\n", "b.rego": same}, engine).startswith("a.rego:3:6: arity")


def test_what_is_refused_fails_on_regorus_when_reached() -> None:
    # regorus finds the same error, but only when a query reaches the call: natpolicy refuses it up front.
    for body in ("f(x) := x\nhelper := f(1, 2)\n", "f(x, y) := x\nhelper if {\n  f(1)\n}\n",
                 "helper := count([1], 2)\n"):
        assert found(body)
        regorus_never_answers(P + body, fails=True)


@pytest.mark.parametrize(("body", "line", "says"), [
    # An argument passed on to another function of the package is typed by that function's (OPA types the
    # callee first): here `v` is a string, whatever order or depth the functions come in.
    ("f(s) := upper(s)\ng(v) := f(v)\nhelper := g(1)\n", 7, "argument 1 of g(...), `1`, is a number, where g takes "
                                                          "only string"),
    ("g(v) := f(v)\nf(s) := upper(s)\nhelper := g(1)\n", 7, "where g takes only string"),
    ("f(s) := upper(s)\ng(v) := f(v)\nk(w) := g(w)\nm(z) := k(z)\nhelper := m(1)\n", 9, "where m takes only string"),
    ("f(s, n) := substring(s, n, 1)\ng(v) if {\n  f(v, 0)\n}\nhelper := g(1)\n", 9, "where g takes only string"),
    ('f(x) := upper(x)\nf(x) := x + 1 if false\ng(v) := f(v)\nhelper := g(true)\n', 8,
     "where g takes only number or string"),
    # An argument used as two types in its own body: OPA types it at its first use and refuses the function.
    ("f(x) := y if {\n  upper(x)\n  y := x + 1\n}\n", 7, "`x + 1` applies `+` to a string (`x`)"),
    ("f(x) := x + 1 if {\n  upper(x)\n}\n", 5, "applies `+` to a string"),  # the head is typed after the body
    ("f(x) if {\n  upper(x)\n  x.a\n}\n", 7, "`x.a` looks inside a string"),
    ('f(x) if {\n  x = 1\n  x = "a"\n}\n', 7, "unifies a number with a string"),
    ("f(x) if {\n  upper(x)\n  y := [x + 1 | true]\n}\n", 7, "applies `+` to a string"),
    ("g(s) := upper(s)\nf(x) if {\n  g(x)\n  x + 1\n}\n", 8, "applies `+` to a string"),
    # Two uses in its first statement: nested calls first, left to right.
    ("f(x) if {\n  upper(x) == x + 1\n}\n", 6, "`x`, an argument of f, is a string from its first use, and this use "
                                              "takes number"),
    ("f(x) if {\n  x + count(x) > 1\n}\n", 6, "is an any<array, object, set, string> from its first use"),
    # A statement's `==` is `=` to OPA (rewriteEquals): it types an argument like `=`.
    ("f(x) if {\n  x == 1\n  upper(x)\n}\n", 7, "argument 1 of upper(...), `x`, is a number"),
    ("f(x) := abs(x) + count(upper(x))\n", 5, "is a number from its first use, and this use takes string"),
    # A comprehension types only its own copy: the next statement's use is the first one.
    ("f(x) if {\n  [1 | upper(x)]\n  x + 1\n  upper(x)\n}\n", 8, "argument 1 of upper(...), `x`, is a number"),
    ("f(s) := [t | t := upper(s)] if {\n  s + 1\n}\n", 5, "argument 1 of upper(...), `s`, is a number"),
    # A function with a ref head of names is typed as any function, at the path it leads to.
    ("a.b(s) := upper(s)\nhelper := a.b(1)\n", 6, "argument 1 of a.b(...), `1`, is a number, where a.b takes only"),
    ('a["b"](s) := upper(s)\nhelper := data.p.a.b(1)\n', 6, "where data.p.a.b takes only string"),
    # The head's first name is a rule of the package (an object of rules), bound wherever the body uses it.
    ('a.b := 1\nf(x) if {\n  y := a.b + x\n}\nhelper := f("s")\n', 9, "where f takes only number"),
])
def test_a_function_argument_typed_through_its_uses_is_checked_as_opa_does(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    # The argument's type, passed on, and each callee's own.
    'f(s) := upper(s)\ng(v) := f(v)\nhelper := [g("a"), g(concat(",", input.xs))]\n',
    "f(x) := x\ng(v) := f(v)\nhelper := [g(1), g(\"a\")]\n",  # f takes anything, so does g
    "f(s) := upper(s)\ng(v) if {\n  v != 1\n  f(v)\n}\nhelper := g(1)\n",  # a comparison first: any
    "f(s) := [upper(t) | t := s]\ng(v) := f(v)\nhelper := g(1)\n",  # only a comprehension uses it: any
    'f(x) := upper(x)\nf(x) := x + 1 if false\ng(v) := f(v)\nhelper := [g(1), g("a")]\n',
    # Uses a first use allows; a comparison or a comprehension first; arguments and definitions apart.
    "f(x) if {\n  count(x) > 1\n  upper(x)\n}\n",
    "f(x) if {\n  x != 1\n  upper(x)\n  x < 1\n}\n",
    'f(x) if {\n  startswith(x, "a")\n  is_string(x)\n  count(x) > 1\n  x != 1\n  y := x\n  y != 2\n}\n',
    "f(x) if {\n  [y | y := upper(x)]\n  x + 1\n}\n",
    "f(x) if {\n  upper(x)\n}\nf(x) if {\n  x + 1\n}\nhelper := f(1)\n",
    "f(x, y) if {\n  upper(x)\n  y + 1\n  concat(x, [x])\n}\n",
    # A ref-head function called with what it takes.
    'a.b(s) := upper(s)\nhelper := [a.b("x"), data.p.a.b("y")]\n',
    # A use OPA runs later (it needs a name bound below) does not count first: `x + 1` runs first and types x a
    # number. (With `m = count(x)` below, count types x first and `m + x` is refused: test_rego_safety_reorder.)
    "f(x) if {\n  n = m + x\n  m = x + 1\n}\n",
])
def test_a_function_argument_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_a_function_of_another_file_of_the_package_types_the_argument_passed_to_it() -> None:
    uses = "package p\n\ng(v) := f(v)\n\nx := g(1)\n"
    assert refusal({"a.rego": uses, "b.rego": "package p\n\nf(s) := upper(s)\n"}).startswith(
        "a.rego:5:8: type error: argument 1 of g(...), `1`, is a number, where g takes only string")
    assert refusal({"a.rego": uses, "b.rego": "package p\n\nf(s) := s\n"}) == ""


@pytest.mark.parametrize("body", [
    'f(s) := upper(s)\ng(v) := f(v)\nhelper := g(1)\n',
    'f(x) := y if {\n  upper(x)\n  y := x + 1\n}\nhelper := f("a")\n',
    'f(x) if {\n  upper(x) == x + 1\n}\nhelper := f("a")\n',
])
def test_what_is_refused_through_arguments_fails_on_regorus_when_reached(body: str) -> None:
    # The differential check against a real engine: regorus meets the same error when a query reaches it.
    assert found(body)
    regorus_never_answers(P + body)


# The line OPA's error names, for each refused probe of the round-3 block.
PROBE_LINES = {"arity-function-unreached": 3, "arity-builtin-unreached": 3, "type-error-argument-passed-on": 4,
               "type-error-argument-two-types": 4, "type-error-argument-two-types-one-statement": 3,
               "type-error-argument-after-comprehension": 5, "type-error-rule-by-its-path": 3,
               "type-error-literal-constant": 2, "type-error-double-equals-statement": 4}


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    # Refused before any engine runs, so on every engine host; the near misses of the block are not.
    for name, line in PROBE_LINES.items():
        source = PROBES[name]["source"]
        refusals = engine_refusals(source, engine)
        assert refusals and char_line_col(source, refusals[0][0])[0] == line, (name, refusals)
    for name in ("types-arity-output-form", "types-argument-passed-on", "types-argument-first-use-wins",
                 "types-metadata-schema-ignored", "types-literal-variables-widen", "types-every-body-unchecked"):
        assert engine_refusals(PROBES[name]["source"], engine) == [], name


_ARGUMENT_USES = ["upper({0})", "({0} + 1)", "count({0})", "({0} | {{1}})", 'concat(",", {0})', "abs({0})",
                  "{0} == 1", 'startswith({0}, "a")', "sum({0})", "object.keys({0})", "g({0})", "[{0}][0]", "{0}.k",
                  "is_string({0})", "count({0}) + abs({0})", 'upper({0}) == concat("", [{0}])', "to_number({0})",
                  "[1 | upper({0})]", "[u | u := {0} + 1]"]
_CALLED_WITH = ['"ab"', "1", "[1]", '["a"]', "{1}", '{"k": 1}', "true", "null"]


def _random_function(rng: random.Random) -> str:
    """A function using its argument twice or three times, g passing its own on, and a rule calling each."""
    uses = [rng.choice(_ARGUMENT_USES).format("a") for _ in range(rng.randint(2, 3))]
    body = "\n  ".join(f"y{n} := {use}" for n, use in enumerate(uses))
    helper = rng.choice(["a", "upper(a)", "a + 1", "count(a)", "{a}"])
    return f"package p\n\ng(a) := {helper}\n\nf(a) := true if {{\n  {body}\n}}\n\nr(v) := [f(v), g(v)]\n"


def test_a_function_refused_for_its_argument_types_never_evaluates_on_regorus(
        raw_regorus: Callable[[], Any]) -> None:
    # The differential check for arguments: where natpolicy refuses a function for how it uses its argument (or
    # passes it on), no value may carry that function through on regorus (a value would mean OPA's types allow
    # it: a false refusal).
    rng = random.Random(3)
    refused = 0
    for _ in range(300):
        source = _random_function(rng)
        info = scan_module(source)
        errors = list(type_errors(source, set(info.rules)))
        if not errors:
            continue
        refused += 1
        starts = [(rule.start, rule.name) for rule in read_rules(source)]
        function = [name for start, name in starts if start <= errors[0][0]][-1]  # the rule the error is in
        engine = raw_regorus()
        engine.set_rego_v0(False)
        engine.add_policy("p.rego", source)
        for value in _CALLED_WITH:
            engine.add_policy("q.rego", f"package q\n\nx := data.p.{function}({value})\n")
            try:
                result = engine.eval_rule("data.q.x")
            except RuntimeError:
                continue
            assert result is None, (source, function, value, errors)
    assert refused > 60  # the generator reaches the checks


SHOUT = 'package lib\n\nshout(s) := upper(s)\n\nsame(v) := v\n\nlimit := 5\n\ncfg := {"k": 1}\n'



@pytest.mark.parametrize(("body", "line", "says"), [
    # Another loaded package's function is typed as OPA types it (every package in one order of dependencies):
    # by its path, through an import of its package or of the function itself.
    ("import data.lib\nhelper := lib.shout(1)\n", 6, "argument 1 of lib.shout(...), `1`, is a number, where "
                                                     "lib.shout takes only string"),
    ("helper := data.lib.shout(1)\n", 5, "where data.lib.shout takes only string"),
    ("import data.lib.shout\nhelper := shout(1)\n", 6, "where shout takes only string"),
    ('import data.lib\nhelper := lib.shout("a") + 1\n', 6, "applies `+` to a string"),  # its result
    # An argument passed on to it, and the package's own functions by their full path.
    ("import data.lib\ng(v) := lib.shout(v)\nhelper := g(1)\n", 7, "where g takes only string"),
    ("g(v) := upper(v)\nhelper := data.p.g(1)\n", 6, "where data.p.g takes only string"),
    # Its rules' values, by their path or through an import; the package's own by their full path.
    ("import data.lib\nhelper := upper(lib.limit)\n", 6, "argument 1 of upper(...), `lib.limit`, is a number"),
    ("helper := data.lib.cfg.z\n", 5, 'looks up `z` in an object literal that has only the keys "k"'),
    ("own := 5\nhelper := upper(data.p.own)\n", 6, "`data.p.own`, is a number"),
])
def test_a_function_of_another_loaded_package_is_typed_as_opa_types_it(body: str, line: int, says: str) -> None:
    errors = found(body, (SHOUT,))
    assert errors, "not refused"
    assert errors[0][0] == line and says in errors[0][1], errors


@pytest.mark.parametrize("body", [
    'import data.lib\nhelper := [lib.shout("a"), lib.same(1), lib.same("b"), data.lib.shout(concat(",", ["c"]))]\n',
    "import data.lib\ng(v) := lib.same(v)\nhelper := [g(1), g(\"a\")]\n",
    # A package this reader does not have is any; the other package's values where they fit; a local name
    # shadows an import; data beyond the rules is any.
    "import data.other\nhelper := [other.shout(1), data.lib.limit + 1, data.lib.cfg.k + 1, data.lib.x.y]\n",
    'import data.lib\nhelper if {\n  lib := {"limit": "s"}\n  upper(lib.limit)\n}\n',

])
def test_a_function_of_another_loaded_package_opa_accepts_passes(body: str) -> None:
    assert found(body, (SHOUT,)) == []


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_another_package_s_function_types_the_calls_of_every_engine(engine: str) -> None:
    uses = "package p\n\nimport data.lib\n\nx := lib.shout(1)\n"
    assert refusal({"a.rego": uses, "lib.rego": SHOUT}, engine).startswith(
        "a.rego:5:16: type error: argument 1 of lib.shout(...), `1`, is a number")
    assert refusal({"a.rego": uses.replace("(1)", '("a")'), "lib.rego": SHOUT}, engine) == ""
    # Two packages that use each other's rules (no rule calls itself): each is typed, nothing is refused.
    back = "package lib\n\nshout(s) := upper(s)\n\nloud(s) := data.p.y(s)\n"
    assert refusal({"a.rego": "package p\n\nimport data.lib\n\ny(s) := lib.shout(s)\n", "lib.rego": back},
                    engine) == ""
