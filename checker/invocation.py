"""How this natpolicy process was started, as the app layer, the hook and the Rego stage need to know.

A leaf (standard library only): ``natpolicy.app``, ``natpolicy.precommit`` and
``natpolicy.rego.stage`` all read it, and none of them may import another
just for this without making an import cycle.
"""
from __future__ import annotations

import os

__all__ = ["in_precommit", "progress_wanted"]


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
