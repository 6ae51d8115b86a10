"""Turns the paths given on the command line into one ``ResourceModel``."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.loaders.plan_json import load_plan
from natpolicy.model import ResourceModel


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


def load_inputs(paths: Iterable[str]) -> ResourceModel:
    model = ResourceModel()
    origins: list[str] = []
    for path in paths:
        if path != "-" and Path(path).is_dir():
            plans = plan_files_in(Path(path))
            if not plans:
                raise InputError(path, "directory holds no Terraform plan JSON (expected `terraform show -json` output)")
            targets = [str(p) for p in plans]
        else:
            targets = [path]
        for target in targets:
            origin = display_path(target)
            for res in load_plan(target, display=origin):
                model.add(res)
            origins.append(origin)
    model.facts["origins"] = origins
    return model


__all__ = ["load_inputs", "display_path", "plan_files_in"]
