"""A negated call's ref operands bound before the ``not``, as OPA's compiler binds them.

OPA compiles ``not startswith(input.missing, "a")`` into ``__local0__ = input.missing; not startswith(__local0__,
"a")`` (v1/ast/compile.go): stage RewriteExprTerms pulls every call nested in an expression's operands out into an
expression of its own before it (``not count(input.x) > 1``: ``count(input.x, __local0__)``), and stage
RewriteDynamicTerms binds each operand of a call expression that is a ref (or a collection holding refs) to a fresh
variable before it. Those generated expressions are not negated: the bindings happen outside the ``not``. So a
missing ref makes the rule undefined where both engines, evaluating it inside the negation, made the ``not`` hold;
and a ``_`` in such an operand iterates outside (``not startswith(input.rs[_].name, "a")`` holds when some name does
not start with "a"). A unification (``==`` becomes one, RewriteEquals) and a bare term keep their refs in place; only
a ref's brackets that are refs, a collection's elements and nested calls are bound first.

The same is done in the source, before each engine's own rewrites, on the ``not``'s own line so that no line moves::

    not startswith(lower(input.x), "a")  ->  __natpolicy_n12 := lower(input.x); not startswith(__natpolicy_n12, "a")

A bare name is a ref when it names a rule or an import of the package (OPA's ResolveRefs) and the rule does not
declare it locally. natpolicy's guards of OPA's default mode (``__natpolicy_if_<kind>(X)``, builtin_errors) are no
calls of the policy: the ref inside one is bound, the guard stays, so a value of another kind leaves the call
undefined under the ``not`` (which then holds), as in OPA. Each binding carries the statement's ``with``; a body
written without braces (``p if not f(x.y)``) is braced around its expression. What cannot be written on one line (a
raw string holding a line break, an operand broken over lines outside brackets) is refused by
:func:`negated_operand_refusals`. An error's column on a rewritten line is put back by :func:`original_column`.
"""
from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Mapping

from natpolicy.records import record
from natpolicy.rego.infix import operator_level, split_infix, top_operator, unparenthesized
from natpolicy.rego.negation import negated_expressions
from natpolicy.rego.operand_kinds import GUARD_PREFIX
from natpolicy.rego.regopy_hoist import every_body, hoisted_names, new_statement
from natpolicy.rego.rule_scope import opens_body, parameter_names
from natpolicy.rego.source import Token, dotted_end, enclosing_openers, matching_close, scan_module, tokens
from natpolicy.rego.static_checks import declared_name, rule_statements

__all__ = ["PREFIX", "bind_negated_operands", "moved_names", "negated_operand_refusals", "original_column",
           "package_refs"]

PREFIX = "__natpolicy_n"
_SCALARS = frozenset({"true", "false", "null"})
_MAX_NESTING = 200  # brackets deep: a collection is read level by level, recursively


_Anchor = tuple[int, int, int]


@record(frozen=True)
class _Negation:
    """One ``not`` whose operands are bound before it."""

    at: int  # offset of the `not`
    moves: tuple[tuple[int, int, bool], ...]  # (first, last) token of each operand bound first; a plain ref?
    withs: tuple[int, int] | None  # (first, last) token of the statement's `with` modifiers
    close: int  # a body written without braces: the offset after its end, where its brace closes; else -1


def package_refs(modules: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """For each module, the bare names that are refs in it: the rules of its package (in any of the modules)
    and its own imports."""
    infos = {name: scan_module(source) for name, source in modules.items()}
    rules: dict[str, set[str]] = {}
    for info in infos.values():
        rules.setdefault(info.package, set()).update(info.rules)
    return {name: frozenset(rules[info.package] | info.import_aliases) for name, info in infos.items()}


def bind_negated_operands(source: str, names: Iterable[str] | None = None) -> str:
    """``source`` with the operands OPA binds outside each negation bound before it, on its line. ``names``: the
    package's rules and the module's imports (default: the module's own)."""
    out = source
    for start, end, text, _ in reversed(_edits(source, _names(source, names)) if "not" in source else ()):
        out = out[:start] + text + out[end:]
    return out


def original_column(source: str, names: Iterable[str] | None, line: int, column: int) -> int:
    """The column in ``source`` of ``line``:``column`` (1-based) of :func:`bind_negated_operands`' text, whose lines
    are the same: a place in a binding is its operand's own place, one in a bound name or a brace the operand's or
    the ``not``'s."""
    if "not" not in source:
        return column
    edits = _edits(source, _names(source, names))
    bound = bind_negated_operands(source, names)
    wanted = _line_start(bound, line) + column - 1
    shift = 0
    for start, end, text, anchors in edits:
        if wanted < start + shift:
            break
        if wanted < start + shift + len(text):
            at = wanted - start - shift
            place = next((origin + min(at - inside, length) for inside, origin, length in reversed(anchors)
                          if inside <= at), start)
            return place - _line_start(source, line) + 1
        shift += len(text) - (end - start)
    return wanted - shift - _line_start(source, line) + 1


def _line_start(text: str, line: int) -> int:
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at) + 1
    return at


@functools.lru_cache(maxsize=64)
def _edits(source: str, names: frozenset[str]) -> tuple[tuple[int, int, str, tuple[_Anchor, ...]], ...]:
    """(start, end, text put there, anchors) of each edit, in order; an anchor (offset in the text, offset in
    ``source``, length) maps the text from there to ``source`` from there, for ``length`` characters (a binding's
    copy of its operand), and the rest to that place."""
    toks = tokens(source)
    spelled = {tok.text for tok in toks if tok.kind == "ident"}
    edits: list[tuple[int, int, str, tuple[_Anchor, ...]]] = []
    for negation in _analysed(source, names)[0]:
        withs = "" if negation.withs is None else " " + _flat(source, toks, *negation.withs)
        bindings = "{ " if negation.close >= 0 else ""
        anchors: list[_Anchor] = []
        for first, last, _ in negation.moves:
            start, end = toks[first].offset, _end(toks[last])
            name = f"{PREFIX}{start}"
            while name in spelled:
                name += "_"
            anchors += [(len(bindings), negation.at, 0), (len(bindings) + len(name) + 4, start, end - start)]
            bindings += f"{name} := {_flat(source, toks, first, last)}{withs}; "
            anchors.append((len(bindings) - len(withs) - 2, negation.at, 0))
            # The line breaks of the operand stay where they were (inside brackets: refused elsewhere).
            edits.append((start, end, name + "\n" * source.count("\n", start, end), ((0, start, 0),)))
        edits.append((negation.at, negation.at, bindings, tuple(anchors)))
        if negation.close >= 0:
            edits.append((negation.close, negation.close, " }", ((0, negation.close, 0),)))
    return tuple(sorted(edits, key=lambda e: (e[0], e[1])))


def moved_names(source: str, names: Iterable[str] | None = None) -> frozenset[int]:
    """Offsets of the bracket names (``_``, ``i`` of ``x[i]``) that :func:`bind_negated_operands` moves before a
    ``not`` where regopy binds them: in a ref bound as it is (``__n := input.rs[_].name``), or in a nested call
    whose binding ``regopy_hoist`` then hoists the ref out of (``__n := lower(input.rs[_].name)``). Not in an
    ``every`` body, where regopy 1.5.2 stops a body iterating beside a ``not`` ("Recursion detected in rule
    body", measured, also for ``some n in xs``)."""
    names = _names(source, names)
    negations = _analysed(source, names)[0]
    if not negations:
        return frozenset()
    toks = tokens(source)
    starts = [tok.offset for tok in toks]
    plain = {toks[first].offset for negation in negations for first, _, as_is in negation.moves if as_is}
    in_every = {negation.at for negation in negations if any(
        toks[o].text == "{" and every_body(source, toks, o)
        for o in enclosing_openers(toks, bisect.bisect_left(starts, negation.at)))}
    hoisted = hoisted_names(bind_negated_operands(source, names))
    moved: set[int] = set()
    shift = 0  # how far the edits before this one moved the text
    for start, end, text, anchors in _edits(source, names):
        for inside, origin, length in anchors if start not in in_every else ():
            copied = text[inside:inside + length] == source[origin:origin + length]  # the same characters
            for k in range(bisect.bisect_left(starts, origin), bisect.bisect_left(starts, origin + length)):
                if length and toks[k].kind == "ident" and toks[k - 1].text == "[" and toks[k + 1].text == "]" and (
                        origin in plain or (copied and start + shift + inside + starts[k] - origin in hoisted)):
                    moved.add(starts[k])
        shift += len(text) - (end - start)
    return frozenset(moved)


def negated_operand_refusals(source: str, names: Iterable[str] | None = None) -> list[tuple[int, str]]:
    """(offset, message) of each negation whose operands OPA binds outside it, where that cannot be written."""
    if "not" not in source:
        return []
    return list(_analysed(source, _names(source, names))[1])


def _names(source: str, names: Iterable[str] | None) -> frozenset[str]:
    if names is None:
        info = scan_module(source)
        names = set(info.rules) | info.import_aliases
    return frozenset(names)


@functools.lru_cache(maxsize=64)
def _analysed(source: str, names: frozenset[str]) -> tuple[tuple[_Negation, ...], tuple[tuple[int, str], ...]]:
    toks = tokens(source)
    statements = list(rule_statements(source, toks, rules_only=True))
    found: list[_Negation] = []
    refused: list[tuple[int, str]] = []
    for not_at, last in negated_expressions(source, toks):
        statement = next(((s, e) for s, e in statements if s <= not_at < e), None)
        if statement is None:
            continue
        refs = (names - _locals(toks, *statement)) | {"input", "data"}
        moves = _Operands(toks, refs).of_expression(not_at + 1, last)
        if moves is None:
            refused.append((toks[not_at].offset, _message(
                f"it is no expression natpolicy can read, or nests brackets over {_MAX_NESTING} deep")))
            continue
        if not moves:
            continue
        withs = _with_modifiers(source, toks, not_at, last)
        why = _unwritable(source, toks, not_at, moves, withs)
        if why:
            refused.append((toks[not_at].offset, _message(why)))
            continue
        braceless = toks[not_at - 1].text == "if" and toks[not_at - 1].depth == 0
        end = withs[1] if withs else last
        found.append(_Negation(toks[not_at].offset, tuple(moves), withs, _end(toks[end]) if braceless else -1))
    return tuple(found), tuple(refused)


def _message(why: str) -> str:
    return (f"a negated expression whose operands OPA binds outside the `not` (a call's refs, nested calls), which "
            f"natpolicy cannot write so here: {why}; bind the operands first (`v := input.x` then `not f(v)`)")


def _unwritable(source: str, toks: list[Token], not_at: int, moves: list[tuple[int, int, bool]],
                withs: tuple[int, int] | None) -> str:
    """Why the bindings cannot go on the ``not``'s own line, or ""."""
    spans = [(first, last) for first, last, _ in moves] + ([withs] if withs else [])
    for first, last in spans:
        if any("\n" in tok.text for tok in toks[first:last + 1]):
            return "a text holding a line break"
    for first, last, _ in moves:
        if toks[first].depth == toks[not_at].depth and "\n" in source[toks[first].offset:_end(toks[last])]:
            return "an operand written over several lines outside brackets"
    return ""


def _with_modifiers(source: str, toks: list[Token], not_at: int, last: int) -> tuple[int, int] | None:
    """(first, last) token of the ``with ... as ...`` modifiers after the negated expression ending at ``last``."""
    if last + 1 >= len(toks) or toks[last + 1].text != "with":
        return None
    base, j = toks[not_at].depth, last + 1
    while j + 1 < len(toks) and toks[j + 1].depth >= base:
        nxt = toks[j + 1]
        if nxt.depth == base and (nxt.text in (";", "else") or new_statement(source, toks, j + 1)):
            break
        j += 1
    return last + 1, j


def _locals(toks: list[Token], start: int, end: int) -> set[str]:
    """Names the rule declares locally (its parameters, ``:=``, ``some``, ``every``): variables, not refs."""
    body = next((k for k in range(start, end) if toks[k].depth == 0 and opens_body(toks, k)), end)
    found = parameter_names(toks, start, body)
    for k in range(body, end):
        tok = toks[k]
        if tok.kind != "ident" or toks[k - 1].text == ".":
            continue
        j = k
        while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind == "ident":
            j -= 2
        if (k + 1 < end and toks[k + 1].text == ":=") or declared_name(toks, k) or toks[j - 1].text in (
                "some", "every"):
            found.add(tok.text)
    return found


def _end(tok: Token) -> int:
    return tok.offset + len(tok.text)


def _flat(source: str, toks: list[Token], first: int, last: int) -> str:
    """The text of ``toks[first:last + 1]`` on one line: comments left out, any gap one space."""
    out = toks[first].text
    for k in range(first + 1, last + 1):
        out += (" " if toks[k].offset > _end(toks[k - 1]) else "") + toks[k].text
    return out


class _Operands:
    """The operands of one expression that OPA binds before it: (first, last) token of each, and whether it is
    a ref bound as it is (``False``: a nested call, or an infix expression, which is one)."""

    def __init__(self, toks: list[Token], refs: frozenset[str] | set[str]) -> None:
        self.toks = toks
        self.refs = refs
        self.moves: list[tuple[int, int, bool]] = []
        self.too_deep = False  # collections nested past _MAX_NESTING: read no further (each level recurses)

    def of_expression(self, a: int, b: int) -> list[tuple[int, int, bool]] | None:
        """The moves of the expression ``toks[a:b + 1]`` (after its ``not``); None where it cannot be read."""
        # `not (x > 1)`: OPA's parser makes the call in parentheses the expression.
        a, b = unparenthesized(self.toks, a, b)
        split = split_infix(self.toks, a, b)
        if split is None:
            return None
        ops = split[1]
        if not ops:
            if self._call_term(a, b):
                for first, last in self._arguments(a, b):
                    self._call_operand(first, last)
            else:
                self._unify_operand(a, b)
            return None if self.too_deep else self.moves
        top = top_operator(self.toks, ops)
        level = operator_level(self.toks[top])
        text = self.toks[top].text
        if text == ":=" or (text == "," and level == 1) or self.toks[top].kind == "number":
            return None  # no expression OPA reads (`not x := 1`), or `k, v in` / a sign read as a minus
        if level == 1:  # membership is a call: `x in xs`, `k, v in xs`
            if any(op > top for op in ops if self.toks[op].text == ","):
                return None
            keys = [op for op in ops if op < top and self.toks[op].text == ","]
            for first, last in zip([a] + [op + 1 for op in keys], [op - 1 for op in keys] + [top - 1], strict=True):
                self._call_operand(first, last)
            self._call_operand(top + 1, b)
        elif text in ("=", "=="):  # a unification (`==` is made one: RewriteEquals)
            self._unify_operand(a, top - 1)
            self._unify_operand(top + 1, b)
        else:
            self._call_operand(a, top - 1)
            self._call_operand(top + 1, b)
        return None if self.too_deep else self.moves

    def _call_operand(self, a: int, b: int) -> None:
        """An operand of a call (rewriteDynamicsOne): a ref or a nested call is bound; a collection's elements
        are looked into; a guard of natpolicy's is looked through."""
        a, b = unparenthesized(self.toks, a, b)
        if a > b or self.too_deep:
            return
        if self.toks[a].depth > _MAX_NESTING:
            self.too_deep = True
            return
        split = split_infix(self.toks, a, b)
        if split is None or split[1]:
            self.moves.append((a, b, False))  # an infix expression is a nested call
        elif self._call_term(a, b):
            if self.toks[a].text.startswith(GUARD_PREFIX):
                for first, last in self._arguments(a, b):
                    self._call_operand(first, last)
            else:
                self.moves.append((a, b, False))
        elif self._ref(a, b):
            self.moves.append((a, b, True))
        else:
            for first, last in self._elements(a, b):
                self._call_operand(first, last)

    def _unify_operand(self, a: int, b: int) -> None:
        """An operand of a unification or a bare term (rewriteDynamicsInTerm): a nested call is bound, and so are
        the brackets of a ref and the elements of a collection; a ref itself stays."""
        a, b = unparenthesized(self.toks, a, b)
        if a > b:
            return
        split = split_infix(self.toks, a, b)
        if split is None or split[1] or self._call_term(a, b):
            self.moves.append((a, b, False))
        elif self._ref(a, b):
            depth = self.toks[a].depth
            k = a
            while k <= b:
                if self.toks[k].text == "[" and self.toks[k].depth == depth and k > a:
                    close = matching_close(self.toks, k) or b
                    self._call_operand(k + 1, close - 1)
                    k = close
                k += 1
        else:
            for first, last in self._elements(a, b):
                self._call_operand(first, last)

    def _call_term(self, a: int, b: int) -> bool:
        """``f(...)`` / ``a.b.f(...)`` spanning ``toks[a:b + 1]`` exactly."""
        toks = self.toks
        if toks[a].kind != "ident" or toks[b].text != ")":
            return False
        k = dotted_end(toks, a, b + 1)
        return k + 1 < b and toks[k + 1].text == "(" and matching_close(toks, k + 1) == b

    def _arguments(self, a: int, b: int) -> list[tuple[int, int]]:
        opener = next(k for k in range(a, b) if self.toks[k].text == "(")
        return self._separated(opener, b, ",")

    def _ref(self, a: int, b: int) -> bool:
        """A ref: a name with a key or a bracket after it, or a name of the package, ``input`` or ``data``."""
        toks = self.toks
        if toks[a].kind != "ident" or toks[a].text in _SCALARS:
            return False
        return a < b or toks[a].text in self.refs

    def _elements(self, a: int, b: int) -> list[tuple[int, int]]:
        """The elements of an array, set or object literal spanning ``toks[a:b + 1]`` (an object's keys and values
        alike); none for anything else, a comprehension (a query of its own, always defined) included."""
        toks = self.toks
        if toks[a].text not in ("[", "{") or matching_close(toks, a) != b or b == a + 1:
            return []
        inner = toks[a].depth + 1
        if any(t.text == "|" and t.depth == inner for t in toks[a + 1:b]):
            return []
        out = []
        for first, last in self._separated(a, b, ","):
            colon = next((k for k in range(first, last + 1) if toks[k].text == ":" and toks[k].depth == inner), None)
            out += [(first, colon - 1), (colon + 1, last)] if colon is not None else [(first, last)]
        return out

    def _separated(self, opener: int, close: int, by: str) -> list[tuple[int, int]]:
        inner = self.toks[opener].depth + 1
        out, first = [], opener + 1
        for k in range(opener + 1, close + 1):
            if k == close or (self.toks[k].text == by and self.toks[k].depth == inner):
                if first <= k - 1:
                    out.append((first, k - 1))
                first = k + 1
        return out
