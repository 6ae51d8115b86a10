"""Terraform functions (checker/hcl/functions.py) with Terraform's documented edge cases.

Each case is written as HCL and evaluated through the real parser, so the
call path (argument expansion, unknowns, errors -> unknown) is the one
configurations use.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.hcl.expr import Context, evaluate
from natpolicy.hcl.functions import FUNCTIONS
from natpolicy.hcl.parse import parse_expression
from natpolicy.model import UNKNOWN


def ev(text: str) -> Any:
    node = parse_expression(text)
    assert node is not None, text
    return evaluate(node, Context(lambda n: {"var": {"u": UNKNOWN}}.get(n, UNKNOWN)))


CASES: list[tuple[str, Any]] = [
    # collections
    ('length([1, 2])', 2), ('length({a = 1})', 1), ('length("héllo")', 5),
    ('lookup({a = 1}, "a")', 1), ('lookup({a = 1}, "b", 9)', 9), ('lookup({a = 1}, "b")', UNKNOWN),
    ('element(["a", "b", "c"], 1)', "b"), ('element(["a", "b", "c"], 3)', "a"), ('element(["a", "b", "c"], 5)', "c"),
    ('element([], 0)', UNKNOWN),
    ('concat([1], [2, 3], [])', [1, 2, 3]), ('concat([1], "x")', UNKNOWN),
    ('merge({a = 1, b = 2}, {b = 3}, null)', {"a": 1, "b": 3}),
    ('flatten([[1, [2]], [], 3])', [1, 2, 3]), ('flatten([[var.u]])', UNKNOWN),
    ('distinct(["a", "b", "a"])', ["a", "b"]), ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('keys({b = 1, a = 2})', ["a", "b"]), ('values({b = 1, a = 2})', [2, 1]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}), ('zipmap(["a"], [1, 2])', UNKNOWN),
    ('contains(["a", "b"], "b")', True), ('contains([1], "1")', False),
    ('index(["a", "b"], "b")', 1), ('index(["a"], "z")', UNKNOWN),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]), ('slice(["a"], 0, 2)', UNKNOWN),
    ('range(3)', [0, 1, 2]), ('range(1, 4)', [1, 2, 3]), ('range(0, 10, 5)', [0, 5]), ('range(3, 0)', [3, 2, 1]),
    ('range(0)', []), ('range(1, 0, 1)', UNKNOWN),
    ('setproduct(["a", "b"], [1])', [["a", 1], ["b", 1]]),
    ('tolist(["a"])', ["a"]), ('toset(["b", "a", "b"])', ["a", "b"]), ('tomap({a = 1})', {"a": 1}),
    ('reverse([1, 2])', [2, 1]), ('sort(["b", "a"])', ["a", "b"]), ('one([])', None), ('one(["x"])', "x"),
    ('one([1, 2])', UNKNOWN), ('sum([1, 2.5])', 3.5), ('alltrue([true, "true"])', True), ('anytrue([])', False),
    ('chunklist([1, 2, 3], 2)', [[1, 2], [3]]), ('transpose({a = ["x"], b = ["x", "y"]})', {"x": ["a", "b"], "y": ["b"]}),
    # null and errors
    ('coalesce(null, "", "a", "b")', "a"), ('coalesce(null, "")', UNKNOWN), ('coalesce(var.u, "a")', UNKNOWN),
    ('coalesce("a", var.u)', "a"), ('coalescelist([], ["a"])', ["a"]),
    ('try(lookup({}, "x"), "fallback")', "fallback"), ('can(regex("^a", "abc"))', True), ('can(regex("^z", "abc"))', False),
    # strings
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]), ('split(",", "")', [""]), ('join("-", ["a"], ["b"])', "a-b"),
    ('format("%s:%d:%05.1f", "a", 7, 3.14159)', "a:7:003.1"), ('format("%-4s|%q|%%|%t", "ab", "x", true)', 'ab  |"x"|%|true'),
    ('format("%d", "x")', UNKNOWN), ('formatlist("%s-%s", ["a", "b"], "z")', ["a-z", "b-z"]),
    ('lower("AbC")', "abc"), ('upper("abc")', "ABC"), ('title("hello world")', "Hello World"),
    ('replace("a-b-c", "-", "_")', "a_b_c"), ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
    ('replace("k=v", "/(\\\\w)=(\\\\w)/", "$2=$1")', "v=k"),
    ('trimspace("  a \\n")', "a"), ('trim("--a--", "-")', "a"), ('trimprefix("foobar", "foo")', "bar"),
    ('trimsuffix("foobar", "bar")', "foo"), ('startswith("hello", "he")', True), ('endswith("hello", "x")', False),
    ('strcontains("hello", "ell")', True), ('substr("hello", 1, 3)', "ell"), ('substr("hello", -3, -1)', "llo"),
    ('regex("(\\\\d+)-(\\\\d+)", "8080-8090")', ["8080", "8090"]), ('regex("(?P<port>\\\\d+)", "p80")', {"port": "80"}),
    ('regex("x", "abc")', UNKNOWN), ('regexall("\\\\d", "a1b2")', ["1", "2"]), ('length(regexall("z", "a"))', 0),
    ('tostring(5)', "5"), ('tonumber("2.50")', 2.5), ('tobool("true")', True), ('tostring([])', UNKNOWN),
    # encodings
    ('jsonencode({b = [1, true, null], a = "x"})', '{"a":"x","b":[1,true,null]}'),
    ('jsondecode("{\\"a\\": [1, 2.0]}")', {"a": [1, 2]}), ('jsondecode("{")', UNKNOWN),
    ('base64encode("hi")', "aGk="), ('base64decode("aGk=")', "hi"),
    # cidrs
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"), ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("10.0.0.0/30", 4, 0)', UNKNOWN), ('cidrsubnet("fd00::/56", 8, 1)', "fd00:0:0:1::/64"),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"), ('cidrhost("10.12.112.0/20", -1)', "10.12.127.255"),
    ('cidrhost("10.0.0.0/30", 4)', UNKNOWN), ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    # numbers
    ('max(1, 5, 3)', 5), ('min(4, -1)', -1), ('max()', UNKNOWN), ('max([1, 2]...)', 2), ('abs(-2.5)', 2.5),
    ('ceil(1.2)', 2), ('floor(-1.2)', -2), ('signum(-9)', -1), ('parseint("ff", 16)', 255), ('pow(2, 3)', 8),
    # sensitivity helpers: values pass through (the loader masks by reference)
    ('sensitive("x")', "x"), ('nonsensitive("x")', "x"), ('issensitive("x")', UNKNOWN),
    # data formats
    ('yamldecode("a: [1, 2.0]\\nb: {c: yes}")', {"a": [1, 2], "b": {"c": True}}), ('yamldecode(": :")', UNKNOWN),
    ('csvdecode("port,cidr\\n22,0.0.0.0/0\\n")', [{"port": "22", "cidr": "0.0.0.0/0"}]),
    ('csvdecode("a,b\\n1\\n")', UNKNOWN),
    ('md5("a")', "0cc175b9c0f1b6a831c399e269772661"), ('sha1("a")', "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
    ('sha256("a")', "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ('sha512("a")', "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75"), ('base64sha256("a")', "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="),
    # paths and text
    ('basename("a/b/c.tf")', "c.tf"), ('dirname("a/b/c.tf")', "a/b"), ('dirname("c.tf")', "."),
    ('strrev("abc")', "cba"), ('chomp("a\\n\\n")', "a"), ('indent(2, "a\\nb")', "a\n  b"),
    ('urlencode("a b/c")', "a%20b%2Fc"),
    # sets
    ('setunion(["b"], ["a", "b"])', ["a", "b"]), ('setintersection(["a", "b"], ["b", "c"])', ["b"]),
    ('setsubtract(["a", "b"], ["a"])', ["b"]), ('matchkeys(["i1", "i2"], ["a", "b"], ["b"])', ["i2"]),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0] for c in CASES])
def test_function(text: str, expected: Any) -> None:
    got = ev(text)
    if expected is UNKNOWN:
        assert got is UNKNOWN
    else:
        assert got == expected and type(got) is type(expected)


def test_every_registered_function_has_a_case() -> None:
    tested = {text.split("(", 1)[0] for text, _ in CASES}
    assert set(FUNCTIONS) - tested == set()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_unknown_argument_gives_unknown(name: str) -> None:
    assert ev(f"{name}(var.u)") is UNKNOWN
