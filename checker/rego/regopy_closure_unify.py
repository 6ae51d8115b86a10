"""A comprehension unifying (``=``) a name its rule bound outside it: regopy 1.5.2 binds the name afresh.

In OPA a comprehension closes over the rule's bindings (``rewriteComprehensionTerms``; ``=`` of a bound name is a
comparison, topdown/eval.go ``biunify``), so with ``a`` bound outside ``[a | a = input.xs[_]]`` holds ``a`` once if
``input.xs`` holds it. Measured on regopy 1.5.2 (``rego_differential.py --patterns``): where the rule bound the
name by ``=`` or a ref (``a = input.xs[_]``, ``[a, _] = ...``, ``input.xs[a]``), the comprehension's ``=`` bound it
anew, silently (``x contains [a, [a | a = input.xs[_]]] if { a = input.xs[_] }`` was ``[[1, [1, 2]], [2, [1, 2]]]``,
OPA ``[[1, [1]], [2, [2]]]``); a pattern too (``[a, b] = input.ys[_]``). Bound by ``:=`` or ``some a in`` it was
read as OPA does; mentioning it first (``a == a; a = ...``) did not help. ``==`` of the name was answered alike.

So each such name, where the statement's ``=`` would bind it (a side, or an element or value of an array or
object literal there; not a ref's key, a call's argument or an object's key), is renamed in that statement to a
new name and compared after it, on the statement's last line: ``a = input.xs[_]`` becomes
``__natpolicy_u_a = input.xs[_]; __natpolicy_u_a == a``. The new name is unbound, so ``=`` binds it to what OPA
would have compared ``a`` with, and ``==`` keeps the elements where they are equal: the same answers as OPA.
A negated statement (``not a = 1``), a ``with`` and a name the comprehension declares itself (``some``, ``:=``)
are left alone.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import comprehension_statements, comprehensions, earlier_names, opens_body
from natpolicy.rego.source import Token, apply_edits, enclosing_openers, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["closure_unifications_for_regopy"]

_NOT_NAMES = frozenset({"if", "contains", "else", "some", "every", "in", "not", "with", "as", "true", "false", "null",
                        "input", "data", "_", "default", "import", "package"})
_PREFIX = "__natpolicy_u_"


def closure_unifications_for_regopy(source: str) -> str:
    """``source`` with each comprehension's ``=`` of a name bound outside it rewritten as a new name and ``==``."""
    if "|" not in source or "=" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    for start, end in rule_statements(source, toks, rules_only=True):
        for opener, close in comprehensions(toks, start=start, end=end):
            inside = toks[opener].depth + 1
            bar = next(j for j in range(opener + 1, close) if toks[j].text == "|" and toks[j].depth == inside)
            outside = _outside(toks, start, end, opener, close)
            statements = comprehension_statements(source, toks, bar + 1, close, inside)
            for n, (first, last) in enumerate(statements):
                edits += _rename(toks, first, last, inside, outside, _declared(toks, statements[:n], inside))
    return apply_edits(source, edits)


def _outside(toks: list[Token], start: int, end: int, opener: int, close: int) -> set[str]:
    """The names the rule binds around a comprehension: before it in the body, or the whole body for one in the
    head (a head is read after its body)."""
    body = next((j for j in range(close + 1, end) if toks[j].depth == 0 and opens_body(toks, j)), None)
    if body is None:
        return earlier_names(toks, start, opener)
    return earlier_names(toks, start, opener) | {t.text for t in toks[body:end] if t.kind == "ident"}


def _declared(toks: list[Token], statements: list[tuple[int, int]], depth: int) -> set[str]:
    """Names the comprehension's ``statements`` declare (``some``'s before its ``in``, ``:=``'s): its own, not the
    rule's. A statement's end ends a ``some`` (a later line's ``a > 0`` reads the rule's ``a``)."""
    out: set[str] = set()
    for first, last in statements:
        declaring = toks[first].text == "some"
        for j in range(first, last + 1):
            tok = toks[j]
            if tok.depth == depth and tok.text == "in":
                declaring = False
            elif tok.kind == "ident" and tok.text != "some" and (declaring or toks[j + 1].text == ":="):
                out.add(tok.text)
    return out


def _rename(toks: list[Token], first: int, last: int, depth: int, outside: set[str],
            declared: set[str]) -> list[tuple[int, int, str]]:
    texts = [toks[j].text for j in range(first, last + 1) if toks[j].depth == depth]
    if not texts or texts[0] in ("not", "some", "every") or "with" in texts or texts.count("=") != 1:
        return []
    renamed: dict[str, str] = {}
    edits: list[tuple[int, int, str]] = []
    for j in range(first, last + 1):
        tok = toks[j]
        if tok.kind != "ident" or tok.text in _NOT_NAMES or tok.text not in outside or tok.text in declared:
            continue
        if toks[j - 1].text == "." or toks[j + 1].text in ("(", ".", "[", ":"):
            continue
        if not _in_pattern(toks, j, first, depth):
            continue
        new = renamed.setdefault(tok.text, f"{_PREFIX}{tok.text}")
        edits.append((tok.offset, tok.offset + len(tok.text), new))
    if renamed:
        end = toks[last].offset + len(toks[last].text)
        edits.append((end, end, "".join(f"; {new} == {name}" for name, new in renamed.items())))
    return edits


def _in_pattern(toks: list[Token], j: int, first: int, depth: int) -> bool:
    """Is ``toks[j]`` a side of the statement's ``=``, or inside only array and object literals there?"""
    child = j  # the token or bracket directly inside `opener`
    for opener in enclosing_openers(toks, j):
        if toks[opener].depth < depth or opener < first:
            return True
        before = toks[opener - 1]
        if toks[opener].text == "(" or before.kind in ("ident", "string") or before.text in (")", "]", "}"):
            return False  # a call's argument or a ref's key: read, not bound
        close = matching_close(toks, opener) or len(toks)
        if any(t.text == "|" and t.depth == toks[opener].depth + 1 for t in toks[opener + 1:close]):
            return False  # a nested comprehension: its own scope
        if toks[opener].text == "{" and toks[child - 1].text != ":":
            return False  # a set's element (OPA binds nothing there) or an object's key
        child = opener
    return True
