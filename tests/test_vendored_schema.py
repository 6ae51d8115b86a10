"""The vendored SARIF schema is the official one, and the validator really checks URIs."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest

from conftest import SARIF_SCHEMA, SHARED_SARIF_SCHEMA

OFFICIAL_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def test_vendored_schema_is_the_official_oasis_file() -> None:
    assert hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest() == OFFICIAL_SHA256


def test_vendored_schema_matches_the_shared_copy() -> None:
    if not SHARED_SARIF_SCHEMA.is_file():
        pytest.skip("../shared/schemas is not available beside the project")
    assert SARIF_SCHEMA.read_bytes() == SHARED_SARIF_SCHEMA.read_bytes()


def _log(uri: str) -> dict[str, Any]:
    location = {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}}
    result = {"ruleId": "X1", "message": {"text": "m"}, "locations": [location]}
    return {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "natpolicy"}}, "results": [result]}]}


def test_validator_rejects_an_invalid_uri(sarif_validator: Any) -> None:
    # An unencoded space is not a URI; GitHub refuses such an upload.
    assert not list(sarif_validator.iter_errors(_log("my%20dir/main.tf")))
    assert list(sarif_validator.iter_errors(_log("my dir/main.tf")))
