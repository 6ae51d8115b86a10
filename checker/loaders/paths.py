"""Path helpers of the input side: Terraform file suffixes, display paths, plan files in a folder.

A leaf: it imports only the standard library, so that ``natpolicy.loaders.hcl``,
the classifier and the dispatcher can all use it without importing each
other, and a plan-only run can read the suffixes without the HCL stack
(lark and the grammar cost about 0.1 s of every run).

Paths in findings are relative to the top of the git repository holding
them (SARIF's ``%SRCROOT%``, where GitHub looks them up), else to the
current directory.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["TERRAFORM_CODE_SUFFIXES", "TERRAFORM_SUFFIXES", "TF_SUFFIXES", "display_path", "display_root",
           "has_terraform_files", "is_terraform_file", "looks_like_plan", "plan_files_in", "repository_top"]

# The one definition of what a Terraform file is called; every module imports these.
TERRAFORM_CODE_SUFFIXES = (".tf", ".tofu")  # code: what makes a folder a Terraform module
TERRAFORM_SUFFIXES = (*TERRAFORM_CODE_SUFFIXES, ".tfvars")  # code and variable values
TF_SUFFIXES = TERRAFORM_CODE_SUFFIXES  # the name natpolicy.loaders.hcl has always used

_PLAN_MARKERS = (b'"format_version"', b'"planned_values"', b'"resource_changes"')
_CHUNK = 1 << 20


def is_terraform_file(name: str | Path) -> bool:
    """Is ``name`` a ``.tf``/``.tofu``/``.tfvars`` file by its name (it need not exist)?"""
    return str(name).endswith(TERRAFORM_SUFFIXES)


def has_terraform_files(directory: Path) -> bool:
    """Does ``directory`` itself hold ``.tf``/``.tofu`` files (a Terraform module)?"""
    try:
        return any(p.suffix in TERRAFORM_CODE_SUFFIXES and p.is_file() for p in directory.iterdir())
    except OSError:
        return False


def repository_top(path: Path) -> Path | None:
    """The git work tree holding ``path`` (the nearest folder upward with a ``.git`` entry)."""
    current = Path(os.path.abspath(path))
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def display_root(path: str | Path) -> Path:
    """What display paths of ``path`` are relative to: its repository's top, else the current directory."""
    if str(path) == "-":
        return repository_top(Path.cwd()) or Path.cwd()
    return repository_top(Path(path)) or Path(os.path.abspath(Path.cwd()))


def display_path(path: str) -> str:
    """Repository-relative POSIX path when possible (SARIF wants URIs relative to the repository)."""
    if path == "-":
        return "<stdin>"
    full = Path(os.path.abspath(path))
    base = repository_top(full) or Path(os.path.abspath(Path.cwd()))
    try:
        return Path(os.path.relpath(full, base)).as_posix()
    except ValueError:  # another drive on Windows
        return full.as_posix()


def plan_files_in(directory: Path, notes: list[str] | None = None) -> list[Path]:
    """JSON files in ``directory`` (not recursive) that look like plans.

    Only regular files inside the repository (else ``directory``) are opened:
    a committed ``x.json -> /dev/zero`` (or a FIFO, a socket) would hang the
    scan, and a link out of the repository would read the runner's files.
    Each one skipped gets a line in ``notes``.
    """
    boundary = Path(os.path.realpath(repository_top(directory) or directory))
    found = []
    for candidate in sorted(directory.glob("*.json")):
        problem = _unreadable_entry(candidate, boundary)
        if problem:
            if notes is not None:
                notes.append(f"{display_path(str(candidate))}: not read: {problem}")
        elif looks_like_plan(candidate):
            found.append(candidate)
    return found


def _unreadable_entry(path: Path, boundary: Path) -> str | None:
    """Why a folder entry must not be opened as a plan, or ``None`` (a folder named ``*.json`` is no plan either)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken symbolic link" if path.is_symlink() else None
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file (natpolicy reads only regular files: a device or a FIFO may never end)"
    real = Path(os.path.realpath(path))
    try:
        real.relative_to(boundary)
    except ValueError:
        return f"a symbolic link out of {boundary.as_posix()}"
    return None


def looks_like_plan(path: Path) -> bool:
    """Does the file hold a Terraform plan's top-level keys anywhere?

    Not only in its first kilobytes: ``json.dumps(sort_keys=True)`` puts
    ``configuration`` (which can be megabytes) before ``format_version``.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
            if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (PowerShell's `>`): decode it whole
                text = (head + fh.read()).decode("utf-16", "ignore").encode("utf-8")
                return any(marker in text for marker in _PLAN_MARKERS)
            tail = head
            while chunk := fh.read(_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _PLAN_MARKERS):
                    return True
                tail = window[-32:]  # a marker split across two chunks
            return any(marker in tail for marker in _PLAN_MARKERS)
    except OSError:
        return False
