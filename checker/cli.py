"""Command line: ``natpolicy check``, ``rules``, ``explain``, ``verify`` and the others below.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage or input error (one line on stderr, never a traceback).
Heavy modules are imported inside commands so ``--version`` stays instant.
"""
from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from natpolicy import __version__

if TYPE_CHECKING:  # click is imported only once a command runs (see main)
    import click

SEVERITIES = ("low", "medium", "high", "critical")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        # Answer before importing click: pre-commit and CI call this a lot.
        print(f"natpolicy {__version__}")
        return 0
    from natpolicy.errors import NatpolicyError

    try:
        if args[:1] == ["hook"]:  # file names from pre-commit are never options
            from natpolicy.precommit import hook_arguments

            args = ["hook", *hook_arguments(args[1:])]
        quick: dict[str, Any] | None = None
        command: Callable[..., int] = _check
        if args[:1] == ["check"] or args[:1] == ["hook"]:
            from natpolicy.check_argv import quick_check_params, quick_hook_params

            # None: click reads the line (see natpolicy.check_argv)
            quick, command = ((quick_check_params(args), _check) if args[0] == "check"
                              else (quick_hook_params(args), _hook))
        if quick is not None:
            result = _run_as_click_would(command, quick)
        else:
            result = _cli().main(args=args, prog_name="natpolicy", standalone_mode=False)
    except NatpolicyError as exc:
        _error(f"natpolicy: error: {_shown_error(exc)}")
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:
        # click's own exceptions (only raised once click is imported), then a bug of ours: one line and
        # exit 2, as for bad input, never a traceback.
        click = sys.modules.get("click")
        if click is not None and isinstance(exc, click.exceptions.Exit):
            return int(exc.exit_code)
        if click is not None and isinstance(exc, click.ClickException):
            # Two lines where click prints four: the problem, then where help is (no usage block).
            from natpolicy.flag_habits import usage_error_lines

            ctx = exc.ctx if isinstance(exc, click.UsageError) else None
            for line in usage_error_lines(exc.format_message(), ctx.command_path if ctx is not None else None):
                _error(line)
            return 2
        if click is not None and isinstance(exc, click.exceptions.Abort):
            click.echo("natpolicy: aborted", err=True)
            return 130
        if os.environ.get("NATPOLICY_DEBUG", "") not in ("", "0"):
            raise
        detail = " ".join(str(exc).split())[:500]
        _error(f"natpolicy: internal error: {type(exc).__name__}: {detail} (this is a natpolicy bug; "
               "set NATPOLICY_DEBUG=1 for the traceback)")
        return 2
    return int(result or 0)


def _error(text: str) -> None:
    """One line on stderr; messages quote file names and values from the scanned repository."""
    import click

    from natpolicy.redact import redact
    from natpolicy.safe_text import one_line

    click.echo(one_line(redact(text)), err=True)


def _run_as_click_would(command: Callable[..., int], params: dict[str, Any]) -> Any:
    """A command's callback, with what ``click``'s ``main`` does around a command (``standalone_mode=False``).

    An interrupt is a blank line on stderr and ``Abort``; a closed pipe (``EPIPE``) quiets the standard
    streams' later flushes and exits 1. Everything else propagates to :func:`main` as from click.
    """
    try:
        return command(**params)
    except (EOFError, KeyboardInterrupt) as exc:
        import click

        click.echo(file=sys.stderr)
        raise click.exceptions.Abort() from exc
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        import click.utils

        pacify = click.utils._PacifyFlushWrapper  # noqa: SLF001  (what click's main wraps them in)
        sys.stdout = pacify(sys.stdout)
        sys.stderr = pacify(sys.stderr)
        sys.exit(1)


def _hook(paths: tuple[str, ...], plans: bool, **options: Any) -> int:
    """What ``natpolicy hook`` runs (pre-commit's entry), given its parameters."""
    from natpolicy.precommit import run_hook

    return run_hook(list(paths), plans=plans, **options)


def _check(**params: Any) -> int:
    """What ``natpolicy check`` runs, given its parameters (from click, or from ``natpolicy.check_argv``)."""
    from natpolicy.app import CheckOptions, execute

    params["paths"] = list(params["paths"])
    params["include"] = list(params["include"])
    params["exclude"] = list(params["exclude"])
    return execute(CheckOptions(**params))


def run() -> None:
    """The console script: :func:`main`, then an exit that skips freeing the heap.

    A 10k-resource plan leaves about two million objects behind; freeing them
    one by one at interpreter shutdown took 0.3 s, a quarter of the whole run,
    for memory the operating system takes back anyway. Everything natpolicy
    writes is closed by then (reports are written whole), so only the standard
    streams need flushing. In-process callers (tests, the hook) use ``main``.
    """
    import gc

    # The imports and the CLI's set-up build thousands of objects (classes, dataclass methods) and hold no
    # garbage cycles worth a collection; the check pipeline pauses the collector itself (natpolicy.app).
    # It stays off to the end: turned back on here, the next allocation collected every object the run had
    # made since the pause (the findings, the reports: 20 M instructions of a 10k plan's run) just before an
    # exit that frees nothing.
    gc.disable()
    from natpolicy.invocation import run_as_command

    run_as_command()  # the Rego child may be forked from this process (natpolicy.rego.fork_child)
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`natpolicy check ... | head`)
            pass
    os._exit(code)


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets ``nan`` (every comparison is false) and ``inf`` through."""
    import math

    import click

    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds", ctx=ctx, param=param)
    return value


def _nonempty_paths(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """``natpolicy check ''`` must not quietly check the current folder."""
    import click

    if any(not path for path in value):
        raise click.BadParameter("an empty path names no file or folder", ctx=ctx, param=param)
    return value


def _output_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``-o sarif`` (Checkov's and conftest's habit) names a format, not a file: say so rather than write ``sarif``."""
    import click

    from natpolicy.flag_habits import format_named_as_file

    if value is not None:
        problem = format_named_as_file(value)
        if problem:
            raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


def _shown_error(exc: Exception) -> str:
    """An error's text with its file as findings show files.

    A file inside the repository the user stands in (else inside the current
    folder) is shown relative to its top, whichever spelling was typed
    (``./plan.json``, ``/abs/repo/plan.json``); one outside stays as given.
    """
    from natpolicy.errors import InputError

    if not isinstance(exc, InputError) or exc.source in ("", "-", "<stdin>"):
        return str(exc)
    from pathlib import Path

    from natpolicy.loaders.paths import repository_top

    here = Path(os.path.abspath(Path.cwd()))
    base = repository_top(here) or here
    full = Path(os.path.abspath(exc.source))
    if full != base and base not in full.parents:
        return str(exc)
    return f"{Path(os.path.relpath(full, base)).as_posix()}: {exc.problem}"


def _cli() -> click.Group:
    import click

    # Every output format (outputs/registry.py); imported here, so that the console script's imports run
    # with the collector paused (see run).
    from natpolicy.outputs.registry import NAMES as FORMATS

    @click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
    @click.version_option(__version__, "-V", "--version", prog_name="natpolicy", message="%(prog)s %(version)s")
    def cli() -> None:
        """Catch Terraform changes that break egress or weaken security, before apply.

        \b
        Typical use:
          terraform plan -out plan.out
          terraform show -json plan.out > plan.json
          natpolicy check plan.json
        """

    @cli.command("check")
    @click.argument("paths", nargs=-1, required=True, metavar="PATH...", callback=_nonempty_paths)
    @click.option("-f", "--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), default="text",
                  show_default=True, help="Report format (written to --output, or to stdout).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  callback=_output_file,
                  help="Write the report here; the terminal report is still printed unless --quiet.")
    @click.option("--also-output", "also_outputs", multiple=True, metavar="FORMAT=FILE",
                  help="Also write FORMAT to FILE from the same run (e.g. sarif=natpolicy.sarif); repeatable.")
    @click.option("--markdown-max-bytes", type=click.IntRange(min=4096), default=None, metavar="N",
                  help="Keep the markdown report within N bytes (default 1000000, under GitHub's 1 MiB job "
                       "summary limit; 65536 for a PR comment).")
    @click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default=None, show_default="low",
                  help="Exit 1 when a finding is at or above this severity (else fail-on from the config file).")
    @click.option("--soft-fail", "--no-fail", "soft_fail", is_flag=True,
                  help="Always exit 0 on findings (input errors still exit 2); --no-fail is conftest's spelling.")
    @click.option("-c", "--check", "include", multiple=True, metavar="ID",
                  help="Run only these rules or families (e.g. SG001, NAT); repeatable or comma-separated.")
    @click.option("--skip-check", "exclude", multiple=True, metavar="ID", help="Skip these rules or families.")
    @click.option("--category", default="natpolicy/", show_default=True,
                  help="SARIF automationDetails.id, so several uploads per commit do not clash.")
    @click.option("--sarif-include-suppressed", is_flag=True,
                  help="Keep suppressed findings in SARIF (GitHub shows them as open alerts).")
    @click.option("--source-root", type=click.Path(file_okay=False), default=None,
                  help="Terraform root the plan was made from; findings then point at .tf lines.")
    @click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                  help="Config file (default: .natpolicy.yaml or [tool.natpolicy] found upward).")
    @click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="HCL mode: set a variable.")
    @click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False),
                  help="HCL mode: read variables from a .tfvars file; repeatable.")
    @click.option("--skip-invalid", is_flag=True, help="A .tf file that does not parse, or a plan resource "
                  "that cannot be judged, is a note, not fatal.")
    @click.option("--diff-base", default=None, metavar="REF",
                  help="HCL mode: compare with this git revision to see deletions (default: HEAD in a git repo).")
    @click.option("--staged", is_flag=True,
                  help="HCL mode: check the staged content (git index), as the pre-commit hook does.")
    @click.option("--download-modules", is_flag=True,
                  help="HCL mode: fetch remote modules (registry, git, HTTP) missing from .terraform/modules and "
                       "the cache (docs/modules.md).")
    @click.option("--require-modules", is_flag=True,
                  help="HCL mode: a module that cannot be read is an error (exit 2), not a note.")
    @click.option("-p", "--policy", "policies", multiple=True, type=click.Path(exists=True),
                  help="Directory or .rego file of user Rego policies (conftest style); repeatable.")
    @click.option("--namespace", "namespaces", multiple=True, default=(),
                  help="Rego packages to query (default: main).")
    @click.option("--all-namespaces", is_flag=True, help="Query every Rego package.")
    # conftest compatibility (docs/rego.md, "Coming from conftest"); the logic lives in natpolicy.rego.
    @click.option("--fail-on-warn", is_flag=True,
                  help="Rego `warn` results fail the run too (they do not unless this or an explicit --fail-on).")
    @click.option("-d", "--data", "data_files", multiple=True, type=click.Path(exists=True), metavar="PATH",
                  help="JSON/YAML file (or directory of them) merged under `data.` for --policy; repeatable.")
    @click.option("--rego-version", type=click.Choice(("v0", "v1"), case_sensitive=False), default=None,
                  help="Read --policy files as Rego v0 or v1 (default v1, as conftest; `import rego.v1` is v1).")
    @click.option("--combine", is_flag=True,
                  help="Give --policy every input at once: a list of {path, contents}, as conftest --combine.")
    @click.option("--strict-builtin-errors", "--show-builtin-errors", "strict_builtin_errors", is_flag=True,
                  help="A builtin failing in a --policy file (object.get of null) stops the run (exit 2), as "
                       "opa eval --strict-builtin-errors; by default it is undefined, as in OPA and conftest.")
    @click.option("--engine", type=click.Choice(("python", "rego"), case_sensitive=False), default="python",
                  show_default=True,
                  help="Run the built-in rules as Python checks or as their Rego twins.")
    @click.option("--rego-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
                  callback=_finite,
                  help="Stop Rego (loading, compiling and evaluating every policy of the run) after this long, "
                       "with an error naming the rule (default: 600).")
    @click.option("--rego-memory", type=click.IntRange(min=64), default=None, metavar="MIB",
                  help="Stop Rego when its process uses more memory than this (default: 2048).")
    @click.option("--rego-engine", type=click.Choice(("regorus", "regopy", "opa"), case_sensitive=False), default=None,
                  help="Rego engine: regorus (default where installed, else regopy), regopy, or opa (`opa` on PATH).")
    @click.option("--baseline", type=click.Path(dir_okay=False), default=None,
                  help="Report only findings whose fingerprint is not in this baseline.")
    @click.option("--create-baseline", type=click.Path(dir_okay=False), default=None,
                  help="Record the current findings' fingerprints in this file (then exit 0 unless input errors).")
    @click.option("--force", is_flag=True, help="Let --create-baseline replace an existing file.")
    # --live (issue 19): read-only AWS evidence about deleted NAT gateways; see docs/live.md.
    @click.option("--live", is_flag=True,
                  help="Read the AWS account (read-only) about each NAT gateway the plan deletes: route tables "
                       "outside the plan (NAT004), interfaces, traffic. Needs natpolicy[aws].")
    @click.option("--live-role", "live_roles", multiple=True, metavar="ARN",
                  help="With --live: also assume this role and read its account (shared VPCs); repeatable.")
    @click.option("--live-required", is_flag=True,
                  help="With --live: exit 2 when a region or account cannot be read (default: a note).")
    @click.option("--color/--no-color", "colour", default=None,
                  help="Colour the terminal report (default: if a TTY, unless NO_COLOR is set; FORCE_COLOR forces it).")
    @click.option("--compact", is_flag=True, help="Text report: one line per finding, without the detail lines.")
    @click.option("-v", "--verbose", is_flag=True, help="Also print notes (e.g. what could not be evaluated).")
    @click.option("-q", "--quiet", is_flag=True, help="Print nothing but the requested report.")
    @click.option("--progress/--no-progress", "progress", default=None,
                  help="Say on stderr what a run longer than a second is doing (default: unless --quiet, "
                       "and not in pre-commit).")
    @click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
                  help="Read several plans in N worker processes (same output as one; default: one process, "
                       "which has been faster on every host measured).")
    def check(**params: Any) -> int:
        """Check Terraform plan JSON files or Terraform directories (`-` reads stdin).

        PATH may be a plan JSON file, a directory holding plan JSON files, or a
        Terraform configuration directory / .tf files (HCL mode).
        Several plans are checked together, so a route in one plan that points
        at a NAT gateway deleted in another is still caught.
        """
        return _check(**params)

    @cli.command("rules")
    @click.option("-f", "--format", "fmt", type=click.Choice(("text", "json"), case_sensitive=False), default="text",
                  show_default=True)
    def rules(fmt: str) -> int:
        """List every rule with its severity and the resource types it covers."""
        import json

        from natpolicy.registry import discover

        classes = discover()
        if fmt == "json":
            click.echo(json.dumps([
                {"id": c.id, "name": c.name, "severity": c.severity.label, "categories": list(c.categories),
                 "resource_types": list(c.supported_types)} for c in classes
            ], indent=2))
            return 0
        for c in classes:
            click.echo(f"{c.id:<8}{c.severity.label:<9}{c.name}")
        return 0

    @cli.command("explain")
    @click.argument("rule_id")
    def explain(rule_id: str) -> int:
        """Print a rule's documentation: what, why, example and fix."""
        from natpolicy.registry import find

        cls = find(rule_id)
        click.echo(cls.documentation() or f"{cls.id}: {cls.name}")
        return 0

    # `natpolicy hook [OPTION...] -- FILE...`: what .pre-commit-hooks.yaml runs (see precommit.hook_arguments
    # for the `--`). It takes every
    # `check` option; the file names are grouped into Terraform root folders.
    def hook(**params: Any) -> int:
        return _hook(**params)

    cli.add_command(click.Command(
        "hook", callback=hook, hidden=True, help="pre-commit entry point: check the roots of FILE...",
        params=[click.Argument(["paths"], nargs=-1, required=False, metavar="FILE..."),
                click.Option(["--plans"], is_flag=True, help="The files are plan JSON (natpolicy-plan hook)."),
                *(p for p in check.params if p.name != "paths")],
    ))

    @cli.command("events")
    @click.argument("paths", nargs=-1, required=True, metavar="PLAN...", callback=_nonempty_paths)
    @click.option("-f", "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
    def events(paths: tuple[str, ...], fmt: str) -> int:
        """List the AWS API calls (CloudTrail eventSource and eventName) applying the plans will make."""
        from natpolicy.events import planned_events, render_json, render_text
        from natpolicy.loaders.inputs import load_inputs
        from natpolicy.redact import redact
        from natpolicy.safe_text import one_line

        model = load_inputs(list(paths))
        for problem in model.context.load_errors:
            click.echo(one_line(redact(f"natpolicy: error: {problem}")), err=True)
        if model.context.load_errors:
            return 2
        found = planned_events(model)
        click.echo(render_json(found) if fmt == "json" else render_text(found), nl=False)
        return 0

    @cli.command("checkov-dir")
    def checkov_dir() -> int:
        """Print the directory to give `checkov --external-checks-dir` to run natpolicy's rules in Checkov."""
        from natpolicy.checkov_adapter import adapter_dir

        click.echo(str(adapter_dir()))
        return 0

    @cli.command("verify")
    @click.option("-p", "--policy", "policies", multiple=True, type=click.Path(exists=True), default=("policy",),
                  show_default=True, help="Directory or .rego file of policies and their *_test.rego; repeatable.")
    @click.option("-d", "--data", "data_files", multiple=True, type=click.Path(exists=True), metavar="PATH",
                  help="JSON/YAML file (or directory of them) merged under `data.`; repeatable.")
    @click.option("--run", "pattern", default=None, metavar="REGEX",
                  help="Only the tests whose package.rule this regular expression finds (as opa test --run).")
    @click.option("--rego-version", type=click.Choice(("v0", "v1"), case_sensitive=False), default=None,
                  help="Read the files as Rego v0 or v1 (default v1, as conftest).")
    @click.option("--rego-engine", type=click.Choice(("regorus", "regopy", "opa"), case_sensitive=False),
                  default=None, help="Rego engine (default: regorus where installed, else regopy).")
    @click.option("--strict-builtin-errors", "--show-builtin-errors", "strict_builtin_errors", is_flag=True,
                  help="A failing builtin is an error (OPA's strict mode), not undefined.")
    @click.option("-f", "--format", "fmt", type=click.Choice(("text", "json"), case_sensitive=False),
                  default="text", show_default=True)
    @click.option("-v", "--verbose", is_flag=True, help="Also list the tests that pass.")
    def verify(policies: tuple[str, ...], data_files: tuple[str, ...], pattern: str | None, rego_version: str | None,
               rego_engine: str | None, strict_builtin_errors: bool, fmt: str, verbose: bool) -> int:
        """Run the test_ rules of Rego policies and their *_test.rego files, as conftest verify.

        A test passes when its value is true. Exit 0 when every test passes, 1 when one fails or stops with
        an error (each is listed with its line), 2 when the policies cannot run at all.
        """
        from natpolicy.rego.verify import run_tests
        from natpolicy.rego.verify_report import report, verdict

        results, notes = run_tests(policies, data_paths=data_files, rego_version=rego_version or "v1",
                                   engine_name=rego_engine, strict_builtin_errors=strict_builtin_errors,
                                   pattern=pattern)
        click.echo(report(results, notes, fmt, verbose), nl=False)
        return verdict(results)

    @cli.command("export-rego")
    @click.argument("directory", type=click.Path(file_okay=False))
    @click.option("--force", is_flag=True, help="Write into DIRECTORY even though it already holds .rego files.")
    def export_rego(directory: str, force: bool) -> int:
        """Write the built-in rules' Rego v1 twins (with their tests) to DIRECTORY, for conftest or OPA."""
        from natpolicy.rego.twins import export_twins

        for path in export_twins(directory, force=force):
            click.echo(str(path))
        return 0

    return cli


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
