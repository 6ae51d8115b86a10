"""The download cache: one folder per (package, resolved version), written once, then only read.

Layout under the cache root (``Settings.cache_root()``)::

    packages/<2 hex>/<sha256>/pkg/        the package as fetched (archive unpacked, git checked out)
    packages/<2 hex>/<sha256>/meta.json   what it is: kind, package, version, when
    versions/<sha256>.json                a registry's version list, reused for Settings.version_list_ttl
    refs/<sha256>.json                    the commit a git ref last named (offline fallback)

A package entry is keyed by the normalized package address and the exact
resolved version (a registry version or a git commit), which never change
meaning, so an entry never expires. A new entry is assembled in a temporary
folder beside its final place and renamed into it; when two runs race, the
rename of the second fails and it uses the first one's copy, so a reader
never sees half an entry.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from natpolicy.safe_write import write_text

__all__ = ["CacheEntry", "CachedList", "Filled", "ModuleCache", "cache_key"]

_PACKAGE = "pkg"
_META = "meta.json"


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Filled:
    """What a fetch learned while filling an entry."""

    subdir: str = ""  # the package address it ended at named a subdirectory (``X-Terraform-Get: …//sub``)
    resolved: str = ""  # e.g. the git commit


@dataclass(frozen=True)
class CacheEntry:
    folder: Path  # the package
    subdir: str
    resolved: str


@dataclass(frozen=True)
class CachedList:
    values: tuple[str, ...]
    fetched_at: float

    def age(self) -> float:
        return time.time() - self.fetched_at


class ModuleCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    # -- packages ---------------------------------------------------------------------------------
    def _entry(self, kind: str, package: str, version: str) -> Path:
        digest = cache_key(kind, package, version)
        return self.root / "packages" / digest[:2] / digest

    def package(self, kind: str, package: str, version: str) -> CacheEntry | None:
        """The cached entry, or None. Only complete entries exist under their final name."""
        entry = self._entry(kind, package, version)
        folder = entry / _PACKAGE
        if entry.is_symlink() or folder.is_symlink() or not folder.is_dir():
            return None
        try:
            meta = json.loads((entry / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        subdir, resolved = meta.get("subdir", ""), meta.get("resolved", "")
        if not isinstance(subdir, str) or not isinstance(resolved, str):
            return None
        return CacheEntry(folder, subdir, resolved)

    def store(self, kind: str, package: str, version: str, fill: Callable[[Path, Path], Filled]) -> CacheEntry:
        """Make the entry with ``fill(package_dir, scratch_dir)`` unless it exists; its package folder.

        ``fill`` writes the package into ``package_dir`` (an empty folder) and
        may use ``scratch_dir`` for downloads; both lie beside the final entry,
        on the same file system, and are removed if ``fill`` raises.
        """
        entry = self._entry(kind, package, version)
        existing = self.package(kind, package, version)
        if existing is not None:
            return existing
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{entry.name[:16]}-", dir=entry.parent))
        try:
            (staging / _PACKAGE).mkdir()
            scratch = Path(tempfile.mkdtemp(prefix=".scratch-", dir=entry.parent))
            try:
                filled = fill(staging / _PACKAGE, scratch)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            meta = {"kind": kind, "package": package, "version": version, "stored_at": time.time(),
                    "subdir": filled.subdir, "resolved": filled.resolved}
            (staging / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
            try:
                os.rename(staging, entry)
            except OSError:
                # Another run finished first (the target exists and is not empty): use its copy.
                winner = self.package(kind, package, version)
                if winner is None:
                    raise
                return winner
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return CacheEntry(entry / _PACKAGE, filled.subdir, filled.resolved)

    # -- small JSON records -----------------------------------------------------------------------
    def read_list(self, kind: str, key: str) -> CachedList | None:
        path = self.root / kind / f"{cache_key(kind, key)}.json"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            values = document["values"]
            fetched = float(document["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return None
        return CachedList(tuple(values), fetched)

    def write_list(self, kind: str, key: str, values: list[str] | tuple[str, ...]) -> None:
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        document = {"key": key, "values": list(values), "fetched_at": time.time()}
        try:
            write_text(folder / f"{cache_key(kind, key)}.json", json.dumps(document), within=folder)
        except OSError:
            pass  # a cache that cannot be written only costs a later download
