"""Remote module calls (registry, git, HTTP) read from where they already are, or fetched on request.

For each root module, in this order:

1. ``.terraform/modules/modules.json``, which ``terraform init`` / ``tofu init``
   wrote: the folder recorded for the module key (``vpc``, ``vpc.sg``), used
   while its source and version still match the configuration. The folder
   must lie under ``<root>/.terraform/modules/``: nothing else under
   ``.terraform/`` (state, providers, backend credentials) is read.
2. The module cache (``natpolicy.loaders.modsource``), offline: what an earlier
   ``--download-modules`` run fetched. No network.
3. With ``--download-modules``: the network, through the same resolver.

A module found nowhere is a note naming it and why (``--require-modules``:
an error, exit 2). Both sides of a git comparison read the same
``.terraform/modules`` (it is not committed); the base side accepts an
installed copy whose version no longer matches its own constraint, so that a
change of inputs (``enable_nat_gateway = false``) is compared on the same
module code rather than hidden.
"""
from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from natpolicy.records import record

if TYPE_CHECKING:
    from natpolicy.loaders.modsource import Manifest, ManifestEntry, Resolved, Settings, Unresolved

__all__ = ["ModuleOptions", "RootModules"]

_MODULES_DIR = Path(".terraform") / "modules"


@record
class ModuleOptions:
    """How remote modules are found in one run (``--download-modules``, ``--require-modules``)."""

    download: bool = False
    require: bool = False
    settings: Settings | None = None  # None: Settings.for_user (the user's CLI configuration), read on first need

    def resolver_settings(self, online: bool) -> Settings:
        from dataclasses import replace

        from natpolicy.loaders.modsource import Settings

        if self.settings is None:
            self.settings = Settings.for_user(online=True)
        base = self.settings
        return base if base.online == online else replace(base, online=online)


@record
class RootModules:
    """The remote module calls of one root module, on one side of a comparison.

    ``base_side``: the git revision compared with; an installed copy of the
    same package is used even when its version no longer matches (a note says so).
    """

    root: Path
    options: ModuleOptions = field(default_factory=ModuleOptions)
    base_side: bool = False
    notes: list[str] = field(default_factory=list)  # what was used and how; failures are the callers' notes
    unloaded: list[str] = field(default_factory=list)  # config addresses of calls not loaded ("module.vpc")
    calls: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # key -> (source, version) as written
    _manifest: Manifest | None = None
    _packages: dict[Path, None] = field(default_factory=dict)

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            from natpolicy.loaders.modsource import read_manifest

            self._manifest = read_manifest(self.root)
            self.notes.extend(f"{self._shown_root()}: {note}" for note in self._manifest.notes)
        return self._manifest

    def entries(self) -> dict[str, ManifestEntry]:
        """The calls as this side's configuration writes them, for ``manifest_changes``."""
        from natpolicy.loaders.modsource import ManifestEntry

        return {key: ManifestEntry(key=key, source=source, version=version, directory=self.root, recorded_dir="")
                for key, (source, version) in self.calls.items()}

    def package_of(self, directory: Path) -> Path | None:
        from natpolicy.loaders.hcl.files import within  # the parser's stack, only when a module is read

        here = Path(os.path.abspath(directory))
        return next((p for p in self._packages if within(here, p)), None)

    def locate(self, key: tuple[str, ...], source: str, version: str | None) -> tuple[Path, Path] | str:
        dotted = ".".join(key)
        self.calls[dotted] = (source, version)
        found = self._installed(dotted, source, version)
        if found is None:
            found = self._fetched(dotted, source, version)
        if isinstance(found, str):
            self.unloaded.append("".join(f"module.{name}." for name in key)[:-1])
            if self.options.require and not self.base_side:
                from natpolicy.errors import UsageError

                raise UsageError(f"{found} (--require-modules)")
            return found
        directory, package = found
        self._packages[Path(os.path.abspath(package))] = None
        return directory, package

    # -- .terraform/modules ---------------------------------------------------------------
    def _installed(self, key: str, source: str, version: str | None) -> tuple[Path, Path] | str | None:
        from natpolicy.loaders.hcl.files import within
        from natpolicy.loaders.modsource import Resolved, from_manifest

        manifest = self.manifest
        entry = manifest.entries.get(key)
        if entry is None:
            return None
        modules_dir = Path(os.path.abspath(self.root / _MODULES_DIR))
        directory = Path(os.path.abspath(entry.directory))
        if not within(directory, modules_dir) or directory == modules_dir:
            return _message(key, source, f"{_MODULES_DIR.as_posix()}/modules.json places it in "
                                         f"{entry.recorded_dir!r}, outside {_MODULES_DIR.as_posix()}/; not read")
        package = modules_dir / directory.relative_to(modules_dir).parts[0]
        result = from_manifest(manifest, key, source, None if self.base_side else version)
        if result is None:
            return None
        if not isinstance(result, Resolved):
            return result.message
        if self.base_side and version and entry.version and not _allows(version, entry.version):
            self.notes.append(f"module.{key}: the base revision asks for version {_one_line(version)}; it was "
                              f"read with the installed {entry.version}")
        return result.directory, package

    # -- the module cache, then the network -------------------------------------------------
    def _fetched(self, key: str, source: str, version: str | None) -> tuple[Path, Path] | str:
        from natpolicy.loaders.modsource import Resolved, SourceKind, parse_source
        from natpolicy.loaders.modsource.resolve import resolve  # the function, not its module (lazy exports)

        parsed = parse_source(source)
        if parsed.kind is SourceKind.UNSUPPORTED:
            return _message(key, source, f"{parsed.reason}; not scanned")
        online = self.options.download
        result: Resolved | Unresolved = resolve(parsed, version, settings=self.options.resolver_settings(online),
                                                module=key)
        if isinstance(result, Resolved):
            self.notes.extend(f"module.{key}: {_one_line(note)}" for note in result.notes)
            return result.directory, result.package_dir
        if online:
            return result.message
        return _message(key, source, f"not in {_MODULES_DIR.as_posix()} nor in the module cache "
                                     "(run terraform init, or natpolicy --download-modules)")

    def _shown_root(self) -> str:
        return self.root.name or self.root.as_posix()


def _allows(constraint: str, version: str) -> bool:
    from natpolicy.loaders.modsource import parse_constraints, parse_version
    from natpolicy.loaders.modsource.versions import VersionError

    try:
        return parse_constraints(constraint).allows(parse_version(version))
    except VersionError:
        return False


def _message(key: str, source: str, why: str) -> str:
    return f"module.{key} ({_one_line(source)}) was not resolved: {why}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
