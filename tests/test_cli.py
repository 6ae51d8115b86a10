"""The command line: exit codes, selection, determinism, help, and secrets."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.check import ResourceCheck, Severity, Violation
from natpolicy.registry import discover, select


def test_version_answers_without_heavy_imports() -> None:
    code = ("import sys; from natpolicy.cli import main; rc = main(['--version']); "
            "heavy = [m for m in ('click', 'hcl2', 'lark', 'jsonschema', 'yaml', 'regopy') if m in sys.modules]; "
            "print(rc, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"


def test_console_script_version() -> None:
    exe = Path(sys.executable).with_name("natpolicy")
    if not exe.exists():
        pytest.skip("console script not installed next to the interpreter")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("natpolicy ")


def test_help_lists_commands(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("check", "rules", "explain"):
        assert command in result.out


def test_unknown_option_is_usage_error(cli) -> None:
    result = cli("check", "--no-such-flag", "x.json")
    assert result.code == 2 and "No such option" in result.err


def test_unknown_rule_in_check_is_usage_error(tmp_path: Path, cli) -> None:
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = cli("check", str(path), "--check", "NOPE999")
    assert result.code == 2 and "unknown rule or family" in result.err


def test_rules_and_explain(cli) -> None:
    classes = discover()
    if not classes:
        pytest.skip("no rules shipped yet")
    listing = cli("rules")
    assert listing.code == 0
    for cls in classes:
        assert cls.id in listing.out
        doc = cli("explain", cls.id.lower())
        assert doc.code == 0
        for section in ("## What it does", "## Why it matters", "## Example", "## How to fix",
                        "### Terraform", "### AWS Console", "### AWS CLI", "### Python (boto3)"):
            assert section in doc.out, f"{cls.id} doc lacks {section}"
    as_json = json.loads(cli("rules", "--format", "json").out)
    assert {r["id"] for r in as_json} == {c.id for c in classes}


def test_explain_unknown_rule(cli) -> None:
    result = cli("explain", "XYZ123")
    assert result.code == 2 and "unknown rule" in result.err


def test_every_rule_is_well_formed() -> None:
    for cls in discover():
        assert issubclass(cls, ResourceCheck) == bool(cls.supported_types) or not issubclass(cls, ResourceCheck)
        assert cls.id.rstrip("0123456789") in ("NAT", "FLOW", "SG", "EBS"), cls.id
        assert cls.name and isinstance(cls.severity, Severity) and cls.categories
        assert cls.doc_path().is_file(), f"{cls.id} has no documentation beside its code"


def test_select_by_family_and_id() -> None:
    classes = discover()
    families = {c.id.rstrip("0123456789") for c in classes}
    for fam in families:
        chosen = select(classes, [fam.lower()])
        assert chosen and all(c.id.startswith(fam) for c in chosen)
        rest = select(classes, [], [fam])
        assert not any(c.id.startswith(fam) for c in rest)


# -- exit codes -------------------------------------------------------------
class _AlwaysMedium(ResourceCheck):
    id = "TEST002"
    name = "always"
    severity = Severity.MEDIUM
    supported_types = ("aws_vpc",)

    def scan(self, resource, model):  # type: ignore[no-untyped-def]
        yield Violation(f"{resource.address} is a vpc")


def _run_with(tmp_path: Path, *flags: str) -> int:
    from natpolicy.app import CheckOptions, exit_code
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = run(load_inputs([str(path)]), [_AlwaysMedium()])
    opts = CheckOptions(paths=[str(path)])
    for flag in flags:
        key, _, value = flag.partition("=")
        setattr(opts, key, value or True)
    return exit_code(result, opts)


def test_exit_code_follows_fail_on_only(tmp_path: Path) -> None:
    assert _run_with(tmp_path) == 1
    assert _run_with(tmp_path, "fail_on=medium") == 1
    assert _run_with(tmp_path, "fail_on=high") == 0
    assert _run_with(tmp_path, "soft_fail") == 0


def test_fail_on_does_not_change_what_is_reported(tmp_path: Path, cli) -> None:
    builder = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).create(
        "aws_security_group.s", {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "from_port": 22,
                                             "to_port": 22, "protocol": "tcp", "self": False,
                                             "security_groups": [], "prefix_list_ids": []}]})
    path = builder.write(tmp_path / "p.json")
    low = cli("check", str(path), "--format", "json", "-q")
    crit = cli("check", str(path), "--format", "json", "-q", "--fail-on", "critical", "--soft-fail")
    assert low.json()["findings"] == crit.json()["findings"]
    assert crit.code == 0


def test_output_is_deterministic(tmp_path: Path, cli) -> None:
    builder = PlanBuilder()
    for i in range(5):
        builder.create(f"aws_ebs_volume.v{i}", {"encrypted": False})
        builder.create(f"aws_vpc.n{i}", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    path = builder.write(tmp_path / "p.json")
    first = cli("check", str(path), "--format", "sarif").out
    second = cli("check", str(path), "--format", "sarif").out
    assert first == second
    assert "timestamp" not in first.lower() or "endTimeUtc" not in first


def test_json_report_matches_its_schema(tmp_path: Path, cli) -> None:
    import jsonschema

    import natpolicy.outputs as outputs_pkg

    schema = json.loads((Path(outputs_pkg.__file__).parent / "findings.schema.json").read_text())
    builder = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).create("aws_vpc.a", {}, unknown=["id"])
    report = cli("check", str(builder.write(tmp_path / "p.json")), "--format", "json").json()
    jsonschema.validate(report, schema)


def test_sensitive_values_never_reach_any_output(tmp_path: Path, cli) -> None:
    secret_cidr = "203.0.113.77/32"
    builder = PlanBuilder().create(
        "aws_security_group.s",
        {"ingress": [{"cidr_blocks": ["0.0.0.0/0", secret_cidr], "ipv6_cidr_blocks": [], "from_port": 22,
                      "to_port": 22, "protocol": "tcp", "self": False, "security_groups": [],
                      "prefix_list_ids": [], "description": "s3cr3t-description"}]},
        sensitive={"ingress": [{"cidr_blocks": True, "description": True}]})
    builder.create("aws_ebs_volume.v", {"encrypted": False, "tags": {"token": "tok-abcdef"}},
                   sensitive={"tags": {"token": True}})
    path = builder.write(tmp_path / "p.json")
    for fmt in ("text", "json", "sarif"):
        out = cli("check", str(path), "--format", fmt).out
        assert secret_cidr not in out and "s3cr3t-description" not in out and "tok-abcdef" not in out
