"""A name an earlier branch of an ``else`` chain binds, bound again by a ref in a later one: refused on regopy.

OPA reads each branch of an ``else`` chain as a rule of its own (``WalkRules`` in v1/ast/visit.go visits each
``else``), so a name of one branch is a fresh variable in the next. regopy 1.5.2 keeps the value a failed branch
bound with ``:=``, ``=`` or ``some i in`` for the branches after it (measured):

    x := input.rs[i].n if { i := 1 } else := 9 if { some i; input.rs[i] }

is undefined there, where OPA answers 9 (``input.rs[i]`` iterates ``i`` afresh); so is a comprehension of the later
branch that binds the name itself (``count([v | v := input.rs[i].n]) == 1``). A later branch whose first use of the
name binds it by ``:=``, ``some ..., i in`` or ``every ..., i in`` is read as OPA reads it (measured), and left; so
is a later branch that never meets the name. The first use is the one OPA evaluates first: the body's before the
head's, a comprehension's body before its head. Any other first use (a ref's bracket, a comprehension, a head
term, a pattern) is refused at that use, with the way out: another name.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.head_terms import rule_branches
from natpolicy.rego.rule_scope import in_comprehension_head, opens_body, parameter_names
from natpolicy.rego.source import NOT_VARIABLES, Token, dotted_call, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["reused_else_names"]


def reused_else_names(source: str, package_names: set[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first use in a later ``else`` branch of each name an earlier branch holds, where
    that use does not bind it afresh as regopy reads it."""
    if "else" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        branches = rule_branches(toks, start, end)
        if len(branches) < 2:
            continue
        # A function's parameters are the same variable in every branch (parseElse copies them), and names of the
        # package are rules, not variables of a branch.
        shared = parameter_names(toks, start, end) | package_names
        earlier: set[str] = set()
        for n, branch in enumerate(branches):
            uses: dict[str, list[int]] = {}
            for k in range(branch.first + (n == 0), branch.end):
                if _variable(toks, k) and toks[k].text not in shared:
                    uses.setdefault(toks[k].text, []).append(k)
            for name, found in uses.items():
                if name in earlier:
                    use = _first_use(toks, found, branch.body)
                    if not _binds_afresh(toks, use):
                        yield toks[use].offset, (
                            f"`{name}` is bound by an earlier branch of this `else` chain and met again here: regopy "
                            f"1.5.2 keeps the earlier branch's value, where OPA binds a fresh `{name}` in each "
                            f"branch; use another name in this branch, or run with --rego-engine regorus")
            earlier |= uses.keys()


def _first_use(toks: list[Token], uses: list[int], body: int) -> int:
    """The use of a name OPA evaluates first in a branch: the body's before the head's (OPA moves a head term to the
    end of the body), and inside a comprehension its body's before its head's."""
    ordered = [k for k in uses if k >= body] + [k for k in uses if k < body]
    return next((k for k in ordered if not in_comprehension_head(toks, k)), ordered[0])


def _variable(toks: list[Token], k: int) -> bool:
    """A name that may be a variable: no keyword, no key after ``.``, no called name (``f(``, ``a.b(``)."""
    tok = toks[k]
    if tok.kind != "ident" or tok.text in NOT_VARIABLES or (k > 0 and toks[k - 1].text == "."):
        return False
    return not dotted_call(toks, k, len(toks))


def _binds_afresh(toks: list[Token], k: int) -> bool:
    """``name :=`` (not inside a pattern), ``some ..., name in`` or ``every ..., name in``: the uses regopy binds
    anew after a failed branch (measured)."""
    if k + 1 < len(toks) and toks[k + 1].text == ":=":
        before = toks[k - 1]
        # `[a, name] :=`, `{"k": name} :=`: a pattern, not measured; `{ name :=` opening a body is a statement.
        if before.text not in (",", "[", ":", "{") or (before.text == "{" and (opens_body(toks, k - 1)
                                                                              or toks[k - 2].text == "if")):
            return True
    j = k - 1
    while j >= 0 and (toks[j].text == "," or (toks[j].kind == "ident" and toks[j].text not in ("some", "every"))):
        j -= 1
    if j >= 0 and toks[j].text in ("some", "every") and toks[j].depth == toks[k].depth:
        m = k + 1
        while m < len(toks) and (toks[m].text == "," or toks[m].kind == "ident") and toks[m].text != "in":
            m += 1
        return m < len(toks) and toks[m].text == "in"
    return False
