"""The installed package ships every engine module, policy, rule doc and Rego file.

CI installs natpolicy with a plain ``pip install .`` (as pre-commit does), so
this compares the installed tree with the source tree file by file.
"""
from __future__ import annotations

from pathlib import Path

import natpolicy
import natpolicy.policies
from conftest import ROOT

SHIPPED = ("*.py", "*.md", "*.rego", "*.json")


def _files(base: Path) -> set[str]:
    out: set[str] = set()
    for pattern in SHIPPED:
        for path in base.rglob(pattern):
            if "__pycache__" not in path.parts:
                out.add(path.relative_to(base).as_posix())
    return out


def test_every_policy_file_is_installed() -> None:
    installed = Path(natpolicy.policies.__file__).parent
    assert _files(ROOT / "policies") <= _files(installed)


def test_every_engine_file_is_installed() -> None:
    installed = Path(natpolicy.__file__).parent
    source = {f for f in _files(ROOT / "checker")}
    assert source <= _files(installed)
