"""How deep an input nests: Rego engines convert input recursively, so natpolicy bounds it.

Shared by the parent (``natpolicy.rego.evaluate``, for documents it holds as
values) and the child (``natpolicy.rego.child``, for a plan's text), which
measure the same limit in the two forms an input takes.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_INPUT_DEPTH", "depth_over", "text_depth_over"]

# Terraform plans nest a few dozen levels; engines convert input recursively.
MAX_INPUT_DEPTH = 256


def depth_over(value: Any, limit: int) -> bool:
    """Is ``value`` nested deeper than ``limit`` (iteratively: no recursion to run out of)?"""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def text_depth_over(text: str, limit: int) -> bool:
    """Is the JSON ``text`` nested deeper than ``limit``? Exact, without parsing it (for error paths: not fast)."""
    # After the escapes, no string holds a quote: every other piece between quotes is outside strings,
    # and only brackets there nest.
    outside = "".join(_ESCAPE.sub("", text).split('"')[::2])
    depth = 0
    for char in _NOT_BRACKETS.sub("", outside):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False


_ESCAPE = re.compile(r"\\.", re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
