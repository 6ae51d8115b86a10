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

A call to another function of the package types its arguments the same way,
with that function's argument types (``g(v) := f(v)`` and ``f(s) :=
upper(s)``: ``v`` is a string; OPA types ``f`` first, as a dependency of
``g``), and so does a call to another loaded package's function. Once
typed, an argument keeps its type: a later use that needs another
(``upper(x); x + 1``) is an error in the function itself.

This reader infers an argument's type only where the order is certain: at the
first statement that mentions it, when that statement needs no variable
bound later (OPA would move it there) and every use of the argument in it is
a direct argument of a call or an operator (met innermost call first, left to
right, as OPA's compiler moves nested calls out), or it stands alone on one
side of ``=``. The first use types it: as a builtin of ``builtin_types`` or a
function of the package declares that argument, as ``+ - * / % | &``
declare their operands, or as the other side of ``=``. A comparison or a
ref ``x.a`` first types it any in OPA too; a comprehension types only its
own copy, so a statement that uses it only there types nothing. Anything
else (a function this reader does not know, ``some``, ``every``, a
collection literal: ``concat(",", [x])`` types it a string in OPA) leaves
it any here, which no check refuses.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from natpolicy.rego.builtin_types import ARITHMETIC, RegoType
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["statement_names", "needed_names", "argument_uses"]


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


def argument_uses(statement: Statement, name: str,
                  declared: Callable[[Node], tuple[RegoType, ...] | None],
                  type_of: Callable[[Node], RegoType]) -> list[tuple[Node, RegoType | None]] | None:
    """The uses of ``name`` in the statement, in the order OPA's type checker meets them, or None when unsure.

    Each use comes with the type its place declares, or None for a place that
    gives the name any type or one this reader does not know (a comparison,
    an unknown function). OPA's compiler first moves every call nested in the
    statement into a statement of its own, before the call that holds it,
    arguments left to right (``expandExprTerm``), so the uses are met in that
    order. ``declared``: the argument types of the function a call node calls
    (a builtin of the table, or a function of the package as typed so far;
    None: unknown, or shadowed); ``type_of``: the type of a node in the
    statement's scope. A use inside a comprehension is left out: OPA types the
    comprehension in a copy of the scope, which leaves the argument as it was
    (no use at all: the statement types nothing, the next one decides). None
    when a use is anywhere else (in a ref, a collection, beside ``=``): OPA's
    order there is not followed, so the argument stays any.
    """
    if statement.what not in ("check", "bind"):
        return None
    sides = statement.parts if statement.what == "bind" and statement.text == "=" else (
        statement.parts[0].parts if statement.what == "check" and statement.parts[0].what == "infix"
        and statement.parts[0].text == "==" else None)  # OPA rewrites a statement's `==` into `=`
    if sides is not None:
        for side, other in (sides, list(reversed(sides))):
            if side.what == "name" and side.text == name and name not in set(_node_names(other)):
                return [(side, type_of(other))]  # OPA unifies an untyped name with the other side's type
    uses: list[tuple[Node, RegoType | None]] = []
    for part in statement.parts:
        _calls_in_order(part, name, declared, uses)
    mentions = sum(_outside_comprehensions(part, name) for part in statement.parts)
    return uses if len(uses) == mentions else None


def _outside_comprehensions(node: Node, name: str) -> int:
    """How many times ``name`` appears in ``node`` outside the comprehensions it holds."""
    if node.what == "comprehension":
        return 0
    return int(node.what == "name" and node.text == name) + sum(_outside_comprehensions(part, name)
                                                                for part in node.parts)


def _calls_in_order(node: Node, name: str, declared: Callable[[Node], tuple[RegoType, ...] | None],
                    uses: list[tuple[Node, RegoType | None]]) -> None:
    """Append the uses of ``name`` as a direct argument of a call or operator in ``node``, innermost call first."""
    if node.what in ("comprehension", "set", "object"):
        # A comprehension types its own copy; a set's or object's elements are moved out in an order this
        # reader does not follow. Its uses are left out, which makes the statement's order unsure.
        return
    for part in node.parts:
        _calls_in_order(part, name, declared, uses)
    places: tuple[RegoType, ...] | None = None
    if node.what == "call":
        places = declared(node)
    elif node.what == "infix" and node.text in ARITHMETIC:
        places = ARITHMETIC[node.text].args
    elif node.what != "infix":
        return  # a ref or an array: its names are no direct argument
    for n, part in enumerate(node.parts):
        if part.what == "name" and part.text == name:
            uses.append((part, places[n] if places is not None and n < len(places) else None))
