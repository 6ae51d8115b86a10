"""What ``natpolicy check`` does, apart from parsing flags: load, run, report."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from natpolicy.check import Severity
from natpolicy.errors import UsageError
from natpolicy.runner import RunResult


@dataclass
class CheckOptions:
    paths: list[str]
    fmt: str = "text"
    output: str | None = None
    fail_on: str = "low"
    soft_fail: bool = False
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    category: str = "natpolicy/"
    sarif_include_suppressed: bool = False
    source_root: str | None = None
    config_file: str | None = None
    variables: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()
    skip_invalid: bool = False
    diff_base: str | None = None
    policies: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    engine: str = "python"
    baseline: str | None = None
    create_baseline: str | None = None
    colour: bool | None = None
    verbose: bool = False
    quiet: bool = False


def execute(opts: CheckOptions) -> int:
    """The pipeline. Each stage lives in its own module; this only wires them."""
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    if opts.paths.count("-") > 1:
        raise UsageError("stdin (`-`) can be given only once")
    _refuse_unavailable(opts)
    classes = registry.select(registry.discover(), opts.include, opts.exclude)
    model = load_inputs(opts.paths)
    result = run(model, registry.instantiate(classes))
    report = render(result, opts.fmt, opts)

    if opts.output:
        Path(opts.output).write_text(report, encoding="utf-8")
        if not opts.quiet and opts.fmt != "text":
            _echo(render(result, "text", opts), colour=_use_colour(opts))
    else:
        _echo(report, colour=opts.fmt == "text" and _use_colour(opts))

    return exit_code(result, opts)


def _refuse_unavailable(opts: CheckOptions) -> None:
    """Options whose stage is not built yet fail loudly instead of being ignored."""
    pending = {
        "--source-root": opts.source_root, "--config": opts.config_file, "--var": opts.variables,
        "--var-file": opts.var_files, "--diff-base": opts.diff_base, "--policy": opts.policies,
        "--namespace": opts.namespaces, "--all-namespaces": opts.all_namespaces,
        "--engine rego": opts.engine == "rego", "--baseline": opts.baseline,
        "--create-baseline": opts.create_baseline,
    }
    for flag, value in pending.items():
        if value:
            raise UsageError(f"{flag} is not available in this build yet")


def exit_code(result: RunResult, opts: CheckOptions) -> int:
    if result.errors:
        return 2
    if opts.soft_fail:
        return 0
    threshold = Severity.parse(opts.fail_on)
    failing = any(f.severity >= threshold for f in result.findings if not f.suppressed)
    return 1 if failing else 0


def render(result: RunResult, fmt: str, opts: CheckOptions) -> str:
    if fmt == "json":
        from natpolicy.outputs import json_report

        return json.dumps(json_report.render(result), indent=2, sort_keys=False) + "\n"
    if fmt == "sarif":
        from natpolicy.outputs import sarif

        return json.dumps(sarif.render(result, category=opts.category), indent=2) + "\n"
    if fmt == "text":
        from natpolicy.outputs import text

        return text.render(result, colour=_use_colour(opts) if opts.output is None else False)
    raise UsageError(f"format {fmt!r} is not available yet")


def _use_colour(opts: CheckOptions) -> bool:
    if opts.colour is not None:
        return opts.colour
    return sys.stdout.isatty()


def _echo(text: str, colour: bool) -> None:
    import click

    click.echo(text, nl=False, color=colour)
