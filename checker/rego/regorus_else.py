"""Work around regorus' function ``else`` chains whose chosen value is undefined, by binding each value in its body.

OPA moves a head value that computes (a reference, a call, a collection holding one) into the rule's body before it
evaluates anything (``rewriteRefsInHead`` in OPA's ast/compile.go, which walks every ``else`` too): a branch whose
body holds but whose value is undefined is a branch whose body fails, and the next ``else`` is tried. So
``f(v) := v.k if { true } else := 2`` gives ``f({"j": 1}) == 2`` in OPA. regorus 0.13.0 chose the branch by its body
alone and answered the call undefined (measured with ``rego_differential.py --rules``; its complete rules, ``q :=
input.o if { true } else := 2``, were right, and so was regopy 1.5.2). The regorus engine compiles each module after
this rewrite, OPA's own:

    f(v) := VALUE if { BODY } else := VALUE2 if { BODY2 }
      ->  f(v) := __natpolicy_else0 if { BODY; __natpolicy_else0 := (VALUE) }
          else := __natpolicy_else1 if { BODY2; __natpolicy_else1 := (VALUE2) }

A complete rule's values are rewritten the same way, with or without ``else`` (``q := input.rs[i].n if { some i
in [0, 1] }`` was undefined on regorus for one row, and ``q := {"k": input.rs[i].n} if { i := 1 } else := 5``
gave another row's value, where OPA answers 1 and 5: ``rego_differential.py --heads``). Of functions only the
definitions with an ``else`` are rewritten (without one they were measured right), and those whose value holds a
name in a ref's brackets that is no argument (``f(rs) := upper(rs[i].s) if { i > 0 }``: regorus stopped, "var i is
unsafe", where OPA binds ``i`` in the moved value; ``--heads``); only values that compute
outside a comprehension (a comprehension is never undefined), only branches with a body (``if COND`` is one literal,
ending at an ``else``: parseRules, parseElse; a last ``else := VALUE`` with no body has no branch after it:
undefined either way), or a complete rule without a body or ``else`` (OPA's body ``true``: ``x := input.a[i].k``
was undefined on regorus with one row lacking ``k``; its value goes into the body as written), and, in a branch with a
body, no value holding a comprehension over several lines (a line break ends a statement there: it cannot be
written on one line). Line numbers are kept as ``regorus_heads``
keeps them, and an error in a bound value is placed at the head (``regorus_heads.head_site``).
"""
from __future__ import annotations

from natpolicy.rego.regorus_heads import bind_after, bind_head, bodyless_end, computes, end_of, moved_head
from natpolicy.rego.source import Token, apply_edits, dotted_end, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["bind_else_values", "ELSE_VALUE"]

ELSE_VALUE = "__natpolicy_else"


def bind_else_values(source: str, v0: bool = False) -> str:
    """``source`` with each computing value of a function's ``else`` chain, or of a complete rule, bound at the end of
    its branch's body (``v0``: a module read as Rego v0, where a body given to a rule without one opens without
    ``if``)."""
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    count = 0
    for start, end in rule_statements(source, toks, rules_only=True):
        chained = any(toks[k].depth == 0 and toks[k].text == "else" for k in range(start, end))
        args = _arguments(toks, start, end)
        complete = args is None
        if args is None:
            args = _complete_head(toks, start, end)  # a complete rule: with or without `else`
        elif not chained and not _head_only_names(toks, start, args, end):
            continue  # a function without `else`: measured right, unless only its value binds a name
        if args is None:
            continue
        for assign in _branch_values(toks, args, end):
            if_at = next((j for j in range(assign + 1, end) if toks[j].depth == 0 and toks[j].text in ("if", "else")),
                         None)
            if if_at is None and complete and not chained:
                # A complete rule without a body (`x := input.a[i].k`): OPA's body `true`, with the value moved into
                # it (regorus answered undefined when one row had no `k`, OPA the other row's value).
                # The value goes into the body as written (a comprehension's lines with it).
                if bodyless_end(toks, assign + 1, end) == end \
                        and computes(_outside_comprehensions(toks, assign + 1, end)):
                    name = f"{ELSE_VALUE}{count}"
                    count += 1
                    edits.append((toks[assign + 1].offset, end_of(toks[end - 1]), name))
                    written = source[toks[assign + 1].offset:end_of(toks[end - 1])]
                    edits.extend(bind_after(toks, end - 1, [(name, written, 0)], v0))
                continue
            # a body without braces (`if COND`) is one literal: it runs to an `else` or to the statement's end
            braced = if_at is not None and if_at + 1 < end and toks[if_at + 1].text == "{"
            if if_at is None or toks[if_at].text != "if" or if_at + 1 >= end \
                    or not computes(_outside_comprehensions(toks, assign + 1, if_at)) \
                    or (braced and matching_close(toks, if_at + 1) is None):
                continue
            if _multiline_comprehension(source, toks, assign + 1, if_at):
                continue  # a comprehension's lines cannot be joined into one (its statements end at line breaks)
            name = f"{ELSE_VALUE}{count}"
            count += 1
            edits.append((toks[assign + 1].offset, end_of(toks[if_at - 1]), name))
            edits.extend(bind_head(source, toks, if_at, [(name, *moved_head(source, toks, assign + 1, if_at))]))
    return apply_edits(source, edits)


def _multiline_comprehension(source: str, toks: list[Token], start: int, end: int) -> bool:
    """Do the tokens from ``start`` to ``end`` hold a comprehension and a line break (which ends its statements)?"""
    return any(toks[k].text == "|" for k in range(start, end)) \
        and "\n" in source[toks[start].offset:toks[end - 1].offset]


def _outside_comprehensions(toks: list[Token], start: int, end: int) -> list[Token]:
    """The tokens from ``start`` to ``end`` outside any comprehension (which is never undefined itself)."""
    out, k = [], start
    while k < end:
        close = matching_close(toks, k) if toks[k].text in ("[", "{") else None
        if close is not None and any(toks[j].text == "|" and toks[j].depth == toks[k].depth + 1
                                     for j in range(k + 1, close)):
            k = close + 1
            continue
        out.append(toks[k])
        k += 1
    return out


def _head_only_names(toks: list[Token], start: int, args: int, end: int) -> bool:
    """Does the value of the function ``toks[start:end]`` (its arguments closing at ``args``) hold a name in a
    ref's brackets that is no argument (``f(rs) := upper(rs[i].s) if { i > 0 }``)? OPA binds it where it moves the
    value, in the body (rewriteRefsInHead); regorus 0.13.0 stopped ("var i is unsafe") unless the body bound it."""
    if args + 1 >= end or toks[args + 1].text not in (":=", "="):
        return False
    if_at = next((j for j in range(args + 2, end) if toks[j].depth == 0 and toks[j].text == "if"), None)
    if if_at is None:
        return False
    arguments = {t.text for t in toks[start:args] if t.kind == "ident"} | {"_"}
    return any(toks[k].kind == "ident" and toks[k].text not in arguments and toks[k - 1].text == "["
               and (toks[k - 2].kind in ("ident", "string") or toks[k - 2].text in ("]", ")", "}"))
               for k in range(args + 3, if_at))


def _arguments(toks: list[Token], start: int, end: int) -> int | None:
    """Index of the ``)`` closing a function head's arguments (``f(x)``, ``a.b(x)``), or None."""
    k = dotted_end(toks, start, end)
    if k + 1 >= end or toks[k + 1].text != "(":
        return None
    return matching_close(toks, k + 1)


def _complete_head(toks: list[Token], start: int, end: int) -> int | None:
    """Index of a complete rule's name (its last part: `x`, `a.b`) when a ``:=`` / ``=`` follows it, or None."""
    k = dotted_end(toks, start, end)
    return k if toks[start].kind == "ident" and k + 1 < end and toks[k + 1].text in (":=", "=") else None


def _branch_values(toks: list[Token], args: int, end: int) -> list[int]:
    """Index of the ``:=`` / ``=`` before each branch's value: the head's, then each ``else``'s."""
    out = []
    if args + 1 < end and toks[args + 1].text in (":=", "="):
        out.append(args + 1)
    out.extend(k + 1 for k in range(args, end - 1)
               if toks[k].depth == 0 and toks[k].text == "else" and toks[k + 1].text in (":=", "="))
    return out
