"""The references an expression makes, read from its parse tree without evaluating it.

``traversals`` gives the names (``("aws_vpc", "main", "id")``), as the plan's
``references`` lists them; ``keyed_traversals`` also keeps the literal
instance key written after a step (``aws_vpc.main[0]``). The module loader
uses them to follow sensitivity and references through module inputs.
"""
from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from lark import Tree

from natpolicy.address import format_key
from natpolicy.loaders.hcl.expr import Context
from natpolicy.loaders.hcl.expr import index_key as _index_key
from natpolicy.loaders.hcl.parse_tree import MAX_DEPTH as _MAX_DEPTH
from natpolicy.loaders.hcl.parse_tree import attr_name as _attr_name
from natpolicy.loaders.hcl.parse_tree import child_trees as _trees
from natpolicy.loaders.hcl.values import EvalError
from natpolicy.model import UNKNOWN

__all__ = ["KeyedStep", "keyed_traversals", "traversals", "marked_traversals"]


def traversals(node: Any) -> tuple[tuple[str, ...], ...]:
    """Every name traversal in an expression, e.g. ``("aws_vpc", "main", "id")``.

    Index steps end a traversal (keys are dropped, as in the plan's
    ``references``); names bound by ``for`` or ``dynamic`` show up too and are
    filtered by the resolver, which only accepts declared objects.
    """
    return _remembered(node, "_natpolicy_traversals", keyed=False)


def marked_traversals(node: Any) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """The traversals whose values keep Terraform's sensitive mark, and whether ``sensitive()`` is called.

    What ``nonsensitive(...)`` wraps loses the mark, so it is left out.
    """
    if not isinstance(node, Tree):
        return (), False
    found = node.__dict__.get("_natpolicy_marked")
    if found is None:
        out: list[tuple[str, ...]] = []
        marked: list[bool] = []
        _collect(node, out, 0, marks=marked)
        found = node.__dict__["_natpolicy_marked"] = (tuple(out), bool(marked))
    return found


# A traversal step and the literal instance key written right after it
# (``aws_vpc.main[0].id`` -> ("aws_vpc", None), ("main", "[0]"), ("id", None)).
KeyedStep = tuple[str, "str | None"]


def keyed_traversals(node: Any) -> tuple[tuple[KeyedStep, ...], ...]:
    """Like :func:`traversals`, with the literal index written after each step.

    Only a constant number or string counts (``[0]``, ``["a"]``, normalised as
    in ``natpolicy.model``); ``[count.index]``, ``[each.key]`` and splats name
    no instance. A second index after one step (``x[0][1]``) indexes a value,
    not an instance, and is dropped.
    """
    return _remembered(node, "_natpolicy_keyed", keyed=True)


def _remembered(node: Any, slot: str, keyed: bool) -> Any:
    """``_collect``'s traversals of ``node``, computed once per tree node.

    The evaluator asks again and again for the same expressions (every
    instance of a module, both sides of a comparison sharing a file's tree:
    half the lookups of the benchmark's hook repeat one). A parse tree is not
    changed once built (``slim`` works before any caller sees it), and the
    traversals depend on nothing but the tree, so the answer kept on the node
    is the answer. Kept as tuples: no caller can change what the next one gets.
    """
    if not isinstance(node, Tree):
        return ()
    found = node.__dict__.get(slot)
    if found is None:
        out: list[Any] = []
        _collect(node, out, 0, keyed)
        found = node.__dict__[slot] = tuple(out)
    return found


def _keyed_chain(node: Tree) -> list[KeyedStep] | None:
    if node.data == "expr_term":
        inner = _trees(node)
        if len(inner) == 1 and len(node.children) == 1:
            return _keyed_chain(inner[0])
        return None
    if node.data == "identifier":
        return [(str(node.children[0]), None)]
    if node.data == "get_attr_expr_term":
        base, attr = _trees(node)
        head = _keyed_chain(base)
        return None if head is None else [*head, (_attr_name(attr), None)]
    if node.data == "index_expr_term":
        base, index = _trees(node)[:2]
        head = _keyed_chain(base)
        if head and head[-1][1] is None:
            key = _literal_key(index)
            if key is not None:
                head[-1] = (head[-1][0], key)
        return head
    if node.data in ("full_splat_expr_term", "attr_splat_expr_term"):
        return _keyed_chain(_trees(node)[0])
    return None


def _constant_name(name: str) -> Any:
    return UNKNOWN


def _literal_key(index: Tree) -> str | None:
    """``[0]`` -> ``"[0]"``, ``["a"]`` -> ``'["a"]'``; anything computed -> None."""
    try:
        value = _index_key(index, Context(_constant_name, functions={}), 0)
    except (EvalError, TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return f"[{value}]"
    if isinstance(value, str):
        return format_key(value)
    return None


def _chain(node: Tree) -> list[str] | None:
    if node.data == "expr_term":
        inner = _trees(node)
        if len(inner) == 1 and len(node.children) == 1:
            return _chain(inner[0])
        return None
    if node.data == "identifier":
        return [str(node.children[0])]
    if node.data == "get_attr_expr_term":
        base, attr = _trees(node)
        head = _chain(base)
        return None if head is None else [*head, _attr_name(attr)]
    if node.data in ("index_expr_term", "full_splat_expr_term", "attr_splat_expr_term"):
        head = _chain(_trees(node)[0])
        return head
    return None


def _spine_indexes(node: Tree) -> Iterator[Tree]:
    """Index expressions along a traversal (``x[var.k].y`` -> ``var.k``)."""
    while isinstance(node, Tree):
        if node.data in ("index_expr_term", "get_attr_expr_term", "full_splat_expr_term", "attr_splat_expr_term"):
            base, step = _trees(node)[:2]
            for sub in ([step] if step.data != "full_splat" and step.data != "attr_splat" else _trees(step)):
                if sub.data == "braces_index":
                    yield from _trees(sub)
            node = base
        elif node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        else:
            return


def _collect(node: Any, out: list[Any], depth: int, keyed: bool = False, marks: list[bool] | None = None) -> None:
    if not isinstance(node, Tree) or depth > _MAX_DEPTH:
        return
    if node.data in ("get_attr_expr_term", "identifier", "index_expr_term", "full_splat_expr_term",
                     "attr_splat_expr_term"):
        chain: list[Any] | None = _keyed_chain(node) if keyed else _chain(node)
        if chain:
            # Only the longest traversal counts (`module.a.out`, not also
            # `module.a`); index keys inside it are expressions of their own.
            out.append(tuple(chain))
            for key in _spine_indexes(node):
                _collect(key, out, depth + 1, keyed, marks)
            return
    if node.data == "function_call":
        if marks is not None:
            name = "::".join(str(t.children[0]) for t in _trees(node) if t.data == "identifier")
            if name == "nonsensitive":
                return
            if name == "sensitive":
                marks.append(True)
        for child in _trees(node):
            if child.data == "arguments":
                _collect(child, out, depth + 1, keyed, marks)
        return
    if node.data == "object_elem_key":
        inner = _trees(node)
        if inner and inner[0].data == "expr_term" and _chain(inner[0]) is not None and len(_chain(inner[0]) or ()) == 1:
            return  # a bare key name, not a reference
    for child in node.children:
        if isinstance(child, Tree):
            _collect(child, out, depth + 1, keyed, marks)
