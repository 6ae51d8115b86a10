"""Where a body's expression is one variable unified with another, ``x = y``: the only binding place the
unsafe-variable check (``static_checks``) makes conditional.

OPA's safety check (``reorderBodyForSafety`` in v1/ast/compile.go) gives ``x = y`` the outputs of
``outputVarsForExprEq``: ``Unify(safe, x, y)`` makes a variable safe only when the other side's variables already
are. So ``x = y`` binds ``x`` once something else binds ``y`` (or the reverse), and with neither bound elsewhere
both stay unsafe: ``x = y; y == "a"`` is refused, ``==`` being the builtin ``equal`` there (no outputs).
Any other shape (a pattern, a ref, a call on either side) stays as generous as ``static_checks`` says.
"""
from __future__ import annotations

from natpolicy.rego.source import Token

__all__ = ["var_equalities"]

# The token before an expression's first one, when the expression does not start a line.
_BEFORE_EXPRESSION = frozenset({";", "{", "|", "if"})
# A line ending in one of these goes on, and so does a line starting with one of the others.
_OPEN_END = frozenset({"not", "in", ",", "(", "[", "{", ":", "|", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+",
                       "-", "*", "/", "%", "&", "some", "every", "with", "as", "else"})
_CONTINUED_BY = frozenset({"in", "=", ":=", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&", "|", ".",
                           "[", "(", "with"})
_AFTER_EXPRESSION = frozenset({";", "}", "]"})


def var_equalities(source: str, toks: list[Token], is_variable: set[int]) -> dict[int, int]:
    """Token index of each side of an expression ``x = y`` -> the other side's index, for every such expression
    whose both sides are in ``is_variable`` (the tokens the caller counts as variables)."""
    pairs: dict[int, int] = {}
    for k in is_variable:
        other = k + 2
        if other in is_variable and toks[k + 1].text == "=" and _starts(source, toks, k) and _ends(source, toks, other):
            pairs[k], pairs[other] = other, k
    return pairs


def _starts(source: str, toks: list[Token], k: int) -> bool:
    if k == 0:
        return False
    prev = toks[k - 1]
    if prev.text in _BEFORE_EXPRESSION:
        return True
    return "\n" in source[prev.offset:toks[k].offset] and prev.text not in _OPEN_END


def _ends(source: str, toks: list[Token], k: int) -> bool:
    if k + 1 >= len(toks):
        return True
    nxt = toks[k + 1]
    if nxt.text in _AFTER_EXPRESSION:
        return True
    return "\n" in source[toks[k].offset:nxt.offset] and nxt.text not in _CONTINUED_BY
