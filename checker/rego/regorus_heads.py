"""Work around regorus' all-or-nothing partial-rule heads, by moving what a head computes into the body.

regorus 0.13.0 returns *no result at all* from a partial rule when the
expression in its head is undefined for one element
(``deny contains sprintf("%s", [r.tags.owner]) if { some r in input.rs }``
with one resource untagged), where OPA drops only that element. In a
security gate that lets one crafted resource hide every finding. Binding the
expression in the body is exact in OPA and in regorus, so the regorus engine
compiles each module after this rewrite:

    deny contains EXPR if { BODY }      ->  deny contains __natpolicy_head if { BODY; __natpolicy_head := (EXPR) }
    deny contains EXPR if COND          ->  deny contains __natpolicy_head if { COND; __natpolicy_head := (EXPR) }
    obj[KEY] := VALUE if { BODY }       ->  obj[__natpolicy_key] := __natpolicy_value if { BODY; ...both bound... }
    a.b[KEY] := VALUE if { BODY }       ->  the same (a ref head: regorus 0.13.0 answered `{"b": {}}`)
    a.b contains EXPR if { BODY }       ->  as `deny contains` (regorus answered `{"b": []}`)
    obj[KEY] := VALUE                   ->  obj[...] := __natpolicy_value if { __natpolicy_value := (VALUE) }

A head without a body has OPA's body ``true`` (parseRules), which the moved terms join (rewriteRefsInHead):
regorus stopped ``x[i] := input.a[i]`` ("var i is unsafe"), where the moved value binds ``i``, and answered ``x
contains input.a[i].k`` all or nothing as above. In a module read as Rego v0 the body opens with `` {`` alone.

Only heads that compute (a call or a reference) are rewritten. The binding
goes at the *end* of the body, where OPA evaluates a head: only once the body
holds. Bound first, a head that stops the query (natpolicy's `sprintf` refuses
`%v` of a document holding a non-integer number) stopped it for an input the
body rejects, where OPA answers (conftest's own `deny contains sprintf("...
%v", [input]) if { count(input.resource) == 0 }` stopped on every plan). The
rewrite keeps every line's number for error messages: the moved term is
written on one line (comments dropped) and the head keeps its line breaks; a
term holding a multi-line raw string is bound at the start of the body
instead. ``tests/test_rego_conformance.py`` holds the probes.
"""
from __future__ import annotations

import re

from natpolicy.rego.source import Token, apply_edits, dotted_end, matching_close, starts_line, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["bind_after", "bind_head", "bind_heads", "bodyless_end", "computes", "head_site", "moved_head", "end_of",
           "HEAD", "KEY", "VALUE"]

HEAD, KEY, VALUE = "__natpolicy_head", "__natpolicy_key", "__natpolicy_value"


def bind_heads(source: str, v0: bool = False) -> str:
    """``source`` with every computing partial-rule head bound in its body instead (``v0``: a module read as Rego
    v0, where a body written for a head without one opens without ``if``)."""
    toks = tokens(source)
    ends = dict(rule_statements(source, toks, rules_only=True))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    for i, tok in enumerate(toks):
        if tok.depth != 0 or tok.kind != "ident" or i + 1 >= len(toks) or not starts_line(source, tok):
            continue
        nxt = toks[i + 1]
        named = _ref_end(toks, i)  # `x contains`, and a ref head's `x.a contains` / `x["a"] contains`
        if named + 1 < len(toks) and toks[named + 1].text == "contains":
            term_end = _until_body(toks, named + 2, source)
            bodyless = term_end is None
            if bodyless:
                term_end = bodyless_end(toks, named + 2, ends.get(i))
            if term_end is None or not computes(toks[named + 2:term_end]):
                continue
            edits.append((toks[named + 2].offset, end_of(toks[term_end - 1]), HEAD))
            edits.extend(bind_after(toks, term_end - 1, [(HEAD, _text(source, toks, named + 2, term_end), 0)], v0)
                         if bodyless else
                         bind_head(source, toks, term_end, [(HEAD, *moved_head(source, toks, named + 2, term_end))]))
        elif nxt.text == "[" or _ref_bracket(toks, i) is not None:
            start = i
            i = _ref_bracket(toks, i) or i  # a ref head `x.a[KEY] := VALUE`: its last bracket, as `obj[KEY]`'s
            close = matching_close(toks, i + 1)
            if close is None or close + 1 >= len(toks):
                continue
            bindings: list[tuple[str, str, int]] = []
            # The key's edit waits until a body is found to bind it in: `q[input.b] := 2` has none, and a key
            # renamed but never bound was "var __natpolicy_key is unsafe" where OPA answers.
            placed: list[tuple[int, int, str]] = []
            key_toks = toks[i + 2:close]
            spans: list[tuple[str, int, int]] = []  # (name, first, end) of each moved term's tokens
            if computes(key_toks):
                bindings.append((KEY, *moved_head(source, toks, i + 2, close)))
                spans.append((KEY, i + 2, close))
                placed.append((toks[i + 2].offset, end_of(toks[close - 1]), KEY))
            body_at: int | None = close + 1
            last = close
            if toks[close + 1].text in (":=", "="):
                value_end = _until_body(toks, close + 2, source)
                # A head without a body (`x[i] := input.a[i]`) has the body `true` in OPA (parseRules), which the
                # moved terms join: regorus stopped ("var i is unsafe") where OPA binds i so.
                body_at = value_end
                if value_end is None:
                    value_end = bodyless_end(toks, close + 2, ends.get(start))
                if value_end is None:
                    continue
                if computes(toks[close + 2:value_end]):
                    bindings.append((VALUE, *moved_head(source, toks, close + 2, value_end)))
                    spans.append((VALUE, close + 2, value_end))
                    placed.append((toks[close + 2].offset, end_of(toks[value_end - 1]), VALUE))
                last = value_end - 1
            elif toks[close + 1].text not in ("if", "{"):
                continue
            if bindings:
                edits.extend(placed)
                edits.extend(bind_head(source, toks, body_at, bindings) if body_at is not None
                             else bind_after(toks, last, [(n, _text(source, toks, a, b), 0) for n, a, b in spans], v0))
    return apply_edits(source, edits)


def _ref_end(toks: list[Token], start: int) -> int:
    """The index of the last token of the rule name (a ref: ``x``, ``x.a``, ``x["a"].b``) starting at ``start``."""
    k = start
    while k + 1 < len(toks):
        if toks[k + 1].text == "." and k + 2 < len(toks) and toks[k + 2].kind == "ident":
            k += 2
        elif toks[k + 1].text == "[" and (close := matching_close(toks, k + 1)) is not None:
            k = close
        else:
            return k
    return k


def bodyless_end(toks: list[Token], start: int, statement_end: int | None) -> int | None:
    """``statement_end`` when the head term from ``start`` runs to the end of its statement without a body (no
    depth-0 ``if``, ``else`` or ``{`` after a term), else None."""
    if statement_end is None or start >= statement_end:
        return None
    for k in range(start, statement_end):
        t = toks[k]
        if t.depth == 0 and (t.text in ("if", "else", ";") or (t.text == "{" and k > start and toks[k - 1].depth == 0
                                                                and toks[k - 1].text not in (",", ":=", "=", ":"))):
            return None
    return statement_end


def bind_after(toks: list[Token], last: int, bindings: list[tuple[str, str, int]],
               v0: bool) -> list[tuple[int, int, str]]:
    """The edit giving a head without a body, whose last token is ``toks[last]``, a body binding each (name, term,
    line breaks it left): OPA's body ``true`` with the moved terms appended (rewriteRefsInHead). It goes just after
    the head. Callers pass each term as written (its line breaks with it, none left): joined onto one line, a long
    term passed regorus 0.13.0's limit of 1024 columns ("expecting `}`"), and kept so every line keeps its number."""
    bound = "; ".join(f"{name} := ({term})" for name, term, _ in bindings)
    breaks = "\n" * sum(left for _, _, left in bindings)
    return [(end_of(toks[last]), end_of(toks[last]), f"{' {' if v0 else ' if {'} {bound} }}{breaks}")]


def _ref_bracket(toks: list[Token], start: int) -> int | None:
    """For a ref head ``x.a[KEY]`` starting at ``start``: the index of the name before its bracket (``a``)."""
    k = dotted_end(toks, start, len(toks))
    return k if k > start and k + 1 < len(toks) and toks[k + 1].text == "[" else None


def _until_body(toks: list[Token], start: int, source: str = "") -> int | None:
    """Index of the depth-0 ``if`` (or v0 body ``{``) that ends a head term starting at ``start``."""
    j = start
    while j < len(toks):
        t = toks[j]
        if source and t.depth == 0 and j > start and t.text not in ("if", "{") and starts_line(source, t) \
                and toks[j - 1].depth == 0 and toks[j - 1].text in (")", "]", "}"):
            return None  # a term closed by its bracket, then the next statement: a head without a body
        if t.depth == 0 and j > start and (t.text == "if" or (t.text == "{" and toks[j - 1].depth == 0
                                                                 and toks[j - 1].text not in (",", ":=", "="))):
            return j
        if t.depth == 0 and j > start and t.kind == "ident" and toks[j - 1].text not in (".", ",", ":=", "=") \
                and toks[j - 1].depth == 0 and toks[j - 1].kind in ("ident", "string", "number") \
                and toks[j - 1].text not in ("contains", "not"):
            return None  # two terms in a row: the next statement, a head without a body
        j += 1
    return None


def bind_head(source: str, toks: list[Token], at: int,
              bindings: list[tuple[str, str, int]]) -> list[tuple[int, int, str]]:
    """Edits binding each (name, term, line breaks it left) at the end of the body that begins at ``at``.

    The line breaks the terms left in the head go just after the body opens, so
    every body line keeps its number. A term that still spans lines (a raw string
    holding a line break) is bound at the start of the body, as written.
    """
    bound = "; ".join(f"{name} := ({term})" for name, term, _ in bindings)
    breaks = "\n" * sum(left for _, _, left in bindings)
    at_start = "\n" in bound
    if toks[at].text != "{" and at + 1 < len(toks) and toks[at + 1].text == "{":  # `if {`
        at += 1
    if toks[at].text == "{":
        close = matching_close(toks, at)
        if at_start or close is None or close == at + 1:
            return [(end_of(toks[at]), end_of(toks[at]), f"{bound}; ")]
        return [(end_of(toks[at]), end_of(toks[at]), breaks),
                (end_of(toks[close - 1]), end_of(toks[close - 1]), f"; {bound}")]
    # `if COND`: the condition runs to the end of the statement (the next line starting at depth 0), or to an
    # `else` (OPA's parseRules reads one literal after `if`, then parseElse the `else`).
    j = at + 1
    while j + 1 < len(toks) and not (toks[j + 1].depth == 0 and starts_line(source, toks[j + 1])
                                     and toks[j].depth == 0 and toks[j].text not in (",", "(", "[", "{")) \
            and not (toks[j + 1].depth == 0 and toks[j + 1].text == "else"):
        j += 1
    if at_start:
        return [(end_of(toks[at]), end_of(toks[at]), f" {{ {bound};"), (end_of(toks[j]), end_of(toks[j]), " }")]
    return [(end_of(toks[at]), end_of(toks[at]), " {" + breaks), (end_of(toks[j]), end_of(toks[j]), f"; {bound} }}")]


def moved_head(source: str, toks: list[Token], start: int, end: int) -> tuple[str, int]:
    """The head term from token ``start`` to ``end`` on one line, and the line breaks that took out.

    Each gap between tokens that holds a line break or a comment becomes one space.
    A term holding a token with a line break (a raw string) is kept as written.
    """
    original = _text(source, toks, start, end)
    parts = [toks[start].text]
    for k in range(start + 1, end):
        gap = source[end_of(toks[k - 1]):toks[k].offset]
        parts.append(" " if ("\n" in gap or "#" in gap) else gap)
        parts.append(toks[k].text)
    term = "".join(parts)
    if "\n" in term:
        return original, 0
    return term, original.count("\n")


def computes(head: list[Token]) -> bool:
    """Whether a head term's tokens hold a reference or a call (a name followed by `(`, `.` or `[`)."""
    return any(head[k].kind == "ident" and head[k + 1].text in ("(", ".", "[") for k in range(len(head) - 1))


def _text(source: str, toks: list[Token], start: int, end: int) -> str:
    return source[toks[start].offset:end_of(toks[end - 1])]


def end_of(tok: Token) -> int:
    """The character offset just past ``tok``."""
    return tok.offset + len(tok.text)


# regorus_else's names (__natpolicy_else0, ...) are bound the same way, each once.
_BOUND = re.compile(rf"\b({HEAD}|{KEY}|{VALUE}|__natpolicy_else\d+) := \(")
_WRITTEN = re.compile(rf"\b({HEAD}|{KEY}|{VALUE}|__natpolicy_else\d+) (?:if )?\{{ \1 := \(")
_PLACED = re.compile(rf"\b({HEAD}|{KEY}|{VALUE}|__natpolicy_else\d+)\b(?! := \()")


def head_site(rewritten: str, line: int, col: int) -> tuple[int, int] | None:
    """The head's line:col for a regorus error at ``line:col`` of ``rewritten`` inside a binding bind_heads moved.

    The binding sits at the end of the body, so regorus names the body's last line;
    the user wrote the term in the head. None when ``line:col`` is in no binding.
    """
    lines = rewritten.split("\n")
    if not 0 < line <= len(lines):
        return None
    # A term bind_after moved as written sits just after its name's `NAME if { NAME := (`: its own column.
    written = [m for m in _WRITTEN.finditer(lines[line - 1]) if m.end() < col]
    if written:
        return line, col - (written[-1].end() - written[-1].start())
    line_start = sum(len(text) + 1 for text in lines[:line - 1])
    inside = [m for m in _BOUND.finditer(lines[line - 1]) if m.start() < col]
    if not inside:
        return None
    name = inside[-1].group(1)
    nth = sum(1 for m in _BOUND.finditer(rewritten, 0, line_start + inside[-1].start()) if m.group(1) == name)
    placed = [m for m in _PLACED.finditer(rewritten) if m.group(1) == name]
    if nth >= len(placed):
        return None
    at = placed[nth].start()
    return rewritten.count("\n", 0, at) + 1, at - (rewritten.rfind("\n", 0, at) + 1) + 1
