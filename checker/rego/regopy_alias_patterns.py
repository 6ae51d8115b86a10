"""regopy: two collection patterns unified with each other, each holding a name nothing before it binds.

OPA orders a body for safety before it runs (``reorderBodyForSafety`` in v1/ast/compile.go): ``[a] = [b]``, whose
names only a later statement binds (``[a] = [b]; a = input.a``), is unified after that statement. regopy 1.5.2
unifies it where it is written and finds nothing (measured: ``x contains [a, b] if { [a] = [b]; a = input.a }``
answered ``[]``, OPA and regorus ``[[1, 1]]``; so did ``[a, 1] = [b, c]``, with either name bound later). ``a = b``
in its place, and the pattern written after the binding, are answered as OPA. So where both sides of a ``=`` are
array, object or set literals and each holds a name no earlier part of the rule mentions (its parameters, its
body before the statement), the module is refused on regopy, with the line. Found by ``rego_differential.py
--patterns``.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import earlier_names, starts_body_statement
from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["alias_pattern_refusals"]

_NOT_VARIABLES = frozenset({"input", "data", "_", "true", "false", "null", "some", "in", "not", "every", "if",
                            "else", "contains", "default", "with", "as"})


def alias_pattern_refusals(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``[..] = [..]`` (or ``{..}``) whose two sides hold names nothing before binds."""
    if "=" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        for k in range(start + 1, end - 1):
            if toks[k].text != "=" or toks[k].kind != "op" or toks[k - 1].text not in ("]", "}") \
                    or toks[k + 1].text not in ("[", "{"):
                continue
            left, right = _opener_of(toks, k - 1), (k + 1, matching_close(toks, k + 1))
            if left is None or right[1] is None or not starts_body_statement(source, toks, left):
                continue
            before = earlier_names(toks, start, left) | package_names
            free_left = _free_names(toks, left, k - 1, before)
            free_right = _free_names(toks, right[0], right[1], before)
            if free_left and free_right:
                names = ", ".join(sorted(free_left | free_right))
                yield toks[left].offset, (
                    f"a pattern unified with a pattern, each holding a name nothing before it binds ({names}): OPA "
                    "unifies it once a later statement has bound them (reorderBodyForSafety), regopy 1.5.2 where it "
                    "is written, and finds nothing; natpolicy refuses it on regopy: write the statement that binds "
                    "them first, or run with --rego-engine regorus")


def _opener_of(toks: list[Token], close: int) -> int | None:
    """The bracket that ``toks[close]`` closes."""
    for j in range(close - 1, -1, -1):
        if toks[j].depth == toks[close].depth and toks[j].text in ("[", "{", "("):
            return j if matching_close(toks, j) == close else None
    return None


def _free_names(toks: list[Token], opener: int, close: int, before: set[str]) -> set[str]:
    """The variables of the literal ``toks[opener..close]`` that ``before`` does not hold; none in a
    comprehension (its names are its own)."""
    if any(t.text == "|" and t.depth == toks[opener].depth + 1 for t in toks[opener + 1:close]):
        return set()
    out: set[str] = set()
    for j in range(opener + 1, close):
        tok = toks[j]
        if tok.kind != "ident" or tok.text in _NOT_VARIABLES or tok.text in before or toks[j - 1].text == "." \
                or toks[j + 1].text in (".", "[", "("):
            continue
        out.add(tok.text)
    return out
