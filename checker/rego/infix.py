"""Rego's infix operators as OPA's parser reads them: how loosely each binds, and a span's terms and operators.

OPA's parser makes each infix operator a call (``a + 1`` is ``plus(a, 1)``, ``x in xs`` is
``internal.member_2(x, xs)``), nested by precedence: parseTermIn and parseTermRelation (the loosest), then Or,
And, Arith and Factor. The one table here is read by the binding of a negated expression's operands
(``negated_operands``) and by the unsafe-variable check (``static_checks``), which must agree on which terms OPA
moves before a ``not``.
"""
from __future__ import annotations

from natpolicy.rego.source import Token, dotted_end, matching_close

__all__ = ["LEVEL", "operator_level", "split_infix", "top_operator", "unparenthesized"]

# Infix operators by how loosely they bind (0 the loosest).
LEVEL = {"=": 0, ":=": 0, ",": 1, "in": 1, "==": 2, "!=": 2, "<": 2, ">": 2, "<=": 2, ">=": 2, "|": 3, "&": 4,
         "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def unparenthesized(toks: list[Token], a: int, b: int) -> tuple[int, int]:
    """``toks[a:b + 1]`` without the parentheses around all of it (a group is its content)."""
    while a < b and toks[a].text == "(" and matching_close(toks, a) == b:
        a, b = a + 1, b - 1
    return a, b


def split_infix(toks: list[Token], a: int, b: int) -> tuple[list[tuple[int, int]], list[int]] | None:
    """The terms of ``toks[a:b + 1]`` (first, last token of each) and the infix operators between them; None where
    it is neither a term nor terms joined by operators."""
    terms: list[tuple[int, int]] = []
    ops: list[int] = []
    j = a
    while j <= b:
        last = _term_last(toks, j, b)
        if last is None:
            return None
        terms.append((j, last))
        j = last + 1
        if j > b:
            break
        tok = toks[j]
        if tok.kind == "number" and tok.text.startswith("-"):
            ops.append(j)  # `x -1`: a minus the tokenizer read as the number's sign
            continue
        if tok.text not in LEVEL or j == b:
            return None
        ops.append(j)
        j += 1
    return terms, ops


def top_operator(toks: list[Token], ops: list[int]) -> int:
    """The operator of ``ops`` OPA's parser makes the outermost call: the loosest, the last of equals (each level
    is read left to right, so ``a - b - c`` is ``minus(minus(a, b), c)``)."""
    level = min(operator_level(toks[op]) for op in ops)
    return max(op for op in ops if operator_level(toks[op]) == level)


def operator_level(tok: Token) -> int:
    """How loosely the operator ``tok`` binds; a number's sign read after a term (``x -1``) is a minus."""
    return LEVEL["-"] if tok.kind == "number" else LEVEL[tok.text]


def _term_last(toks: list[Token], j: int, b: int) -> int | None:
    """The last token of the term starting at ``toks[j]`` (a ref with its brackets, a call, a literal)."""
    while toks[j].text == "-" and j < b:
        j += 1  # a unary minus
    tok = toks[j]
    last: int | None = j
    if tok.text in ("(", "[", "{"):
        last = matching_close(toks, j)
    elif tok.kind == "ident":
        name_end = dotted_end(toks, j, b + 1)
        call = name_end + 1 <= b and toks[name_end + 1].text == "("
        last = matching_close(toks, name_end + 1) if call else name_end
    elif tok.kind not in ("string", "raw", "number"):
        return None
    while last is not None and last + 1 <= b:
        nxt = toks[last + 1]
        if nxt.text == "[":
            last = matching_close(toks, last + 1)
        elif nxt.text == "." and last + 2 <= b and toks[last + 2].kind == "ident":
            last += 2
        else:
            break
    return last if last is not None and last <= b else None
