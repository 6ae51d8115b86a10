"""``.terraform/modules/modules.json``: where ``terraform init`` / ``tofu init`` put each module.

The file is offline truth: every module key (``vpc``, ``vpc.sg``) with the
source and version that were installed and the folder they went to. Since
the scanned repository is hostile, an entry whose folder is absolute, climbs
out of the allowed folder, or gets out through a symbolic link is refused
with a note rather than followed.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

__all__ = [
    "MANIFEST_PATH",
    "ChangeKind",
    "Manifest",
    "ManifestEntry",
    "ModuleChange",
    "manifest_changes",
    "read_manifest",
]

MANIFEST_PATH = Path(".terraform") / "modules" / "modules.json"
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ManifestEntry:
    key: str  # "vpc", "vpc.sg"; the root module ("") is not listed
    source: str
    version: str | None  # registry modules only
    directory: Path  # absolute, inside the allowed folder
    recorded_dir: str  # as written in the file, relative to the root

    @property
    def path(self) -> tuple[str, ...]:
        """The module names from the root: ``vpc.sg`` -> ``("vpc", "sg")``."""
        return tuple(self.key.split("."))


@dataclass(frozen=True)
class Manifest:
    root: Path
    entries: Mapping[str, ManifestEntry] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # refused entries and unreadable files, one line each
    found: bool = False


def read_manifest(root: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None) -> Manifest:
    """The manifest of the root module at ``root``; folders must stay inside ``within`` (default ``root``)."""
    root_path = Path(os.path.abspath(root))
    boundary = Path(os.path.realpath(within if within is not None else root_path))
    file = root_path / MANIFEST_PATH
    try:
        if file.is_symlink() or not file.is_file():
            why = "is a symbolic link" if file.is_symlink() else ""
            return Manifest(root_path, notes=(f"{MANIFEST_PATH} {why}; ignored",) if why else ())
        if file.stat().st_size > _MAX_MANIFEST_BYTES:
            return Manifest(root_path, notes=(f"{MANIFEST_PATH} is larger than 16 MiB; ignored",))
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Manifest(root_path, notes=(f"{MANIFEST_PATH} could not be read: {_one_line(exc)}",))
    modules = document.get("Modules") if isinstance(document, dict) else None
    if not isinstance(modules, list):
        return Manifest(root_path, notes=(f"{MANIFEST_PATH} has no Modules list; ignored",), found=True)
    entries: dict[str, ManifestEntry] = {}
    notes: list[str] = []
    for record in modules:
        if not isinstance(record, dict):
            continue
        key, source, version, recorded = (record.get(k) for k in ("Key", "Source", "Version", "Dir"))
        if not isinstance(key, str) or not key or not isinstance(recorded, str) or not isinstance(source, str):
            continue  # "" is the root module itself
        directory, problem = _directory(root_path, boundary, recorded)
        if directory is None:
            notes.append(f"module.{key}: {MANIFEST_PATH} gives folder {recorded!r}, which {problem}; ignored")
            continue
        entries[key] = ManifestEntry(key=key, source=source, version=version if isinstance(version, str) and version
                                     else None, directory=directory, recorded_dir=recorded)
    return Manifest(root_path, entries=entries, notes=tuple(notes), found=True)


def _directory(root: Path, boundary: Path, recorded: str) -> tuple[Path | None, str]:
    # terraform on Windows writes backslashes; a backslash is never part of a module folder name.
    relative = recorded.replace("\\", "/")
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        return None, "is absolute"
    lexical = Path(os.path.normpath(root / relative))
    real = Path(os.path.realpath(lexical))
    for candidate, why in ((Path(os.path.normpath(Path(os.path.realpath(root)) / relative)), "leaves the root"),
                           (real, "leads out of the root through a symbolic link")):
        if candidate != boundary and boundary not in candidate.parents:
            return None, why
    if not real.is_dir():
        return None, "does not exist"
    return lexical, ""


class ChangeKind(Enum):
    ADDED = "added"
    REMOVED = "removed"
    SOURCE = "source changed"
    VERSION = "version changed"


@dataclass(frozen=True)
class ModuleChange:
    key: str
    kind: ChangeKind
    before: str | None
    after: str | None

    @property
    def message(self) -> str:
        if self.kind is ChangeKind.ADDED:
            return f"module.{self.key}: added ({self.after})"
        if self.kind is ChangeKind.REMOVED:
            return f"module.{self.key}: removed (was {self.before})"
        return f"module.{self.key}: {self.kind.value} from {self.before} to {self.after}"


def manifest_changes(before: Mapping[str, ManifestEntry], after: Mapping[str, ManifestEntry]) -> list[ModuleChange]:
    """What differs between two sides of a diff, by module key: one change per key, sorted."""
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None and new is not None:
            changes.append(ModuleChange(key, ChangeKind.ADDED, None, _describe(new)))
        elif new is None and old is not None:
            changes.append(ModuleChange(key, ChangeKind.REMOVED, _describe(old), None))
        elif old is not None and new is not None:
            if old.source != new.source:
                changes.append(ModuleChange(key, ChangeKind.SOURCE, old.source, new.source))
            elif old.version != new.version:
                changes.append(ModuleChange(key, ChangeKind.VERSION, old.version or "no version",
                                            new.version or "no version"))
    return changes


def _describe(entry: ManifestEntry) -> str:
    return entry.source + (f" {entry.version}" if entry.version else "")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
