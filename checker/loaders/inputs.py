"""Turns the paths given on the command line into one ``ResourceModel``: the input side's dispatcher.

Each path is classified (``natpolicy.loaders.classify``: what a path is read
as is decided there, once, for every engine), handed to the loader the
registry (``natpolicy.loaders.contract.LOADERS``) names for its kind, and the
loaders' ``LoadResult``s are merged into the model.

Paths in findings are relative to the top of the git repository holding
them, else to the current directory (``natpolicy.loaders.paths``).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from natpolicy.loaders.classify import classify
from natpolicy.loaders.contract import LOADERS, Loader, LoadRequest, LoadResult, loader_for
from natpolicy.loaders.paths import display_root
from natpolicy.model import ResourceModel
from natpolicy.progress import Progress

__all__ = ["load_inputs"]


def load_inputs(paths: Iterable[str], *, source_root: str | None = None, variables: Iterable[str] = (),
                var_files: Iterable[str] = (), skip_invalid: bool = False, diff_base: str | None = None,
                staged: bool = False, progress: Progress | None = None, jobs: int | None = None,
                download_modules: bool = False, require_modules: bool = False,
                plan_bytes: dict[str, bytes] | None = None,
                plan_sections: dict[str, dict[str, Any]] | None = None) -> ResourceModel:
    """Plans load as plans; folders with ``.tf`` files (and ``.tf``/``.tofu`` files) as HCL.

    HCL syntax errors land in ``model.context.load_errors`` (exit 2), or in
    ``load_notes`` with ``skip_invalid``; remote modules in notes.
    ``progress`` names each plan, and the Terraform code, while it loads.
    ``plan_bytes`` (plan file -> its bytes, read by the caller) is handed over: each is taken out as it is read;
    ``plan_sections`` (plan file -> those bytes' top-level keys, each its raw value) likewise.
    """
    paths = list(paths)
    request = LoadRequest(source_root=source_root, variables=tuple(variables), var_files=tuple(var_files),
                          diff_base=diff_base, staged=staged, jobs=jobs, download_modules=download_modules,
                          require_modules=require_modules,
                          progress=progress or Progress(enabled=False, label=""),
                          plan_bytes=plan_bytes if plan_bytes is not None else {},
                          plan_sections=plan_sections if plan_sections is not None else {})
    notes: list[str] = []
    configuration: list[str] = []  # paths read as Terraform configuration, not plans
    loaders: dict[str, Loader] = {}
    for path in paths:
        try:
            item = classify(path, staged=staged, notes=notes)
            name = LOADERS[item.kind]
            if name not in loaders:
                loaders[name] = loader_for(item.kind)(request)
            loaders[name].add(item)
        except Exception:
            # Plans added earlier may not be read yet (--jobs): a broken one is still reported first.
            for loader in loaders.values():
                getattr(loader, "settle", lambda: None)()
            raise
        if not item.kind.is_plan:
            configuration.append(path)
    if diff_base is not None and not configuration:
        from natpolicy.errors import UsageError

        raise UsageError("--diff-base compares Terraform directories (HCL); a plan already shows its deletions")
    request.display_root = display_root(configuration[0] if configuration else (paths[0] if paths else "."))
    results = [loaders[name].finish() for name in dict.fromkeys(LOADERS.values()) if name in loaders]
    return _model_of(results, notes, request.display_root, skip_invalid, has_configuration=bool(configuration))


def _model_of(results: list[LoadResult], notes: list[str], root: Path, skip_invalid: bool, *,
              has_configuration: bool) -> ResourceModel:
    """One model from the loaders' results, in registry order (plans first)."""
    model = ResourceModel()
    origins: list[str] = []
    context = model.context
    # Errors that --skip-invalid turns into notes.
    errors = context.load_notes if skip_invalid else context.load_errors
    context.display_root = str(root)
    for result in results:
        model.extend(result.resources)
        origins.extend(result.roots)
        errors.extend(result.errors)
        notes.extend(result.notes)
    if has_configuration:
        # Read by suppressions (skip comments, block locations) and by --verbose.
        context.source_texts = {k: v for r in results for k, v in r.texts.items()}
        context.verbose_notes = [n for r in results for n in r.verbose_notes]
        context.hcl_blocks = {k: v for r in results for k, v in r.blocks.items()}
    context.load_notes.extend(notes)
    context.origins = origins
    return model
