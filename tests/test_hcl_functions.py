"""Terraform functions (checker/loaders/hcl/functions*.py) with Terraform's semantics.

Each case is HCL evaluated through the real parser, so the call path
(argument expansion, unknowns, errors) is the one configurations use. Every
expected value below, including its kind (list, set, map versus tuple and
object) and every ``ERR``, was checked against ``terraform console``
(Terraform 1.11.4); tests never run terraform themselves.

``ERR``: Terraform rejects the call (:class:`EvalError`, which ``try()`` sees).
``UNKNOWN``: an unknown input, or something natpolicy does not compute.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import same
from natpolicy.loaders.hcl.expr import Context, evaluate_raw, render_template_file
from natpolicy.loaders.hcl.file_scope import FileScope
from natpolicy.loaders.hcl.functions import FUNCTIONS, file_functions
from natpolicy.loaders.hcl.parse import parse_expression
from natpolicy.loaders.hcl.values import EvalError, TfList, TfMap, TfSet
from natpolicy.model import UNKNOWN

ERR = object()


def L(*items: Any) -> TfList:  # noqa: N802 - reads like Terraform's tolist()
    return TfList(items)


def S(*items: Any) -> TfSet:  # noqa: N802
    return TfSet(items)


def M(**items: Any) -> TfMap:  # noqa: N802
    return TfMap(items)


def run(text: str, notes: list[str] | None = None, functions: dict[str, Any] | None = None) -> Any:
    node = parse_expression(text)
    assert node is not None, text
    report = (lambda message, where=None: notes.append(message)) if notes is not None else None
    ctx = Context(lambda n: {"var": {"u": UNKNOWN}}.get(n, UNKNOWN), functions=functions, report=report)
    try:
        return evaluate_raw(node, ctx)
    except EvalError:
        return ERR


CASES: list[tuple[str, Any]] = [
    # collections
    ('length([1, 2])', 2), ('length({a = 1})', 1), ('length("héllo")', 5), ('length(toset(["a", "a"]))', 1),
    ('lookup({a = 1}, "a")', 1), ('lookup({a = 1}, "b", 9)', 9), ('lookup({a = 1}, "b")', ERR),
    ('lookup({a = 1}, "b", "x")', "x"), ('lookup(tomap({a = 1}), "b", "x")', ERR), ('lookup(toset(["a"]), "a")', ERR),
    ('element(["a", "b", "c"], 1)', "b"), ('element(["a", "b", "c"], 3)', "a"), ('element(["a", "b", "c"], 5)', "c"),
    ('element([], 0)', ERR), ('element([1, 2, 3], -1)', ERR), ('element(toset(["b", "a"]), 0)', ERR),
    ('concat([1], [2, 3], [])', [1, 2, 3]), ('concat([1], "x")', ERR), ('concat()', ERR),
    ('concat(tolist([1]), tolist(["a"]))', L("1", "a")), ('concat(tolist([1]), [2])', [1, 2]),
    ('concat(["a"], toset(["b"]))', ERR),
    ('merge({a = 1, b = 2}, {b = 3}, null)', {"a": 1, "b": 3}), ('merge(tomap({a = 1}), tomap({b = 2}))', M(a=1, b=2)),
    ('merge(tomap({a = 1}), tomap({b = "x"}))', {"a": 1, "b": "x"}), ('merge({a = 1}, [1])', ERR), ('merge()', {}),
    ('flatten([[1, [2]], [], 3])', [1, 2, 3]), ('flatten([[var.u]])', UNKNOWN), ('flatten([toset(["b", "a"])])', ["a", "b"]),
    ('distinct(["a", "b", "a"])', L("a", "b")), ('distinct([1, "1", 1])', L("1")), ('distinct([])', L()),
    ('distinct(toset(["b", "a"]))', L("a", "b")),
    ('compact(["a", "", null, "b"])', L("a", "b")), ('compact(["a", 1, true, null, ""])', L("a", "1", "true")),
    ('keys({b = 1, a = 2})', ["a", "b"]), ('keys(tomap({b = 1, a = 2}))', L("a", "b")), ('keys(toset(["a"]))', ERR),
    ('values({b = 1, a = 2})', [2, 1]), ('values(tomap({b = 1, a = 2}))', L(2, 1)),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}), ('zipmap(["a"], tolist([1]))', M(a=1)), ('zipmap(["a"], [1, 2])', ERR),
    ('zipmap(toset(["b", "a"]), [1, 2])', {"a": 1, "b": 2}),
    ('contains(["a", "b"], "b")', True), ('contains([1], "1")', False), ('contains([1, "a"], "1")', False),
    ('contains(toset(["a"]), "a")', True), ('contains([var.u, "a"], "a")', True), ('contains([var.u], "a")', UNKNOWN),
    ('index(["a", "b"], "b")', 1), ('index(["a"], "z")', ERR), ('index(toset(["a"]), "a")', ERR),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]), ('slice(["a"], 0, 2)', ERR), ('slice(tolist(["a", "b"]), 0, 1)', L("a")),
    ('slice(toset(["a"]), 0, 1)', ERR),
    ('range(3)', L(0, 1, 2)), ('range(1, 4)', L(1, 2, 3)), ('range(0, 10, 5)', L(0, 5)), ('range(3, 0)', L(3, 2, 1)),
    ('range(0)', L()), ('range(1, 0, 1)', ERR), ('range(-3)', L(0, -1, -2)), ('range(0, 1, 0.25)', L(0, 0.25, 0.5, 0.75)),
    ('setproduct(["a", "b"], [1])', L(["a", 1], ["b", 1])), ('setproduct(["a"], [])', L()),
    ('setproduct()', ERR), ('setproduct([1])', ERR), ('setproduct([])', ERR),
    ('setproduct(toset(["a"]), ["b"])', S(["a", "b"])),
    ('tolist(["a"])', L("a")), ('tolist(["a", 1])', L("a", "1")), ('tolist([1, "a", true])', L("1", "a", "true")),
    ('tolist([1, true])', ERR), ('tolist([[1], ["a"]])', L(["1"], ["a"])), ('tolist([[1], [1, 2]])', L(L(1), L(1, 2))),
    ('tolist([{a = 1}, {b = "x"}])', L(M(a="1"), M(b="x"))), ('tolist([{a = 1}, {b = [1]}])', ERR),
    ('tolist(toset(["b", "a"]))', L("a", "b")), ('tolist({a = 1})', ERR),
    ('toset(["b", "a", "b"])', S("a", "b")), ('toset([1, "a"])', S("1", "a")), ('toset([true, false])', S(False, True)),
    ('toset([1, 2, 10])', S(1, 2, 10)), ('toset(["10", "9", "a"])', S("10", "9", "a")), ('toset(["b", "a", "B"])', S("B", "a", "b")),
    ('toset([1.5, 1, -2])', S(-2, 1, 1.5)), ('toset([1, "1"])', S("1")),
    ('tomap({a = 1})', M(a=1)), ('tomap({a = 1, b = "x"})', M(a="1", b="x")), ('tomap({a = 1, b = [1]})', ERR),
    ('tomap({a = [1], b = ["x"]})', M(a=["1"], b=["x"])), ('tomap({a = true, b = 1})', ERR), ('tomap([1])', ERR),
    ('reverse([1, 2])', [2, 1]), ('reverse(tolist([1, 2]))', L(2, 1)), ('reverse(toset(["b", "a"]))', L("b", "a")),
    ('sort(["b", "a"])', L("a", "b")), ('sort([3, 1, 10])', L("1", "10", "3")),
    ('one([])', None), ('one(["x"])', "x"), ('one([1, 2])', ERR), ('one(toset(["a"]))', "a"),
    ('sum([1, 2.5])', 3.5), ('sum([])', ERR), ('sum(["1", 2])', 3), ('sum([1, "a"])', ERR), ('sum([0.1, 0.2])', 0.3),
    ('alltrue([true, "true"])', True), ('alltrue([])', True), ('alltrue([true, 1])', ERR), ('alltrue([false, var.u])', False),
    ('anytrue([])', False), ('anytrue([var.u, true])', True), ('anytrue([var.u, false])', UNKNOWN),
    ('chunklist([1, 2, 3], 2)', L(L(1, 2), L(3))), ('chunklist([1, 2], 0)', L(L(1, 2))), ('chunklist([1, 2], -1)', ERR),
    ('transpose({a = ["x"], b = ["x", "y"]})', M(x=L("a", "b"), y=L("b"))),
    ('matchkeys(["i1", "i2"], ["a", "b"], ["b"])', L("i2")),
    ('setunion(["b"], ["a", "b"])', S("a", "b")), ('setunion(["a"], [1])', S("1", "a")),
    ('setintersection(["a", "b"], ["b", "c"])', S("b")), ('setsubtract(["a", "b"], ["a"])', S("b")),
    # null and errors
    ('coalesce(null, "", "a", "b")', "a"), ('coalesce(null, "")', ERR), ('coalesce(var.u, "a")', UNKNOWN),
    ('coalesce("a", var.u)', "a"), ('coalesce(1, "a")', "1"), ('coalesce(null, 1, "a")', "1"), ('coalesce("", 1)', "1"),
    ('coalesce(1, [1])', ERR), ('coalesce(true, 1)', ERR), ('coalesce([], [1])', L()), ('coalesce(1, var.u)', UNKNOWN),
    ('coalesce()', ERR),
    ('coalescelist([], ["a"])', ["a"]), ('coalescelist([1], ["a"])', [1]), ('coalescelist([], [])', ERR), ('coalescelist()', ERR),
    ('coalescelist(toset([]), ["a"])', ERR),
    ('try(lookup({}, "x"), "fallback")', "fallback"), ('can(regex("^a", "abc"))', True), ('can(regex("^z", "abc"))', False),
    # strings
    ('split(",", "a,b,,c")', L("a", "b", "", "c")), ('split(",", "")', L("")), ('split("", "")', L()),
    ('split("", "abc")', L("a", "b", "c")),
    ('join("-", ["a"], ["b"])', "a-b"), ('join(",", ["a", 1, true])', "a,1,true"), ('join(",", ["a", null])', ERR),
    ('join(",")', ERR), ('join(",", [["a"]])', ERR), ('join(",", toset(["b", "a"]))', "a,b"),
    ('formatlist("%s-%s", ["a", "b"], "z")', L("a-z", "b-z")), ('formatlist("%s", [])', L()), ('formatlist("%s", "a")', L("a")),
    ('formatlist("%s-%s", ["a"], ["b", "c"])', ERR),
    ('lower("AbC")', "abc"), ('upper("abc")', "ABC"), ('upper("straße")', "STRAßE"),
    ('title("hello world-foo_bar o\'neil élan 3am")', "Hello World-Foo_bar O'Neil Élan 3am"),
    ('replace("a-b-c", "-", "_")', "a_b_c"), ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
    ('replace("k=v", "/(\\\\w)=(\\\\w)/", "$2=$1")', "v=k"), ('replace("abc", "/(b)/", "$1x")', "ac"),
    ('replace("abc", "/(b)/", "$1 x")', "ab xc"), ('replace("abc", "/(b)/", "$$")', "a$c"),
    ('replace("abc", "/(?P<x>b)/", "[$x]")', "a[b]c"), ('replace("abc", "", "-")', "-a-b-c-"),
    ('trimspace("  a \\n")', "a"), ('trim("--a--", "-")', "a"), ('trimprefix("foobar", "foo")', "bar"),
    ('trimsuffix("foobar", "bar")', "foo"), ('startswith("hello", "he")', True), ('endswith("hello", "x")', False),
    ('strcontains("hello", "ell")', True), ('substr("hello", 1, 3)', "ell"), ('substr("hello", -3, -1)', "llo"),
    ('substr("hello", 10, 1)', ""), ('substr("hello", 1, -2)', "ello"), ('substr("hello", -10, 2)', "he"),
    ('regex("(\\\\d+)-(\\\\d+)", "8080-8090")', ["8080", "8090"]), ('regex("(?P<port>\\\\d+)", "p80")', {"port": "80"}),
    ('regex("x", "abc")', ERR), ('regexall("\\\\d", "a1b2")', L("1", "2")), ('length(regexall("z", "a"))', 0),
    ('regex("(\\\\d)(?P<n>\\\\d)", "12")', ERR), ('regex("(\\\\d)(x)?", "1")', ["1", None]),
    ('regexall("(?P<a>\\\\d)(?P<b>x)?", "1x2")', L({"a": "1", "b": "x"}, {"a": "2", "b": None})),
    ('regex("[[:alpha:]]+", "web01")', "web"), ('regex("[[:^alpha:]]+", "ab12")', "12"),
    ('regex("\\\\pL+", "héllo1")', "héllo"), ('regex("\\\\PL+", "ab12")', "12"), ('regex("\\\\z", "abc")', ""),
    ('regex("\\\\Qa.b\\\\E", "xa.b")', "a.b"), ('regex("a$", "a\\n")', ERR), ('regex("(?m)a$", "a\\nb")', "a"),
    ('regex("\\\\d+", "١٢3")', "3"), ('regex("\\\\w+", "héllo")', "h"), ('regex("(?i)É", "é")', "é"), ('regex("\\\\bé", "é")', ERR),
    ('regex("\\\\Z", "a")', ERR), ('regex("(?=a)a", "a")', ERR), ('regex("(a)\\\\1", "aa")', ERR),
    ('regex("\\\\x{41}", "A")', "A"), ('regex("(?<n>a)", "a")', {"n": "a"}), ('regex("a{,2}", "a{,2}")', "a{,2}"),
    ('regexall("", "ab")', L("", "", "")),
    ('regex("\\\\p{Greek}+", "aαβ")', "αβ"), ('regex("(?U)a+", "aaa")', "a"), ('regex("\\\\C", "a")', UNKNOWN),
    ('tostring(5)', "5"), ('tonumber("2.50")', 2.5), ('tonumber("+5")', 5), ('tonumber(" 5")', ERR), ('tonumber("1_0")', ERR),
    ('tonumber("0x10")', ERR), ('tonumber(true)', ERR), ('tobool("true")', True), ('tostring([])', ERR),
    # format: Go verbs as cty implements them
    ('format("%s:%d:%05.1f", "a", 7, 3.14159)', "a:7:003.1"), ('format("%-4s|%q|%%|%t", "ab", "x", true)', 'ab  |"x"|%|true'),
    ('format("%d", "x")', ERR), ('format("%v", [1, 2])', "[1,2]"), ('format("%v", {b = 1, a = [true]})', '{"a":[true],"b":1}'),
    ('format("%#v", "x")', '"x"'), ('format("%#v", "<&>")', '"\\u003c\\u0026\\u003e"'), ('format("%v", 1e20)', "1e+20"),
    ('format("%s", 1e20)', "100000000000000000000"), ('format("%05d", -3)', "-0003"), ('format("%+d", 3)', "+3"),
    ('format("% d", 5)', " 5"), ('format("%.2s", "abcdef")', "ab"), ('format("%[2]s %[1]s", "a", "b")', "b a"),
    ('format("%[2]s %s", "a", "b", "c")', "b c"), ('format("%s", "a", "b")', ERR), ('format("%s %s", "a")', ERR),
    ('format("%s", [1])', ERR), ('format("%y", 1)', ERR), ('format("%", 1)', ERR), ('format("%5t", true)', "true"),
    ('format("%.2f", 1.005)', "1.00"), ('format("%.1f", 0.05)', "0.1"), ('format("%.1f", 0.25)', "0.2"),
    ('format("%.0f", 2.5)', "2"), ('format("%g", 1234567)', "1.234567e+06"), ('format("%#x", 255)', "0xff"),
    ('format("%08.3d", 5)', "     005"), ('format("%s", null)', UNKNOWN), ('format("%d", 1.5)', ERR),
    # encodings
    ('jsonencode({b = [1, true, null], a = "x"})', '{"a":"x","b":[1,true,null]}'),
    ('jsonencode("<>&")', '"\\u003c\\u003e\\u0026"'), ('jsonencode(1e20)', "100000000000000000000"),
    ('jsonencode(1e-7)', "0.0000001"), ('jsonencode(toset(["b", "a"]))', '["a","b"]'),
    ('jsondecode("{\\"a\\": [1, 2.0]}")', {"a": [1, 2]}), ('jsondecode("{")', ERR),
    ('base64encode("hi")', "aGk="), ('base64decode("aGk=")', "hi"), ('base64decode("a")', ERR),
    # cidrs
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"), ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("10.0.0.0/30", 4, 0)', ERR), ('cidrsubnet("fd00::/56", 8, 1)', "fd00:0:0:1::/64"),
    ('cidrsubnet("10.0.0.0", 8, 1)', ERR), ('cidrsubnet("10.0.0.0/16", 8, -1)', UNKNOWN),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"), ('cidrhost("10.12.112.0/20", -1)', "10.12.127.255"),
    ('cidrhost("10.0.0.0/30", 4)', ERR), ('cidrhost("fd00::/64", -1)', "fd00::ffff:ffff:ffff:ffff"),
    ('cidrhost("fd00::/64", 5)', "fd00::5"), ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', L("10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20")),
    ('cidrsubnets("10.0.0.0/30", 1, 1, 1)', ERR), ('cidrsubnets("10.0.0.0/16")', L()),
    # numbers
    ('max(1, 5, 3)', 5), ('min(4, -1)', -1), ('max()', ERR), ('min()', ERR), ('max([1, 2]...)', 2), ('abs(-2.5)', 2.5),
    ('ceil(1.2)', 2), ('floor(-1.2)', -2), ('ceil(1e300)', 10 ** 300), ('signum(-9)', -1),
    ('parseint("ff", 16)', 255), ('parseint("-ff", 16)', -255), ('parseint("Z", 62)', 61), ('parseint("zz", 36)', 1295),
    ('parseint("0x1f", 16)', ERR), ('parseint("1_0", 10)', ERR), ('parseint(" 10", 10)', ERR), ('parseint("10", 1)', ERR),
    ('pow(2, 3)', 8), ('pow(2, 0.5)', 1.4142135623730951), ('pow(2, 70)', 1180591620717411300000),
    # sensitivity helpers: values pass through (the loader masks by reference)
    ('sensitive("x")', "x"), ('nonsensitive("x")', "x"), ('issensitive("x")', UNKNOWN),
    # data formats, as Terraform's YAML reader (numbers of YAML 1.2, booleans of 1.1)
    ('yamldecode("a: [1, 2.0]\\nb: {c: yes}")', {"a": [1, 2], "b": {"c": True}}), ('yamldecode(": :")', ERR),
    ('yamldecode("a: 010")', {"a": 10}), ('yamldecode("a: 0o10")', {"a": 8}), ('yamldecode("a: 1_000")', {"a": "1_000"}),
    ('yamldecode("a: 1:30")', {"a": "1:30"}), ('yamldecode("a: 1e3")', {"a": 1000}), ('yamldecode("a: y")', {"a": True}),
    ('yamldecode("a: 2001-12-14")', {"a": "2001-12-14T00:00:00Z"}), ('yamldecode("1: a")', {"1": "a"}), ('yamldecode("")', ERR),
    ('csvdecode("port,cidr\\n22,0.0.0.0/0\\n")', L({"port": "22", "cidr": "0.0.0.0/0"})),
    ('csvdecode("a,b\\n1\\n")', ERR), ('csvdecode("")', ERR), ('csvdecode("a,b")', L()),
    ('csvdecode("a,b\\n\\n1,2\\n")', L({"a": "1", "b": "2"})), ('csvdecode("a\\n\\"x\\"y\\n")', ERR),
    ('md5("a")', "0cc175b9c0f1b6a831c399e269772661"), ('sha1("a")', "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
    ('sha256("a")', "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ('sha512("a")', "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75"), ('base64sha256("a")', "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="),
    # paths and text
    ('basename("a/b/c.tf")', "c.tf"), ('basename("")', "."), ('basename("/")', "/"), ('basename("a/b/")', "b"),
    ('dirname("a/b/c.tf")', "a/b"), ('dirname("c.tf")', "."), ('dirname("a//b")', "a"), ('dirname("/a")', "/"),
    ('strrev("abc")', "cba"), ('chomp("a\\n\\n")', "a"), ('indent(2, "a\\nb")', "a\n  b"),
    ('urlencode("Hello World!")', "Hello+World%21"), ('urlencode("a/b?c=d&e~f")', "a%2Fb%3Fc%3Dd%26e~f"),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0] for c in CASES])
def test_function(text: str, expected: Any) -> None:
    got = run(text)
    if expected is UNKNOWN or expected is ERR:
        assert got is expected
    else:
        assert same(got, expected), got


def test_every_registered_function_has_a_case() -> None:
    tested = {text.split("(", 1)[0] for text, _ in CASES}
    assert set(FUNCTIONS) - tested == set()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_unknown_argument_gives_unknown(name: str) -> None:
    assert run(f"{name}(var.u)") in (UNKNOWN, ERR)  # ERR only where one argument is never enough
    assert run(f"{name}(var.u, var.u, var.u)") in (UNKNOWN, ERR)


def test_arity_errors_even_with_unknown_arguments() -> None:
    assert run("upper(var.u, var.u)") is ERR
    assert run("setproduct(var.u)") is ERR
    assert run("element(var.u)") is ERR


def test_unsupported_regex_is_reported_not_guessed() -> None:
    notes: list[str] = []
    assert run('[regex("\\\\C", "a"), "b"]', notes) == [UNKNOWN, "b"]
    assert notes == ["RE2's \\C (any byte) is not evaluated; the result is treated as unknown"]


def test_regex_never_warns() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run('regex("[[a-c--b]", "b")') == "b"


# -- files ------------------------------------------------------------------
@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "tpl").mkdir(parents=True)
    (root / "tpl" / "open.txt").write_text("0.0.0.0/0\n")
    (root / "tpl" / "cidrs.tpl").write_text('%{ for c in cidrs ~}\n${c}\n%{ endfor ~}')
    (root / "tpl" / "single.tpl").write_text("${port}")
    (root / "tpl" / "calls.tpl").write_text("${upper(name)}-${timestamp()}")
    (tmp_path / "secret.txt").write_text("do not read")
    os.symlink(tmp_path / "secret.txt", root / "tpl" / "link.txt")
    return root


def file_run(text: str, repo: Path, notes: list[str] | None = None) -> Any:
    report = (lambda message, where=None: notes.append(message)) if notes is not None else None
    functions = {**FUNCTIONS, **file_functions(repo, FileScope(repo), report, render_template=render_template_file)}
    return run(text, notes, functions)


def test_file_reads_inside_the_repository_only(repo: Path) -> None:
    assert file_run('file("tpl/open.txt")', repo) == "0.0.0.0/0\n"
    assert file_run('file("../secret.txt")', repo) is UNKNOWN
    assert file_run('file("tpl/link.txt")', repo) is UNKNOWN  # a symlink leading out is refused too
    assert file_run('file("/etc/hostname")', repo) is UNKNOWN


def test_fileexists_inside_the_repository_only(repo: Path) -> None:
    assert file_run('fileexists("tpl/open.txt")', repo) is True
    assert file_run('fileexists("tpl/none.txt")', repo) is False
    assert file_run('fileexists("../secret.txt")', repo) is UNKNOWN
    assert file_run('fileexists("tpl/link.txt")', repo) is UNKNOWN


def test_file_hashes_encodings_and_fileset(repo: Path) -> None:
    import base64
    import hashlib

    data = b"0.0.0.0/0\n"
    assert file_run('filemd5("tpl/open.txt")', repo) == hashlib.md5(data).hexdigest()
    assert file_run('filesha512("tpl/open.txt")', repo) == hashlib.sha512(data).hexdigest()
    assert file_run('filebase64sha256("tpl/open.txt")', repo) == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert file_run('filebase64("tpl/open.txt")', repo) == base64.b64encode(data).decode()
    assert file_run('fileset("tpl", "*.tpl")', repo) == ["calls.tpl", "cidrs.tpl", "single.tpl"]
    assert file_run('fileset(".", "**/{open,link}.txt")', repo) == ["tpl/open.txt"]  # the link leads out: not listed
    assert file_run('fileset("..", "*")', repo) is UNKNOWN


def test_a_missing_file_is_an_error_but_a_refused_one_is_unknown(repo: Path) -> None:
    notes: list[str] = []
    assert file_run('file("tpl/none.txt")', repo) is ERR  # as in Terraform: try() may pick its fallback
    assert file_run('try(file("tpl/none.txt"), "fallback")', repo) == "fallback"
    # A refusal is never a fallback: try() would tell whether the file exists.
    assert file_run('try(file("../secret.txt"), "fallback")', repo, notes) is UNKNOWN
    assert file_run('can(file("../secret.txt"))', repo, notes) is UNKNOWN
    assert file_run('filesha256("../secret.txt")', repo, notes) is UNKNOWN
    assert notes == ['file("../secret.txt") is not read: outside the checked configuration'] * 2 + [
        'filesha256("../secret.txt") is not read: outside the checked configuration']


def test_templatefile(repo: Path) -> None:
    assert file_run('templatefile("tpl/cidrs.tpl", {cidrs = ["0.0.0.0/0", "10.0.0.0/8"]})', repo) == "0.0.0.0/0\n10.0.0.0/8\n"
    assert file_run('templatefile("tpl/single.tpl", {port = 22})', repo) == "22"  # a string, not the number
    assert file_run('templatefile("tpl/link.txt", {})', repo) is UNKNOWN
    assert file_run('templatefile("tpl/cidrs.tpl")', repo) is ERR  # the variables are required


def test_templatefile_reports_unsupported_functions(repo: Path) -> None:
    notes: list[str] = []
    assert file_run('templatefile("tpl/calls.tpl", {name = "a"})', repo, notes) is UNKNOWN
    assert notes == ["function timestamp() is not evaluated; its result is treated as unknown"]


def test_docs_list_exactly_the_evaluated_functions() -> None:
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "hcl.md").read_text(encoding="utf-8")
    section = doc.split("**What is evaluated**", 1)[1].split("**What stays unknown**", 1)[0]
    listed = section.split("- these functions:", 1)[1].split(". Regular expressions", 1)[0]
    names = set(re.findall(r"`([a-z0-9]+)`", listed))
    # issensitive() is recognised but never known (values carry no sensitivity mark): listed under "unknown".
    files = {"file", "fileexists", "fileset", "templatefile", "filebase64", "filemd5", "filesha1", "filesha256",
             "filesha512", "filebase64sha256", "filebase64sha512"}
    assert set(file_functions(Path("."), FileScope(Path(".")), render_template=render_template_file)) == files
    assert names == set(FUNCTIONS) - {"issensitive"} | {"try", "can"} | files
