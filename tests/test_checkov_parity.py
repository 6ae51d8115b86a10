"""natpolicy against the real Checkov 3.3.30: every disagreement must be documented.

Checkov runs in its own virtualenv (``benchmarks/checkov-env``; its
``hcl2`` module clashes with natpolicy's), in the user's cache directory. The
venv is created once and reused: point ``NATPOLICY_CHECKOV_VENV`` at a cached
directory in CI. The tests marked ``checkov`` run only with
``NATPOLICY_CHECKOV_PARITY=1`` (tests/conftest.py; .ci/run sets it). When it
cannot be created (no package registry) these tests skip and say why, unless
``NATPOLICY_REQUIRE_CHECKOV=1`` makes that an error; set
``NATPOLICY_SKIP_CHECKOV=1`` to skip them on purpose.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import parity  # noqa: E402
import parity_evidence as ev  # noqa: E402
from parity_causes import Row, classify  # noqa: E402

CHECKOV_ENV = ROOT / "benchmarks" / "checkov-env"


@pytest.fixture(scope="module")
def checkov() -> Path:
    venv = parity.checkov_for_tests()
    if isinstance(venv, str):
        pytest.skip(venv)
    return venv


@pytest.fixture(scope="module")
def small_outcome(checkov: Path) -> Any:
    # The parity fixtures, natpolicy's own rule cases and example plans, and
    # Checkov's own plan fixtures: one Checkov run for all plans (seconds).
    return parity.compare(parity.inputs("small"))


def _label(name: str) -> str:
    return (parity.PARITY_FIXTURES / name).relative_to(ROOT).as_posix()


# -- against Checkov ---------------------------------------------------------------------
@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_small_set_has_no_undocumented_disagreement(small_outcome: Any) -> None:
    undocumented = [f"{r.input}: {r.address} {r.question}: Checkov {r.checkov}, natpolicy {r.natpolicy}"
                    for r in small_outcome.undocumented]
    assert not undocumented, "undocumented disagreements (add a cause and a fixture, or fix natpolicy):\n" + \
        "\n".join(undocumented)
    assert not small_outcome.errors, small_outcome.errors


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_both_tools_agree_on_the_controls(small_outcome: Any) -> None:
    # Agreement must be real: both tools fail the control resources of the
    # proof fixtures, so a tool that passed everything would not slip through.
    assert sum(small_outcome.agree_fail.values()) >= 10
    rows = {(r.input, r.address) for r in small_outcome.rows}
    assert not [key for key in rows if key[1].endswith(".control")]


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
@pytest.mark.parametrize("cause", list(parity.CAUSES), ids=lambda c: c.id)
def test_each_cause_is_proved_by_its_fixture(small_outcome: Any, cause: Any) -> None:
    fixture = _label(cause.fixture)
    found = {(r.question, r.address) for r in small_outcome.rows if r.input == fixture and r.cause == cause.id}
    missing = set(cause.proves) - found
    assert not missing, f"{fixture} no longer shows {sorted(missing)} as {cause.id} (Checkov changed?)"
    # And nothing else in the fixture disagrees.
    others = [r for r in small_outcome.rows if r.input == fixture and (r.question, r.address) not in cause.proves]
    assert not others, others


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_natpolicys_own_rule_cases_meet_checkov(small_outcome: Any) -> None:
    # The must-fire and must-stay-quiet plans of tests/test_rules_{sg,ebs,flow}.py
    # are parity inputs too; they agree with Checkov on most resources and
    # every difference is a documented cause.
    for name in ("rules_sg.json", "rules_ebs.json", "rules_ebs_default_on.json", "rules_flow.json"):
        assert any(i.label == _label(name) for i in parity.inputs("small"))
    rule_rows = [r for r in small_outcome.rows if "/rules_" in r.input]
    assert rule_rows and all(r.cause for r in rule_rows)
    assert {r.cause for r in rule_rows} >= {"ckv-zero-ports-every-port", "ckv-ip-protocol-ignored",
                                            "ckv-default-encryption-ignored", "ckv-flow-needs-reference"}


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_a_reversed_port_range_stays_quiet_in_both_tools(small_outcome: Any) -> None:
    # AWS refuses from_port 443 / to_port 22: the rule opens nothing. Both
    # tools pass it (no disagreement) while both fail the 22-443 control.
    label = _label("sg_reversed_range.json")
    assert not [r for r in small_outcome.rows if r.input == label]
    nat, _ = parity.natpolicy_side(parity.Input(parity.PARITY_FIXTURES / "sg_reversed_range.json"))
    reversed_verdicts = {q: v for (q, a), v in nat.verdicts.items() if a == "aws_security_group.reversed"}
    assert reversed_verdicts and not any(reversed_verdicts.values())
    assert nat.verdicts[("sg:22", "aws_security_group.control")] is True


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_a_natpolicy_false_positive_is_never_filed_under_a_cause(checkov: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The audit's mutation: natpolicy calling every prefix of /8 or wider the
    # internet. Its false positives must come out undocumented, not as a
    # Checkov split-CIDR miss: the causes judge the plan themselves.
    import ipaddress

    from natpolicy.policies.sg import _ingress

    real = _ingress.internet_sources

    def too_wide(sources: Any, **options: Any) -> Any:
        sources = tuple(sources)
        wide = tuple(s for s in sources
                     if (net := s.network()) is not None and isinstance(net, ipaddress.IPv4Network)
                     and net.prefixlen <= 8)
        return real(sources, **options) or wide

    monkeypatch.setattr(_ingress, "internet_sources", too_wide)
    # The SG screen's skips are exact for the real test of "open to the internet" alone: under the
    # mutated one every entry must be read, as it is without the screen.
    from natpolicy.policies.sg import _screen

    def unscreened(screen: _screen.Screen, model: Any) -> None:
        screen.unions_possible, screen.silent, screen.built = True, {}, True

    monkeypatch.setattr(_screen.Screen, "build", unscreened)
    monkeypatch.setattr(_screen.Screen, "is_quiet", lambda screen, resource: False)
    outcome = parity.compare([parity.Input(parity.PARITY_FIXTURES / "rules_sg.json")])
    flagged = {r.address for r in outcome.undocumented}
    assert {"aws_security_group.private", "aws_security_group.half"} <= flagged, outcome.undocumented
    assert not [r for r in outcome.rows if r.address in flagged and r.cause]


# -- the classifiers, without Checkov ---------------------------------------------------------
def _row(name: str, address: str, question: str, *, checkov: bool | None, natpolicy: bool | None) -> Row:
    return Row(_label(name), question, address, checkov, natpolicy)


def _classify(name: str, address: str, question: str, **verdicts: bool | None) -> str | None:
    item = parity.Input(parity.PARITY_FIXTURES / name)
    plan = ev.PlanFacts.read(item.path)
    ctx = parity._context(item, address, plan, None, parity.Side())
    return classify(_row(name, address, question, checkov=verdicts["checkov"], natpolicy=verdicts["natpolicy"]), ctx)


def test_causes_read_the_plan_not_natpolicys_cidr_logic(monkeypatch: pytest.MonkeyPatch) -> None:
    from natpolicy.policies.sg import _ingress

    # Were natpolicy to call any range the internet, the classifiers must not follow it.
    monkeypatch.setattr(_ingress, "internet_sources", lambda sources: tuple(sources))
    assert _classify("rules_sg.json", "aws_security_group.private", "sg:22", checkov=False, natpolicy=True) is None
    assert _classify("rules_sg.json", "aws_security_group.half", "sg:22", checkov=False, natpolicy=True) is None
    assert _classify("rules_sg.json", "aws_security_group.split", "sg:22", checkov=False,
                     natpolicy=True) == "ckv-split-cidr"
    # Ports are checked too: an SSH finding on an HTTPS-only rule explains nothing.
    assert _classify("rules_sg.json", "aws_security_group.https", "sg:22", checkov=False, natpolicy=True) is None
    assert _classify("sg_prefix_list_null.json", "aws_security_group_rule.rdp_null", "sg:3389", checkov=False,
                     natpolicy=True) == "ckv-prefix-list-null"
    assert _classify("sg_prefix_list_null.json", "aws_security_group_rule.rdp_null", "sg:22", checkov=False,
                     natpolicy=True) is None


def test_covers_internet_is_the_union_of_the_ranges() -> None:
    assert ev.covers_internet(["0.0.0.0/1", "128.0.0.0/1"])
    assert ev.covers_internet(["::/1", "8000::/1"])
    assert not ev.covers_internet(["0.0.0.0/1", "8000::/1"])  # halves of two families
    assert not ev.covers_internet(["10.0.0.0/8", "0.0.0.0/1"])
    assert not ev.covers_internet(["not-a-cidr", ""])


def test_a_snapshot_volume_is_undecidable() -> None:
    assert parity.CAUSE_BY_ID["ckv-snapshot-inherits"].right == "undecidable"
    assert _classify("ebs_snapshot.json", "aws_ebs_volume.restored", "ebs:vol", checkov=True,
                     natpolicy=False) == "ckv-snapshot-inherits"
    # An explicit `encrypted = false` beside the snapshot is decidable: not this cause.
    assert _classify("rules_ebs.json", "aws_ebs_volume.snapshot_off", "ebs:vol", checkov=True,
                     natpolicy=False) is None


def test_hcl_literal_checks() -> None:
    assert ev.is_literal('["0.0.0.0/0", "10.0.0.0/8"]') and ev.is_literal("22") and ev.is_literal('"tcp"')
    assert not ev.is_literal("var.world") and not ev.is_literal('count.index == 0 ? "-1" : "icmp"')
    assert not ev.is_literal('"debug-${count.index}"')
    block = ('resource "x" "y" {\n  ingress {\n    cidr_blocks = count.index == 0 ? [\n      "0.0.0.0/0"\n'
             '    ] : []\n  }\n}')
    assert ("cidr_blocks", 'count.index == 0 ? [ "0.0.0.0/0" ] : []') in ev.assignments(block)
    root = parity.PARITY_FIXTURES / "hcl_unresolved_variable"
    assert ev.variable_is_unset(root, "office_cidrs")
    assert not ev.variable_is_unset(ROOT / "fixtures" / "hcl" / "sg_variables", "admin_cidrs")  # has a default


# -- inputs ---------------------------------------------------------------------------------------
def test_full_set_stops_when_the_corpus_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "NATPOLICY_CORPUS": str(tmp_path / "no-corpus")}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "parity.py"), "--set", "full"],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert proc.returncode == 2
    assert "corpus is not at" in proc.stderr and "NATPOLICY_CORPUS" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_small_set_holds_checkovs_own_plans_when_the_corpus_is_there() -> None:
    if not parity.corpus_available():
        pytest.skip(f"the shared corpus is not at {parity.CORPUS}: Checkov's own plans are not compared")
    labels = {i.label for i in parity.inputs("small")}
    assert "corpus/checkov-plans/tfplan1.json" in labels
    assert len(parity.inputs("full")) > 200


def test_parity_fixtures_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "fixtures" / "parity" / "build.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_every_cause_has_its_fixture_on_disk() -> None:
    for cause in parity.CAUSES:
        assert (parity.PARITY_FIXTURES / cause.fixture).exists(), cause.fixture
        assert cause.right in ("natpolicy", "checkov", "undecidable")
    assert len({c.id for c in parity.CAUSES}) == len(parity.CAUSES)


@pytest.mark.parametrize(("key", "port", "expected"), [
    ("all:ipv4", 22, True),
    ("all:ipv6", None, True),
    ("tcp:0-65535:ipv4", None, False),  # CKV_AWS_277 means protocol -1 only
    ("tcp:20-25:ipv4", 22, True),
    ("tcp:20-25:ipv4", 80, False),
    ("udp:3389-3389:ipv4", 3389, True),
    ("gre:ipv4", 22, False),
    ("union:tcp:22-22:ipv4", 22, True),  # several rules of one group together
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


# -- benchmarks/checkov-env ---------------------------------------------------------------------
def _checkov_env(venv: Path, *args: str, python: str = "false") -> subprocess.CompletedProcess[str]:
    # PYTHON=false: if the script goes on to create a venv, that fails at
    # once instead of installing anything.
    env = {**os.environ, "NATPOLICY_CHECKOV_VENV": str(venv), "PYTHON": python}
    return subprocess.run([str(CHECKOV_ENV), *args], capture_output=True, text=True, env=env, check=False,
                          timeout=120)


def test_checkov_env_refuses_to_delete_a_directory_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "my-checkov"
    (mine / "bin").mkdir(parents=True)
    (mine / "bin" / "checkov").write_text("#!/bin/sh\n", encoding="utf-8")
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    proc = _checkov_env(mine, "create")
    assert proc.returncode == 2
    assert "refusing to delete it" in proc.stderr and "NATPOLICY_CHECKOV_VENV" in proc.stderr
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (mine / "bin" / "checkov").is_file()


def test_checkov_env_rebuilds_only_what_it_made(tmp_path: Path) -> None:
    # A half-built venv of its own (the marker, no finished stamp) is cleared...
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / ".natpolicy-checkov-env").touch()
    (ours / "leftover").write_text("half-built", encoding="utf-8")
    proc = _checkov_env(ours, "create")
    assert proc.returncode != 0  # PYTHON=false cannot make the venv
    assert not (ours / "leftover").exists() and (ours / ".natpolicy-checkov-env").is_file()
    # ...and an empty directory is adopted: the marker goes in before anything else.
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _checkov_env(empty, "create")
    assert proc.returncode != 0
    assert sorted(p.name for p in empty.iterdir()) == [".natpolicy-checkov-env"]


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_checkov_env_reinstalls_natpolicy_only_when_its_source_changed(checkov: Path, tmp_path: Path) -> None:
    # A copy of the checkout with one changed comment: its natpolicy is
    # installed from a temporary copy (nothing is built in the checkout),
    # offline (no package index: the build tools are already in the venv),
    # and a second run with the same source installs nothing.
    checkout = tmp_path / "checkout"
    for name in ("checker", "policies"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    (checkout / "benchmarks").mkdir()
    shutil.copy2(CHECKOV_ENV, checkout / "benchmarks" / "checkov-env")
    init = checkout / "checker" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + "# a copy for test_checkov_parity\n", encoding="utf-8")
    script = checkout / "benchmarks" / "checkov-env"
    env = {**os.environ, "NATPOLICY_CHECKOV_VENV": str(checkov), "PIP_NO_INDEX": "1"}
    try:
        first = subprocess.run([str(script), "create"], capture_output=True, text=True, env=env, check=False,
                               timeout=600)
        assert first.returncode == 0, first.stderr[-2000:]
        installed = subprocess.run([str(checkov / "bin" / "python"), "-c",
                                    "import natpolicy; print(natpolicy.__file__)"],
                                   capture_output=True, text=True, check=True).stdout.strip()
        assert "a copy for test_checkov_parity" in Path(installed).read_text(encoding="utf-8")
        stamp = next(checkov.glob(".natpolicy-checkov-3.3.30")).read_text(encoding="utf-8")
        before = Path(installed).stat().st_mtime_ns
        second = subprocess.run([str(script), "create"], capture_output=True, text=True, env=env, check=False,
                                timeout=600)
        assert second.returncode == 0, second.stderr[-2000:]
        assert Path(installed).stat().st_mtime_ns == before  # not reinstalled
        assert next(checkov.glob(".natpolicy-checkov-3.3.30")).read_text(encoding="utf-8") == stamp
        assert not list(checkout.glob("build")) and not list(checkout.glob("*.egg-info"))
    finally:
        # Put the working tree's natpolicy back for the other Checkov tests.
        parity._ENSURED.clear()
        parity.ensure_checkov()


def test_require_checkov_turns_a_skip_into_a_failure(tmp_path: Path) -> None:
    # A venv directory checkov-env may not touch: Checkov is unavailable.
    blocked = tmp_path / "not-a-checkov-venv"
    blocked.mkdir()
    (blocked / "data").write_text("x", encoding="utf-8")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import parity; "
            "print(repr(parity.checkov_for_tests()))")
    base = {**os.environ, "NATPOLICY_CHECKOV_VENV": str(blocked), "PYTHON": "false"}
    base.pop("NATPOLICY_SKIP_CHECKOV", None)
    base.pop("NATPOLICY_REQUIRE_CHECKOV", None)
    skipped = subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks")], capture_output=True,
                             text=True, env=base, check=False, timeout=120)
    assert skipped.returncode == 0 and "cannot be created" in skipped.stdout
    required = subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks")], capture_output=True,
                              text=True, env={**base, "NATPOLICY_REQUIRE_CHECKOV": "1", "NATPOLICY_SKIP_CHECKOV": "1"},
                              check=False, timeout=120)
    assert required.returncode == 1
    assert "NATPOLICY_REQUIRE_CHECKOV is set but Checkov is unavailable" in required.stderr
    assert (blocked / "data").is_file()
