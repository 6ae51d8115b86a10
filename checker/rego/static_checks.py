"""What OPA refuses when it compiles a module, and regorus and regopy accept unless a query reaches it.

OPA checks every rule of a module before anything runs: an unsafe variable
(one nothing binds) or a type error anywhere refuses the whole module, even
in a rule no query evaluates. regorus checks only what it evaluates and
regopy makes a type error undefined, so a broken helper passed silently
(``tests/rego_probes``: ``unsafe-variable-in-helper``, ``type-error-*``).
natpolicy runs two checks of its own on every module, for every engine but
OPA itself, and ``natpolicy.rego.guards`` refuses what they find:

* **unsafe variables**: a variable of a rule (head or body) that no place in
  the rule could bind. The places counted as binding are generous on purpose
  (left of ``:=``, either side of ``=``, inside a ref's brackets ``x[i]``,
  ``some``/``every`` names, any call's arguments, left of ``in``, and
  anything inside a pattern unified with ``=``/``:=``), so a variable is
  refused only when OPA certainly refuses it too;
* **type errors among literals**: ``1 + "a"``, or a builtin given a literal
  of a type it never takes (``count(1)``, ``upper(3)``, ``format_int("a", 10)``).

OPA's type checker infers more than literals (through variables, function
results and schemas): such an error in a rule that is never evaluated still
passes here, as docs/rego.md says.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.source import Token, matching_close, starts_statement, tokens

__all__ = ["unsafe_variables", "literal_type_errors"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null"})
_ALWAYS = frozenset({"input", "data", "_"})
_REF_BEFORE = frozenset({")", "]", "}"})


def unsafe_variables(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first use of each variable no place of its rule binds."""
    toks = tokens(source)
    for start, end in _statements(source, toks):
        if toks[start].text in ("package", "import"):
            continue
        used: dict[str, int] = {}
        bound: set[str] = set()
        for k in range(start, end):
            tok = toks[k]
            if tok.kind != "ident" or tok.text in _KEYWORDS or tok.text in _ALWAYS or tok.text in package_names:
                continue
            if k > 0 and toks[k - 1].text == ".":
                continue  # a key of a ref: x.key
            if _call_name(toks, k) or _declared(toks, k):
                continue
            used.setdefault(tok.text, k)
            if _binds(toks, k, start):
                bound.add(tok.text)
        for name, k in used.items():
            if name not in bound:
                yield toks[k].offset, (f"variable `{name}` is unsafe: nothing in its rule binds it, and OPA refuses "
                                       "the whole module at compile time (even when no query reaches the rule), "
                                       "so natpolicy does too; bind it (`:=`, `some ... in`) or fix its name")


def _statements(source: str, toks: list[Token]) -> Iterator[tuple[int, int]]:
    """(first, end) token indexes of each top-level statement (a rule with its `else` branches)."""
    starts = [k for k in range(len(toks)) if toks[k].depth == 0 and toks[k].kind == "ident"
              and toks[k].text != "else" and starts_statement(source, toks, k)]
    for n, first in enumerate(starts):
        yield first, starts[n + 1] if n + 1 < len(starts) else len(toks)


def _call_name(toks: list[Token], k: int) -> bool:
    """Is ``toks[k]`` the first part of a called name (``f(``, ``strings.any_prefix_match(``)?"""
    j = k
    while j + 2 < len(toks) and toks[j + 1].text == "." and toks[j + 2].kind == "ident":
        j += 2
    return j + 1 < len(toks) and toks[j + 1].text == "("


def _declared(toks: list[Token], k: int) -> bool:
    """A name of a plain ``some a, b`` (a declaration, neither a use nor a binding)."""
    j = k
    while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind == "ident":
        j -= 2
    if j < 1 or toks[j - 1].text != "some":
        return False
    m = k
    while m + 2 < len(toks) and toks[m + 1].text == "," and toks[m + 2].kind == "ident":
        m += 2
    return not (m + 1 < len(toks) and toks[m + 1].text == "in")


def _binds(toks: list[Token], k: int, start: int) -> bool:
    """Could this occurrence bind its variable? Generous: see the module's docstring."""
    nxt = toks[k + 1].text if k + 1 < len(toks) else ""
    prev = toks[k - 1].text if k > 0 else ""
    if _in_names(toks, k) or nxt in (":=", "=", "in") or prev == "=":
        return True
    # Enclosing brackets: a ref's `[...]`, a call's `(...)`, or a pattern unified with `=`/`:=`.
    depth = toks[k].depth
    j = k - 1
    while j >= start and depth > 0:
        if toks[j].depth == depth - 1 and toks[j].text in "([{":
            opener = toks[j]
            before = toks[j - 1] if j > 0 else None
            if opener.text == "[" and before is not None and (before.kind in ("ident", "string")
                                                              or before.text in _REF_BEFORE) \
                    and before.text not in _KEYWORDS:
                return True  # x[i], f(x)[i], "s"[i]
            if opener.text == "(" and before is not None and before.kind == "ident":
                return True  # a call's argument (output arguments bind)
            if before is not None and before.text == "=":
                return True  # inside a pattern on the right of `=`
            close = matching_close(toks, j)
            if close is not None and close + 1 < len(toks) and toks[close + 1].text in (":=", "="):
                return True  # inside a pattern on the left of `:=` / `=`
            depth -= 1
        j -= 1
    return False


def _in_names(toks: list[Token], k: int) -> bool:
    """A name of ``some k, v in`` / ``every k, v in``."""
    j = k
    while j >= 2 and toks[j - 1].text == "," and toks[j - 2].kind == "ident":
        j -= 2
    return j >= 1 and toks[j - 1].text in ("some", "every")



# -- type errors among literals ------------------------------------------------------------------
_NUMBER, _STRING, _BOOL, _NULL = "number", "string", "boolean", "null"
# The literal types each builtin's arguments never take (OPA refuses them at compile time).
_NOT_STRING = frozenset({_NUMBER, _BOOL, _NULL})
_NOT_COLLECTION = frozenset({_NUMBER, _STRING, _BOOL, _NULL})
_NOT_NUMBER = frozenset({_STRING, _BOOL, _NULL})
_ARGUMENTS: dict[str, tuple[frozenset[str], ...]] = {
    "count": (frozenset({_NUMBER, _BOOL, _NULL}),),
    "sum": (_NOT_COLLECTION,), "product": (_NOT_COLLECTION,), "max": (_NOT_COLLECTION,),
    "min": (_NOT_COLLECTION,), "sort": (_NOT_COLLECTION,),
    "upper": (_NOT_STRING,), "lower": (_NOT_STRING,), "trim_space": (_NOT_STRING,),
    "startswith": (_NOT_STRING, _NOT_STRING), "endswith": (_NOT_STRING, _NOT_STRING),
    "contains": (_NOT_STRING, _NOT_STRING), "indexof": (_NOT_STRING, _NOT_STRING),
    "split": (_NOT_STRING, _NOT_STRING), "replace": (_NOT_STRING, _NOT_STRING, _NOT_STRING),
    "concat": (_NOT_STRING, _NOT_COLLECTION), "format_int": (_NOT_NUMBER, _NOT_NUMBER),
    "substring": (_NOT_STRING, _NOT_NUMBER, _NOT_NUMBER),
}
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})


def _literal(tok: Token) -> str:
    if tok.kind == "number":
        return _NUMBER
    if tok.kind in ("string", "raw"):
        return _STRING
    if tok.kind == "ident" and tok.text in ("true", "false"):
        return _BOOL
    return _NULL if tok.kind == "ident" and tok.text == "null" else ""


def literal_type_errors(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each type error between literals."""
    toks = tokens(source)
    for k, tok in enumerate(toks):
        if tok.text in _ARITHMETIC and 0 < k < len(toks) - 1:
            left, right = _literal(toks[k - 1]), _literal(toks[k + 1])
            lone_left = k < 2 or toks[k - 2].text not in (".", "[") and toks[k - 2].kind != "ident"
            lone_right = k + 2 >= len(toks) or toks[k + 2].text not in (".", "[", "(")
            if {left, right} == {_NUMBER, _STRING} and lone_left and lone_right:
                yield toks[k - 1].offset, (f"type error: `{toks[k - 1].text} {tok.text} {toks[k + 1].text}` mixes a "
                                           "number and a string; OPA refuses the module at compile time, so "
                                           "natpolicy does too")
        elif tok.kind == "ident" and tok.text in _ARGUMENTS and not (k > 0 and toks[k - 1].text == ".") \
                and k + 1 < len(toks) and toks[k + 1].text == "(":
            for n, arg in enumerate(_arguments(toks, k + 1)):
                refused = _ARGUMENTS[tok.text][n] if n < len(_ARGUMENTS[tok.text]) else frozenset()
                kind = _literal(arg[0]) if len(arg) == 1 else ""
                if kind and kind in refused:
                    yield arg[0].offset, (f"type error: argument {n + 1} of {tok.text}(...) is a {kind} literal, "
                                          f"which it never takes; OPA refuses the module at compile time, so "
                                          "natpolicy does too")


def _arguments(toks: list[Token], open_at: int) -> list[list[Token]]:
    close = matching_close(toks, open_at)
    if close is None:
        return []
    args: list[list[Token]] = [[]]
    for tok in toks[open_at + 1:close]:
        if tok.text == "," and tok.depth == toks[open_at].depth + 1:
            args.append([])
        else:
            args[-1].append(tok)
    return [a for a in args if a]
