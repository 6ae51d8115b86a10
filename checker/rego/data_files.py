"""``--data FILE|DIR``: base documents for user policies, under ``data.``, as conftest loads them.

As OPA's loader (which conftest uses) does: a JSON or YAML file given
directly is merged at the root of ``data``, so ``{"allowed": [...]}`` is
``data.allowed``; the files of a directory (``*.json``, ``*.yaml``, ``*.yml``,
recursively) are merged under their folder's path below it, so
``DIR/exceptions/ports.yaml`` lands in ``data.exceptions``. Objects merge
key by key; two files giving one key different non-object values is an
error, as in OPA. ``data.natpolicy`` is natpolicy's own and cannot be given.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError

__all__ = ["data_files", "load_data"]

_SUFFIXES = (".json", ".yaml", ".yml")
_RESERVED = "natpolicy"


def load_data(paths: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for file, prefix, display in data_files(paths):
        _merge_file(data, file, prefix, display)
    if _RESERVED in data:
        from natpolicy.loaders.paths import display_path

        raise InputError(", ".join(display_path(p) for p in paths),
                         "--data gives `data.natpolicy`, which natpolicy fills itself (facts about the plan); "
                         "put your data under another key")
    return data


def data_files(paths: Sequence[str]) -> list[tuple[Path, list[str], str]]:
    """Each file ``--data`` reads, in order: its path, the folders below the given directory it lies in (its
    place under ``data``) and its name as messages show it."""
    from natpolicy.loaders.paths import display_path

    found: list[tuple[Path, list[str], str]] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
            found.extend((file, list(file.relative_to(root).parent.parts), display_path(str(file)))
                         for file in files)
        elif root.is_file():
            if root.suffix.lower() not in _SUFFIXES:
                raise InputError(display_path(raw), "--data reads .json, .yaml and .yml files (or directories "
                                                    "of them)")
            found.append((root, [], display_path(raw)))
        else:
            raise InputError(display_path(raw), "no such --data file or directory")
    return found


def _merge_file(data: dict[str, Any], path: Path, prefix: list[str], display: str) -> None:
    from natpolicy.rego.documents import read_documents

    docs = read_documents(str(path), display)
    if not docs:
        return
    if len(docs) > 1:
        raise InputError(display, f"--data holds {len(docs)} YAML documents; a data file must hold one object")
    doc = docs[0]
    if not isinstance(doc, dict):
        raise InputError(display, "--data must hold an object at its top (its keys become data.KEY), "
                                  f"not {_kind(doc)}")
    target = data
    for part in prefix:
        nxt = target.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise InputError(display, f"--data: data.{'.'.join(prefix)} is given twice, once not as an object")
        target = nxt
    _merge(target, doc, display, prefix)


def _merge(into: dict[str, Any], new: dict[str, Any], display: str, path: list[str]) -> None:
    for key, value in new.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, display, [*path, key])
        elif into[key] != value:
            raise InputError(display, f"--data: data.{'.'.join([*path, key])} is given twice, with different "
                                      "values (merge conflict, as OPA reports it)")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"
