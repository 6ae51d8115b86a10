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

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from natpolicy.address import module_path
from natpolicy.model import Resource, SourceLocation

__all__ = ["module_call_sources", "SourceIndex", "map_to_source", "max_source_bytes", "MAX_SOURCE_BYTES"]


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


MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a hand-written .tf is kilobytes; a bigger one is skipped, with a note
MAX_BYTES_VARIABLE = "NATPOLICY_SOURCE_MAX_BYTES"  # raises (or lowers) the limit

# A block header, `resource "aws_vpc" "main" {`: labels quoted or bare, on one line.
_LABEL = r'("(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w-]*)'
_HEADER = re.compile(rf'(?m)^[ \t]*(resource|data|module)[ \t]+{_LABEL}(?:[ \t]*{_LABEL})?')


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
                                  for m in _HEADER.finditer(text))
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


def locate(res: Resource, root: Path, index: SourceIndex) -> SourceLocation | None:
    """The ``.tf`` block of one plan resource, or ``None`` when it is not declared there."""
    from natpolicy.loaders.hcl.modules import is_local_source, module_source

    folder = Path(os.path.abspath(root))
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
            return _location(call) if call is not None else None
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
    return len(found)
