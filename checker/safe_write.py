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

import errno
import os
import stat
from pathlib import Path

# tempfile's flags for mkstemp: exclusive creation, never through a link planted at the chosen name.
_TEMP_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_TEMP_ATTEMPTS = getattr(os, "TMP_MAX", 10000)  # tempfile.TMP_MAX


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
    fd, temp = _make_temp(folder, f".{target.name}.", ".tmp")
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


def _make_temp(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """``tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)``, without importing ``tempfile``.

    Importing tempfile (with shutil, random, bz2, lzma) cost about 15 M instructions, a tenth of a
    small plan run's own start-up, for one file name. The steps are mkstemp's: the absolute name,
    eight random characters (``os.urandom``'s, in hex, where tempfile draws from 36), the same open
    flags and 0600 mode (``os.open`` makes the descriptor non-inheritable as mkstemp's is), another
    name when one exists, the same error when none is free.
    """
    base = os.path.abspath(folder)
    for _ in range(_TEMP_ATTEMPTS):
        temp = os.path.join(base, f"{prefix}{os.urandom(4).hex()}{suffix}")
        try:
            return os.open(temp, _TEMP_FLAGS, 0o600), temp
        except FileExistsError:
            continue
        except PermissionError:
            # On Windows a directory of the chosen name gives PermissionError (as in tempfile).
            if os.name == "nt" and os.path.isdir(base) and os.access(base, os.W_OK):
                continue
            raise
    raise FileExistsError(errno.EEXIST, "No usable temporary file name found")
