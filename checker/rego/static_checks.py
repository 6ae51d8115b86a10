"""What OPA refuses when it compiles a module, and regorus and regopy accept unless a query reaches it.

OPA checks every rule of a module before anything runs: an unsafe variable
(one nothing binds) or a type error anywhere refuses the whole module, even
in a rule no query evaluates. regorus checks only what it evaluates and
regopy makes a type error undefined, so a broken helper passed silently
(``tests/rego_probes``: ``unsafe-variable-in-helper``, ``type-error-*``).
natpolicy runs two checks of its own on every module, for every engine but
OPA itself, and ``natpolicy.rego.guards`` refuses what they find:

* **unsafe variables** (here): a variable of a rule (head or body) that no
  place in its branch could bind (each ``else`` branch is a rule of its own,
  and a head binds nothing but a function's parameters and what OPA moves
  into the body: ``head_terms``). The places counted as binding are generous
  on purpose (left of ``:=``, either side of ``=``, inside a ref's brackets
  ``x[i]``, ``some``/``every`` names and patterns, the arguments of a call
  to anything but a builtin of ``builtin_types`` and the output argument of
  one (``count(xs, n)``), and anything inside a pattern unified with
  ``=``/``:=``), so a variable is refused only when OPA certainly refuses it
  too. Nothing under ``not`` binds (``not input.arr[i] == "c"`` with ``i``
  bound nowhere else is unsafe to OPA: "negated expressions must be safe"),
  except inside a comprehension there, whose body binds its own names, and in
  a call nested in the expression's operands, which OPA moves before the
  ``not`` ahead of its safety check (``not startswith(lower(x[i]), "a")``). A
  builtin's declared arguments are inputs (``startswith(w, "a")`` with
  ``w`` bound nowhere else is unsafe), and so is the left of ``x in xs``
  outside ``some``/``every``;
* **type errors** (``natpolicy.rego.type_check``): what OPA's type checker
  infers through literals, variables, builtin results and the package's rule
  values (``1 + "a"``, ``n := count(input.x); upper(n)``, ``limit := 5`` then
  ``startswith(limit, "a")``, ``s := {1}; s.foo``, ``o := {"a": 1}; o.b``,
  ``n = "2"`` for a number ``n``).

What ``type_check`` does not check (its docstring lists it) passes here in a
rule that is never evaluated, as docs/rego.md says.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.builtin_types import BUILTINS
from natpolicy.rego.head_terms import in_comprehension, rule_branches, rule_parameters
from natpolicy.rego.infix import split_infix, top_operator, unparenthesized
from natpolicy.rego.negation import in_inner_comprehension, negated_expressions
from natpolicy.rego.source import (
    Token,
    dotted_call,
    dotted_end,
    dotted_name,
    dotted_start,
    enclosing_openers,
    matching_close,
    starts_statement,
    tokens,
)
from natpolicy.rego.var_equalities import var_equalities
from natpolicy.rego.var_scopes import Scopes

__all__ = ["unsafe_variables", "negated_declarations", "rule_statements", "declared_name", "may_bind"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null"})
_ALWAYS = frozenset({"input", "data", "_"})
# Parentheses after these are a group, no call (`x if (w + 1) > 2`); `contains(...)` is a call of a Rego v0
# policy's own function.
_GROUPS_AFTER = _KEYWORDS - {"contains"}
_REF_BEFORE = frozenset({")", "]", "}"})


def unsafe_variables(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first use of each variable no place of its rule binds."""
    toks = tokens(source)
    statements = list(rule_statements(source, toks, rules_only=True))
    # The head of each rule names a rule, also a ref head (`a.b.c := 1`, which the module scan does not list).
    package_names = package_names | {_head_name(toks, start) for start, _ in statements}
    negated = negated_expressions(source, toks)
    scopes = Scopes(toks)
    for start, end in statements:
        branches = rule_branches(toks, start, end)
        parameters = rule_parameters(toks, start, branches[0].body)
        used: dict[str, list[tuple[int, int]]] = {}  # name -> (branch, token) of each use
        # name -> (branch, scope) of each place that may bind it; a function's parameter binds in every branch (-1)
        bound: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
        in_heads: set[str] = set()  # names a head holds in a place that binds nothing (`x[i]`, `contains i`)
        # `x = y` binds one side only once the other is bound (var_equalities): name -> (branch, scope, other's
        # token) of each such place, settled below.
        if_other: dict[str, list[tuple[int, tuple[int, ...], int]]] = {}
        variables = {k for branch in branches for k in range(branch.first, branch.end) if _is_variable(toks, k,
                                                                                                      package_names)}
        pairs = var_equalities(source, toks, variables)
        for b, branch in enumerate(branches):
            for k in range(branch.first, branch.end):
                tok = toks[k]
                if k not in variables:
                    continue
                used.setdefault(tok.text, []).append((b, k))
                if parameters is not None and parameters[0] < k < parameters[1]:
                    bound.setdefault(tok.text, []).append((-1, ()))
                elif k < branch.body and not in_comprehension(toks, k, branch.first):
                    # A head binds nothing but through a term OPA moves into the body (head_terms).
                    term = branch.term_of(k)
                    if term is not None and _moved_term_binds(toks, k, term[0], package_names):
                        bound.setdefault(tok.text, []).append((b, ()))
                    else:
                        in_heads.add(tok.text)
                # Nothing under `not` binds (OPA: "negated expressions must be safe"), but a comprehension's own
                # body and a call OPA pulls out of the expression before its safety check (RewriteExprTerms).
                elif may_bind(toks, k, start, package_names) and not any(
                        n < k <= last and not in_inner_comprehension(toks, n, k)
                        and not _in_pulled_call(toks, n, last, k) and not _in_pulled_infix(toks, n, last, k)
                        for n, last in negated):
                    if k in pairs and k >= branch.body:
                        if_other.setdefault(tok.text, []).append((b, scopes.chain(k), pairs[k]))
                    else:
                        bound.setdefault(tok.text, []).append((b, scopes.chain(k)))
        _settle_equalities(toks, scopes, bound, if_other)
        for name, places in used.items():
            # A place binds the uses of its own branch in its own scope and in the scopes inside it (var_scopes),
            # none outside; each `else` branch is checked on its own.
            unsafe = next((k for b, k in places if not any(
                at in (b, -1) and _within(scope, scopes.chain(k)) for at, scope in bound.get(name, ()))), None)
            if unsafe is not None:
                where = _unsafe_where(name, bound, in_heads, len(branches) > 1) or (
                    " (its `=` with another variable binds it only once something else binds that one)"
                    if name in if_other else "")
                yield toks[unsafe].offset, (
                    f"variable `{name}` is unsafe: nothing in its rule binds it{where}, and OPA refuses the whole "
                    "module at compile time (even when no query reaches the rule), so natpolicy does too; bind it "
                    "(`:=`, `some ... in`) or fix its name")


def _is_variable(toks: list[Token], k: int, package_names: set[str]) -> bool:
    """Is ``toks[k]`` a use of a variable (no keyword, rule, ref key, called name, declared name)?"""
    tok = toks[k]
    if tok.kind != "ident" or tok.text in _KEYWORDS or tok.text in _ALWAYS or tok.text in package_names:
        return False
    if k > 0 and toks[k - 1].text == ".":
        return False  # a key of a ref: x.key
    return not (dotted_call(toks, k, len(toks)) or declared_name(toks, k) or _with_function(toks, k))


def _settle_equalities(toks: list[Token], scopes: Scopes, bound: dict[str, list[tuple[int, tuple[int, ...]]]],
                       if_other: dict[str, list[tuple[int, tuple[int, ...], int]]]) -> None:
    """Add to ``bound`` each ``x = y`` place whose other side something binds, until none is left to add (OPA's
    ``Unify`` over ``reorderBodyForSafety``'s passes: ``x = y; y = z; z := 1`` binds all three)."""
    waiting = [(name, b, scope, other) for name, places in if_other.items() for b, scope, other in places]
    while True:
        ready = [wait for wait in waiting if any(
            at in (wait[1], -1) and _within(scope, scopes.chain(wait[3]))
            for at, scope in bound.get(toks[wait[3]].text, ()))]
        if not ready:
            return
        for name, b, scope, _ in ready:
            bound.setdefault(name, []).append((b, scope))
        waiting = [wait for wait in waiting if wait not in ready]


def _unsafe_where(name: str, bound: dict[str, list[tuple[int, tuple[int, ...]]]], in_heads: set[str],
                  chain: bool) -> str:
    """Why a variable is unsafe, when some place of its rule looks as if it bound it."""
    if any(not scope for _, scope in bound.get(name, ())):
        return " (only another branch of its `else` chain does, and OPA checks each branch on its own)" if chain \
            else ""
    if name in bound:
        return " (only a comprehension or an `every` not around it does, whose names stay inside)"
    if name in in_heads:
        return " (a rule's head binds nothing: its body must bind each variable of the head)"
    return ""


def _moved_term_binds(toks: list[Token], k: int, first: int, package_names: set[str]) -> bool:
    """Could ``toks[k]``, in the head term starting at ``first``, bind its variable once OPA has moved the term
    into the body (head_terms)? Only in a ref's brackets or a call's arguments inside the term: the term is
    unified with a new variable there, which binds none of its other names."""
    for opener in enclosing_openers(toks, k, first - 1):
        before = opener - 1
        if before < first:
            return False
        if toks[opener].text == "[" and (toks[before].kind in ("ident", "string") or toks[before].text in _REF_BEFORE) \
                and toks[before].text not in _KEYWORDS:
            return True  # input.a[i], f(x)[i]
        if toks[opener].text == "(" and toks[before].kind == "ident" and toks[before].text not in _GROUPS_AFTER:
            return not _builtin_input(toks, opener, k, package_names)
    return False


def _within(scope: tuple[int, ...], chain: tuple[int, ...]) -> bool:
    """Is a use whose scopes are ``chain`` inside ``scope`` (the scopes of a binding place)?"""
    return chain[:len(scope)] == scope


def _in_pulled_call(toks: list[Token], n: int, last: int, k: int) -> bool:
    """Is ``toks[k]`` in the arguments of a call inside the negated expression ``toks[n + 1..last]`` other than
    the expression's own call? OPA's compiler moves every such call before the ``not`` (RewriteExprTerms, which
    runs before CheckSafetyRuleBodies), where its arguments bind: ``not startswith(lower(input.rs[i].x), "a")``."""
    j = dotted_end(toks, n + 1, last + 1)
    own = j + 1 if toks[n + 1].kind == "ident" and j + 1 <= last and toks[j + 1].text == "(" \
        and matching_close(toks, j + 1) == last else -1
    return any(toks[o].text == "(" and o != own and o - 1 > n and toks[o - 1].kind == "ident"
               and toks[o - 1].text not in _KEYWORDS for o in enclosing_openers(toks, k, n))


def _in_pulled_infix(toks: list[Token], n: int, last: int, k: int) -> bool:
    """Is ``toks[k]`` in an infix expression nested in the negated expression ``toks[n + 1..last]`` (an operand of
    its own operator or call, a call's argument, a ref's brackets, a collection's element)? OPA's parser makes each
    infix operator a call, which RewriteExprTerms moves before the ``not`` as it does a named one:
    ``not (input.rs[i].n + 1) > 2`` binds ``i`` in ``plus(input.rs[i].n, 1, __local0__)``."""
    own = unparenthesized(toks, n + 1, last)
    for first, end in _spans_holding(toks, n, k):
        first, end = unparenthesized(toks, first, end)
        if (first, end) == own:
            break  # the expression itself, in parentheses: its operands are read below
        split = split_infix(toks, first, end)
        if split is not None and split[1]:
            return True
    split = split_infix(toks, *own)
    if split is None or not split[1]:
        return False  # no operator: the expression's own call, or a term (its parts were read above)
    top = top_operator(toks, split[1])
    operand = (own[0], top - 1) if k < top else (top + 1, own[1])
    inner = split_infix(toks, *unparenthesized(toks, *operand))
    # `k, v in xs`: the names before `in` are no call.
    return inner is not None and any(toks[op].text != "," for op in inner[1])


def _spans_holding(toks: list[Token], n: int, k: int) -> Iterator[tuple[int, int]]:
    """Innermost first, the spans around ``toks[k]`` that are a term of their own inside the expression after the
    ``not`` at ``n``: the argument of a call, the key of a ref, a group's content, an element, key or value of a
    collection. None in a comprehension, whose body OPA rewrites apart."""
    for opener in enclosing_openers(toks, k, n):
        close = matching_close(toks, opener)
        if close is None:
            return
        inner = toks[opener].depth + 1
        if toks[opener].text != "(" and any(t.text == "|" and t.depth == inner for t in toks[opener + 1:close]):
            return
        first, end = opener + 1, close - 1
        for j in range(opener + 1, close):
            if toks[j].depth == inner and toks[j].text in (",", ":"):
                if j < k:
                    first = j + 1
                else:
                    end = min(end, j - 1)
        yield first, end


def negated_declarations(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """``not some ...`` and ``not every ...``: OPA's parser refuses both ("illegal negation of 'every'"), which
    the unsafe-variable check would otherwise report by the name they declare."""
    for k in range(len(toks) - 1):
        if toks[k].text == "not" and toks[k].kind == "ident" and toks[k + 1].text in ("some", "every"):
            word = toks[k + 1].text
            yield toks[k].offset, (f"`not {word}`: OPA's parser refuses it (illegal negation of '{word}'); "
                                   f"negate a rule or a comprehension instead (`count([x | some x in xs; ...]) == 0`)")


def _head_name(toks: list[Token], start: int) -> str:
    return toks[start + 1].text if toks[start].text == "default" and start + 1 < len(toks) else toks[start].text


def rule_statements(source: str, toks: list[Token], rules_only: bool = False) -> Iterator[tuple[int, int]]:
    """(first, end) token indexes of each top-level statement (a rule with its `else` branches); ``rules_only``:
    without the ``package`` and ``import`` statements, which most readers skip."""
    starts = [k for k in range(len(toks)) if toks[k].depth == 0 and toks[k].kind == "ident"
              and toks[k].text != "else" and starts_statement(source, toks, k)]
    for n, first in enumerate(starts):
        if not (rules_only and toks[first].text in ("package", "import")):
            yield first, starts[n + 1] if n + 1 < len(starts) else len(toks)


def _with_function(toks: list[Token], k: int) -> bool:
    """A function a ``with`` replaces, or a builtin it replaces one by: ``with count as 9``, ``with upper as
    lower`` (OPA mocks functions so; the names are no variables)."""
    before = toks[k - 1].text if k > 0 else ""
    return before == "with" or (before == "as" and dotted_name(toks, k, len(toks))[0] in BUILTINS)


def declared_name(toks: list[Token], k: int) -> bool:
    """A name of a plain ``some a, b`` (a declaration, neither a use nor a binding)."""
    j = k
    while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind == "ident":
        j -= 2
    if j < 1 or toks[j - 1].text != "some":
        return False
    m = k
    while m + 2 < len(toks) and toks[m + 1].text == ",":
        if toks[m + 2].kind in ("ident", "string", "raw", "number"):
            m += 2  # a name, or a literal the value must equal: `some k, "c" in xs`
        elif toks[m + 2].text in ("[", "{"):  # a pattern: `some k, [a, b] in xs`
            close = matching_close(toks, m + 2)
            if close is None:
                break
            m = close
        else:
            break
    return not (m + 1 < len(toks) and toks[m + 1].text == "in")


def may_bind(toks: list[Token], k: int, start: int, package_names: set[str]) -> bool:
    """Could this occurrence bind its variable? Generous: see the module's docstring."""
    nxt = toks[k + 1].text if k + 1 < len(toks) else ""
    prev = toks[k - 1].text if k > 0 else ""
    if _in_names(toks, k) or nxt in (":=", "=") or prev == "=":
        return True
    # Enclosing brackets: a ref's `[...]`, a call's `(...)`, or a pattern unified with `=`/`:=`.
    depth = toks[k].depth
    j = k - 1
    while j >= start and depth > 0:
        if toks[j].depth == depth - 1 and toks[j].text in "([{":
            opener = toks[j]
            before = toks[j - 1] if j > 0 else None
            if opener.text == "[" and before is not None and (before.kind in ("ident", "string")
                                                              or before.text in _REF_BEFORE) \
                    and before.text not in _KEYWORDS:
                return True  # x[i], f(x)[i], "s"[i]
            if opener.text == "(" and before is not None and before.kind == "ident" \
                    and before.text not in _GROUPS_AFTER:
                # A builtin's declared arguments are its inputs: nothing outside the call binds into them.
                return not _builtin_input(toks, j, k, package_names)
            close = matching_close(toks, j)
            # A whole side that is a set literal binds none of its names (OPA's Unify: a set is its default
            # case); one inside an array or object pattern may be bound (markAllSafe beside a ref).
            binds = not (opener.text == "{" and close is not None and _is_set(toks, j, close))
            if before is not None and before.text == "=":
                return binds  # inside a pattern on the right of `=`
            after = toks[close + 1].text if close is not None and close + 1 < len(toks) else ""
            if after in (":=", "="):
                return binds  # inside a pattern on the left of `:=` / `=`
            if after == "in" and _in_names(toks, j):
                return binds  # a pattern of `some [a, b] in xs`
            depth -= 1
        j -= 1
    return False


def _is_set(toks: list[Token], open_at: int, close: int) -> bool:
    """Is the ``{`` at ``open_at`` a set literal: not empty, no object's `:` nor comprehension's `|` in it?"""
    inner = [tok.text for tok in toks[open_at + 1:close] if tok.depth == toks[open_at].depth + 1]
    return bool(inner) and ":" not in inner and "|" not in inner


def _builtin_input(toks: list[Token], open_at: int, k: int, package_names: set[str]) -> bool:
    """Is the argument of the call opened at ``open_at`` that holds ``toks[k]`` a declared input of a builtin?"""
    first = dotted_start(toks, open_at - 1)
    name = "".join(t.text for t in toks[first:open_at])
    signature = BUILTINS.get(name)
    if signature is None or toks[first].text in package_names or (first > 0 and toks[first - 1].text == "."):
        return False
    index = sum(1 for t in toks[open_at + 1:k] if t.text == "," and t.depth == toks[open_at].depth + 1)
    return index < len(signature.args)  # a last, extra argument is the call's output, which binds


def _in_names(toks: list[Token], k: int) -> bool:
    """A name of ``some k, v in`` / ``every k, v in`` (the key may be a literal: ``some "b", v in o``)."""
    j = k
    while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind in ("ident", "string", "raw", "number"):
        j -= 2
    return j >= 1 and toks[j - 1].text in ("some", "every")
