"""How this natpolicy process was started, as the app layer, the hook and the Rego stage need to know.

A leaf (standard library only): ``natpolicy.app``, ``natpolicy.precommit`` and
``natpolicy.rego.stage`` all read it, and none of them may import another
just for this without making an import cycle.
"""
from __future__ import annotations

import os

__all__ = ["in_precommit", "owns_process", "progress_wanted", "run_as_command"]

# Set by the console script (cli.run): this process runs one command, then ends with os._exit.
_COMMAND = [False]


def run_as_command() -> None:
    """Say this process is natpolicy's console script: one command, then ``os._exit`` (``cli.run``)."""
    _COMMAND[0] = True


def owns_process() -> bool:
    """Is this process natpolicy's console script, not a caller's (the GitHub Action's step, which holds the job's
    environment while natpolicy runs, a test)? Only then may the Rego child be forked from it
    (``natpolicy.rego.fork_child``): a fork holds a copy of everything the process holds."""
    return _COMMAND[0]


def in_precommit() -> bool:
    """pre-commit sets PRE_COMMIT=1 for every hook it runs (since 2.5.0)."""
    return os.environ.get("PRE_COMMIT") == "1"


def progress_wanted(progress: bool | None, quiet: bool) -> bool:
    """Progress lines for long runs, on stderr: ``--progress``/``--no-progress``, else unless ``--quiet``.

    pre-commit shows a hook's output only at the end, with the findings, so
    the hook runs without (as the GitHub Action does, which captures stderr).
    """
    if progress is not None:
        return progress
    return not quiet and not in_precommit()
