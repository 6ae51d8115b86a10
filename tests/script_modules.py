"""The maintainer's scripts under ``scripts/``, loaded by path for their tests (the folder is no package)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str) -> Any:
    """The module ``scripts/<name>.py``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_differential(argv: list[str]) -> int:
    """``rego_differential.main(argv)``, with ``sys.path`` put back after it (main puts scripts/ and tests/ first,
    as its command line needs)."""
    saved = list(sys.path)
    try:
        return int(load_script("rego_differential").main(argv))
    finally:
        sys.path[:] = saved
