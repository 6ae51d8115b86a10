"""What HCL file functions may read: the files of the configuration being checked, nothing else.

``file("${path.module}/../.git/config")`` is valid Terraform, and a pull
request decides what it says. So ``file``, ``fileset``, ``templatefile`` and
friends read a path only when it belongs to the configuration:

* in a git work tree, a file git tracks (the index; a commit's tree for the
  base side of a comparison), read from the work tree, or from the blob in
  git mode (the pre-commit hook and ``--diff-base``);
* in a plain folder, a regular file under the scanned folder.

Never anything under ``.git/`` or ``.terraform/``, however the path is
spelled (``..``, ``//``, symbolic links, letter case). Every decision that
could tell whether a file exists is taken on the path's text first, so a
refusal says nothing about what is on the disk.
"""
from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["FileScope", "Refused", "NEVER_READ", "MAX_FILE_BYTES", "never_read"]

NEVER_READ = (".git", ".terraform")  # git's own data (tokens), Terraform's state and backend credentials
MAX_FILE_BYTES = 4 * 1024 * 1024  # a configuration's templates and policies are kilobytes
_MAX_LISTED = 100_000  # fileset() over a folder holding more files than this is not listed
OUTSIDE = "outside the checked configuration"


class Refused(Exception):
    """The path is not part of the configuration (or cannot be read safely); the message says why."""


def never_read(part: str) -> bool:
    """Is a path component ``.git``/``.terraform``, as a case-insensitive file system would read it?
    Windows also drops trailing dots and spaces, opens ``.git::$DATA`` as ``.git`` and knows
    ``GIT~1`` as its short name."""
    name = part.casefold().split(":", 1)[0].rstrip(". ")
    return name in NEVER_READ or _SHORT_NAME.fullmatch(name) is not None


_SHORT_NAME = re.compile(r"(git|terraf)~[0-9]+")


class FileScope:
    """The files one load may read.

    ``root``: the repository's top (git), else the scanned folder.
    ``tracked``: called once, on first use: repository path -> blob id of every
    regular file git tracks; ``None`` outside git. ``read_blob``: blob id ->
    bytes (``None``: missing) for git mode; ``None`` reads tracked files from the
    work tree. ``refuse_all``: why nothing at all may be read (git refused the
    repository).
    """

    def __init__(self, root: Path, *, tracked: Callable[[], Mapping[str, str]] | None = None,
                 read_blob: Callable[[str, int], bytes | None] | None = None,
                 max_bytes: int = MAX_FILE_BYTES, refuse_all: str | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self._real_root = os.path.realpath(self.root)
        self._tracked_source = tracked
        self._tracked: Mapping[str, str] | None = None
        self._read_blob = read_blob
        self.max_bytes = max_bytes
        self.refuse_all = refuse_all

    @property
    def git(self) -> bool:
        return self._tracked_source is not None

    def tracked(self) -> Mapping[str, str]:
        if self._tracked is None:
            assert self._tracked_source is not None
            try:
                self._tracked = self._tracked_source()
            except Exception as exc:  # git failing (a GitError, a timeout...) refuses reads, never ends the run
                self.refuse_all = f"the files git tracks could not be listed ({_first_line(exc)})"
                self._tracked = {}
        if self.refuse_all:
            raise Refused(self.refuse_all)
        return self._tracked

    # -- deciding, on the path's text ------------------------------------------
    def path_of(self, base_dir: Path, name: str) -> str:
        """``name`` (relative to ``base_dir``) as a POSIX path under the root ("" = the root); else Refused."""
        if "\0" in name:
            raise Refused("not a file name")
        full = os.path.normpath(os.path.join(base_dir, name))
        try:
            rel = os.path.relpath(full, self.root)
        except ValueError:  # another drive (Windows)
            raise Refused(OUTSIDE) from None
        parts = [p for p in re.split(r"[\\/]+", rel) if p not in ("", ".")]
        if parts[:1] == [".."] or os.path.isabs(rel):
            raise Refused(OUTSIDE)
        _check_parts(parts)
        if self.refuse_all:
            raise Refused(self.refuse_all)
        return "/".join(parts)

    # -- reading ----------------------------------------------------------------
    def read(self, rel: str) -> bytes | None:
        """The bytes of a file :meth:`path_of` accepted; ``None`` when there is none."""
        if self.git:
            blob = self.tracked().get(rel)
            if blob is None:
                raise Refused("not tracked by git")  # the same answer whether it exists or not
            if self._read_blob is not None:
                try:
                    data = self._read_blob(blob, self.max_bytes)
                except Exception as exc:  # as above: git stopping is a refusal, not a crash
                    raise Refused(f"git could not read it ({_first_line(exc)})") from None
                if data is not None and len(data) > self.max_bytes:
                    raise Refused(f"larger than {self.max_bytes:,} bytes")
                return data
            return self._read_disk(rel, follow=False)
        return self._read_disk(rel, follow=True)

    def exists(self, rel: str) -> bool:
        if self.git:
            if rel in self.tracked():
                return True
            raise Refused("not tracked by git")
        return self._disk_regular(rel)

    def _real(self, rel: str, follow: bool) -> str:
        """The file's real path; a symbolic link must not lead out (nor, for a tracked file, anywhere)."""
        lexical = os.path.join(self._real_root, *rel.split("/")) if rel else self._real_root
        real = os.path.realpath(lexical)
        if real == lexical:
            return real
        if not follow:
            raise Refused("a symbolic link in the work tree, not the file git tracks")
        real_rel = os.path.relpath(real, self._real_root)
        parts = [p for p in re.split(r"[\\/]+", real_rel) if p not in ("", ".")]
        if parts[:1] == [".."]:
            raise Refused("a symbolic link leading " + OUTSIDE)
        _check_parts(parts)
        return real

    def _read_disk(self, rel: str, follow: bool) -> bytes | None:
        real = self._real(rel, follow)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(real, flags)  # non-blocking: a FIFO must not hang the run
        except FileNotFoundError:
            return None
        except OSError:
            raise Refused("cannot be opened") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused("not a regular file")
            if info.st_size > self.max_bytes:
                raise Refused(f"larger than {self.max_bytes:,} bytes")
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read(self.max_bytes + 1)
        finally:
            os.close(fd)
        if len(data) > self.max_bytes:
            raise Refused(f"larger than {self.max_bytes:,} bytes")
        return data

    def _disk_regular(self, rel: str) -> bool:
        real = self._real(rel, True)  # a link leading out is refused, whether its target exists or not
        try:
            return stat.S_ISREG(os.stat(real).st_mode)
        except OSError:
            return False

    # -- listing ----------------------------------------------------------------
    def files_under(self, rel_dir: str) -> list[str]:
        """Paths (relative to ``rel_dir``) of the readable files below it, for ``fileset``."""
        prefix = rel_dir + "/" if rel_dir else ""
        if self.git:
            return sorted(p[len(prefix):] for p in self.tracked()
                          if p.startswith(prefix) and not any(never_read(x) for x in p.split("/")))
        top = self._real(rel_dir, True)
        out: list[str] = []
        for current, dirs, names in os.walk(top, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not never_read(d))
            here = os.path.relpath(current, top)
            for name in sorted(n for n in names if not never_read(n)):
                try:
                    regular = stat.S_ISREG(os.lstat(os.path.join(current, name)).st_mode)
                except OSError:  # gone since it was listed
                    continue
                if regular:
                    out.append(name if here == "." else Path(here, name).as_posix())
                    if len(out) > _MAX_LISTED:
                        raise Refused(f"holds more than {_MAX_LISTED:,} files")
        return sorted(out)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_parts(parts: list[str]) -> None:
    for part in parts:
        if never_read(part):
            raise Refused(f"{part}/ is never read" if part in NEVER_READ else f"{part}/ is {NEVER_READ_SPELLED}")


NEVER_READ_SPELLED = "another spelling of .git/ or .terraform/, which are never read"
