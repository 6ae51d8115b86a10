"""The README's two set-up commands are what CI runs, and what they promise holds (issue 18)."""
from __future__ import annotations

import re
import shlex
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / ".ci"))

import readme_commands  # noqa: E402


def commands() -> list[str]:
    return readme_commands.setup_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_first_command_works_on_an_externally_managed_python() -> None:
    # PEP 668: Debian 12, Ubuntu 23.04+ and Homebrew refuse `pip install` outside a virtualenv,
    # and Debian has no `python` command: the first step makes and activates a venv with python3.
    first = commands()[0]
    steps = [step.strip() for step in first.split("&&")]
    assert steps[0] == "python3 -m venv .venv"
    assert steps[1] == ". .venv/bin/activate"
    assert steps[2] == "pip install ."
    check = shlex.split(steps[3])
    assert check[:2] == ["natpolicy", "check"] and (ROOT / check[2]).is_file()


def test_the_second_command_runs_the_suite_in_parallel() -> None:
    assert commands()[1] == "pip install '.[test]' && python -m pytest"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    test_extra = pyproject.split("test = [", 1)[1].split("]", 1)[0]
    assert '"pytest-xdist' in test_extra  # addopts' `-n auto` needs it
    addopts = re.search(r'^addopts = "(.*)"$', pyproject, flags=re.M)
    assert addopts and "-n auto" in addopts.group(1) and "-p no:cacheprovider" in addopts.group(1)


def test_ci_runs_the_readme_commands_exactly() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'readme_install="$(python3 .ci/readme_commands.py 1)"' in ci
    assert 'readme_tests="$(python3 .ci/readme_commands.py 2)"' in ci
    assert ci.count('eval "$readme_tests"') == 2  # in the checkout, and in a clone under the temporary folder
    assert 'eval "$readme_install"' in ci
    extra = re.search(r'^(NATPOLICY_CHECKOV_PARITY=1 .*-m "checkov or index")$', ci, flags=re.M)
    assert extra and "NATPOLICY_INDEX_TESTS=1" in extra.group(1)
    # The README prints CI's extra step word for word, so what CI runs is never a secret.
    assert f"`{extra.group(1)}`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "code"), [(["1"], 0), (["2"], 0), (["3"], 2), (["x"], 2), ([], 2)])
def test_readme_commands_cli(argv: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert readme_commands.main(argv) == code
    out, err = capsys.readouterr()
    if code == 0:
        assert out.strip() == commands()[int(argv[0]) - 1]
    else:
        assert out == "" and err.startswith("usage: ")
