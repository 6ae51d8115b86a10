"""Variables regopy 1.5.2 never binds: a first occurrence inside a call's argument or a collection literal.

OPA binds a variable wherever it first occurs in a body: ``startswith(input.rs[i].type, "aws_")``
iterates ``i`` over the resources, and so does ``[input.arr[i]] == ["a"]`` or ``v := {"k": input.arr[i]}``.
regopy binds nothing there, so the body never matches and the rule is silently undefined
(measured, with ``i`` declared by ``some i`` or by nothing). A variable bound before the call or
literal (``input.rs[i]; startswith(input.rs[i].type, "a")``, a function's argument) is matched, and
so is one bound inside a comprehension's own body. ``_`` inside a call is ``guards``' own check, and
``_`` inside a literal fails to compile on regopy ("Invalid bracket argument"), loud already.

Most such refs ``regopy_hoist`` binds before their statement, as OPA's compiler does, and regopy then answers
as OPA, and so does a ref that is a call's operand under ``not``, which ``negated_operands`` binds before the
``not`` as OPA does (``moved_names``); what is refused here is what both leave in place, with its reason (under
``not``, with ``with``, in an ``every``, a head, a ref inside another ref's brackets or one it cannot move), and a
variable only a rule's head binds inside a call, a literal or another ref's brackets there. An operand of
``+ - * /`` counts as a call's argument: ``regopy_arith`` makes the operator one.

A rule's head term that reads such a variable (conftest's own example: ``deny contains sprintf("%s",
[input.Resources[i].Type]) if { ... }``) is moved to the end of its body first (``move_head_terms``), as OPA's
compiler moves a head's calls and refs (``rewriteExprTermsInHead``, ``rewriteRefsInHead``), so that the body
binds the variable as any other; the check then reads the moved text. OPA's ``WalkRules`` visits ``rule.Else``
too, so each branch of an ``else`` chain gets its own term, in its own body (a bodyless ``else`` has the body
``true``), and the check reads each branch alone: a name another branch binds is unbound in this one.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import NamedTuple

from natpolicy.rego.negated_operands import moved_names
from natpolicy.rego.regopy_head_keys import joinable, ref_head_moves
from natpolicy.rego.regopy_hoist import hoisted_names, unhoisted, unhoisted_operands
from natpolicy.rego.rule_scope import (
    in_comprehension_body,
    in_comprehension_head,
    opens_body,
    parameter_list,
    parameter_names,
)
from natpolicy.rego.source import NOT_VARIABLES, Token, apply_edits, comments, dotted_start, matching_close, tokens
from natpolicy.rego.static_checks import declared_name, may_bind, rule_statements

__all__ = ["first_bound_inside", "move_head_terms", "HEAD_TERM"]

HEAD_TERM = "__natpolicy_head"  # the name a moved head term is bound to (a policy cannot write `__natpolicy_`)


def first_bound_inside(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each variable whose first occurrence in a body is a bracket inside a call's
    argument or a collection literal, once the head terms are moved (move_head_terms)."""
    edits = _head_moves(source)
    if edits:
        yield from _moved_findings(source, edits, package_names)
        return
    toks = tokens(source)
    hoisted, left, operands = hoisted_names(source), unhoisted(source), unhoisted_operands(source)
    hoisted |= moved_names(source, package_names)  # bound before its `not` as OPA does (negated_operands)
    for start, end in rule_statements(source, toks, rules_only=True):
        parameters = parameter_names(toks, start, end)
        elses = [k for k in range(start, end) if toks[k].depth == 0 and toks[k].text == "else"]
        # Each branch of an `else` chain on its own, as OPA's compiler reads it (WalkRules visits every `else`;
        # its safety check reads each body alone): a name bound in another branch is unbound in this one.
        for first, stop in zip([start, *elses], [*elses, end], strict=True):
            yield from _branch_findings(toks, (start, first, stop), parameters, package_names,
                                        (hoisted, left, operands))


def _branch_findings(toks: list[Token], span: tuple[int, int, int], parameters: set[str], package_names: set[str],
                     hoist: tuple[AbstractSet[int], Mapping[int, str], Mapping[int, str]]
                     ) -> Iterator[tuple[int, str]]:
    """first_bound_inside's findings in one branch ``toks[first:stop]`` of the rule starting at ``start``."""
    start, first, stop = span
    hoisted, left, operands = hoist
    body = next((k for k in range(first, stop) if toks[k].depth == 0 and opens_body(toks, k)), stop)
    seen = set(parameters)
    head_brackets: list[int] = []
    bound: set[str] = set(seen)
    for k in range(first, stop):
        tok = toks[k]
        if tok.kind != "ident":
            continue  # only a name is a variable (checked first: the tests below walk the brackets)
        if k < body and not in_comprehension_body(toks, k):
            # The head: its names are the rule's output, bound by the body (or its arguments); a ref in it
            # (`contains [input.arr[i], i]`) OPA moves into the body, where it binds.
            if _bracket_variable(toks, k) and tok.text not in NOT_VARIABLES:
                head_brackets.append(k)
            continue
        if tok.kind != "ident" or tok.text in NOT_VARIABLES or tok.text in package_names \
                or (k > 0 and toks[k - 1].text == "."):
            continue
        if declared_name(toks, k) or in_comprehension_head(toks, k):
            continue  # `some i` declares and a comprehension's head reads: neither binds
        # A name in its own ref's brackets (x[i]) is read from that bracket: it is no outer ref's.
        binds = may_bind(toks, k, start, package_names)
        if binds and not _enclosing(toks, k - 1 if _bracket_variable(toks, k) else k, start):
            bound.add(tok.text)
        if tok.text in seen:
            continue
        if not _bracket_variable(toks, k):
            # A read that cannot bind (`i > 0`) leaves the name to its first binding: in `i > 0;
            # v := {"t": xs[i]}` OPA binds i in the literal, which regopy never does (it answered nothing).
            if binds:
                seen.add(tok.text)
            continue
        seen.add(tok.text)
        # An operand of + - * / is a call's argument once regopy_arith has rewritten the operator.
        inside = _enclosing(toks, k - 1, start) or ("arithmetic (`+ - * /`)" if tok.offset in operands else "")
        if inside and tok.offset not in hoisted:
            why = left.get(tok.offset, "where natpolicy cannot bind it first")
            place = inside if why.endswith(inside) else f"{inside}, {why}"
            yield tok.offset, (f"`{tok.text}` is first bound inside {place}: regopy 1.5.2 never binds a "
                               "variable there and natpolicy binds it before its statement only elsewhere, so "
                               "the rule would be silently undefined, where OPA binds it; bind it first "
                               f"(`some {tok.text}; x[{tok.text}]`, or `v := x[{tok.text}]`) or run on regorus")
    for k in head_brackets:
        name = toks[k].text
        inside = _enclosing(toks, k - 1, start) or _head_operand(toks, k, first, body)
        if name not in bound and name not in package_names and inside:
            yield toks[k].offset, (f"`{name}` is bound only by the rule's head, inside {inside}: "
                                   "regopy 1.5.2 never binds it there, so the rule would be silently undefined, "
                                   f"where OPA binds it; bind it in the body (`some {name}; x[{name}]`) or run "
                                   "on regorus")


def _head_operand(toks: list[Token], k: int, start: int, body: int) -> str:
    """What encloses the head's bracket variable at ``k`` when its ref sits beside ``+ - * /`` in the head:
    regopy_arith makes the operator a call, whose argument regopy never binds (``x contains input.rs[i].n + i if
    { i > 0 }`` answered empty, where OPA moves the sum into the body and binds ``i``: ``--heads``)."""
    level = toks[k].depth - 1
    if any(toks[j].depth == level and toks[j].kind == "op" and toks[j].text in "+-*/" for j in range(start + 1, body)):
        return "arithmetic (`+ - * /`)"
    return ""


def _moved_findings(original: str, edits: list[_Edit], package_names: set[str]) -> Iterator[tuple[int, str]]:
    """first_bound_inside of the text with its head terms moved, each offset given in ``original``: a moved
    term's at its head, any other at its line's start (the move keeps every line)."""
    source = apply_edits(original, [edit[:3] for edit in edits])
    starts = [0] + [n + 1 for n, c in enumerate(original) if c == "\n"]
    moved: list[tuple[int, int, int]] = []  # (start, end) of each moved term in `source`, its head's offset
    delta = 0
    for start, end, text, terms in sorted(edits):
        for head, term_at, size in terms:  # the term as long as in the head (its line breaks became spaces)
            moved.append((start + delta + term_at, start + delta + term_at + size, head))
        delta += len(text) - (end - start)
    for offset, message in first_bound_inside(source, package_names):
        yield next((head + offset - begin for begin, stop, head in moved if begin <= offset < stop),
                   starts[source.count("\n", 0, offset)]), message


def move_head_terms(source: str) -> str:
    """``source`` with the head term of each rule ``NAME contains TERM if { BODY }`` (or ``NAME := TERM``,
    ``NAME = TERM``, a function's ``f(a) := TERM``, and each ``else := TERM`` of a chain) whose term reads a
    bracket variable inside a call or a collection literal bound to ``__natpolicy_head`` at the end of its own
    branch's body, on that body's last line; every line keeps its number."""
    edits = _head_moves(source)
    return apply_edits(source, [edit[:3] for edit in edits]) if edits else source


class _Edit(NamedTuple):
    """An edit of move_head_terms: ``text`` replaces ``source[start:end]``; ``moved`` holds, for each moved term it
    writes, the term's offset in its head, its offset in ``text`` and its length (a partial object's key and value
    are bound in one text)."""
    start: int
    end: int
    text: str
    moved: tuple[tuple[int, int, int], ...] = ()


class _Branch(NamedTuple):
    """One branch of a rule (its head, or an ``else``), as token indexes: its value term is
    ``toks[term:stop]`` (empty: none), ``when`` its ``if`` (-1: no body), ``close`` the ``}`` of a braced body
    (-1: ``if EXPR``, or none), ``end`` just past the branch."""
    term: int
    stop: int
    when: int
    close: int
    end: int


def _branches(toks: list[Token], start: int, end: int) -> list[_Branch]:
    """The branches of the rule statement ``toks[start:end]`` whose value OPA's compiler may move: a complete rule
    or partial set (``x := T``, ``x = T``, ``x contains T``) or a function (``f(a) := T``), with each ``else`` of
    its chain; none for a ref head (``a.b contains``), a partial object or what this reader cannot follow."""
    if end < len(toks) and toks[end].text in ("if", "else"):
        return []  # a line starting with `if` continues the head above, which rule_statements ends there
    parameters = parameter_list(toks, start, end)
    assign = parameters[1] + 1 if parameters else start + 1
    if assign >= end or toks[assign].text not in ((":=", "=") if parameters else ("contains", ":=", "=")):
        return []
    out: list[_Branch] = []
    term = assign + 1
    while True:
        stop = next((k for k in range(term, end) if toks[k].depth == 0 and toks[k].text in ("if", "else")), end)
        when, close, after = -1, -1, stop
        if stop < end and toks[stop].text == "if":
            when = stop
            if stop + 1 < end and toks[stop + 1].text == "{":
                close = matching_close(toks, stop + 1) or -1
                if close < 0 or close >= end:
                    return []
                after = close + 1
            else:  # `if EXPR`: the expression runs to the next `else` or the statement's end
                after = next((k for k in range(stop + 1, end) if toks[k].depth == 0 and toks[k].text == "else"), end)
                if after == stop + 1:
                    return []
        out.append(_Branch(term, stop, when, close, after))
        if after >= end:
            return out
        if toks[after].text != "else":
            return []  # something this reader does not follow: left as written
        term = after + 2 if after + 1 < end and toks[after + 1].text in (":=", "=") else after + 1
        if term >= end or (term == after + 1 and toks[term].text != "if"):
            return []  # `else := ` at the end, or an `else {`: not a chain this reader follows


def _head_moves(source: str) -> list[_Edit]:
    """move_head_terms' edits, each branch's term bound in its own body (OPA's compiler walks every ``else`` of
    a chain: ``WalkRules`` in v1/ast/visit.go visits ``rule.Else``, and ``rewriteExprTermsInHead`` appends a
    branch's moved calls to that branch's own body)."""
    toks = tokens(source)
    notes = [offset for offset, _ in comments(source)]
    edits: list[_Edit] = []
    for start, end in rule_statements(source, toks, rules_only=True):
        # A partial object's key and value, a ref head's bracket keys (regopy_head_keys: `y[input.rs[i].s] := 1`)
        edits.extend(_Edit(*edit) for edit in ref_head_moves(source, toks, start, end, notes))
        parameters = parameter_names(toks, start, end)
        for n, branch in enumerate(_branches(toks, start, end)):
            if branch.stop <= branch.term or (n == 0 and branch.when < 0):
                continue  # `else if { ... }`: no value (true); a rule of no body and no `else`: regopy binds it
            first, last = toks[branch.term], toks[branch.stop - 1]
            stop = last.offset + len(last.text)
            term = source[first.offset:stop]
            # A sum is a call too (OPA's parser makes `+` one, and rewriteExprTermsInHead moves it as any call).
            reads = any(_bracket_variable(toks, k) and toks[k].text not in parameters
                        and (_enclosing(toks, k - 1, start) or _head_operand(toks, k, branch.term - 1, branch.stop))
                        for k in range(branch.term, branch.stop))  # a function's parameter is bound: left
            if not reads or not joinable(source, toks, (branch.term, branch.stop), notes):
                continue  # nothing regopy leaves unbound; or a raw string, comment or comprehension's statements a
                # joined line would break
            edits.extend(_branch_edits(source, toks, branch, term))
    return edits


def _branch_edits(source: str, toks: list[Token], branch: _Branch, term: str) -> list[_Edit]:
    """The edits binding ``term`` (the branch's value) to HEAD_TERM at the end of the branch's body: a braced
    body gets it before its ``}``, ``if EXPR`` becomes ``if { EXPR; HEAD := TERM }``, and a branch with no
    body (OPA's parser gives it the body ``true``) gets ``if { HEAD := TERM }`` after the name."""
    first, last = toks[branch.term], toks[branch.stop - 1]
    stop = last.offset + len(last.text)
    joined, breaks = term.replace("\n", " "), "\n" * term.count("\n")
    bound = f"{HEAD_TERM} := {joined}"
    if branch.when < 0:
        text = f"{HEAD_TERM} if {{ {bound} }}{breaks}"
        return [_Edit(first.offset, stop, text, ((first.offset, text.index(" := ") + 4, len(term)),))]
    edits = [_Edit(first.offset, stop, HEAD_TERM + breaks)]
    if branch.close < 0:  # `if EXPR`
        after_if = toks[branch.when].offset + 2
        tail = toks[branch.end - 1]
        text = f"; {bound} }}"
        return edits + [_Edit(after_if, after_if, " {"),
                        _Edit(tail.offset + len(tail.text), tail.offset + len(tail.text), text,
                              ((first.offset, text.index(" := ") + 4, len(term)),))]
    close = toks[branch.close].offset
    line_start = source.rfind("\n", 0, close) + 1
    sep = "; " if source[max(line_start, toks[branch.when + 1].offset + 1):close].strip() else ""
    text = f"{sep}{bound} "
    return edits + [_Edit(close, close, text, ((first.offset, text.index(" := ") + 4, len(term)),))]


def _bracket_variable(toks: list[Token], k: int) -> bool:
    """Is ``toks[k]`` a name alone in a ref's brackets (``x[k]``)?"""
    return toks[k].kind == "ident" and toks[k - 1].text == "[" and k + 1 < len(toks) and toks[k + 1].text == "]" \
        and _ref_bracket(toks, k - 1)


def _ref_bracket(toks: list[Token], k: int) -> bool:
    """Is the ``[`` at ``k`` a ref's bracket (``x[``, ``f(a)[``, ``]["``), not an array's?"""
    before = toks[k - 1]
    return (before.kind == "ident" and before.text not in NOT_VARIABLES) or before.text in ("]", ")", "}")


def _enclosing(toks: list[Token], bracket: int, rule_start: int) -> str:
    """"the argument of f(...)", "a collection literal" or "another ref's brackets" where the bracket at
    ``bracket`` sits inside one within its body (a rule's, an ``every``'s or a comprehension's); "" elsewhere.
    The rule's own name is no other ref (``x[input.idx[i]] := i``)."""
    k, depth = bracket, toks[bracket].depth
    nested = ""  # inside an outer ref's brackets (m[idx[i]]), where regopy binds nothing either, even after :=
    while depth > 0:
        opener = next((j for j in range(k - 1, -1, -1) if toks[j].depth == depth - 1
                       and toks[j].text in ("(", "[", "{")), None)
        if opener is None or opener == 0:
            return nested
        before = toks[opener - 1]
        if toks[opener].text == "(":
            # In a body, `contains(` is the builtin, not the keyword of a head.
            if before.kind == "ident" and (before.text not in NOT_VARIABLES or before.text == "contains"):
                return f"the argument of {_called_name(toks, opener - 1)}(...)"
        elif toks[opener].text == "[" and _ref_bracket(toks, opener):
            if not _names_the_rule(toks, rule_start, opener):
                nested = "another ref's brackets"  # a bracket of an outer ref: a[b[i]]
        elif toks[opener].text == "{" and (before.text in ("if", "else", ")", "]")
                                           or (before.kind == "ident" and before.text not in NOT_VARIABLES)):
            return nested  # a body: a rule's, an `else`'s or an `every`'s
        else:
            close = matching_close(toks, opener) or len(toks)
            if any(t.text == "|" and t.depth == toks[opener].depth + 1 for t in toks[opener + 1:close]):
                return nested  # a comprehension: its body binds its own variables
            return "a collection literal"
        k, depth = opener, toks[opener].depth
    return nested


def _names_the_rule(toks: list[Token], rule_start: int, opener: int) -> bool:
    """Is the bracket at ``opener`` part of the rule's own name (``x[k]``, ``a.b[k]``), written before anything
    else of its head?"""
    return toks[opener].depth == 0 and all(t.depth > 0 or t.text in (".", "[", "]") or (
        t.kind == "ident" and t.text not in NOT_VARIABLES) for t in toks[rule_start:opener])


def _called_name(toks: list[Token], last: int) -> str:
    return "".join(t.text for t in toks[dotted_start(toks, last):last + 1])
