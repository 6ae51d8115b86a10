"""The parts of a rule's heads that OPA's safety check reads: each branch's head terms and its function parameters.

OPA checks a rule with an ``else`` chain branch by branch (``WalkRules`` in v1/ast/visit.go visits each ``else``
as a rule of its own, with its own head and body), and checks a head apart from its body
(``checkSafetyRuleHeads`` in v1/ast/compile.go): every variable of a head must be a variable of the body, and
the body must bind it (``checkSafetyRuleBodies``). Only a function's parameters are bound by the head itself
(``r.Head.Args.Vars()``, which an ``else`` copies from the rule, ``parseElse`` in v1/ast/parser.go). Before
the check, OPA moves each head term that needs evaluating into the body: a ref part that is neither a variable
nor a scalar (``rewriteRuleHeadRefs``), a call (``rewriteExprTermsInHead``) and a key or value holding a ref or
a comprehension (``rewriteRefsInHead``): ``x[i] := input.a[i]`` becomes ``x[i] := __local0__ if {
__local0__ = input.a[i] }``, where ``input.a[i]`` binds ``i``. So in a head, only a ref's brackets and a call's
arguments inside such a term may bind, and a comprehension's body binds its own names.
"""
from __future__ import annotations

from natpolicy.records import record
from natpolicy.rego.source import Token, enclosing_openers, matching_close

__all__ = ["Branch", "in_comprehension", "rule_branches", "rule_parameters"]


@record(frozen=True)
class Branch:
    """One rule of a statement: the rule itself or one of its ``else`` branches (token indexes)."""
    first: int  # the rule's first token (its name, or `default`), or the branch's `else`
    body: int  # the first token of its body (`if`, or a v0 `{`), or ``end`` when it has none
    end: int  # the first token after the branch
    terms: tuple[tuple[int, int], ...]  # (first, last) of each head term: a ref's brackets' content, key, value

    def term_of(self, k: int) -> tuple[int, int] | None:
        """The head term holding ``toks[k]``, if any."""
        return next(((first, last) for first, last in self.terms if first <= k <= last), None)


def rule_branches(toks: list[Token], start: int, end: int) -> list[Branch]:
    """The rule at ``toks[start:end]`` (a statement of ``static_checks.rule_statements``) and its ``else``
    branches, in order."""
    elses = [k for k in range(start + 1, end) if toks[k].depth == toks[start].depth and toks[k].text == "else"]
    bounds = list(zip([start, *elses], [*elses, end], strict=True))
    out = []
    for n, (first, stop) in enumerate(bounds):
        body = _body_start(toks, first, stop)
        out.append(Branch(first, body, stop, tuple(_head_terms(toks, first, body, is_else=n > 0))))
    return out


def rule_parameters(toks: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """The ``(`` and ``)`` of the parameters of the function whose statement is ``toks[start:end]``."""
    j = start + 1 if toks[start].text == "default" else start
    while j + 1 < end and toks[j + 1].text in (".", "["):  # a ref: `a.b(x)`, `a["b"](x)`
        close = matching_close(toks, j + 1) if toks[j + 1].text == "[" else j + 2
        if close is None:
            return None
        j = close
    if j + 1 < end and toks[j + 1].text == "(":
        close = matching_close(toks, j + 1)
        if close is not None and close < end:
            return j + 1, close
    return None


_NO_TERM_BEFORE = frozenset({"if", "else", "contains", "in", "not", "some", "every", "with", "as", "default",
                             "import", "package"})


def _body_start(toks: list[Token], first: int, stop: int) -> int:
    """The first token of the body of the branch at ``toks[first:stop]`` (``if``; in Rego v0 a ``{`` after the
    head: ``p[x] {``, ``f(x) {``, ``p = true {``, ``p = {"a": 1} {``, ``else = 1 {``), or ``stop``."""
    depth, operator = toks[first].depth, None
    for j in range(first + 1, stop):
        tok = toks[j]
        if tok.depth != depth:
            continue
        if tok.text == "if" or (tok.text == "{" and toks[j - 1].text == "else"):
            return j
        if tok.text in (":=", "=", "contains") and operator is None:
            operator = j
        elif tok.text == "{" and (operator is None or j > operator + 1) and (
                toks[j - 1].text in (")", "]", "}") or (toks[j - 1].kind in ("ident", "string", "raw", "number")
                                                       and toks[j - 1].text not in _NO_TERM_BEFORE)):
            return j
    return stop


def _head_terms(toks: list[Token], first: int, body: int, is_else: bool) -> list[tuple[int, int]]:
    """(first, last) of the terms of the head ``toks[first:body]``: each ref bracket's content (``x.a[i]``), the
    term after ``contains`` and the value after ``:=``/``=``; a function's parameters are none of them."""
    terms: list[tuple[int, int]] = []
    j = first + 1
    if not is_else:
        j = first + 2 if toks[first].text == "default" else first + 1
        while j < body:
            if toks[j].text == "." and j + 1 < body:
                j += 2
            elif toks[j].text in ("[", "("):
                close = matching_close(toks, j)
                if close is None or close >= body:
                    return terms
                if toks[j].text == "[" and close > j + 1:
                    terms.append((j + 1, close - 1))
                j = close + 1
            else:
                break
    if j < body and toks[j].text in ("contains", ":=", "=") and j + 1 < body:
        terms.append((j + 1, body - 1))
    return terms


def in_comprehension(toks: list[Token], k: int, first: int) -> bool:
    """Is ``toks[k]`` inside a comprehension (a ``[``/``{`` with a ``|`` right inside it) opened at or after
    ``first``? A comprehension in a head binds its own names as one in a body does."""
    for opener in enclosing_openers(toks, k, first - 1):
        close = matching_close(toks, opener)
        inside = toks[opener].depth + 1
        if toks[opener].text != "(" and close is not None \
                and any(t.text == "|" and t.depth == inside for t in toks[opener + 1:close]):
            return True
    return False
