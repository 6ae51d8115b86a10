"""Objects only looked up: the value of a name that is read only through its keys, never compared whole.

regopy 1.5.2 compares two objects by their keys' text (``{1: 4} == {"1": 4}`` is true there, a set holds one of
the two, and ``{1: 4} = input.o`` unifies with an input object keyed ``"1"``), but looks a key up by its kind
(``{1: 4}["1"]`` is undefined, as in OPA). So an object keyed by a number, boolean, null or collection answers as
OPA wherever it is only looked up: ``ports := {22: "ssh"}`` read as ``ports[p]``. This module tells such objects
apart from the rest (``regopy_keys`` stops or refuses the rest).

An object is only looked up when it is the whole value of a name defined by ``N := {...}`` (a rule, ``N = {...}``
and ``default N := {...}`` too, or a local, ``:=`` only: a local ``=`` may compare) or a partial object rule's
``N[k] := ...``, and every other mention of ``N`` reads it through a key: ``N[k]``, ``N.k``, ``some k, v in N``,
``every v in N``, ``object.get(N, ...)``, ``count(N)`` or ``object.keys(N)``. A rule's name mentioned by any other
module of the run (``data.p.N``) is not only looked up; a local's mentions are those of its rule's statement.
"""
from __future__ import annotations

from collections.abc import Iterable

from natpolicy.rego.rule_scope import starts_body_statement
from natpolicy.rego.source import Token, dotted_start, matching_close

__all__ = ["object_only_looked_up", "only_looked_up"]

_DEFINES = frozenset({":=", "="})
_READ_WHOLE_BY = frozenset({"count", "object.keys", "object.get"})  # answers from the keys and values alone


def object_only_looked_up(source: str, toks: list[Token], statements: list[tuple[int, int]], opener: int,
                          elsewhere: Iterable[str] = ()) -> bool:
    """Is the object literal or comprehension at ``opener`` only looked up: read through a key where it stands
    (``{22: "ssh"}[p]``), or the value of a name only so read? ``statements``: the module's top-level statements
    (``static_checks.rule_statements``); ``elsewhere``: the names other modules of the run mention."""
    close = matching_close(toks, opener)
    if close is None:
        return False
    if _read_through_key(toks, opener, close):
        return True
    statement = next(((first, end) for first, end in statements if first <= opener < end), (0, len(toks)))
    name = defined_name(source, toks, statement, opener)
    return name is not None and only_looked_up(toks, statements, statement, name, elsewhere)


def defined_name(source: str, toks: list[Token], statement: tuple[int, int], opener: int) -> int | None:
    """The token index of ``N`` where the object at ``opener`` is the whole value of ``N := {...}`` (or of a rule's
    ``N = {...}``, ``default N := {...}``); else None."""
    start, end = statement
    close = matching_close(toks, opener)
    if close is None or opener < 2 or toks[opener - 1].text not in _DEFINES:
        return None
    name = opener - 2
    if toks[name].kind != "ident" or (name > 0 and toks[name - 1].text == "."):
        return None
    after = close + 1
    if name == start or (name == start + 1 and toks[start].text == "default"):
        # A rule: `N := {...}`, optionally `if` a body; `default N := {...}`.
        return name if after >= end or toks[after].text == "if" else None
    # A local: `:=` only (`N = {...}` of a bound N compares), a statement of its own to its end.
    if toks[opener - 1].text != ":=" or not _starts_statement(source, toks, name):
        return None
    ends = after >= end or toks[after].depth < toks[opener].depth or toks[after].text in (";", "|") \
        or _starts_statement(source, toks, after)
    return name if ends else None


def only_looked_up(toks: list[Token], statements: list[tuple[int, int]], statement: tuple[int, int], name: int,
                   elsewhere: Iterable[str] = ()) -> bool:
    """Is every mention of ``toks[name]`` but its definitions a read through a key? ``statements``: the module's
    top-level statements (``static_checks.rule_statements``); ``statement``: the one holding a local's definition;
    ``elsewhere``: the names other modules of the run mention (a rule's value may be read there whole)."""
    text = toks[name].text
    rule = any(name == first + (toks[first].text == "default") for first, _ in statements)
    if rule and text in elsewhere:
        return False
    definitions = {first + (toks[first].text == "default") for first, _ in statements} if rule else {name}
    # The package's own name is no mention (`package p` beside a rule `p`); an import is (`import data.p.o as t`).
    package = next((range(first, end) for first, end in statements if toks[first].text == "package"), range(0))
    first, end = (0, len(toks)) if rule else statement
    return all(_read_through_key(toks, k) for k in range(first, end)
               if toks[k].kind == "ident" and toks[k].text == text and k not in definitions and k not in package)


def _read_through_key(toks: list[Token], k: int, last: int | None = None) -> bool:
    """Is the term ``toks[k]`` (to ``toks[last]``) read through its keys alone?"""
    last = k if last is None else last
    after = toks[last + 1].text if last + 1 < len(toks) else ""
    if after == "[" or (after == "." and last + 2 < len(toks) and toks[last + 2].kind == "ident"):
        return True  # N[k], N.k
    before = toks[k - 1].text if k > 0 else ""
    if before == "in" and _iterated(toks, k - 1):
        return True  # some k, v in N / every v in N
    if before == "(" and after in (",", ")"):
        j = k - 2  # the called name's last part, before its `(`
        name = "".join(t.text for t in toks[dotted_start(toks, j):j + 1]) if j >= 0 else ""
        return name in _READ_WHOLE_BY and (name != "object.get" or after == ",")
    return False


def _iterated(toks: list[Token], in_at: int) -> bool:
    """Is the ``in`` at ``in_at`` that of ``some k, v in`` / ``every v in`` (names only before it)?"""
    j = in_at - 1
    while j >= 0 and (toks[j].text == "," or (toks[j].kind == "ident" and toks[j].text not in ("some", "every"))):
        j -= 1
    return j >= 0 and j < in_at - 1 and toks[j].text in ("some", "every")


def _starts_statement(source: str, toks: list[Token], k: int) -> bool:
    # `x := ... if o := {...}`: a one-line body after `if` starts a statement too.
    return k > 0 and (toks[k - 1].text == "if" or starts_body_statement(source, toks, k))
