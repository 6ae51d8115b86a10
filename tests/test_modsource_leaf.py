"""natpolicy.loaders.modsource is a leaf: it imports nothing of natpolicy's but itself and safe_write, and has no cycles."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "checker" / "loaders" / "modsource"
ALLOWED_THIRD_PARTY = {"hcl2"}


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for file in sorted(PACKAGE.glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):  # function-level imports included
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        graph[file.stem] = names
    return graph


def test_only_itself_safe_write_the_standard_library_and_hcl2() -> None:
    for module, names in _imports().items():
        for name in names:
            top = name.split(".")[0]
            if top == "natpolicy":
                assert name == "natpolicy.safe_write" or name.startswith("natpolicy.loaders.modsource"), (module, name)
            else:
                assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "__future__", (
                    module, name)


def test_no_import_cycles_inside_the_package() -> None:
    prefix = "natpolicy.loaders.modsource."
    graph = {m: {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
             for m, names in _imports().items()}
    graph.pop("__init__", None)
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            assert state.get(nxt) != 1, f"cycle: {' -> '.join([*stack, node, nxt])}"
            if nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def test_the_package_imports_its_network_half_only_when_asked() -> None:
    # The HCL loader asks every module call whether its source is local: that must not
    # import ssl and urllib.request (a quarter of a second) on every run.
    import subprocess
    import sys

    code = ("import sys; from natpolicy.loaders.hcl.modules import is_local_source; "
            "assert is_local_source('./vpc') and is_local_source('..') and not is_local_source('hashicorp/x/aws'); "
            "print(sorted(m for m in ('ssl', 'urllib.request', 'tarfile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    from natpolicy.loaders import modsource

    assert modsource.resolve.__module__ == "natpolicy.loaders.modsource.resolve"  # still exported, lazily
    assert set(modsource.__all__) == set(dir(modsource))
