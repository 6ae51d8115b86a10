"""``natpolicy.check_argv`` reads a ``check`` command line into exactly what click passes the callback, or declines.

Each accepted line is read both ways (the quick reader, and click's own ``check`` command with the
callback captured) and the keyword arguments must be equal; each declined line (help, options the
reader leaves to click, values click refuses or would convert) must come back ``None``, so click reads it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from natpolicy import cli
from natpolicy.check_argv import COMPLETE_VAR, quick_check_params, quick_hook_params

PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "plans" / "nat-deleted.json"


def _click_params(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    def capture(**params: Any) -> int:
        seen.append(params)
        return 0
    monkeypatch.setattr(cli, "_check", capture)
    monkeypatch.setattr(cli, "_hook", capture)
    cli._cli().main(args=args, prog_name="natpolicy", standalone_mode=False)  # noqa: SLF001
    assert len(seen) == 1
    return seen[0]


@pytest.fixture()
def places(tmp_path: Path) -> dict[str, str]:
    existing = tmp_path / "report.sarif"
    existing.write_text("old")
    config = tmp_path / "natpolicy.yaml"
    config.write_text("fail-on: high\n")
    return {"file": str(existing), "new": str(tmp_path / "new" / "out.sarif"), "config": str(config),
            "folder": str(tmp_path)}


ACCEPTED = [
    ["check", "plan.json"],
    ["check", "-"],
    ["check", "a.json", "b.json", "-q", "c.json"],
    ["check", "plan.json", "--format", "sarif", "--output", "{new}"],
    ["check", "plan.json", "-f", "SARIF", "-o", "{file}", "--no-progress"],
    ["check", "plan.json", "--format=Json", "--output={file}", "--fail-on=HIGH"],
    ["check", "plan.json", "--fail-on", "medium", "--soft-fail", "--no-fail", "--compact", "-v", "--verbose"],
    ["check", "plan.json", "--color", "--no-color", "--progress", "--quiet", "--skip-invalid"],
    ["check", "plan.json", "--no-color", "--color", "--no-progress", "--progress", "--sarif-include-suppressed"],
    ["check", "plan.json", "-c", "SG001", "--check", "NAT,FLOW", "--check=EBS001", "--skip-check", "SG002",
     "--skip-check=x"],
    ["check", "plan.json", "--category", "natpolicy/prod", "--category=other"],
    ["check", "plan.json", "--config", "{config}", "--baseline", "{new}", "--source-root", "{folder}"],
    ["check", "plan.json", "--config={config}", "--source-root={new}", "--format", "markdown", "--format", "text"],
    ["check", "plan.json", "-o", "./sarif", "-o", "out.sarif"],
    # A run with user policies: every existing, readable path kept in order, files and folders alike.
    ["check", "plan.json", "-p", "{folder}", "--policy", "{config}", "--policy={file}", "--rego-engine", "REGOPY"],
    ["check", "plan.json", "--rego-engine=opa", "--rego-engine", "regorus", "-p", "{config}"],
]

DECLINED = [
    ["check"],  # no path: click's "Missing argument"
    ["check", "-q"],
    ["check", ""],  # the callback refuses an empty path
    ["check", "plan.json", ""],
    ["check", "plan.json", "--"],
    ["check", "--", "plan.json"],
    ["check", "plan.json", "--help"],
    ["check", "plan.json", "-h"],
    ["check", "plan.json", "-vq"],
    ["check", "plan.json", "-fsarif"],
    ["check", "plan.json", "--quiet=1"],
    ["check", "plan.json", "--colour"],
    ["check", "plan.json", "--form", "sarif"],
    ["check", "plan.json", "--format"],
    ["check", "plan.json", "--format="],
    ["check", "plan.json", "--format", "bogus"],
    ["check", "plan.json", "--format", "-q"],
    ["check", "plan.json", "--category", "-x"],
    ["check", "plan.json", "--category="],
    ["check", "plan.json", "--fail-on", "severe"],
    ["check", "plan.json", "-o", "sarif"],  # the --output callback: a format named as a file
    ["check", "plan.json", "-o", "checkstyle"],
    ["check", "plan.json", "--output", "{folder}"],  # a directory
    ["check", "plan.json", "--config", "{folder}"],
    ["check", "plan.json", "--baseline", "{folder}"],
    ["check", "plan.json", "--source-root", "{file}"],  # a file
    ["check", "plan.json", "--var", "x=1"],
    ["check", "plan.json", "--policy", "policy"],  # no such path: click's "does not exist"
    ["check", "plan.json", "-p", "{new}"],
    ["check", "plan.json", "-p"],
    ["check", "plan.json", "-p", "-"],
    ["check", "plan.json", "-p{config}"],
    ["check", "plan.json", "--rego-engine", "bogus"],
    ["check", "plan.json", "--rego-engine="],
    ["check", "plan.json", "--jobs", "2"],
    ["check", "plan.json", "--engine", "rego"],
    ["check", "plan.json", "--live"],
    ["check", "plan.json", "--also-output", "sarif=x.sarif"],
    ["rules"],
    ["hook", "--", "main.tf"],
    ["--version"],
]


# The pre-commit hook's lines, as precommit.hook_arguments leaves them: options, one "--", the files.
HOOK_ACCEPTED = [
    ["hook", "--"],
    ["hook", "--", "main.tf", "modules/vpc/nat.tf", "-", "", "--", "-x"],
    ["hook", "--plans", "--", "plan.json"],
    ["hook", "--fail-on", "high", "--staged", "-q", "--", "main.tf"],
    ["hook", "stray.tf", "--format=sarif", "--output", "{new}", "--", "main.tf"],
    ["hook", "--plans", "--plans", "-c", "NAT", "--skip-check=SG001", "--no-progress", "--"],
    ["hook", "--policy", "{folder}", "--rego-engine", "regopy", "--", "main.tf"],
]
HOOK_DECLINED = [
    ["hook", "--help", "--"],
    ["hook", "--var", "a=1", "--", "main.tf"],
    ["hook", "--fail-on", "--", "main.tf"],  # "--" would be the option's value
    ["hook", "-o", "sarif", "--", "main.tf"],
    ["hook", "--plans=1", "--"],
    ["check", "--plans", "plan.json"],
]


@pytest.mark.parametrize("args", HOOK_ACCEPTED, ids=" ".join)
def test_an_accepted_hook_line_is_read_as_click_reads_it(args: list[str], places: dict[str, str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    args = _filled(args, places)
    quick = quick_hook_params(args)
    assert quick is not None
    assert quick == _click_params(args, monkeypatch)


@pytest.mark.parametrize("args", HOOK_DECLINED, ids=" ".join)
def test_a_hook_line_click_must_read_is_declined(args: list[str], places: dict[str, str]) -> None:
    args = _filled(args, places)
    assert (quick_hook_params(args) if args[0] == "hook" else quick_check_params(args)) is None


def test_the_hook_defaults_are_its_callbacks_parameters() -> None:
    quick = quick_hook_params(["hook", "--"])
    assert quick is not None and set(quick) == {p.name for p in cli._cli().commands["hook"].params}  # noqa: SLF001


def _filled(args: list[str], places: dict[str, str]) -> list[str]:
    return [arg.format(**places) for arg in args]


@pytest.mark.parametrize("args", ACCEPTED, ids=" ".join)
def test_an_accepted_line_is_read_as_click_reads_it(args: list[str], places: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    args = _filled(args, places)
    quick = quick_check_params(args)
    assert quick is not None
    assert quick == _click_params(args, monkeypatch)


@pytest.mark.parametrize("args", DECLINED, ids=" ".join)
def test_a_line_click_must_read_is_declined(args: list[str], places: dict[str, str]) -> None:
    assert quick_check_params(_filled(args, places)) is None


def test_an_unwritable_or_unreadable_output_is_left_to_click(places: dict[str, str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write and read any file")
    locked = Path(places["file"])
    locked.chmod(0o400)
    assert quick_check_params(["check", "plan.json", "-o", str(locked)]) is None
    locked.chmod(0o200)
    assert quick_check_params(["check", "plan.json", "--config", str(locked)]) is None


def test_shell_completion_is_left_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COMPLETE_VAR, "bash_complete")
    assert quick_check_params(["check", "plan.json"]) is None


def test_the_defaults_are_the_callbacks_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parameter of click's ``check`` command, and nothing else, with the value click gives when unset."""
    quick = quick_check_params(["check", "plan.json"])
    assert quick is not None and set(quick) == {p.name for p in cli._cli().commands["check"].params}  # noqa: SLF001


def test_a_plan_run_read_quickly_does_not_import_click(tmp_path: Path) -> None:
    probe = ("import sys; from natpolicy.cli import main; code = main(sys.argv[1:]); "
             "sys.stderr.write(f'click loaded: {\"click\" in sys.modules}, exit {code}')")
    done = subprocess.run([sys.executable, "-c", probe, "check", str(PLAN), "--format", "sarif", "--output",
                           str(tmp_path / "plan.sarif"), "--no-progress"], capture_output=True, text=True, check=False)
    assert done.stderr.endswith("click loaded: False, exit 1"), done.stderr
    assert "NAT001" in done.stdout and (tmp_path / "plan.sarif").read_text().startswith("{")


@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
def test_the_report_is_written_as_click_echo_writes_it(encoding: str) -> None:
    """``app._echo`` against ``click.echo``: plain, escapes with and without colour, empty, non-ASCII."""
    texts = ["plain report\n", "\x1b[31mred\x1b[0m and \x1b[1mbold\n", "", "caf\u00e9 \u2192 na\u00efve\n", "x"]
    probe = ("import sys, click; from natpolicy import app\n"
             "texts = " + repr(texts) + "\n"
             "for text in texts:\n"
             "    for colour in (False, True):\n"
             "        (click.echo(text, nl=False, color=colour) if sys.argv[1] == 'click' else app._echo(text, colour))\n"
             "        sys.stdout.write('|')\n")
    outputs = [subprocess.run([sys.executable, "-c", probe, side], capture_output=True, check=False,
                              env={**os.environ, "PYTHONIOENCODING": encoding}) for side in ("click", "app")]
    assert outputs[0].returncode == outputs[1].returncode
    assert outputs[0].stdout == outputs[1].stdout
    # (latin-1 cannot hold the arrow: both raise the same error there)
    assert outputs[0].stderr.splitlines()[-1:] == outputs[1].stderr.splitlines()[-1:]
