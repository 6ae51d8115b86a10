"""The order in which OPA types a body where a name is bound by ``=`` before what binds its other side.

OPA's compiler reorders each body for safety before its type check
(``reorderBodyForSafety`` in ``v1/ast/compile.go``): pass after pass, it
takes, in written order, each statement whose inputs are bound, until none is
left; a statement whose names nothing binds stays where it is and is refused
as unsafe. So in ``x = y`` then ``y = "a"``, ``y = "a"`` runs first and ``x``
is a string, as is every later use of ``x``; typed in written order ``x``
would be any. This follows that order for the statements it concerns and
leaves every other body in its written order:

- a ``=`` that binds a lone name, nothing bound yet, to a side holding a name
  nothing bound yet either (``x = y``, ``x = [y]``) waits until either side's
  names are all bound, then is typed (``Unify`` then outputs the other side);
- a later ``:=``, ``=`` or check that reads a name such a statement binds waits
  for that name;
- a statement this reader cannot place (it may bind such a name itself: a
  ``some``, a ref key, a call's last argument, a comprehension or ``every``
  holding it) ends the reordering: what waits is typed first, in written
  order, as before (their names any where still unbound).

What waits when the body ends is typed then, in written order.
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.records import record
from natpolicy.rego.type_parameters import statement_names
from natpolicy.rego.type_syntax import Node, Statement
from natpolicy.rego.type_syntax import pattern_names as _names

__all__ = ["in_safety_order"]


@record
class _Waiting:
    """A statement typed later: ``sides`` for a ``=`` that waits for either side (each side's names), else
    ``names``, all of which it waits for."""

    statement: Statement
    sides: tuple[frozenset[str], frozenset[str]] | None
    names: frozenset[str]


def in_safety_order(body: list[Statement], type_statement: Callable[[Statement], None],
                    bound: Callable[[str], bool]) -> None:
    """Type each statement of ``body`` with ``type_statement``, in OPA's order where it concerns this module.

    ``bound``: whether a name is bound (or a rule, an import, ``input``)
    when asked, as the statements typed so far left it.
    """
    waiting: list[_Waiting] = []
    for statement in body:
        held = frozenset(name for wait in waiting for name in _binds(wait) if not bound(name))
        later = _unified_later(statement, bound) if statement.what == "bind" else None
        reads = frozenset(name for name in statement_names(statement) if name in held and not bound(name))
        if reads:
            need = _needs(statement, held, bound)
            if need is None:  # it may bind such a name itself: written order from here, as before
                _flush(waiting, type_statement)
                type_statement(statement)
                continue
            if need:
                waiting.append(later or _Waiting(statement, None, need))
                continue
        elif later is not None:
            waiting.append(later)
            continue
        type_statement(statement)
        _release(waiting, type_statement, bound)
    _flush(waiting, type_statement)


def _unified_later(statement: Statement, bound: Callable[[str], bool]) -> _Waiting | None:
    """A ``=`` of a lone unbound name and a side holding an unbound name: it waits for either side."""
    if statement.text != "=" or len(statement.parts) != 2:
        return None
    left, right = statement.parts
    for lone, other in ((left, right), (right, left)):
        if lone.what == "name" and lone.text != "_" and not bound(lone.text):
            others = frozenset(name for name in _plain(other) if not bound(name))
            if others and lone.text not in others and _plain(other) == _names(other):
                return _Waiting(statement, (frozenset({lone.text}), others), frozenset())
    return None


def _binds(wait: _Waiting) -> frozenset[str]:
    """The names a waiting statement may bind: all it holds."""
    return statement_names(wait.statement)


def _needs(statement: Statement, held: frozenset[str], bound: Callable[[str], bool]) -> frozenset[str] | None:
    """The names of ``held`` the statement waits for (none: it runs now), or None where it may bind one itself."""
    if statement.what == "bind" and statement.text == ":=":
        target, value = statement.parts
        if set(_names(target)) & held:
            return None  # `:=` of a name some statement above reads: refused elsewhere, typed as written
        return _read(value, held, bound)
    if statement.what == "bind":
        left, right = statement.parts
        if any(all(bound(name) for name in _all(side)) for side in (left, right)):
            return frozenset()  # one side bound: `Unify` runs now and outputs the other
        sides = [_read(side, held, bound) for side in (left, right)]
        if _unified_later(statement, bound) is not None and None not in sides:
            return frozenset(name for side in sides if side is not None for name in side)
        return None
    if statement.what == "check":
        whole = statement.parts[0]
        if whole.what == "call" and whole.parts and _read(whole.parts[-1], held, bound):
            return None  # the last argument of a call alone may be its output
        return _read(whole, held, bound)
    return None


def _read(node: Node, held: frozenset[str], bound: Callable[[str], bool]) -> frozenset[str] | None:
    """The names of ``held`` ``node`` reads, unbound; None where one may be bound there (a ref key, a comprehension)."""
    if node.what == "comprehension":
        return None if any(name in held for name in _all(node)) else frozenset()
    if node.what == "ref":
        keys = [name for key in node.parts[1:] for name in _all(key)]
        if any(name in held and not bound(name) for name in keys):
            return None
    found: set[str] = set()
    if node.what == "name" and node.text in held and not bound(node.text):
        found.add(node.text)
    for part in node.parts:
        inner = _read(part, held, bound)
        if inner is None:
            return None
        found |= inner
    return frozenset(found)


def _plain(node: Node) -> list[str]:
    """The names of ``node`` where it holds only names, constants and literals of them, else all it holds."""
    if node.what in ("name", "literal"):
        return [node.text] if node.what == "name" else []
    if node.what in ("array", "set", "object"):
        return [name for part in node.parts for name in _plain(part)]
    return [*_all(node), "\0"]  # never equal to a pattern's names: not waited for


def _all(node: Node) -> list[str]:
    names = [node.text] if node.what == "name" else []
    return names + [name for part in node.parts for name in _all(part)] + [
        name for inner in node.body for name in statement_names(inner)]


def _release(waiting: list[_Waiting], type_statement: Callable[[Statement], None],
             bound: Callable[[str], bool]) -> None:
    """Type each waiting statement whose inputs are bound now, pass after pass, in written order (OPA's)."""
    progress = True
    while progress:
        progress = False
        for wait in list(waiting):
            ready = any(all(bound(name) for name in side) for side in wait.sides) if wait.sides is not None \
                else all(bound(name) for name in wait.names)
            if ready:
                waiting.remove(wait)
                type_statement(wait.statement)
                progress = True
                break


def _flush(waiting: list[_Waiting], type_statement: Callable[[Statement], None]) -> None:
    for wait in waiting:
        type_statement(wait.statement)
    waiting.clear()
