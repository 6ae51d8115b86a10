"""An ``else`` after an ``else`` with no body: OPA's parse error, which regopy 1.5.2 read as a chain.

OPA's parser ends a rule at an ``else`` that has no body (``parseElse`` in OPA's ast/parser.go: ``else := 2``
followed by neither ``if`` nor ``{`` gets the body ``true`` and returns), so a further ``else`` is no statement:
``q := 1 if { false } else := 2 else := 3 if { true }`` is refused. regorus refuses it too ("unexpected keyword
`else`"); regopy 1.5.2 answered 2 (measured with ``rego_differential.py --rules``). natpolicy refuses it on every
engine, at the second ``else``.

OPA's parser refuses an ``else`` too on a rule whose head ref holds a variable (``parseRules``: "else keyword cannot
be used on rules with variables in head", where the ref past its name is not ground: a variable, or a ref or call
holding one, ``y[k]``, ``y.a[input.rs[i].s]``). regorus 0.13.0 answered the first branch (``y[input.rs[i].s] := 1 if
{ true } else := 2`` gave ``{"c": 1}``) and regopy 1.5.2 refuses it ("only one body for dynamic keys"): natpolicy
refuses it on every engine, at the ``else``. A ground key (``y["a"]``, ``y[input.x]``: a ref's root is no variable
of it) is OPA's too, and left.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.source import Token, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["bodyless_else_refusals", "variable_head_else_refusals"]

_NOT_VARIABLES = frozenset({"true", "false", "null", "some", "in", "if", "not", "every", "contains", "with", "as"})


def bodyless_else_refusals(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``else`` that follows an ``else`` with no body in one rule."""
    if "else" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        elses = [k for k in range(start, end) if toks[k].depth == 0 and toks[k].text == "else"]
        for first, second in zip(elses, elses[1:], strict=False):
            between = [k for k in range(first + 1, second) if toks[k].depth == 0]
            # a body: `if`, or (v0) a `{` that is not the value itself (`else := {"a": 1}`)
            if any(toks[k].text == "if" or (toks[k].text == "{" and toks[k - 1].text not in (":=", "="))
                   for k in between):
                continue
            yield toks[second].offset, ("`else` after an `else` with no body: OPA's parser ends the rule at an "
                                        "`else` without a body, and the next `else` is a parse error; regopy "
                                        "1.5.2 read the chain on; natpolicy refuses it: give that `else` a body "
                                        "(`if { ... }`)")


def variable_head_else_refusals(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first ``else`` of each rule whose head ref holds a variable in a bracket."""
    if "else" not in source:
        return
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        first_else = next((k for k in range(start, end) if toks[k].depth == 0 and toks[k].text == "else"), None)
        if first_else is not None and _variable_in_head_ref(toks, start, first_else):
            yield toks[first_else].offset, ("`else` on a rule whose head holds a variable: OPA's parser refuses it "
                                            "(\"else keyword cannot be used on rules with variables in head\"); "
                                            "regorus 0.13.0 answered the first branch; natpolicy refuses it: "
                                            "write the key in the body (`y[k] := v if { ...; k := ... }`) without "
                                            "`else`, or a rule per case")


def _variable_in_head_ref(toks: list[Token], start: int, stop: int) -> bool:
    """Does a bracket of the head ref starting at ``toks[start]`` hold a variable (OPA: the ref is not ground)?"""
    k = start + 1
    while k < stop:
        if toks[k].text == "." and k + 1 < stop and toks[k + 1].kind == "ident":
            k += 2
        elif toks[k].text == "[" and toks[k].depth == 0:
            close = matching_close(toks, k)
            if close is None or close >= stop:
                return False
            if any(_variable(toks, j) for j in range(k + 1, close)):
                return True
            k = close + 1
        else:
            return False
    return False


def _variable(toks: list[Token], j: int) -> bool:
    """Is ``toks[j]`` a variable: a name that is no ref's root (its root is not part of the ref's groundness), no
    key after ``.``, no called name?"""
    tok = toks[j]
    if tok.kind != "ident" or tok.text in _NOT_VARIABLES or toks[j - 1].text == ".":
        return False
    return j + 1 >= len(toks) or toks[j + 1].text not in (".", "[", "(")
