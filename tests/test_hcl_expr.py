"""The HCL expression evaluator (checker/hcl/expr.py) over real python-hcl2 trees."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natpolicy.hcl.expr import Context, evaluate, traversals
from natpolicy.hcl.functions import FUNCTIONS
from natpolicy.hcl.parse import parse_expression
from natpolicy.model import UNKNOWN

NAMES: dict[str, Any] = {
    "var": {"m": {"a": "x", "b": "y"}, "l": [{"id": 1}, {"id": 2}], "cidr": "10.0.0.0/16", "n": 3,
            "nothing": None, "yes": True, "unknown": UNKNOWN, "partly": [1, UNKNOWN]},
}


def ev(text: str, names: dict[str, Any] | None = None, report: list[str] | None = None) -> Any:
    node = parse_expression(text)
    assert node is not None, f"does not parse: {text}"
    scope = NAMES if names is None else names
    return evaluate(node, Context(lambda n: scope.get(n, UNKNOWN), report=(report.append if report is not None else None)))


@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", 7), ("2 * 3 + 1 - 4", 3), ("(1 + 2) * 3", 9), ("7 / 2", 3.5), ("6 / 2", 3), ("-5 % 3", -2),
    ("1 < 2 && 2 <= 2", True), ("!true || false", False), ('1 == "1"', False), ("[1, 2] == [1, 2]", True),
    ('{a = 1} != {a = 2}', True), ("1.5e3", 1500), ("-var.n", -3), ('"5" + 1', 6),
    ("true ? 1 : 2", 1), ("var.nothing == null ? \"d\" : \"v\"", "d"),
    ('"a-${var.cidr}"', "a-10.0.0.0/16"), ('"%{if var.yes}on%{else}off%{endif}"', "on"),
    ('"%{for k in ["a", "b"]}${k};%{endfor}"', "a;b;"), ('"a\\n\\"$${x}%%{y}"', 'a\n"${x}%{y}'),
    ('"\\u00e9"', "é"), ('"a %{~ if true ~} x %{~ endif} b"', "ax b"), ("<<EOT\nline ${var.n}\nEOT\n", "line 3\n"), ("<<-EOT\n    a\n      b\n    EOT\n", "a\n  b\n"),
    ('[for k, v in var.m : "${k}=${v}" if v != "y"]', ["a=x"]), ("{for k, v in var.m : v => k}", {"x": "a", "y": "b"}),
    ('{for v in ["a", "b", "a"] : v => v...}', {"a": ["a", "a"], "b": ["b"]}), ("[for i, x in [5, 6] : i + x]", [5, 7]),
    ("var.l[*].id", [1, 2]), ("var.l.*.id", [1, 2]), ("var.nothing[*]", []), ("var.m[*]", [{"a": "x", "b": "y"}]),
    ('var.m["a"]', "x"), ("var.l[1].id", 2), ("var.l.0.id", 1), ('{ Name = "n", "k-1" = 1, (var.cidr) = 2 }',
                                                                  {"Name": "n", "k-1": 1, "10.0.0.0/16": 2}),
    ('try(var.m.z, var.m.a)', "x"), ("can(var.l[9])", False), ("can(var.l[0])", True),
])
def test_known_values(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize("text", [
    "var.unknown", "var.unknown.x", "var.unknown[0]", "var.unknown + 1", "!var.unknown", "var.unknown ? 1 : 2",
    '"x-${var.unknown}"', "[for x in var.unknown : x]", "{for k, v in var.unknown : k => v}", "var.unknown[*].id",
    "aws_vpc.main.id", "var.l[9]", "var.m.missing", "1 / 0", "nosuchfunction(1)", "upper(var.unknown)",
    "length(var.unknown)", "join(\",\", var.partly)", "[for x in [1, 2] : x if var.unknown]",
    '"%{if var.unknown}a%{endif}"', "{(var.unknown) = 1}", "try(var.unknown, 1)", "can(var.unknown)",
])
def test_unknown_stays_unknown(text: str) -> None:
    assert ev(text) is UNKNOWN


def test_logic_decides_on_a_known_side_and_equal_branches() -> None:
    assert ev("false && var.unknown") is False
    assert ev("var.unknown || true") is True
    assert ev("true && var.unknown") is UNKNOWN
    assert ev('var.unknown ? "same" : "same"') == "same"
    assert ev("[1, var.unknown]") == [1, UNKNOWN]
    assert ev("length(var.partly)") == 2


def test_unsupported_function_is_reported() -> None:
    notes: list[str] = []
    assert ev('timestamp()', report=notes) is UNKNOWN
    assert notes == ["function timestamp() is not evaluated; its result is treated as unknown"]


def test_traversals_are_the_longest_names() -> None:
    node = parse_expression('concat(module.a.out, [aws_vpc.main[0].id], var.m[local.k], [for s in data.x.y : s])')
    assert sorted(set(traversals(node))) == [("aws_vpc", "main", "id"), ("data", "x", "y"), ("local", "k"),
                                             ("module", "a", "out"), ("s",), ("var", "m")]
    assert traversals(parse_expression('{ name = 1 }')) == []


# -- property: evaluation over unknown inputs never raises ------------------
_ATOMS = st.sampled_from([
    "var.x", "var.x.y", "local.z", "each.value", "each.key", "count.index", "aws_vpc.main.id", "module.m.out",
    "1", "0", "-1", "2.5", '"s"', '"0.0.0.0/0"', "true", "false", "null", "[]", "{}", "path.module",
    "terraform.workspace", "data.aws_vpc.x", "self.id", "var.x[*].id", "var.x.*.y", 'var.x["k"]',
])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]),
                       children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    call = st.tuples(st.sampled_from(sorted(FUNCTIONS) + ["try", "can", "unknownfn"]),
                     st.lists(children, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")
    return st.one_of(
        binary, call,
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(children, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.tuples(children, children).map(lambda t: f"{{ k = {t[0]}, (\"x\") = {t[1]} }}"),
        st.tuples(children, children).map(lambda t: f"[for i, v in {t[0]} : {t[1]} if v != null]"),
        st.tuples(children, children).map(lambda t: f"{{for k, v in {t[0]} : k => {t[1]}...}}"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        children.map(lambda c: f'"pre-${{{c}}}-%{{if {c}}}y%{{endif}}"'),
        children.map(lambda c: f"!{c}"),
        children.map(lambda c: f"{c}[*].id"),
    )


EXPRESSIONS = st.recursive(_ATOMS, _combine, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from(["unknown", "mixed"]))
def test_evaluation_never_raises(text: str, mode: str) -> None:
    node = parse_expression(text)
    if node is None:
        return  # the generator can write things HCL rejects; those never reach the evaluator
    if mode == "unknown":
        ctx = Context(lambda n: UNKNOWN)
    else:
        mixed = {"var": {"x": [UNKNOWN, {"y": UNKNOWN, "id": 1}], "k": UNKNOWN}, "local": {"z": UNKNOWN},
                 "each": {"key": "a", "value": UNKNOWN}, "count": {"index": 0}}
        ctx = Context(lambda n: mixed.get(n, UNKNOWN))
    evaluate(node, ctx)  # must return (any value, often UNKNOWN), never raise
