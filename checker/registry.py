"""Finds the rules in ``natpolicy.policies`` and selects the ones to run.

Discovery imports each policy module and keeps the check classes it defines;
nothing registers itself at import time, so tests can build any rule set.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from natpolicy.check import BaseCheck, GraphCheck, ResourceCheck, rule_family
from natpolicy.errors import UsageError


def discover() -> list[type[BaseCheck]]:
    import natpolicy.policies as root

    found: dict[str, type[BaseCheck]] = {}
    for name, ispkg in walk_modules(root.__path__, f"{root.__name__}."):
        if ispkg or name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(name)
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


def walk_modules(path: Iterable[str], prefix: str) -> Iterator[tuple[str, bool]]:
    """``(name, ispkg)`` of ``pkgutil.walk_packages(path, prefix)``, in its order, for folders on disk.

    pkgutil names each file with ``inspect.getmodulename``, which builds and sorts the list of
    module suffixes anew for every file (the policies hold about 60, with their ``.md`` and
    ``.rego`` files): 3 M instructions a run. This is its walk over a folder
    (``pkgutil._iter_file_finder_modules``) with the suffixes sorted once; anything but a folder
    on ``path`` (a zip) goes to pkgutil itself. As pkgutil, it imports each package it meets to
    read its ``__path__`` (an ``ImportError`` skips the package's modules) and yields a name once.
    """
    paths = list(path)
    if not all(os.path.isdir(entry) for entry in paths):
        import pkgutil

        for info in pkgutil.walk_packages(paths, prefix):
            yield info.name, info.ispkg
        return
    suffixes = sorted((-len(suffix), suffix) for suffix in importlib.machinery.all_suffixes())

    def module_name(file_name: str) -> str | None:  # inspect.getmodulename
        for cut, suffix in suffixes:
            if file_name.endswith(suffix):
                return file_name[:cut]
        return None

    yielded: set[str] = set()
    for folder in paths:
        in_folder: set[str] = set()
        try:
            names = sorted(os.listdir(folder))  # packages before modules of the same name
        except OSError:
            names = []
        for file_name in names:
            name = module_name(file_name)
            if name == "__init__" or name in in_folder:
                continue
            ispkg = False
            if not name and "." not in file_name and os.path.isdir(os.path.join(folder, file_name)):
                try:
                    inside = os.listdir(os.path.join(folder, file_name))
                except OSError:
                    inside = []
                if not any(module_name(entry) == "__init__" for entry in inside):
                    continue  # a folder that is not a package
                name, ispkg = file_name, True
            if not name or "." in name:
                continue
            in_folder.add(name)
            if prefix + name in yielded:
                continue
            yielded.add(prefix + name)
            yield prefix + name, ispkg
            if ispkg:
                try:
                    package = importlib.import_module(prefix + name)
                except ImportError:
                    continue
                inner = list(dict.fromkeys(getattr(package, "__path__", None) or []))
                yield from walk_modules(inner, f"{prefix}{name}.")


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
