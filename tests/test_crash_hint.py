"""natpolicy.rego.crash_hint: what a crash message says of its cause (only what the policy set holds)."""
from __future__ import annotations

from pathlib import Path

from natpolicy.rego.crash_hint import crash_hint
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import scan_module


def _policy(source: str, name: str = "p.rego") -> PolicyFile:
    return PolicyFile(Path(name), name, source, scan_module(source))


def test_regopy_names_the_known_constructs_the_set_holds_with_their_lines() -> None:
    # The crash measured on a real policy set: natpolicy's sprintf of a whole plan on regopy (SIGSEGV).
    formats = _policy('package main\n\ndeny contains sprintf("%v", [input]) if {\n  not input.x\n}\n')
    hint = crash_hint("regopy", [_policy("package lib\nx := 1\n", "lib.rego"), formats])
    assert "sprintf, which natpolicy formats in Rego on regopy" in hint and "at p.rego:3" in hint
    assert "json.unmarshal" not in hint  # never a cause the set does not hold
    both = crash_hint("regopy", [_policy('package main\nx := json.unmarshal(input.s)\ny := sprintf("%s", ["a"])\n')])
    assert "sprintf" in both and "json.unmarshal given a deeply nested JSON text, at p.rego:2" in both


def test_the_crashed_querys_file_is_named_first() -> None:
    # The real set: base.rego formats with sprintf too, but the crashed query is gke_combine.rego's.
    base = _policy('package main\ndeny contains sprintf("%s", [input.a]) if { input.a }\n', "base.rego")
    gke = _policy('package main.gke\n\n\ndeny contains sprintf("%v", [input]) if { not input.b }\n', "gke.rego")
    assert "at base.rego:2" in crash_hint("regopy", [base, gke])
    assert "at gke.rego:4" in crash_hint("regopy", [base, gke], "gke.rego:4")


def test_no_known_construct_no_guess() -> None:
    hint = crash_hint("regopy", [_policy('package main\ndeny contains "x" if { count(input.a) > 1 }\n')])
    assert "on nothing natpolicy knows to crash it" in hint
    assert "sprintf" not in hint and "json.unmarshal" not in hint
    other = crash_hint("regorus", [_policy('package main\nx := sprintf("%v", [input])\n')])
    assert "regorus engine itself failed" in other and "sprintf" not in other


def test_a_crash_before_any_set_names_nothing() -> None:
    assert "on nothing natpolicy knows" in crash_hint("regopy", [])


def test_the_sprintf_crash_on_regopy_names_sprintf_not_json_unmarshal(tmp_path: Path) -> None:
    # The real policy set's crash (conftest's terraform example, v1): a whole plan given to %v on regopy.
    import pytest

    from natpolicy.rego.engines import installed_engines
    from tests.test_rego_sandbox import assert_failed_beside_python_findings, natpolicy, plan_with_ebs_finding, policy

    if "regopy" not in installed_engines():
        pytest.skip("regopy is not installed here")
    plan = plan_with_ebs_finding(tmp_path, tags={f"k{i}": "v" * 40 for i in range(800)})  # ~40 KB
    directory = policy(tmp_path, 'deny contains sprintf("all: %v", [input]) if {\n  not input.nothing\n}\n',
                       "whole.rego")
    proc = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json")
    assert_failed_beside_python_findings(proc, "crashed the Rego engine (SIGSEGV)",
                                         "sprintf, which natpolicy formats in Rego on regopy", "whole.rego:5; run with")
    assert "json.unmarshal" not in proc.stderr
