"""A ``sprintf`` element bound to a whole number literal written with a point (``10.0``), marked for regopy.

OPA hands ``sprintf`` such a number as a float64 (it keeps the literal's text: ``%.2f`` prints ``10.00``, ``%d``
``%!d(float64=10)``); regopy 1.5.2 formats it as the integer 10, and its rewritten ``sprintf``
(``sprintf_regopy``) cannot tell the two apart once the policy runs. A literal written in the argument array
itself is seen by that rewrite; one bound to a name (infracost's ``maxDiff = 10.0``, then ``%.2f`` of it) is not
once the other rewrites have run, so before them each such element is replaced by ``FLOAT_TEXT("10.0")``, which
the ``sprintf`` rewrite formats in Python as OPA does (``number_texts.named_whole_floats`` decides which, as
guards does). No function of that name is defined: an element the rewrite did not format fails to compile,
never answers. Lines stay; columns on the line move.
"""
from __future__ import annotations

from natpolicy.rego.number_texts import named_whole_floats, rule_span, sprintf_elements
from natpolicy.rego.source import apply_edits, tokens

__all__ = ["FLOAT_TEXT", "float_texts_for_regopy"]

FLOAT_TEXT = "__natpolicy_float_text"


def float_texts_for_regopy(source: str) -> str:
    """``source`` with each ``sprintf`` element that names a whole float literal replaced by its marker."""
    if "sprintf" not in source:
        return source
    toks = tokens(source)
    named = named_whole_floats(source, toks)
    if not named:
        return source
    edits: list[tuple[int, int, str]] = []
    for element in sprintf_elements(toks):
        first = toks[element.first]
        if element.first != element.last or first.kind != "ident":
            continue
        literal = named.get((rule_span(source, toks, element.first), first.text))
        if literal is not None:
            edits.append((first.offset, first.offset + len(first.text), f'{FLOAT_TEXT}("{literal}")'))
    return apply_edits(source, edits)
