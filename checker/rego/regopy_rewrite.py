"""Rewrite what regopy 1.5.2 answers differently from OPA into what it answers alike, before compiling.

regopy (rego-cpp) is the fallback engine. Measured by ``tests/rego_probes``:

* ``sprintf`` prints many arguments otherwise than OPA (``%s`` of 22 is
  ``22``, OPA's ``%!s(int=22)``): each argument is wrapped in a function that
  gives OPA's text for its verb (``sprintf_regopy``).
* sets keep insertion order, where OPA orders them (``concat(",", {"b",
  "a"})`` is ``b,a``). A set only shows its order where it is joined or turned
  into an array, so the two places that do are rewritten to read a set
  sorted (OPA's order for strings; an array is read as it is), by a function
  appended to the module:

      concat(SEP, X)                 ->  concat(SEP, __natpolicy_ordered(X))
      [T | ...; some V in X; ...]    ->  [T | ...; some V in __natpolicy_ordered(X); ...]
      __natpolicy_ordered(x) := sort([v | some v in x]) if is_set(x)
      __natpolicy_ordered(x) := x if not is_set(x)

The rewrites only insert text on the lines they touch and the function goes
after the last line, so error messages keep their line numbers.
What this cannot reach (a set iterated as ``s[_]`` in an array comprehension,
a set of numbers, which regopy's ``sort`` orders as text) is documented in
docs/rego.md.
"""
from __future__ import annotations

from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.sprintf_regopy import HELPERS, sprintf_edits

__all__ = ["rewrite_for_regopy", "ORDERED"]

ORDERED = "__natpolicy_ordered"
_MAX_NESTING = 32  # sprintf calls inside sprintf arguments; past this the guards' refusal stands
_HELPER = (f"\n{ORDERED}(x) := sort([v | some v in x]) if is_set(x)\n"
           f"{ORDERED}(x) := x if not is_set(x)\n")


def rewrite_for_regopy(source: str) -> str:
    # sprintf first: each call becomes one concat (its arguments' text kept), which the set-order pass then reads.
    # One pass rewrites the outermost calls; a call inside another's arguments is rewritten by the next.
    formatted = source
    for _ in range(_MAX_NESTING):
        sprintf_edits_found = _sprintf_edits(formatted)
        if not sprintf_edits_found:
            break
        formatted = _apply(formatted, sprintf_edits_found)
    edits = _set_order_edits(formatted)
    if formatted == source and not edits:
        return source
    out = _apply(formatted, edits)
    return out + ("" if out.endswith("\n") else "\n") + _HELPER + (HELPERS if formatted != source else "")


def _apply(source: str, edits: list[tuple[int, int, str]]) -> str:
    out = source
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _sprintf_edits(source: str) -> list[tuple[int, int, str]]:
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    for i, tok in enumerate(toks):
        if tok.text == "sprintf" and not (i > 0 and toks[i - 1].text == ".") and i + 1 < len(toks) \
                and toks[i + 1].text == "(":
            call_edits, refused = sprintf_edits(source, toks, i)
            if refused is None:  # else the guards refuse the call before anything runs
                edits += call_edits
    # A call nested in another's arguments is rewritten with its outer call's text: keep the outermost only.
    return [e for e in edits if not any(o[0] <= e[0] and e[1] <= o[1] and o != e for o in edits)]


def _set_order_edits(source: str) -> list[tuple[int, int, str]]:
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    comprehensions = [(i, close) for i in range(len(toks)) if toks[i].text == "[" and _is_comprehension(toks, i)
                      for close in [matching_close(toks, i)] if close is not None]
    for i, tok in enumerate(toks):
        after_dot = i > 0 and toks[i - 1].text == "."
        if tok.text == "concat" and not after_dot and i + 1 < len(toks) and toks[i + 1].text == "(":
            close = matching_close(toks, i + 1)
            depth = toks[i + 1].depth + 1
            comma = None if close is None else next(
                (k for k in range(i + 2, close) if toks[k].text == "," and toks[k].depth == depth), None)
            if close is not None and comma is not None and comma + 1 < close \
                    and not (toks[comma + 1].text == "[" and matching_close(toks, comma + 1) == close - 1):
                edits += _wrap(toks[comma + 1], toks[close - 1])  # an array literal is never a set: left alone
        elif tok.text == "some" and i + 2 < len(toks) and toks[i + 1].kind == "ident" and toks[i + 2].text == "in" \
                and any(lo < i < hi and toks[lo].depth + 1 == tok.depth for lo, hi in comprehensions):
            end = _statement_end(source, toks, i + 3)
            if end > i + 3:
                edits += _wrap(toks[i + 3], toks[end - 1])
    return edits


def _wrap(first: Token, last: Token) -> list[tuple[int, int, str]]:
    end = last.offset + len(last.text)
    return [(end, end, ")"), (first.offset, first.offset, f"{ORDERED}(")]



def _is_comprehension(toks: list[Token], i: int) -> bool:
    """``[`` opening an array comprehension (a `|` inside at its own depth), not a ref or a literal."""
    if i > 0 and (toks[i - 1].kind in ("ident", "string") or toks[i - 1].text in (")", "]", "}")) \
            and toks[i - 1].text not in ("in", "contains", "if", "else", "some", "not", "with", "as"):
        return False  # x[...] is a ref
    close = matching_close(toks, i)
    return close is not None and any(t.text == "|" and t.depth == toks[i].depth + 1 for t in toks[i + 1:close])


def _statement_end(text: str, toks: list[Token], start: int) -> int:
    """Index after the last token of the expression starting at ``start`` (its depth, up to `;`, a line end or `]`)."""
    depth = toks[start].depth if start < len(toks) else 0
    j = start
    while j < len(toks):
        t = toks[j]
        if t.depth < depth or (t.depth == depth and t.text == ";"):
            return j
        if j > start and t.depth == depth and "\n" in text[toks[j - 1].offset:t.offset] \
                and not (toks[j - 1].kind == "op" and toks[j - 1].text not in (")", "]", "}")):
            return j
        j += 1
    return j
