"""Where a ``not`` expression stands in Rego source: from the ``not`` to the expression's last token.

OPA evaluates a negated expression as a query of its own (``evalNot`` in topdown/eval.go), and a variable
in it must be bound elsewhere (``outputVarsForExpr``: "Negated expressions must be safe"), except the
``_`` of the query itself. Read by ``regorus_negation`` and by the unsafe-variable check (``static_checks``).
"""
from __future__ import annotations

from natpolicy.rego.source import Token, enclosing_openers, matching_close

__all__ = ["negated_expressions", "in_inner_comprehension"]

# A line ending in one of these goes on (`not f(a,` then `b)` is inside brackets anyway) ...
_OPEN_END = frozenset({"not", "in", ",", "(", "[", "{", ":", "|", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+",
                       "-", "*", "/", "%", "&"})
# ... and so does a line starting with a binary operator.
_CONTINUED_BY = frozenset({"in", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+", "*", "/", "%", "&", "|", "."})
_EXPRESSION_START = frozenset({";", "{", "|", "if", "else"})


_EXPRESSION_START = frozenset({";", "{", "|", "if", "else"})


def negated_expressions(source: str, toks: list[Token]) -> list[tuple[int, int]]:
    """(index of the ``not``, index of the expression's last token) of each negated expression."""
    found = []
    for i, tok in enumerate(toks):
        if tok.text == "not" and tok.kind == "ident" and _starts_expression(source, toks, i):
            last = _expression_last(source, toks, i)
            if last is not None:
                found.append((i, last))
    return found


def _starts_expression(source: str, toks: list[Token], i: int) -> bool:
    if i == 0 or i + 1 >= len(toks):
        return False
    return toks[i - 1].text in _EXPRESSION_START or "\n" in source[toks[i - 1].offset:toks[i].offset]


def _expression_last(source: str, toks: list[Token], i: int) -> int | None:
    """The last token of the expression after the ``not`` at ``i``: before a ``;``, ``with``, a close of the
    brackets around, or a new line that does not continue it."""
    base = toks[i].depth
    last = None
    j = i + 1
    while j < len(toks) and toks[j].depth >= base:
        tok = toks[j]
        if tok.depth == base and tok.text in (";", "with", "else"):
            break
        if last is not None and tok.depth == base and "\n" in source[toks[j - 1].offset:tok.offset] \
                and toks[j - 1].text not in _OPEN_END and tok.text not in _CONTINUED_BY:
            break
        last = j
        j += 1
    return last


def in_inner_comprehension(toks: list[Token], not_at: int, j: int) -> bool:
    """Is ``toks[j]`` inside a comprehension opened after the ``not``, whose own variable ``_`` is?"""
    for opener in enclosing_openers(toks, j, not_at):
        if toks[opener].depth < toks[not_at].depth:
            return False
        close = matching_close(toks, opener) or len(toks)
        inside = toks[opener].depth + 1
        if toks[opener].text != "(" and any(t.text == "|" and t.depth == inside for t in toks[opener + 1:close]):
            return True
    return False
