"""Unpacking a downloaded module archive without letting it write anywhere else.

The archive is hostile. The whole archive is refused (``ArchiveError``) when
any member
- has an absolute name or a ``..`` component,
- is a device, a FIFO or anything but a file, a folder or a link,
- is a link (symbolic or hard) leading out of the folder,
or when the archive holds more than ``max_files`` members or more than
``max_bytes`` once unpacked (counted as bytes are written, so a member lying
about its size changes nothing).

Files and folders are written first; links are made last, so no write ever
goes through a link, and every link is checked once more after all exist
(a chain of links that each look harmless can still climb out).
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["ArchiveError", "extract"]

_CHUNK = 64 * 1024
_TAR_MODES = {"tar.gz": "r:gz", "tgz": "r:gz", "tar.bz2": "r:bz2", "tar.tbz2": "r:bz2", "tar.xz": "r:xz",
              "txz": "r:xz"}


class ArchiveError(Exception):
    """The archive was refused or unreadable; one line."""


@dataclass
class _Member:
    name: str  # normalized, relative
    kind: str  # "file", "dir", "symlink", "hardlink"
    link: str = ""
    open: object = None  # () -> IO[bytes] for files


def extract(archive: Path, fmt: str, dest: Path, *, max_bytes: int, max_files: int) -> None:
    """Unpack ``archive`` (an ``ARCHIVE_FORMATS`` name) into the empty folder ``dest``."""
    try:
        if fmt == "zip":
            with zipfile.ZipFile(archive) as zf:
                _unpack(_zip_members(zf, max_files), dest, max_bytes)
        elif fmt in _TAR_MODES:
            with tarfile.open(archive, _TAR_MODES[fmt]) as tf:  # type: ignore[call-overload]
                _unpack(_tar_members(tf, max_files), dest, max_bytes)
        else:
            raise ArchiveError(f"unknown archive type {fmt!r}")
    except ArchiveError:
        raise
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, zlib.error,
            NotImplementedError, RuntimeError) as exc:  # zipfile: unknown compression, encrypted members
        raise ArchiveError(f"unreadable {fmt} archive: {' '.join(str(exc).split()) or type(exc).__name__}") from None


def _safe_name(raw: str) -> str:
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member {raw!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"member {raw!r} climbs out with '..'")
    return "/".join(parts)


def _check_link(name: str, target: str, *, hard: bool) -> str:
    """The link's target relative to the folder; refused when it leaves the folder."""
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        raise ArchiveError(f"link {name!r} points at the absolute path {target!r}")
    base = "" if hard else posixpath.dirname(name)  # a hard link's target is named from the archive's top
    resolved = posixpath.normpath(posixpath.join(base, target.replace("\\", "/")))
    if resolved == ".." or resolved.startswith("../") or posixpath.isabs(resolved):
        raise ArchiveError(f"link {name!r} points outside the module ({target!r})")
    return resolved


def _tar_members(tf: tarfile.TarFile, max_files: int) -> Iterator[_Member]:
    for count, info in enumerate(tf, start=1):
        if count > max_files:
            raise ArchiveError(f"more than {max_files} members")
        name = _safe_name(info.name)
        if info.isdir():
            yield _Member(name, "dir")
        elif info.isreg():
            yield _Member(name, "file", open=lambda info=info: tf.extractfile(info))
        elif info.issym():
            _check_link(name, info.linkname, hard=False)
            yield _Member(name, "symlink", link=info.linkname)
        elif info.islnk():
            yield _Member(name, "hardlink", link=_check_link(name, _safe_name(info.linkname), hard=True))
        else:
            kind = "a device" if info.ischr() or info.isblk() else "a FIFO" if info.isfifo() else "a special file"
            raise ArchiveError(f"member {info.name!r} is {kind}")


def _zip_members(zf: zipfile.ZipFile, max_files: int) -> Iterator[_Member]:
    infos = zf.infolist()
    if len(infos) > max_files:
        raise ArchiveError(f"more than {max_files} members")
    for info in infos:
        name = _safe_name(info.filename)
        mode = info.external_attr >> 16
        if info.is_dir() or stat.S_ISDIR(mode):
            yield _Member(name, "dir")
        elif stat.S_ISLNK(mode):
            target = zf.read(info)[:4096].decode("utf-8", "replace")
            _check_link(name, target, hard=False)
            yield _Member(name, "symlink", link=target)
        elif mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
            kind = "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else (
                "a FIFO" if stat.S_ISFIFO(mode) else "a special file")
            raise ArchiveError(f"member {info.filename!r} is {kind}")
        else:
            yield _Member(name, "file", open=lambda info=info: zf.open(info))


def _unpack(members: Iterator[_Member], dest: Path, max_bytes: int) -> None:
    written = 0
    links: list[_Member] = []
    root = Path(os.path.realpath(dest))
    for member in members:
        if not member.name:
            continue
        target = root / member.name
        if member.kind == "dir":
            target.mkdir(parents=True, exist_ok=True)
            continue
        if member.kind in ("symlink", "hardlink"):
            links.append(member)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        opener = member.open
        assert callable(opener)
        source: IO[bytes] | None = opener()
        if source is None:
            continue
        # O_EXCL: a name given twice is refused rather than written twice.
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            raise ArchiveError(f"member {member.name!r} appears twice") from None
        with source, os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ArchiveError(f"more than {max_bytes} bytes once unpacked")
                out.write(chunk)
    for member in links:
        target = root / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            raise ArchiveError(f"member {member.name!r} appears twice")
        if member.kind == "symlink":
            os.symlink(member.link, target)
        else:
            original = root / member.link
            if not original.is_file() or original.is_symlink():
                raise ArchiveError(f"hard link {member.name!r} names {member.link!r}, "
                                   "which is not a file in the archive")
            written += original.stat().st_size
            if written > max_bytes:
                raise ArchiveError(f"more than {max_bytes} bytes once unpacked")
            shutil.copyfile(original, target)  # a copy: the folder never shares an inode with anything
    for member in links:
        real = Path(os.path.realpath(root / member.name))
        if real != root and root not in real.parents:
            raise ArchiveError(f"link {member.name!r} leads outside the module through other links")
