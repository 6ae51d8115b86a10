"""conftest's raw_regorus drops the engines a test made on the test's own thread.

pyo3 refuses to drop a regorus Engine on another thread than the one that made it ("regoruspy::Engine is
unsendable, but is being dropped on another thread", seen once in CI under pytest-xdist): an engine a
reference cycle holds (a test's frame and an exception's traceback) is otherwise dropped wherever the cycle
collector next runs. Run in a pytest of its own, with the collector off until another thread runs it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("regorus")

_CONFTEST = f"""
import importlib.util
import sys

_spec = importlib.util.spec_from_file_location("natpolicy_test_conftest", {str(Path(__file__).with_name("conftest.py"))!r})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
raw_regorus = _module.raw_regorus
"""
_TESTS = """
import gc
import threading

import regorus

def _cycle(engine):
    gc.disable()  # until the other thread collects
    try:
        raise ValueError("kept")
    except ValueError as exc:
        kept = exc  # its traceback holds this frame, which holds it and the engine: a cycle

def test_a_made(ARGUMENTS):
    _cycle(MAKE)

def test_b_collected_on_another_thread():
    collector = threading.Thread(target=gc.collect)
    collector.start()
    collector.join()
    gc.enable()
"""


def _run(tmp_path: Path, arguments: str, make: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(_CONFTEST)
    (tmp_path / "test_cycle.py").write_text(_TESTS.replace("ARGUMENTS", arguments).replace("MAKE", make))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-o", "addopts=", "-p", "no:xdist", "-W", "error::pytest.PytestUnraisableExceptionWarning",
                           str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, check=False)


def test_an_engine_from_the_fixture_is_dropped_on_the_test_thread(tmp_path: Path) -> None:
    run = _run(tmp_path, "raw_regorus", "raw_regorus()")
    assert run.returncode == 0 and "2 passed" in run.stdout and "unsendable" not in run.stdout, \
        run.stdout[-2000:] + run.stderr[-2000:]


def test_an_engine_made_otherwise_is_dropped_where_the_collector_runs(tmp_path: Path) -> None:
    # The near miss that shows the check can fail: the same cycle, the engine made without the fixture.
    run = _run(tmp_path, "", "regorus.Engine()")
    assert run.returncode == 1 and "unsendable, but is being dropped on another thread" in run.stdout, \
        run.stdout[-2000:] + run.stderr[-2000:]
