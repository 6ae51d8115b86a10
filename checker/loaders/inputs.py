"""Turns the paths given on the command line into one ``ResourceModel``.

What a path is read as:

* a plan JSON file (or ``-``): a plan;
* a ``.tf``/``.tofu``/``.tfvars`` file, or a folder holding ``.tf``/``.tofu``
  files: that Terraform root, as HCL. Plan JSON files in such a folder are
  not read (a note names them): a plan kept beside the code says nothing
  about the code being committed. Pass a plan file itself to check it;
* any other folder: the plan JSON files in it, else the Terraform roots below it.

Paths in findings are relative to the top of the git repository holding
them (SARIF's ``%SRCROOT%``, where GitHub looks them up), else to the
current directory.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.loaders.plan_json import UNJUDGED, load_plan
from natpolicy.loaders.plan_shapes import MAX_REPORTED
from natpolicy.model import Resource, ResourceModel
from natpolicy.progress import Progress

_PLAN_MARKERS = (b'"format_version"', b'"planned_values"', b'"resource_changes"')
_CHUNK = 1 << 20
# Defined here, not in natpolicy.hcl: a plan-only run must not import the HCL
# stack (lark and the grammar cost about 0.1 s of every run).
TF_SUFFIXES = (".tf", ".tofu")


def has_terraform_files(directory: Path) -> bool:
    """Does ``directory`` itself hold ``.tf``/``.tofu`` files (a Terraform module)?"""
    try:
        return any(p.suffix in TF_SUFFIXES and p.is_file() for p in directory.iterdir())
    except OSError:
        return False


def repository_top(path: Path) -> Path | None:
    """The git work tree holding ``path`` (the nearest folder upward with a ``.git`` entry)."""
    current = Path(os.path.abspath(path))
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def display_root(path: str | Path) -> Path:
    """What display paths of ``path`` are relative to: its repository's top, else the current directory."""
    if str(path) == "-":
        return repository_top(Path.cwd()) or Path.cwd()
    return repository_top(Path(path)) or Path(os.path.abspath(Path.cwd()))


def display_path(path: str) -> str:
    """Repository-relative POSIX path when possible (SARIF wants URIs relative to the repository)."""
    if path == "-":
        return "<stdin>"
    full = Path(os.path.abspath(path))
    base = repository_top(full) or Path(os.path.abspath(Path.cwd()))
    try:
        return Path(os.path.relpath(full, base)).as_posix()
    except ValueError:  # another drive on Windows
        return full.as_posix()


def plan_files_in(directory: Path, notes: list[str] | None = None) -> list[Path]:
    """JSON files in ``directory`` (not recursive) that look like plans.

    Only regular files inside the repository (else ``directory``) are opened:
    a committed ``x.json -> /dev/zero`` (or a FIFO, a socket) would hang the
    scan, and a link out of the repository would read the runner's files.
    Each one skipped gets a line in ``notes``.
    """
    boundary = Path(os.path.realpath(repository_top(directory) or directory))
    found = []
    for candidate in sorted(directory.glob("*.json")):
        problem = _unreadable_entry(candidate, boundary)
        if problem:
            if notes is not None:
                notes.append(f"{display_path(str(candidate))}: not read: {problem}")
        elif looks_like_plan(candidate):
            found.append(candidate)
    return found


def _unreadable_entry(path: Path, boundary: Path) -> str | None:
    """Why a folder entry must not be opened as a plan, or ``None`` (a folder named ``*.json`` is no plan either)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken symbolic link" if path.is_symlink() else None
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file (natpolicy reads only regular files: a device or a FIFO may never end)"
    real = Path(os.path.realpath(path))
    try:
        real.relative_to(boundary)
    except ValueError:
        return f"a symbolic link out of {boundary.as_posix()}"
    return None


def looks_like_plan(path: Path) -> bool:
    """Does the file hold a Terraform plan's top-level keys anywhere?

    Not only in its first kilobytes: ``json.dumps(sort_keys=True)`` puts
    ``configuration`` (which can be megabytes) before ``format_version``.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
            if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (PowerShell's `>`): decode it whole
                text = (head + fh.read()).decode("utf-16", "ignore").encode("utf-8")
                return any(marker in text for marker in _PLAN_MARKERS)
            tail = head
            while chunk := fh.read(_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _PLAN_MARKERS):
                    return True
                tail = window[-32:]  # a marker split across two chunks
            return any(marker in tail for marker in _PLAN_MARKERS)
    except OSError:
        return False


def load_inputs(paths: Iterable[str], *, source_root: str | None = None, variables: Iterable[str] = (),
                var_files: Iterable[str] = (), skip_invalid: bool = False, diff_base: str | None = None,
                staged: bool = False, progress: Progress | None = None) -> ResourceModel:
    """Plans load as plans; folders with ``.tf`` files (and ``.tf``/``.tofu`` files) as HCL.

    HCL syntax errors land in ``facts["load_errors"]`` (exit 2), or in
    ``facts["load_notes"]`` with ``skip_invalid``; remote modules in notes.
    ``progress`` names each plan, and the Terraform code, while it loads.
    """
    progress = progress or Progress(enabled=False, label="")
    paths = list(paths)
    model = ResourceModel()
    origins: list[str] = []
    notes: list[str] = []
    hcl_paths: list[Path] = []
    plan_resources: list[Resource] = []
    plan_origins: list[str] = []
    for path in paths:
        if path != "-" and Path(path).is_dir():
            directory = Path(path)
            if has_terraform_files(directory):
                hcl_paths.append(directory)
                ignored = plan_files_in(directory, notes)
                if ignored:
                    names = ", ".join(display_path(str(p)) for p in ignored)
                    notes.append(f"{names}: not checked; {path} holds Terraform files, so it is checked as HCL "
                                 "(pass a plan file itself to check the plan)")
                continue
            plans = plan_files_in(directory, notes)
            if not plans:
                from natpolicy.hcl.loader import find_roots

                if find_roots(directory):
                    hcl_paths.append(directory)
                    continue
                raise InputError(path, "directory holds no Terraform plan JSON "
                                       "(expected `terraform show -json` output) and no Terraform .tf files")
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
            with progress.step(f"reading {origin}{_size_of(target)}"):
                for res in load_plan(target, display=origin):
                    model.add(res)
                    plan_resources.append(res)
            origins.append(origin)
            plan_origins.append(target)
    if plan_resources:
        notes.extend(_map_plan_sources(plan_resources, source_root))
        notes.extend(_outside_repository(plan_origins, plan_resources))
        # Fail closed: what the rules could not read fails the run (exit 2), as a syntax error does.
        model.facts.setdefault("load_notes" if skip_invalid else "load_errors", []).extend(
            unjudged_lines(plan_resources))
    if diff_base is not None and not hcl_paths:
        from natpolicy.errors import UsageError

        raise UsageError("--diff-base compares Terraform directories (HCL); a plan already shows its deletions")
    root = display_root(hcl_paths[0] if hcl_paths else (paths[0] if paths else "."))
    model.facts["display_root"] = str(root)
    if hcl_paths:
        from natpolicy.gitdiff import load_compared
        from natpolicy.hcl.loader import load_hcl, parse_var_flags

        hcl_variables = parse_var_flags(variables)
        hcl_var_files = [Path(f) for f in var_files]
        # In a git repository the base revision shows what the configuration deletes.
        shown = ", ".join(display_path(str(p)) for p in hcl_paths[:3]) + (", ..." if len(hcl_paths) > 3 else "")
        with progress.step(f"reading the Terraform code in {shown}"):
            result = (load_compared(hcl_paths, base=diff_base, staged=staged, variables=hcl_variables,
                                    var_files=hcl_var_files, display_root=root)
                      or load_hcl(hcl_paths, variables=hcl_variables, var_files=hcl_var_files, display_root=root))
        model.facts["source_texts"] = getattr(result, "texts", {})
        for res in result.resources:
            model.add(res)
        origins.extend(result.roots)
        errors_key = "load_notes" if skip_invalid else "load_errors"
        model.facts.setdefault(errors_key, []).extend(result.errors)
        notes.extend(result.notes)
        model.facts["verbose_notes"] = result.verbose_notes
        model.facts["hcl_blocks"] = result.blocks
    model.facts.setdefault("load_notes", []).extend(notes)
    model.facts["origins"] = origins
    return model


def unjudged_lines(resources: list[Resource]) -> list[str]:
    """One line per resource the rules could not read (attribute types no Terraform writes), bounded per plan."""
    lines: list[str] = []
    per_origin: dict[str, int] = {}
    for res in resources:
        problems = res.extra.get(UNJUDGED)
        if not problems:
            continue
        count = per_origin[res.origin] = per_origin.get(res.origin, 0) + 1
        if count <= MAX_REPORTED:
            shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
            lines.append(f"{res.origin}: {res.address} cannot be judged: {shown}")
    for origin, count in per_origin.items():
        if count > MAX_REPORTED:
            lines.append(f"{origin}: {count - MAX_REPORTED} more resources cannot be judged (attributes of the "
                         "wrong JSON type)")
    return lines


def _size_of(target: str) -> str:
    """" (20.6 MB)" for a plan file: what a long read is spent on."""
    if target == "-":
        return ""
    try:
        size = os.path.getsize(target)
    except OSError:
        return ""  # load_plan says what is wrong with it
    return f" ({size / 1e6:.1f} MB)" if size >= 100_000 else ""


def _map_plan_sources(resources: list[Resource], source_root: str | None) -> list[str]:
    """``--source-root``, or a working directory holding the plan's configuration."""
    if source_root is None and not has_terraform_files(Path.cwd()):
        return []  # nothing to map to: the HCL stack is not even imported
    from natpolicy.hcl.parse import HclParserMissing
    from natpolicy.sourcemap import map_to_source

    notes: list[str] = []
    if source_root is not None:
        if not Path(source_root).is_dir():
            raise InputError(source_root, "--source-root is not a directory")
        map_to_source(resources, Path(source_root), display=lambda p: display_path(str(p)), notes=notes)
    else:
        try:
            map_to_source(resources, Path.cwd(), display=lambda p: display_path(str(p)), require_majority=True,
                          notes=notes)
        except HclParserMissing as exc:
            # Not asked for: the plan is checked all the same, on the plan's lines.
            return [f"findings stay on the plan's lines: {exc}"]
    return notes


def _outside_repository(plans: list[str], resources: list[Resource]) -> list[str]:
    """A note for plans outside the repository being worked in whose findings may point into them."""
    top = repository_top(Path.cwd())
    if top is None:
        return []
    notes = []
    for plan in dict.fromkeys(plans):
        if plan == "-" or repository_top(Path(plan)) == top:
            continue
        shown = display_path(plan)
        if any(r.origin == shown and r.location is not None and r.location.path == shown for r in resources):
            notes.append(f"{shown} is outside the git repository {top.as_posix()}: findings located in it keep "
                         "this path, which code scanning cannot show in the repository")
    return notes


__all__ = ["load_inputs", "display_path", "display_root", "plan_files_in", "looks_like_plan", "repository_top"]
