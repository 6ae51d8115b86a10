"""An ``else`` after an ``else`` with no body: OPA's parse error, which regopy 1.5.2 read as a chain.

OPA's parser ends a rule at an ``else`` that has no body (``parseElse`` in OPA's ast/parser.go: ``else := 2``
followed by neither ``if`` nor ``{`` gets the body ``true`` and returns), so a further ``else`` is no statement:
``q := 1 if { false } else := 2 else := 3 if { true }`` is refused. regorus refuses it too ("unexpected keyword
`else`"); regopy 1.5.2 answered 2 (measured with ``rego_differential.py --rules``). natpolicy refuses it on every
engine, at the second ``else``.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.source import tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["bodyless_else_refusals"]


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
