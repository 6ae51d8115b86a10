"""Array comprehensions whose order no one reads: only counted.

An array comprehension lists its solutions in the order the engine iterates;
regopy 1.5.2 iterates a set otherwise than OPA (``regopy_rewrite`` reads each
set it iterates there sorted, and stops where the set holds arrays, objects or
sets, which it cannot sort as OPA does). Where the array is only counted, its
order is never read and the number of its elements is the number of solutions
whatever the order: iterating the set as regopy does is exact. Measured on a
real policy set (jdevto/tf-conftest-demo, docs/rego.md): ``creates :=
[res | some res in all; "create" in res.change.actions]; num :=
count(creates)`` over a set of plan resources stopped on regopy in 5 of 70
runs, where OPA (and regorus) answer.

:func:`counted_comprehensions` finds them, conservatively: ``count([...])``
itself, and ``name := [...]`` in a rule body where every other use of
``name`` in that rule is ``count(name)``.
"""
from __future__ import annotations

from natpolicy.rego.regopy_shadow import is_var
from natpolicy.rego.source import Token, matching_close
from natpolicy.rego.static_checks import rule_statements

__all__ = ["counted_comprehensions"]


def counted_comprehensions(source: str, toks: list[Token]) -> frozenset[int]:
    """The token index of the ``[`` of each array comprehension only counted (see the module's docstring)."""
    out: set[int] = set()
    for start, end in rule_statements(source, toks, rules_only=True):
        for i in range(start, end):
            if toks[i].text != "[" or not _is_comprehension(toks, i):
                continue
            close = matching_close(toks, i)
            if close is None:
                continue
            if _counted_at(toks, i, close):
                out.add(i)
            elif i >= 2 and toks[i - 1].text == ":=" and toks[i - 2].kind == "ident" and toks[i - 2].depth > 0 \
                    and is_var(toks, i - 2) and _only_counted(toks, start, end, i - 2, close):
                out.add(i)
    return frozenset(out)


def _is_comprehension(toks: list[Token], i: int) -> bool:
    """Does the ``[`` at ``i`` open a value (not a ref's bracket) holding a ``|`` at its own depth?"""
    if i > 0 and (toks[i - 1].kind in ("ident", "string", "raw", "number") and toks[i - 1].text not in
                  ("in", "contains", "if", "else", "some", "not", "with", "as", "default")
                  or toks[i - 1].text in (")", "]", "}")):
        return False
    close = matching_close(toks, i)
    return close is not None and any(t.text == "|" and t.depth == toks[i].depth + 1 for t in toks[i + 1:close])


def _counted_at(toks: list[Token], first: int, last: int) -> bool:
    """Is ``toks[first:last + 1]`` the whole argument of a ``count(...)`` call? Also through natpolicy's own
    wrappers of count's argument (``count(__natpolicy_if_countable(x))``, OPA's default mode for builtin errors:
    builtin_errors), which hand the value on, or make it undefined, whatever its order."""
    while first >= 2 and toks[first - 1].text == "(" and toks[first - 2].text.startswith("__natpolicy_") \
            and last + 1 < len(toks) and toks[last + 1].text == ")":
        first, last = first - 2, last + 1
    return (first >= 2 and toks[first - 1].text == "(" and toks[first - 2].text == "count"
            and (first < 3 or toks[first - 3].text != ".") and last + 1 < len(toks) and toks[last + 1].text == ")")


def _only_counted(toks: list[Token], start: int, end: int, name_at: int, close: int) -> bool:
    """Is every other use of the variable at ``name_at`` in the rule ``toks[start:end]`` a ``count(name)``?"""
    name = toks[name_at].text
    uses = [k for k in range(start, end) if k != name_at and not name_at < k <= close
            and toks[k].text == name and is_var(toks, k)]
    return bool(uses) and all(_counted_at(toks, k, k) for k in uses)
