"""regopy 1.5.2: a comprehension's own variable named like one the body around it has already bound.

OPA gives each comprehension body a scope of its own: its compiler checks a
declaration (``some n in xs``, ``n := ...``, ``[n, _] := ...``) only against
the innermost scope (``rewriteDeclaredVar`` in ``ast/compile.go``), so in

    x := [n, z] if {
      n := "a"
      z := [n | some n in input.xs]
    }

the comprehension declares a new ``n`` and the rule's ``n`` stays ``"a"``;
neither form is a compile error. regopy 1.5.2 binds the outer variable
instead: after the comprehension it holds the comprehension's last element
(``[["b", "c"], "c"]`` where OPA answers ``[["b", "c"], "a"]``, probe
``regopy-comprehension-shadows-outer`` before the renaming below), or the
comprehension comes out empty when the outer value does not match (``[n | [n,
_] := ...]``). A declaration natpolicy renames inside the comprehension first, on
both engines (``regorus_shadow``; ``comprehension_scopes.renamable_declarations``),
is no longer the outer one and is not refused here.

:func:`shadowing_declarations` names each other such declaration and
``natpolicy.rego.guards`` refuses it on regopy. Counted as bound before: any
use of the name as a variable in an enclosing body before the comprehension
(generous: a use may not be the binding one), or a function argument of that
name. The enclosing body of a comprehension in a rule's head is the innermost
comprehension holding it (``[y | v := 1; y := {v | [v] := [2]}]``: regopy
answered ``[[]]``, OPA ``[[2]]``); one in no other is not refused (regopy
answers it as OPA). Not counted: the rule's head (evaluated after the body), a
sibling rule, a use after the comprehension, and uses inside another
comprehension or ``every`` body that declares the name itself. A plain ``some
n`` in a comprehension is ``regorus_some``'s (refused on both engines).
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.comprehension_scopes import Scope, is_var, renamable_declarations, scopes
from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["shadowing_declarations"]

def shadowing_declarations(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each comprehension declaration regopy 1.5.2 reads as the outer variable."""
    toks = tokens(source)
    # Those natpolicy gives a name of their own before regopy compiles (regorus_shadow): no longer the outer one.
    renamed = {(offset, name) for offset, name, _ in renamable_declarations(source)}
    for start, end in rule_statements(source, toks, rules_only=True):
        found = scopes(toks, start, end)
        arguments = _arguments(toks, start)
        for scope in found:
            if not scope.comprehension:
                continue
            # In the rule's head, the body around it is the innermost comprehension holding it, if any.
            body_open = _body_opener(toks, start, scope.open)
            if body_open is None:
                around = [other.body for other in found if other.comprehension and other.body < scope.open
                          and scope.close < other.close]
                if not around:
                    continue  # a comprehension in the head, in no other: regopy answers it as OPA
                body_open = max(around)
            for name, at in sorted(scope.declared.items(), key=lambda item: item[1]):
                if name in scope.plain or (toks[at].offset, name) in renamed:
                    continue
                if name in arguments or _used_before(toks, body_open, scope, found, name):
                    yield toks[at].offset, _message(toks, at, name)


def _message(toks: list[Token], at: int, name: str) -> str:
    what = "`some ... in`" if toks[at].text == "some" else "`:=`"
    return (f"{what} in a comprehension declares `{name}`, which the body around it has already bound: "
            f"OPA gives the comprehension a new `{name}`, regopy 1.5.2 binds the outer one, so natpolicy "
            f"refuses it; rename one of them")


def _arguments(toks: list[Token], start: int) -> set[str]:
    """The variables of a function's arguments, ``f(a, [b, _])``."""
    name_at = start + 1 if toks[start].text == "default" else start
    if name_at + 1 >= len(toks) or toks[name_at + 1].text != "(":
        return set()
    close = matching_close(toks, name_at + 1)
    if close is None:
        return set()
    return {toks[j].text for j in range(name_at + 2, close) if is_var(toks, j)}


def _body_opener(toks: list[Token], start: int, at: int) -> int | None:
    """The ``{`` or ``if`` opening the rule body (of its ``else`` branch) that holds token ``at``, if any."""
    for k in range(at - 1, start - 1, -1):
        if toks[k].depth != 0:
            continue
        if toks[k].text in ("{", "if"):
            return k
        if toks[k].text == "else":
            return None
    return None


def _used_before(toks: list[Token], body_open: int, scope: Scope, found: list[Scope], name: str) -> bool:
    """Is ``name`` a variable of a body around ``scope``, used between the rule body's start and it?"""
    # Bodies that declare `name` themselves and do not hold `scope`: a use there is their own variable.
    own = [(other.open, other.close) for other in found
           if name in other.declared and not other.open < scope.open <= other.close]
    # Around `scope`: a comprehension's head term is evaluated after its body, not before `scope`.
    heads = [(other.open, other.body) for other in found
             if other.comprehension and other.open < scope.open <= other.close]
    for k in range(body_open + 1, scope.open):
        if toks[k].text != name or not is_var(toks, k):
            continue
        if any(lo <= k <= hi for lo, hi in own) or any(lo < k < hi for lo, hi in heads):
            continue
        return True
    return False
