"""Builtins typed as OPA's ``v1/ast/builtins.go`` declares them, beyond the table's first 73.

OPA's ``checkExprBuiltin`` unifies each argument with the builtin's declared
type and refuses the module where they share none; its arity is the
declared one; its result takes the declared result type, which later checks
read. Each refusal names its line; each near miss is valid Rego OPA accepts
and must stay quiet.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.builtin_types import BUILTINS
from rego_compile_checks import assert_refused_at, refusal, regorus_never_answers, type_errors_by_line

P = "package p\n\n"  # the body below starts on line 3


def found(body: str) -> list[tuple[int, str]]:
    return type_errors_by_line(P + body)


@pytest.mark.parametrize(("body", "line", "says"), [
    # An argument of a kind the declaration excludes.
    ('h if {\n  bits.or("a", 1) == 1\n}\n', 4, "argument 1 of bits.or(...), `\"a\"`, is a string"),
    ("h := net.cidr_merge(1)\n", 3, "which net.cidr_merge never takes (it takes array or set)"),
    ('h := object.union({"a": 1}, [1])\n', 3, "argument 2 of object.union(...)"),
    ("h := trace(1)\n", 3, "which trace never takes (it takes string)"),
    ('h := crypto.hmac.sha256("a", 1)\n', 3, "argument 2 of crypto.hmac.sha256(...)"),
    ('h := time.add_date(0, 1, "a", 1)\n', 3, "argument 3 of time.add_date(...)"),
    ('h := regex.find_n("a", "b", "c")\n', 3, "argument 3 of regex.find_n(...)"),
    ('h := io.jwt.verify_hs256("a", {"k": 1})\n', 3, "argument 2 of io.jwt.verify_hs256(...)"),
    ("h := graph.reachable([], [])\n", 3, "argument 1 of graph.reachable(...)"),
    # A result of the declared type, read where that type is excluded.
    ("h if {\n  d := time.date(0)\n  upper(d)\n}\n", 5, "`d`, is an array[number], which upper never takes"),
    ('h if {\n  x := crypto.x509.parse_certificates("a")\n  x.b\n}\n', 5, "in an array[object], which has none"),
    ('h := hex.decode("61") + 1\n', 3, "hex.decode"),
    # A function argument typed through the builtin it is passed to.
    ("f(x) := hex.encode(x)\nh := f(1)\n", 4, "where f takes only string"),
    # The declared arity.
    ('h := semver.compare("1.0.0")\n', 3, "builtin semver.compare has arity 2"),
    ('h := uuid.parse("a", "b", "c")\n', 3, "passes 3 arguments to uuid.parse"),
])
def test_what_opa_refuses_is_refused_at_its_line(body: str, line: int, says: str) -> None:
    assert_refused_at(found(body), line, says)


@pytest.mark.parametrize("body", [
    'h := [bits.or(1, 2) + 1, upper(hex.encode("a")), count(crypto.sha256("a")), semver.compare("1.0.0", "1.0.1")]\n',
    # An any<...> declared: each part's kind passes.
    'h := [time.format(1), time.format([1, "UTC"]), time.format([1, "UTC", "RFC822"])]\n',
    'h := time.diff(1, [2, "UTC"])[0] + 1\n',
    'h := [json.filter({"a": 1}, {"a"}), json.filter({"a": 1}, ["a", ["b"]]), json.remove({"a": 1}, ["a"])]\n',
    'h := [object.subset({"a": 1}, {"a": 1}), object.subset([1, 2], {1}), object.subset({1}, {1})]\n',
    'h := net.cidr_contains_matches(["10.0.0.0/8"], {"x": "10.0.0.1"})\n',
    'h := [graphql.is_valid("q", {"s": 1}), json.match_schema({"a": 1}, "{}")]\n',
    # Results of any declared type: read as anything.
    'h := object.union_n([{"a": 1}, {"b": 2}]).a\n',
    # object.remove and object.filter too (the table had them return an object before).
    'h if {\n  x := object.remove({"a": 1}, ["a"])\n  sort(x)\n  upper(object.filter({"a": 1}, ["a"]))\n}\n',
    'h := [json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 2}]).b, rego.metadata.rule().x]\n',
    'h := [io.jwt.decode("a")[1].sub, opa.runtime().env, uuid.parse("a").version]\n',
    'h := graph.reachable({"a": ["b"]}, {"a"})\n',
    # The output as one more argument of a statement of its own.
    'h if {\n  bits.lsh(1, 2, y)\n  y == 4\n}\n',
    # A rule named like a builtin namespace, read as a value.
    'hex := {"encode": 1}\nh := hex.encode\n',
])
def test_what_opa_accepts_passes(body: str) -> None:
    assert found(body) == []


def test_the_table_holds_opa_s_builtins_less_the_left_out() -> None:
    # print (variadic, every argument any, no result), deprecated and internal builtins stay out; walk is in.
    # 170 of OPA's, set(), and the 13 operators' own names (plus, gt, ...).
    assert len(BUILTINS) == 184 and {"walk", "plus", "mul", "gt", "equal"} <= set(BUILTINS)
    assert not {"eq", "assign"} & set(BUILTINS)  # `=` and `:=` to OPA's checker (checkExprEq), not calls
    assert not {"print", "set_diff", "re_match", "cast_array", "any", "all", "internal.member_2"} & set(BUILTINS)


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_every_engine_refuses_it_at_its_line(engine: str) -> None:
    body = 'helper if {\n  d := time.date(0)\n  upper(d)\n}\n'
    assert refusal({"a.rego": P + body}, engine).startswith("a.rego:5:")


def test_what_is_refused_never_answers_on_regorus_when_reached() -> None:
    regorus_never_answers(P + 'helper if {\n  d := time.clock(0)\n  upper(d)\n}\n')
