"""Habits from Checkov, conftest and other CLIs: -o FORMAT, case-insensitive choices, NO_COLOR/FORCE_COLOR,
two-line usage errors, --compact."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.flag_habits import colour_wanted, format_named_as_file

HELP_LINE = "Try 'natpolicy check --help' for help."


def _open_ssh_plan(path: Path) -> Path:
    builder = PlanBuilder()
    for name, port in (("ssh", 22), ("app", 8080)):
        builder.create(f"aws_security_group.{name}", {"name": name, "ingress": [
            {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    return builder.write(path)


@pytest.fixture
def plan_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return _open_ssh_plan(tmp_path / "plan.json")


def _usage_error(result, *needles: str) -> str:
    assert result.code == 2 and result.out == "", result
    lines = result.err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: ") and lines[1] == HELP_LINE, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return str(lines[0])


# -- -o FORMAT ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "suggested"), [("sarif", "--format sarif --output FILE"),
                                                  ("SARIF", "--format sarif --output FILE"),
                                                  ("json", "--format json --output FILE"),
                                                  ("junitxml", "--format junit --output FILE"),
                                                  ("cli", "--format text --output FILE")])
def test_o_naming_a_format_is_a_usage_error_that_suggests_format(plan_in_tmp: Path, cli, given: str,
                                                                 suggested: str) -> None:
    _usage_error(cli("check", "plan.json", "-o", given), suggested, f"-o ./{given}")
    assert not (plan_in_tmp.parent / given).exists(), "nothing may be written"


def test_o_naming_another_tools_format_lists_ours(plan_in_tmp: Path, cli) -> None:
    line = _usage_error(cli("check", "plan.json", "-o", "csv"))
    assert "text, json, sarif" in line and "--format FORMAT --output FILE" in line


@pytest.mark.parametrize("target", ["./sarif", "out.sarif", "reports/sarif"])
def test_o_with_a_path_part_is_a_file(plan_in_tmp: Path, cli, target: str) -> None:
    (plan_in_tmp.parent / "reports").mkdir()
    result = cli("check", "plan.json", "-f", "sarif", "-o", target, "-q")
    assert result.code == 1, result.err
    assert json.loads((plan_in_tmp.parent / target).read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_format_names_are_refused_only_as_bare_words() -> None:
    assert format_named_as_file("Markdown") is not None
    assert format_named_as_file("sarif.json") is None
    assert format_named_as_file("report") is None


# -- case-insensitive choices ----------------------------------------------------------------------

def test_choices_are_case_insensitive(plan_in_tmp: Path, cli) -> None:
    sarif = cli("check", "plan.json", "-f", "SARIF", "--fail-on", "HIGH", "--engine", "Python")
    assert sarif.code == 1 and json.loads(sarif.out)["version"] == "2.1.0"
    # HIGH is the threshold: the medium-or-lower 8080 finding alone would pass.
    relaxed = cli("check", "plan.json", "--check", "sg004", "--fail-on", "CRITICAL")
    assert relaxed.code == 0 and "SG004" in relaxed.out and "SG002" not in relaxed.out
    also = cli("check", "plan.json", "--also-output", "JSON=r.json", "-q")
    assert also.code == 1 and json.loads((plan_in_tmp.parent / "r.json").read_text(encoding="utf-8"))["findings"]
    assert cli("rules", "-f", "JSON").code == 0


def test_a_wrong_choice_is_still_refused(plan_in_tmp: Path, cli) -> None:
    _usage_error(cli("check", "plan.json", "--fail-on", "severe"), "'severe' is not one of")


# -- usage errors: two lines -----------------------------------------------------------------------

def test_usage_errors_are_one_line_and_a_help_line(plan_in_tmp: Path, cli) -> None:
    _usage_error(cli("check", "plan.json", "--no-such-flag"), "No such option", "--no-such-flag")
    _usage_error(cli("check"), "Missing argument")
    top = cli("no-such-command")
    assert top.code == 2 and top.err.splitlines()[1:] == ["Try 'natpolicy --help' for help."], top.err


# -- colours -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("explicit", "tty", "env", "expected"), [
    (None, True, {}, True),
    (None, False, {}, False),
    (None, True, {"NO_COLOR": "1"}, False),
    (None, True, {"NO_COLOR": ""}, True),  # an empty NO_COLOR does not count (no-color.org)
    (None, False, {"FORCE_COLOR": "1"}, True),
    (None, False, {"FORCE_COLOR": ""}, False),
    (None, True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    (True, False, {"NO_COLOR": "1"}, True),  # --color wins
    (False, True, {"FORCE_COLOR": "1"}, False),  # --no-color wins
])
def test_colour_wanted(explicit: bool | None, tty: bool, env: dict[str, str], expected: bool) -> None:
    assert colour_wanted(explicit, tty, env) is expected


def test_no_color_and_force_color_reach_the_report(plan_in_tmp: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" not in cli("check", "plan.json").out  # captured stdout is no TTY
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("check", "plan.json").out
    assert "\x1b[" not in cli("check", "plan.json", "--no-color").out
    assert "\x1b[" not in cli("check", "plan.json", "-f", "json").out  # JSON is never coloured
    monkeypatch.setenv("NO_COLOR", "yes")
    assert "\x1b[" not in cli("check", "plan.json").out
    assert "\x1b[" in cli("check", "plan.json", "--color").out


# -- --compact -----------------------------------------------------------------------------------------

def test_compact_is_one_line_per_finding(plan_in_tmp: Path, cli) -> None:
    full = cli("check", "plan.json").out.splitlines()
    compact = cli("check", "plan.json", "--compact").out.splitlines()
    assert any(line.lstrip().startswith("at plan.json:") for line in full)
    finding_lines = [line for line in compact if line.startswith(("SG002", "SG004"))]
    assert len(finding_lines) == 2 and len(compact) == 3, compact  # two findings and the summary
    assert all("(plan.json:" in line for line in finding_lines)
    assert compact[-1] == full[-1]
    assert not any(line.lstrip().startswith("at ") for line in compact)


def test_config_fail_on_is_case_insensitive(plan_in_tmp: Path, cli) -> None:
    (plan_in_tmp.parent / ".natpolicy.yaml").write_text("fail-on: CRITICAL\n", encoding="utf-8")
    assert cli("check", "plan.json").code == 0  # SG002 is high: below CRITICAL
    (plan_in_tmp.parent / ".natpolicy.yaml").write_text("fail-on: Severe\n", encoding="utf-8")
    assert cli("check", "plan.json").code == 2
