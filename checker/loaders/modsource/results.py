"""What ``resolve`` answers: a folder to read (``Resolved``) or a one-line reason (``Unresolved``)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from natpolicy.loaders.modsource.address import ModuleSource

__all__ = ["Origin", "Resolved", "Unresolved", "one_line"]


class Origin(Enum):
    LOCAL = "local path"
    MANIFEST = ".terraform/modules"
    CACHE = "cache"
    REGISTRY = "registry"
    GIT = "git"
    HTTP = "HTTP"


@dataclass(frozen=True)
class Resolved:
    source: ModuleSource
    package_dir: Path  # the whole package (a cache entry, or a folder of the checkout)
    directory: Path  # the module itself: package_dir / source.subdir
    version: str | None  # the registry version, or the git commit
    origin: Origin
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unresolved:
    source: str
    reason: str  # one line, names the source; never a token
    module: str = ""  # "vpc" or "vpc.sg" when the caller named it

    @property
    def message(self) -> str:
        # A source is attacker-written text: a line break in it must not start a fake line of output.
        source = one_line(self.source)
        who = f"module.{self.module} ({source})" if self.module else source
        return f"{who} was not resolved: {one_line(self.reason)}"


def one_line(text: object) -> str:
    return " ".join(str(text).split())
