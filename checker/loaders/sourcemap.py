"""Point plan findings at the ``.tf`` block that declares each resource.

A generated ``plan.json`` is not in the repository, so code-scanning alerts
on it cannot show in a pull request diff. Given the Terraform root
(``--source-root``, or the current directory when it holds the matching
configuration), each plan resource's physical location becomes its
``resource`` block: the module path in ``module_address`` is followed through
each ``module_calls[*].source`` (from the plan, else from the ``module``
block itself) into local module folders, and into the folders
``terraform init`` installed remote modules in (``.terraform/modules``).
A resource inside a remote module that is not installed points at the
``module`` block that calls it. Addresses are untouched, so logical
locations and fingerprints stay stable.

A resource the plan deletes has no block left when the change removed it,
and would stay on the plan's first line, a file that is not in the pull
request. It goes instead on a block the configuration keeps that the
deletion hurts: what still refers to it by id (a route table whose route
went to the deleted NAT gateway, before or after), else what it referred to
(the gateway's subnet, then that subnet's VPC); see :func:`place_deleted`.
(Findings inside a module are then moved onto the root's ``module`` call by
``natpolicy.call_sites``, after skip comments are read.)
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from natpolicy.address import module_path
from natpolicy.loaders.deletions import ids_in
from natpolicy.model import Resource, SourceLocation

__all__ = ["module_call_sources", "SourceIndex", "map_to_source", "max_source_bytes", "MAX_SOURCE_BYTES",
           "place_deleted", "installed_module_folder"]


def module_call_sources(configuration: Any) -> dict[tuple[str, ...], str]:
    """``configuration`` of a plan -> {module path: its call's ``source``}."""
    out: dict[tuple[str, ...], str] = {}
    if not isinstance(configuration, dict) and configuration is not None and hasattr(configuration, "root_module"):
        return _typed_call_sources(configuration.root_module)
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


def _typed_call_sources(root: Any) -> dict[tuple[str, ...], str]:
    """``module_call_sources`` of the fast decode's typed configuration (``plan_structs.Configuration``).

    Its modules and calls are structs of the types the walk above tests for (the decoder held them to those):
    only the ``source`` and ``module`` of each call are read, as above.
    """
    out: dict[tuple[str, ...], str] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        module, path = stack.pop()
        if module is None or len(path) > 64 or module.module_calls is None:
            continue
        for name, call in module.module_calls.items():
            child = (*path, name)
            if isinstance(call.source, str):
                out[child] = call.source
            stack.append((call.module, child))
    return out


MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a hand-written .tf is kilobytes; a bigger one is skipped, with a note
MAX_BYTES_VARIABLE = "NATPOLICY_SOURCE_MAX_BYTES"  # raises (or lowers) the limit

# A block header, `resource "aws_vpc" "main" {`: labels quoted or bare, on one line.
_LABEL = r'("(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w-]*)'
# Compiled on first use: only findings mapped back to .tf files ask (0.3 ms at every start before).
@cache
def _header() -> re.Pattern[str]:
    return re.compile(rf'(?m)^[ \t]*(resource|data|module)[ \t]+{_LABEL}(?:[ \t]*{_LABEL})?')


def max_source_bytes() -> int:
    """The size limit for .tf files read for source mapping: ``NATPOLICY_SOURCE_MAX_BYTES``, else 4 MiB."""
    raw = os.environ.get(MAX_BYTES_VARIABLE, "").strip().replace("_", "")
    return int(raw) if raw.isdigit() else MAX_SOURCE_BYTES


class SourceIndex:
    """Top-level blocks of module folders, found lazily and within a size limit.

    A plan needs only the files declaring its resources: each file's block
    headers are listed with one linear scan of its text, and only a file that
    declares a wanted block is parsed. A file over ``max_bytes`` is not read
    at all; ``skipped`` names it (display path -> size).
    """

    def __init__(self, display: Callable[[Path], str], max_bytes: int | None = None) -> None:
        from natpolicy.loaders.hcl.modules import FileSource
        from natpolicy.loaders.hcl.parse import ParseCache

        self.max_bytes = max_source_bytes() if max_bytes is None else max_bytes
        self._files = FileSource(display=display, cache=ParseCache(), max_bytes=self.max_bytes)
        self._headers: dict[Path, frozenset[tuple[str, ...]]] = {}
        self._blocks: dict[Path, dict[tuple[str, ...], Any]] = {}
        self.skipped: dict[str, int] = {}
        self.manifests: dict[Path, Any] = {}  # root -> its .terraform/modules manifest, read once

    def find(self, folder: Path, key: tuple[str, ...]) -> Any | None:
        """The first block ``(kind, *labels)`` declared in ``folder``'s files, or ``None``."""
        for file in self._files.config_files(Path(os.path.abspath(folder))):
            if key in self._declared(file):
                block = self._parsed(file).get(key)
                if block is not None:
                    return block
        return None

    def _declared(self, file: Path) -> frozenset[tuple[str, ...]]:
        found = self._headers.get(file)
        if found is None:
            text = self._files.read(file)
            if text is None:
                try:
                    size = file.stat().st_size
                except OSError:
                    size = 0
                if size > self.max_bytes:
                    self.skipped[self._files.display(file)] = size
                found = frozenset()
            else:
                found = frozenset((m.group(1), *(_unquote(g) for g in m.groups()[1:] if g is not None))
                                  for m in _header().finditer(text))
            self._headers[file] = found
        return found

    def _parsed(self, file: Path) -> dict[tuple[str, ...], Any]:
        found = self._blocks.get(file)
        if found is None:
            found = {}
            parsed = self._files.parse(file)
            for block in parsed.body.blocks if parsed.body else ():
                if block.type in ("resource", "data", "module"):
                    found.setdefault((block.type, *block.labels), block)
            self._blocks[file] = found
        return found


def _unquote(label: str) -> str:
    if label.startswith('"'):
        try:
            return str(json.loads(label))
        except ValueError:
            return label[1:-1]
    return label


def _location(block: Any) -> SourceLocation:
    return SourceLocation(path=block.file, start_line=block.start_line, end_line=block.end_line)


def installed_module_folder(root: Path, names: tuple[str, ...], manifests: dict[Path, Any] | None = None
                            ) -> Path | None:
    """Where ``terraform init`` installed the module ``names`` (``("vpc", "sg")``) of ``root``, if it did.

    Read from ``.terraform/modules/modules.json`` (once per root with a
    ``manifests`` cache); an entry leading out of the root (or through a
    link) is refused there, never followed.
    """
    from natpolicy.loaders.modsource.manifest import read_manifest

    manifests = {} if manifests is None else manifests
    manifest = manifests.get(root)
    if manifest is None:
        manifest = manifests[root] = read_manifest(root)
    entry = manifest.entries.get(".".join(names))
    return entry.directory if entry is not None and entry.directory.is_dir() else None


def locate(res: Resource, root: Path, index: SourceIndex) -> SourceLocation | None:
    """The ``.tf`` block of one plan resource, or ``None`` when it is not declared there."""
    from natpolicy.loaders.hcl.modules import is_local_source, module_source

    root = folder = Path(os.path.abspath(root))
    names = module_path(res.module)
    sources = res.module_sources
    for depth, name in enumerate(names):
        call = index.find(folder, ("module", name))
        source = sources[depth] if depth < len(sources) and isinstance(sources[depth], str) else None
        if source is None and call is not None:
            source = module_source(call)
        if source is None:
            return None
        if not is_local_source(source):
            installed = installed_module_folder(root, names[:depth + 1], index.manifests)
            if installed is None:
                return _location(call) if call is not None else None
            folder = installed
            continue
        folder = Path(os.path.normpath(folder / source))
    kind = "data" if res.mode == "data" else "resource"
    block = index.find(folder, (kind, res.type, res.name))
    return _location(block) if block is not None else None


def map_to_source(resources: Iterable[Resource], root: Path, *, display: Callable[[Path], str],
                  require_majority: bool = False, notes: list[str] | None = None,
                  max_bytes: int | None = None) -> int:
    """Set ``location`` of every resource found under ``root``; returns how many.

    With ``require_majority`` (the implicit "run from inside the root" case)
    nothing is changed unless most resources the plan keeps are declared
    there, so an unrelated configuration in the working directory is not
    mistaken for the plan's. Files over ``max_bytes`` (default
    :func:`max_source_bytes`) are skipped, and named in ``notes``.
    """
    from natpolicy.gc_pause import paused_gc

    index = SourceIndex(display, max_bytes)
    resources = list(resources)
    found: list[tuple[Resource, SourceLocation]] = []
    with paused_gc():
        for res in resources:
            location = locate(res, root, index)
            if location is not None:
                found.append((res, location))
    if notes is not None:
        notes.extend(f"{path}: not read for source mapping: {size:,} bytes, over the limit of {index.max_bytes:,} "
                     f"(set {MAX_BYTES_VARIABLE} to raise it); findings declared there stay on the plan's lines"
                     for path, size in sorted(index.skipped.items()))
    if require_majority:
        kept = [r for r in resources if r.exists_after and r.mode == "managed"]
        if not kept or len({id(r) for r, _ in found} & {id(r) for r in kept}) * 2 < len(kept):
            return 0
    for res, location in found:
        res.mapped_to_source = True
        res.location = location
    place_deleted(resources)
    return len(found)


# What a deleted resource's findings are best shown on, best first (as in HCL mode: loaders.deletions).
_PREFERRED = ("aws_route_table", "aws_default_route_table", "aws_route", "aws_subnet", "aws_vpc")
_MAX_HOPS = 3


def place_deleted(resources: Iterable[Resource]) -> int:
    """Put each deleted resource that has no block left on a kept block the deletion hurts; returns how many.

    By the real ids in the plan: first a mapped resource that refers to the
    deleted one's id (before or after the change: the route table whose route
    went to the gateway), else what the deleted one referred to, nearest
    first (the gateway's subnet, then its VPC). Route tables, routes, subnets
    and VPCs are preferred, then the rest by address, so the choice is
    deterministic. The finding's message already names the deleted address.
    """
    resources = list(resources)
    by_id: dict[tuple[str, str], Resource] = {}
    referring: dict[tuple[str, str], list[Resource]] = {}
    for r in resources:
        own_ids = {v.get("id") for v in (r.before, r.after) if isinstance(v, dict)}
        for own in own_ids:
            if isinstance(own, str):
                by_id.setdefault((r.origin, own), r)
        for value in ids_in(r.before) | ids_in(r.after):
            if value not in own_ids:
                referring.setdefault((r.origin, value), []).append(r)
    placed = 0
    for res in resources:
        if res.mapped_to_source or not res.is_deleted or res.exists_after:
            continue
        target = _kept_block(res, by_id, referring)
        if target is not None and target.location is not None:
            res.location = target.location
            res.mapped_to_source = True
            placed += 1
    return placed


def _is_kept(r: Resource) -> bool:
    return r.mapped_to_source and r.exists_after and r.location is not None


def _kept_block(res: Resource, by_id: dict[tuple[str, str], Resource],
                referring: dict[tuple[str, str], list[Resource]]) -> Resource | None:
    def rank(r: Resource) -> tuple[object, ...]:
        return (_PREFERRED.index(r.type) if r.type in _PREFERRED else len(_PREFERRED), r.address)

    def targets(r: Resource) -> list[Resource]:
        return [t for value in sorted(ids_in(r.before)) if (t := by_id.get((r.origin, value))) is not None]

    own = res.before.get("id") if isinstance(res.before, dict) else None
    pointing = sorted(referring.get((res.origin, own), ()), key=rank) if isinstance(own, str) else []
    for candidate in pointing:
        if _is_kept(candidate):
            return candidate
    # A deleted aws_route going with its gateway leaves its route table behind: the block that keeps the subnets.
    fed = sorted({t.address: t for r in pointing if r.type == "aws_route" for t in targets(r)
                  if t.type in _PREFERRED[:2] and _is_kept(t)}.values(), key=rank)
    if fed:
        return fed[0]
    seen = {res.address}
    level = [res]
    for _ in range(_MAX_HOPS):
        found = {t.address: t for r in level for t in targets(r) if t.address not in seen}
        level = sorted(found.values(), key=rank)
        seen.update(found)
        for candidate in level:
            if _is_kept(candidate):
                return candidate
    return None


