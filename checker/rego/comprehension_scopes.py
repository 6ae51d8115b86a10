"""Comprehension scopes, and the comprehension variables that can be given a name of their own.

OPA gives each comprehension body a scope of its own: a declaration there is
checked against that scope only (``rewriteDeclaredVar`` looks at
``localDeclaredVars.Occurrence``, the innermost frame; each comprehension pushes
one in ``rewriteDeclaredVarsIn*Comprehension``, ``v1/ast/compile.go``). A use of
the name in that body *before* the declaration reads an enclosing variable
(``Declared`` searches every frame) or, where none is bound, is "var n
referenced above". :func:`scopes` reads the comprehension and ``every`` bodies of
a rule; :func:`renamable_declarations` names each declaration (``some ... in``,
``n :=``, ``[n, _] :=``) of a comprehension whose variable the rule also names
outside it, and the places a
new name must stand for OPA's reading to hold (``regorus_shadow`` renames them;
``regopy_shadow`` refuses the rest on regopy). Not renamable (left as written):
a use of the name in the comprehension's body before its declaration, the name
in the iterated collection or the assigned value itself (OPA reads the outer one
there: ``n := n + 1``), a second
declaration of it in that body or an assignment after it (OPA refuses the
module), or a comprehension or ``every`` inside that declares it again.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.records import record
from natpolicy.rego.rule_scope import some_in_collection, starts_body_statement
from natpolicy.rego.source import Token, dotted_call, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["Scope", "is_var", "renamable_declarations", "scopes"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null", "_"})
# After one of these a `[` indexes a ref (`xs[i]`) and a `{` opens a body (`if {`, `every x in xs {`).
_CLOSERS = frozenset({")", "]", "}"})


@record(frozen=True)
class Scope:
    """A comprehension or ``every`` body: token indexes, and the names it declares itself."""

    open: int  # `[` / `{` of a comprehension; `every` of an every statement
    body: int  # `|` of a comprehension, `{` of an every body
    close: int
    comprehension: bool
    # name -> token index of its declaration (`some n in`, `n :=`, `[n] :=`; plain `some n` too)
    declared: dict[str, int]
    plain: frozenset[str]  # names only a plain `some n` declares (regorus_some's to refuse)


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
            and not (k + 1 < len(toks) and toks[k + 1].text in ("(", ".") and dotted_call(toks, k, len(toks))))


def renamable_declarations(source: str) -> Iterator[tuple[int, str, list[int]]]:
    """(offset of the declaration: its ``some``, or the name assigned by ``:=``; the name; the token indexes of its
    places inside the comprehension) of each comprehension variable declared by ``some ... in``, ``n :=`` or a
    ``[n, _] :=`` pattern that the rule also names outside the comprehension (as a variable, anywhere: renaming the
    comprehension's own is exact wherever the other stands), where renaming it there means what OPA means."""
    if "some" not in source and ":=" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        found = scopes(toks, start, end)
        for scope in found:
            if not scope.comprehension:
                continue
            for name, at in scope.declared.items():
                if name in scope.plain:
                    continue  # a plain `some n` is regorus_some's
                places = _places(source, toks, scope, found, name, at)
                if places and any(_is_name(toks, k, name) for k in range(start, end)
                                  if not scope.open <= k <= scope.close):
                    yield toks[at].offset, name, places


def _places(source: str, toks: list[Token], scope: Scope, found: list[Scope], name: str, at: int) -> list[int]:
    """The token indexes of ``name`` as the comprehension's own variable, declared at ``at`` (a ``some``, or the
    name in ``n :=`` or in a ``:=`` pattern); none where renaming them would not mean what OPA means."""
    depth = toks[scope.open].depth + 1
    declaration = _declaration(source, toks, scope, at)
    if declaration is None:
        return []
    first, value_first, value_last = declaration
    if any(_is_name(toks, k, name) for k in range(value_first, value_last + 1)):
        return []  # `some n in f(n)`, `n := n + 1`: OPA reads the value's `n` as the outer one
    if any(_is_name(toks, k, name) for k in range(scope.body + 1, first)):
        return []  # used before its declaration: the outer variable in OPA, or OPA's own error
    for other in found:
        if other is not scope and scope.open < other.open < scope.close and name in other.declared:
            return []  # declared again inside: that scope's own variable, left as written
    for k in range(value_last + 1, scope.close):
        tok = toks[k]
        if tok.depth != depth:
            continue
        if tok.text == "some" and tok.kind == "ident" and _declares(source, toks, k, name):
            return []  # declared twice in one body: OPA refuses the module ("var n declared above")
        if _is_name(toks, k, name) and k + 1 < scope.close and toks[k + 1].text == ":=":
            return []  # assigned after its declaration: OPA refuses the module ("var n assigned above")
        close = matching_close(toks, k) if tok.text in ("[", "{") else None
        if close is not None and close + 1 < scope.close and toks[close + 1].text == ":=" \
                and any(_is_name(toks, j, name) for j in range(k + 1, close)):
            return []  # the same, by a pattern
    return [k for k in range(scope.open + 1, scope.close) if _is_name(toks, k, name)]


def _declaration(source: str, toks: list[Token], scope: Scope, at: int) -> tuple[int, int, int] | None:
    """(first token of the declaring statement, first and last token of the value it declares from: the
    collection of ``some ... in``, the right side of ``:=``) of the declaration at ``at``."""
    if toks[at].text == "some":
        collection = some_in_collection(source, toks, at)
        return None if collection is None else (at, *collection)
    depth = toks[scope.open].depth + 1
    first = at
    if not (at + 1 < len(toks) and toks[at + 1].text == ":=" and toks[at].depth == depth):
        # In a pattern: its opening bracket, the one at the body's depth whose close `:=` follows.
        opener = next((p for p in range(at - 1, scope.body, -1) if toks[p].depth == depth
                       and toks[p].text in ("[", "{")), None)
        close = matching_close(toks, opener) if opener is not None else None
        if opener is None or close is None or close < at or close + 1 >= len(toks) or toks[close + 1].text != ":=":
            return None
        first, at = opener, close
    value_first = last = at + 2
    k = value_first
    while k < scope.close:
        tok = toks[k]
        if tok.depth < depth or (tok.depth == depth and (
                tok.text in (";", "|") or (tok.kind == "ident" and tok.text == "with")
                or (k > value_first and starts_body_statement(source, toks, k)))):
            break
        last = k
        k += 1
    return first, value_first, last


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


def _is_name(toks: list[Token], k: int, name: str) -> bool:
    return toks[k].text == name and is_var(toks, k)
