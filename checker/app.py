"""What ``natpolicy check`` does, apart from parsing flags: load, run, report."""
from __future__ import annotations

import codecs
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from natpolicy.check import Severity
from natpolicy.errors import UsageError
from natpolicy.records import field, record, replace
from natpolicy.runner import RunResult

if TYPE_CHECKING:
    from natpolicy.baseline import Baseline
    from natpolicy.check import BaseCheck
    from natpolicy.config import Config
    from natpolicy.findings import Finding
    from natpolicy.foreign_selection import ForeignSelection
    from natpolicy.live.gather import LiveRun
    from natpolicy.model import ResourceModel
    from natpolicy.progress import Progress
    from natpolicy.rego.stage import Early


@record
class CheckOptions:
    """One ``check`` run's options, from the command line (then merged with the config file's)."""

    paths: list[str]
    fmt: str = "text"
    output: str | None = None
    fail_on: str | None = None  # None: the config file's fail-on, else "low"
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
    staged: bool = False  # HCL mode: read the git index (pre-commit), not the work tree
    policies: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    # Rego `warn` results fail the run only with --fail-on-warn or an explicit
    # fail-on (flag or config file), as conftest exits 0 on warnings.
    fail_on_warn: bool = False
    data_files: tuple[str, ...] = ()  # --data: JSON/YAML base documents for user policies
    rego_version: str | None = None  # --rego-version v0|v1; None: v1, conftest's default
    combine: bool = False  # --combine: every input as one document, a list of {path, contents}
    # --strict-builtin-errors: a builtin failing in a --policy file stops the run, not undefined (OPA's default)
    strict_builtin_errors: bool = False
    rego_inputs: Any = None  # natpolicy.rego.inputs.SetAside: paths only --policy reads (YAML, non-plan JSON)
    engine: str = "python"
    rego_timeout: float | None = None  # seconds for all Rego of the run; None: sandbox.DEFAULT_TIMEOUT
    rego_memory: int | None = None  # MiB for the Rego child process; None: sandbox.DEFAULT_MEMORY_MIB
    rego_engine: str | None = None  # --rego-engine; None: the config's, else regorus with regopy as fallback
    baseline: str | None = None
    create_baseline: str | None = None
    force: bool = False  # replace an existing --create-baseline file
    # "FORMAT=FILE" pairs: more reports rendered from the same run (the
    # GitHub Action writes SARIF, annotations and a summary from one run).
    also_outputs: tuple[str, ...] = ()
    markdown_max_bytes: int | None = None  # None: markdown.MAX_BYTES (the job summary's limit)
    colour: bool | None = None
    compact: bool = False  # text report: one line per finding
    verbose: bool = False
    quiet: bool = False
    progress: bool | None = None  # None: unless quiet, or run by pre-commit (see progress_enabled)
    jobs: int | None = None  # --jobs: worker processes for several plans (None: read them in this process)
    download_modules: bool = False  # HCL mode: fetch remote modules (else .terraform/modules and the cache)
    require_modules: bool = False  # HCL mode: a module that cannot be read exits 2
    # --live: read-only evidence from the AWS account (natpolicy.live); roles come from the command line only.
    live: bool = False
    live_roles: tuple[str, ...] = ()
    live_required: bool = False  # a region or account that cannot be read exits 2


def execute(opts: CheckOptions) -> int:
    """The pipeline. Each stage lives in its own module; this only wires them."""
    from natpolicy.gc_pause import paused_gc
    from natpolicy.progress import Progress

    # One pause for load, rules and report: re-enabling the collector between
    # stages would make it scan the whole freshly loaded plan (about 0.1 s per
    # pass at 10k resources) for cycles it does not hold.
    with paused_gc(), Progress(enabled=progress_enabled(opts), label="") as progress:
        return _execute(opts, progress)


def progress_enabled(opts: CheckOptions) -> bool:
    """Progress lines for long runs, on stderr (see ``natpolicy.invocation.progress_wanted``)."""
    from natpolicy.invocation import progress_wanted

    return progress_wanted(opts.progress, opts.quiet)


def _execute(opts: CheckOptions, progress: Progress) -> int:
    from natpolicy import config, registry
    from natpolicy.invocation import in_precommit

    if opts.paths.count("-") > 1:
        raise UsageError("stdin (`-`) can be given only once")
    extra_outputs = _parse_also_outputs(opts.also_outputs)
    accepted = None
    if opts.baseline:
        from natpolicy import baseline  # only when asked: a plain run does not pay for its import

        accepted = baseline.load(opts.baseline)
    settings = config.resolve_config(opts.config_file, opts.paths)
    _check_targets(opts, extra_outputs, settings)
    known = registry.discover()
    settings.check_rules(known)
    explicit_fail_on = opts.fail_on is not None or settings.fail_on is not None
    opts = config.merged_options(opts, settings)  # flags win over the config file
    opts = replace(opts, fail_on_warn=opts.fail_on_warn or explicit_fail_on)
    from natpolicy.foreign_selection import split_selection

    selection = split_selection(opts.include, opts.exclude)  # Checkov/tfsec/Trivy ids map onto rules
    classes = registry.select(known, selection.include, selection.exclude)
    rego = (opts.engine == "rego" or bool(opts.policies) or bool(opts.namespaces) or opts.all_namespaces
            or bool(opts.data_files) or opts.rego_version is not None or opts.combine)
    if rego:
        from natpolicy.rego.stage import keep_stdin

        keep_stdin(opts.paths)  # Rego re-reads the plan as Terraform wrote it
    loader_paths = opts.paths
    early: Early | None = None
    if opts.policies:
        from natpolicy.rego.inputs import set_aside
        from natpolicy.rego.stage import spawn_child, start_early

        # The Rego child's process starts first (its interpreter, the engine's imports), then, where it can (a
        # user policy not reading data.natpolicy), gets its job: it runs on another core while the loaders read
        # the plans and the Python rules run.
        spawned = spawn_child(opts)
        try:
            # YAML and non-plan JSON go to the user policies only, as conftest reads them.
            opts = replace(opts, rego_inputs=set_aside(opts.paths, staged=opts.staged or in_precommit()))
            loader_paths = opts.rego_inputs.loader_paths
            early = start_early(opts, spawned)
        except BaseException:
            if spawned is not None:
                spawned.discard()
            raise
    elif any(Path(p).suffix.lower() in (".yaml", ".yml") for p in opts.paths):
        # Only then: a plan-only run loads nothing of the Rego stack (tests/test_lazy_imports.py).
        from natpolicy.rego.inputs import refuse_documents

        refuse_documents(opts.paths)  # a YAML file says what natpolicy reads, not "malformed JSON"
    try:
        return _load_and_check(opts, loader_paths, settings, classes, extra_outputs, accepted, rego, progress,
                               selection, early)
    finally:
        if early is not None:
            early.stop()  # its answers were read already (nothing to do), or the run failed before the Rego stage


def _load_and_check(opts: CheckOptions, loader_paths: list[str], settings: Config, classes: list[type[BaseCheck]],
                    extra_outputs: list[tuple[str, str]], accepted: Baseline | None, rego: bool,
                    progress: Progress, selection: ForeignSelection, early: Early | None) -> int:
    from natpolicy.invocation import in_precommit
    from natpolicy.loaders import hcl_limits  # not hcl.budget: a plan-only run evaluates no HCL
    from natpolicy.loaders.inputs import load_inputs

    with hcl_limits.configured(hcl_limits.Limits(**settings.hcl_budget)):  # the config's hcl-budget, else the defaults
        model = load_inputs(loader_paths, source_root=opts.source_root, variables=opts.variables,
                            var_files=opts.var_files, skip_invalid=opts.skip_invalid, diff_base=opts.diff_base,
                            staged=opts.staged or in_precommit(), progress=progress, jobs=opts.jobs,
                            download_modules=opts.download_modules, require_modules=opts.require_modules,
                            plan_bytes=opts.rego_inputs.plan_bytes if opts.rego_inputs is not None else None,
                            plan_sections=opts.rego_inputs.plan_sections if opts.rego_inputs is not None else None)
    # The model lives until the run ends: spare the cyclic GC from re-walking its
    # (acyclic) objects again and again -- a third of a large HCL run's time.
    import gc

    live = None
    if opts.live:
        from natpolicy.live.stage import read_live

        live = read_live(model, opts.live_roles, progress)
    gc.freeze()
    try:
        code = _check_and_report(model, classes, settings, opts, extra_outputs, accepted, rego, progress, selection,
                                 live, early)
    finally:
        gc.unfreeze()  # in-process callers (tests, the hook) keep a normal heap
    if live is not None and live.failures and opts.live_required and code != 2:
        _echo_error(f"natpolicy: error: --live-required: {len(live.failures)} region or account could not be read "
                    "(see the notes)")
        return 2
    return code


def _check_and_report(model: ResourceModel, classes: list[type[BaseCheck]], settings: Config,
                      opts: CheckOptions, extra_outputs: list[tuple[str, str]], accepted: Baseline | None,
                      rego: bool, progress: Progress, selection: ForeignSelection | None = None,
                      live: LiveRun | None = None, early: Early | None = None) -> int:
    from natpolicy import registry, suppressions
    from natpolicy.runner import run

    checks = registry.instantiate(classes, settings.rule_options(classes))
    if rego:
        from natpolicy.rego.stage import run_with_rego

        result = run_with_rego(model, checks, opts, early)  # reports its own progress, labelled "rego"
    else:
        with progress.step(f"checking {len(model):,} resources against {len(checks)} rules"):
            result = run(model, checks)
    # Loader problems (HCL syntax errors, remote modules) become tool notifications,
    # then what the rules noticed about the input (a note the loaders gave already is not repeated).
    context = model.context
    result.errors[:0] = context.load_errors
    result.notes.extend(context.load_notes)
    result.notes.extend(n for n in result.rule_notes if n not in context.load_notes)
    if selection is not None:
        result = replace(result, findings=selection.filter(result.findings), notes=[*selection.notes, *result.notes])
    if opts.verbose:
        result.notes.extend(context.verbose_notes)
    if live is not None:
        from natpolicy.live.enrich import enrich

        result = enrich(result, live)  # details, message and severity (only ever raised); its notes
    result = suppressions.apply_to_result(result, model, settings, source_root=opts.source_root)
    from natpolicy.call_sites import move_to_call_sites

    # After the skip comments (read from the resources' own blocks): findings inside modules go on the calls.
    result = move_to_call_sites(result, model, source_root=opts.source_root)
    # Baselines apply last, so every format and the exit code see the same findings.
    if opts.create_baseline or accepted is not None:
        from natpolicy import baseline

        if opts.create_baseline:
            baseline.write(opts.create_baseline, result.findings)
        if accepted is not None:
            result = baseline.apply(result, accepted, opts.baseline or "")
    from natpolicy.outputs.redaction import redact_result

    result = redact_result(result)  # a credential-shaped string is never printed, in any format
    count = len(result.findings)
    with progress.step(f"writing {count:,} finding{'' if count == 1 else 's'}"):
        for extra_fmt, extra_path in extra_outputs:
            _write(extra_path, render(result, extra_fmt, replace(opts, colour=False)))
        # A file is never coloured; the terminal report beside it keeps its
        # colour and grouping (--color, or a TTY).
        if opts.output:
            _write(opts.output, render(result, opts.fmt, replace(opts, colour=False)))
            shown = None if opts.quiet else (render(result, "text", opts), _use_colour(opts))
        else:
            shown = (render(result, opts.fmt, opts), _colours_terminal(opts.fmt) and _use_colour(opts))
    # Echoed after the step, so no progress line can land inside the report.
    if shown is not None:
        _echo(shown[0], colour=shown[1])
    # Input errors and a failed Rego stage end the run with exit 2: their line goes to
    # stderr, even with -q -o (the report may be a file), after every progress line.
    load_errors = len(model.context.load_errors)
    for err in [*result.errors[:load_errors], *result.stderr_errors]:
        _echo_error(f"natpolicy: error: {err}")
    return exit_code(result, opts)


def exit_code(result: RunResult, opts: CheckOptions) -> int:
    if result.errors:
        return 2
    # --create-baseline accepts every current finding, so, as a check against
    # the baseline it just wrote would, it exits 0 (input errors still exit 2).
    if opts.soft_fail or opts.create_baseline:
        return 0
    threshold = Severity.parse(opts.fail_on or "low")
    failing = any(f.severity >= threshold for f in result.findings
                  if not f.suppressed and (opts.fail_on_warn or not _advisory(f)))
    return 1 if failing else 0


def _advisory(finding: Finding) -> bool:
    """A user policy's `warn` result: reported, but failing the run only when asked to."""
    if "query" not in finding.details:
        return False
    from natpolicy.rego.conftest import is_warning_finding

    return is_warning_finding(finding.details)


def render(result: RunResult, fmt: str, opts: CheckOptions) -> str:
    """``fmt``'s report of the run; the formats and their modules are listed in ``outputs/registry.py``."""
    from natpolicy.outputs import registry

    output = registry.find(fmt)
    if output is None:
        raise UsageError(f"format {fmt!r} is not available yet")
    settings = registry.ReportSettings(
        colour=output.colour and _use_colour(opts), category=opts.category,
        sarif_include_suppressed=opts.sarif_include_suppressed, fail_on=Severity.parse(opts.fail_on or "low"),
        soft_fail=opts.soft_fail, markdown_max_bytes=opts.markdown_max_bytes, compact=opts.compact,
        gates=lambda f: opts.fail_on_warn or not _advisory(f))  # the exit code's rule (exit_code)
    return output.report(result, settings)


def _parse_also_outputs(pairs: tuple[str, ...]) -> list[tuple[str, str]]:
    from natpolicy.outputs.registry import NAMES

    parsed = []
    for pair in pairs:
        fmt, sep, path = pair.partition("=")
        fmt = fmt.lower()  # as --format: SARIF=x.sarif is sarif=x.sarif
        if not sep or not path or fmt not in NAMES:
            raise UsageError(f"--also-output wants FORMAT=FILE with FORMAT one of {', '.join(NAMES)}; got {pair!r}")
        parsed.append((fmt, path))
    return parsed


def _check_targets(opts: CheckOptions, extra_outputs: list[tuple[str, str]], settings: Config) -> None:
    """Refuse, before anything is read, an output that would replace an input (see output_targets)."""
    from natpolicy.output_targets import check_outputs

    targets = [*(("--also-output", path) for _, path in extra_outputs)]
    if opts.output:
        targets.append(("--output", opts.output))
    if opts.create_baseline:
        targets.append(("--create-baseline", opts.create_baseline))
    inputs = [*opts.paths, *opts.var_files, *opts.policies, *settings.policies, *opts.data_files]
    inputs += [p for p in (opts.config_file, settings.path) if p]
    check_outputs(targets, inputs, baseline_read=opts.baseline, force=opts.force)


def _write(path: str, report: str) -> None:
    from natpolicy.loaders.paths import display_path
    from natpolicy.safe_write import write_text

    try:
        write_text(path, report)
    except OSError as exc:
        # UnsafeTargetError says itself what is wrong (a link, a directory).
        reason = exc.strerror or str(exc).replace(path, "").strip()
        raise UsageError(f"cannot write {display_path(path)}: {reason}") from None


def _colours_terminal(fmt: str) -> bool:
    """Whether ``fmt`` on stdout may be coloured (only the text report is; JSON or SARIF never)."""
    from natpolicy.outputs.registry import find

    output = find(fmt)
    return output is not None and output.colour


def _use_colour(opts: CheckOptions) -> bool:
    from natpolicy.flag_habits import colour_wanted

    return colour_wanted(opts.colour, sys.stdout.isatty())


def _echo_error(line: str) -> None:
    import click

    from natpolicy.redact import redact
    from natpolicy.safe_text import one_line

    click.echo(one_line(redact(line)), err=True)


def _echo(text: str, colour: bool) -> None:
    """``click.echo(text, nl=False, color=colour)``, without importing click when its answer is plain.

    click writes to ``sys.stdout`` itself when that is a text stream (a ``TextIOWrapper``) whose encoding
    is not ASCII (else it re-wraps it), after stripping ANSI escapes when ``colour`` is off: a text with
    no ESC character is unchanged by that. Exactly then the report is written and flushed here; every
    other case (empty text included, which click only flushes) goes to click.
    """
    stream = sys.stdout
    if text and (colour or "\x1b" not in text) and type(stream) is io.TextIOWrapper and _text_as_is(stream):
        stream.write(text)
        stream.flush()
        return
    import click

    click.echo(text, nl=False, color=colour)


def _text_as_is(stream: io.TextIOWrapper) -> bool:
    """Whether click uses ``stream`` as it is (``click._compat._force_correct_text_stream``)."""
    if not stream.encoding or stream.errors is None:
        return False
    try:
        return codecs.lookup(stream.encoding).name != "ascii"
    except LookupError:
        return True  # click's is_ascii_encoding: an unknown encoding is not ASCII
