"""OPA's safety order of a body, computed as its compiler computes it, statement by statement.

OPA types a body in the order ``reorderBodyForSafety`` (``v1/ast/compile.go``)
leaves it. It runs on the body as the earlier stages rewrote it: ``:=`` is
``=``, ``some v in xs`` is ``v = xs[k]`` (``rewriteSomeDeclStatement``), a
plain ``some x`` is dropped, and every call held inside a term is its own
expression before the one holding it, its value a new variable
(``expandExpr``: ``upper(x) == a`` is ``upper(x, L); equal(L, a)``), as is a
collection a ref starts from (``expandExprRef``) and an ``every``'s domain.
Pass after pass, each expression not yet placed is placed, in written order,
once its names are safe or its own outputs (``outputVarsForExpr``: a safe
ref's keys, a call's arguments past its arity once its inputs are safe, what
``Unify`` in ``v1/ast/unify.go`` binds for ``=``, nothing for a negated one)
and the body names its closures read are safe (``unsafeVarsInClosures``);
its outputs are safe from then on.

``opa_order`` follows that exactly on this reader's statements and gives them
in the order their last expression is placed, a call OPA took out of one and
placed apart from it (another statement between) given as a statement of its
own where it is placed: OPA types it there (``upper(x)`` of ``upper(x) == a``
types a function's argument ``x`` at its first use). It gives None where it
does not follow OPA (a statement this reader does not read, ``print``, a
wildcard under ``not``, a declaration shadowing an outer name, a comprehension
inside a ref's key), ``UNSAFE`` where OPA refuses the body as unsafe, and
``Unsure`` where a comprehension OPA took out of a statement runs apart from
it (its body is typed there, which this reader does not follow).

A call of a function of another package, whose arity this reader does not
know, passes all its inputs where it stands inside a term (else OPA refuses
the module); a statement that is such a call is read both ways (an output as
its last argument or not), and only an order both readings agree on is given.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping

from natpolicy.records import record
from natpolicy.rego.type_parameters import node_names, statement_names, with_reads
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["UNSAFE", "Unsure", "opa_order"]

UNSAFE = "unsafe"  # opa_order's answer for a body OPA refuses as unsafe: no order to follow
_MOST_CHOICES = 64  # readings of what unread statements output, past which a body is refused as unsure untried

_INFIX_CALLS = frozenset({"==", "!=", "<", ">", "<=", ">=", "|", "&", "+", "-", "*", "/", "%", "in"})


class _Unknown(Exception):
    """A statement whose OPA expressions this module does not build."""


@record
class Unsure:
    """A statement whose typing in OPA's order this reader does not follow (``opa_order``): ``why`` names
    ``{name}``."""

    statement: Statement
    name: str
    why: str


# A term after OPA's rewriting: ("var", name), ("ref", head, key, ...), ("array", item, ...), ("set", item, ...),
# ("object", key, value, ...), ("scalar",), or ("closure", kind, names it holds outside its own declarations).
_Term = tuple


@record
class _Expr:
    """One expression of the rewritten body: ``op`` is eq, call, term or every."""

    statement: int  # the index of the statement it came from
    op: str
    terms: list[_Term]  # eq: both sides; call: its arguments; term: the term; every: the domain
    arity: int = -1  # a call's inputs
    negated: bool = False
    closed: frozenset[str] = frozenset()  # an every body's names, outside its own declarations
    node: Node | None = None  # a call taken out of a term (expandExprTerm): the call as written
    outputs: frozenset[str] = frozenset()  # a statement this reader does not read: what it is taken to output
    reads: frozenset[str] = frozenset()  # the names its statement's `with` values read (``with_reads``)


class _Builder:
    """The expressions of a body, as OPA's rewriting stages leave them."""

    def __init__(self, arity: Callable[[Node], int | None], declared: Callable[[list[Statement]], set[str]],
                 output_guess: int, shared: frozenset[str], opaque_outputs: Mapping[int, frozenset[str]]) -> None:
        self.arity, self.declared = arity, declared
        self.output_guess = output_guess  # a statement's call of unknown arity: how many arguments it outputs
        self.guessed = False  # whether one was met
        self.shared = shared  # the names the statements this reader reads hold (see _Builder.statement)
        self.opaque_outputs = opaque_outputs  # what each statement it does not read outputs, by its index
        self.out: list[_Expr] = []
        self.fresh = 0
        self.index = 0

    def var(self) -> _Term:
        self.fresh += 1
        return ("var", f"\0{self.fresh}")

    def statement(self, index: int, statement: Statement) -> None:
        self.index = index
        if statement.what == "declare":
            return  # dropped once declared (rewriteSomeDeclStatement)
        if statement.what == "opaque":
            # Not read (a `with` target holding a variable, ...): what it outputs is not known, so opa_order follows
            # each reading of it, outputting some of the names it shares with the statements read here and reading
            # the others.
            shared = sorted(set(statement.names) & self.shared)
            self.out.append(_Expr(index, "opaque", [("var", name) for name in shared],
                                  outputs=self.opaque_outputs.get(index, frozenset())))
            return
        first = len(self.out)
        self._expressions(index, statement)
        reads = frozenset(with_reads(statement))
        for expr in self.out[first:] if reads else ():
            # Each expression OPA builds of it keeps its `with` (expandExpr), whose values must be safe before it.
            expr.reads = reads

    def _expressions(self, index: int, statement: Statement) -> None:
        if statement.what == "bind":
            left, right = (self.term(part) for part in statement.parts)
            self.out.append(_Expr(index, "eq", [left, right]))
        elif statement.what == "check":
            whole = statement.parts[0]
            negated = statement.text == "not"
            if negated and "_" in node_names(whole):
                raise _Unknown  # a wildcard under `not`: OPA's handling of it there is not followed
            if whole.what == "call" or (whole.what == "infix" and whole.text in _INFIX_CALLS):
                args = [self.term(part) for part in whole.parts]
                inputs = self._arity(whole, len(whole.parts) - self.output_guess)
                self.guessed = self.guessed or (whole.what == "call" and self.arity(whole) is None)
                self.out.append(_Expr(index, "call", args, inputs, negated))
            else:
                self.out.append(_Expr(index, "term", [self.term(whole)], negated=negated))
        elif statement.what == "some":
            *names, collection = statement.parts
            key = self.node(names[0]) if len(names) == 2 else self.var()
            head = self.node(collection)
            ref = (*head, key) if head[0] == "ref" else ("ref", head, key)
            value = self.term(names[-1])
            self.out.append(_Expr(index, "eq", [value, self.expand_ref(ref)]))
        elif statement.what == "every":
            term = self.var()  # expandExpr: `L = domain`, itself expanded, then `every ... in L`
            self.out.append(_Expr(index, "eq", [term, self.term(statement.parts[-1])]))
            own = {name for part in statement.parts[:-1] for name in node_names(part)}
            inner = {name for inner in statement.body for name in statement_names(inner)}
            self.out.append(_Expr(index, "every", [term],
                                  closed=frozenset(inner - own - self.declared(statement.body))))
        else:
            raise _Unknown

    def _arity(self, call: Node, unknown: int) -> int:
        """A call's inputs; ``unknown`` where this reader does not know them (another package's function: a call
        inside a term passes all its inputs, else OPA refuses the module, so it is exact there)."""
        if call.what == "infix":
            return 2
        if call.text == "print":
            raise _Unknown  # rewritten into closures over its arguments (rewritePrintCalls), not followed
        inputs = self.arity(call)
        return max(unknown, 0) if inputs is None else inputs

    def node(self, node: Node) -> _Term:
        """A node as a term, before its calls are taken out."""
        if node.what == "name":
            return self.var() if node.text == "_" else ("var", node.text)
        if node.what == "literal":
            return ("scalar", *_constant(node))
        if node.what in ("array", "set", "object"):
            return (node.what, *(self.node(part) for part in node.parts))
        if node.what == "ref":
            return ("ref", *(self.node(part) for part in node.parts))
        if node.what == "comprehension":
            own = self.declared(node.body)
            return ("closure", node.text, frozenset(node_names(node)) - own)
        if node.what in ("call", "infix") and (node.what == "call" or node.text in _INFIX_CALLS):
            return ("call", node, *(self.node(part) for part in node.parts))
        raise _Unknown

    def term(self, node: Node) -> _Term:
        return self.expand(self.node(node))

    def expand(self, term: _Term) -> _Term:
        """``expandExprTerm``: each call out into an expression of its own, before the one holding it."""
        if term[0] == "call":
            args = [self.expand(arg) for arg in term[2:]]
            output = self.var()
            index = self.index
            self.out.append(_Expr(index, "call", [*args, output], self._arity(term[1], len(args)), node=term[1]))
            return output
        if term[0] == "ref":
            return self.expand_ref(term)
        if term[0] in ("array", "set", "object"):
            return (term[0], *(self.expand(part) for part in term[1:]))
        return term

    def expand_ref(self, ref: _Term) -> _Term:
        """``expandExprRef``: a ref's parts expanded, a collection or closure it starts from bound first."""
        parts = [self.expand(part) for part in ref[1:]]
        if any(_has_closure(key) for key in parts[1:]):
            raise _Unknown  # Ref.OutputVars walks into it: its names, renamed by OPA, are not followed
        if parts[0][0] in ("array", "object", "set", "closure"):
            local = self.var()
            self.out.append(_Expr(self.index, "eq", [local, parts[0]]))
            parts[0] = local
        return ("ref", *parts)


def opa_order(body: list[Statement], bound: Callable[[str], bool], arity: Callable[[Node], int | None],
              declared: Callable[[list[Statement]], set[str]]) -> list[Statement] | Unsure | str | None:
    """``body``'s statements in the order OPA's compiler types them (see the module), ``Unsure`` where one is typed
    otherwise than this reader types it, ``UNSAFE`` where OPA refuses the body as unsafe, None where this reader
    does not follow OPA's order.

    ``bound``: whether a name is bound before the body (a rule, an import, ``input``, a function's argument, an
    outer name); ``arity``: a call's inputs (None: not known here); ``declared``: the names a closure's body
    declares itself. A statement that is a call of unknown arity may pass an output as its last argument or not:
    both readings are followed, and only an order they agree on is given.
    """
    shared = frozenset(name for statement in body if statement.what != "opaque"
                       for name in statement_names(statement))
    first, guessed = _opa_order(body, bound, arity, declared, 0, shared, {})
    if first is None:
        return None
    if guessed and _opa_order(body, bound, arity, declared, 1, shared, {})[0] != first:
        return None
    unread = {n: sorted(set(statement.names) & shared - {name for name in shared if bound(name)})
              for n, statement in enumerate(body) if statement.what == "opaque"}
    unread = {n: names for n, names in unread.items() if names}
    if not unread:
        return first
    # What an unread statement outputs is not known: every choice of its shared names is followed, and the order
    # is given where every choice OPA could accept (a safe body) gives the same one.
    choices = [dict(zip(unread, outputs, strict=True)) for outputs in itertools.product(
        *([frozenset(pick) for size in range(len(names) + 1) for pick in itertools.combinations(names, size)]
          for names in unread.values()))]
    results = [result for choice in choices[:_MOST_CHOICES] for guess in range(1 + guessed)
               for result in [_opa_order(body, bound, arity, declared, guess, shared, choice)[0]]
               if result != UNSAFE] if len(choices) <= _MOST_CHOICES else []
    agreed = results[0] if results and all(result == results[0] for result in results) else None
    if isinstance(agreed, list) and not any(_moved_after(agreed, body, n) for n in unread):
        return agreed
    if len(choices) <= _MOST_CHOICES and not results:
        return UNSAFE
    n, names = next(iter(unread.items()))
    return Unsure(body[n], names[0], "this reader does not read it, and whether it binds `{name}`, which another "
                  "statement reads, decides the order OPA's compiler runs the body in (reorderBodyForSafety)")


def _opa_order(body: list[Statement], bound: Callable[[str], bool], arity: Callable[[Node], int | None],
              declared: Callable[[list[Statement]], set[str]], output_guess: int, shared: frozenset[str],
              opaque_outputs: Mapping[int, frozenset[str]]) -> tuple[
        list[Statement] | Unsure | str | None, bool]:
    """``opa_order`` with one reading of the arity of a statement's call this reader does not know, and whether
    the body holds such a call."""
    builder = _Builder(arity, declared, output_guess, shared, opaque_outputs)
    try:
        for index, statement in enumerate(body):
            builder.statement(index, statement)
    except _Unknown:
        return None, False
    exprs = builder.out
    local = {name for statement in body if statement.what in ("bind", "some") and
             (statement.what == "some" or statement.text == ":=")
             for part in (statement.parts[:-1] if statement.what == "some" else statement.parts[:1])
             for name in node_names(part)}
    if any(bound(name) for name in local):
        return None, builder.guessed  # a declaration shadowing an outer name: OPA renames it, not followed here
    names = {name for expr in exprs for name in _vars(expr)}
    globals_ = frozenset(name for name in names if not name.startswith("\0") and name not in local and bound(name))
    try:
        placed = _reorder_for_safety(exprs, globals_)
    except _Unknown:
        return None, False
    if placed is None:
        return UNSAFE, builder.guessed
    return _statements(placed, body), builder.guessed


def _moved_after(order: list[Statement], body: list[Statement], unread: int) -> bool:
    """Does a statement written before the unread one ``body[unread]`` run after it: it reads what that one binds,
    whose type this reader does not know (an unread statement's names are any here)."""
    at = next(n for n, statement in enumerate(order) if statement is body[unread])
    return any(statement is before for statement in order[at + 1:] for before in body[:unread])


def _statements(placed: list[_Expr], body: list[Statement]) -> list[Statement] | Unsure:
    """The statements in the order their last expression is placed, each call OPA took out of one and placed apart
    from it, with another statement between, typed there as a statement of its own (``checkExprBuiltin`` types its
    arguments there: a function's argument at its first use, a ref's key); ``Unsure`` where such a part is no call
    and holds a closure (its body is typed there, not followed)."""
    last = {expr.statement: n for n, expr in enumerate(placed)}
    order = [statement for statement in body if statement.what == "declare"]  # OPA drops them: first
    for n, expr in enumerate(placed):
        if n == last[expr.statement]:
            order.append(body[expr.statement])
            continue
        if all(other.statement == expr.statement for other in placed[n + 1:last[expr.statement]]):
            continue  # nothing runs between it and the rest of its statement
        if expr.node is not None:
            order.append(Statement("check", expr.node.start, parts=[expr.node]))
        elif any(_has_closure(term) for term in expr.terms):
            return Unsure(body[expr.statement], "", "OPA's compiler runs a comprehension of it apart from it "
                          "(expandExprRef), another statement between (reorderBodyForSafety), and this reader types "
                          "a statement whole")
    return order


def _outputs_of_body(body: list[_Expr], safe: set[str]) -> set[str]:
    """``outputVarsForBody``: what the expressions output in turn, beyond ``safe``."""
    known = set(safe)
    for expr in body:
        known |= _outputs(expr, known)
    return known - safe


def _reorder_for_safety(body: list[_Expr], globals_: frozenset[str]) -> list[_Expr] | None:
    """``reorderBodyForSafety``'s passes; None where some expression stays unsafe (OPA refuses the body).

    An expression's outputs are safe once it is placed; one whose closures read a body name is placed once that
    name is safe (checked in the same pass: ``unsafeVarsInClosures``, its unsafe names then those alone, and
    skipped for the pass where they are exactly its own outputs, "closure-self").
    """
    body_vars = {name for expr in body for name in _vars(expr)}
    safe = body_vars & globals_
    unsafe = {n: _vars(expr) - safe for n, expr in enumerate(body)}
    placed: list[int] = []
    while True:
        count = len(placed)
        for n, expr in enumerate(body):
            if n in placed:
                continue
            outputs = _outputs(expr, safe)
            closed = (_closed(expr) & body_vars) - globals_
            unready = closed - _outputs_of_body([body[m] for m in placed], safe)
            if unready:
                if unready == outputs:
                    continue
                unsafe[n] = unready
            unsafe[n] = {name for name in unsafe[n] if name not in outputs and name not in safe}
            if not unsafe[n]:
                placed.append(n)
                safe |= outputs
        if len(placed) == count:
            break
    return [body[n] for n in placed] if len(placed) == len(body) else None


def _outputs(expr: _Expr, safe: set[str]) -> set[str]:
    """``outputVarsForExpr`` (an unread statement: all its names, or none, ``_Builder.statement``)."""
    if expr.negated:
        return set()
    if expr.op == "opaque":
        return set(expr.outputs) - safe
    if expr.op == "eq":
        output = _ref_outputs(expr.terms, safe) | safe
        output |= _Unifier(output).unify(*expr.terms)
        return output - safe
    if expr.op == "call":
        output = _ref_outputs(expr.terms, safe)
        if expr.arity >= len(expr.terms):
            return output
        inputs = {name for term in expr.terms[:expr.arity] for name in _plain_vars(term, sets=False)}
        if inputs - output - safe:
            return set()
        return output | {name for term in expr.terms[expr.arity:] for name in _plain_vars(term, sets=False)}
    return _ref_outputs(expr.terms, safe)


def _ref_outputs(terms: list[_Term], safe: set[str]) -> set[str]:
    """``outputVarsForTerms``: the keys' names of each ref whose head is safe, closures left out."""
    output: set[str] = set()
    for term in terms:
        for ref in _safe_refs(term, safe):
            output |= {name for key in ref[2:] for name in _all_vars(key, ref_heads=False)}
    return output


def _safe_refs(term: _Term, safe: set[str]) -> Iterator[_Term]:
    if term[0] == "closure":
        return
    if term[0] == "ref":
        if not _is_ref_safe(term, safe):
            return
        yield term
    for part in term[1:]:
        if isinstance(part, tuple):
            yield from _safe_refs(part, safe)


def _is_ref_safe(ref: _Term, safe: set[str]) -> bool:
    head = ref[1]
    return head[1] in safe if head[0] == "var" else not (set(_all_vars(head, ref_heads=True)) - safe)


class _Unifier:
    """OPA's ``unifier`` (``v1/ast/unify.go``): the names one ``=`` binds, given those already safe."""

    def __init__(self, safe: set[str]) -> None:
        self.safe, self.unified = safe, set[str]()
        self.unknown: dict[str, set[str]] = {}

    def is_safe(self, name: str) -> bool:
        return name in self.safe or name in self.unified

    def unify(self, a: _Term, b: _Term) -> set[str]:
        kind_a, kind_b = a[0], b[0]
        if kind_a == "var":
            if kind_b == "var":
                if self.is_safe(b[1]):
                    self.mark_safe(a[1])
                elif self.is_safe(a[1]):
                    self.mark_safe(b[1])
                else:
                    self.unknown.setdefault(a[1], set()).add(b[1])
                    self.unknown.setdefault(b[1], set()).add(a[1])
            elif kind_b in ("array", "object"):
                self.unify_all(a[1], b)
            elif kind_b == "ref":
                if _is_ref_safe(b, self.safe):
                    self.mark_safe(a[1])
            else:
                self.mark_safe(a[1])
        elif kind_a == "ref":
            if _is_ref_safe(a, self.safe):
                self._mark_other(b, ("array", "object"))
        elif kind_a == "closure":
            self._mark_other(b, {"array": ("array",), "object": ("object",), "set": ()}[a[1]])
        elif kind_a == "array":
            if kind_b == "var":
                self.unify_all(b[1], a)
            elif kind_b == "closure" or (kind_b == "ref" and _is_ref_safe(b, self.safe)):
                self.mark_all_safe(a)
            elif kind_b == "array" and len(a) == len(b):
                for x, y in zip(a[1:], b[1:], strict=True):
                    self.unify(x, y)
        elif kind_a == "object":
            if kind_b == "var":
                self.unify_all(b[1], a)
            elif kind_b == "ref" and _is_ref_safe(b, self.safe):
                self.mark_all_safe(a)
            elif kind_b == "object" and len(a) == len(b):
                self._unify_objects(a, b)
        elif kind_b == "var":
            self.mark_safe(b[1])
        return self.unified

    def _mark_other(self, b: _Term, collections: tuple[str, ...]) -> None:
        if b[0] == "var":
            self.mark_safe(b[1])
        elif b[0] in collections:
            self.mark_all_safe(b)

    def _unify_objects(self, a: _Term, b: _Term) -> None:
        """Values under equal keys: only constant keys are compared here, as OPA's ``Get`` finds them."""
        others = list(zip(b[1::2], b[2::2], strict=True))
        for key, value in zip(a[1::2], a[2::2], strict=True):
            match = [other for other_key, other in others if other_key == key and _ground(key)]
            if match:
                self.unify(value, match[0])
            elif not _ground(key):
                raise _NotFollowed  # a key holding names: whether Get finds it is not read here

    def mark_all_safe(self, term: _Term) -> None:
        for name in _plain_vars(term, sets=True):
            self.mark_safe(name)

    def mark_safe(self, name: str) -> None:
        self.unified.add(name)
        for other in self.unknown.pop(name, set()):
            self.mark_safe(other)
        for other, deps in list(self.unknown.items()):
            if name in deps:
                deps.discard(name)
                if not deps:
                    self.mark_safe(other)

    def unify_all(self, name: str, term: _Term) -> None:
        if self.is_safe(name):
            self.mark_all_safe(term)
            return
        unsafe = [other for other in _plain_vars(term, sets=True) if not self.is_safe(other)]
        if not unsafe:
            self.mark_safe(name)
        for other in unsafe:
            self.unknown.setdefault(name, set()).add(other)


class _NotFollowed(_Unknown):
    pass


def _constant(node: Node) -> tuple[str, object]:
    """A literal's kind and value, as OPA compares object keys (``1`` is ``1.0``)."""
    if node.text == "number":
        return "number", float(node.scalar or "nan")
    if node.text == "string":
        if node.constant is None:
            raise _Unknown
        return "string", node.constant
    return node.text, node.scalar


def _ground(term: _Term) -> bool:
    return term[0] == "scalar" or (term[0] in ("array", "set", "object") and all(
        _ground(part) for part in term[1:]))


def _plain_vars(term: _Term, sets: bool) -> list[str]:
    """The VarVisitor of markAllSafe (sets walked) or of a call's inputs (sets skipped): ref heads, object keys
    and closures skipped."""
    if term[0] == "var":
        return [term[1]]
    if term[0] == "closure" or (term[0] == "set" and not sets):
        return []
    if term[0] == "ref":
        return [name for part in term[2:] for name in _plain_vars(part, sets)]
    if term[0] == "object":
        return [name for value in term[2::2] for name in _plain_vars(value, sets)]
    return [name for part in term[1:] if isinstance(part, tuple) for name in _plain_vars(part, sets)]


def _all_vars(term: _Term, ref_heads: bool) -> list[str]:
    """Every name of a term outside closures (``SafetyCheckVisitorParams``), a ref's head too if asked."""
    if term[0] == "var":
        return [term[1]]
    if term[0] == "closure":
        return []
    parts = term[1:] if term[0] != "ref" or ref_heads else term[2:]
    return [name for part in parts if isinstance(part, tuple) for name in _all_vars(part, ref_heads)]


def _vars(expr: _Expr) -> set[str]:
    return {name for term in expr.terms for name in _all_vars(term, ref_heads=True)} | expr.reads


def _closed(expr: _Expr) -> set[str]:
    """The names an expression's closures hold (``WalkClosures``)."""
    found = set(expr.closed)
    for term in expr.terms:
        found |= set(_closure_names(term))
    return found


def _closure_names(term: _Term) -> Iterator[str]:
    if term[0] == "closure":
        yield from term[2]
        return
    for part in term[1:]:
        if isinstance(part, tuple):
            yield from _closure_names(part)


def _has_closure(term: _Term) -> bool:
    return term[0] == "closure" or any(isinstance(part, tuple) and _has_closure(part) for part in term[1:])
