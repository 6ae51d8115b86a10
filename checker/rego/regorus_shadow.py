"""regorus 0.13.0: ``some n in`` in a comprehension, where the rule around it also names ``n``.

OPA gives each comprehension body a scope of its own: a declaration there is
checked against that scope only (``rewriteDeclaredVar`` looks at
``localDeclaredVars.Occurrence``, the innermost frame; each comprehension pushes
one in ``rewriteDeclaredVarsIn*Comprehension``, ``v1/ast/compile.go``), so in

    x := [[k, y] | some k, v in input.xs; some y in {v | some v in ["q"]}]

the set comprehension declares a new ``v`` and answers ``{"q"}`` for every
``k``. regorus refuses the module ("var `v` used before definition below",
measured) wherever an enclosing body or a function argument named ``v`` before
the comprehension; it answers when the name comes after.

:func:`rename_shadowing_for_regorus` gives such a comprehension's own variable
a name of its own (``__natpolicy_v_c<token>``) at each of its places inside the
comprehension: the declaration, every use after it in the body, and the head
term (evaluated after the body). That is what OPA's compiler does itself (it
renames every declared variable to a fresh ``__localN__``), so the answer is
OPA's. Left to regorus' own refusal (loud), where the renaming could not be
exact: a use of the name in the comprehension's body before its declaration
(OPA reads the outer variable there, or refuses "var v referenced above"), the
name in the iterated collection itself, a second declaration of it in the same
body (OPA: "var v declared above"), or a comprehension or ``every`` inside that
declares it again. ``n :=`` and ``[n, _] :=`` in a comprehension regorus
answers as OPA does; a plain ``some n`` is ``regorus_some``'s. Every line keeps
its number.
"""
from __future__ import annotations

from natpolicy.rego.regopy_shadow import Scope, is_var, scopes
from natpolicy.rego.rule_scope import some_in_collection
from natpolicy.rego.source import Token, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["rename_shadowing_for_regorus"]


def rename_shadowing_for_regorus(source: str) -> str:
    """``source`` with each comprehension variable declared by ``some ... in`` that the rule also names outside
    the comprehension renamed inside it (see the module's docstring); ``source`` itself where there is none."""
    if "some" not in source:
        return source  # the common case costs no tokenizing
    toks = tokens(source)
    renamed: dict[int, str] = {}  # token index -> its new name
    for start, end in rule_statements(source, toks, rules_only=True):
        found = scopes(toks, start, end)
        for scope in found:
            if not scope.comprehension:
                continue
            for name, at in scope.declared.items():
                if toks[at].text != "some" or name in scope.plain:
                    continue  # `n :=` regorus answers as OPA; a plain `some n` is regorus_some's
                places = _places(source, toks, scope, found, name, at)
                if places and _named_outside(toks, start, end, scope, name):
                    renamed.update((k, f"__natpolicy_{name}_c{scope.open}") for k in places)
    if not renamed:
        return source
    out = source
    for k in sorted(renamed, reverse=True):
        tok = toks[k]
        out = out[:tok.offset] + renamed[k] + out[tok.offset + len(tok.text):]
    return out


def _places(source: str, toks: list[Token], scope: Scope, found: list[Scope], name: str, at: int) -> list[int]:
    """The token indexes of ``name`` as the comprehension's own variable, declared by the ``some`` at ``at``; none
    where renaming them would not mean what OPA means."""
    depth = toks[scope.open].depth + 1
    collection = some_in_collection(source, toks, at)
    if collection is None:
        return []
    if any(_is_name(toks, k, name) for k in range(collection[0], collection[1] + 1)):
        return []  # `some n in f(n)`: OPA reads the collection's `n` as the outer one
    if any(_is_name(toks, k, name) for k in range(scope.body + 1, at)):
        return []  # used before its declaration: the outer variable in OPA, or OPA's own error
    for other in found:
        if other is not scope and scope.open < other.open < scope.close and name in other.declared:
            return []  # declared again inside: that scope's own variable, left as written
    for k in range(collection[1] + 1, scope.close):
        tok = toks[k]
        if tok.depth == depth and tok.text == "some" and tok.kind == "ident" and _declares(source, toks, k, name):
            return []  # declared twice in one body: OPA refuses the module ("var n declared above")
        if _is_name(toks, k, name) and k + 1 < scope.close and toks[k + 1].text == ":=" and tok.depth == depth:
            return []  # assigned after its declaration: OPA refuses the module ("var n declared above")
    return [k for k in range(scope.open + 1, scope.close) if _is_name(toks, k, name)]


def _declares(source: str, toks: list[Token], k: int, name: str) -> bool:
    """Does the ``some`` statement at ``k`` declare ``name`` (``some n``, ``some a, n``, ``some k, [n] in``)?"""
    collection = some_in_collection(source, toks, k)
    if collection is not None:  # the names and patterns before its `in`
        return any(_is_name(toks, j, name) for j in range(k + 1, collection[0] - 1))
    j = k + 1
    while j < len(toks) and toks[j].kind == "ident":  # `some a, b`: names joined by commas
        if toks[j].text == name:
            return True
        if j + 1 >= len(toks) or toks[j + 1].text != ",":
            break
        j += 2
    return False


def _named_outside(toks: list[Token], start: int, end: int, scope: Scope, name: str) -> bool:
    """Does the rule name ``name`` as a variable outside the comprehension (anywhere: renaming the comprehension's
    own variable is exact wherever the other one stands; regorus refuses where it stands before)?"""
    return any(_is_name(toks, k, name) for k in range(start, end) if not scope.open <= k <= scope.close)


def _is_name(toks: list[Token], k: int, name: str) -> bool:
    return toks[k].text == name and is_var(toks, k)
