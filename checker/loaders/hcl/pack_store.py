"""Content-keyed entries kept in a few pack files, instead of one file per entry.

A cold pre-commit hook stores about 600 parse trees. One file each cost the
run 0.1-0.6 s, mostly the system creating files (more under load); a run now
writes its new entries as one pack. Packs are never changed once written:
each is written under a temporary name and renamed into place, so a reader
(another hook running at the same time) sees a whole pack or none. When more
than ``MAX_PACKS`` have piled up, the writer merges them into one and removes
the ones it merged; two runs merging at once at worst leave an entry in two
packs. Anything unreadable or malformed is skipped: the caller computes again.

A pack is ``MAGIC`` followed by ``marshal`` data: a dict from a 32-byte key
to bytes. ``marshal`` reads plain data only (never runs code, unlike pickle).
A light module: bytes in, bytes out, no parser.
"""
from __future__ import annotations

import marshal
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PackStore", "MAX_PACKS", "MAX_MERGED_BYTES", "KEY_BYTES"]

MAGIC = b"natpolicy-pack-1\n"
KEY_BYTES = 32  # a SHA-256 digest
MAX_PACKS = 8  # more after a write: merged into one (a reader opens at most about this many files)
MAX_MERGED_BYTES = 32 * 1024 * 1024  # a merge keeps the newest entries up to this (about 0.05 s to read back)
_STALE_TMP_SECONDS = 3600.0  # a temporary file this old belongs to a run that died: removed by the next merge
_SUFFIX = ".pack"


class PackStore:
    """Packs of entries under ``directory``; every problem with it just means computing again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read_all(self) -> dict[bytes, bytes]:
        """Every entry of every readable pack (newer packs win, though the same key holds the same value)."""
        entries: dict[bytes, bytes] = {}
        for path in self._packs():
            entries.update(_read_pack(path) or {})
        return entries

    def write(self, entries: Mapping[bytes, bytes]) -> None:
        """Store ``entries`` as one new pack; then merge the packs if there are too many."""
        if not entries:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)  # once per run: made again if cleaned up meanwhile
            _write_pack(self.directory, entries)
            packs = self._packs()
            if len(packs) > MAX_PACKS:
                self._merge(packs)
        except OSError:
            pass  # a read-only or full cache: the next run parses again

    def _packs(self) -> list[Path]:
        """The pack files, oldest first (names start with the time they were written)."""
        try:
            names = sorted(n for n in os.listdir(self.directory) if n.endswith(_SUFFIX) and not n.startswith("."))
        except OSError:
            return []
        return [self.directory / n for n in names]

    def _merge(self, packs: list[Path]) -> None:
        merged: dict[bytes, bytes] = {}
        size = 0
        done: list[Path] = []
        for path in reversed(packs):  # newest first: what the cap drops is what was stored longest ago
            entries = _read_pack(path)
            if entries is None:
                continue  # gone (another run merged it) or unreadable now: left alone
            done.append(path)
            for key, value in entries.items():
                if key not in merged and size + len(value) <= MAX_MERGED_BYTES:
                    merged[key] = value
                    size += len(value)
        _write_pack(self.directory, merged)
        for path in done:  # only after the merged pack is in place: a reader always finds each entry somewhere
            path.unlink(missing_ok=True)
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        cutoff = time.time() - _STALE_TMP_SECONDS
        try:
            with os.scandir(self.directory) as found:
                for entry in found:
                    if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
        except OSError:
            pass


def _write_pack(directory: Path, entries: Mapping[bytes, bytes]) -> None:
    # Time first, so that names sort by age; pid and random bits keep concurrent writers apart.
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
    tmp = directory / f".{name}.tmp"
    try:
        tmp.write_bytes(MAGIC + marshal.dumps(dict(entries)))
        os.replace(tmp, directory / name)  # atomic: a reader never sees half a pack
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _read_pack(path: Path) -> dict[bytes, bytes] | None:
    """The entries of one pack; ``{}`` if it is malformed, ``None`` if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return {}
    try:
        loaded = marshal.loads(memoryview(data)[len(MAGIC):])
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {key: value for key, value in loaded.items()
            if isinstance(key, bytes) and len(key) == KEY_BYTES and isinstance(value, bytes)}
