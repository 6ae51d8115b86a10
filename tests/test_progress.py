"""Progress lines on stderr: which steps a check run names, and when a line is printed."""
from __future__ import annotations

import io
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.app import CheckOptions, _execute, progress_enabled
from natpolicy.progress import Progress


class Recording(Progress):
    """A real (silent) Progress that also keeps the name of every step it is given."""

    def __init__(self) -> None:
        super().__init__(enabled=False, label="")
        self.steps: list[str] = []

    def step(self, what: str) -> AbstractContextManager[None]:
        self.steps.append(what)
        return super().step(what)


def _lines(stream: io.StringIO) -> list[str]:
    return [line.split("\u2026")[0] for line in stream.getvalue().splitlines()]


def test_a_plan_run_names_its_reading_checking_and_writing_steps(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plan = PlanBuilder().create("aws_ebs_volume.data", {"size": 8, "encrypted": False})
    plan.create("aws_ebs_volume.logs", {"size": 8, "encrypted": True})
    path = plan.write(tmp_path / "plan.json")
    progress = Recording()
    code = _execute(CheckOptions(paths=[path.name], output="out.sarif", fmt="sarif", quiet=True), progress)
    assert code == 1
    assert progress.steps == ["reading plan.json", "checking 2 resources against 14 rules", "writing 1 finding"]


def test_an_hcl_run_names_the_folders_it_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "infra").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "infra" / "main.tf").write_text('resource "aws_ebs_volume" "v" {\n  size = 8\n}\n', encoding="utf-8")
    progress = Recording()
    _execute(CheckOptions(paths=["infra"], quiet=True), progress)
    assert progress.steps[0] == "reading the Terraform code in infra"


def test_each_step_that_lasts_is_named_once_and_short_ones_stay_silent() -> None:
    stream = io.StringIO()
    with Progress(True, "", after=0.0, every=60.0, stream=stream) as progress:
        for what, seconds in (("reading plan.json (104.5 MB)", 0.8), ("a short step", 0.05),
                              ("checking 50,000 resources against 14 rules", 0.8)):
            with progress.step(what):
                time.sleep(seconds)
    assert _lines(stream) == ["natpolicy: reading plan.json (104.5 MB)",
                              "natpolicy: checking 50,000 resources against 14 rules"]


def test_nothing_is_printed_before_the_run_has_lasted_a_while_or_when_disabled() -> None:
    stream = io.StringIO()
    with Progress(True, "", after=5.0, stream=stream) as progress:
        with progress.step("reading plan.json"):
            time.sleep(0.7)
    with Progress(False, "", after=0.0, stream=stream) as progress:
        with progress.step("reading plan.json"):
            time.sleep(0.7)
    assert stream.getvalue() == ""


def test_a_disabled_progress_starts_no_thread() -> None:
    progress = Progress(False, "")
    with progress, progress.step("x"):
        pass
    assert progress._thread is None


def test_a_disabled_progress_imports_no_threading() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom natpolicy.progress import Progress\n"
            "with Progress(False, '') as p, p.step('x'):\n    pass\nprint('threading' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_a_step_after_close_starts_a_thread_that_stops_at_once() -> None:
    stream = io.StringIO()
    progress = Progress(True, "", after=0.0, stream=stream)
    progress.close()
    with progress.step("late"):
        assert progress._thread is not None
        progress._thread.join(timeout=5)
        assert not progress._thread.is_alive()
    assert stream.getvalue() == ""


@pytest.mark.parametrize(("options", "pre_commit", "enabled"), [
    ({}, False, True),
    ({"quiet": True}, False, False),
    ({}, True, False),  # pre-commit shows a hook's output only at the end
    ({"progress": True, "quiet": True}, True, True),  # --progress wins
    ({"progress": False}, False, False),  # --no-progress (what the GitHub Action passes)
])
def test_when_progress_is_on(options: dict[str, bool], pre_commit: bool, enabled: bool,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    if pre_commit:
        monkeypatch.setenv("PRE_COMMIT", "1")
    else:
        monkeypatch.delenv("PRE_COMMIT", raising=False)
    assert progress_enabled(CheckOptions(paths=["plan.json"], **options)) is enabled


def test_the_github_action_runs_without_progress() -> None:
    from natpolicy.action_run import check_argv, read_inputs

    inputs = read_inputs({"INPUT_PATH": "plan.json"})
    assert "--no-progress" in check_argv(inputs, Path("r.json"), Path("a.txt"), Path("s.md"))


def test_a_step_naming_a_hostile_file_is_one_escaped_line() -> None:
    stream = io.StringIO()
    with Progress(True, "", after=0.0, every=60.0, stream=stream) as progress:
        with progress.step("reading x\n::error::forged\x1b]0;t\x07.json"):
            time.sleep(0.8)
    assert _lines(stream) == ["natpolicy: reading x\\n::error::forged\\e]0;t\\x07.json"]


class _HeldStream(io.StringIO):
    """A stderr whose first write waits until the test lets it finish (a descheduled or slow writer)."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.writing, self.release = threading.Event(), threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        self.release.wait(30)
        return super().write(text)


def test_no_line_about_a_step_lands_after_the_step_has_ended() -> None:
    # The run prints its error line right after its last step ends: a progress line
    # already on its way must be out before then, never after it.
    import threading

    stream = _HeldStream()
    progress = Progress(enabled=True, label="", after=0.0, stream=stream)
    step = progress.step("evaluating data.main.deny")
    step.__enter__()
    assert stream.writing.wait(30)  # the watcher is writing the step's line, and is held there
    ended = threading.Event()
    closer = threading.Thread(target=lambda: (step.__exit__(None, None, None), ended.set()))
    closer.start()
    assert not ended.wait(0.3)  # the step cannot end while its line is half written
    stream.release.set()
    assert ended.wait(30)
    closer.join()
    written = stream.getvalue()
    stream.write("natpolicy: error: the run's last line\n")
    time.sleep(0.3)  # three of the watcher's ticks: nothing more may follow the error
    progress.close()
    assert stream.getvalue() == written + "natpolicy: error: the run's last line\n"
    assert written.startswith("natpolicy: evaluating data.main.deny\u2026")
