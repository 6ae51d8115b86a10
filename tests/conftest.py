"""Shared test helpers: the plan builder, the real SARIF schema, the CLI."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
# Vendored (tests/schemas/SOURCES.md) so SARIF is validated even without ../shared.
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
SHARED_SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
CORPUS = SHARED / "corpus"

sys.path.insert(0, str(FIXTURES))

from planbuilder import PlanBuilder  # noqa: E402


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``natpolicy`` in-process: ``cli("check", "plan.json", stdin="...")``."""
    from natpolicy.cli import main

    def invoke(*args: str, stdin: str | bytes | None = None) -> CliResult:
        if stdin is not None:
            import io

            data = stdin.encode() if isinstance(stdin, str) else stdin
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def plan() -> PlanBuilder:
    return PlanBuilder()


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[[PlanBuilder, str], Path]:
    def write(builder: PlanBuilder, name: str = "plan.json") -> Path:
        return builder.write(tmp_path / name)

    return write


@pytest.fixture(scope="session", autouse=True)
def _own_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """HCL parse trees are cached under the user's cache directory; tests keep their own."""
    import os

    old = os.environ.get("NATPOLICY_CACHE_DIR")
    os.environ["NATPOLICY_CACHE_DIR"] = str(tmp_path_factory.mktemp("hcl-parse-cache"))
    yield
    if old is None:
        os.environ.pop("NATPOLICY_CACHE_DIR", None)
    else:
        os.environ["NATPOLICY_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=_uri_format_checker())


def _uri_format_checker() -> Any:
    """Draft 4 knows no ``uri-reference`` format, which SARIF uses for every
    ``artifactLocation.uri``; GitHub refuses an upload whose URIs are not valid
    (an unencoded space, say), so the tests check it with rfc3986-validator."""
    import jsonschema
    from rfc3986_validator import validate_rfc3986

    checker = jsonschema.FormatChecker()

    @checker.checks("uri-reference")
    def _is_uri_reference(instance: object) -> bool:
        return not isinstance(instance, str) or validate_rfc3986(instance, rule="URI_reference") is not None

    @checker.checks("uri")
    def _is_uri(instance: object) -> bool:
        return not isinstance(instance, str) or validate_rfc3986(instance, rule="URI") is not None

    return checker


def assert_valid_sarif(validator: Any, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    for run in log["runs"]:
        for result in run["results"]:
            # GitHub rejects uploads where a result lacks a physical location.
            assert len(result["locations"]) == 1
            loc = result["locations"][0]
            artifact = loc["physicalLocation"]["artifactLocation"]
            assert artifact["uri"]
            if artifact["uri"].startswith("file:"):
                # A file outside the repository (and the working directory): absolute, with no base.
                assert "uriBaseId" not in artifact and artifact["uri"].startswith("file:///"), artifact
            else:
                # Relative to %SRCROOT%, and never climbing above it.
                assert not artifact["uri"].startswith(("/", "../")) and "/../" not in artifact["uri"], artifact
            assert loc["physicalLocation"]["region"]["startLine"] >= 1
            assert loc["logicalLocations"][0]["kind"] == "resource"
            assert loc["logicalLocations"][0]["fullyQualifiedName"]
            assert result["partialFingerprints"]["primaryLocationLineHash"]


def findings_of(builder: PlanBuilder, *rules: str) -> list[tuple[str, str]]:
    """(rule, address) pairs the given rules report on a built plan."""
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    classes = registry.select(registry.discover(), rules)
    result = run(model, registry.instantiate(classes))
    assert not result.errors, result.errors
    return sorted((f.rule_id, f.address) for f in result.findings)


def run_rules(builder: PlanBuilder, *rules: str) -> Any:
    """The full RunResult, for asserting on messages and details."""
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    return run(model, registry.instantiate(registry.select(registry.discover(), rules)))


def same(got: Any, expected: Any) -> bool:
    """Equal values of the same kinds all the way down (a list is not a tuple)."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in expected)
    return bool(got == expected)
