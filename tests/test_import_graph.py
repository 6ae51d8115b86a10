"""natpolicy's own modules: no import cycles and no cross-package ``_private`` imports (issue 15).

A self-contained AST walk over checker/ and policies/ (installed as
``natpolicy`` and ``natpolicy.policies``) that counts imports made inside
functions too: a lazy import still ties two modules together.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"natpolicy": ROOT / "checker", "natpolicy.policies": ROOT / "policies"}

# None are allowed: a new cycle or private import must be designed away, not listed here.
KNOWN_CYCLES: list[set[str]] = []
KNOWN_PRIVATE: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in SOURCES.items():
        for file in sorted(folder.rglob("*.py")):
            parts = list(file.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = file
    return found


def _imports(name: str, file: Path, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every import in ``file``, at any depth."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                out.append((submodule, None) if submodule in modules else (base, alias.name))
    return [(target, taken) for target, taken in out if target in modules]


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[tuple[str, str]] = []
    for name, file in modules.items():
        for target, taken in _imports(name, file, modules):
            if target == name:
                continue
            graph[name].add(target)
            # A private name of a sibling module (hcl.traversal using hcl.expr's) stays inside its package.
            same_package = name.rpartition(".")[0] == target.rpartition(".")[0]
            if taken is not None and taken.startswith("_") and not taken.startswith("__") and not same_package:
                private.append((name, f"{target}.{taken}"))
            hidden = [i for i, part in enumerate(target.split(".")) if part.startswith("_")
                      and not part.startswith("__")]
            if hidden:
                owner = ".".join(target.split(".")[: hidden[0]])  # the package the private module belongs to
                if name != owner and not name.startswith(owner + "."):
                    private.append((name, target))
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_walker_sees_the_package() -> None:
    graph, _ = _graph()
    assert "natpolicy.loaders.inputs" in graph and "natpolicy.policies" in graph
    assert "natpolicy.loaders.classify" in graph["natpolicy.loaders.inputs"]


def test_no_import_cycles_lazy_imports_included() -> None:
    graph, _ = _graph()
    cycles = [sorted(c) for c in _cycles(graph) if c not in KNOWN_CYCLES]
    assert cycles == []


def test_no_cross_module_private_imports() -> None:
    _, private = _graph()
    assert sorted(set(private) - KNOWN_PRIVATE) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
