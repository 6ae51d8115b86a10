"""python-hcl2's parser, driven with cheaper tree-building callbacks.

``hcl2.parses_to_tree`` runs lark's LALR parser with the tree builder lark
makes from the grammar: for every reduction a chain of wrappers (splice
``_rule`` children, inline ``?rule`` with one child, then position
propagation). Position propagation alone is half of the tree building: it
walks the children of every node, twice, to record line, column and offset
on every node, and natpolicy reads the lines of two kinds of node only
(``block`` and ``attribute``, see ``parse.body_of``).

So this module drives the *same* lark parser (python-hcl2's grammar, parse
table, contextual lexer and post-lexer, built once by python-hcl2 itself)
with one plain callback per rule that does what lark's chain does for this
grammar, and sets positions on ``block`` and ``attribute`` nodes only. The
slim tree that comes out is identical to ``slim(hcl2.parses_to_tree(text))``
in everything natpolicy reads or caches (``tests/test_hcl_tree_builder.py``
compares the encoded trees of every ``.tf`` file in the repository).

The callbacks mirror lark's builder only for the options python-hcl2 uses
(no filtered tokens, no ``[x]`` placeholders, no templates, no ambiguity).
When the installed grammar or lark has anything else, or lark's internals
are not where they are expected, ``fast_parser`` returns ``None`` and the
caller uses ``parses_to_tree`` as before: never a different tree.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lark import Token, Tree

__all__ = ["fast_parser", "LINE_NODES"]

LINE_NODES = frozenset({"block", "attribute"})  # the only nodes whose lines natpolicy reads


@lru_cache(maxsize=1)
def fast_parser() -> Callable[[str], Any] | None:
    """``text -> tree`` like ``hcl2.parses_to_tree`` (lines on blocks and attributes only), or ``None``."""
    try:
        from hcl2.parser import parser as hcl2_parser

        lark_parser = hcl2_parser()
        frontend = lark_parser.parser
        lalr = copy.copy(frontend.parser)
        inner = copy.copy(lalr.parser)
        callbacks = _callbacks(lark_parser)
        if callbacks is None or set(callbacks) != set(inner.callbacks):
            return None
        inner.callbacks = callbacks
        lalr.parser = inner
        fast = copy.copy(frontend)
        fast.parser = lalr
    except (ImportError, AttributeError, TypeError):  # another lark or python-hcl2 layout: the standard path
        return None

    def parse(text: str) -> Any:
        # As parses_to_tree does: lark cannot match end of input, so the grammar wants a final newline.
        return fast.parse(text + "\n")

    return parse


def _callbacks(lark_parser: Any) -> dict[Any, Callable[[list[Any]], Any]] | None:
    options = lark_parser.options
    if (options.parser != "lalr" or options.transformer is not None or options.tree_class not in (None, Tree)
            or options.lexer_callbacks or options.keep_all_tokens or options.propagate_positions is not True):
        return None
    out: dict[Any, Callable[[list[Any]], Any]] = {}
    for rule in lark_parser.rules:
        rule_options = rule.options
        if rule_options.template_source is not None or rule_options.empty_indices:
            return None
        if any(symbol.is_term and symbol.filter_out for symbol in rule.expansion):
            return None  # lark would drop these tokens; not mirrored here
        name = rule.alias or rule.origin.name
        spliced = tuple(i for i, symbol in enumerate(rule.expansion)
                        if not symbol.is_term and symbol.name.startswith("_"))
        out[rule] = _rule_callback(name, spliced, bool(rule_options.expand1 and not rule.alias))
    return out


def _rule_callback(name: str, spliced: tuple[int, ...], inline_single: bool) -> Callable[[list[Any]], Any]:
    """One reduction: lark's ChildFilter, ExpandSingleChild and tree class, in that order."""
    positioned = name in LINE_NODES

    def build(children: list[Any]) -> Any:
        kids = _splice(children, spliced) if spliced else children
        if inline_single and len(kids) == 1:
            return kids[0]
        tree = Tree(name, kids)
        if positioned:
            _set_lines(tree, children)
        return tree

    return build


def _splice(children: list[Any], spliced: tuple[int, ...]) -> list[Any]:
    out: list[Any] = []
    for i, child in enumerate(children):
        if i in spliced:
            out.extend(child.children)
        else:
            out.append(child)
    return out


def _set_lines(tree: Tree, children: list[Any]) -> None:
    """The node's first line and last line, as lark's position propagation gives them.

    With no filtered tokens a node spans exactly the tokens below it, so its
    first line is its first token's and its last line its last token's.
    """
    first = _first_token(children)
    last = _last_token(children)
    line = first.line if first is not None else None
    end_line = last.end_line if last is not None else None
    if line is None or end_line is None:  # no tokens below (lark's lexer gives every token its lines)
        return
    meta = tree.meta
    meta.empty = False
    meta.line = line
    meta.end_line = end_line


def _first_token(nodes: list[Any]) -> Token | None:
    for node in nodes:
        if isinstance(node, Token):
            return node
        found = _first_token(node.children)
        if found is not None:
            return found
    return None


def _last_token(nodes: list[Any]) -> Token | None:
    for node in reversed(nodes):
        if isinstance(node, Token):
            return node
        found = _last_token(node.children)
        if found is not None:
            return found
    return None
