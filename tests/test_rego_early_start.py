"""The Rego child of a run with --policy: its process spawned before the inputs are read (stage.spawn_child), and
given its job before the loaders read the plans (stage.start_early) where it can: the same answers and the same
errors, in the same order, as when it starts after them; a process whose job never comes is ended."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder
from natpolicy.errors import InputError

Cli = Callable[..., CliResult]
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""
READS_DATA = """package main

import rego.v1

deny contains msg if {
	some address, _ in data.natpolicy.resources_after
	msg := sprintf("%s is known", [address])
}
"""


def _inputs(tmp_path: Path, policy: str = POLICY) -> tuple[Path, Path]:
    builder = PlanBuilder()
    builder.create("aws_instance.web", {"ami": "ami-1", "tags": {}}, unknown=["id"])
    plan = builder.write(tmp_path / "plan.json")
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "p.rego").write_text(policy, encoding="utf-8")
    return plan, folder


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every RunningChild the run starts, and whether the loaders had run when each started."""
    from natpolicy.loaders import inputs as loader_inputs
    from natpolicy.rego import sandbox

    started: list[Any] = []
    loaded: list[bool] = []
    real_init, real_load = sandbox.RunningChild.__init__, loader_inputs.load_inputs

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.after_load = bool(loaded)
        started.append(self)

    def load(*args: Any, **kwargs: Any) -> Any:
        loaded.append(True)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(sandbox.RunningChild, "__init__", init)
    monkeypatch.setattr(loader_inputs, "load_inputs", load)
    return started


def _late(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child gets its job after the loaders, as before start_early (its process spawned ahead, held)."""
    from natpolicy.rego import stage

    monkeypatch.setattr(stage, "start_early", lambda opts, spawned=None: stage.Early(spawned))


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every child process the run spawns (sandbox._spawn), with or without its job."""
    from natpolicy.rego import sandbox

    spawned: list[Any] = []
    real = sandbox._spawn

    def spawn(engine: str) -> Any:
        process = real(engine)
        spawned.append(process[0])
        return process

    monkeypatch.setattr(sandbox, "_spawn", spawn)
    return spawned


def test_the_child_starts_before_the_loaders_with_the_same_answers(cli: Cli, tmp_path: Path, children: list[Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("regorus")
    plan, policy = _inputs(tmp_path)
    early = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    assert [c.after_load for c in children] == [False]  # one child, started before the plan was loaded
    assert children[0]._proc.poll() is not None  # and ended with the run
    _late(monkeypatch)
    late = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    assert [c.after_load for c in children] == [False, True]
    assert (early.code, early.json()["findings"]) == (late.code, late.json()["findings"])
    assert any("has no Owner tag" in f["message"] for f in early.json()["findings"])


def test_a_policy_reading_data_natpolicy_starts_after_the_loaders(cli: Cli, tmp_path: Path,
                                                                 children: list[Any]) -> None:
    pytest.importorskip("regorus")
    plan, policy = _inputs(tmp_path, READS_DATA)
    result = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    assert [c.after_load for c in children] == [True]  # data.natpolicy is built from the loaded model
    assert any("aws_instance.web is known" in f["message"] for f in result.json()["findings"])


def test_errors_keep_their_order_when_the_early_start_fails(cli: Cli, tmp_path: Path, children: list[Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("regorus")
    plan, policy = _inputs(tmp_path, "package main\n\ndeny contains msg if {\n")  # does not parse
    plan.write_text('{"format_version": "1.2", "resource_changes": [{"address": 3}]}', encoding="utf-8")
    early = cli("check", str(plan), "--policy", str(policy), "--no-progress")
    assert children == []  # the policy failed to load: nothing started early, the plan's error comes first
    _late(monkeypatch)
    late = cli("check", str(plan), "--policy", str(policy), "--no-progress")
    assert (early.code, early.err) == (late.code, late.err)
    assert early.code == 2


def test_the_early_child_is_stopped_when_the_loaders_fail(cli: Cli, tmp_path: Path, children: list[Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("regorus")
    from natpolicy.loaders import inputs as loader_inputs

    plan, policy = _inputs(tmp_path)

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise InputError(str(plan), "cannot be read")

    monkeypatch.setattr(loader_inputs, "load_inputs", failing)
    result = cli("check", str(plan), "--policy", str(policy), "--no-progress")
    assert result.code == 2 and "cannot be read" in result.err
    assert len(children) == 1 and children[0]._proc.poll() is not None  # killed, not left running


def test_a_policy_reading_data_natpolicy_gets_the_process_spawned_ahead(cli: Cli, tmp_path: Path, children: list[Any],
                                                                       processes: list[Any]) -> None:
    pytest.importorskip("regorus")
    plan, policy = _inputs(tmp_path, READS_DATA)
    result = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    assert result.code in (0, 1) and len(processes) == 1  # one process: spawned before the loaders, job after them
    assert [c.after_load for c in children] == [True] and children[0]._proc is processes[0]


def test_a_spawned_process_is_ended_when_the_run_fails_before_its_job(cli: Cli, tmp_path: Path, children: list[Any],
                                                                     processes: list[Any]) -> None:
    pytest.importorskip("regorus")
    plan, policy = _inputs(tmp_path, "package main\n\ndeny contains msg if {\n")  # does not parse
    result = cli("check", str(plan), "--policy", str(policy), "--no-progress")
    assert result.code == 2 and children == []  # the policy's error: no job was given
    assert len(processes) == 1 and processes[0].poll() is not None  # the process spawned ahead: ended, reaped


@pytest.mark.parametrize("policy_text", [POLICY, READS_DATA], ids=["early", "after-the-loaders"])
def test_a_run_chooses_its_engine_once(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       policy_text: str) -> None:
    """The process spawned ahead keeps the engine's choice, which the stage's setup takes (choosing again read the
    installed versions again: about 0.6 ms a run), with the same findings."""
    pytest.importorskip("regorus")
    from natpolicy.rego import engines

    plan, policy = _inputs(tmp_path, policy_text)
    before = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    calls: list[str | None] = []
    real = engines.choose_engine

    def counted(requested: str | None) -> tuple[str, list[str]]:
        calls.append(requested)
        return real(requested)

    monkeypatch.setattr(engines, "choose_engine", counted)
    result = cli("check", str(plan), "--policy", str(policy), "--format", "json", "--no-progress")
    assert calls == [None]
    assert (result.code, result.json()["findings"]) == (before.code, before.json()["findings"])
    assert result.code == 1


@pytest.mark.parametrize("policy_text", [POLICY, READS_DATA], ids=["early", "after-the-loaders"])
def test_the_fallbacks_note_is_reported_once_from_the_choice_kept(cli: Cli, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  policy_text: str) -> None:
    from natpolicy.rego import engines

    if "regopy" not in engines.installed_engines():
        pytest.skip("regopy is not installed here")
    # A regorus of another version is not the one verified: as if its wheel did not install.
    monkeypatch.setitem(engines.ENGINES, "regorus", ("gordon-to-regorus", "0.0.1"))
    plan, policy = _inputs(tmp_path, policy_text)
    result = cli("check", str(plan), "--policy", str(policy), "--no-progress")
    assert result.code == 1, result.err
    notes = [line for line in (result.out + result.err).splitlines() if "Rego runs on regopy" in line]
    assert len(notes) == 1 and "gordon-to-regorus==0.0.1" in notes[0]
