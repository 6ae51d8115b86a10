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
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from lark import Token, Tree

__all__ = ["fast_parser", "drivers", "LINE_NODES"]

LINE_NODES = frozenset({"block", "attribute"})  # the only nodes whose lines natpolicy reads


@lru_cache(maxsize=1)
def fast_parser() -> Callable[[str], Any] | None:
    """``text -> tree`` like ``hcl2.parses_to_tree`` (lines on blocks and attributes only), or ``None``."""
    parts = drivers()
    if parts is None:
        return None
    driver, checked = parts

    def parse(text: str) -> Any:
        # As parses_to_tree does: lark cannot match end of input, so the grammar wants a final newline.
        text += "\n"
        try:
            return driver.parse(text)
        except Exception:  # noqa: BLE001 - any problem: lark's own loop, which raises lark's exact error
            return checked.parse(text)

    return parse


@lru_cache(maxsize=1)
def drivers() -> tuple[_Driver, Any] | None:
    """The one-frame loop, and lark's own loop with the same callbacks (for errors); ``None`` if they do not fit."""
    try:
        from hcl2.parser import parser as hcl2_parser
        from lark.parsers.lalr_analysis import Shift
        from lark.parsers.lalr_parser_state import ParseConf

        lark_parser = hcl2_parser()
        frontend = lark_parser.parser
        lalr = copy.copy(frontend.parser)
        inner = copy.copy(lalr.parser)
        callbacks = _callbacks(lark_parser)
        if callbacks is None or set(callbacks) != set(inner.callbacks):
            return None
        inner.callbacks = callbacks
        lalr.parser = inner
        checked = copy.copy(frontend)
        checked.parser = lalr
        table = lalr._parse_table
        driver = _Driver(frontend.lexer, ParseConf(table, {}, "start"), _actions(table.states, callbacks, Shift),
                         table.end_states["start"])
    except (ImportError, AttributeError, TypeError, KeyError):  # another lark or python-hcl2 layout: the standard path
        return None
    return driver, checked


# Per parser state and terminal: (shift?, next state | number of children, rule name, rule callback).
Actions = dict[Any, dict[str, tuple[bool, Any, str, Callable[[list[Any]], Any]]]]


def _not_a_reduction(children: list[Any]) -> Any:
    raise LookupError("a shift where the end of input needs a reduction")  # lark's loop reports it


def _actions(states: Mapping[Any, Mapping[str, tuple[Any, Any]]], callbacks: Mapping[Any, Callable[[list[Any]], Any]],
             shift: Any) -> Actions:
    """lark's parse table with each reduction's rule resolved once (lark looks it up, by equality, per reduction)."""
    out: Actions = {}
    for state, row in states.items():
        out[state] = {terminal: (True, arg, "", _not_a_reduction) if action is shift
                      else (False, len(arg.expansion), arg.origin.name, callbacks[arg])
                      for terminal, (action, arg) in row.items()}
    return out


class _Driver:
    """lark's LALR loop (``ParserState.feed_token``) over lark's own lexer, in one frame.

    Only for input that parses: any error (a token no state expects, a lexer
    error) raises here, and the caller parses again with lark's loop, which
    raises the error lark raises, with its position and expected tokens.
    """

    def __init__(self, lexer: Any, conf: Any, actions: Actions, end_state: Any) -> None:
        from lark.lexer import LexerThread
        from lark.parsers.lalr_parser_state import ParserState

        self._thread, self._state = LexerThread, ParserState
        self.lexer, self.conf, self.actions, self.end_state = lexer, conf, actions, end_state

    def parse(self, text: str) -> Any:
        thread = self._thread.from_text(self.lexer, text)
        # The contextual lexer picks its terminals by this state's stack, which the loop below keeps.
        state = self._state(self.conf, thread)
        states, values, actions = state.state_stack, state.value_stack, self.actions
        for token in thread.lex(state):
            kind = token.type
            while True:
                is_shift, arg, origin, build = actions[states[-1]][kind]
                if is_shift:
                    states.append(arg)
                    values.append(token)
                    break
                children = values[-arg:] if arg else []
                if arg:
                    del states[-arg:]
                    del values[-arg:]
                value = build(children)
                states.append(actions[states[-1]][origin][1])
                values.append(value)
        while True:  # the end of input: reduce until the start rule is complete
            _, arg, origin, build = actions[states[-1]]["$END"]
            children = values[-arg:] if arg else []
            if arg:
                del states[-arg:]
                del values[-arg:]
            value = build(children)  # at the end of input every action reduces
            states.append(actions[states[-1]][origin][1])
            values.append(value)
            if states[-1] == self.end_state:
                return value


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
    return _edge_token(iter(nodes), reversed_children=False)


def _last_token(nodes: list[Any]) -> Token | None:
    return _edge_token(reversed(nodes), reversed_children=True)


def _edge_token(nodes: Iterator[Any], reversed_children: bool) -> Token | None:
    """The first token met walking depth first (without recursion: a chain of conditionals nests deep)."""
    pending = [nodes]
    while pending:
        for node in pending[-1]:
            if isinstance(node, Token):
                return node
            pending.append(reversed(node.children) if reversed_children else iter(node.children))
            break
        else:
            pending.pop()
    return None
