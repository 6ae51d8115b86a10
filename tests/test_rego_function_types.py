"""natpolicy.rego.type_check: what OPA's compiler checks about the package's own functions, refused up front.

Arity (``checkUndefinedFuncs`` in OPA's ``ast/compile.go``): a call that is
a statement of its own passes the arity or one more (the output); a call
inside an expression passes exactly the arity. Each refusal names its line;
each near miss is valid Rego OPA accepts and must stay quiet.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.guards import refuse_for_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.type_check import type_errors

P = "package p\n\nimport rego.v1\n\n"  # the body below starts on line 5


def found(body: str, loaded: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line, message) of every type error in ``P + body``, beside the modules ``loaded`` of other packages."""
    source = P + body
    info = scan_module(source)
    return [(char_line_col(source, offset)[0], message)
            for offset, message in type_errors(source, set(info.rules) | info.import_aliases, (), loaded)]


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
    errors = found(body, (LIB,))
    assert errors, "not refused"
    assert errors[0][0] == line and says in errors[0][1], errors
    assert "\n" not in errors[0][1] and "OPA refuses the whole module" in errors[0][1]


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


def _refusal(files: dict[str, str], engine: str = "regorus") -> str:
    policies = [PolicyFile(Path(name), name, text, scan_module(text)) for name, text in files.items()]
    try:
        refuse_for_engine(policies, engine)
    except InputError as exc:
        return f"{exc.source}: {exc.problem}"
    return ""


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_an_arity_another_loaded_file_declares_is_checked_on_every_engine(engine: str) -> None:
    uses = "package p\n\nimport data.lib\n\nx := lib.g(1, 2)\n"
    assert _refusal({"a.rego": uses, "lib.rego": LIB}, engine).startswith("a.rego:5:6: arity error: `lib.g(1, 2)`")
    assert _refusal({"a.rego": uses.replace("(1, 2)", "(1)"), "lib.rego": LIB}, engine) == ""
    # Another file of the same package defines it with two arguments: then the call is right.
    same = "package p\n\nf(a, b) := a\n"
    assert _refusal({"a.rego": "package p\n\nx := f(1, 2)\n", "b.rego": same}, engine) == ""
    assert _refusal({"a.rego": "package p\n\nx := f(1)\n", "b.rego": same}, engine).startswith("a.rego:3:6: arity")


def test_what_is_refused_fails_on_regorus_when_reached() -> None:
    # regorus finds the same error, but only when a query reaches the call: natpolicy refuses it up front.
    regorus = pytest.importorskip("regorus")
    for body in ("f(x) := x\nhelper := f(1, 2)\n", "f(x, y) := x\nhelper if {\n  f(1)\n}\n",
                 "helper := count([1], 2)\n"):
        assert found(body)
        engine = regorus.Engine()
        engine.set_rego_v0(False)
        engine.add_policy("p.rego", P + body + "other := 1\n")
        assert engine.eval_rule("data.p.other") == 1  # loads, and answers a query that does not reach it
        with pytest.raises(RuntimeError):
            engine.eval_rule("data.p.helper")
