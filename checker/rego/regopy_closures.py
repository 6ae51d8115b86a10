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
bracket (``j == i``).

So where the rule's body binds ``i`` by a ref in an earlier statement
(``changeset := input.resource_changes[i]``, the common case), the statement
holding the comprehension first copies it, on its own line, and the
comprehension reads the copy (``copies_for_regopy``), which regopy reads as
OPA does:

    c := [w | w := input.rs[i].p]  ->  __natpolicy_c41 := i; c := [w | w := input.rs[__natpolicy_c41].p]

Any other such bracket (``i`` a function's argument, a rule's key the body
binds no earlier, bound by ``every``, ``walk``, a pattern or in an enclosing
comprehension) is refused, naming its line, with the way out (``j := i``,
then ``x[j]``).
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.records import record
from natpolicy.rego.rule_scope import comprehensions, opens_body, starts_body_statement
from natpolicy.rego.source import Token, apply_edits_as_listed, enclosing_openers, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["Copy", "copies_for_regopy", "rebound_closures"]

PREFIX = "__natpolicy_c"

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null", "input", "data", "_"})
_LITERALS = frozenset({"number", "string", "raw"})


@record(frozen=True)
class Copy:
    """``name`` copied at ``at`` (the offset of its statement's first token), read at ``uses`` (offsets)."""

    at: int
    name: str
    uses: tuple[int, ...]
    comprehension: int  # the offset of the comprehension's opening bracket: names the copy


def copies_for_regopy(source: str) -> str:
    """``source`` with each rebound bracket variable its body binds earlier copied, as the module's docstring
    shows."""
    found = [found for found in _rebound(source) if isinstance(found, Copy)]
    if not found:
        return source
    spelled = {tok.text for tok in tokens(source) if tok.kind == "ident"}
    edits: list[tuple[int, int, str]] = []
    for copy in found:
        fresh = f"{PREFIX}{copy.comprehension}_{copy.name}"
        while fresh in spelled:
            fresh += "_"
        edits.append((copy.at, copy.at, f"{fresh} := {copy.name}; "))
        edits.extend((use, use + len(copy.name), fresh) for use in copy.uses)
    return apply_edits_as_listed(source, edits)


def rebound_closures(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first such bracket of each comprehension that ``copies_for_regopy`` leaves."""
    for found in _rebound(source):
        if not isinstance(found, Copy):
            yield found


def _rebound(source: str) -> Iterator[Copy | tuple[int, str]]:
    """Each comprehension's rebound bracket variables: a Copy where the rewrite copies it, else (offset, message)
    for the first one left, and no more of that comprehension."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        found = comprehensions(toks, start=start, end=end)
        elses = [k for k in range(start, end) if toks[k].depth == 0 and toks[k].text == "else"]
        for low, high in found:
            copied: set[str] = set()
            # Only the comprehension's own branch of an `else` chain binds its names (OPA reads each branch alone): a
            # `some i` in another branch left `x := {v: i | some v in input.rs[i].t} if { input.rs[i].s != "b" }
            # else := r if { some i, r in input.rs }` unrefused, and regopy answered one object of both rows where
            # OPA stops on two values (rego_differential --heads).
            first = max((k for k in elses if k < low), default=start)
            stop = min((k for k in elses if k > high), default=end)
            for k in range(low + 1, high - 2):
                if not _variable_bracket(toks, k) or toks[k + 1].text in copied:
                    continue
                name = toks[k + 1].text
                if _declared_inside(toks, low, high, name):
                    continue  # `some i` inside: a variable of the comprehension's own
                outside = [m for m in range(first, stop) if not low <= m <= high and _is_use(toks, m, name)
                           and all(lo < low and high < hi for lo, hi in found if lo < m < hi)]
                if outside and not any(_reads_alike(toks, m) for m in outside):
                    copy = _copy(source, toks, low, high, name, found)
                    if copy is not None:
                        copied.add(name)
                        yield copy
                        continue
                    yield toks[k + 1].offset, (
                        f"`{name}` in a bracket inside a comprehension, bound outside it (by a ref, a function "
                        f"argument, a rule's key, `every`, `walk` or `=` with a pattern): regopy 1.5.2 binds it "
                        f"afresh there, where OPA reads the outer value; bind a copy first (`j := {name}`, then "
                        f"`[j]` inside) or run with --rego-engine regorus")
                    break


def _copy(source: str, toks: list[Token], low: int, high: int, name: str,
          comprehensions: list[tuple[int, int]]) -> Copy | None:
    """The copy of ``name`` for the comprehension ``toks[low..high]`` (one of the rule's ``comprehensions``), when
    the body holding it binds ``name`` by a ref at its own level in an earlier statement; else None (an enclosing
    comprehension, a head, no such ref)."""
    openers = {lo for lo, _ in comprehensions}
    for opener in enclosing_openers(toks, low):
        if opener in openers:
            return None  # bound inside an enclosing comprehension, or there: refused as before
        if toks[opener].text == "{" and (opens_body(toks, opener) or toks[opener - 1].text == "if"):
            body = opener
            break
    else:
        return None
    level = toks[body].depth + 1
    starts = [j for j in range(body + 1, low + 1) if toks[j].depth == level and starts_body_statement(source, toks, j)]
    if not starts:
        return None
    statement = starts[-1]
    bound = any(toks[m].text == name and toks[m].depth == level + 1 and _variable_bracket(toks, m - 1)
                and toks[max(s for s in starts if s <= m)].text != "not" for m in range(body + 1, statement))
    if not bound:
        return None
    uses = tuple(toks[m].offset for m in range(low + 1, high) if _is_use(toks, m, name))
    return Copy(toks[statement].offset, name, uses, toks[low].offset)


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
