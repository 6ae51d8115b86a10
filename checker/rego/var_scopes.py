"""The scopes of a rule's variables, as OPA's compiler reads them: a comprehension's body and an ``every``'s body.

A name bound inside a comprehension (``[e | e := 1]``, ``[k | some k in xs]``) or declared by an ``every``
(``every i, e in xs { ... }``, and whatever its body binds) is a variable of that scope only: OPA rewrites each
such body apart (rewriteComprehensionTerms, rewriteEvery, rewriteDeclaredVarsInEvery in v1/ast/compile.go) and
checks its safety on its own, so a use of the name outside it is bound by nothing there ("var e is unsafe",
checkSafetyRuleBodies). A scope sees the names of the scopes around it (a closure), never those inside it.
"""
from __future__ import annotations

from natpolicy.rego.source import Token, enclosing_openers, matching_close

__all__ = ["Scopes"]

_VALUE_BEFORE = frozenset({":=", "=", "==", "contains", "in", ",", "(", "[", "|"})


class Scopes:
    """The scope openers of one module's tokens: comprehension brackets and ``every`` bodies."""

    def __init__(self, toks: list[Token]) -> None:
        self._toks = toks
        self._every_bodies: dict[int, int] = {}  # `every`'s declared names (their token index) -> its body's `{`
        bodies: set[int] = set()
        for i, tok in enumerate(toks):
            # `import future.keywords.every` names the keyword: no `every` whose body is the next brace.
            if tok.text == "every" and tok.kind == "ident" and not (i > 0 and toks[i - 1].text == "."):
                body, names = _every_body(toks, i)
                if body is not None:
                    bodies.add(body)
                    self._every_bodies.update((n, body) for n in names)
        self._bodies = frozenset(bodies)
        self._cache: dict[int, bool] = {}

    def chain(self, k: int) -> tuple[int, ...]:
        """The scope openers around ``toks[k]``, outermost first (an ``every``'s names are in its body's scope)."""
        inner = [o for o in enclosing_openers(self._toks, k) if self._is_scope(o)]
        body = self._every_bodies.get(k)
        return (*reversed(inner), *((body,) if body is not None else ()))

    def _is_scope(self, opener: int) -> bool:
        if opener not in self._cache:
            self._cache[opener] = opener in self._bodies or self._is_comprehension(opener)
        return self._cache[opener]

    def _is_comprehension(self, opener: int) -> bool:
        toks = self._toks
        tok = toks[opener]
        if tok.text not in ("[", "{"):
            return False
        # A rule's own body brace (depth 0, after `if`/`else`/a head) holding a set union `a | b` is no scope.
        if tok.depth == 0 and (opener == 0 or toks[opener - 1].text not in _VALUE_BEFORE):
            return False
        close = matching_close(toks, opener)
        if close is None:
            return False
        inside = tok.depth + 1
        return any(t.text == "|" and t.depth == inside for t in toks[opener + 1:close])


def _every_body(toks: list[Token], i: int) -> tuple[int | None, list[int]]:
    """The index of the ``{`` opening the body of the ``every`` at ``i``, and its declared names' indexes."""
    depth, names = toks[i].depth, []
    j = i + 1
    while j < len(toks) and not (toks[j].text == "in" and toks[j].depth == depth):
        if toks[j].kind == "ident":
            names.append(j)
        j += 1
    in_at = j
    j += 1
    while j < len(toks) and toks[j].depth >= depth:
        if toks[j].depth == depth and toks[j].text in ("(", "[", "{"):
            if toks[j].text == "{" and j > in_at + 1 and toks[j - 1].text not in (".", "in"):
                return j, names
            close = matching_close(toks, j)
            if close is None:
                break
            j = close + 1
            continue
        j += 1
    return None, []
