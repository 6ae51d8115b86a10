"""Module layout rules: no module over 600 lines without a stated reason; the HCL function registry is a leaf."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The source folders and the package name each installs as (see [tool.setuptools] in pyproject.toml).
SOURCES = ((ROOT / "checker", "natpolicy"), (ROOT / "policies", "natpolicy.policies"))
MAX_LINES = 600
# A long module says why in its docstring, on a line of its own starting with this.
REASON = "Longer than 600 lines because"
REGISTRY = "natpolicy.loaders.hcl.functions.registry"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for base, package in SOURCES:
        for file in sorted(base.rglob("*.py")):
            parts = [p for p in file.relative_to(base).with_suffix("").parts if p != "__init__"]
            out[".".join([package, *parts])] = file
    return out


def _imports(name: str, file: Path, known: dict[str, Path]) -> set[str]:
    """The natpolicy modules ``name`` imports, function-level imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        targets: list[tuple[str, str | None]] = []
        if isinstance(node, ast.Import):
            targets = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            targets = [(base, alias.name) for alias in node.names]
        for base, member in targets:
            full = f"{base}.{member}" if member else base
            if full in known:  # `from natpolicy.loaders.hcl import budget` imports the module natpolicy.loaders.hcl.budget
                found.add(full)
            elif base in known:
                found.add(base)
    return found


def _long_without_reason() -> list[str]:
    out = []
    for file in _modules().values():
        source = file.read_text(encoding="utf-8")
        if len(source.splitlines()) <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if not any(line.strip().startswith(REASON) for line in docstring.splitlines()):
            out.append(f"{file.relative_to(ROOT)} ({len(source.splitlines())} lines)")
    return out


def test_every_module_over_600_lines_states_why() -> None:
    assert _long_without_reason() == [], (
        f"split these modules, or add a docstring line starting with {REASON!r} that says why not")


def test_the_reason_check_catches_a_long_module_without_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check itself, on a made-up tree: a long module without the marker is named, one with it is not.
    (tmp_path / "checker").mkdir()
    (tmp_path / "policies").mkdir()
    body = "x = 1\n" * (MAX_LINES + 1)
    (tmp_path / "checker" / "long.py").write_text('"""Long."""\n' + body, encoding="utf-8")
    (tmp_path / "checker" / "said.py").write_text(f'"""Long.\n\n{REASON} it must be.\n"""\n' + body, encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "SOURCES", ((tmp_path / "checker", "natpolicy"),
                                               (tmp_path / "policies", "natpolicy.policies")))
    assert _long_without_reason() == [f"{Path('checker') / 'long.py'} ({MAX_LINES + 2} lines)"]


def test_the_function_registry_is_a_leaf() -> None:
    """Nothing the registry imports imports it back, so the evaluator and every
    function module can import it without a cycle."""
    modules = _modules()
    graph = {name: _imports(name, file, modules) for name, file in modules.items()}
    assert REGISTRY in graph
    for start in sorted(graph[REGISTRY]):
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph[todo.pop()]:
                assert nxt != REGISTRY, f"{REGISTRY} imports {start}, which imports it back"
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
