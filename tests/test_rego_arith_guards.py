"""OPA's arithmetic operators are builtin calls (plus, minus, mul, div, rem: v1/topdown/arithmetic.go), so in its
default mode an operand of another kind, or a zero divisor, makes the expression undefined, and with
``--strict-builtin-errors`` stops the query: ``natpolicy.rego.builtin_errors`` guards the operands in the default mode
(the probes of category "builtin errors" hold the answers: tests/test_rego_builtin_errors.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.builtin_errors import guard_operands
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import scan_module
from tests.rego_answers import ENGINES
from tests.test_rego_default_mode import default_answer

G = "__natpolicy_if_"


def guarded(expression: str, replaced: tuple[str, ...] = (), guard: bool = True) -> str:
    """The first rule's line of ``x := expression`` as guard_operands writes it."""
    source = f"package p\n\nx := {expression}\n"
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    calls = [call for _, call in builtin_calls([policy])]
    return guard_operands(source, calls, False, replaced, guard=guard).text.split("\n")[2].removeprefix("x := ")


@pytest.mark.parametrize(("expression", "written"), [
    ("input.a + 1", f"{G}number(input.a) + 1"),
    ("input.a * input.b", f"{G}number(input.a) * {G}number(input.b)"),
    # `-` takes two numbers or two sets (builtinMinus): an operand showing its kind makes the other's guard its kind
    ("{1, 2} - input.s", f"{G}set(input.s)"),
    ("input.s - count(input.t)", f"{G}number(input.s)"),
    # neither shows it: the left is a number or a set, the right one passes only beside a left of its kind; the
    # left is read twice, so only where it means the same twice (no `_`, no call)
    ("input.a - input.b", f"{G}difference(input.a) - {G}difference_of(input.a, input.b)"),
    ("r.x[0][k] - y", f"{G}difference(r.x[0][k]) - {G}difference_of(r.x[0][k], y)"),
    ("input.a[_] - input.b", f"{G}difference(input.a[_]) - {G}difference(input.b)"),
    ("f(x) - input.b", f"{G}difference(f(x)) - {G}difference(input.b)"),
    ("input.a / input.b", f"{G}number(input.a) / {G}divisor(input.b)"),
    ("input.a / 0.0", f"{G}number(input.a) / {G}divisor(0.0)"),  # a zero of any form fails (0.0, 0e5)
    # `%` takes integers only ("modulo on floating-point number"): a quotient may be none (`10 / 4 % 3`)
    ("input.a % input.b", f"{G}integer(input.a) % {G}integer_divisor(input.b)"),
    ("10 / 4 % 3", f"{G}integer(10 / 4) % 3"),
    ("input.a % 2.5", f"{G}integer(input.a) % {G}integer_divisor(2.5)"),
    ("7 % 0", f"7 % {G}integer_divisor(0)"),
    # precedence: the product is an operand of +, and a number already; a group's difference may be a set
    ("input.a + input.b * input.c", f"{G}number(input.a) + {G}number(input.b) * {G}number(input.c)"),
    ("(input.a - input.b) * 2",
     f"{G}number(({G}difference(input.a) - {G}difference_of(input.a, input.b))) * 2"),
    ("abs(input.a - input.b)", f"abs({G}number({G}difference(input.a) - {G}difference_of(input.a, input.b)))"),
    ("input.z -1", f"{G}number(input.z) -1"),  # a minus glued to its number
    ("object.get(input.o, \"k\", 0) + 1", f"{G}number(object.get({G}object(input.o), \"k\", 0)) + 1"),
])
def test_each_operand_opa_checks_is_guarded(expression: str, written: str) -> None:
    assert written in guarded(expression)


@pytest.mark.parametrize("expression", [
    "1 + 2 * 3",  # literals show their kind
    "count([1]) - 1",  # a builtin whose result is a number
    "10 / 4 + 3",  # the quotient is a number; 4 is a divisor that is no zero
    "7 % 2.0 + 1e2 % -3",  # whole numbers, of any form, and divisors that are no zero
    "-1",
    "[1, -2]",
    "{1} - {2}",
])
def test_operands_whose_kind_is_known_are_left_alone(expression: str) -> None:
    assert guarded(expression) == expression


def test_strict_mode_and_a_replaced_operator_leave_arithmetic_alone() -> None:
    assert guarded("input.a + 1", guard=False) == "input.a + 1"
    assert guarded("input.a + 1", replaced=("plus",)) == "input.a + 1"  # `with plus as f` may take other kinds


def _default(engine: str, expression: str, document: Any) -> tuple[str, Any]:
    return default_answer(create_engine(engine), {"source": f"package p\n\nx := {expression}\n", "rule": "x",
                                                  "input": document})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("expression", "document"), [
    ("input.a + 1", {"a": None}),
    ("1 * input.a", {"a": [1]}),
    ("input.a - 1", {"a": "x"}),
    ("{1} - input.a", {"a": [1]}),  # minus takes two sets or two numbers: an array fails
    ("1 / input.z", {"z": 0}),
    ("1.5 / input.z", {"z": 0.0}),
    ("5 % input.z", {"z": 0}),
    ("input.a % 2", {"a": None}),
    ("input.a % 2", {"a": 1.5}),  # a fraction: "modulo on floating-point number" (regorus stopped)
    ("7 % input.z", {"z": 2.5}),
    ("input.a % 2", {"a": -0.5}),
])
def test_an_arithmetic_error_is_undefined_by_default(engine: str, expression: str, document: Any) -> None:
    assert _default(engine, expression, document) == ("ok", UNDEFINED)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("expression", "document", "expected"), [
    # OPA fails on a set minus a number and a number minus a set (builtinMinus): undefined by default. regorus
    # stopped on each (regopy was undefined)
    ("{y | some y in input.ys} - 1", {"ys": [1]}, UNDEFINED),
    ("1 - {y | some y in input.ys}", {"ys": [1]}, UNDEFINED),
    ("input.s - input.n", {"s": [1], "n": 1}, UNDEFINED),  # (an array: not the set, but the guard's own case)
    ("[s - input.n | s := {y | some y in input.ys}]", {"ys": [1], "n": 1}, []),
    ("[input.n - s | s := {y | some y in input.ys}]", {"ys": [1], "n": 1}, []),
    ("[s - t | s := {y | some y in input.ys}; t := input.n]", {"ys": [1], "n": 1}, []),
    # the near misses: two numbers, two sets, answered
    ("[s - t | s := {y | some y in input.ys}; t := {1}]", {"ys": [1, 2]}, [[2]]),
    ("[input.n - t | t := input.m]", {"n": 5, "m": 2}, [3]),
    ("[s - input.n | s := input.m]", {"n": 5, "m": 2}, [-3]),
])
def test_a_set_minus_a_number_is_undefined(engine: str, expression: str, document: Any, expected: Any) -> None:
    assert _default(engine, expression, document) == ("ok", expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_remainder_of_whole_numbers_of_any_form_answers(engine: str) -> None:
    # the near misses: OPA's NumberToInt reads 2.0 exactly; past 2^53 every float is whole (the guard's fallback)
    assert _default(engine, "[r | some v in input.vs; r := v % 3]", {"vs": [2.0, -7, 0, 6.0]}) == ("ok", [2, -1, 0, 0])
    assert _default(engine, "(input.a / 2) % 3", {"a": 8}) == ("ok", 1)
    if engine == "regorus":  # (regopy stops on the inexact quotient itself: regopy_arith)
        assert _default(engine, "(input.a / 2) % 2", {"a": 3}) == ("ok", UNDEFINED)
    # 1e20 passes the guard (OPA: 2); neither engine holds its remainder exactly, and each stops, loud, where
    # a guard failing on it would have made it silently undefined
    kind, answer = _default(engine, "input.a % 7", {"a": 1e20})
    assert kind == "stop", answer
