"""``LoadResult``: what every input loader gives (plans, HCL, HCL compared with a git revision).

A leaf of the input side (the HCL lifecycle type is imported only when a
result is built), so ``natpolicy.loaders.hcl`` can build one without importing the
loader registry or the classifier.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from natpolicy.records import field, record

if TYPE_CHECKING:
    from natpolicy.loaders.lifecycle_blocks import Lifecycle
    from natpolicy.model import Resource, SourceLocation

__all__ = ["BlockKey", "LoadResult"]

# (origin, config address): two roots calling the same module have the same
# addresses, yet each its own `module` blocks (and skip comments in them).
BlockKey = tuple[str, str]


def _empty_lifecycle() -> Lifecycle:
    from natpolicy.loaders.lifecycle_blocks import Lifecycle  # a leaf, yet not needed by plan runs at import

    return Lifecycle()


@record
class LoadResult:
    """What a loader gives: the same shape for plans, HCL and HCL compared with a git revision."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "path:line: message"; fail the run (notes with --skip-invalid)
    notes: list[str] = field(default_factory=list)  # remote modules not scanned, and similar
    blocks: dict[BlockKey, SourceLocation] = field(default_factory=dict)  # (root, config address) -> block
    verbose_notes: list[str] = field(default_factory=list)  # what the evaluator did not understand
    roots: list[str] = field(default_factory=list)  # display paths of what was loaded (root modules, plans)
    unparsed: list[str] = field(default_factory=list)  # display paths of files that did not parse
    lifecycle: Lifecycle = field(default_factory=_empty_lifecycle)  # moved / removed blocks, per module
    # display path -> text, when the text came from elsewhere than the work tree (the git index);
    # suppressions read skip comments from it.
    texts: dict[str, str] = field(default_factory=dict)
    base: str | None = None  # the git commit compared with, None when there was none
    plans: list[tuple[str, str]] = field(default_factory=list)  # (display origin, file read or "-") per plan
    # Remote module calls, per root: (origin, key "vpc.sg") -> (source, version) as written.
    module_sources: dict[BlockKey, tuple[str, str | None]] = field(default_factory=dict)
    unloaded_modules: list[BlockKey] = field(default_factory=list)  # (origin, "module.vpc"): calls not read
