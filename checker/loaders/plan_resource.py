"""A plan resource whose configuration expressions are decoded when first read (the fast plan decode's resources).

The plan's ``configuration`` section is mostly expressions, one object per
resource block, and decoding them into Python objects cost a 10k plan about a
third of its decode; the built-in rules read them for about a third of the
blocks (routes, route tables, EBS volumes...), and reference resolution for
a few more. So the fast decode keeps each block's ``expressions`` raw
(``plan_structs.ConfigBlock``) and the configuration join hands the block to
the resource instead of its expressions: ``expressions`` reads the block's on
first access, as the join would have set them. Everything else about the
resource is a ``Resource``: the same slots, ``repr``, and a pickle (``--jobs``)
or copy that gives a plain ``Resource`` with every field read.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from natpolicy.model import Resource

__all__ = ["NO_BLOCK", "PlanResource"]

# The base class's slot for ``expressions``: the property below stands in front of it.
_EXPRESSIONS = Resource.__dict__["expressions"]
_GET_EXPRESSIONS, _SET_EXPRESSIONS = _EXPRESSIONS.__get__, _EXPRESSIONS.__set__
_FIELDS: tuple[str, ...] = Resource.__slots__

# A block with no ``expressions`` (``get`` answers ``None``): what a resource without a configuration block holds,
# so its ``expressions`` read ``None`` as the join leaves them (shared by every such resource, so read-only).
NO_BLOCK: Mapping[str, Any] = MappingProxyType({})


class PlanResource(Resource):
    """A ``Resource`` whose ``expressions`` come from ``config_block`` when first read.

    ``config_block``: the configuration block (anything with a ``dict.get``: a
    ``plan_structs.ConfigBlock``, ``NO_BLOCK``), or ``None`` once ``expressions``
    holds the answer. Its expressions are kept when they are a JSON object, as
    ``ConfigIndex.join`` keeps them, else ``None``. The block decodes them once,
    and every instance of it shares that one object (count and for_each twins).
    """

    __slots__ = ("config_block",)

    config_block: Mapping[str, Any] | None

    @property  # a field of the base class, read through here
    def expressions(self) -> Mapping[str, Any] | None:
        block = self.config_block
        if block is not None:
            value = block.get("expressions")
            _SET_EXPRESSIONS(self, value if value.__class__ is dict or isinstance(value, dict) else None)
            self.config_block = None
        return _GET_EXPRESSIONS(self)

    @expressions.setter
    def expressions(self, value: Mapping[str, Any] | None) -> None:
        self.config_block = None
        _SET_EXPRESSIONS(self, value)

    def __repr__(self) -> str:
        return "Resource" + super().__repr__()[len("PlanResource"):]

    def __reduce__(self) -> tuple[Any, ...]:
        """A plain ``Resource`` with the same fields (its expressions read): what a worker sends, what copies get."""
        return (_plain_resource, (tuple(getattr(self, name) for name in _FIELDS),))


def _plain_resource(values: tuple[Any, ...]) -> Resource:
    res: Resource = object.__new__(Resource)
    for name, value in zip(_FIELDS, values, strict=True):
        setattr(res, name, value)
    return res
