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
``regopy-comprehension-shadows-outer``), or the comprehension comes out
empty when the outer value does not match (``[n | [n, _] := ...]``). regorus
0.13.0 refuses ``some n in`` there ("var `n` used before definition below";
``regorus_shadow`` renames it, with this module's scopes) and answers ``n :=``
as OPA does.

:func:`shadowing_declarations` names each such declaration and
``natpolicy.rego.guards`` refuses it on regopy. Counted as bound before: any
use of the name as a variable in an enclosing body before the comprehension
(generous: a use may not be the binding one), or a function argument of that
name. Not counted: the rule's head (evaluated after the body; a comprehension
in the head is not refused, regopy answers it as OPA), a sibling rule, a use
after the comprehension, and uses inside another comprehension or ``every``
body that declares the name itself. A plain ``some n`` in a comprehension is
``regorus_some``'s (refused on both engines).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["Scope", "is_var", "scopes", "shadowing_declarations"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null", "_"})
# After one of these a `[` indexes a ref (`xs[i]`) and a `{` opens a body (`if {`, `every x in xs {`).
_CLOSERS = frozenset({")", "]", "}"})


@dataclass(frozen=True)
class Scope:
    """A comprehension or ``every`` body: token indexes, and the names it declares itself."""

    open: int  # `[` / `{` of a comprehension; `every` of an every statement
    body: int  # `|` of a comprehension, `{` of an every body
    close: int
    comprehension: bool
    # name -> token index of its declaration (`some n in`, `n :=`, `[n] :=`; plain `some n` too)
    declared: dict[str, int]
    plain: frozenset[str]  # names only a plain `some n` declares (regorus_some's to refuse)


def shadowing_declarations(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each comprehension declaration regopy 1.5.2 reads as the outer variable."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        found = scopes(toks, start, end)
        arguments = _arguments(toks, start)
        for scope in found:
            if not scope.comprehension:
                continue
            body_open = _body_opener(toks, start, scope.open)
            if body_open is None:
                continue  # a comprehension in the head: regopy answers it as OPA
            for name, at in sorted(scope.declared.items(), key=lambda item: item[1]):
                if name in scope.plain:
                    continue
                if name in arguments or _used_before(toks, body_open, scope, found, name):
                    yield toks[at].offset, _message(toks, at, name)


def _message(toks: list[Token], at: int, name: str) -> str:
    what = "`some ... in`" if toks[at].text == "some" else "`:=`"
    return (f"{what} in a comprehension declares `{name}`, which the body around it has already bound: "
            f"OPA gives the comprehension a new `{name}`, regopy 1.5.2 binds the outer one, so natpolicy "
            f"refuses it; rename one of them")


def scopes(toks: list[Token], start: int, end: int) -> list[Scope]:
    out: list[Scope] = []
    for k in range(start, end):
        tok = toks[k]
        if tok.text in ("[", "{") and tok.kind == "op" and _opens_value(toks, k):
            close = matching_close(toks, k)
            if close is None or close > end:
                continue
            bar = next((j for j in range(k + 1, close) if toks[j].text == "|" and toks[j].depth == tok.depth + 1),
                       None)
            if bar is not None:
                declared, plain = _declared(toks, bar + 1, close, tok.depth + 1)
                out.append(Scope(k, bar, close, True, declared, plain))
        elif tok.text == "every" and tok.kind == "ident" and not (k > 0 and toks[k - 1].text == "."):
            in_at = next((j for j in range(k + 1, end) if toks[j].text == "in" and toks[j].depth == tok.depth), None)
            brace = next((j for j in range(in_at + 1, end) if toks[j].text == "{" and toks[j].depth == tok.depth
                          and not _opens_value(toks, j)), None) if in_at is not None else None
            close = matching_close(toks, brace) if brace is not None else None
            if in_at is None or brace is None or close is None:
                continue
            names = {toks[j].text: k for j in range(k + 1, in_at) if is_var(toks, j)}
            out.append(Scope(k, brace, close, False, names, frozenset()))
    return out


def _opens_value(toks: list[Token], k: int) -> bool:
    """Is the bracket at ``k`` a collection (not a ref's index, a rule body or an ``every`` body)?"""
    if k == 0:
        return False
    before = toks[k - 1]
    if before.text in _CLOSERS or before.kind in ("string", "raw", "number"):
        return False
    if before.kind == "ident":
        return before.text in ("in", "contains", "not", "some", "as")
    return True


def _declared(toks: list[Token], lo: int, hi: int, depth: int) -> tuple[dict[str, int], frozenset[str]]:
    """Names a body ``toks[lo:hi]`` (statements at ``depth``) declares: some ... in, some, :=, patterns."""
    declared: dict[str, int] = {}
    plain: set[str] = set()
    k = lo
    while k < hi:
        tok = toks[k]
        if tok.depth != depth:
            k += 1
            continue
        if tok.text == "some" and tok.kind == "ident" and toks[k - 1].text != ".":
            names, after = _some_names(toks, k + 1, hi, depth)
            is_in = after < hi and toks[after].text == "in"
            for name in names:
                if name not in declared:
                    declared[name] = k
                    if not is_in:
                        plain.add(name)
            k = after
            continue
        if tok.kind == "ident" and tok.text not in _KEYWORDS and k + 1 < hi and toks[k + 1].text == ":=" \
                and toks[k - 1].text != ".":
            declared.setdefault(tok.text, k)
        elif tok.text in ("[", "{"):
            close = matching_close(toks, k)
            if close is not None and close + 1 < hi and toks[close + 1].text == ":=":
                for j in range(k + 1, close):
                    if is_var(toks, j):
                        declared.setdefault(toks[j].text, j)
        k += 1
    return declared, frozenset(plain)


def _some_names(toks: list[Token], k: int, hi: int, depth: int) -> tuple[list[str], int]:
    """The variables of ``some a, [b, c]`` from token ``k``; and the index after them (``in`` or not)."""
    names: list[str] = []
    while k < hi:
        tok = toks[k]
        if tok.text in ("[", "{") and tok.depth == depth:
            close = matching_close(toks, k)
            if close is None:
                break
            names.extend(toks[j].text for j in range(k + 1, close) if is_var(toks, j))
            k = close + 1
        elif tok.kind == "ident" and tok.text not in _KEYWORDS:
            names.append(tok.text)
            k += 1
        elif tok.text == "_":
            k += 1
        else:
            break
        if k < hi and toks[k].text == "," and toks[k].depth == depth:
            k += 1
            continue
        break
    return names, k


def is_var(toks: list[Token], k: int) -> bool:
    tok = toks[k]
    return (tok.kind == "ident" and tok.text not in _KEYWORDS and not (k > 0 and toks[k - 1].text == ".")
            and not (k + 1 < len(toks) and toks[k + 1].text in ("(", ".") and _is_call(toks, k)))


def _is_call(toks: list[Token], k: int) -> bool:
    j = k
    while j + 2 < len(toks) and toks[j + 1].text == "." and toks[j + 2].kind == "ident":
        j += 2
    return j + 1 < len(toks) and toks[j + 1].text == "("


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
