"""The plan loader: ``terraform show -json`` files (and stdin) into resources.

Each plan is read as it is added, in command-line order, so that a broken
plan is reported before later paths are looked at. ``finish`` maps the
resources to their ``.tf`` blocks (``--source-root``, or a working directory
holding the configuration) and lists what the rules cannot judge.
"""
from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.loaders.classify import Classified
from natpolicy.loaders.contract import LoadRequest, LoadResult
from natpolicy.loaders.paths import display_path, has_terraform_files, repository_top
from natpolicy.loaders.plan_jobs import load_in_order, worker_count
from natpolicy.loaders.plan_json import load_plan
from natpolicy.loaders.plan_shapes import MAX_REPORTED
from natpolicy.model import Resource
from natpolicy.progress import Progress

__all__ = ["PlanLoader", "unjudged_lines"]


class PlanLoader:
    """Plan JSON files, folders of them, and ``-``."""

    def __init__(self, request: LoadRequest) -> None:
        self.request = request
        self.progress = request.progress or Progress(enabled=False, label="")
        self.result = LoadResult()
        self._pending: list[tuple[str, str]] = []  # (target, display path), not read yet

    def add(self, item: Classified) -> None:
        self._pending.extend((target, display_path(target)) for target in item.targets)
        if self.request.jobs == 1:
            self.settle()  # serial: each plan is read as it is added

    def settle(self) -> None:
        """Read every plan added so far, in order (in worker processes when ``--jobs`` says so).

        The dispatcher calls this before reporting an error in a later path, so
        a broken plan is still reported first, as when each plan is read as it is added.
        """
        pending, self._pending = self._pending, []
        workers = worker_count(self.request.jobs, [target for target, _ in pending])
        if workers > 1:
            for target, _ in pending:
                self.request.plan_bytes.pop(target, None)  # the workers read their own: free these now
                self.request.plan_sections.pop(target, None)
            def step(target: str, origin: str) -> AbstractContextManager[object]:
                return self.progress.step(f"reading {origin}{_size_of(target)}")

            for (target, origin), resources in zip(pending, load_in_order(pending, workers, step), strict=False):
                self._loaded(target, origin, resources)
            return
        for target, origin in pending:
            with self.progress.step(f"reading {origin}{_size_of(target)}"):
                resources = load_plan(target, display=origin, data=self.request.plan_bytes.pop(target, None),
                                      sections=self.request.plan_sections.pop(target, None))
            self._loaded(target, origin, resources)

    def _loaded(self, target: str, origin: str, resources: list[Resource]) -> None:
        self.result.resources.extend(resources)
        self.result.roots.append(origin)
        self.result.plans.append((origin, target))

    def finish(self) -> LoadResult:
        self.settle()
        result = self.result
        if result.resources:
            result.notes.extend(_map_plan_sources(result.resources, self.request.source_root))
            result.notes.extend(_outside_repository([t for _, t in result.plans], result.resources))
            # Fail closed: what the rules could not read fails the run (exit 2), as a syntax error does.
            result.errors.extend(unjudged_lines(result.resources))
        return result


def unjudged_lines(resources: list[Resource]) -> list[str]:
    """One line per resource the rules could not read (attribute types no Terraform writes), bounded per plan."""
    lines: list[str] = []
    per_origin: dict[str, int] = {}
    for res in resources:
        problems = res.unjudged
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
    from natpolicy.loaders.hcl.parse import HclParserMissing
    from natpolicy.loaders.sourcemap import map_to_source

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
