"""Every real plan in ../shared/corpus: exit 0 or 1, valid SARIF, both locations."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, assert_valid_sarif

PLANS = sorted(p for p in CORPUS.glob("**/*.json")) if CORPUS.is_dir() else []


def test_corpus_is_present_or_skipped() -> None:
    if not PLANS:
        pytest.skip("../shared/corpus is not available beside the project")
    assert len(PLANS) >= 199


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_plan(plan: Path, tmp_path: Path, cli, sarif_validator) -> None:
    out = tmp_path / "out.sarif"
    result = cli("check", str(plan), "--format", "sarif", "--output", str(out), "-q")
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err
    log = json.loads(out.read_text(encoding="utf-8"))
    assert_valid_sarif(sarif_validator, log)
    for res in log["runs"][0]["results"]:
        # Both locations, on every result: GitHub needs the physical one, the alert the logical one.
        assert len(res["locations"]) == 1
        loc = res["locations"][0]
        physical = loc["physicalLocation"]
        assert physical["artifactLocation"]["uri"] and not physical["artifactLocation"]["uri"].startswith("/")
        assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1
        logical = loc["logicalLocations"][0]
        assert logical["kind"] == "resource"
        assert logical["fullyQualifiedName"] in res["message"]["text"]
