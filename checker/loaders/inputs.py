"""Turns the paths given on the command line into one ``ResourceModel``."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.loaders.plan_json import load_plan
from natpolicy.model import Resource, ResourceModel


def display_path(path: str) -> str:
    """Repository-relative POSIX path when possible (SARIF wants relative URIs)."""
    if path == "-":
        return "<stdin>"
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path.cwd().resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def plan_files_in(directory: Path) -> list[Path]:
    """JSON files in ``directory`` (not recursive) that look like plans."""
    found = []
    for candidate in sorted(directory.glob("*.json")):
        try:
            with candidate.open("rb") as fh:
                head = fh.read(4096)
        except OSError:
            continue
        text = head.decode("utf-8", "ignore") if not head.startswith((b"\xff\xfe", b"\xfe\xff")) else head.decode("utf-16", "ignore")
        if '"format_version"' in text or '"planned_values"' in text or '"resource_changes"' in text:
            found.append(candidate)
    return found


def load_inputs(paths: Iterable[str], *, source_root: str | None = None, variables: Iterable[str] = (),
                var_files: Iterable[str] = (), skip_invalid: bool = False, diff_base: str | None = None,
                staged: bool = False) -> ResourceModel:
    """Plans load as plans; folders with ``.tf`` files (and ``.tf``/``.tofu`` files) as HCL.

    HCL syntax errors land in ``facts["load_errors"]`` (exit 2), or in
    ``facts["load_notes"]`` with ``skip_invalid``; remote modules in notes.
    """
    from natpolicy.hcl.loader import find_roots, parse_var_flags

    model = ResourceModel()
    origins: list[str] = []
    hcl_paths: list[Path] = []
    plan_resources: list[Resource] = []
    for path in paths:
        if path != "-" and Path(path).is_dir():
            plans = plan_files_in(Path(path))
            if not plans:
                if find_roots(Path(path)):
                    hcl_paths.append(Path(path))
                    continue
                raise InputError(path, "directory holds no Terraform plan JSON (expected `terraform show -json` output) "
                                       "and no Terraform .tf files")
            targets = [str(p) for p in plans]
        elif path.endswith((".tf", ".tofu", ".tfvars")):
            if not staged and not Path(path).is_file():  # staged: the index may hold it
                raise InputError(path, "no such file")
            hcl_paths.append(Path(path))
            continue
        else:
            targets = [path]
        for target in targets:
            origin = display_path(target)
            for res in load_plan(target, display=origin):
                model.add(res)
                plan_resources.append(res)
            origins.append(origin)
    if plan_resources:
        _map_plan_sources(plan_resources, source_root)
    if diff_base is not None and not hcl_paths:
        from natpolicy.errors import UsageError

        raise UsageError("--diff-base compares Terraform directories (HCL); a plan already shows its deletions")
    if hcl_paths:
        from natpolicy.gitdiff import load_compared
        from natpolicy.hcl.loader import load_hcl

        hcl_args = dict(variables=parse_var_flags(variables), var_files=[Path(f) for f in var_files])
        # In a git repository the base revision shows what the configuration deletes.
        result = load_compared(hcl_paths, base=diff_base, staged=staged, **hcl_args) or load_hcl(hcl_paths, **hcl_args)
        model.facts["source_texts"] = getattr(result, "texts", {})
        for res in result.resources:
            model.add(res)
        origins.extend(result.roots)
        errors_key = "load_notes" if skip_invalid else "load_errors"
        model.facts.setdefault(errors_key, []).extend(result.errors)
        model.facts.setdefault("load_notes", []).extend(result.notes)
        model.facts["verbose_notes"] = result.verbose_notes
        model.facts["hcl_blocks"] = result.blocks
    model.facts["origins"] = origins
    return model


def _map_plan_sources(resources: list[Resource], source_root: str | None) -> None:
    """``--source-root``, or a working directory holding the plan's configuration."""
    from natpolicy.hcl.loader import has_terraform_files
    from natpolicy.sourcemap import map_to_source

    if source_root is not None:
        if not Path(source_root).is_dir():
            raise InputError(source_root, "--source-root is not a directory")
        map_to_source(resources, Path(source_root), display=lambda p: display_path(str(p)))
    elif has_terraform_files(Path.cwd()):
        map_to_source(resources, Path.cwd(), display=lambda p: display_path(str(p)), require_majority=True)


__all__ = ["load_inputs", "display_path", "plan_files_in"]
