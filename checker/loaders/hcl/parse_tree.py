"""Reading python-hcl2's lark parse tree: the parts of an expression node, without evaluating anything.

Shared by the evaluator (:mod:`natpolicy.loaders.hcl.expr`), templates, variable
types and traversals, which all walk the same tree shapes.
"""
from __future__ import annotations

from typing import Any

from lark import Token, Tree

__all__ = ["MAX_DEPTH", "attr_name", "child_trees", "describe", "for_parts", "whole_conditional"]

MAX_DEPTH = 200  # expression nesting deeper than this is not a real configuration


def whole_conditional(node: Any) -> Tree | None:
    """The conditional that is all of ``node`` (also inside parentheses), if any."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(child_trees(node)) == 1:
        node = child_trees(node)[0]  # `(a ? b : c)`
    return node if isinstance(node, Tree) and node.data == "conditional" else None


def describe(node: Tree) -> str:
    """The expression in a few words, for the budget's note."""
    if node.data == "function_call":
        names = [str(t.children[0]) for t in child_trees(node) if t.data == "identifier"]
        return f"{'::'.join(names)}()"
    return {"for_tuple_expr": "a for expression", "for_object_expr": "a for expression", "tuple": "a tuple",
            "object": "an object", "binary_op": "an operation", "conditional": "a conditional",
            "string": "a string template", "template_string": "a string template"}.get(node.data, "an expression")


def child_trees(node: Tree) -> list[Tree]:
    """The sub-expressions of ``node`` (comments and newlines are tree nodes too, and are skipped)."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def attr_name(attr: Tree) -> str:
    """The name in a ``.name`` step."""
    target = child_trees(attr)[0]
    return str(target.children[0])


def for_parts(node: Tree) -> tuple[list[str], Tree, list[Tree], Tree | None, bool]:
    """A for expression's names, collection, result expressions, ``if`` condition and grouping (``...``)."""
    trees = child_trees(node)
    intro = trees[0]
    intro_trees = child_trees(intro)
    names = [str(t.children[0]) for t in intro_trees if t.data == "identifier"]
    coll = [t for t in intro_trees if t.data != "identifier"][0]
    cond = next((t for t in trees if t.data == "for_cond"), None)
    exprs = [t for t in trees[1:] if t.data != "for_cond"]
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    return names, coll, exprs, (child_trees(cond)[0] if cond is not None else None), grouping
