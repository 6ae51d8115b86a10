"""A name assigned an iterating ref (``h := input.rs[_].type``), first unified with a fresh name, so regopy 1.5.2
compiles the body instead of crashing.

rego-cpp crashes (SIGSEGV, while compiling) on a body that assigns with ``:=`` a ref iterating a collection and
then reads the name again as a key or an operand: ``h := input.rs[_].type; v := input.m[h]``, also with
``some i; h := input.rs[i].type``, ``h := input.ts[_]`` and ``some x in input.n[h]`` after it (measured on
regopy 1.5.2 in a child process, whatever the input). The same binding made by a unification first,
``__natpolicy_s1 = input.rs[_].type; h := __natpolicy_s1``, compiles and answers as OPA: unifying a fresh name
with a ref binds it to each value of the ref, and assigning that name to ``h`` is the assignment written. So each
such statement is written that way, on its own line (columns shift; lines do not):

    h := input.rs[_].type   ->   __natpolicy_s12 = input.rs[_].type; h := __natpolicy_s12

Only a statement that is the whole assignment of one name to a ref written on one line, rooted at a name, whose
brackets hold one name, ``_``, string or number each, at least one of them iterating: ``_``, or a name its rule
has not met before but in ``some`` declarations. A name bound before is left alone: inside a comprehension,
regopy would iterate it afresh in the unification (``regopy_closures``), where it reads the assignment as OPA
does. A rule's head (``x := input.a[_]``) is left alone too.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import starts_body_statement
from natpolicy.rego.source import Token, tokens
from natpolicy.rego.static_checks import declared_name, rule_statements

__all__ = ["PREFIX", "assignments_for_regopy"]

PREFIX = "__natpolicy_s"
# A line starting with one of these goes on the statement above.
_CONTINUED_BY = frozenset({"with", "as", "in", "else", "if"})
_NOT_ROOTS = frozenset({"some", "every", "not", "in", "with", "as", "if", "else", "contains", "default", "true",
                        "false", "null"})


def assignments_for_regopy(source: str) -> str:
    """``source`` with each ``NAME := REF`` whose ``REF`` iterates written as a unification and an assignment."""
    if ":=" not in source or "[" not in source:
        return source
    toks = tokens(source)
    spans = [span for start, end in rule_statements(source, toks, rules_only=True) for k in range(start + 1, end - 2)
             if (span := _iterating_assignment(source, toks, k, start))]
    if not spans:
        return source
    spelled = {tok.text for tok in toks if tok.kind == "ident"}
    out = source
    for name_at, ref_start, ref_end in reversed(spans):
        fresh = f"{PREFIX}{ref_start}"
        while fresh in spelled:
            fresh += "_"
        ref = source[ref_start:ref_end]
        out = out[:ref_start] + fresh + out[ref_end:]
        out = out[:name_at] + f"{fresh} = {ref}; " + out[name_at:]
    return out


def _iterating_assignment(source: str, toks: list[Token], k: int, rule: int) -> tuple[int, int, int] | None:
    """(offset of the name, the ref's span) when ``toks[k]`` starts ``NAME := REF`` as a whole statement of a
    body of the rule starting at ``toks[rule]``, ``REF`` iterating; else None."""
    name, op = toks[k], toks[k + 1]
    if op.text != ":=" or name.kind != "ident" or name.depth == 0 or name.text in _NOT_ROOTS or name.text == "_":
        return None
    if not starts_body_statement(source, toks, k):
        return None
    last = _plain_ref_end(toks, k + 2)
    if last is None:
        return None
    names = {toks[j].text for j in range(k + 3, last + 1) if toks[j - 1].text == "[" and toks[j].kind == "ident"}
    if not any(_iterates(toks, name, rule, k) for name in names) or not _ends_statement(source, toks, last):
        return None
    first = toks[k + 2]
    if source.count("\n", first.offset, toks[last].offset):
        return None
    return name.offset, first.offset, toks[last].offset + len(toks[last].text)


def _iterates(toks: list[Token], name: str, rule: int, k: int) -> bool:
    """Does a bracket holding ``name`` iterate at ``toks[k]``: ``_``, or a name met before in the rule (from
    ``toks[rule]``) only where ``some`` declares it?"""
    return name == "_" or all(declared_name(toks, j) for j in range(rule, k) if toks[j].text == name
                              and toks[j].kind == "ident" and (j == 0 or toks[j - 1].text != "."))


def _plain_ref_end(toks: list[Token], first: int) -> int | None:
    """The last token of a ref starting at ``toks[first]``, rooted at a name, its brackets holding one name,
    string or number each; None when it is anything else."""
    if toks[first].kind != "ident" or toks[first].text in _NOT_ROOTS or first + 1 >= len(toks):
        return None
    j = first
    while j + 1 < len(toks):
        nxt = toks[j + 1]
        if nxt.text == "." and j + 2 < len(toks) and toks[j + 2].kind == "ident":
            j += 2
        elif (nxt.text == "[" and j + 3 < len(toks) and toks[j + 2].kind in ("ident", "string", "number")
              and toks[j + 3].text == "]"):
            j += 3
        else:
            break
    return j if j > first else None


def _ends_statement(source: str, toks: list[Token], last: int) -> bool:
    """Does the statement end after ``toks[last]``: a ``;``, the body's close, or a new line not continuing it?"""
    if last + 1 >= len(toks):
        return True
    nxt = toks[last + 1]
    if nxt.text in (";", "}", "]"):
        return True
    if "\n" not in source[toks[last].offset:nxt.offset]:
        return False
    return (nxt.kind != "op" or nxt.text in ("}", "]")) and nxt.text not in _CONTINUED_BY
