"""``moved`` and ``removed`` blocks: what a configuration says about addresses it no longer has.

A git comparison needs them to tell a rename (``moved``) or a hand-over to
another state (``removed { lifecycle { destroy = false } }``) from a
deletion. They are collected while the configuration loads, from the files
already parsed, so nothing is read twice.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from natpolicy.loaders.lifecycle_blocks import Lifecycle, Move

__all__ = ["Move", "Lifecycle", "lifecycle_of"]


# `from`/`to` are addresses, not expressions Terraform evaluates: read them as
# written (with their `[key]`s), from the line of the attribute.
_ADDRESS_ARG = re.compile(r"^\s*(from|to)\s*=\s*(.+?)\s*(?:#.*|//.*)?$")
_DESTROY = re.compile(r"^\s*destroy\s*=\s*(true|false)\b")


def lifecycle_of(configs: Iterable[Any], read: Callable[[Path], str | None], origin: str = "") -> Lifecycle:
    """The ``moved`` and ``destroy = false`` ``removed`` blocks of one root's loaded module configs."""
    out = Lifecycle()
    lines_of: dict[Path, list[str]] = {}
    for config in configs:
        for file, block in config.lifecycle:
            if file not in lines_of:
                lines_of[file] = (read(file) or "").splitlines()
            lines = lines_of[file]
            if block.type == "moved":
                source, target = _arg(block, "from", lines), _arg(block, "to", lines)
                if source and target:
                    out.moves.append(Move(config.prefix, source, target, origin))
            elif block.type == "removed":
                source = _arg(block, "from", lines)
                if source and _keeps_object(block, lines):
                    out.forgotten.append((config.prefix, source, origin))
    return out


def _arg(block: Any, name: str, lines: list[str]) -> str | None:
    attr = block.body.attributes.get(name)
    if attr is None or not 0 < attr.line <= len(lines):
        return None
    m = _ADDRESS_ARG.match(lines[attr.line - 1])
    return m.group(2) if m and m.group(1) == name else None


def _keeps_object(block: Any, lines: list[str]) -> bool:
    for nested in block.body.blocks:
        if nested.type == "lifecycle":
            for number in range(nested.start_line, min(nested.end_line, len(lines)) + 1):
                m = _DESTROY.match(lines[number - 1].split("{", 1)[-1])
                if m:
                    return m.group(1) == "false"
    return False
