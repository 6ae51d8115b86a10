"""Module sources resolved the way Terraform resolves them: a leaf package for the loaders.

- ``parse_source(text) -> ModuleSource``: local, registry, git, HTTP archive or unsupported;
- ``resolve(source, version, *, settings) -> Resolved | Unresolved``: a folder to read, from the
  cache or the network (registry protocol, git, HTTP archives), never an exception;
- ``read_manifest(root)`` / ``from_manifest(...)`` / ``manifest_changes(a, b)``: what
  ``terraform init`` installed in ``.terraform/modules``, offline;
- ``module_calls(dir)`` / ``resolve_nested(resolved, settings=...)``: modules inside fetched modules;
- ``load_cli_config(env)``: the Terraform CLI configuration's hosts and tokens;
- ``parse_constraints`` / ``newest_matching``: Terraform's version constraints.

Nothing here imports natpolicy's engine (only ``natpolicy.safe_write``), and
nothing from a module is ever executed. See docs/modules.md.
"""
from __future__ import annotations

from natpolicy.loaders.modsource.address import ModuleSource, SourceKind, parse_source
from natpolicy.loaders.modsource.cliconfig import CliConfig, load_cli_config
from natpolicy.loaders.modsource.installed import from_manifest, same_source
from natpolicy.loaders.modsource.manifest import (
                                          ChangeKind,
                                          Manifest,
                                          ManifestEntry,
                                          ModuleChange,
                                          manifest_changes,
                                          read_manifest,
)
from natpolicy.loaders.modsource.nested import (
                                          ModuleCall,
                                          NestedModule,
                                          module_calls,
                                          resolve_nested,
)
from natpolicy.loaders.modsource.resolve import resolve
from natpolicy.loaders.modsource.results import Origin, Resolved, Unresolved
from natpolicy.loaders.modsource.settings import Settings, default_cache_dir
from natpolicy.loaders.modsource.versions import (
                                          Constraints,
                                          Version,
                                          newest_matching,
                                          parse_constraints,
                                          parse_version,
)

__all__ = [
                                          "ChangeKind",
                                          "CliConfig",
                                          "Constraints",
                                          "Manifest",
                                          "ManifestEntry",
                                          "ModuleCall",
                                          "ModuleChange",
                                          "ModuleSource",
                                          "NestedModule",
                                          "Origin",
                                          "Resolved",
                                          "Settings",
                                          "SourceKind",
                                          "Unresolved",
                                          "Version",
                                          "default_cache_dir",
                                          "from_manifest",
                                          "load_cli_config",
                                          "manifest_changes",
                                          "module_calls",
                                          "newest_matching",
                                          "parse_constraints",
                                          "parse_source",
                                          "parse_version",
                                          "read_manifest",
                                          "resolve",
                                          "resolve_nested",
                                          "same_source",
]
