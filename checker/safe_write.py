"""Writing a report or baseline without following links or leaving half a file.

natpolicy runs on pull requests, so any path it writes to may already hold
something the pull request committed: a symlink to the runner's credentials,
a FIFO, a directory. Every writer goes through :func:`write_text`, which

- refuses a target that exists and is not a regular file (a symlink included,
  whatever it points at), or whose folder lies outside ``within`` once links
  are resolved;
- writes a temporary file in the target's folder and renames it over the
  target, so a reader (or a concurrent run) sees the old file or the new one,
  never a truncated mix, and a failed write leaves the old file whole.

The module imports nothing of natpolicy's, so every layer may use it.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class UnsafeTargetError(OSError):
    """The target is a link, a special file or outside the allowed folder."""


def check_target(path: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None) -> Path:
    """The path as given, once it is known to be safe to replace; else raise UnsafeTargetError."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else (
            "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file")
        raise UnsafeTargetError(f"{target} is {kind}; natpolicy only replaces regular files")
    if within is not None:
        folder = Path(os.path.realpath(target.parent if str(target.parent) else "."))
        root = Path(os.path.realpath(within))
        if folder != root and root not in folder.parents:
            raise UnsafeTargetError(f"{target} is outside {root}")
    return target


def write_text(path: str | os.PathLike[str], text: str, *, within: str | os.PathLike[str] | None = None,
               encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` atomically; see the module docstring for what is refused."""
    target = check_target(path, within=within)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
        # mkstemp makes the file 0600; a report is as readable as any file the user creates.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        # Checked again just before the rename: a link planted meanwhile is refused too.
        check_target(target, within=within)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
