"""What a run with --policy imports before its Rego can start, in natpolicy's process and in the engine's child.

Both pay every import at each run. The Rego modules' classes are ``natpolicy.records.record`` classes, not
``dataclasses.dataclass`` ones (which compile each generated method at import, and import ``dataclasses`` and
``inspect``: about 50 ms of CPU of a one-rule run on the 10k plan, parent and child together), and the result
keys hash with CPython's own SHA-256, not ``hashlib`` (which loads OpenSSL). Each process is checked in a fresh
interpreter, the child as the sandbox starts it (``-I``, an empty environment) and given a real job.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from natpolicy.rego.engines import installed_engines
from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job
from natpolicy.rego.loading import read_policy
from natpolicy.rego.sandbox import _import_paths, job_payload

SLOW = ("dataclasses", "inspect", "hashlib")
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	msg := sprintf("%s changes", [rc.address])
}
"""
PLAN = FIXTURES / "plans" / "nat-deleted.json"
CHECK_THEN_REPORT = (
    "import sys\n"
    "from natpolicy import cli\n"
    "code = cli.main(sys.argv[1:])\n"
    f"print('@@', code, sorted(m for m in {SLOW!r} if m in sys.modules))\n"
)


def test_a_policy_run_imports_none_of_them_in_natpolicys_process(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text(POLICY, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHECK_THEN_REPORT, "check", str(PLAN), "--policy",
                           str(tmp_path / "policy"), "--format", "json", "--output", str(tmp_path / "out.json"),
                           "--no-progress"], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@ ")]
    assert lines == ["@@ 1 []"], done.stderr  # 1: the policy's findings were reported
    assert "data.main.deny" in (tmp_path / "out.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", [e for e in ("regorus", "regopy") if e in installed_engines()])
def test_the_child_imports_none_of_them_for_its_job(engine: str) -> None:
    policy = read_policy(Path("p.rego"), "p.rego", POLICY)
    job = build_job([PolicySet([policy], [Query("main", "deny", policy)], undefined_builtin_errors=True)],
                    [Plan("plan.json", None, None, PLAN.read_text(encoding="utf-8"))], engine)
    # The child's own bootstrap (sandbox._BOOTSTRAP), then what it imported, on stderr (its stdout is the answers').
    code = ("import sys, json\nsys.path[:0] = json.loads(sys.argv[1])\nfrom natpolicy.rego.child import main\n"
            "code = main()\n"
            f"print('@@', code, sorted(m for m in {SLOW!r} if m in sys.modules), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(_import_paths()), engine],
                          input=b"".join(job_payload(job)), capture_output=True, env={}, check=False)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert {"done": True} in answers, done.stderr.decode()
    assert any(a.get("value") for a in answers if "value" in a)  # the rule answered its results
    lines = [line for line in done.stderr.decode().splitlines() if line.startswith("@@ ")]
    assert lines == ["@@ 0 []"], done.stderr.decode()
