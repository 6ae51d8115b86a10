"""The pre-commit hook: file names in, Terraform root folders checked.

pre-commit passes the changed files (``entry [args] file...``), possibly in
several calls when the list is long. Terraform is judged per root folder, not
per file, so the names are grouped into the folders Terraform would be run
in: a file's own folder, or, when that folder is a local module, the folders
that call it. Nothing is cached between calls, so any split of the names
gives the same verdict for every root.

The hook runs with ``always_run``: deleting a whole ``.tf`` file passes no
file name at all, yet it may delete a NAT gateway. Staged deletions are
therefore looked up in the index as well.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from natpolicy.invocation import in_precommit
from natpolicy.loaders import gitdiff
from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES, TERRAFORM_SUFFIXES

__all__ = ["TERRAFORM_SUFFIXES", "hook_arguments", "in_precommit", "terraform_roots", "plan_files", "run_hook"]

_CODE_SUFFIXES = TERRAFORM_CODE_SUFFIXES  # what makes a folder a module (.tfvars alone does not)
# A local module call: `source = "./x"` or `"../x"`. Matching only lines is
# enough: a `source` attribute that is not a module call (an S3 object's
# file, say) fails the "is a folder of .tf files" test below.
_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.MULTILINE)


def hook_arguments(args: list[str]) -> list[str]:
    """``natpolicy hook`` arguments with the file names safely after one ``--``.

    pre-commit runs ``entry + args + file names``; the manifest's entry is
    ``natpolicy hook --``, so a committed file named ``--output=main.tf`` is a
    file, not an option. The file names are what follows the *last* ``--``:
    a user's ``args: [--fail-on, high, --]`` land after the entry's ``--`` and
    are still options. Refused, with one line:

    - after the last ``--``, a name that starts with ``-`` and is no file:
      an option given in ``args:`` without the closing ``--``;
    - an option that names an existing file: a file name pre-commit appended
      to an older entry without ``--``, which click would take as an option.
    """
    from natpolicy.errors import UsageError

    if "--" in args:
        last = len(args) - 1 - args[::-1].index("--")
        options, files = [a for a in args[:last] if a != "--"], args[last + 1:]
    else:
        options, files = list(args), []
    for name in files:
        if name.startswith("-") and name != "-" and not os.path.lexists(name):
            raise UsageError(f"hook: {name!r} follows `--` but is not a file; options go before the `--` "
                             "(in `args:`, end them with `--`)")
    for name in options:
        if name.startswith("-") and os.path.lexists(name):
            raise UsageError(f"hook: the file name {name!r} starts with '-' and would be read as an option; "
                             "the hook's entry must end with `--` (natpolicy hook --)")
    return [*options, "--", *files]


def run_hook(files: list[str], *, plans: bool = False, **check_options: Any) -> int:
    """Entry of ``natpolicy hook``: group ``files`` and run ``natpolicy check`` once."""
    from natpolicy.app import CheckOptions, execute

    if plans:
        targets = plan_files(files)
    else:
        staged = bool(check_options.pop("staged", False)) or in_precommit()
        changed = list(files)
        if staged:
            changed += gitdiff.staged_deletions(Path.cwd(), TERRAFORM_SUFFIXES)
        targets = terraform_roots(changed)
        check_options["staged"] = staged
    if not targets:
        return 0
    return execute(CheckOptions(paths=targets, **check_options))


def plan_files(files: Iterable[str]) -> list[str]:
    """The JSON files that are Terraform plans; other JSON in the repository is ignored."""
    from natpolicy.loaders.paths import plan_files_in

    plans_by_folder: dict[Path, set[Path]] = {}
    out: list[str] = []
    for name in dict.fromkeys(files):
        path = Path(name).resolve()
        if path.suffix != ".json" or not path.is_file():
            continue
        if path.parent not in plans_by_folder:
            plans_by_folder[path.parent] = {p.resolve() for p in plan_files_in(path.parent)}
        if path in plans_by_folder[path.parent]:
            out.append(name)
    return out


def terraform_roots(files: Iterable[str], base: Path | None = None) -> list[str]:
    """Root folders (relative to ``base``, POSIX) whose configuration the files belong to."""
    base = (base or Path.cwd()).resolve()
    folders = {_folder(base, name) for name in files if name.endswith(TERRAFORM_SUFFIXES)}
    folders.discard(None)
    if not folders:
        return []
    callers = _module_callers(base, _scan_folders(base))
    roots: set[Path] = set()
    for folder in folders:
        assert folder is not None
        roots |= _roots_of(folder, callers)
    return sorted(_relative(base, r) for r in roots if _has_code(r))


def _folder(base: Path, name: str) -> Path | None:
    path = (base / name).resolve()
    if any(part == ".terraform" for part in path.parts):
        return None
    return path.parent


def _scan_folders(base: Path) -> list[Path]:
    """Every folder under ``base`` that holds Terraform code, skipping ``.terraform``."""
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(base):
        # Hidden folders (.git, .terraform, tool caches) never hold a root's code.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(f.endswith(_CODE_SUFFIXES) for f in filenames):
            found.append(Path(directory))
    return found


def _module_callers(base: Path, folders: Iterable[Path]) -> dict[Path, set[Path]]:
    """Module folder -> folders that call it with a local ``source``."""
    callers: dict[Path, set[Path]] = {}
    for folder in folders:
        for entry in sorted(folder.iterdir()):
            if not entry.name.endswith(_CODE_SUFFIXES) or not entry.is_file():
                continue
            try:
                text = entry.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for source in _LOCAL_SOURCE.findall(text):
                target = (folder / source.replace("//", "/")).resolve()
                if target != folder and target.is_dir() and _has_code(target):
                    callers.setdefault(target, set()).add(folder)
    return callers


def _roots_of(folder: Path, callers: Mapping[Path, set[Path]]) -> set[Path]:
    """Folders nobody calls, reached by walking up the module calls from ``folder``."""
    roots: set[Path] = set()
    seen: set[Path] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        parents = callers.get(current, set()) - seen
        if callers.get(current):
            stack.extend(sorted(parents))
        else:
            roots.add(current)
    # A module only called from inside a cycle still gets checked on its own.
    return roots or {folder}


def _has_code(folder: Path) -> bool:
    try:
        return any(p.name.endswith(_CODE_SUFFIXES) and p.is_file() for p in folder.iterdir())
    except OSError:
        return False


def _relative(base: Path, folder: Path) -> str:
    try:
        return folder.relative_to(base).as_posix() or "."
    except ValueError:
        return folder.as_posix()
