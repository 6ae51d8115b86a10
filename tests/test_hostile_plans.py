"""Hostile plan files: every one is a one-line input error or a note, never a traceback, a hang or a guess."""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from conftest import PlanBuilder


def _plan() -> PlanBuilder:
    return PlanBuilder().create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])


def _error(cli, path: Path | str) -> str:  # type: ignore[no-untyped-def]
    result = cli("check", str(path), "--no-progress")
    assert result.code == 2, result.out
    assert "internal error" not in result.err and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert str(path) in lines[0]
    return lines[0]


# -- internal errors that were input errors -------------------------------------

def test_a_number_longer_than_pythons_digit_limit_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.json"
    path.write_text(_plan().dumps()[:-1] + ', "x": ' + "9" * 5000 + "}")
    assert "a number of more than 4,300 digits" in _error(cli, path)


@pytest.mark.parametrize("version", ["\u00b9.0", "\u0661.0", "\uff11.0"], ids=["superscript-one", "arabic-one",
                                                                          "fullwidth-one"])
def test_a_format_version_in_other_digits_is_refused(tmp_path: Path, cli, version: str) -> None:  # type: ignore[no-untyped-def]
    # "¹".isdigit() is true (int() then failed), and int("١") is 1: the plan was silently taken as 1.x.
    path = _plan().write(tmp_path / "p.json")
    doc = json.loads(path.read_text())
    doc["format_version"] = version
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    message = _error(cli, path)
    assert "unreadable plan format_version" in message
    assert version not in message  # shown escaped


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDC00", "\\ud83d x"])
def test_a_lone_surrogate_escape_is_an_input_error(tmp_path: Path, cli, escape: str) -> None:  # type: ignore[no-untyped-def]
    # Every writer failed to encode it (UnicodeEncodeError), in all five formats.
    doc = _plan().dumps(indent=2).replace('"aws_vpc"', f'"aws_vpc{escape}"', 1)
    path = tmp_path / "p.json"
    path.write_text(doc)
    message = _error(cli, path)
    assert "half of a UTF-16 surrogate pair" in message and "at line " in message


def test_a_surrogate_pair_escape_is_a_character(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = _plan().build()
    doc["resource_changes"][0]["change"]["after"]["tags"] = {"Name": "\U0001F600"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))  # ensure_ascii: written as \ud83d\ude00
    assert "\\ud83d" in path.read_text()
    result = cli("check", str(path), "--format", "json", "-q")
    assert result.code in (0, 1), result.err


def test_a_plan_nested_too_deeply_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deep.json"
    path.write_text(_plan().dumps()[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    assert "nested too deeply" in _error(cli, path)


# -- special files ----------------------------------------------------------------

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and sockets are POSIX")


@needs_posix
@pytest.mark.parametrize("kind", ["dev-zero", "dev-urandom", "fifo", "socket", "link-out"])
def test_a_folder_scan_skips_what_is_not_a_regular_file_inside_the_repository(
        tmp_path: Path, cli, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "repo"
    plans = repo / "plans"
    plans.mkdir(parents=True)
    (repo / ".git").mkdir()
    _plan().write(plans / "a.json")
    odd = plans / "x.json"
    bound = None
    if kind == "dev-zero":
        odd.symlink_to("/dev/zero")
    elif kind == "dev-urandom":
        odd.symlink_to("/dev/urandom")
    elif kind == "fifo":
        os.mkfifo(odd)
    elif kind == "socket":
        monkeypatch.chdir(plans)  # AF_UNIX paths are short: bind a relative name
        bound = socket.socket(socket.AF_UNIX)
        bound.bind(odd.name)
    else:
        outside = tmp_path / "secret.json"
        _plan().write(outside)
        odd.symlink_to(outside)
    try:
        # Before: /dev/zero, /dev/urandom and the FIFO hung here forever.
        result = cli("check", str(plans), "--format", "json", "-q")
    finally:
        if bound is not None:
            bound.close()
    assert result.code in (0, 1), result.err
    report = result.json()
    assert report["summary"]["resources"] == 1  # a.json only
    notes = [n for n in report.get("notes", []) if "x.json" in n]
    assert len(notes) == 1 and "not read" in notes[0], report.get("notes")


@needs_posix
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_plan_path_that_is_a_fifo_or_a_device_is_an_input_error(tmp_path: Path, cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    if kind == "fifo":
        os.mkfifo(path)  # no writer: opening it would block forever
    else:
        path.symlink_to("/dev/zero")
    assert "not a regular file" in _error(cli, path)


# -- baselines (read with the same care) ---------------------------------------------

@pytest.mark.parametrize(("content", "problem"), [
    ('{"natpolicy_baseline": 1, "findings": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
    ('{"natpolicy_baseline": ' + "9" * 5000 + ', "findings": []}', "too many digits"),
    ('{"natpolicy_baseline": 1, "findings": [{"rule_id": "SG001", "address": "a.\\ud800"}]}',
     "baseline entry 0: address holds half a UTF-16 surrogate pair"),
    ('{"natpolicy_baseline": "' + "v" * 500 + '", "findings": []}', "unsupported baseline version '" + "v" * 16 + "... (this"),
], ids=["deep", "digits", "surrogate", "long-version"])
def test_a_hostile_baseline_is_one_line(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                       content: str, problem: str) -> None:
    monkeypatch.chdir(tmp_path)
    _plan().write(tmp_path / "plan.json")
    (tmp_path / "base.json").write_text(content, encoding="utf-8")
    result = cli("check", "plan.json", "--baseline", "base.json", "--no-progress")
    assert result.code == 2 and "Traceback" not in result.err and "internal error" not in result.err
    assert result.err.count("\n") == 1
    assert result.err.startswith("natpolicy: error: base.json: ") and problem in result.err, result.err


@needs_posix
def test_a_baseline_that_is_a_device_is_refused_without_hanging(tmp_path: Path, cli,  # type: ignore[no-untyped-def]
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _plan().write(tmp_path / "plan.json")
    (tmp_path / "base.json").symlink_to("/dev/zero")
    result = cli("check", "plan.json", "--baseline", "base.json", "--no-progress")
    assert (result.code, result.err.strip()) == (2, "natpolicy: error: base.json: cannot read the baseline: "
                                                    "not a regular file")
