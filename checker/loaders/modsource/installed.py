"""Using what ``terraform init`` installed: a manifest entry, when it matches the configuration."""
from __future__ import annotations

from natpolicy.loaders.modsource.address import parse_source
from natpolicy.loaders.modsource.manifest import Manifest
from natpolicy.loaders.modsource.results import Origin, Resolved, Unresolved
from natpolicy.loaders.modsource.versions import VersionError, parse_constraints, parse_version

__all__ = ["from_manifest", "same_source"]


def same_source(a: str, b: str) -> bool:
    """Do two source strings name the same package and subdirectory (``vpc/aws`` = ``registry.terraform.io/…``)?"""
    left, right = parse_source(a), parse_source(b)
    return (left.kind, left.package, left.subdir) == (right.kind, right.package, right.subdir)


def from_manifest(manifest: Manifest, key: str, source: str, version_constraint: str | None = None
                  ) -> Resolved | Unresolved | None:
    """The installed copy of module ``key``; ``None`` when not installed; ``Unresolved`` when out of date."""
    entry = manifest.entries.get(key)
    if entry is None:
        return None
    if not same_source(entry.source, source):
        return Unresolved(source, f"{entry.recorded_dir} holds {entry.source}, not this source; run terraform init",
                          key)
    if version_constraint and version_constraint.strip() and entry.version:
        try:
            allowed = parse_constraints(version_constraint).allows(parse_version(entry.version))
        except VersionError as exc:
            return Unresolved(source, str(exc), key)
        if not allowed:
            return Unresolved(source, f"the installed version {entry.version} does not match {version_constraint}; "
                                      "run terraform init", key)
    parsed = parse_source(source)
    return Resolved(source=parsed, package_dir=entry.directory, directory=entry.directory, version=entry.version,
                    origin=Origin.MANIFEST)
