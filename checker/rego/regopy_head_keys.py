"""A partial object's key and value, and a ref head's bracket keys, moved into the body for regopy 1.5.2.

OPA's compiler moves every bracket of a rule's head ref that is neither a variable nor a scalar into the body
(``rewriteRuleHeadRefs`` in v1/ast/compile.go: ``p.q.r[y.z] { ... }`` becomes ``p.q.r[__local0__] { __local0__ =
y.z }``), and a head value that needs evaluating too (``rewriteRefsInHead``, ``rewriteExprTermsInHead`` for calls),
where the body binds their variables. regopy 1.5.2 reads ``y[input.rs[i].s] := 1`` as OPA when ``y`` is queried, but
``{}`` when another rule reads ``y`` (``y.a[...]``: ``{"a": {}}``); bound in the body (``y[__natpolicy_key] := 1 if
{ __natpolicy_key := input.rs[i].s }``) it answers ``{"c": 1}`` either way, as OPA (measured). So each bracket key
and value that computes (a call or a ref, ``regorus_heads.computes``, regorus' own rule) is bound at the end of the
body, the key first as OPA appends it first. Every line keeps its number: a moved term is written on one line and its
line breaks stay in the head. A rule with an ``else`` is left: OPA's parser refuses ``else`` on a head holding a
variable, and regopy refuses ``else`` on any partial object ("only one body for dynamic keys").
"""
from __future__ import annotations

from natpolicy.rego.regorus_heads import computes
from natpolicy.rego.source import Token, matching_close

__all__ = ["KEY", "VALUE", "joinable", "ref_head_moves"]

KEY, VALUE = "__natpolicy_key", "__natpolicy_value"  # a policy cannot write `__natpolicy_` names

# An edit: (start, end, text, moved), ``moved`` holding (the term's offset in its head, its offset in text, length).
Edit = tuple[int, int, str, tuple[tuple[int, int, int], ...]]


def joinable(source: str, toks: list[Token], span: tuple[int, int], notes: list[int]) -> bool:
    """Can the term ``toks[span[0]:span[1]]`` be written on one line? Not over lines holding a raw string, a
    comment or a comprehension's statements (a line break ends a statement in a comprehension's body)."""
    first, last = toks[span[0]], toks[span[1] - 1]
    stop = last.offset + len(last.text)
    term = source[first.offset:stop]
    return "\n" not in term or not ("`" in term or "|" in term or any(first.offset <= n < stop for n in notes))


def ref_head_moves(source: str, toks: list[Token], start: int, end: int, notes: list[int]) -> list[Edit]:
    """The edits moving the computing bracket keys and value of the rule ``toks[start:end]``, whose head is a ref
    with brackets (``y[K] := V``, ``y.a[K] := V``, ``y[K] contains V``), into its body; none for any other rule."""
    if (end < len(toks) and toks[end].text in ("if", "else")) \
            or any(toks[k].depth == 0 and toks[k].text == "else" for k in range(start, end)):
        return []  # a head this reader does not follow; or an else chain (refused, see the module's doc)
    k, brackets = start + 1, []
    while k < end:
        if toks[k].text == "." and k + 1 < end and toks[k + 1].kind == "ident":
            k += 2
        elif toks[k].text == "[" and toks[k].depth == 0:
            close = matching_close(toks, k)
            if close is None or close >= end or close == k + 1:
                return []
            brackets.append((k + 1, close))
            k = close + 1
        else:
            break
    if not brackets or k >= end or toks[k].text not in (":=", "=", "contains", "if"):
        return []
    when = next((j for j in range(k, end) if toks[j].depth == 0 and toks[j].text == "if"), end)
    terms = [(f"{KEY}{n or ''}", span) for n, span in enumerate(s for s in brackets if computes(toks[s[0]:s[1]]))]
    if toks[k].text != "if" and when > k + 1 and computes(toks[k + 1:when]):
        terms.append((VALUE, (k + 1, when)))
    if not terms or not all(joinable(source, toks, span, notes) for _, span in terms):
        return []
    return _edits(source, toks, terms, (when, end))


def _edits(source: str, toks: list[Token], terms: list[tuple[str, tuple[int, int]]], body: tuple[int, int]
           ) -> list[Edit]:
    """Each term replaced by its name (its line breaks kept after it), and all bound at the end of the body at
    ``body[0]`` (an ``if``; ``body[1]``, the statement's end: none, then ``if { ... }`` is written after the head)."""
    when, end = body
    placed: list[Edit] = []
    bound, moved = "", []
    for name, (first, stop) in terms:
        begin, finish = toks[first].offset, toks[stop - 1].offset + len(toks[stop - 1].text)
        term = source[begin:finish]
        placed.append((begin, finish, name + "\n" * term.count("\n"), ()))
        bound += "; " if bound else ""
        moved.append((begin, len(bound) + len(name) + 4, len(term)))
        bound += f"{name} := {term.replace(chr(10), ' ')}"
    if when >= end:  # no body: OPA's parser gives the rule the body `true`
        tail = toks[end - 1].offset + len(toks[end - 1].text)
        text = f" if {{ {bound} }}"
        inserted = [(tail, tail, text, tuple((h, at + 6, n) for h, at, n in moved))]
        if placed[-1][1] == tail:  # the value ends the statement: its name, the body, then its line breaks
            begin, _, name_breaks, _ = placed.pop()
            name = name_breaks.rstrip("\n")
            breaks = name_breaks[len(name):]
            inserted = [(begin, tail, name + text + breaks, tuple((h, at + len(name) + 6, n) for h, at, n in moved))]
        return placed + inserted
    if when + 1 < len(toks) and toks[when + 1].text == "{":
        close = matching_close(toks, when + 1)
        if close is None or close >= end:
            return []
        at = toks[close].offset
        line_start = source.rfind("\n", 0, at) + 1
        sep = "; " if source[max(line_start, toks[when + 1].offset + 1):at].strip() else ""
        return placed + [(at, at, f"{sep}{bound} ", tuple((h, a + len(sep), n) for h, a, n in moved))]
    if when + 1 >= end:
        return []
    after_if = toks[when].offset + 2  # `if EXPR` becomes `if { EXPR; BINDINGS }`
    tail = toks[end - 1].offset + len(toks[end - 1].text)
    closing = (tail, tail, f"; {bound} }}", tuple((h, a + 2, n) for h, a, n in moved))
    return placed + [(after_if, after_if, " {", ()), closing]
