"""``not`` over an expression holding ``_``, which regorus 0.13.0 reads as "some element is not".

OPA evaluates a negated expression as a query of its own with the bindings
around it (``evalNot`` in OPA's topdown/eval.go): a ``_`` inside is a new
variable of that query, so ``not input.arr[_] == "c"`` holds when no element
is ``"c"``: the common ``not containers[_].securityContext.runAsNonRoot``
means "no container sets it". regorus binds the ``_`` outside the ``not``
and negates each element in turn: the expression held as soon as one
element was not ``"c"``, ``[1 | not input.arr[_] == "c"]`` gave ``[1, 1]``
for ``["c", "a", "b"]`` where OPA gives ``[]`` (measured; also a bare ref,
``not input.rs[_].n``). A call's operand holding ``_`` (``not startswith(input.arr[_], "c")``) is no longer
the negation's own: OPA binds it before the ``not``, and so does ``negated_operands``, which runs first.

So the regorus engine compiles each such expression as the count of its
solutions, which OPA answers alike and regorus as OPA::

    not EXPR            ->  count([1 | EXPR]) == 0

on the same lines (the ``not`` becomes the opening, the close follows the
expression's last token), so error messages keep their line numbers. A
``_`` inside a comprehension of its own is that comprehension's already, and
an expression with ``with`` is left as written.
"""
from __future__ import annotations

from natpolicy.rego.negation import in_inner_comprehension, negated_expressions
from natpolicy.rego.source import apply_edits, tokens

__all__ = ["negations_for_regorus"]


def negations_for_regorus(source: str) -> str:
    """``source`` with each ``not EXPR`` whose ``EXPR`` holds its own ``_`` as ``count([1 | EXPR]) == 0``."""
    if "not" not in source or "_" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for i, last in negated_expressions(source, toks):
        if last + 1 < len(toks) and toks[last + 1].text == "with":
            continue
        if any(toks[j].text == "_" and not in_inner_comprehension(toks, i, j) for j in range(i + 1, last + 1)):
            end = toks[last].offset + len(toks[last].text)
            edits.append((toks[i].offset, toks[i].offset + len("not"), "count([1 |"))
            edits.append((end, end, "]) == 0"))
    return apply_edits(source, edits)


