"""A plan resource whose configuration expressions and references are found when first read (the fast decode's).

The plan's ``configuration`` section is mostly expressions, one object per
resource block, and decoding them into Python objects cost a 10k plan about a
third of its decode, where the rules and reference resolution read 16 % of
them; and joining every resource to its block (its config address spelt out,
the block looked up, a ``LazyReferences`` made) cost a 10k plan 30 M
instructions, where the rules read the references of 8 % of the resources. So
the fast decode keeps each block's ``expressions`` raw
(``plan_structs.ConfigBlock``), and its resources ask the plan's
``ConfigIndex`` for their ``expressions`` and ``references`` when a rule or an
output first reads them: the same values ``ConfigIndex.join`` gives a
``Resource``. Everything else about the resource is a ``Resource``: the same
slots, ``repr``, and a pickle (``--jobs``) or copy that gives a plain
``Resource`` with every field read.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from natpolicy.model import Resource

__all__ = ["PlanConfig", "PlanResource"]

# The base class's slots for ``expressions`` and ``references``: the properties below stand in front of them.
_EXPRESSIONS, _REFERENCES = Resource.__dict__["expressions"], Resource.__dict__["references"]
_GET_EXPRESSIONS, _SET_EXPRESSIONS = _EXPRESSIONS.__get__, _EXPRESSIONS.__set__
_GET_REFERENCES, _SET_REFERENCES = _REFERENCES.__get__, _REFERENCES.__set__
_FIELDS: tuple[str, ...] = Resource.__slots__


class PlanConfig:
    """One plan's configuration, shared by its ``PlanResource``s: ``index`` is set by ``ConfigIndex.join``.

    Until then (``None``: a plan without ``configuration`` is joined all the same, so only a resource read
    before its plan was loaded sees it) a resource reads what ``Resource`` gives without a join: no
    expressions, no references.
    """

    __slots__ = ("index",)

    def __init__(self) -> None:
        # A ``references.ConfigIndex`` (not imported: it imports this module); read by its ``expressions_for`` and
        # ``references_for``.
        self.index: Any = None


class PlanResource(Resource):
    """A ``Resource`` whose ``expressions`` and ``references`` come from ``plan_config`` when first read.

    ``expressions_pending``/``references_pending``: that field is still to be
    asked of the plan's ``ConfigIndex`` (each once: ``expressions_for`` decodes a
    block's expressions, which every instance of the block then shares). Setting
    a field settles it.
    """

    __slots__ = ("expressions_pending", "plan_config", "references_pending")

    plan_config: PlanConfig
    expressions_pending: bool
    references_pending: bool

    @property  # a field of the base class, read through here
    def expressions(self) -> Mapping[str, Any] | None:
        if self.expressions_pending:
            index = self.plan_config.index
            _SET_EXPRESSIONS(self, index.expressions_for(self) if index is not None else None)
            self.expressions_pending = False
        return _GET_EXPRESSIONS(self)

    @expressions.setter
    def expressions(self, value: Mapping[str, Any] | None) -> None:
        self.expressions_pending = False
        _SET_EXPRESSIONS(self, value)

    @property  # a field of the base class, read through here
    def references(self) -> Mapping[str, tuple[str, ...]]:
        if self.references_pending:
            index = self.plan_config.index
            _SET_REFERENCES(self, index.references_for(self) if index is not None else {})
            self.references_pending = False
        return _GET_REFERENCES(self)

    @references.setter
    def references(self, value: Mapping[str, tuple[str, ...]]) -> None:
        self.references_pending = False
        _SET_REFERENCES(self, value)

    def __repr__(self) -> str:
        return "Resource" + super().__repr__()[len("PlanResource"):]

    def __reduce__(self) -> tuple[Any, ...]:
        """A plain ``Resource`` with the same fields (every one read): what a worker sends, what copies get."""
        return (_plain_resource, (tuple(getattr(self, name) for name in _FIELDS),))


def _plain_resource(values: tuple[Any, ...]) -> Resource:
    res: Resource = object.__new__(Resource)
    for name, value in zip(_FIELDS, values, strict=True):
        setattr(res, name, value)
    return res
