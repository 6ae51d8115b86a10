"""A function's argument types as OPA's type checker infers them from the function's body.

OPA types a function's arguments from their uses: an argument starts with no
type, and the first expression of the body that unifies it gives it one
(``upper(x)``: a string; ``x + 1``: a number; ``x == 1``, ``some v in x``:
any), kept for the rest of the body; an argument no expression types is any
(``checkRule`` in OPA's ``ast/check.go``). A call then checks its arguments
against those types like a builtin's: ``f(x) := upper(x)`` and ``f(1)``
elsewhere is refused (``f: invalid argument(s)``), even in a rule no query
reaches. A call in the head (``f(x) := upper(x)``) is moved to the end of
the body before typing, so the head counts last.

This reader infers an argument's type only where the order is certain: at the
first statement that mentions it, when that statement needs no variable
bound later (OPA would move it there) and mentions the argument exactly once,
directly as an argument of a builtin of ``builtin_types`` or an operand of
``+ - * / % | &``, or alone on one side of ``=``. Anything else (a ref
``x.a``, which types nothing; a comprehension, which types only its own copy;
``some``, ``every``, two uses in one statement) leaves it any, which no check
refuses.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from natpolicy.rego.builtin_types import ARITHMETIC, RegoType
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["statement_names", "needed_names", "argument_use"]


def _node_names(node: Node) -> Iterator[str]:
    if node.what == "name":
        yield node.text
    for part in node.parts:
        yield from _node_names(part)
    for inner in node.body:
        yield from _statement_names(inner)


def statement_names(statement: Statement) -> frozenset[str]:
    """Every plain name a statement holds, at any depth (comprehensions and ``every`` bodies too)."""
    if statement.mentions is None:  # kept on the statement: the rules are read once and typed in passes
        statement.mentions = frozenset(_statement_names(statement))
    return statement.mentions


def _statement_names(statement: Statement) -> Iterator[str]:
    yield from statement.names
    for part in statement.parts:
        yield from _node_names(part)
    for inner in statement.body:
        yield from _statement_names(inner)


def needed_names(statement: Statement) -> frozenset[str]:
    """The names that must be bound before the statement can run: all but what a ``:=`` assigns."""
    if statement.what == "bind" and statement.text == ":=":
        return frozenset(_node_names(statement.parts[1]))
    return statement_names(statement)


def argument_use(statement: Statement, name: str,
                 builtin: Callable[[Node], tuple[RegoType, ...] | None],
                 type_of: Callable[[Node], RegoType]) -> RegoType | None:
    """The type the statement's one use of ``name`` gives it in OPA, or None when unsure.

    ``builtin``: the declared argument types of the builtin a call node calls
    (None: not a builtin of the table, or shadowed); ``type_of``: the type of
    a node in the statement's scope.
    """
    found: list[RegoType | None] = []
    if statement.what not in ("check", "bind"):
        return None
    if statement.what == "bind" and statement.text == "=":
        for side, other in (statement.parts, reversed(statement.parts)):
            if side.what == "name" and side.text == name and name not in set(_node_names(other)):
                return type_of(other)  # OPA unifies an untyped name with the other side's type
    for part in statement.parts:
        _uses(part, name, None, builtin, found)
    return found[0] if len(found) == 1 else None


def _uses(node: Node, name: str, given: RegoType | None, builtin: Callable[[Node], tuple[RegoType, ...] | None],
          found: list[RegoType | None]) -> None:
    """Append, for each use of ``name`` in ``node``, the type its place declares (``given``), or None."""
    if node.what == "name":
        if node.text == name:
            found.append(given)
        return
    if node.what == "comprehension":
        # Typed in a copy of the scope: a use in there gives the argument no type outside.
        found.extend(None for _ in _node_names(node) if _ == name)
        return
    declared: tuple[RegoType, ...] | None = None
    if node.what == "call":
        declared = builtin(node)
    elif node.what == "infix" and node.text in ARITHMETIC:
        declared = ARITHMETIC[node.text].args
    for n, part in enumerate(node.parts):
        place = declared[n] if declared is not None and n < len(declared) else None
        _uses(part, name, place if part.what == "name" else None, builtin, found)
