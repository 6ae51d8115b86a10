"""Where ``natpolicy check`` may write: never over what it reads.

Checked before anything is loaded, so a refused target leaves every file as it
was. A report is a new file of natpolicy's own; it must not replace

- one of the inputs: a plan, a ``--var-file``, the config file, a policy or a
  baseline being read (``-o plan.json plan.json``);
- Terraform code, wherever it is (``-o infra/main.tf infra``): a ``.tf``,
  ``.tofu`` or ``.tfvars`` file (and their ``.json`` forms) is always an input
  to someone;
- a directory, a link or a special file (``safe_write`` refuses those again
  at write time, in case one appears meanwhile);
- another output of the same run.

An existing baseline is replaced only with ``--force``: it records what a team
accepted, and a typo in a path must not wipe it.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from natpolicy.errors import UsageError
from natpolicy.loaders.paths import TERRAFORM_SUFFIXES as _TERRAFORM_FILES

__all__ = ["TERRAFORM_SUFFIXES", "check_outputs"]

# Terraform files and their JSON forms (main.tf.json): always inputs, never an output's name.
TERRAFORM_SUFFIXES = (*_TERRAFORM_FILES, *(f"{s}.json" for s in _TERRAFORM_FILES))


def check_outputs(outputs: Sequence[tuple[str, str]], inputs: Iterable[str], *, baseline_read: str | None = None,
                  force: bool = False) -> None:
    """Raise UsageError (one line) when an ``(option, path)`` target may not be written.

    ``baseline_read`` is the ``--baseline`` file: an input for the reports,
    but ``--create-baseline`` may refresh it (with ``force``, as any existing
    baseline).
    """
    from natpolicy.loaders.paths import display_path

    inputs = [p for p in inputs if p != "-"]
    read = _identities([*inputs, *([baseline_read] if baseline_read else [])])
    refreshed = _identity(baseline_read) if baseline_read else None
    seen: dict[tuple[int, int] | str, str] = {}
    for option, path in outputs:
        shown = display_path(path)
        if not path:
            raise UsageError(f"{option} wants a file name; got an empty one")
        if path.lower().endswith(TERRAFORM_SUFFIXES):
            raise UsageError(f"{option} {shown}: will not write a report over Terraform code "
                             "(.tf, .tofu, .tfvars); choose another file name")
        if os.path.isdir(path) and not os.path.islink(path):
            raise UsageError(f"{option} {shown}: is a directory; give a file name")
        identity = _identity(path)
        refresh = option == "--create-baseline" and identity is not None and identity == refreshed
        if identity is not None and identity in read and not refresh:
            raise UsageError(f"{option} {shown}: is one of the files being checked; choose another file name")
        key = identity if identity is not None else os.path.abspath(path)
        if key in seen:
            raise UsageError(f"{option} {shown}: already written by {seen[key]}; give each output its own file")
        seen[key] = option
        if option == "--create-baseline" and not force and os.path.lexists(path):
            raise UsageError(f"--create-baseline {shown}: already exists; add --force to replace it")
    _check_within_inputs(outputs, inputs)


def _check_within_inputs(outputs: Sequence[tuple[str, str]], inputs: Iterable[str]) -> None:
    """A target that does not exist yet may still be named as an input (``check main.tf`` before it is created)."""
    from natpolicy.loaders.paths import display_path

    named = {os.path.abspath(p) for p in inputs if p != "-"}
    for option, path in outputs:
        if os.path.abspath(path) in named:
            raise UsageError(f"{option} {display_path(path)}: is one of the files being checked; "
                             "choose another file name")


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of what ``path`` names, links followed; ``None`` when nothing is there."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


def _identities(paths: Iterable[str]) -> set[tuple[int, int]]:
    """Every file an input names: the file itself, or what natpolicy reads in a folder.

    In a folder that is the plans it holds and its ``.rego`` policies (its
    Terraform code is refused by name already); a report written there by an
    earlier run is not an input and may be replaced.
    """
    from natpolicy.loaders.paths import plan_files_in

    found: set[tuple[int, int]] = set()
    for raw in paths:
        identity = _identity(raw)
        if identity is None:
            continue
        found.add(identity)
        if not os.path.isdir(raw):
            continue
        # plan_files_in opens only regular files inside the repository: a committed
        # `x.json -> /dev/zero` must not hang this check either.
        read = [str(p) for p in plan_files_in(Path(raw))]
        try:
            read += sorted(e.path for e in os.scandir(raw) if e.name.endswith(".rego") and e.is_file())
        except OSError:
            pass
        for path in read:
            try:
                info = os.stat(path)
            except OSError:
                continue
            found.add((info.st_dev, info.st_ino))
    return found
