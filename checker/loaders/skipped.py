"""Tell what was skipped: Terraform folders below a checked root that nothing checked.

``natpolicy check .`` at the top of a repository that is itself a root module
checks that root and the local modules it calls, and nothing else: the
``examples/*`` and ``modules/*`` folders next to it (a registry module's
usual layout) would pass silently. One note names them, up to
:data:`SHOWN` then ``+K more``, in sorted order, with the command that checks
them (``natpolicy check examples modules``: a folder without Terraform files
of its own is checked as the folder of the roots below it).

A folder counts as checked when it was given, or when a checked root calls
it, directly or through other local modules, with a local ``source``
(``./``, ``../``). Calls are found with a light scan of each file's text
(``source = "./x"``), not a parse: a ``provisioner "file"`` with such a
``source`` at worst hides a folder from this note, never fails a run.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES

__all__ = ["SHOWN", "unchecked_note", "unchecked_folders"]

SHOWN = 5  # folders named in the note; the rest are counted
MAX_FOLDERS = 5_000  # folders looked at below one root: a monorepo's node_modules must not make a run slow
MAX_FILE_BYTES = 1024 * 1024  # a .tf over this is not scanned for calls (its folder may then be listed)
_LOCAL_SOURCE = re.compile(r'(?m)(?:^|[{\s])source[ \t]*=[ \t]*"(\.\.?/[^"\n]*|\.\.?)"')
_SKIPPED_DIRS = {"node_modules", "vendor"}


def unchecked_folders(roots: Sequence[Path]) -> list[Path]:
    """Folders below ``roots`` holding ``.tf``/``.tofu`` files that neither are roots nor are called by them."""
    roots = [Path(os.path.abspath(r)) for r in roots]
    checked = _called_from(roots)
    found: set[Path] = set()
    for root in roots:
        seen = 0
        for current, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
            seen += 1
            if seen > MAX_FOLDERS:
                break
            folder = Path(current)
            if folder in checked or not any(f.endswith(TERRAFORM_CODE_SUFFIXES) for f in files):
                continue
            found.add(folder)
    return sorted(found)


def unchecked_note(roots: Sequence[Path]) -> str | None:
    """One note naming the unchecked folders and how to check them, or ``None`` when there are none."""
    roots = [Path(os.path.abspath(r)) for r in roots]
    folders = unchecked_folders(roots)
    if not folders:
        return None
    here = Path(os.path.abspath(Path.cwd()))
    shown = [_relative(f, here) for f in folders]
    listed = ", ".join(shown[:SHOWN]) + (f" (+{len(shown) - SHOWN} more)" if len(shown) > SHOWN else "")
    groups = list(dict.fromkeys(_group(f, roots, here) for f in folders))
    noun = "folder holds" if len(folders) == 1 else "folders hold"
    return (f"not checked: {listed}: {'this' if len(folders) == 1 else 'these'} {noun} Terraform code that is "
            f"neither given nor called as a module from the checked root; to check "
            f"{'it' if len(folders) == 1 else 'them'}: natpolicy check {' '.join(groups)}")


def _called_from(roots: Iterable[Path]) -> set[Path]:
    """The roots and every folder they reach through local module sources."""
    checked: set[Path] = set()
    pending = list(roots)
    while pending:
        folder = pending.pop()
        if folder in checked:
            continue
        checked.add(folder)
        for source in _local_sources(folder):
            pending.append(Path(os.path.normpath(folder / source)))
    return checked


def _local_sources(folder: Path) -> list[str]:
    try:
        entries = sorted(p for p in folder.iterdir() if p.name.endswith(TERRAFORM_CODE_SUFFIXES))
    except OSError:
        return []
    found: list[str] = []
    for entry in entries:
        try:
            if not entry.is_file() or entry.stat().st_size > MAX_FILE_BYTES:
                continue
            text = entry.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += [m.group(1).split("//")[0] or "." for m in _LOCAL_SOURCE.finditer(text)]
    return found


def _relative(folder: Path, here: Path) -> str:
    try:
        return Path(os.path.relpath(folder, here)).as_posix()
    except ValueError:  # another drive on Windows
        return folder.as_posix()


def _group(folder: Path, roots: Sequence[Path], here: Path) -> str:
    """What to type to check ``folder``: ``examples`` for ``examples/complete`` (natpolicy checks every root
    below a folder without Terraform files of its own), else the folder itself."""
    from natpolicy.loaders.paths import has_terraform_files

    for root in roots:
        try:
            rel = folder.relative_to(root)
        except ValueError:
            continue
        top = root / rel.parts[0]
        if len(rel.parts) > 1 and not has_terraform_files(top):
            return _relative(top, here)
        return _relative(folder, here)
    return _relative(folder, here)
