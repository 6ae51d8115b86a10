"""Where natpolicy caches what it derives from HCL files: the user's cache directory.

``NATPOLICY_NO_CACHE`` turns caching off, ``NATPOLICY_CACHE_DIR`` names the folder.
A light module (no parser), shared by the parse cache and the evaluated-side cache.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["default_cache_dir"]


def default_cache_dir() -> Path | None:
    if os.environ.get("NATPOLICY_NO_CACHE"):
        return None
    explicit = os.environ.get("NATPOLICY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "natpolicy" / "hcl-parse"
