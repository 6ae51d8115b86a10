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

import importlib
from typing import Any

# Exported names and the module that defines each, imported on first use (PEP 562):
# the HCL loader asks only `parse_source` on every run, and the network half
# (ssl, urllib, tarfile) costs about 0.25 s to import.
_WHERE = {
    "ModuleSource": "address",
    "SourceKind": "address",
    "parse_source": "address",
    "CliConfig": "cliconfig",
    "load_cli_config": "cliconfig",
    "from_manifest": "installed",
    "same_source": "installed",
    "ChangeKind": "manifest",
    "Manifest": "manifest",
    "ManifestEntry": "manifest",
    "ModuleChange": "manifest",
    "manifest_changes": "manifest",
    "read_manifest": "manifest",
    "ModuleCall": "nested",
    "NestedModule": "nested",
    "module_calls": "nested",
    "resolve_nested": "nested",
    "resolve": "resolve",
    "Origin": "results",
    "Resolved": "results",
    "Unresolved": "results",
    "Settings": "settings",
    "default_cache_dir": "settings",
    "Constraints": "versions",
    "Version": "versions",
    "newest_matching": "versions",
    "parse_constraints": "versions",
    "parse_version": "versions",
}
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
