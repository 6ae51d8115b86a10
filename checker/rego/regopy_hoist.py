"""A ref whose variable is first bound inside a call's argument, a collection literal or arithmetic, bound
before its statement, so regopy 1.5.2 binds it as OPA does.

OPA binds a variable wherever it first occurs in a body: ``startswith(input.rs[i].type, "aws_")`` iterates
``i``. Its compiler gets there by hoisting every ref out of a call's arguments (and out of the arrays, objects
and sets among them) into a unification just before the expression (``rewriteDynamics``, stage
RewriteDynamicTerms: ``__local0__ = input.rs[i].type; startswith(__local0__, "aws_")``); arithmetic and
comparisons are calls there too. regopy binds nothing inside a call's argument or a literal (the rule is
silently undefined, measured), but it binds the same ref on the right of ``:=``. So the same hoist is done in
the source, for the refs holding a variable not bound before them (a first occurrence, a name only ``some``
declared, or ``_``), on the statement's own line::

    startswith(input.rs[i].type, "aws_")  ->  __natpolicy_h12 := input.rs[i].type; startswith(__natpolicy_h12, "aws_")

A read that cannot bind (``i > 0``) before the ref does not make the ref's variable bound: OPA's safety
reordering evaluates the binding first, and regopy reorders the read after the hoisted binding too (measured;
``i > 0; y := input.rs[i].n + 1`` answered nothing on regopy until 2026-12-07).

A ref undefined for some element (``type`` missing) leaves that element without a solution either way: the
call over an undefined argument is undefined, and so is the binding. The fresh name is one no identifier of the
module spells.

In a rule's body, an ``else`` body (OPA's compiler hoists there too: ``WalkRules`` walks the else chain), a body
written without braces (``p if f(x[i])``, braced around its one expression on its own lines) and a
comprehension's body. Left alone, and refused by ``regopy_first_binding`` / ``guards`` instead, where the hoist
would change what the statement means or cannot be written in place: a statement under ``not`` (a variable first
bound there is unsafe anyway, and ``_`` there is the negation's own; a call's ref operand there, which OPA
binds outside the negation, ``negated_operands`` has bound before the ``not`` already) or with ``with`` (the
binding would need the same ``with``); an ``every``, domain or body; a rule's head and a comprehension's head; a
ref inside another ref's brackets (``m[idx[i]]``, which regopy does not bind even after ``:=``), holding anything
but a name, string or number in a bracket, rooted at a call or a literal, or written over several lines.
"""
from __future__ import annotations

import functools

from natpolicy.records import record
from natpolicy.rego.rule_scope import in_comprehension_body, in_comprehension_head, opens_body, parameter_names
from natpolicy.rego.source import Token, apply_edits_as_listed, enclosing_openers, matching_close, tokens
from natpolicy.rego.static_checks import declared_name, may_bind, rule_statements

__all__ = ["Hoist", "every_body", "hoists", "hoist_first_bindings", "hoisted_names", "new_statement", "unhoisted",
           "unhoisted_operands"]

PREFIX = "__natpolicy_h"
_KEYWORDS = frozenset({"input", "data", "true", "false", "null", "some", "in", "not", "every", "if", "else",
                       "contains", "default", "with", "as", "import", "package"})
_UNMOVABLE = "in a ref rooted at a call or a literal, holding more than a name in a bracket, or written over lines"
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
# A line ending in one of these goes on, and so does a line starting with one of the second set.
_OPEN_END = frozenset({"not", "in", ",", "(", "[", "{", ":", "|", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+",
                       "-", "*", "/", "%", "&", "some", "every", "with", "as"})
_CONTINUED_BY = frozenset({"in", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+", "*", "/", "%", "&", "|", ".",
                           "with", "as"})


@record(frozen=True)
class Hoist:
    """One ref bound before its statement: inserted at ``at``, the ref's text ``start:end`` read from there."""

    at: int  # character offset of the statement's first token
    start: int  # the ref's span, in characters
    end: int
    names: tuple[int, ...]  # offsets of the bracket names it binds (what the guard no longer refuses)
    close: int = -1  # a body written without braces (`p if f(x[i])`): braces go at `at` and here, its end


def hoisted_names(source: str) -> frozenset[int]:
    """Offsets of every bracket name (``i`` of ``x[i]``) whose ref ``hoist_first_bindings`` binds first."""
    return frozenset(offset for hoist in hoists(source) for offset in hoist.names)


def unhoisted(source: str) -> dict[int, str]:
    """Offset of each bracket name holding a variable not bound before it whose ref is left in place, and why
    (``"under `not`"``): what the guard still refuses, worded."""
    return {offset: why for offset, why, _ in _analysed(source)[1]}


def unhoisted_operands(source: str) -> dict[int, str]:
    """The names of ``unhoisted`` whose ref is an operand of ``+ - * /`` (which regopy_arith makes a call, so
    regopy would not bind it there either), and why they are left in place."""
    return {offset: why for offset, why, operand in _analysed(source)[1] if operand}


def hoist_first_bindings(source: str) -> str:
    """``source`` with each ref of ``hoists`` bound to a fresh name before its statement, on the same line."""
    found = hoists(source)
    if not found:
        return source
    spelled = {tok.text for tok in tokens(source) if tok.kind == "ident"}
    edits: list[tuple[int, int, str]] = []
    bindings: dict[int, str] = {}  # a statement's start -> its bindings, the first ref bound first
    braced: set[int] = set()
    for hoist in found:
        name = f"{PREFIX}{hoist.start}"
        while name in spelled:
            name += "_"
        bindings[hoist.at] = bindings.get(hoist.at, "") + f"{name} := {source[hoist.start:hoist.end]}; "
        edits.append((hoist.start, hoist.end, name))
        if hoist.close >= 0 and hoist.at not in braced:
            braced.add(hoist.at)
            edits.append((hoist.close, hoist.close, " }"))
    edits += [(at, at, ("{ " if at in braced else "") + text) for at, text in bindings.items()]
    return apply_edits_as_listed(source, edits)


def hoists(source: str) -> list[Hoist]:
    """The refs to bind first, in source order: each holds a variable not bound before it, stands inside a call's
    argument, a collection literal or arithmetic, and may be hoisted in place (see the module's docstring)."""
    return list(_analysed(source)[0])


@functools.lru_cache(maxsize=64)
def _analysed(source: str) -> tuple[tuple[Hoist, ...], tuple[tuple[int, str, bool], ...]]:
    """(the hoists, (offset, why, an arithmetic operand?) of each unbound bracket name left in place); read by the
    guard and the rewrite alike."""
    toks = tokens(source)
    out: list[Hoist] = []
    left: list[tuple[int, str, bool]] = []
    for start, end in rule_statements(source, toks, rules_only=True):
        body = next((k for k in range(start, end) if toks[k].depth == 0 and opens_body(toks, k)), end)
        parameters = parameter_names(toks, start, body)
        seen = set(parameters)
        heads = [(start, body)] + [(j, _body_after(toks, j, end)) for j in range(body, end)
                                   if toks[j].text == "else" and toks[j].depth == 0]
        refs: dict[tuple[int, int], list[int]] = {}  # (first, last) token of a ref -> its unbound bracket names
        for k in range(start, end):
            tok = toks[k]
            if tok.text == "else" and tok.depth == 0:
                # Each branch binds its own variables (OPA's safety check reads each else body on its own): a name
                # met in an earlier branch, whose body failed before binding it, is unbound here (regopy answered
                # `x := 1 if { false; input.rs[i].s == "C" } else := 3 if { h := [lower(input.rs[i].s)] }`
                # undefined, where OPA answers 3).
                seen = set(parameters)
            if tok.kind != "ident" or tok.text in _KEYWORDS or (k > 0 and toks[k - 1].text == "."):
                continue
            if any(lo <= k < hi for lo, hi in heads) and not in_comprehension_body(toks, k):
                continue  # a head (the rule's or an `else`'s): its names are the output, bound by the body
            if declared_name(toks, k) or in_comprehension_head(toks, k):
                continue  # `some i` declares and a comprehension's head reads: neither binds
            first = tok.text not in seen or tok.text == "_"
            if first and tok.text != "_" and not _bracket_name(toks, k) and not may_bind(toks, k, start, set()):
                # A read that cannot bind (`i > 0`) leaves the name to its first binding, which OPA's safety
                # reordering evaluates first (regopy reorders a hoisted binding before it too; measured): in
                # `i > 0; y := input.rs[i].n + 1` OPA binds i in the sum, where regopy answered nothing.
                continue
            seen.add(tok.text)
            if first and _bracket_name(toks, k):
                span = _ref_span(toks, k - 1)
                if span is None:
                    left.append((tok.offset, _UNMOVABLE, False))
                else:
                    refs.setdefault(span, []).append(k)
        for (first_tok, last_tok), names in refs.items():
            point = _hoist_point(source, toks, first_tok, last_tok, (start, end))
            if isinstance(point, str):
                operand = _arithmetic_operand(toks, first_tok, last_tok)
                left.extend((toks[k].offset, point, operand) for k in names if point)
            else:
                ref_end = toks[last_tok].offset + len(toks[last_tok].text)
                out.append(Hoist(toks[point[0]].offset, toks[first_tok].offset, ref_end,
                                 tuple(toks[k].offset for k in names), point[1]))
    return tuple(sorted(out, key=lambda h: h.start)), tuple(left)


def _body_after(toks: list[Token], j: int, end: int) -> int:
    """The token opening the body after ``toks[j]`` (an ``else``), or ``end``."""
    return next((b for b in range(j + 1, end) if toks[b].depth == 0 and opens_body(toks, b)), end)


def _bracket_name(toks: list[Token], k: int) -> bool:
    """Is ``toks[k]`` a name alone in a ref's brackets (``x[k]``)?"""
    return 0 < k < len(toks) - 1 and toks[k - 1].text == "[" and toks[k + 1].text == "]" and _ref_bracket(toks, k - 1)


def _ref_bracket(toks: list[Token], k: int) -> bool:
    before = toks[k - 1] if k > 0 else None
    return before is not None and ((before.kind == "ident" and before.text not in _KEYWORDS - {"input", "data"})
                                   or before.text in ("]", ")", "}"))


def _ref_span(toks: list[Token], bracket: int) -> tuple[int, int] | None:
    """(first, last) token of the ref holding the bracket at ``bracket``, when it is one hoist may move: rooted at
    a name, its brackets holding one name, string or number each, on one line; None otherwise."""
    first = bracket - 1
    while True:
        if toks[first].text == "]":
            opener = next((j for j in range(first - 1, -1, -1) if toks[j].depth == toks[first].depth
                           and toks[j].text == "["), None)
            if opener is None or not _plain_bracket(toks, opener):
                return None
            first = opener - 1
        elif toks[first].kind == "ident" and toks[first].text not in _KEYWORDS - {"input", "data"}:
            if first >= 2 and toks[first - 1].text == "." and toks[first - 2].kind == "ident":
                first -= 2
            elif first >= 1 and toks[first - 1].text == "." and toks[first - 2].text == "]":
                first -= 2
            else:
                break
        else:
            return None  # rooted at a call, a literal or a comprehension
        if first < 0:
            return None
    if first > 0 and toks[first - 1].text == ".":
        return None
    last = bracket - 1
    while last + 1 < len(toks):
        nxt = toks[last + 1]
        if nxt.text == "[" and nxt.depth == toks[bracket].depth:
            if not _plain_bracket(toks, last + 1):
                return None
            last += 3
        elif nxt.text == "." and last + 2 < len(toks) and toks[last + 2].kind == "ident":
            last += 2
        else:
            break
    if toks[last].depth != toks[first].depth or any(t.text == "(" for t in toks[first:last + 1]):
        return None
    return first, last


def _plain_bracket(toks: list[Token], opener: int) -> bool:
    """``[name]``, ``["key"]`` or ``[0]``: one token between the brackets."""
    return opener + 2 < len(toks) and toks[opener + 2].text == "]" \
        and toks[opener + 1].kind in ("ident", "string", "number") and toks[opener + 1].text not in _KEYWORDS


def _hoist_point(source: str, toks: list[Token], first: int, last: int, rule: tuple[int, int]) -> tuple[int, int] | str:
    """(the first token of the statement the ref ``toks[first:last + 1]`` stands in, where binding it first keeps the
    statement's meaning (see the module's docstring); -1, or for a body written without braces the offset after its
    last token); where it must not be moved, why (or "" where it need not)."""
    rule_start = rule[0]
    if "\n" in source[toks[first].offset:toks[last].offset]:
        return _UNMOVABLE
    needed = _arithmetic_operand(toks, first, last)
    for opener in enclosing_openers(toks, first, rule_start - 1):
        tok = toks[opener]
        before = toks[opener - 1] if opener > 0 else None
        close = matching_close(toks, opener)
        if close is None:
            return _UNMOVABLE
        bar = next((j for j in range(opener + 1, close) if toks[j].text == "|" and toks[j].depth == tok.depth + 1),
                   None) if tok.text != "(" else None
        if bar is not None:  # a comprehension: its body is a query of its own, its head no place to bind in
            if first < bar:
                return "in a comprehension's head"
            return _in_body(_statement_start(source, toks, bar, first)) if needed else ""
        if tok.text == "(":
            if before is not None and before.kind == "ident" and (before.text not in _KEYWORDS or (
                    before.text == "contains" and tok.depth > 0)):  # in a body, `contains(` is the builtin
                needed = True  # a call's argument
            continue  # or parentheses around an expression
        if tok.text == "[" and _ref_bracket(toks, opener):
            # Inside another ref's brackets (m[idx[i]]) regopy binds nothing, not even after :=; and bound first
            # (k := idx[i]; m[k]), a key m lacks crashed regopy 1.5.2 (a segmentation fault, measured): left in place.
            return "inside another ref's brackets"
        if tok.text == "{" and tok.depth == 0 and (opens_body(toks, opener) or (before and before.text == "if")):
            # An `else` body too: OPA's compiler hoists there as well (WalkRules walks each rule's else chain).
            return _in_body(_statement_start(source, toks, opener, first)) if needed else ""
        if tok.text == "{" and every_body(source, toks, opener):
            return "in an `every` body"
        needed = True  # an array, object or set literal
    if_at = next((j for j in range(first - 1, rule_start - 1, -1) if toks[j].text == "if" and toks[j].depth == 0),
                 None)
    if if_at is None:
        return "in a rule's head"
    if not needed:
        return ""
    # A body written without braces is one expression, up to an `else` or the rule's end: braced around it.
    end = next((j for j in range(if_at + 1, rule[1]) if toks[j].text == "else" and toks[j].depth == 0), rule[1])
    if any(t.text == "with" and t.depth == 0 for t in toks[if_at + 1:end]):
        return "in a statement with `with`"
    if toks[if_at + 1].text in ("not", "every"):
        return "under `not`" if toks[if_at + 1].text == "not" else "in an `every`"
    return if_at + 1, toks[end - 1].offset + len(toks[end - 1].text)


def _in_body(start: int | str) -> tuple[int, int] | str:
    return start if isinstance(start, str) else (start, -1)


def _arithmetic_operand(toks: list[Token], first: int, last: int) -> bool:
    """Is the ref an operand of ``+ - * /`` (``%`` regopy computes natively)?"""
    before = toks[first - 1].text if first > 0 else ""
    after = toks[last + 1].text if last + 1 < len(toks) else ""
    return before in _ARITHMETIC or after in _ARITHMETIC


def every_body(source: str, toks: list[Token], opener: int) -> bool:
    """Is the ``{`` at ``opener`` (inside a body) the body of an ``every`` of its statement?"""
    depth = toks[opener].depth
    for j in range(opener - 1, -1, -1):
        tok = toks[j]
        if tok.depth < depth or (tok.depth == depth and tok.text == ";"):
            return False
        if tok.depth == depth and tok.text == "every":
            return True
        if tok.depth == depth and new_statement(source, toks, j):
            return False
    return False


def new_statement(source: str, toks: list[Token], j: int) -> bool:
    """Does ``toks[j]`` start a line that does not go on with the one above?"""
    return j > 0 and "\n" in source[toks[j - 1].offset:toks[j].offset] and toks[j - 1].text not in _OPEN_END \
        and toks[j].text not in _CONTINUED_BY


def _statement_start(source: str, toks: list[Token], opener: int, k: int) -> int | str:
    """The first token of the statement holding ``toks[k]`` in the body opened at ``opener`` (a ``{`` or a
    comprehension's ``|``); why not, for a statement a hoist must not precede (``not``, ``every``, ``with``)."""
    inner = toks[opener].depth + (1 if toks[opener].text == "{" else 0)
    start = opener + 1
    for j in range(opener + 1, k + 1):
        tok = toks[j]
        if tok.depth != inner:
            continue
        if tok.text == ";":
            start = j + 1
        elif j > start and new_statement(source, toks, j):
            start = j
    if start > k or toks[start].text in ("not", "every"):
        return "under `not`" if toks[start].text == "not" else "in an `every`"
    end = start
    while end < len(toks) and toks[end].depth >= inner:
        tok = toks[end]
        if tok.depth == inner and (tok.text == ";" or (end > start and new_statement(source, toks, end))):
            break
        if tok.depth == inner and tok.text in ("with", "every"):
            return "in a statement with `with`" if tok.text == "with" else "in an `every`"
        end += 1
    return start
