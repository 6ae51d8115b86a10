"""The contract every input loader keeps, the one result type, and the loader registry.

A loader is opened once per run with the ``LoadRequest``; the dispatcher
(``natpolicy.loaders.inputs.load_inputs``) hands it, in command-line order,
every path the classifier (``natpolicy.loaders.classify``) gave its kind, then
asks it once for its ``LoadResult``. Loaders are finished in registry order:
plans first, then Terraform configuration, as natpolicy has always loaded them.

A new input format is one module with a ``Loader`` class plus one line in
``LOADERS`` (and, if paths of a new kind must be recognised, one case in the
classifier). The registry names loaders by import path, so a run imports only
the loaders its inputs need (a plan-only run never imports the HCL stack).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from natpolicy.loaders.classify import Classified, InputKind
from natpolicy.loaders.result import BlockKey, LoadResult
from natpolicy.records import field, record

if TYPE_CHECKING:
    from natpolicy.progress import Progress

__all__ = ["LOADERS", "BlockKey", "LoadRequest", "LoadResult", "Loader", "loader_for"]

# What reads each kind of input: "module:class", imported only when a path of that kind is given.
# Dict order is the order loaders finish in.
LOADERS: dict[InputKind, str] = {
    InputKind.PLAN: "natpolicy.loaders.plan_loader:PlanLoader",
    InputKind.STDIN: "natpolicy.loaders.plan_loader:PlanLoader",
    InputKind.PLAN_FOLDER: "natpolicy.loaders.plan_loader:PlanLoader",
    InputKind.TERRAFORM_ROOT: "natpolicy.loaders.hcl_input:HclLoader",
    InputKind.ROOTS_FOLDER: "natpolicy.loaders.hcl_input:HclLoader",
}


@record
class LoadRequest:
    """The run's settings every loader may read (flags of ``natpolicy check``)."""

    source_root: str | None = None
    variables: tuple[str, ...] | list[str] = ()
    var_files: tuple[str, ...] | list[str] = ()
    diff_base: str | None = None
    staged: bool = False
    download_modules: bool = False  # fetch remote modules not in .terraform/modules nor the cache
    require_modules: bool = False  # a module that cannot be read is an error (exit 2), not a note
    progress: Progress | None = None
    jobs: int | None = None  # --jobs: worker processes for plans (None: this process, see loaders.plan_jobs)
    display_root: Path = field(default_factory=Path.cwd)  # set by the dispatcher before loaders finish
    # Plan files the caller has read already (the Rego stage, which checks each plan's text first),
    # target -> bytes: the plan loader takes each out and decodes it instead of reading the file again.
    plan_bytes: dict[str, bytes] = field(default_factory=dict)
    # target -> those bytes' top-level keys, each its raw value, where the caller decoded them (plan_fast.decode).
    plan_sections: dict[str, dict[str, Any]] = field(default_factory=dict)


class Loader(Protocol):
    """One input format. Built with the run's ``LoadRequest``."""

    def __init__(self, request: LoadRequest) -> None: ...

    def add(self, item: Classified) -> None:
        """One classified path, in command-line order (a loader may read it now or in ``finish``)."""

    def finish(self) -> LoadResult:
        """Everything added, read."""


def loader_for(kind: InputKind) -> type[Any]:
    """The loader class registered for ``kind`` (imported now)."""
    module, _, name = LOADERS[kind].partition(":")
    loader: type[Any] = getattr(importlib.import_module(module), name)
    return loader
