"""Where a rule's variables are: its function parameters, and the names a body mentions before a place.

Shared by the checks that must tell a variable a pattern or a comparison binds (its first occurrence) from
one bound before (``regorus_patterns``, ``regopy_unify``).
"""
from __future__ import annotations

from natpolicy.rego.source import Token, dotted_end, enclosing_openers, matching_close

__all__ = ["array_comprehensions", "comprehension_statements", "comprehensions", "earlier_names",
           "in_array_or_set_body",
           "in_comprehension_body", "in_comprehension_head", "opens_body", "parameter_list", "parameter_names",
           "ref_root", "some_in_collection", "starts_body_statement"]

# A line ending in one of these goes on (`x := input.a[_] with` / `input.b`), and so does a line after `if`.
_CONTINUING = frozenset({"not", "in", "some", "every", "with", "as", "else", "if", "contains", "default"})
_NOT_VARIABLES = frozenset({"input", "data", "true", "false", "null", "some", "in", "not", "every", "if", "else",
                            "contains", "default", "with", "as"})


def parameter_list(toks: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """The ``(`` and ``)`` of a function head's parameters: ``f(a, {"k": b}) := ...``."""
    j = dotted_end(toks, start, end)
    if j + 1 < end and toks[j + 1].text == "(":
        close = matching_close(toks, j + 1)
        if close is not None:
            return j + 1, close
    return None


def parameter_names(toks: list[Token], start: int, end: int) -> set[str]:
    """The names a function head's parameters bind (``f(x, {"k": y})``: x, y); none for a rule."""
    parameters = parameter_list(toks, start, end)
    return {t.text for t in toks[parameters[0] + 1:parameters[1]] if t.kind == "ident"} if parameters else set()


def earlier_names(toks: list[Token], start: int, k: int) -> set[str]:
    """Names occurring before ``k`` in the rule's parameters or body, outside a comprehension's head (a head
    reads what its body binds later)."""
    parameters = parameter_list(toks, start, k)
    body = next((j for j in range(start, k) if toks[j].depth == 0 and opens_body(toks, j)), None)
    names = {t.text for t in toks[parameters[0]:min(parameters[1], k)] if t.kind == "ident"} if parameters else set()
    # Without a body (`x := [a | ...]`), the rule's value is read inside its brackets; a head names no binding.
    first = body if body is not None else start
    return names | {toks[j].text for j in range(first, k) if toks[j].kind == "ident"
                    and (body is not None or toks[j].depth > 0) and not in_comprehension_head(toks, j)
                    and not (parameters and parameters[0] <= j <= parameters[1])}


def opens_body(toks: list[Token], j: int) -> bool:
    """``if``, or a ``{`` after a head (``p {``, ``deny[msg] {``, ``f(x) {``), not an object or set literal."""
    before = toks[j - 1] if j > 0 else None
    return toks[j].text == "if" or (toks[j].text == "{" and before is not None and (
        before.text in (")", "]", "else") or (before.kind in ("ident", "string", "number")
                                              and before.text not in _NOT_VARIABLES)))


def in_comprehension_head(toks: list[Token], j: int) -> bool:
    """Is ``toks[j]`` inside a comprehension's head (before its ``|``), at any depth? A rule's body is no
    comprehension, whatever ``|`` (a set union) it holds."""
    for opener in enclosing_openers(toks, j):
        if toks[opener].depth == 0 and (opens_body(toks, opener) or toks[opener - 1].text == "if"):
            return False
        close = matching_close(toks, opener) or len(toks)
        inside = toks[opener].depth + 1
        if toks[opener].text != "(" and any(t.text == "|" and t.depth == inside for t in toks[j + 1:close]):
            return True
    return False


def in_comprehension_body(toks: list[Token], j: int) -> bool:
    """Is ``toks[j]`` inside a comprehension's body (after its ``|``), at any depth?"""
    return any(toks[opener].text in ("[", "{")
               and any(t.text == "|" and t.depth == toks[opener].depth + 1 for t in toks[opener + 1:j])
               for opener in enclosing_openers(toks, j))


def starts_body_statement(source: str, toks: list[Token], k: int) -> bool:
    """Is ``toks[k]`` (inside a body) the first token of a statement: after the body's ``{``, a comprehension's
    ``|``, a ``;``, or first on its line after a line that does not go on?"""
    prev = toks[k - 1] if k > 0 else None
    if prev is None:
        return False
    if prev.text in ("{", ";", "|"):
        return prev.text != "{" or k < 2 or toks[k - 2].text != "="  # `x = {h := ...}` is no body
    on_earlier_line = "\n" in source[prev.offset:toks[k].offset]
    return on_earlier_line and (prev.kind != "op" or prev.text in ("}", "]", ")")) and prev.text not in _CONTINUING


def comprehension_statements(source: str, toks: list[Token], start: int, end: int, depth: int
                             ) -> list[tuple[int, int]]:
    """(first, last) token of each statement of a comprehension's body ``toks[start:end]`` at ``depth``: split at
    ``;`` or where a statement starts on a new line (``starts_body_statement``), so that a call's arguments, a
    literal or an operator going on over lines stay in their statement. A closing bracket on a line of its own
    (which holds the depth outside it) ends the literal or call it closes, never starts a statement."""
    out, first = [], start
    for k in range(start, end):
        if toks[k].depth != depth:
            continue
        if toks[k].text == ";":
            if first < k:
                out.append((first, k - 1))
            first = k + 1
        elif k > first and toks[k].text not in (")", "]", "}") and starts_body_statement(source, toks, k):
            out.append((first, k - 1))
            first = k
    if first < end:
        out.append((first, end - 1))
    return out


def some_in_collection(source: str, toks: list[Token], i: int) -> tuple[int, int] | None:
    """(first, last) token of the collection of the ``some ... in`` statement whose ``some`` is ``toks[i]`` (to the
    statement's end: a ``;``, a comprehension's ``|``, ``with``, the body's close or the next statement's line),
    or None where ``toks[i]`` starts no such statement (``some i`` declares). The key or value may be a pattern
    (``some k, [a, b] in xs``), read as a whole."""
    tok = toks[i]
    if tok.kind != "ident" or tok.text != "some" or tok.depth == 0 or (i > 0 and toks[i - 1].text == "."):
        return None
    j = i + 1
    while j + 1 < len(toks) and toks[j].depth == tok.depth and toks[j].text != "in":
        if toks[j].text in ("[", "{") and toks[j - 1].text in ("some", ","):
            close = matching_close(toks, j)  # a pattern, only where a name could stand (`some x [a] in` is none)
            if close is None:
                return None
            j = close + 1
        elif toks[j].kind == "ident" or toks[j].text == ",":
            j += 1
        else:
            break
    if j + 1 >= len(toks) or toks[j].text != "in" or toks[j].kind != "ident":
        return None
    first = last = j + 1
    k = first
    while k < len(toks):
        cur = toks[k]
        if cur.depth < tok.depth or (cur.depth == tok.depth and (
                cur.text in (";", "|") or (cur.kind == "ident" and cur.text == "with")
                or (k > first and starts_body_statement(source, toks, k)))):
            break
        last = k
        k += 1
    return first, last


_BEFORE_A_VALUE = frozenset({"in", "contains", "if", "else", "some", "not", "with", "as", "every", "default"})


def comprehensions(toks: list[Token], kinds: tuple[str, ...] = ("[", "{"), start: int = 0,
                   end: int | None = None) -> list[tuple[int, int]]:
    """(opener, close) of each comprehension opened by one of ``kinds`` (``[`` an array one, ``{`` a set or
    object one) with both brackets in ``toks[start:end]``: a bracket that opens a value, holding a ``|`` at its
    own depth. A ref's bracket (``r[a | b]``, a set union as key) opens none, nor does a body (``p {``, ``f(x) {``,
    ``if {``, ``else {``) holding a set union (``s := {1} | {2}``)."""
    stop = len(toks) if end is None else end
    out = []
    for i in range(start, stop):
        tok = toks[i]
        before = toks[i - 1] if i > 0 else None
        if tok.text not in kinds or (before is not None and (before.kind in ("ident", "string") or before.text in
                                                             (")", "]", "}")) and before.text not in _BEFORE_A_VALUE):
            continue
        if tok.text == "{" and before is not None and before.text in ("if", "else"):
            continue  # a body: `if` and `else` are followed by no value
        close = matching_close(toks, i)
        if close is not None and close < stop \
                and any(t.text == "|" and t.depth == tok.depth + 1 for t in toks[i + 1:close]):
            out.append((i, close))
    return out


def array_comprehensions(toks: list[Token]) -> list[tuple[int, int]]:
    """(``[``, ``]``) of each array comprehension of ``toks`` (see ``comprehensions``)."""
    return comprehensions(toks, kinds=("[",))


def in_array_or_set_body(toks: list[Token], i: int) -> bool:
    """Is ``toks[i]`` a statement of an array or set comprehension's body (its innermost bracket), where regopy
    1.5.2 cannot parse a two-name ``some ... in`` (regopy_some_pairs, self_keyed)?"""
    opener = next(enclosing_openers(toks, i), None)
    if opener is None or toks[opener].text not in ("[", "{"):
        return False
    inside = toks[opener].depth + 1
    between = [t.text for t in toks[opener + 1:i] if t.depth == inside]
    return "|" in between and (toks[opener].text == "[" or ":" not in between[:between.index("|")])


def ref_root(toks: list[Token], bracket: int, first: int = 0) -> int | None:
    """The first token of the term whose bracket opens at ``bracket``, looking no further back than ``first``:
    ``r`` of ``r[a].s[b]``, ``f`` of ``f(x)[k]`` (``object.keys`` of ``object.keys(o)[k]``), the ``{`` of
    ``{{1}, {"a": 1}}[k]``; None where it is no such term (a parenthesised one: ``(x)[k]``)."""
    k = bracket - 1
    while k >= first:
        if toks[k].text in ("]", "}", ")"):
            opening = {"]": "[", "}": "{", ")": "("}[toks[k].text]
            opener = next((m for m in range(k - 1, first - 1, -1) if toks[m].depth == toks[k].depth
                           and toks[m].text == opening), None)
            if opener is None:
                return None
            if opening == "{":
                return opener  # a set or object literal or comprehension, bracketed where it stands
            if opener == first or (opening == "(" and (toks[opener - 1].kind != "ident"
                                                       or toks[opener - 1].text in _BEFORE_A_VALUE)):
                return None
            k = opener - 1
            continue
        if toks[k].kind != "ident" or toks[k].text in _BEFORE_A_VALUE:
            return None
        if k - 2 >= first and toks[k - 1].text == ".":
            if toks[k - 2].kind != "ident" and toks[k - 2].text not in ("]", ")", "}"):
                return None
            k -= 2
            continue
        return k
    return None
