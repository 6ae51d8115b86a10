"""The order in which OPA types a body: ``reorderBodyForSafety``'s, where it differs from the written one.

OPA's compiler reorders each body for safety before its type check
(``reorderBodyForSafety`` in ``v1/ast/compile.go``). ``safety_reorder``
computes that order exactly, on the body as OPA's earlier stages rewrote it,
and ``in_safety_order`` types the statements in it: in ``x = y`` then
``y = "a"``, ``y = "a"`` runs first and ``x`` is a string; in ``[a, 1] = [b, c]``
then ``a = "s"``, ``b`` is a string (``Unify``); a call OPA takes out of a
statement and runs apart from it, another statement between, is typed there
too (``upper(x) == a``: ``upper(x)`` first, where it types a function's
argument). Where it reads the order but not how OPA types the body in it (a
comprehension OPA runs apart from its statement; a statement this reader does
not read whose outputs decide the order, or that a statement written before it
waits for), the statement is refused as unsure (``unsure``), and typed as
below.

Where ``safety_reorder`` does not follow OPA's order (a wildcard under
``not``, a declaration shadowing an outer name, ``print``, a comprehension in a
ref's key) or OPA refuses the body as unsafe, the earlier approximation types
it, in written order but for these:

- a ``=`` that binds a lone name, nothing bound yet, to a side holding a name
  nothing bound yet either (``x = y``, ``x = [y]``) waits until either side's
  names are all bound, then is typed (``Unify`` then outputs the other side);
- a later ``:=``, ``=`` or check that reads a name such a statement binds waits
  for that name;
- a statement that binds such a name itself runs now where OPA's first pass
  would: its outputs (``outputVarsForExpr``) are a ``some``'s names, the keys
  of a ref whose head is bound (``input.a[y]``, ``isRefSafe``), a call's
  arguments past its arity (``f(z, y)``, its inputs bound), and for ``=`` one
  side once the other is (``Unify``); what it reads otherwise, and the names a
  comprehension or ``every`` body closes over (``reorderBodyForClosures``), it
  waits for;
- a statement that reads a name only a later statement binds (``some v in
  xs``, then ``xs = [1]``) waits for it as well (OPA's unsafe variables);
- where this reader cannot read which runs first (a ``some y`` declaration, a
  ``:=`` of a waited name, a comprehension that declares a waited name itself,
  a statement it does not read), it types in written order as before and
  refuses the statement as unsure (``unsure``), never silent; so too where a
  statement reads a name before what binds it and OPA's order was not followed
  (in a body OPA accepts; one it refuses as unsafe is refused by that).

What waits when the body ends is typed then, in written order. A function's
body is put in that order before its arguments are inferred over it
(``safety_order``): OPA reorders it too, its arguments safe
(``checkSafetyRuleBodies``). A ``some y in ...`` after a use of ``y`` is no
case: OPA refuses it ("var y referenced above"), as natpolicy does elsewhere.
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.records import record
from natpolicy.rego.safety_reorder import Unsure, opa_order
from natpolicy.rego.type_parameters import statement_names
from natpolicy.rego.type_syntax import Node, Statement
from natpolicy.rego.type_syntax import pattern_names as _names

__all__ = ["in_safety_order", "safety_order"]


@record
class _Waiting:
    """A statement typed later: ``sides`` for a ``=`` that waits for either side (each side's names), else
    ``names``, all of which it waits for."""

    statement: Statement
    sides: tuple[frozenset[str], frozenset[str]] | None
    names: frozenset[str]


def in_safety_order(body: list[Statement], type_statement: Callable[[Statement], None],
                    bound: Callable[[str], bool], arity: Callable[[Node], int | None],
                    unsure: Callable[[Statement, str], None]) -> None:
    """Type each statement of ``body`` with ``type_statement``, in OPA's order where it concerns this module.

    ``bound``: whether a name is bound (or a rule, an import, ``input``)
    when asked, as the statements typed so far left it; ``arity``: a call's
    number of inputs (None: unknown); ``unsure``: refuses a statement whose
    place in OPA's order this reader cannot read.
    """
    exact = opa_order(body, bound, arity, _declared)
    if isinstance(exact, list):  # OPA's order, followed exactly (safety_reorder)
        for statement in exact:
            type_statement(statement)
        return
    if isinstance(exact, Unsure):  # OPA's order is read, its typing there is not: loud, then as before
        unsure(exact.statement, exact.why.format(name=exact.name))
    waiting: list[_Waiting] = []
    soft: list[Statement] = []  # waiting for a name read before a later statement binds it, not for a `=`
    after: list[frozenset[str]] = [frozenset()]  # the names each statement's successors hold, outside closures
    for statement in reversed(body[1:]):
        after.insert(0, after[0] | {name for part in statement.parts for name in _names(part)})
    for n, statement in enumerate(body):
        held = frozenset(name for wait in waiting for name in _binds(wait) if not bound(name))
        later = _unified_later(statement, bound) if statement.what == "bind" else None
        reads = frozenset(name for name in statement_names(statement) if name in held and not bound(name))
        if reads:
            need = _needs(statement, held, bound, arity)
            if need is None:  # which runs first is not read here: written order from here, refused
                if not any(name in _binds(wait) for wait in waiting if wait.statement not in soft for name in reads):
                    # Only what reads a name before its binding holds them: those in written order, refused as
                    # unsure where OPA's order was not followed (safety_reorder: a body OPA refuses as unsafe is
                    # refused by its unsafe names, not here).
                    for wait in [wait for wait in waiting if wait.statement in soft]:
                        waiting.remove(wait)
                        type_statement(wait.statement)
                    type_statement(statement)
                    if exact is None:  # (a body OPA refuses as unsafe is refused by its unsafe names)
                        unsure(statement, f"it reads `{sorted(reads)[0]}` before the statement that binds it, and "
                                          "this reader does not follow the order OPA's compiler runs this body in "
                                          "(reorderBodyForSafety)")
                    continue
                unsure(statement, f"it may bind `{sorted(reads)[0]}`, which a statement above it waits for, and this "
                                  "reader does not read which of the two OPA's compiler runs first "
                                  "(reorderBodyForSafety)")
                _flush(waiting, type_statement)
                type_statement(statement)
                continue
            if need:
                waiting.append(later or _Waiting(statement, None, need))
                continue
        elif later is not None:
            waiting.append(later)
            continue
        else:  # a name a later statement binds (`some v in xs`, then `xs = [1]`): OPA runs that one first
            assigned = set(_names(statement.parts[0])) if statement.what == "bind" and statement.text == ":=" \
                else set()  # what a `:=` assigns is its output, read later as a matter of course
            ahead = frozenset(name for part in statement.parts for name in _names(part) + _closed_over(part)
                              if name in after[n] and not bound(name) and name not in assigned)
            need = _needs(statement, ahead, bound, arity) if ahead and statement.what != "opaque" else None
            if need:  # else it runs now, or this reader cannot tell (written order, refused as unsure below)
                waiting.append(_Waiting(statement, None, need))
                soft.append(statement)
                continue
            if ahead and need is None and (statement.what == "every" or any(_comprehensions(part)
                                                                               for part in statement.parts)):
                type_statement(statement)
                unsure(statement, f"it reads `{sorted(ahead)[0]}`, which a statement below it binds, and this reader "
                                  "does not read whether OPA's compiler runs that one first (reorderBodyForSafety)")
                _release(waiting, type_statement, bound)
                continue
        type_statement(statement)
        _release(waiting, type_statement, bound)
    # What still waits reads a name nothing bound: OPA refuses the body as unsafe. natpolicy's own unsafe check
    # misses some (`x = y; y == "a"`), so a waiting `==` goes first, its bound side typing the other as this reader
    # typed it before it waited (then `x + 1` is refused, as the module is by OPA).
    waiting.sort(key=lambda wait: not _is_equal(wait.statement))
    _flush(waiting, type_statement)


def safety_order(body: list[Statement], bound: Callable[[str], bool], arity: Callable[[Node], int | None],
                 unsure: Callable[[Statement, str], None]) -> list[Statement]:
    """``body`` in the order ``in_safety_order`` types it, read before typing (a function's body, whose arguments
    are inferred statement by statement): a statement typed counts as binding every name it holds outside its
    comprehensions, as OPA's safe set takes its vars once it is in the reordered body."""
    order: list[Statement] = []
    typed: set[str] = set()

    def take(statement: Statement) -> None:
        order.append(statement)
        typed.update(name for part in statement.parts for name in _names(part))

    in_safety_order(body, take, lambda name: bound(name) or name in typed, arity, unsure)
    return order


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


def _needs(statement: Statement, held: frozenset[str], bound: Callable[[str], bool],
           arity: Callable[[Node], int | None]) -> frozenset[str] | None:
    """The names of ``held`` the statement waits for (none: it runs now), or None where this reader cannot tell.

    As OPA's ``outputVarsForExpr``: what the statement outputs itself (a
    ``some``'s names, a bound ref's keys, a call's arguments past its arity,
    a side ``=`` unifies with a bound one) is not waited for.
    """
    if statement.what == "check" and statement.text == "not":  # "Negated expressions must be safe": no outputs
        read = _read(statement.parts[0], held, bound)
        return None if read is None else frozenset(read[0] | (read[1] & held) | read[2])
    if statement.what == "bind" and statement.text == ":=":
        target, value = statement.parts
        if set(_names(target)) & held:
            return None  # `:=` of a name some statement above reads: refused elsewhere, typed as written
        return _waits(value, held, bound)
    # A `==` is the builtin `equal` when OPA reorders (RewriteEquals makes it `=` only after the stage
    # CheckSafetyRuleBodies): its operands are inputs, it outputs nothing, so it waits (the `check` below).
    if statement.what == "bind":
        left, right = statement.parts
        if any(all(bound(name) for name in _all(side)) for side in (left, right)):
            return frozenset()  # one side bound: `Unify` runs now and outputs the other
        sides = [_read(side, held, bound) for side in (left, right)]
        if _unified_later(statement, bound) is not None and None not in sides:
            return frozenset(name for side in sides if side is not None for name in side[0])
        if None in sides:
            return None
        outs = {name for side in sides if side is not None for name in side[1]}
        closed = {name for side in sides if side is not None for name in side[2]}
        if not closed and any(all(bound(name) or name in outs for name in _names(side)) for side in (left, right)):
            return frozenset()  # `Unify` outputs the other side, the bound ref keys given
        return None
    if statement.what == "check":
        whole = statement.parts[0]
        inputs = arity(whole) if whole.what == "call" else None
        if whole.what == "call" and inputs is not None and len(whole.parts) > inputs:
            # The arguments past its arity are outputs once its inputs are bound (outputVarsForExprCall).
            return _waits(Node("array", whole.start, whole.stop, parts=whole.parts[:inputs]), held, bound)
        if whole.what == "call" and whole.parts and inputs is None and _read(whole.parts[-1], held, bound) != (
                frozenset(), frozenset(), frozenset()):
            return None  # the last argument of a call of unknown arity may be its output
        return _waits(whole, held, bound)
    if statement.what == "some":  # `v = xs[k]` to OPA (rewriteSomeDeclStatement): its names are outputs
        return _waits(statement.parts[-1], held, bound)
    if statement.what == "every":  # its domain's vars, and those its body closes over
        domain = _read(statement.parts[-1], held, bound)
        own = {name for part in statement.parts[:-1] for name in _all(part)}
        inner = {name for inner in statement.body for name in statement_names(inner)
                 if name in held and not bound(name) and name not in own}
        if domain is None or inner & _declared(statement.body):
            return None
        return frozenset(domain[0] - domain[1] | domain[2] | inner)
    return None


def _waits(node: Node, held: frozenset[str], bound: Callable[[str], bool]) -> frozenset[str] | None:
    """The names of ``held`` ``node`` reads and does not output itself, None where this reader cannot tell."""
    read = _read(node, held, bound)
    return None if read is None else frozenset(read[0] - read[1] | read[2])


def _read(node: Node, held: frozenset[str], bound: Callable[[str], bool]) -> tuple[
        frozenset[str], frozenset[str], frozenset[str]] | None:
    """(the names of ``held`` ``node`` reads unbound, the unbound names it outputs, those of ``held`` its
    comprehensions close over), None where a comprehension declares such a name itself (OPA renames it there:
    not read here).

    A ref whose head is bound outputs the names of its keys (``isRefSafe``, ``Ref.OutputVars``); one whose
    head is not does not look into its keys (``outputVarsForTerms``), which it then reads.
    """
    if node.what == "comprehension":
        names = {name for name in _all(node) if name in held and not bound(name)}
        if names & _declared(node.body):
            return None
        return frozenset(), frozenset(), frozenset(names)
    reads: set[str] = set()
    outs: set[str] = set()
    closed: set[str] = set()
    if node.what == "ref" and node.parts and _safe_head(node.parts[0], bound):
        keys = [name for key in node.parts[1:] for name in _all(key) if not bound(name)]
        if keys and any(_has_comprehension(key) or _inner_ref_heads(key) for key in node.parts[1:]):
            return None  # a comprehension or a ref inside a key: which of its names OPA outputs is not read
        return frozenset(name for name in keys if name in held), frozenset(keys), frozenset()
    if node.what == "name" and node.text in held and not bound(node.text):
        reads.add(node.text)
    for part in node.parts:
        inner = _read(part, held, bound)
        if inner is None:
            return None
        reads |= inner[0]
        if node.what != "ref":  # an unbound ref's keys are read, not output
            outs |= inner[1]
        closed |= inner[2]
    return frozenset(reads), frozenset(outs), frozenset(closed)


def _safe_head(head: Node, bound: Callable[[str], bool]) -> bool:
    """OPA's ``isRefSafe``: a name bound, or a literal whose names all are (a call's head is not read here)."""
    if head.what == "name":
        return bound(head.text)
    return head.what in ("literal", "array", "set", "object") and not _has_comprehension(head) and all(
        bound(name) for name in _all(head))


def _inner_ref_heads(node: Node) -> bool:
    return (node.what == "ref" and bool(node.parts)) or any(_inner_ref_heads(part) for part in node.parts)


def _has_comprehension(node: Node) -> bool:
    return node.what == "comprehension" or any(_has_comprehension(part) for part in node.parts)


def _declared(body: list[Statement]) -> set[str]:
    """The names a body (a comprehension's, an ``every``'s) declares itself: OPA renames them there."""
    found: set[str] = set()
    for statement in body:
        if statement.what == "bind" and statement.text == ":=":
            found.update(_names(statement.parts[0]))
        elif statement.what in ("some", "every"):
            found.update(name for part in statement.parts[:-1] for name in _all(part))
        elif statement.what in ("declare", "opaque"):
            found.update(statement.names)
        for part in statement.parts:
            found.update(name for node in _comprehensions(part) for name in _declared(node.body))
        found.update(_declared(statement.body))
    return found


def _closed_over(node: Node) -> list[str]:
    """The names ``node``'s comprehensions read from outside them, not those they declare (OPA renames those)."""
    return [name for inner in _comprehensions(node) for name in _all(inner) if name not in _declared(inner.body)]


def _comprehensions(node: Node) -> list[Node]:
    if node.what == "comprehension":
        return [node]
    return [inner for part in node.parts for inner in _comprehensions(part)]


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


def _is_equal(statement: Statement) -> bool:
    return statement.what == "check" and statement.parts[0].what == "infix" and statement.parts[0].text == "=="


def _flush(waiting: list[_Waiting], type_statement: Callable[[Statement], None]) -> None:
    for wait in waiting:
        type_statement(wait.statement)
    waiting.clear()
