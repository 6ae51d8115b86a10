"""``y := ...`` or ``some y in xs`` of a name its body has already met: OPA refuses the module, an engine answered.

OPA gives each body (a rule's, an ``else``'s, a comprehension's, an
``every``'s) a scope of its own and rewrites it in order (``rewriteDeclaredVar``
in OPA's ast/compile.go): ``:=`` of a name the scope has met before is a
compile error: "var y referenced above" (``y > 0; y := 1``, ``input.arr[y];
y := 1``, ``y = 1; y := 1``), "var y assigned above" (``y := 1; y := 2``),
"var y declared above" (after ``some y in xs``), or "arg y redeclared" (a
function's parameter, in its own body); a pattern declaring one name at two
places (``[x, x] := [1, 1]``) is "var x assigned above" at the second. regorus refuses these itself; regopy
1.5.2 answered (``y := 1; y := 2`` was true, measured), so natpolicy refuses
them on both, with the line. A comprehension's head is read after its body
and a rule's head after its body, and a name met inside a nested
comprehension or ``every`` is that scope's: none of these count.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import parameter_names
from natpolicy.rego.source import NOT_VARIABLES, Token, enclosing_openers, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["redeclarations"]

_SEPARATORS = frozenset({";", "|", "if", "else"})
_OPA_WORDS = {"a use": "referenced above", "an assignment": "assigned above", "a declaration": "declared above"}


def redeclarations(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each name ``:=`` declares where its scope met it before."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        arguments = parameter_names(toks, start, end)
        scopes: dict[int, int | None] = {}
        yield from _some_redeclarations(source, toks, start, end, package_names, arguments, scopes)
        for k in range(start, end):
            if toks[k].text != ":=":
                continue
            scope = _scope(source, toks, start, k, scopes)
            if scope is None:
                continue  # a rule's head (`x := 1`), or a comprehension's head
            first = _expression_first(source, toks, k, scope)
            declared: set[str] = set()  # the names this `:=` declares so far (an object's keys are none)
            for j in range(first, k):
                if not _plain_variable(toks, j, package_names) or toks[j + 1].text == ":":
                    continue
                name = toks[j].text
                met = _met_before(source, toks, start, scope, first, name, package_names, scopes)
                if name in declared:  # `[x, x] := ...`: OPA declares each place in turn (rewriteDeclaredVar)
                    yield toks[j].offset, (f"`{name}` twice in one `:=` pattern: OPA refuses the module (var "
                                           f"{name} assigned above), regopy 1.5.2 answered; natpolicy refuses it: "
                                           "give each place its own name")
                declared.add(name)
                if met or (name in arguments and _is_rule_body(toks, scope)):
                    yield toks[j].offset, _refusal(f"{name} :=", name, met, "regopy 1.5.2 answered", "the new value")


def _some_redeclarations(source: str, toks: list[Token], start: int, end: int, package_names: set[str],
                         arguments: set[str], scopes: dict[int, int | None]) -> Iterator[tuple[int, str]]:
    """``some v in xs`` / ``some k, v in xs`` / ``some v`` of a name its scope met before: OPA declares each such name
    as ``:=`` does (``rewriteSomeDeclStatement`` calls ``rewriteDeclaredVar`` with ``declaredVar``), so ``some v in
    xs; some v in xs`` is "var v declared above". regopy 1.5.2 answered it (and, after ``v := 1``, the second loop),
    both engines answered ``some v; some v in xs`` (measured with ``rego_differential.py --rules``)."""
    for s in range(start, end):
        if toks[s].text != "some" or toks[s].kind != "ident":
            continue
        scope = _scope(source, toks, start, s, scopes)
        if scope is None:
            continue
        for j in _some_names(source, toks, s, end):
            if not _plain_variable(toks, j, package_names):
                continue
            name = toks[j].text
            met = _met_before(source, toks, start, scope, s, name, package_names, scopes)
            if met or (name in arguments and _is_rule_body(toks, scope)):
                yield toks[j].offset, _refusal(f"some {name}", name, met, "the engines answered some", "the new loop")


def _refusal(construct: str, name: str, met: str, answered: str, instead: str) -> str:
    """The refusal of ``construct`` (``y :=``, ``some y``) declaring ``name`` again, in OPA's words: after ``met``
    (``_met_before``) of it in its scope, or, where ``met`` is "", as the function's parameter."""
    if met:
        return (f"`{construct}` after {met} of `{name}` in the same body: OPA refuses the module (var {name} "
                f"{_OPA_WORDS[met]}), {answered}; natpolicy refuses it: give {instead} another name")
    return (f"`{construct}` declares the function's parameter `{name}` again: OPA refuses the module (arg {name} "
            f"redeclared); natpolicy refuses it: give {instead} another name")


def _some_names(source: str, toks: list[Token], s: int, end: int) -> list[int]:
    """The names the ``some`` at ``s`` declares: ``some v``, ``some k, v in xs``, or a pattern's
    (``_pattern_names``)."""
    names = _pattern_names(source, toks, s, end)
    if names is None:
        names, j = [], s + 1
        while j < end and toks[j].kind == "ident" and toks[j].text != "in":
            names.append(j)
            if j + 1 < end and toks[j + 1].text == ",":
                j += 2
                continue
            break
    return names


def _pattern_names(source: str, toks: list[Token], s: int, end: int) -> list[int] | None:
    """The names a ``some`` of patterns declares (``some [a, b] in xs``, ``some k, [a, _] in m``): OPA's
    ``rewriteSomeDeclStatement`` declares every output variable of ``pattern = xs[key]`` (``declaredVar``), so
    each is checked as a plain name is; a name twice in one pattern is declared once (a set: no error). None when
    no key or value is a pattern (or no ``in`` follows)."""
    depth = toks[s].depth
    found: list[int] = []
    pattern = False
    for j in range(s + 1, end):
        tok = toks[j]
        if tok.depth == depth and tok.text == "in" and tok.kind == "ident":
            return found if pattern else None
        if tok.depth < depth or (tok.depth == depth and (tok.text in (";", "}") or "\n" in source[
                toks[j - 1].offset:tok.offset])):
            return None  # the statement ended: `some a, b` declares plain names
        if tok.text in ("[", "{"):
            pattern = True
        elif tok.kind == "ident" and toks[j + 1].text != ":" and all(toks[k].text != tok.text for k in found):
            found.append(j)
    return None


def _plain_variable(toks: list[Token], j: int, package_names: set[str]) -> bool:
    tok = toks[j]
    if tok.kind != "ident" or tok.text in NOT_VARIABLES or tok.text in package_names:
        return False
    if j > 0 and toks[j - 1].text == ".":
        return False
    return not (j + 1 < len(toks) and toks[j + 1].text in ("(", "."))


def _scope(source: str, toks: list[Token], start: int, j: int, cache: dict[int, int | None]) -> int | None:
    """The index of the token opening the innermost body holding ``toks[j]`` (a rule's body ``{`` or ``if``, a
    comprehension's ``|``, an ``every``'s ``{``), or None in a head."""
    if j in cache:
        return cache[j]
    found: int | None = None
    m = j  # the outermost bracket left behind (or the token itself)
    for opener in enclosing_openers(toks, j, start - 1):
        close = matching_close(toks, opener) or len(toks)
        inside = toks[opener].depth + 1
        bar = next((b for b in range(opener + 1, close) if toks[b].text == "|" and toks[b].depth == inside), None)
        if toks[opener].text != "(" and bar is not None:
            found = bar if j > bar else None  # a comprehension: its body, or its head
            break
        if toks[opener].text == "{" and (_opens_body(toks, opener) or _opens_every(source, toks, opener)):
            found = opener
            break
        m = opener
    else:  # no bracket opens a body: out at depth 0, a rule's one-line body may (none if an opener is missing)
        if toks[m].depth == 0:
            # A rule's one-line body (`x if y := 1`) or `else := 1 if ...`: the last depth-0 `if` before it.
            # An `else` met first starts another head (`else := "no"`): no body holds it.
            keyword = next((o for o in range(m - 1, start - 1, -1) if toks[o].depth == 0
                            and toks[o].text in ("if", "else")), None)
            found = keyword if keyword is not None and toks[keyword].text == "if" \
                and keyword + 1 < len(toks) and toks[keyword + 1].text != "{" else None
    cache[j] = found
    return found


def _opens_body(toks: list[Token], o: int) -> bool:
    before = toks[o - 1] if o > 0 else None
    return before is not None and toks[o].depth == 0 and (
        before.text in (")", "]", "if", "else") or (before.kind in ("ident", "string") and before.text not in (
            "contains", "in", "default")))


def _opens_every(source: str, toks: list[Token], o: int) -> bool:
    """Is the ``{`` at ``o`` the body of ``every k, v in xs {``: an ``every`` before it in its expression?"""
    depth = toks[o].depth
    for j in range(o - 1, -1, -1):
        tok = toks[j]
        if tok.depth < depth:
            return False
        if tok.depth == depth:
            if tok.text == "every":
                return True
            if tok.text in (";", "|", "{", "if", "else") or "\n" in source[tok.offset:toks[j + 1].offset]:
                return False
    return False


def _is_rule_body(toks: list[Token], scope: int) -> bool:
    return toks[scope].depth == 0


def _expression_first(source: str, toks: list[Token], k: int, scope: int) -> int:
    """The first token of the left side of the ``:=`` at ``k``."""
    j = k - 1
    while j > scope + 1 and toks[j - 1].depth >= toks[k].depth and toks[j - 1].text not in _SEPARATORS \
            and not (toks[j - 1].depth == toks[k].depth and "\n" in source[toks[j - 1].offset:toks[j].offset]):
        j -= 1
    return j


def _met_before(source: str, toks: list[Token], start: int, scope: int, first: int, name: str,
                package_names: set[str], scopes: dict[int, int | None]) -> str:
    """How the scope met ``name`` before the expression at ``first``: "a use", "an assignment", "a declaration",
    or "" if it did not."""
    for m in range(scope + 1, first):
        if toks[m].text != name or not _plain_variable(toks, m, package_names):
            continue
        if _scope(source, toks, start, m, scopes) != scope or _every_name(toks, m):
            continue
        if _declared_by_some(source, toks, scope, m, first):
            return "a declaration"
        # The first token after it back at the statement's level: `:=` where it is (in) the left side.
        nxt = next((t.text for t in toks[m + 1:first] if t.depth <= toks[first].depth and t.text not in ")]}"), "")
        return "an assignment" if nxt == ":=" else "a use"
    return ""


def _every_name(toks: list[Token], m: int) -> bool:
    """Is ``toks[m]`` the key or value of ``every k, v in xs``? OPA declares them in the every's own scope
    (``rewriteEveryStatement`` pushes it first): the body around it never meets them."""
    j = m - 1
    if j >= 1 and toks[j].text == "," and toks[j - 1].kind == "ident":
        j -= 2
    return j >= 0 and toks[j].text == "every"


def _declared_by_some(source: str, toks: list[Token], scope: int, m: int, end: int) -> bool:
    """Does the nearest ``some`` before ``toks[m]`` declare it (``some v``, ``some k, v in``, ``some [a, b] in``)?
    OPA declares each such name (``declaredVar``), so ``:=`` of it after is "declared above", a pattern's too."""
    s = next((s for s in range(m - 1, scope, -1) if toks[s].text == "some" and toks[s].kind == "ident"), None)
    return s is not None and m in _some_names(source, toks, s, end)
