"""Traversals are computed once per parse-tree node (checker/loaders/hcl/traversal.py), and what is
kept is exactly what computing again gives: for every expression and sub-expression of every
``.tf`` file in the repository, and of the hook benchmark's modules."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lark import Token, Tree

from natpolicy.loaders.hcl import traversal
from natpolicy.loaders.hcl.parse import parse_expression, parse_text
from natpolicy.loaders.hcl.traversal import keyed_traversals, marked_traversals, traversals

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def _texts() -> Iterator[str]:
    for folder in ("fixtures", "tests", "docs"):
        for path in sorted((REPO / folder).rglob("*.tf")):
            try:
                yield path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                continue
    import hcl_parse

    for template in (hcl_parse.MODULE_VARIABLES, hcl_parse.MODULE_MAIN, hcl_parse.ROOT_HEAD + hcl_parse.ROOT_CALL):
        yield template.replace("__INDEX__", "3").replace("__CREATE__", "true").replace("__PORT__", "80") \
            .replace("__CIDR__", "0.0.0.0/0").replace("__ENCRYPTED__", "false")


def _subtrees(body: Any) -> Iterator[Any]:
    for attr in body.attributes.values():
        stack = [attr.expr]
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, Tree):
                stack.extend(node.children)
    for block in body.blocks:
        yield from _subtrees(block.body)


def _fresh(node: Any) -> tuple[Any, Any, Any]:
    """The three answers computed from scratch, without reading or keeping anything on the node."""
    if not isinstance(node, Tree):
        return (), ((), False), ()
    plain: list[Any] = []
    traversal._collect(node, plain, 0)
    keyed: list[Any] = []
    traversal._collect(node, keyed, 0, keyed=True)
    marked: list[Any] = []
    marks: list[bool] = []
    traversal._collect(node, marked, 0, marks=marks)
    return tuple(plain), (tuple(marked), bool(marks)), tuple(keyed)


def test_kept_traversals_are_what_computing_again_gives() -> None:
    checked = 0
    for text in _texts():
        parsed = parse_text(text, "x.tf")
        if parsed.body is None:
            continue
        nodes = list(_subtrees(parsed.body))
        expected = [_fresh(node) for node in nodes]
        for _ in range(2):  # the first round computes and keeps, the second reads what was kept
            for node, (plain, marked, keyed) in zip(nodes, expected, strict=True):
                assert traversals(node) == plain
                assert marked_traversals(node) == marked
                assert keyed_traversals(node) == keyed
        checked += len(nodes)
    assert checked > 9_000


def test_each_node_keeps_its_own_answer() -> None:
    """Equal-looking expressions in other places, and a node's own parts, never share an answer."""
    outer = parse_expression("merge(var.a, { x = aws_vpc.main[0].id, y = sensitive(var.b) })")
    inner = parse_expression("aws_vpc.main[0].id")
    assert keyed_traversals(outer) == ((("var", None), ("a", None)), (("aws_vpc", None), ("main", "[0]"), ("id", None)),
                                       (("var", None), ("b", None)))
    assert marked_traversals(outer) == ((("var", "a"), ("aws_vpc", "main", "id"), ("var", "b")), True)
    assert keyed_traversals(inner) == ((("aws_vpc", None), ("main", "[0]"), ("id", None)),)
    assert marked_traversals(inner) == ((("aws_vpc", "main", "id"),), False)
    assert traversals(outer) == (("var", "a"), ("aws_vpc", "main", "id"), ("var", "b"))
    assert traversals(parse_expression("nonsensitive(var.b)")) == (("var", "b"),)
    assert marked_traversals(parse_expression("nonsensitive(var.b)")) == ((), False)


@pytest.mark.parametrize("node", [Token("NAME", "x"), None, "text"])
def test_anything_but_a_tree_has_no_traversals(node: Any) -> None:
    assert traversals(node) == () and keyed_traversals(node) == () and marked_traversals(node) == ((), False)
