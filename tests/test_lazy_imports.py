"""A plan-only run imports nothing of the HCL parser, Rego, Checkov or AWS stacks; ``--version`` imports almost nothing.

Measured in a fresh interpreter (this test process has imported everything
already): the child imports the CLI, runs a plan check in-process, and
prints what ``sys.modules`` holds. Start-up time itself is measured in
``benchmarks/run.py``, never asserted here.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

# Top-level packages, and natpolicy's own modules, that a plan-only run must not load.
# The whole HCL reader too: a plan run sets the configured HCL budget (natpolicy.loaders.hcl_limits) and gives
# every result an empty lifecycle (natpolicy.loaders.lifecycle_blocks) without it.
HEAVY = ("hcl2", "lark", "regopy", "checkov", "boto3", "botocore", "natpolicy.rego", "natpolicy.checkov_adapter",
         "natpolicy.loaders.hcl")

_CHILD = """
import contextlib, io, json, sys
from natpolicy.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules), "out": out.getvalue()}))
"""


def _modules_after(tmp_path: Path, *args: str) -> dict[str, object]:
    # cwd: an empty folder (a plan run in a Terraform folder rightly reads its .tf files to locate findings).
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _loaded(modules: object, names: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_a_plan_run_loads_no_parser_rego_checkov_or_aws_module(tmp_path: Path) -> None:
    plan = FIXTURES / "plans" / "nat-deleted.json"
    result = _modules_after(tmp_path, "check", str(plan), "--format", "sarif", "--no-progress")
    assert result["code"] == 1  # the run really checked the plan: the NAT deletion is found
    assert "NAT001" in str(result["out"])
    assert "natpolicy.loaders.plan_json" in result["modules"]  # type: ignore[operator]
    assert _loaded(result["modules"], HEAVY) == []
    assert _loaded(result["modules"], ("natpolicy.baseline",)) == []  # imported only for --baseline and friends


def test_a_plan_run_fingerprints_its_findings_without_hashlib(tmp_path: Path) -> None:
    import hashlib
    import importlib.util

    from natpolicy.findings import fingerprint

    # The digest is SHA-256 whichever module computes it.
    assert fingerprint("SG001", "aws_x.y[\"é\"]", "k") == \
        hashlib.sha256("SG001\0aws_x.y[\"é\"]\0k".encode()).hexdigest()[:16] + ":1"
    if importlib.util.find_spec("_sha256") is None and importlib.util.find_spec("_sha2") is None:
        return  # an interpreter without CPython's own SHA-256: natpolicy.findings falls back to hashlib
    plan = FIXTURES / "plans" / "nat-deleted.json"
    result = _modules_after(tmp_path, "check", str(plan), "--format", "sarif", "--no-progress")
    assert result["code"] == 1 and "partialFingerprints" in str(result["out"])
    assert _loaded(result["modules"], ("hashlib", "_hashlib")) == []  # OpenSSL set up for nothing: 11 M


def test_a_baseline_run_still_loads_the_baseline(tmp_path: Path) -> None:
    plan = FIXTURES / "plans" / "nat-deleted.json"
    written = tmp_path / "baseline.json"
    result = _modules_after(tmp_path, "check", str(plan), "--no-progress", "--create-baseline", str(written))
    assert result["code"] == 0 and written.is_file()
    assert "natpolicy.baseline" in result["modules"]  # type: ignore[operator]
    result = _modules_after(tmp_path, "check", str(plan), "--no-progress", "--baseline", str(written))
    assert result["code"] == 0  # every finding is in the baseline: accepted


def test_version_loads_neither_the_loaders_nor_the_rules(tmp_path: Path) -> None:
    result = _modules_after(tmp_path, "--version")
    assert result["code"] == 0 and "natpolicy" in str(result["out"])
    assert _loaded(result["modules"], (*HEAVY, "natpolicy.loaders", "natpolicy.policies", "natpolicy.app",
                                       "msgspec", "jsonschema", "yaml")) == []


# Patterns compiled on first use (functools.cache getters): only .tf comments, a config file, foreign
# --check/--skip-check tokens or findings mapped back to .tf files ask, so a plan run compiles none.
_LAZY_PATTERNS = {"natpolicy.suppressions": ("_skip", "_comment_line"),
                  "natpolicy.foreign_skips": ("_checkov", "_ignore", "_comment"),
                  "natpolicy.foreign_ids": ("_foreign",), "natpolicy.config": ("_surrogate",),
                  "natpolicy.loaders.sourcemap": ("_header",),
                  # Only text that is not printable ASCII, or a line starting with "::", needs these.
                  "natpolicy.safe_text": ("_control", "_command_start")}
_PATTERNS_CHILD = """
import contextlib, importlib, io, json, sys
from natpolicy.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[2:])
wanted = json.loads(sys.argv[1])
print(json.dumps({"code": code, "compiled": sorted(
    f"{module}.{name}" for module, names in wanted.items()
    for name in names if getattr(importlib.import_module(module), name).cache_info().currsize)}))
"""


def _compiled_after(tmp_path: Path, *args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", _PATTERNS_CHILD, json.dumps(_LAZY_PATTERNS), *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_a_plan_run_compiles_no_pattern_only_tf_files_or_config_need(tmp_path: Path) -> None:
    plan = FIXTURES / "plans" / "nat-deleted.json"
    result = _compiled_after(tmp_path, "check", str(plan), "--no-progress")
    assert result == {"code": 1, "compiled": []}
    # Near miss: a foreign --skip-check token does ask, and is still read as Checkov's.
    result = _compiled_after(tmp_path, "check", str(plan), "--no-progress", "--skip-check", "CKV_AWS_24")
    assert result == {"code": 1, "compiled": ["natpolicy.foreign_ids._foreign"]}
