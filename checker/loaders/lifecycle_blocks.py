"""The types of ``moved`` and ``removed`` blocks a load collects (see :mod:`natpolicy.loaders.hcl.lifecycle`).

Apart from the HCL reader (which re-exports them) because every
:class:`~natpolicy.loaders.result.LoadResult` holds a :class:`Lifecycle`, a plan's an empty one:
a plan-only run should not import the reader's modules to build it.
"""
from __future__ import annotations

from natpolicy.records import field, record

__all__ = ["Lifecycle", "Move"]


@record(frozen=True)
class Move:
    """A ``moved`` block: ``source`` now lives at ``target``."""

    module: str  # config prefix of the module declaring it: "" or "module.a.module.b."
    source: str
    target: str
    origin: str = ""  # the root it belongs to ("": any), since two roots may share addresses


@record
class Lifecycle:
    """The ``moved`` and ``destroy = false`` ``removed`` blocks of a load."""

    moves: list[Move] = field(default_factory=list)
    # (module prefix, address, root) of `removed { lifecycle { destroy = false } }`: kept in AWS.
    forgotten: list[tuple[str, str, str]] = field(default_factory=list)
