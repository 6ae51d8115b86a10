"""The Rego stage of ``natpolicy check``: user policies and/or the built-in twins.

The input of every policy is the plan JSON exactly as Terraform wrote it. The
plan loader overlays unknown markers on its parsed copy, so the file is
parsed again here; each plan is converted to the engine's input form once and
reused by every policy.
"""
from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from natpolicy.check import BaseCheck
from natpolicy.errors import InputError, UsageError
from natpolicy.findings import Finding
from natpolicy.model import ResourceModel
from natpolicy.runner import RunResult, _Scrubber, run

__all__ = ["keep_stdin", "run_with_rego", "plan_documents"]

_STDIN: bytes | None = None


def keep_stdin(paths: Sequence[str]) -> None:
    """Keep a copy of a plan read from stdin, which can only be read once."""
    global _STDIN
    if "-" not in paths:
        return
    data = sys.stdin.buffer.read()
    _STDIN = data
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))


def plan_documents(paths: Sequence[str]) -> list[tuple[str, Any]]:
    """(origin, parsed plan JSON) for every plan the loader read, in the same order."""
    from natpolicy.loaders.inputs import display_path, plan_files_in
    from natpolicy.loaders.plan_text import decode, parse_json

    out: list[tuple[str, Any]] = []
    for path in paths:
        if path == "-":
            if _STDIN is None:
                raise InputError("<stdin>", "the plan from stdin is no longer available for Rego")
            out.append(("<stdin>", parse_json(decode(_STDIN, "<stdin>"), "<stdin>")))
            continue
        targets = plan_files_in(Path(path)) if Path(path).is_dir() else [Path(path)]
        if not targets or targets[0].suffix in (".tf", ".hcl"):
            # HCL mode has no plan JSON to hand to a policy; say so rather than skip it.
            raise UsageError(f"{path}: Rego policies and --engine rego read Terraform plan JSON, and this is "
                             "Terraform configuration; run them on `terraform show -json plan.out` output")
        for target in targets:
            from natpolicy.loaders.plan_text import load_document

            _, doc = load_document(str(target))
            out.append((display_path(str(target)), doc))
    return out


def run_with_rego(model: ResourceModel, checks: list[BaseCheck], opts: Any) -> RunResult:
    """Python checks (or their Rego twins with ``--engine rego``), then user policies."""
    from natpolicy.app import progress_enabled
    from natpolicy.rego.evaluate import Progress, engine_or_error

    if (opts.namespaces or opts.all_namespaces) and not opts.policies:
        raise UsageError("--namespace and --all-namespaces select packages of --policy files; give --policy DIR")
    engine = engine_or_error()
    user = _user_policy_set(engine, opts) if opts.policies else None
    twins = _twin_set(engine, checks) if opts.engine == "rego" else None
    for chosen in (user, twins):
        if chosen is not None:
            chosen.set.time_budget = getattr(opts, "rego_timeout", None)

    result = run(model, [] if twins is not None else checks)
    result.checks = list(checks)
    plans = plan_documents(opts.paths)
    scrub = _Scrubber(model)
    extra: list[Finding] = []
    rules: dict[str, BaseCheck] = {c.id: c for c in checks}
    with Progress(enabled=progress_enabled(opts), label="rego") as progress:
        for origin, doc in plans:
            with progress.step(f"{origin}: converting the plan into Rego input"):
                prepared = engine.prepare_input(doc)
            with progress.step(f"{origin}: computing data.natpolicy"):
                data = _data_for(model, origin, doc, user, twins)
            if twins is not None:
                extra.extend(twins.run(model, origin, data, prepared, progress, scrub))
            if user is not None:
                found, checks_used, notes = user.run(model, origin, data, prepared, progress, scrub)
                extra.extend(found)
                result.notes.extend(notes)
                for check in checks_used:
                    rules.setdefault(check.id, check)
    result.findings = sorted(result.findings + extra, key=Finding.sort_key)
    result.checks = list(rules.values())
    return result


def _data_for(model: ResourceModel, origin: str, doc: Any, *sets: Any) -> dict[str, Any] | None:
    if not any(s is not None and s.wants_data for s in sets):
        return None
    from natpolicy.rego.facts import natpolicy_data

    return natpolicy_data(model, origin, doc)


def _user_policy_set(engine: Any, opts: Any) -> Any:
    from natpolicy import registry
    from natpolicy.rego.user import UserPolicies

    builtin_ids = frozenset(c.id for c in registry.discover())
    return UserPolicies.load(engine, opts.policies, opts.namespaces, opts.all_namespaces, builtin_ids)


def _twin_set(engine: Any, checks: list[BaseCheck]) -> Any:
    from natpolicy.rego.twins import Twins

    return Twins.load(engine, checks)
