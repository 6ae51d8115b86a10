"""The installed version of a distribution, as ``importlib.metadata`` finds it, mostly without importing it.

Its own module, imported by the engine registry (natpolicy.rego.engines) and by an engine's child
(engine_regorus checks the wheel it loaded), neither importing the other.
"""
from __future__ import annotations

import os
import re
import sys

__all__ = ["installed_version"]


def installed_version(distribution: str) -> str | None:
    """The version of ``distribution`` that ``importlib.metadata`` would find, or ``None`` when not installed.

    Importing ``importlib.metadata`` (email, zipfile, csv...) cost about 20 ms
    of every Rego run; the common layout -- one ``<name>-<version>.dist-info``
    folder in the first ``sys.path`` entry that has the distribution at all --
    is read here directly. Anything else (an ``.egg-info``, two candidates in
    one folder, a zip on ``sys.path``, a ``METADATA`` without a version) is left
    to ``importlib.metadata``, so the answer is always the one it gives.
    """
    wanted = _normalized(distribution)
    for entry in sys.path:
        if entry.lower().endswith(".egg"):
            return _metadata_version(distribution)  # an egg's own egg-info layout
        try:
            children = os.listdir(entry or ".")
        except (FileNotFoundError, PermissionError):
            continue  # importlib.metadata finds nothing there either
        except OSError:
            return _metadata_version(distribution)  # a zip file or something odd: its own finder judges
        found = [child for child in children if child.lower().endswith((".dist-info", ".egg-info"))
                 and _normalized(child.lower().rpartition(".")[0].partition("-")[0]) == wanted]
        if not found:
            continue
        if len(found) == 1 and found[0].lower().endswith(".dist-info"):
            version = _metadata_header_version(os.path.join(entry or ".", found[0], "METADATA"))
            if version is not None:
                return version
        return _metadata_version(distribution)
    return _metadata_version(distribution)  # found nowhere on sys.path: another finder may still know it


def _normalized(name: str) -> str:
    """A distribution name as ``importlib.metadata`` compares it (PEP 503, then ``-`` as ``_``)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _metadata_header_version(path: str) -> str | None:
    """The ``Version:`` field of a ``METADATA`` file's header (it ends at the first blank line), or ``None``."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if sep and key.strip().lower() == "version":
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _metadata_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
