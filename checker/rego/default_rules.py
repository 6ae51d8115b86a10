"""A ``default`` rule OPA's parser refuses: a value holding a ref, a variable or a call, or an argument that is no
lone variable.

OPA checks a default rule as it parses it (``validateDefaultRuleValue`` and
``validateDefaultRuleArgs`` in OPA's v1/ast/parser.go): its value may not
contain a ref, a variable or a call outside a comprehension ("illegal default
rule (value cannot contain ref)"), and each argument of a default function
must be a variable, none repeated but ``_``. regopy 1.5.2 answered all of
these (``default y := input.n`` was 3, ``default f(1) := 0`` left ``f(3)``
undefined) and regorus 0.13.0 some (``default f(_) := [input.n]`` was
``[3]``), measured; natpolicy refuses them on every engine, with the line.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import parameter_list
from natpolicy.rego.source import Token, dotted_call, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["default_rule_refusals"]

_CONSTANTS = frozenset({"true", "false", "null"})
_OPERATORS = frozenset({"+", "*", "/", "%", "&", "|", "<", ">", "<=", ">=", "==", "!=", "=", ":="})
# Where a `-` starts a negative number, not a subtraction.
_BEFORE_SIGN = frozenset({":=", "=", ",", "[", "{", "(", ":"})


def default_rule_refusals(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``default`` rule whose value or arguments OPA's parser refuses."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        if toks[start].text != "default" or start + 1 >= end:
            continue
        name = toks[start + 1].text
        problem = _argument_problem(toks, start + 1, end) or _value_problem(toks, start + 1, end)
        if problem:
            yield toks[start].offset, (f"default rule `{name}` {problem}: OPA refuses the module as it parses it "
                                       "(illegal default rule); natpolicy refuses it on every engine: give the "
                                       "default a constant value and plain argument names")


def _argument_problem(toks: list[Token], head: int, end: int) -> str:
    parameters = parameter_list(toks, head, end)
    if parameters is None:
        return ""
    names: set[str] = set()
    depth = toks[parameters[0]].depth + 1
    argument: list[Token] = []
    for tok in [*toks[parameters[0] + 1:parameters[1]], None]:
        if tok is not None and not (tok.text == "," and tok.depth == depth):
            argument.append(tok)
            continue
        if argument:
            if len(argument) != 1 or argument[0].kind != "ident" or argument[0].text in _CONSTANTS:
                return "has an argument that is no variable"
            if argument[0].text != "_" and argument[0].text in names:
                return f"repeats its argument `{argument[0].text}`"
            names.add(argument[0].text)
        argument = []
    return ""


def _value_problem(toks: list[Token], head: int, end: int) -> str:
    assign = next((j for j in range(head, end) if toks[j].depth == toks[head].depth and toks[j].text in (":=", "=")),
                  None)
    if assign is None:
        return ""
    j = assign + 1
    while j < end:
        tok = toks[j]
        if tok.text in ("[", "{") and _is_comprehension(toks, j):
            j = (matching_close(toks, j) or end) + 1  # a comprehension's body may read anything
            continue
        if tok.kind == "ident" and tok.text == "set" and j + 2 < end and toks[j + 1].text == "(" \
                and toks[j + 2].text == ")":
            j += 3  # `set()`, the empty set
            continue
        if tok.kind == "ident" and tok.text not in _CONSTANTS:
            nxt = toks[j + 1].text if j + 1 < end else ""
            return "has a value holding a call" if nxt in ("(", ".") and dotted_call(toks, j, end) else \
                "has a value holding a ref or a variable"
        if tok.kind == "op" and (tok.text in _OPERATORS or tok.text == "-" and toks[j - 1].text not in _BEFORE_SIGN):
            return "has a value holding a call (an operator)"
        j += 1
    return ""


def _is_comprehension(toks: list[Token], opener: int) -> bool:
    close = matching_close(toks, opener)
    inner = toks[opener].depth + 1
    return close is not None and any(t.text == "|" and t.depth == inner for t in toks[opener + 1:close])
