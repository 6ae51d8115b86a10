"""A variable unified with a literal (``r = "a"``), which regopy 1.5.2 re-binds instead of comparing.

In OPA ``some r in input.arr; r = "a"`` keeps the ``r`` equal to ``"a"``: ``=``
of a bound variable and a ground value is a comparison. regopy binds the
variable afresh instead when the other side is a literal written there (a
string, number, ``true``/``false``/``null``, or a collection holding only
such), so every ``r`` matched and the rule answered ``["c", "a", "b"]``
(measured; also after ``r := input.o``, where ``r = 5`` was true, and after
``input.arr[i]``, where ``i = 1`` never matched). Written in parentheses,
``r = ("a")``, the same expression is compared, as in OPA: parentheses only
group, so OPA reads the rewritten text exactly as the original. Only a
variable met before in its rule is rewritten: a first occurrence (``i = 1``)
binds it on regopy as in OPA, and in parentheses a comprehension after it
would read it as unbound (measured). A ref (``r.type = "x"``), another
variable (``r = s``) or a function's parameter were already answered alike.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import earlier_names
from natpolicy.rego.source import Token, matching_close
from natpolicy.rego.static_checks import rule_statements

__all__ = ["literal_unification_edits"]

_CONSTANTS = frozenset({"true", "false", "null"})
# What may stand before an expression's first token inside a body.
_EXPRESSION_START = frozenset({";", "{", "|", "if", "not", "else"})
_NOT_VARIABLES = frozenset({"input", "data", "_", "some", "every", "in", "not", "if", "else", "with", "as",
                            "contains", "default"}) | _CONSTANTS


def literal_unification_edits(source: str, toks: list[Token]) -> list[tuple[int, int, str]]:
    """Insertions ``(offset, offset, "(")`` and ``(offset, offset, ")")`` around each literal side of a body's
    ``V = LITERAL`` or ``LITERAL = V``."""
    edits: list[tuple[int, int, str]] = []
    for start, end in rule_statements(source, toks):
        for i in range(start + 1, end):
            if toks[i].text != "=" or toks[i].kind != "op" or toks[i].depth == 0:
                continue
            right_end = _literal_end(toks, i + 1)
            if right_end is not None and _lone_variable(source, toks, i - 1, i - 1) \
                    and _ends_expression(source, toks, right_end) and _bound_before(toks, start, i - 1):
                edits += _wrap(toks, i + 1, right_end)
                continue
            left_start = _literal_start(toks, i - 1)
            if left_start is not None and _lone_variable(source, toks, i + 1, left_start) \
                    and _ends_expression(source, toks, i + 1) and _bound_before_literal(toks, start, left_start, i + 1):
                edits += _wrap(toks, left_start, i - 1)
    return edits


def _bound_before(toks: list[Token], start: int, k: int) -> bool:
    """Did the variable occur before ``k`` in its rule's parameters or body? Its first occurrence binds it
    (`i = 1`), which regopy does as OPA; in parentheses there, a comprehension after it would read `i` as
    unbound (measured), so only a variable met before is rewritten."""
    name = toks[k].text if toks[k].kind == "ident" else ""
    return bool(name) and name in earlier_names(toks, start, k)


def _bound_before_literal(toks: list[Token], start: int, expression_start: int, k: int) -> bool:
    """``_bound_before`` for ``LITERAL = V``: did ``V`` (at ``k``) occur before the expression?"""
    return toks[k].text in earlier_names(toks, start, expression_start)


def _wrap(toks: list[Token], first: int, last: int) -> list[tuple[int, int, str]]:
    end = toks[last].offset + len(toks[last].text)
    return [(toks[first].offset, toks[first].offset, "("), (end, end, ")")]


def _scalar(tok: Token) -> bool:
    return tok.kind in ("string", "raw", "number") or tok.text in _CONSTANTS


def _ground_collection(toks: list[Token], first: int, last: int) -> bool:
    """Only literals, commas, colons and brackets between ``first`` and ``last`` (no variable, call or ``|``)."""
    return all(_scalar(t) or t.text in (",", ":", "[", "]", "{", "}") for t in toks[first + 1:last])


def _literal_end(toks: list[Token], i: int) -> int | None:
    """The last token of a ground literal starting at ``i``, if one does."""
    if i >= len(toks):
        return None
    if _scalar(toks[i]):
        return i
    if toks[i].text in ("[", "{"):
        close = matching_close(toks, i)
        if close is not None and _ground_collection(toks, i, close):
            return close
    return None


def _literal_start(toks: list[Token], i: int) -> int | None:
    """The first token of a ground literal ending at ``i``, if one does."""
    if i < 0:
        return None
    if _scalar(toks[i]):
        return i
    if toks[i].text in ("]", "}"):
        for j in range(i - 1, -1, -1):
            if toks[j].depth == toks[i].depth and toks[j].text in ("[", "{"):
                return j if matching_close(toks, j) == i and _ground_collection(toks, j, i) else None
    return None


def _lone_variable(source: str, toks: list[Token], k: int, expression_start: int) -> bool:
    """Is ``toks[k]`` a plain variable (not a ref, call or keyword), with the expression starting at
    ``expression_start`` beginning a body's expression?"""
    if not (0 <= k < len(toks)) or toks[k].kind != "ident" or toks[k].text in _NOT_VARIABLES:
        return False
    if k > 0 and toks[k - 1].text == ".":
        return False
    if k + 1 < len(toks) and toks[k + 1].text in (".", "[", "("):
        return False
    return _starts_expression(source, toks, min(k, expression_start))


def _starts_expression(source: str, toks: list[Token], i: int) -> bool:
    if i == 0:
        return False
    return toks[i - 1].text in _EXPRESSION_START or "\n" in source[toks[i - 1].offset:toks[i].offset]


def _ends_expression(source: str, toks: list[Token], last: int) -> bool:
    """Does the expression end after ``toks[last]`` (a `;`, the body's close, a new line, or the end)?"""
    if last + 1 >= len(toks):
        return True
    after = toks[last + 1]
    end = toks[last].offset + len(toks[last].text)
    return after.text in (";", "}", "]") or "\n" in source[end:after.offset]
