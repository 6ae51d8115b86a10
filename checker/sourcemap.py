"""Point plan findings at the ``.tf`` block that declares each resource.

A generated ``plan.json`` is not in the repository, so code-scanning alerts
on it cannot show in a pull request diff. Given the Terraform root
(``--source-root``, or the current directory when it holds the matching
configuration), each plan resource's physical location becomes its
``resource`` block: the module path in ``module_address`` is followed through
each ``module_calls[*].source`` (from the plan, else from the ``module``
block itself) into local module folders. A resource inside a remote module
points at the ``module`` block that calls it. Addresses are untouched, so
logical locations and fingerprints stay stable.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from natpolicy.address import module_path
from natpolicy.model import Resource, SourceLocation

__all__ = ["module_call_sources", "SourceIndex", "map_to_source"]


def module_call_sources(configuration: Any) -> dict[tuple[str, ...], str]:
    """``configuration`` of a plan -> {module path: its call's ``source``}."""
    out: dict[tuple[str, ...], str] = {}
    root = configuration.get("root_module") if isinstance(configuration, dict) else None
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        module, path = stack.pop()
        if not isinstance(module, dict) or len(path) > 64:
            continue
        calls = module.get("module_calls")
        if not isinstance(calls, dict):
            continue
        for name, call in calls.items():
            if isinstance(call, dict):
                child = (*path, str(name))
                if isinstance(call.get("source"), str):
                    out[child] = call["source"]
                stack.append((call.get("module"), child))
    return out


class SourceIndex:
    """Top-level blocks of module folders, parsed once per folder."""

    def __init__(self, display: Callable[[Path], str]) -> None:
        from natpolicy.hcl.modules import FileSource
        from natpolicy.hcl.parse import ParseCache

        self._files = FileSource(display=display, cache=ParseCache())
        self._folders: dict[Path, dict[tuple[str, ...], Any]] = {}

    def blocks(self, folder: Path) -> dict[tuple[str, ...], Any]:
        folder = Path(os.path.abspath(folder))
        found = self._folders.get(folder)
        if found is None:
            found = {}
            for file in self._files.config_files(folder):
                parsed = self._files.parse(file)
                for block in parsed.body.blocks if parsed.body else ():
                    if block.type in ("resource", "data", "module"):
                        found.setdefault((block.type, *block.labels), block)
            self._folders[folder] = found
        return found


def _location(block: Any) -> SourceLocation:
    return SourceLocation(path=block.file, start_line=block.start_line, end_line=block.end_line)


def locate(res: Resource, root: Path, index: SourceIndex) -> SourceLocation | None:
    """The ``.tf`` block of one plan resource, or ``None`` when it is not declared there."""
    from natpolicy.hcl.modules import is_local_source, module_source

    folder = Path(os.path.abspath(root))
    names = module_path(res.module)
    sources = res.extra.get("module_sources") or ()
    for depth, name in enumerate(names):
        call = index.blocks(folder).get(("module", name))
        source = sources[depth] if depth < len(sources) and isinstance(sources[depth], str) else None
        if source is None and call is not None:
            source = module_source(call)
        if source is None:
            return None
        if not is_local_source(source):
            return _location(call) if call is not None else None
        folder = Path(os.path.normpath(folder / source))
    kind = "data" if res.mode == "data" else "resource"
    block = index.blocks(folder).get((kind, res.type, res.name))
    return _location(block) if block is not None else None


def map_to_source(resources: Iterable[Resource], root: Path, *, display: Callable[[Path], str],
                  require_majority: bool = False) -> int:
    """Set ``location`` of every resource found under ``root``; returns how many.

    With ``require_majority`` (the implicit "run from inside the root" case)
    nothing is changed unless most resources the plan keeps are declared
    there, so an unrelated configuration in the working directory is not
    mistaken for the plan's.
    """
    from natpolicy.gc_pause import paused_gc

    index = SourceIndex(display)
    resources = list(resources)
    found: list[tuple[Resource, SourceLocation]] = []
    with paused_gc():
        for res in resources:
            location = locate(res, root, index)
            if location is not None:
                found.append((res, location))
    if require_majority:
        kept = [r for r in resources if r.exists_after and r.mode == "managed"]
        if not kept or len({id(r) for r, _ in found} & {id(r) for r in kept}) * 2 < len(kept):
            return 0
    for res, location in found:
        res.extra.setdefault("plan_location", res.location)
        res.location = location
    return len(found)
