"""A comprehension reading ``x[i]`` with ``i`` bound outside it, which regopy 1.5.2 binds afresh: refused by line.

Measured on regopy 1.5.2 (``tests/test_rego_regopy_order.py``): inside a
comprehension, a bracket holding a variable of the enclosing body or rule
iterates it as if it were unbound, and the enclosing binding follows:

    x contains [i, c] if { input.rs[i]; c := [w | w := input.rs[i].p] }

gives ``[0, [5, 0]]`` and ``[1, [5, 0]]`` where OPA gives ``[0, [5]]`` and
``[1, [0]]``; so do a function's argument (``f(i) := [w | w := xs[i]]``), a
rule's key (``x[i] := ...``), ``every i, v in``, ``walk`` and ``=`` with a
pattern. A variable bound by ``i := ...``, by ``some ..., i in ...`` or by
``i = <literal>`` is read as OPA reads it, and so is ``i`` anywhere but in a
bracket (``j == i``). So a bracket inside a comprehension whose variable the
enclosing rule binds only in the other ways is refused, naming its line, with
the way out (``j := i``, then ``x[j]``).
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["rebound_closures"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null", "input", "data", "_"})
_LITERALS = frozenset({"number", "string", "raw"})


def rebound_closures(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first such bracket of each comprehension."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        comprehensions = _comprehensions(toks, start, end)
        for low, high in comprehensions:
            for k in range(low + 1, high - 2):
                if not _variable_bracket(toks, k):
                    continue
                name = toks[k + 1].text
                if _declared_inside(toks, low, high, name):
                    continue  # `some i` inside: a variable of the comprehension's own
                outside = [m for m in range(start, end) if not low <= m <= high and _is_use(toks, m, name)
                           and all(lo < low and high < hi for lo, hi in comprehensions if lo < m < hi)]
                if outside and not any(_reads_alike(toks, m) for m in outside):
                    yield toks[k + 1].offset, (
                        f"`{name}` in a bracket inside a comprehension, bound outside it (by a ref, a function "
                        f"argument, a rule's key, `every`, `walk` or `=` with a pattern): regopy 1.5.2 binds it "
                        f"afresh there, where OPA reads the outer value; bind a copy first (`j := {name}`, then "
                        f"`[j]` inside) or run with --rego-engine regorus")
                    break


def _comprehensions(toks: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for i in range(start, end):
        if toks[i].text not in ("[", "{") or (i > 0 and (toks[i - 1].kind in ("ident", "string")
                                                         or toks[i - 1].text in (")", "]", "}"))
                                              and toks[i - 1].text not in _KEYWORDS):
            continue  # a ref's bracket
        close = matching_close(toks, i)
        if close is not None and close < end \
                and any(t.text == "|" and t.depth == toks[i].depth + 1 for t in toks[i + 1:close]):
            out.append((i, close))
    return out


def _variable_bracket(toks: list[Token], k: int) -> bool:
    """``x[i]``: a ref's bracket holding one variable."""
    return toks[k].text == "[" and k > 0 and (toks[k - 1].kind == "ident" or toks[k - 1].text in ("]", ")")) \
        and toks[k - 1].text not in _KEYWORDS and toks[k + 1].kind == "ident" \
        and toks[k + 1].text not in _KEYWORDS and toks[k + 2].text == "]"


def _is_use(toks: list[Token], m: int, name: str) -> bool:
    return toks[m].kind == "ident" and toks[m].text == name and not (m > 0 and toks[m - 1].text == ".")


def _declared_inside(toks: list[Token], low: int, high: int, name: str) -> bool:
    """``some name`` (or ``some ..., name in``) at the comprehension's own level."""
    depth = toks[low].depth + 1
    for j in range(low + 1, high):
        if toks[j].text == "some" and toks[j].depth == depth:
            k = j + 1
            while k < high and (toks[k].kind == "ident" or toks[k].text == ","):
                if toks[k].text == name:
                    return True
                k += 1
    return False


def _reads_alike(toks: list[Token], m: int) -> bool:
    """Does this occurrence bind its variable in a way regopy reads inside a comprehension: ``v :=``,
    ``some ..., v in``, ``v = <literal>``?"""
    after = toks[m + 1].text if m + 1 < len(toks) else ""
    if after == ":=" and not (m > 0 and toks[m - 1].text in (",", "[", ":")):  # not inside a pattern
        return True
    if after == "=" and m + 2 < len(toks) and (toks[m + 2].kind in _LITERALS
                                                or toks[m + 2].text in ("true", "false", "null")):
        return True
    j = m
    while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind == "ident":
        j -= 2
    if j >= 1 and toks[j - 1].text == "some":
        k = m
        while k + 2 < len(toks) and toks[k + 1].text == "," and toks[k + 2].kind == "ident":
            k += 2
        return k + 1 < len(toks) and toks[k + 1].text == "in"
    return False
