"""Versions and version constraints with Terraform's module semantics.

Terraform checks module versions with hashicorp/go-version and, for
pre-releases, also with go-versions' "only when requested exactly" rule
(``internal/initwd/module_install.go``). This module reproduces both:

- ``=`` (or no operator), ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``~>``, joined by commas (all must hold);
- ``~> X.Y.Z`` keeps every given segment but the last and allows the last to grow
  (``~> 1.2`` is ``>= 1.2, < 2``; ``~> 1.2.3`` is ``>= 1.2.3, < 1.3``);
- a pre-release (``1.0.0-rc1``) is chosen only when a ``=`` constraint names it exactly.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import total_ordering

__all__ = [
    "Constraint",
    "Constraints",
    "Version",
    "VersionError",
    "newest_matching",
    "parse_constraints",
    "parse_version",
]

# go-version's VersionRegexpRaw: a dash before a numeric pre-release, optional before an alphabetic one.
_VERSION = re.compile(
    r"v?(?P<core>[0-9]+(?:\.[0-9]+)*?)"
    r"(?:-(?P<pre1>[0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)"
    r"|-?(?P<pre2>[A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*))?"
    r"(?:\+(?P<meta>[0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?")
_CONSTRAINT = re.compile(r"^\s*(?P<op>!=|>=|<=|~>|=|>|<|)\s*(?P<version>\S+)\s*$")


class VersionError(ValueError):
    """A malformed version or constraint."""


@total_ordering
@dataclass(frozen=True)
class Version:
    segments: tuple[int, ...]  # at least three, zero-padded, as go-version stores them
    specified: int  # how many segments were written: "~>" works on the last of them
    prerelease: str = ""
    metadata: str = field(default="", compare=False)
    original: str = field(default="", compare=False)

    def __str__(self) -> str:
        core = ".".join(str(s) for s in self.segments)
        return (core + (f"-{self.prerelease}" if self.prerelease else "")
                + (f"+{self.metadata}" if self.metadata else ""))

    def compare(self, other: Version) -> int:
        width = max(len(self.segments), len(other.segments))
        a = self.segments + (0,) * (width - len(self.segments))
        b = other.segments + (0,) * (width - len(other.segments))
        if a != b:
            return 1 if a > b else -1
        return _compare_prereleases(self.prerelease, other.prerelease)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.compare(other) == 0

    def __hash__(self) -> int:
        segments = list(self.segments)
        while len(segments) > 3 and segments[-1] == 0:
            segments.pop()
        return hash((tuple(segments), self.prerelease))

    def __lt__(self, other: Version) -> bool:
        return self.compare(other) < 0


def _compare_prereleases(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return 1  # a release sorts after its pre-releases
    if not b:
        return -1
    left, right = a.split("."), b.split(".")
    for i in range(max(len(left), len(right))):
        x = left[i] if i < len(left) else ""
        y = right[i] if i < len(right) else ""
        result = _compare_part(x, y)
        if result:
            return result
    return 0


def _compare_part(x: str, y: str) -> int:
    # go-version's comparePart, quirks included: a missing part sorts before a
    # numeric one but after an alphabetic one.
    if x == y:
        return 0
    x_num, y_num = x.isdigit(), y.isdigit()
    if not x:
        return -1 if y_num else 1
    if not y:
        return 1 if x_num else -1
    if x_num and not y_num:
        return -1
    if y_num and not x_num:
        return 1
    if not x_num:
        return 1 if x > y else -1
    return 1 if int(x) > int(y) else -1


def parse_version(text: str) -> Version:
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        raise VersionError(f"malformed version {text!r}")
    numbers = tuple(int(s) for s in m.group("core").split("."))
    segments = numbers + (0,) * (3 - len(numbers))
    return Version(segments=segments, specified=len(numbers), prerelease=m.group("pre1") or m.group("pre2") or "",
                   metadata=m.group("meta") or "", original=text)


@dataclass(frozen=True)
class Constraint:
    op: str  # "=", "!=", ">", ">=", "<", "<=", "~>"
    version: Version

    def __str__(self) -> str:
        return f"{self.op} {self.version.original or self.version}"

    def check(self, v: Version) -> bool:
        c = self.version
        if self.op == "=":
            return v == c
        if self.op == "!=":
            return v != c
        if not _prerelease_check(v, c):
            return False
        order = v.compare(c)
        if self.op == ">":
            return order > 0
        if self.op == ">=":
            return order >= 0
        if self.op == "<":
            return order < 0
        if self.op == "<=":
            return order <= 0
        return _pessimistic(v, c)


def _prerelease_check(v: Version, c: Version) -> bool:
    if v.prerelease and c.prerelease:
        return v.segments == c.segments  # a pre-release constraint only reaches its own release's pre-releases
    return not (v.prerelease and not c.prerelease)


def _pessimistic(v: Version, c: Version) -> bool:
    if c.prerelease and not v.prerelease:
        return False
    if v < c or len(c.segments) > len(v.segments):
        return False
    return all(v.segments[i] == c.segments[i] for i in range(c.specified - 1))


@dataclass(frozen=True)
class Constraints:
    items: tuple[Constraint, ...] = ()

    def __str__(self) -> str:
        return ", ".join(str(c) for c in self.items) or "any version"

    def allows(self, v: Version) -> bool:
        if v.prerelease and not any(c.op == "=" and c.version == v for c in self.items):
            return False  # pre-releases only when named exactly
        return all(c.check(v) for c in self.items)

    @property
    def exact(self) -> Version | None:
        """The one version an ``= X`` constraint pins, if there is one."""
        pinned = [c.version for c in self.items if c.op == "="]
        return pinned[0] if len(pinned) == 1 else None


def parse_constraints(text: str | None) -> Constraints:
    """``">= 1.0, < 2"`` -> Constraints; ``None`` or blank means any version."""
    if text is None or not text.strip():
        return Constraints()
    items = []
    for single in text.split(","):
        m = _CONSTRAINT.match(single)
        if m is None:
            raise VersionError(f"malformed constraint {single.strip()!r}")
        items.append(Constraint(op=m.group("op") or "=", version=parse_version(m.group("version"))))
    return Constraints(tuple(items))


def newest_matching(available: Iterable[str], constraints: Constraints) -> str | None:
    """The newest of ``available`` (as written by the registry) that ``constraints`` allow; unparsable ones skipped."""
    best: tuple[Version, str] | None = None
    for text in available:
        try:
            v = parse_version(text)
        except VersionError:
            continue
        if constraints.allows(v) and (best is None or v > best[0]):
            best = (v, text)
    return best[1] if best else None
