"""The ``module`` blocks of a fetched module, so that the caller can resolve them in turn.

Only literal ``source`` and ``version`` strings are read (Terraform allows
nothing else there). ``resolve_nested`` walks the tree breadth-first to a
bounded depth; a local source inside a remote package must stay inside that
package, as Terraform requires.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from natpolicy.loaders.modsource.hclvalues import labelled_blocks, literal_string
from natpolicy.loaders.modsource.results import Origin, Resolved, Unresolved
from natpolicy.loaders.modsource.settings import Settings

__all__ = ["ModuleCall", "NestedModule", "NestedModules", "module_calls", "resolve_nested"]

_MAX_FILE_BYTES = 4 * 1024 * 1024
_DEFAULT_DEPTH = 8


@dataclass(frozen=True)
class ModuleCall:
    name: str
    source: str | None  # None: missing or not a literal string
    version: str | None
    file: Path


@dataclass(frozen=True)
class NestedModule:
    key: str  # "sg", "sg.rules": relative to the module resolve_nested started from
    result: Resolved | Unresolved


@dataclass(frozen=True)
class NestedModules:
    modules: list[NestedModule]
    notes: list[str]  # files that could not be read


def module_calls(directory: Path) -> tuple[list[ModuleCall], list[str]]:
    """The ``module`` blocks of the ``.tf``/``.tofu``/``.tf.json`` files in ``directory``, and notes on bad files."""
    calls: list[ModuleCall] = []
    notes: list[str] = []
    try:
        files = sorted(p for p in directory.iterdir()
                       if p.name.endswith((".tf", ".tofu", ".tf.json", ".tofu.json")) and p.is_file()
                       and not p.is_symlink())
    except OSError as exc:
        return [], [f"{directory}: {exc.strerror or exc}"]
    for file in files:
        try:
            if file.stat().st_size > _MAX_FILE_BYTES:
                notes.append(f"{file.name}: larger than 4 MiB; not read")
                continue
            text = file.read_text(encoding="utf-8-sig")
            document = json.loads(text) if file.name.endswith(".json") else _hcl(text)
        except Exception as exc:  # noqa: BLE001 - lark's parse errors have no common base worth naming
            notes.append(f"{file.name}: could not be parsed ({type(exc).__name__})")
            continue
        calls.extend(_calls(document, file))
    return calls, notes


def _hcl(text: str) -> Any:
    import hcl2  # imported late: lark is heavy and only needed once modules are fetched

    return hcl2.loads(text)


def _calls(document: Any, file: Path) -> list[ModuleCall]:
    out = []
    for name, body in labelled_blocks(document.get("module") if isinstance(document, dict) else None):
        if isinstance(body, list):  # JSON syntax allows a list of bodies
            body = body[0] if body else {}
        if not isinstance(body, dict):
            continue
        out.append(ModuleCall(name=name, source=literal_string(body.get("source")),
                              version=literal_string(body.get("version")), file=file))
    return out


def resolve_nested(start: Resolved, *, settings: Settings, max_depth: int = _DEFAULT_DEPTH) -> NestedModules:
    """Every module called below ``start``, resolved, to ``max_depth`` levels; cycles are cut."""
    from natpolicy.loaders.modsource.resolve import resolve

    out: list[NestedModule] = []
    all_notes: list[str] = []
    queue: list[tuple[str, Resolved, int, frozenset[Path]]] = [("", start, 0, frozenset())]
    while queue:
        prefix, parent, depth, seen = queue.pop(0)
        here = seen | {Path(os.path.realpath(parent.directory))}
        calls, notes = module_calls(parent.directory)
        all_notes.extend(f"{prefix or 'module'}: {note}" for note in notes)
        for call in calls:
            key = f"{prefix}.{call.name}" if prefix else call.name
            if call.source is None:
                out.append(NestedModule(key, Unresolved("(none)", "source is not a literal string", key)))
                continue
            if depth + 1 > max_depth:
                out.append(NestedModule(key, Unresolved(call.source, f"deeper than {max_depth} module levels", key)))
                continue
            remote_package = parent.origin not in (Origin.LOCAL, Origin.MANIFEST)
            result = resolve(call.source, call.version, settings=settings, module=key, base_dir=parent.directory,
                             package_root=parent.package_dir if remote_package else None)
            out.append(NestedModule(key, result))
            if isinstance(result, Resolved) and Path(os.path.realpath(result.directory)) not in here:
                queue.append((key, result, depth + 1, here))
    return NestedModules(out, all_notes)
