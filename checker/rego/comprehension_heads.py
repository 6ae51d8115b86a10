"""A comprehension's head reading a ref keyed by a name nothing binds but that ref: refused where the engine
answers otherwise than OPA.

OPA's compiler moves a comprehension's head that is no plain name into its body (``rewriteComprehensionTerms``:
``[input.ys[i] | some i]`` is ``[__local0__ | some i; __local0__ = input.ys[i]]``), where the ref iterates ``i``:
``[1, 2]`` for ``ys = [1, 2]``, and ``{i: input.ys[i] | some i}`` is ``{0: 1, 1: 2}``. Measured (raw and through
natpolicy): regopy 1.5.2 iterates nothing there and answered ``[]`` (``{}`` for an object comprehension); regorus
0.13.0 answered ``{}`` for the object comprehension (``{k: input.o[k] | some k}`` too), and as OPA for the array
and set ones and for such a ref in an object comprehension's key (``{input.ys[i]: 1 | some i}``). Where the body
binds the name (``[input.ys[i] | input.ys[i]]``) or the rule did before (``i := 1; [input.ys[i] | true]``), both
answer as OPA, and so does a rule's own head (``x contains input.ys[i] if { some i }``). Such a head is refused
with its line: bind the name in the body (``[y | some y in input.ys]``, ``{k: v | some k, v in input.o}``).
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import earlier_names, opens_body
from natpolicy.rego.source import Token, enclosing_openers, matching_close, tokens
from natpolicy.rego.static_checks import declared_name, rule_statements

__all__ = ["unbound_head_keys"]

_SAYS = {"regopy": "regopy 1.5.2 answers nothing", "regorus": "regorus 0.13.0 answers nothing in an object "
                                                              "comprehension's value"}

_NOT_NAMES = frozenset({"input", "data", "_", "true", "false", "null", "some", "in", "not", "every", "if", "else",
                        "contains", "default", "with", "as"})


def unbound_head_keys(source: str, package_names: set[str], engine: str) -> Iterator[tuple[int, str]]:
    """(offset of the name, message) of each name in a ref's brackets in a comprehension's head (on regorus, an
    object comprehension's value) that neither the comprehension's body nor the rule before it mentions (a plain
    ``some`` declaration binds nothing)."""
    if "|" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        for opener in range(start, end):
            bar = _bar(toks, opener)
            head = opener if engine == "regopy" or bar is None else _object_value(toks, opener, bar)
            if bar is None or head is None:
                continue
            close = matching_close(toks, opener)
            body = {t.text for j, t in enumerate(toks[bar + 1:close], bar + 1)
                    if t.kind == "ident" and not declared_name(toks, j)}
            before = earlier_names(toks, start, opener) | package_names
            for k in range(head + 1, bar):
                name = toks[k].text
                if toks[k].kind != "ident" or name in _NOT_NAMES or name in body or name in before \
                        or not _in_ref_bracket(toks, k, opener):
                    continue
                yield toks[k].offset, (f"`{name}` keys a ref in a comprehension's head, and nothing before it binds "
                                       f"`{name}`: OPA iterates it there (the head is evaluated in the body), "
                                       f"{_SAYS[engine]}; natpolicy refuses it: bind it in the comprehension's body "
                                       f"(`[v | some v in xs]`, `[xs[{name}] | xs[{name}]]`)")


def _bar(toks: list[Token], opener: int) -> int | None:
    """The ``|`` of the comprehension whose bracket is ``toks[opener]``, or None where it opens none."""
    if toks[opener].text not in ("[", "{") or opens_body(toks, opener) \
            or (opener > 0 and toks[opener - 1].text in ("if", "else")):
        return None  # (a rule's body may hold a set union's `|`)
    close = matching_close(toks, opener)
    if close is None:
        return None
    inside = toks[opener].depth + 1
    return next((j for j in range(opener + 1, close) if toks[j].text == "|" and toks[j].depth == inside), None)


def _object_value(toks: list[Token], opener: int, bar: int) -> int | None:
    """The ``:`` before the value of the object comprehension at ``toks[opener]`` (its ``|`` at ``bar``), or None
    where it is none (regorus misses only there: ``{input.ys[i]: 1 | some i}`` answered as OPA)."""
    inside = toks[opener].depth + 1
    if toks[opener].text != "{":
        return None
    return next((j for j in range(opener + 1, bar) if toks[j].text == ":" and toks[j].depth == inside), None)


def _in_ref_bracket(toks: list[Token], k: int, lo: int) -> bool:
    """Is ``toks[k]`` inside the brackets of a ref (a ``[`` glued to a name, a ``]`` or a ``)``), after ``lo``?"""
    for opener in enclosing_openers(toks, k, lo):
        before = toks[opener - 1]
        if toks[opener].text == "[" and before.offset + len(before.text) == toks[opener].offset \
                and (before.kind == "ident" or before.text in ("]", ")")):
            return True
    return False
