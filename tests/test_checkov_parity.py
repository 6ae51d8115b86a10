"""natpolicy against the real Checkov 3.3.30: every disagreement must be documented.

Checkov runs in its own virtualenv (``benchmarks/checkov-env``; its
``hcl2`` module clashes with natpolicy's). The venv is created once and
reused: point ``NATPOLICY_CHECKOV_VENV`` at a cached directory in CI. When it
cannot be created (no package registry) these tests skip and say why; set
``NATPOLICY_SKIP_CHECKOV=1`` to skip them on purpose.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import parity  # noqa: E402


@pytest.fixture(scope="module")
def checkov() -> Path:
    if os.environ.get("NATPOLICY_SKIP_CHECKOV"):
        pytest.skip("NATPOLICY_SKIP_CHECKOV is set")
    try:
        return parity.ensure_checkov()
    except RuntimeError as exc:
        pytest.skip(f"Checkov's venv cannot be created, so parity is not checked: {exc}")


@pytest.fixture(scope="module")
def small_outcome(checkov: Path) -> Any:
    # The parity fixtures, natpolicy's example plans and Checkov's own plan
    # fixtures: about 25 inputs, one Checkov run for all plans (a few seconds).
    return parity.compare(parity.inputs("small"))


def test_small_set_has_no_undocumented_disagreement(small_outcome: Any) -> None:
    undocumented = [f"{r.input}: {r.address} {r.question}: Checkov {r.checkov}, natpolicy {r.natpolicy}"
                    for r in small_outcome.undocumented]
    assert not undocumented, "undocumented disagreements (add a cause and a fixture, or fix natpolicy):\n" + \
        "\n".join(undocumented)
    assert not small_outcome.errors, small_outcome.errors


def test_both_tools_agree_on_the_controls(small_outcome: Any) -> None:
    # Agreement must be real: both tools fail the control resources of the
    # proof fixtures, so a tool that passed everything would not slip through.
    assert sum(small_outcome.agree_fail.values()) >= 10
    rows = {(r.input, r.address) for r in small_outcome.rows}
    assert not [key for key in rows if key[1].endswith(".control")]


@pytest.mark.parametrize("cause", [c for c in parity.CAUSES], ids=lambda c: c.id)
def test_each_cause_is_proved_by_its_fixture(small_outcome: Any, cause: Any) -> None:
    fixture = (parity.PARITY_FIXTURES / cause.fixture).relative_to(ROOT).as_posix()
    found = {(r.question, r.address) for r in small_outcome.rows if r.input == fixture and r.cause == cause.id}
    missing = set(cause.proves) - found
    if cause.right == "checkov" and missing:
        pytest.fail(f"natpolicy bug {cause.id} no longer shows on {fixture}: it looks fixed; "
                    "delete the cause and its fixture")
    assert not missing, f"{fixture} no longer shows {sorted(missing)} as {cause.id} (Checkov changed?)"
    # And nothing else in the fixture disagrees.
    others = [r for r in small_outcome.rows if r.input == fixture and (r.question, r.address) not in cause.proves]
    assert not others, others


def test_parity_fixtures_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "fixtures" / "parity" / "build.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_every_cause_has_its_fixture_on_disk() -> None:
    for cause in parity.CAUSES:
        assert (parity.PARITY_FIXTURES / cause.fixture).exists(), cause.fixture
    assert len({c.id for c in parity.CAUSES}) == len(parity.CAUSES)


@pytest.mark.parametrize(("key", "port", "expected"), [
    ("all:ipv4", 22, True),
    ("all:ipv6", None, True),
    ("tcp:0-65535:ipv4", None, False),  # CKV_AWS_277 means protocol -1 only
    ("tcp:20-25:ipv4", 22, True),
    ("tcp:20-25:ipv4", 80, False),
    ("udp:3389-3389:ipv4", 3389, True),
    ("gre:ipv4", 22, False),
])
def test_finding_keys_map_to_checkov_questions(key: str, port: int | None, expected: bool) -> None:
    assert parity._covers(key, port) is expected


def test_instance_keys_are_stripped_for_hcl_matching() -> None:
    assert parity._strip_keys('module.a["x.y"].aws_sg.b[0]') == "module.a.aws_sg.b"
    assert parity._strip_keys("aws_sg.b") == "aws_sg.b"


def test_terraform_012_prior_state_addresses_are_made_absolute() -> None:
    # Found by the parity suite: Terraform 0.12 wrote prior_state addresses
    # relative to their module and without the instance key, and natpolicy
    # loaded those resources a second time under the wrong address.
    from conftest import CORPUS

    from natpolicy.loaders.inputs import load_inputs

    plan = CORPUS / "plans" / "infracost" / "terraform_v0.12_plan.json"
    if not plan.is_file():
        pytest.skip("../shared/corpus is not available")
    addresses = [r.address for r in load_inputs([str(plan)]) if r.type == "aws_instance"]
    assert len(addresses) == len(set(addresses)) == 12
    assert "module.instances.aws_instance.module_instance_counted[0]" in addresses
    assert 'aws_instance.instance_named["test.1"]' in addresses
    assert "aws_instance.module_instance_1" not in addresses
