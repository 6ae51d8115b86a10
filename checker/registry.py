"""Finds the rules in ``natpolicy.policies`` and selects the ones to run.

Discovery imports each policy module and keeps the check classes it defines;
nothing registers itself at import time, so tests can build any rule set.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from natpolicy.check import BaseCheck, GraphCheck, ResourceCheck, rule_family
from natpolicy.errors import UsageError


def discover() -> list[type[BaseCheck]]:
    import natpolicy.policies as root

    found: dict[str, type[BaseCheck]] = {}
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{root.__name__}."):
        if info.ispkg or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        # The classes of the module's namespace (what inspect.getmembers(module, isclass) lists, a module's
        # dir() being its __dict__'s keys) without a getattr and a sort per member: the order does not matter,
        # the rules are sorted by id below and a duplicate id's error names only the id and the module.
        for cls in list(vars(module).values()):
            if (
                isinstance(cls, type)
                and cls.__module__ == module.__name__
                and issubclass(cls, (ResourceCheck, GraphCheck))
                and cls.id
            ):
                if cls.id in found:
                    raise RuntimeError(f"duplicate rule id {cls.id} in {module.__name__}")
                found[cls.id] = cls
    return [found[k] for k in sorted(found)]


def select(
    classes: Iterable[type[BaseCheck]],
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> list[type[BaseCheck]]:
    """Keep rules named in ``include`` (all if empty), minus ``exclude``.

    Both accept rule IDs (``SG001``) and families (``SG``), case-insensitive.
    """
    classes = list(classes)
    ids = {c.id for c in classes}
    families = {rule_family(c.id) for c in classes}

    def norm(items: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for raw in items:
            for part in str(raw).split(","):
                token = part.strip().upper()
                if not token:
                    continue
                if token not in ids and token not in families:
                    raise UsageError(f"unknown rule or family {part.strip()!r}; see `natpolicy rules`")
                out.add(token)
        return out

    wanted, unwanted = norm(include), norm(exclude)

    def matches(cls: type[BaseCheck], tokens: set[str]) -> bool:
        return cls.id in tokens or rule_family(cls.id) in tokens

    return [c for c in classes if (not wanted or matches(c, wanted)) and not matches(c, unwanted)]


def instantiate(classes: Iterable[type[BaseCheck]],
                options: Mapping[str, Mapping[str, Any]] | None = None) -> list[BaseCheck]:
    options = options or {}
    return [cls(options.get(cls.id)) for cls in classes]


def find(rule_id: str) -> type[BaseCheck]:
    for cls in discover():
        if cls.id == rule_id.strip().upper():
            return cls
    raise UsageError(f"unknown rule {rule_id!r}; see `natpolicy rules`")
