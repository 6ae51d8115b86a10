"""The output registry: every writer module is registered, the registry drives every format, and
what it writes is what the writer itself renders (so moving the dispatch changed no byte)."""
from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import natpolicy.outputs
from conftest import FIXTURES, CliResult
from natpolicy import app, check
from natpolicy.check import Severity
from natpolicy.outputs import github, gitlab, json_report, junit, markdown, registry, sarif, text
from natpolicy.outputs.severity import sarif_level, security_severity
from natpolicy.runner import RunResult


def _output_modules() -> dict[str, Any]:
    package = natpolicy.outputs
    return {f"{package.__name__}.{info.name}": importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)}


def test_every_writer_module_has_a_registry_line_and_every_line_a_writer() -> None:
    # A writer is a module with a `render` function; helpers (doclinks, severity, redaction) have none.
    writers = {name for name, module in _output_modules().items() if callable(getattr(module, "render", None))}
    registered = {f.module for f in registry.FORMATS}
    assert writers == registered, "add the writer to outputs/registry.py FORMATS (or its module is missing)"
    for output in registry.FORMATS:
        module = importlib.import_module(output.module)
        assert callable(getattr(module, "report", None)), f"{output.module} needs report(result, settings)"
        assert output.extension.startswith(".")
    assert len(set(registry.NAMES)) == len(registry.NAMES)


def test_the_cli_and_also_output_accept_exactly_the_registered_formats(cli: Callable[..., CliResult]) -> None:
    from natpolicy.cli import _cli

    fmt = next(param for param in _cli().commands["check"].params if param.name == "fmt")
    assert tuple(fmt.type.choices) == registry.NAMES == (  # type: ignore[attr-defined]
        "text", "json", "sarif", "github", "markdown", "junit", "gitlab")
    result = cli("check", str(FIXTURES / "plans" / "nat-deleted.json"), "--also-output", "yaml=x.yaml")
    assert result.code == 2
    assert "FORMAT one of text, json, sarif, github, markdown, junit, gitlab; got 'yaml=x.yaml'" in result.err


def test_no_writer_imports_another_writer() -> None:
    writers = {f.module for f in registry.FORMATS}
    for name in writers:
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {f"{node.module}.{alias.name}" for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not (imported & (writers - {name})), f"{name} imports another writer: share through a helper module"


def test_severity_presentation_lives_on_the_output_side() -> None:
    # Rules rank findings; how a rank reads in SARIF is not theirs to know.
    assert not hasattr(check.Severity, "sarif_level") and not hasattr(check.Severity, "security_severity")
    assert [sarif_level(s) for s in Severity] == ["note", "warning", "error", "error"]
    assert [security_severity(s) for s in Severity] == ["2.0", "5.5", "8.0", "9.5"]


def test_a_severity_label_is_its_name_in_lower_case() -> None:
    """``label`` reads a table built from the names: every report prints it, so it must stay the name itself."""
    assert [s.label for s in Severity] == [s.name.lower() for s in Severity] == ["low", "medium", "high", "critical"]
    assert all(Severity.parse(s.label) is s for s in Severity)


def _direct(result: RunResult, fmt: str, colour: bool) -> str:
    """What each writer renders when called by hand with the flags the CLI run below was given."""
    if fmt == "text":
        return text.render(result, colour=colour)
    if fmt == "json":
        return json.dumps(json_report.render(result), indent=2, sort_keys=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif.render(result, category="infra/", include_suppressed=True), indent=2) + "\n"
    if fmt == "github":
        return github.render(result)
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        root = junit.render(result)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    if fmt == "gitlab":
        return json.dumps(gitlab.render(result), indent=2) + "\n"
    assert fmt == "markdown"
    return markdown.render(result, fail_on=Severity.HIGH, soft_fail=True, max_bytes=5000)


@pytest.mark.parametrize("target", ["plans/nat-deleted.json", "plans/nat-consolidated.json", "hcl/ebs", "hcl/flow"])
@pytest.mark.parametrize("fmt", registry.NAMES)
def test_the_registry_path_writes_what_the_writer_renders(cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
                                                        target: str, fmt: str) -> None:
    seen: list[tuple[RunResult, str]] = []
    registry_render = app.render

    def recording(result: RunResult, fmt: str, opts: app.CheckOptions) -> str:
        out = registry_render(result, fmt, opts)
        seen.append((result, out))
        return out

    monkeypatch.setattr(app, "render", recording)
    flags = ["--category", "infra/", "--sarif-include-suppressed", "--fail-on", "high", "--soft-fail",
             "--markdown-max-bytes", "5000", "--color", "--no-progress"]
    result = cli("check", str(FIXTURES / target), "-f", fmt, *flags)
    assert result.code == 0, result.err
    (run, written), = seen
    assert written == _direct(run, fmt, colour=fmt == "text")
    assert result.out == written


def test_the_registry_imports_no_writer_until_one_is_used() -> None:
    # `--version` must stay instant (pre-commit calls it a lot): the CLI reads the format names only when a
    # command runs, and a run imports only the writers it uses.
    import subprocess
    import sys

    code = ("import sys; from natpolicy.cli import main; main(['--version']); "
            "print(sorted(m for m in sys.modules if m.startswith('natpolicy.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.splitlines()[-1].replace("'", '"')))
    assert loaded == {"natpolicy.cli"}, loaded
    assert not loaded & {*(f.module for f in registry.FORMATS), "natpolicy.check", "natpolicy.runner"}, loaded
