"""The iterations of an array comprehension in their written order on regopy 1.5.2: each made to read the last.

OPA evaluates a body's expressions in order (topdown's evalStep), so in ``[[a, b] | some a in input.a; some b in
input.b]`` the first iteration is the outer loop: ``[["A", 1], ["A", 2], ["B", 1], ["B", 2]]``. rego-cpp schedules
a body's statements by what each reads, and puts iterations that read nothing of each other in another order: it
answered ``[["A", 1], ["B", 1], ["A", 2], ["B", 2]]`` (measured: 239 of 300 random comprehensions of two to four
independent iterations came out in another order; found by ``rego_differential.py --strings``). An iteration that
reads an earlier one's names (``some r in input.rs; some a in r.actions``) it keeps after it. So, on the same lines,
each iteration after the first reads the names the earlier ones bound, through a function that answers its first
argument:

    some b in input.b            ->  some b in __natpolicy_seq(input.b, [a])
    c := input.c[_]              ->  c := __natpolicy_seq(input.c, [a, b])[_]
    some i; d := input.d[i]      ->  some i; d := __natpolicy_seq(input.d, [a, b, c])[i]

which OPA answers alike (the same solutions in the same order) and regopy then answers in OPA's order (measured:
300 of 300). An iteration is a ``some ... in`` or a statement holding a ref bracket of ``_`` or of a name (one bound
before iterates nothing, and reading the earlier names costs nothing there); its names are those before ``in``, the
target of ``:=``/``=`` and the bracket's name. It runs after natpolicy's other rewrites for regopy, so it reads
the collections they wrapped (``__natpolicy_ordered(s)[_]``), and leaves their appended helpers alone. Set and
object comprehensions and rule bodies hold no order: left alone.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import (
    array_comprehensions,
    comprehension_statements,
    comprehensions,
    ref_root,
    some_in_collection,
)
from natpolicy.rego.source import Token, apply_edits_as_listed, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["SEQ", "SEQ_HELPER", "loops_for_regopy"]

SEQ = "__natpolicy_seq"
SEQ_HELPER = f"{SEQ}(__natpolicy_x, _) := __natpolicy_x\n"
_NOT_NAMES = frozenset({"input", "data", "true", "false", "null"})


def loops_for_regopy(source: str) -> str:
    """``source`` with each later iteration of an array comprehension reading the earlier ones' names, and the
    helper appended where one does (see the module's docstring)."""
    if "|" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    statements = list(rule_statements(source, toks))
    every_comprehension = comprehensions(toks)
    for opener, close in array_comprehensions(toks):
        head = next((first for first, end in statements if first <= opener < end), None)
        if head is not None and toks[head].text.startswith("__natpolicy_"):
            continue  # natpolicy's own helpers, appended by the rewrites before this one
        edits += _comprehension_edits(source, toks, opener, close, every_comprehension)
    if not edits:
        return source
    out = apply_edits_as_listed(source, edits)
    return out + ("" if out.endswith("\n") else "\n") + SEQ_HELPER


def _comprehension_edits(source: str, toks: list[Token], opener: int, close: int,
                         comprehensions: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    inner = toks[opener].depth + 1
    bar = next(k for k in range(opener + 1, close) if toks[k].depth == inner and toks[k].text == "|")
    edits: list[tuple[int, int, str]] = []
    bound: list[str] = []  # the names earlier iterations bound, in order
    for first, last in comprehension_statements(source, toks, bar + 1, close, inner):
        if toks[first].text == "some":
            span = some_in_collection(source, toks, first)
            if span is None:
                continue  # `some i` declares: its bracket binds
            names = [t.text for t in toks[first + 1:span[0] - 1] if t.kind == "ident" and t.text != "_"]
            if bound:
                edits += _wrap(toks, span[0], span[1], bound)
            bound += [name for name in names if name not in bound]
            continue
        bracket = _iterating_bracket(toks, first, last, comprehensions)
        if bracket is None:
            continue
        root = ref_root(toks, bracket, first)
        if bound and root is not None:
            edits += _wrap(toks, root, bracket - 1, bound)
        target = [toks[first].text] if toks[first].kind == "ident" and first + 1 <= last \
            and toks[first + 1].text in (":=", "=") else []
        key = [toks[bracket + 1].text] if toks[bracket + 1].text != "_" else []
        bound += [name for name in target + key if name not in bound]
    return edits


def _iterating_bracket(toks: list[Token], first: int, last: int, comprehensions: list[tuple[int, int]]) -> int | None:
    """The first ref bracket of ``_`` or of a name in the statement, outside any comprehension in it. A name bound
    before (outside the comprehension too) iterates nothing there, and reading the earlier names costs nothing."""
    inner = [(o, c) for o, c in comprehensions if first <= o and c <= last]
    for k in range(first, last - 1):
        tok = toks[k]
        if any(o <= k <= c for o, c in inner):
            continue  # a comprehension inside: its own body iterates, in its own order
        if tok.text == "[" and k > first and toks[k + 2].text == "]" and toks[k + 1].kind == "ident" \
                and toks[k + 1].text not in _NOT_NAMES \
                and (toks[k - 1].kind == "ident" or toks[k - 1].text in ("]", ")", "}")):
            return k
    return None


def _wrap(toks: list[Token], first: int, last: int, names: list[str]) -> list[tuple[int, int, str]]:
    end = toks[last].offset + len(toks[last].text)
    return [(toks[first].offset, toks[first].offset, f"{SEQ}("), (end, end, f", [{', '.join(names)}])")]
