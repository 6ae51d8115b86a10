"""Findings on a module's resources, shown on the ``module`` block that calls the module.

A pull request that breaks egress through a module changes the call
(``enable_nat_gateway = false``, a lower ``nat_gateway_count``), not the
module's code, which is often not even in the repository (a registry or git
module). An alert on the module's file would not show in the pull request's
diff, and two roots calling one module would share one alert on it. So a
finding on ``module.vpc.aws_nat_gateway.this[0]`` moves onto the root's
``module "vpc"`` block, and the resource's own block becomes a related
location (SARIF ``relatedLocations``): with its file and lines when the
module's code is at hand (a local folder, ``.terraform/modules``), else by
its address only.

This runs after skip comments are read (they are read from the resource's
own block and from its module calls, as before) and never touches
addresses, so fingerprints and baselines do not change. HCL mode finds the
call in the loader's ``hcl_blocks``; plan mode in the Terraform root the
plan was mapped to (``--source-root``, else the working directory).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from natpolicy.address import module_path, module_prefix
from natpolicy.findings import Finding, RelatedLocation
from natpolicy.model import ResourceModel, SourceLocation
from natpolicy.records import replace

if TYPE_CHECKING:
    from natpolicy.loaders.sourcemap import SourceIndex
    from natpolicy.runner import RunResult

__all__ = ["move_to_call_sites"]


def move_to_call_sites(result: RunResult, model: ResourceModel, *, source_root: str | None = None) -> RunResult:
    """The run's findings, those inside modules moved onto the root's module call (see the module doc)."""
    finder = _CallFinder(model, Path(source_root) if source_root else Path.cwd(), source_root is not None)
    moved = [_moved(f, finder) for f in result.findings]
    return replace(result, findings=moved)


def _moved(f: Finding, finder: _CallFinder) -> Finding:
    if not f.address.startswith("module."):
        return f  # a root module resource (module_prefix reads no step unless the address starts so)
    module = module_prefix(f.address)
    if not module:
        return f
    names = module_path(module)
    call = finder.call(f, names[0])
    if call is None:
        return f
    res = finder.model.get(f.address, origin=f.origin)
    stale = res is not None and res.location_at_base  # a block of the base revision: other lines now
    own: SourceLocation | None = None
    if call != f.location and not stale and f.location.path != f.origin:
        own = f.location
    where = "inside the module" if own is not None else "inside the module (its code is not at hand)"
    related = RelatedLocation(address=f.address, location=own, message=f"{f.address}: the resource {where}")
    return replace(f, location=call, related=(related, *f.related))


class _CallFinder:
    """The root's ``module "<name>"`` block for a finding: from the HCL loader, else from the plan's root."""

    def __init__(self, model: ResourceModel, root: Path, explicit_root: bool) -> None:
        self.model = model
        self.root = root
        self.hcl_blocks = model.context.hcl_blocks
        self._mapped: set[str] | None = None
        self.explicit_root = explicit_root
        self._index: SourceIndex | None = None
        self._plan_calls: dict[str, SourceLocation | None] = {}

    @property
    def mapped(self) -> set[str]:
        """Plans whose configuration is at hand: some resource of theirs was mapped to it.

        Worked out on the first finding inside a module that asks (a loop over every resource).
        """
        if self._mapped is None:
            self._mapped = {r.origin for r in self.model if r.mapped_to_source}
        return self._mapped

    def call(self, f: Finding, name: str) -> SourceLocation | None:
        found = self.hcl_blocks.get((f.origin, f"module.{name}"))
        if isinstance(found, SourceLocation):
            return found
        res = self.model.get(f.address, origin=f.origin)
        if res is None or not (res.mapped_to_source or f.origin in self.mapped or
                               (self.explicit_root and f.location.path == f.origin)):
            return None  # HCL (no such call loaded), or a plan whose configuration is not at hand
        if name not in self._plan_calls:
            self._plan_calls[name] = self._find_in_root(name)
        return self._plan_calls[name]

    def _find_in_root(self, name: str) -> SourceLocation | None:
        from natpolicy.loaders.hcl.parse import HclParserMissing

        if self._index is None:
            from natpolicy.loaders.paths import display_path
            from natpolicy.loaders.sourcemap import SourceIndex

            self._index = SourceIndex(display=lambda p: display_path(str(p)))
        try:
            block = self._index.find(self.root, ("module", name))
        except HclParserMissing:
            return None
        if block is None:
            return None
        return SourceLocation(path=block.file, start_line=block.start_line, end_line=block.end_line)
