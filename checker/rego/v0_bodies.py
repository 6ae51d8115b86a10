"""Rego v0: one rule head with several bodies (``p = v { a } { b }``), refused at load.

OPA's parser (v1/ast/parser.go ``parseRules``: "Chained rule head's keep the original rule's head AST") reads each
body after the first as a rule of its own with the same head: ``x = 1 { input.nope } { input.t }`` is 1. regorus
0.13.0 reads the later bodies as ``else`` branches of value ``true``: it answered ``true`` there, nothing for a
function ``f(a) = 1 { a > 5 } { a < 0 }`` called with -1 (OPA: 1), and refused a partial set's ("else cannot be used
with set rules", no line); measured with scripts/differential_v0.py. natpolicy refuses the construct in a module read
as Rego v0, naming the line of the second body (rewriting it would move every later line of the module).
"""
from __future__ import annotations

from natpolicy.rego.source import matching_close, tokens

__all__ = ["chained_body"]

# A `{` after one of these opens a value (an object or set literal, `x = {"a": 1} { ... }`), not a rule body.
_VALUE_BEFORE = frozenset({":=", "=", "==", "!=", "contains", ",", "(", "[", "|", ":", "in", "default"})


def chained_body(source: str) -> tuple[int, str] | None:
    """(offset, message) of the first rule body that follows another body of the same head in ``source``, read as
    Rego v0; None where there is none."""
    toks = tokens(source)
    for i, tok in enumerate(toks):
        if tok.text != "{" or tok.kind != "op" or tok.depth != 0 or i == 0 or toks[i - 1].text in _VALUE_BEFORE:
            continue
        close = matching_close(toks, i)
        if close is None or close + 1 >= len(toks) or toks[close + 1].text != "{":
            continue
        return toks[close + 1].offset, (
            "a second body of one rule head (`p = v { a } { b }`) in a policy read as Rego v0: OPA reads it as a rule "
            "of its own with the same head, regorus 0.13.0 as an `else` of value true (answering true, or nothing "
            "for a function, where OPA answers the head's value); write each body as a rule with its own head "
            "(`p = v { a }` and `p = v { b }`)")
    return None
