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
bound later (OPA would move it there; a pattern's names that OPA's safety
check binds in the statement itself, ``[x, y] = [1, 2]``, are not needed)
and every use of the argument in it is a direct argument of a call or an
operator, or an element of an array or set literal, or a value of an object
literal, passed to a call (met innermost call first, left to right, as OPA's
compiler moves nested calls out: in ``concat(",", [x, upper(x)])`` upper
types it first), or it stands alone on one side of ``=``, or inside an array, set or
object pattern there (``[x] = [1]``, ``{"a": x} = {"a": 1}``). The first use types
it: as a builtin of ``builtin_types`` or a function of the package declares
that argument (``concat(",", [x])``: a string; a call or ref beside it in
the literal is the variable OPA moved it into, of its type), as ``+ - * / % | &``
declare their operands, or as the other side of ``=``. The domain of
``some`` and ``every`` is a statement of its own to OPA, so a call there
types it too (``some v in split(x, ",")``). OPA's ref checker walks a
statement's refs before the statement: a key of a ref, at any place, types it
by the keys of what the ref reached there (``types.Keys``: ``xs[x]`` a number,
``o.a[x]`` a string), also in a literal passed to a call (OPA moves the ref out
of it first) or beside a literal bound to a new name (``y := [x, xs[x]]``). A comparison
or a ref ``x.a`` (a bare domain, ``some v in x``, is one) first types it any
in OPA too; a
comprehension types only its own copy, so a statement that uses it only
there types nothing. An object literal takes the type at its key (an object of any values,
as every builtin declares, gives any). Anything else (a function this reader
does not know, a literal holding it inside a comprehension too) leaves it
any here, which no check refuses. A typed argument in a collection literal passed
where an ``any<...>`` is declared widens to fit, as OPA's union mode does
(``upper(x); count([x])``: any), so a call ``f(1)`` passes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from natpolicy.rego.builtin_types import ARITHMETIC, BUILTINS, RegoType, keys_of
from natpolicy.rego.type_literals import element_type, field_type, union_pattern_types
from natpolicy.rego.type_syntax import Node, Statement, dotted, plain_value

__all__ = ["statement_names", "node_names", "needed_names", "with_reads", "comprehension_locals", "argument_uses",
           "widening_uses", "Use"]

# A use of an argument: where, the type its place declares (None: any, or unknown), and whether OPA unifies it
# there in union mode, which widens the argument's type instead of checking it.
Use = tuple[Node, RegoType | None, bool]


def node_names(node: Node) -> Iterator[str]:
    """Every plain name a node holds, at any depth (its comprehensions' and ``every`` bodies' too)."""
    if node.what == "name":
        yield node.text
    for part in node.parts:
        yield from node_names(part)
    for inner in node.body:
        yield from _statement_names(inner)


def statement_names(statement: Statement) -> frozenset[str]:
    """Every plain name a statement holds, at any depth (comprehensions and ``every`` bodies too)."""
    if statement.mentions is None:  # kept on the statement: the rules are read once and typed in passes
        statement.mentions = frozenset(_statement_names(statement))
    return statement.mentions


def with_reads(statement: Statement) -> list[str]:
    """The names a statement's `with` modifiers read: the variables its moved values were bound to
    (``Statement.after``), and a plain value's name, unless it names a builtin or a root document (OPA replaces
    the target by that builtin, or reads that document; a rule or function name is bound before any body)."""
    plain = [value.parts[0].text if value.what == "ref" else value.text for _, value in statement.withs
             if plain_value(value) and dotted(value) not in BUILTINS]
    return [*statement.after, *(name for name in plain if name not in ("input", "data"))]


def _statement_names(statement: Statement) -> Iterator[str]:
    yield from statement.names
    yield from with_reads(statement)
    for part in statement.parts:
        yield from node_names(part)
    for inner in statement.body:
        yield from _statement_names(inner)


def needed_names(statement: Statement) -> frozenset[str]:
    """The names that must be bound before the statement can run: all but what a ``:=`` assigns."""
    if statement.what == "bind" and statement.text == ":=":
        return frozenset(node_names(statement.parts[1]))
    if statement.what in ("some", "every"):  # it binds its own names; its domain must be bound
        return frozenset(node_names(statement.parts[-1]))
    return statement_names(statement)


def comprehension_locals(statements: list[Statement], arguments: list[str]) -> frozenset[str]:
    """The names only comprehensions of ``statements`` hold: each comprehension's own, never an outer variable.

    OPA's safety check needs a statement's comprehension bound only in the
    names it shares with the rule body (its closure); the rest it binds
    itself, so they never move the statement later. A name also held outside
    every comprehension (a statement, an ``every`` body, an argument) may be an
    outer variable, and stays needed.
    """
    inside: set[str] = set()
    outside: set[str] = set(arguments)
    for statement in statements:
        _split_names(statement, inside, outside)
    return frozenset(inside - outside)


def _split_names(statement: Statement, inside: set[str], outside: set[str]) -> None:
    outside.update(statement.names)
    for part in statement.parts:
        _split_node(part, inside, outside)
    for inner in statement.body:
        _split_names(inner, inside, outside)


def _split_node(node: Node, inside: set[str], outside: set[str]) -> None:
    if node.what == "comprehension":
        inside.update(node_names(node))
        return
    if node.what == "name":
        outside.add(node.text)
    for part in node.parts:
        _split_node(part, inside, outside)


def argument_uses(statement: Statement, name: str,
                  declared: Callable[[Node], tuple[RegoType, ...] | None],
                  type_of: Callable[[Node], RegoType], untyped: frozenset[str] = frozenset()) -> list[Use] | None:
    """The uses of ``name`` in the statement, in the order OPA's type checker meets them, or None when unsure.

    Each use comes with the type its place declares, or None for a place that
    gives the name any type or one this reader does not know (a comparison,
    an unknown function), and whether OPA unifies it there in union mode (an
    element of a collection literal passed where an ``any<...>`` is declared:
    it widens the name's type instead of checking it, ``type_literals``).
    OPA's compiler first moves every call nested in the statement into a
    statement of its own, before the call that holds it,
    arguments left to right (``expandExprTerm``), so the uses are met in that
    order. ``declared``: the argument types of the function a call node calls
    (a builtin of the table, or a function of the package as typed so far;
    None: unknown, or shadowed); ``type_of``: the type of a node in the
    statement's scope. A use inside a comprehension is left out: OPA types the
    comprehension in a copy of the scope, which leaves the argument as it was
    (no use at all: the statement types nothing, the next one decides). None
    when a use is anywhere else (in a ref, a collection that is no call's
    argument, a pattern beside ``=``): OPA's order there is not followed, so
    the argument stays any. ``untyped``: the names OPA has no type for there
    (the arguments the statement mentions first, the names of a pattern
    nothing bound before), which unify with anything.
    """
    if statement.what in ("some", "every"):
        # OPA moves the domain into a statement before the loop (`v = split(x, ",")[k]`, the call moved out
        # first), typed in full; an `every` body is not typed. Only a use as a call's argument there is
        # followed: a bare `x` is looked into (`x[k]`), which this reader leaves any.
        *names, domain = statement.parts
        if domain.what != "call" or any(name in node_names(declared_name) for declared_name in names):
            return None
        uses: list[Use] = []
        _calls_in_order(domain, name, declared, uses, type_of)
        return uses if uses and len(uses) == _outside_comprehensions(domain, name) else None
    if statement.what not in ("check", "bind"):
        return None
    sides = statement.parts if statement.what == "bind" and statement.text == "=" else (
        statement.parts[0].parts if statement.what == "check" and statement.parts[0].what == "infix"
        and statement.parts[0].text == "==" else None)  # OPA rewrites a statement's `==` into `=`
    if sides is not None:
        for side, other in (sides, list(reversed(sides))):
            if name in set(node_names(other)):
                continue
            if side.what == "name" and side.text == name:
                return [(side, type_of(other), False)]  # OPA unifies an untyped name with the other side's type
            joined = union_pattern_types(side, type_of(other), untyped | {name}) if side.what in (
                "array", "object") else None  # beside a rule of several definitions: each tried, in union mode
            if joined is not None and name in joined:
                return [(side, joined[name], False)]
            if side.what in ("array", "set"):
                # A pattern holding the untyped name has no type yet (OPA's Nil): it is unified with the other
                # side's type, element by element (`[x] = [1]`: x is a number).
                element = element_type(side, name, type_of(other), untyped)
                if element is not None:
                    return [(side, element[0], False)]
            if side.what == "object":  # unified key by key (`{"a": x} = {"a": 1}`: x is a number)
                field = field_type(side, name, type_of(other), untyped)
                if field is not None:
                    return [(side, field, False)]
    uses = []
    for part in statement.parts:  # OPA's ref checker walks the statement's refs before its call (CheckBody)
        _ref_keys(part, name, type_of, uses)
    for part in statement.parts:
        _calls_in_order(part, name, declared, uses, type_of)
    mentions = sum(_outside_comprehensions(part, name) for part in statement.parts)
    if len(uses) != mentions and uses and statement.what == "bind":
        # `y := [x, xs[x]]`: the ref checker types x first; the literal is then unified with a new name, which
        # takes its type and checks nothing in it.
        for new, literal in (statement.parts, statement.parts[::-1]):
            if new.what == "name" and new.text != name and (statement.text == ":=" or new.text in untyped) \
                    and len(uses) + _in_plain_literals(literal, name) == mentions:
                return uses
            if statement.text == ":=":
                break
    return uses if len(uses) == mentions else None


def _in_plain_literals(node: Node, name: str) -> int:
    """How many times ``name`` stands as an element (or object value) of the collection literals ``node`` is made
    of, reached through collection literals only."""
    if node.what == "name":
        return int(node.text == name)
    if node.what in ("array", "set"):
        return sum(_in_plain_literals(part, name) for part in node.parts)
    if node.what == "object":
        return sum(_in_plain_literals(part, name) for part in node.parts[1::2])
    return 0


def _ref_keys(node: Node, name: str, type_of: Callable[[Node], RegoType], uses: list[Use]) -> None:
    """Append each use of ``name`` as a key of a ref into a name (``xs[x]``, ``o.a[x]``), outer refs first.

    OPA's ref checker types an untyped key by the keys of what the ref has
    reached there (``checkRefLeaf``: ``types.Keys``), at every key, and
    checks a typed one against them: an array's are numbers, a set's its
    elements, an object's its literal keys' (strings) with its computed
    key's type (``builtin_types.keys_of``). Anything else gives None (not followed here:
    the argument stays any). Comprehensions are skipped, as the ref checker
    skips them.
    """
    if node.what == "comprehension":
        return
    if node.what == "ref" and len(node.parts) > 1 and node.parts[0].what == "name":
        for n, key in enumerate(node.parts[1:], start=1):
            if key.what == "name" and key.text == name:
                prefix = node.parts[0] if n == 1 else Node("ref", node.start, node.parts[n - 1].stop,
                                                             parts=node.parts[:n])
                uses.append((key, keys_of(type_of(prefix)), False))
                break  # a key further on is typed by then: a later use
    for part in node.parts:
        _ref_keys(part, name, type_of, uses)


def _outside_comprehensions(node: Node, name: str) -> int:
    """How many times ``name`` appears in ``node`` outside the comprehensions it holds."""
    if node.what == "comprehension":
        return 0
    return int(node.what == "name" and node.text == name) + sum(_outside_comprehensions(part, name)
                                                                for part in node.parts)


def _calls_in_order(node: Node, name: str, declared: Callable[[Node], tuple[RegoType, ...] | None],
                    uses: list[Use], type_of: Callable[[Node], RegoType]) -> None:
    """Append the uses of ``name`` as a direct argument of a call or operator in ``node``, innermost call first."""
    if node.what in ("comprehension", "set", "object"):
        # A comprehension types its own copy; a set's or object's elements are moved out in an order this
        # reader does not follow. Its uses are left out, which makes the statement's order unsure.
        return
    for part in node.parts:
        _calls_in_order(part, name, declared, uses, type_of)
    places: tuple[RegoType, ...] | None = None
    if node.what == "call":
        places = declared(node)
    elif node.what == "infix" and node.text in ARITHMETIC:
        places = ARITHMETIC[node.text].args
    elif node.what != "infix":
        return  # a ref or an array: its names are no direct argument
    for n, part in enumerate(node.parts):
        place = places[n] if places is not None and n < len(places) else None
        if part.what == "name" and part.text == name:
            uses.append((part, place, False))
        elif node.what == "call" and part.what in ("array", "set", "object") and place is not None:
            element = element_type(part, name, place, type_of=type_of)  # `concat(",", [x])`: x is a string
            if element is not None:
                uses.append((part, *element))


def widening_uses(statement: Statement, name: str,
                  declared: Callable[[Node], tuple[RegoType, ...] | None]) -> list[RegoType] | None:
    """The types OPA's union mode adds to ``name``, an argument typed already, in ``statement``; None when unsure.

    An element of a collection literal passed where an ``any<...>`` (or
    ``any``) is declared is unified in union mode: the argument's type
    becomes ``Or(its type, the element's)`` (``upper(x); count([x])``: x is
    any, so ``f(1)`` compiles; OPA's issue 7273). A comprehension types its
    own copy and an ``every`` body is not typed, so neither widens. Unsure
    (None, the caller makes the argument any): a collection holding it passed
    to a function whose argument types are unknown, one this reader cannot
    type (``type_literals.element_type``), or a statement it cannot read.
    """
    if name not in statement_names(statement):
        return []
    if statement.what == "opaque":
        return None
    found: list[RegoType] = []
    for part in statement.parts:
        if not _widening_in(part, name, declared, found):
            return None
    return found


def _widening_in(node: Node, name: str, declared: Callable[[Node], tuple[RegoType, ...] | None],
                 found: list[RegoType]) -> bool:
    """Add the union-mode element types of ``name`` in ``node`` to ``found``; False when unsure."""
    if node.what == "comprehension":
        return True
    if node.what == "call":
        places = declared(node)
        for n, part in enumerate(node.parts):
            if part.what not in ("array", "set", "object") or not _outside_comprehensions(part, name):
                continue
            element = element_type(part, name, places[n]) if places is not None and n < len(places) else None
            if element is None:
                return False
            if element[1]:
                found.append(element[0])
    return all(_widening_in(part, name, declared, found) for part in node.parts)
