"""Whether OPA's type checker lets a collection literal stand as a call's argument (its ``unify1``).

A literal argument is not checked by its type as a whole: OPA unifies it with
the declared type piece by piece (``unify1`` in OPA's ``ast/check.go``).
Before that its compiler has moved every call, operator, ref (a rule's name is
one) and comprehension inside it out into a variable (``expandExprTerm``,
``rewriteDynamics``), so its elements are constants, nested literals and
variables. A declared ``any<...>`` (more than one kind) is tried kind by kind
in union mode, where a variable widens to fit and never fails (OPA issue
7273: ``a := "foo"; sum([1, a])`` passes); outside union mode a variable must
fit as it is typed. Constants must always fit, and a literal must be of a
kind the declared type has.
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.rego.builtin_types import ANY, ARRAY, OBJECT, SET, RegoType, accepts, element_of, kind
from natpolicy.rego.type_syntax import Node

__all__ = ["LITERALS", "literal_fits"]

LITERALS = {"array": ARRAY, "set": SET, "object": OBJECT}


def literal_fits(node: Node, expected: RegoType, type_of: Callable[[Node], RegoType], union: bool = False) -> bool:
    """Would OPA unify the literal (or element) ``node`` with ``expected``? ``type_of``: a node's type."""
    if expected == ANY:
        return True
    wanted = LITERALS.get(node.what)
    if wanted is None:
        if node.what == "literal":
            return accepts(expected, kind(node.text))
        return union or accepts(expected, type_of(node))  # a variable (or what was moved into one)
    if wanted not in expected.kinds:
        return False
    if len(expected.kinds) > 1:  # OPA's any<...>: the alternative of the literal's kind, in union mode
        alternative = kind(wanted, of=expected.of)
        return _items_fit(node, RegoType(alternative.kinds, alternative.of, expected.fields if wanted == OBJECT
                                         else None), type_of, True)
    return _items_fit(node, expected, type_of, union)


def _items_fit(node: Node, expected: RegoType, type_of: Callable[[Node], RegoType], union: bool) -> bool:
    if node.what == "object":
        if expected.fields is None:
            return True  # an object of any keys: every value is unified with any
        fields = dict(expected.fields)
        pairs = list(zip(node.parts[::2], node.parts[1::2], strict=True))
        if len(pairs) != len(fields):
            return False
        for key, value in pairs:
            if key.what != "literal" or key.constant is None:
                continue  # a computed key: its value is unified with any
            child = fields.get(key.constant) if isinstance(key.constant, str) else None
            if child is None or not literal_fits(value, child, type_of, union):
                return False
        return True
    if node.what == "array" and expected.length is not None and len(node.parts) != expected.length:
        return False
    element = element_of(expected)
    return all(literal_fits(part, element, type_of, union) for part in node.parts)
