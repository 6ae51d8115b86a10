"""Object patterns regorus 0.13.0 matches against an object with more keys than the pattern names.

OPA unifies two objects only when they hold the same number of keys
(``biunifyObjects`` in OPA's topdown/eval.go returns no match when the lengths
differ), so ``some {"type": t} in input.rs`` binds ``t`` only for a resource
holding ``type`` and nothing else. regorus matches whenever the value holds
the pattern's keys, ignoring the others: it bound ``t`` for every resource
(measured, also ``{"type": t} = r``, ``[{"b": b}, 1] = [input.o, 1]``, and a
function whose parameter is ``{"type": t}``). An object literal whose values
are all bound is compared as a value, as in OPA, and so is one unified with a
literal written there (regorus checks the keys at compile time).

So, on regorus, an object literal holding a variable not bound before it
(``_`` or a first occurrence) is refused by line where it is a pattern: in
``some ... in``, in a function's parameters, or on a side of ``=`` / the left
of ``:=`` whose other side is not a fresh variable (which the literal would
build) nor a literal holding no variable.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import earlier_names, parameter_list
from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["object_pattern_refusals"]

_NOT_VARIABLES = frozenset({"input", "data", "true", "false", "null", "some", "in", "not", "every", "if", "else",
                            "contains", "default", "with", "as"})
_LITERAL_PUNCTUATION = frozenset({",", ":", "[", "]", "{", "}"})
_MESSAGE = ("object pattern unified with a value that may hold other keys too: regorus 0.13.0 matches it when "
            "the value holds the pattern's keys and more, where OPA matches only an object with exactly those "
            "keys; natpolicy refuses it: read the fields instead (`t := r.type`) or run with --rego-engine regopy")


def object_pattern_refusals(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset of the ``{``, message) of each object pattern regorus may match where OPA does not."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        parameters = parameter_list(toks, start, end)
        for k in range(start, end):
            if toks[k].text != "{" or toks[k].depth == 0 or not _is_object_literal(toks, k):
                continue
            close = matching_close(toks, k)
            if close is None or not _holds_fresh_variable(toks, start, k, close, package_names):
                continue
            if _is_pattern(source, toks, k, parameters, start, package_names):
                yield toks[k].offset, _MESSAGE


def _is_object_literal(toks: list[Token], k: int) -> bool:
    """A ``{`` opening an object (a ``:`` at its own level, no ``|``): not a set, body or comprehension."""
    close = matching_close(toks, k)
    if close is None:
        return False
    inner = [t.text for t in toks[k + 1:close] if t.depth == toks[k].depth + 1]
    return ":" in inner and "|" not in inner


def _is_comprehension(toks: list[Token], k: int) -> bool:
    close = matching_close(toks, k) or len(toks)
    return any(t.text == "|" and t.depth == toks[k].depth + 1 for t in toks[k + 1:close])


def _lone_variable(toks: list[Token], j: int, package_names: set[str]) -> bool:
    tok = toks[j]
    if tok.kind != "ident" or tok.text in _NOT_VARIABLES or tok.text in package_names:
        return False
    if j > 0 and toks[j - 1].text == ".":
        return False
    return not (j + 1 < len(toks) and toks[j + 1].text in (".", "[", "("))


def _holds_fresh_variable(toks: list[Token], start: int, k: int, close: int, package_names: set[str]) -> bool:
    """Does the literal hold ``_`` or a variable with no occurrence in its rule before the literal?"""
    earlier = earlier_names(toks, start, k)
    for j in range(k + 1, close):
        if _lone_variable(toks, j, package_names) and (toks[j].text == "_" or toks[j].text not in earlier):
            return True
    return False


def _outermost_literal(toks: list[Token], k: int) -> int:
    """The outermost array or object literal enclosing the literal opened at ``k`` (``k`` itself if none)."""
    outer = k
    j = k - 1
    depth = toks[k].depth
    while j >= 0 and depth > 0:
        if toks[j].depth == depth - 1 and toks[j].text in "([{":
            before = toks[j - 1] if j > 0 else None
            is_ref_bracket = toks[j].text == "[" and before is not None and (
                before.kind in ("ident", "string") or before.text in (")", "]", "}")) and before.text not in (
                "in", "some", "if", "else", "not", "contains")
            if toks[j].text == "(" or is_ref_bracket or (toks[j].text == "{" and not _is_object_literal(toks, j)) \
                    or _is_comprehension(toks, j):
                break
            outer = j
            depth -= 1
        j -= 1
    return outer


def _is_pattern(source: str, toks: list[Token], k: int, parameters: tuple[int, int] | None, start: int,
                package_names: set[str]) -> bool:
    if parameters is not None and parameters[0] < k < parameters[1]:
        return True
    outer = _outermost_literal(toks, k)
    close = matching_close(toks, outer)
    if close is None:
        return False
    after = toks[close + 1].text if close + 1 < len(toks) else ""
    before = toks[outer - 1].text if outer > 0 else ""
    if after == "in" and _in_some(toks, outer):
        return True
    if after in ("=", ":=") and _expression_start(source, toks, outer):
        return not _builds_or_matches_literal(source, toks, close + 2, start, outer, package_names)
    if before == "=" and _ends_expression(source, toks, close):
        first = _expression_first(source, toks, outer - 2)
        return not _builds_or_matches_literal(source, toks, first, start, first, package_names, outer - 2)
    return False


def _in_some(toks: list[Token], outer: int) -> bool:
    """Is the literal opened at ``outer`` a pattern of ``some k, PATTERN in`` / ``some PATTERN in``?"""
    j = outer - 1
    if j >= 0 and toks[j].text == ",":
        j -= 1
        while j >= 0 and toks[j].text in ("]", "}"):
            opened = next((m for m in range(j - 1, -1, -1) if matching_close(toks, m) == j), None)
            if opened is None:
                return False
            j = opened - 1
        j = j - 1 if j >= 0 and toks[j].kind == "ident" else j
    return j >= 0 and toks[j].text == "some"


def _expression_start(source: str, toks: list[Token], i: int) -> bool:
    if i == 0:
        return False
    return toks[i - 1].text in (";", "{", "|", "if", "not", "else") \
        or "\n" in source[toks[i - 1].offset:toks[i].offset]


def _expression_first(source: str, toks: list[Token], last: int) -> int:
    """The first token of the expression ending at ``last`` (the left side of ``=``)."""
    j = last
    while j > 0 and not _expression_start(source, toks, j) and toks[j - 1].depth >= toks[last].depth:
        j -= 1
    return j


def _ends_expression(source: str, toks: list[Token], last: int) -> bool:
    if last + 1 >= len(toks):
        return True
    after = toks[last + 1]
    return after.text in (";", "}", "]") or "\n" in source[toks[last].offset:after.offset]


def _builds_or_matches_literal(source: str, toks: list[Token], first: int, start: int, literal: int,
                               package_names: set[str], last: int | None = None) -> bool:
    """Is the other side (from ``first``; to ``last`` or the expression's end) a variable with no occurrence
    before (which the literal builds) or a literal holding no variable (whose keys regorus checks)?"""
    if first >= len(toks):
        return False
    if toks[first].text in ("[", "{"):
        close = matching_close(toks, first)
        if close is None or (last is not None and close != last) or (last is None and not _ends_expression(
                source, toks, close)):
            return False
        return all(t.kind in ("string", "raw", "number") or t.text in _LITERAL_PUNCTUATION
                   or t.text in ("true", "false", "null") for t in toks[first:close + 1])
    if (last is not None and last != first) or (last is None and not _ends_expression(source, toks, first)):
        return False
    return _lone_variable(toks, first, package_names) and toks[first].text != "_" \
        and toks[first].text not in earlier_names(toks, start, literal)
