"""A rule's ref head holding, in brackets, the name of a function of its package: OPA refuses the module.

OPA's ``resolveRefsInRule`` (v1/ast/compile.go) resolves every term of a rule's head ref after the first against
the package's rules and imports, unless the name is an argument or declared in the body (``:=``, ``some``:
``declaredVars``): ``s[r] := 2 if { true }`` beside ``r(1) := 5`` reads ``data.p.r``, which ``rewriteRuleHeadRefs``
moves into the body, and a function read as a value is the type checker's "undefined ref" (the same refusal as
``y := r``, ``type_checker``). regorus answered the module (the key read as something else, or the rule ignored)
and regopy stopped ("bundle verify", no line), found by ``rego_differential.py --rules`` (residue31, 2026-12-07).
A name declared in the body, or a rule that is no function (``r := 5``: ``s[r]`` is ``{"5": 2}``, as regorus
answers), is left alone.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.function_arity import function_arities, package_of
from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["head_key_functions"]

_HEAD_ENDS = frozenset({":=", "=", "if", "{", "contains", "else"})


def head_key_functions(source: str, package_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each bracket of a rule's head ref that names a function of the module's package."""
    if "[" not in source:
        return
    package = package_of(source)
    arities = function_arities((source, *package_sources))
    functions = {path.rsplit(".", 1)[1] for path, arity in arities.items()
                 if arity > 0 and path == f"data.{package}.{path.rsplit('.', 1)[1]}"}
    if not functions:
        return
    toks = tokens(source)
    for first, end in rule_statements(source, toks, rules_only=True):
        for k in _head_bracket_names(toks, first, end):
            name = toks[k].text
            if name in functions and not _declared_in_body(toks, k, end, name):
                yield toks[k].offset, (f"type error: `{name}` in the rule's head ref is OPA's data.{package}.{name}, "
                                       "a function read as a value (OPA resolves a head ref's names against the "
                                       "package: undefined ref); natpolicy refuses it as OPA does: declare a local "
                                       "name in the body, or call the function")


def _head_bracket_names(toks: list[Token], first: int, end: int) -> Iterator[int]:
    """Token indexes of the bare names alone in a bracket of the rule's head ref (``s[r]``, ``s.a[r]``)."""
    k = first + 1
    if toks[first].text == "default" or k >= end:
        return
    while k < end and toks[k].text not in _HEAD_ENDS and toks[k].text != "(":
        if toks[k].text == "[":
            close = matching_close(toks, k)
            if close is None:
                return
            if close == k + 2 and toks[k + 1].kind == "ident" and toks[k + 1].text != "_":
                yield k + 1
            k = close + 1
        elif toks[k].text == "." and k + 1 < end:
            k += 2
        else:
            return


def _declared_in_body(toks: list[Token], k: int, end: int, name: str) -> bool:
    """Whether the body declares ``name``, where OPA leaves it local (``declaredVars``): ``name :=``, ``name`` inside
    a pattern assigned by ``:=`` (``[name, y] := ...``), or among the names a ``some`` or ``every`` declares before
    its ``in`` (or, for ``some name``, up to the statement's end). Read by statement, so that a call ``name(x)`` after
    an unrelated ``some`` is no declaration; a doubt (a pattern) still counts as one."""
    n = k + 1
    while n < end:
        text = toks[n].text
        if text in ("some", "every"):
            last = _declaration_end(toks, n, end)
            if any(toks[m].text == name and toks[m].kind == "ident" for m in range(n + 1, last)):
                return True
            n = last
            continue
        if text == name and toks[n].kind == "ident" and _assigned(toks, n, end):
            return True
        n += 1
    return False


def _declaration_end(toks: list[Token], some: int, end: int) -> int:
    """Index of the ``in`` ending a ``some``/``every`` declaration, or of the first token past ``some x, y`` (a name
    not followed by a comma)."""
    n = some + 1
    while n < end and toks[n].text != "in":
        if toks[n].text in ("[", "{"):
            close = matching_close(toks, n)
            if close is None:
                return end
            n = close + 1
        elif toks[n].kind == "ident" and not (n + 1 < end and toks[n + 1].text in (",", "in")):
            return n + 1  # `some x` then the next statement: x was the last name declared
        else:
            n += 1
    return n


def _assigned(toks: list[Token], n: int, end: int) -> bool:
    """Is the name at ``n`` assigned by ``:=``, alone or inside a pattern written right before it?"""
    if n + 1 < end and toks[n + 1].text == ":=":
        return True
    depth, m = 0, n + 1
    while m < end:  # the brackets still open at the name, closed before a `:=`
        if toks[m].text in ("[", "{", "("):
            depth += 1
        elif toks[m].text in ("]", "}", ")"):
            if depth == 0:
                close = m
                while close + 1 < end and toks[close + 1].text in ("]", "}", ")"):
                    close += 1
                return close + 1 < end and toks[close + 1].text == ":="
            depth -= 1
        m += 1
    return False
