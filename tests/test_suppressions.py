"""Inline ``natpolicy:skip`` comments: where they count, what a reason changes, and every output."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, assert_valid_sarif
from natpolicy.suppressions import enclosing_modules, parse_skip
from planbuilder import PlanBuilder

OPEN_22 = """\
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
"""


def sg(name: str, comment: str = "", above: str = "") -> str:
    """An SG open to the world on 22 (SG002), with an optional comment inside or above."""
    inner = f"  {comment}\n" if comment else ""
    head = f"{above}\n" if above else ""
    return f'{head}resource "aws_security_group" "{name}" {{\n{inner}  name = "{name}"\n{OPEN_22}}}\n'


@pytest.fixture
def tf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write .tf files into a fresh folder (outside any git repository) and cd there."""
    monkeypatch.chdir(tmp_path)

    def write(**files: str) -> Path:
        for name, text in files.items():
            path = tmp_path / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


def findings(cli: Callable[..., CliResult], *args: str) -> tuple[list[dict[str, Any]], list[str]]:
    result = cli("check", *args, "-f", "json")
    assert result.code in (0, 1), result.err
    out = result.json()
    return out["findings"], out["notes"]


def state(found: list[dict[str, Any]]) -> dict[tuple[str, str], str | None]:
    """(rule, address) -> suppression reason (None when active)."""
    return {(f["rule_id"], f["address"]): f["suppression_reason"] for f in found}


# -- parsing ----------------------------------------------------------------------

@pytest.mark.parametrize(("line", "rules", "reason"), [
    ("# natpolicy:skip=SG002 bastion over VPN", {"SG002"}, "bastion over VPN"),
    ("  // natpolicy:skip=sg001, SG002  lab account  ", {"SG001", "SG002"}, "lab account"),
    ("/* natpolicy:skip=NAT teardown of the sandbox */", {"NAT"}, "teardown of the sandbox"),
    ("# natpolicy:skip=SG002:checkov-style reason", {"SG002"}, "checkov-style reason"),
    ('name = "x" # natpolicy:skip=EBS001 scratch disk', {"EBS001"}, "scratch disk"),
    ("# natpolicy:skip=SG002", {"SG002"}, ""),
])
def test_parse_skip(line: str, rules: set[str], reason: str) -> None:
    skip = parse_skip(line)
    assert skip is not None
    assert (set(skip.rules), skip.reason) == (rules, reason)


@pytest.mark.parametrize("line", [
    'description = "natpolicy:skip=SG002 not a comment"',  # inside a string, not a comment
    "# natpolicy:skip SG002 reason",  # no '='
    "# natpolicy-skip=SG002 reason",
])
def test_not_a_skip(line: str) -> None:
    assert parse_skip(line) is None


def test_enclosing_modules() -> None:
    assert enclosing_modules('module.a["x.y"].module.b[0].aws_sg.c') == ["module.a", "module.a.module.b"]
    assert enclosing_modules("aws_sg.c") == []


# -- HCL findings -------------------------------------------------------------------

def test_skip_inside_the_block_suppresses_only_that_rule_and_block(tf: Callable[..., Path],
                                                                   cli: Callable[..., CliResult]) -> None:
    tf(**{"main.tf": sg("a", "# natpolicy:skip=SG002 bastion over VPN") + sg("b") +
          sg("c", "# natpolicy:skip=SG001 wrong rule")})
    found, notes = findings(cli, ".")
    assert state(found) == {
        ("SG002", "aws_security_group.a"): "bastion over VPN",
        ("SG002", "aws_security_group.b"): None,  # the skip in block a does not leak into b
        ("SG002", "aws_security_group.c"): None,  # a skip for another rule changes nothing
    }
    assert notes == []


def test_family_and_comment_above_the_block(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    tf(**{"main.tf": sg("a", above="# reviewed 2026-11\n# natpolicy:skip=SG,FLOW public SFTP drop box") +
          "\n" + sg("b", above="# natpolicy:skip=SG002 only this one\n")})
    found, _ = findings(cli, ".")
    # b's comment sits above b but is separated by a blank line: it belongs to nothing.
    assert state(found) == {("SG002", "aws_security_group.a"): "public SFTP drop box",
                            ("SG002", "aws_security_group.b"): None}


def test_skip_without_reason_is_not_honoured(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    tf(**{"main.tf": sg("a", "# natpolicy:skip=SG002")})
    result = cli("check", ".")
    assert result.code == 1
    assert "main.tf:2: natpolicy:skip=SG002 has no reason; not honoured" in result.out
    found, notes = findings(cli, ".")
    assert state(found) == {("SG002", "aws_security_group.a"): None}
    assert len(notes) == 1


def test_unknown_rule_in_a_skip_is_noted(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    tf(**{"main.tf": sg("a", "# natpolicy:skip=SG002,SG0002 bastion")})
    found, notes = findings(cli, ".")
    assert state(found) == {("SG002", "aws_security_group.a"): "bastion"}
    assert notes == ["main.tf:2: natpolicy:skip names unknown rule SG0002"]


MODULE_CALL = """\
module "edge" {{
  source = "./modules/edge"{comment}
}}
"""


@pytest.mark.parametrize(("comment", "reason"), [
    ("\n  # natpolicy:skip=SG002 edge hosts are jump boxes", "edge hosts are jump boxes"),
    ("", None),
])
def test_skip_on_a_module_block_covers_its_resources(tf: Callable[..., Path], cli: Callable[..., CliResult],
                                                     comment: str, reason: str | None) -> None:
    tf(**{"main.tf": MODULE_CALL.format(comment=comment) + sg("root"),
          "modules__edge__main.tf": sg("ssh")})
    found, _ = findings(cli, ".")
    assert state(found) == {("SG002", "module.edge.aws_security_group.ssh"): reason,
                            ("SG002", "aws_security_group.root"): None}


def test_outputs_show_suppressed_findings(tf: Callable[..., Path], cli: Callable[..., CliResult],
                                          sarif_validator: Any) -> None:
    tf(**{"main.tf": sg("a", "# natpolicy:skip=SG002 bastion over VPN") + sg("b")})
    text = cli("check", ".").out
    assert "Suppressed (1):\n  SG002 aws_security_group.a: bastion over VPN" in text
    out = cli("check", ".", "-f", "json").json()
    assert out["summary"]["suppressed"] == 1 and out["summary"]["findings"] == 1

    default = json.loads(cli("check", ".", "-f", "sarif").out)
    assert_valid_sarif(sarif_validator, default)
    results = default["runs"][0]["results"]
    assert [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results] == [
        "aws_security_group.b"]
    assert "suppressions" not in results[0]

    kept = json.loads(cli("check", ".", "-f", "sarif", "--sarif-include-suppressed").out)
    assert_valid_sarif(sarif_validator, kept)
    results = kept["runs"][0]["results"]
    by_address = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in results}
    assert by_address["aws_security_group.a"]["suppressions"] == [
        {"kind": "inSource", "justification": "bastion over VPN"}]
    assert by_address["aws_security_group.b"]["suppressions"] == []  # every result carries the key


def test_config_exceptions_are_external_suppressions_in_sarif(tf: Callable[..., Path], cli: Callable[..., CliResult],
                                                              sarif_validator: Any) -> None:
    tf(**{"main.tf": sg("a") + sg("b", "# natpolicy:skip=SG002 bastion over VPN"),
          ".natpolicy.yaml": "exceptions:\n  - {rule: SG002, address: aws_security_group.a, reason: approved in SEC-12}\n"})
    log = json.loads(cli("check", ".", "-f", "sarif", "--sarif-include-suppressed").out)
    assert_valid_sarif(sarif_validator, log)
    kinds = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["suppressions"]
             for r in log["runs"][0]["results"]}
    assert kinds == {"aws_security_group.a": [{"kind": "external", "justification": "approved in SEC-12"}],
                     "aws_security_group.b": [{"kind": "inSource", "justification": "bastion over VPN"}]}


def test_a_fully_suppressed_run_exits_0(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    tf(**{"main.tf": sg("a", "# natpolicy:skip=SG002 bastion over VPN")})
    assert cli("check", ".").code == 0


# -- plan findings, through the source mapping ------------------------------------------

def sg_values(name: str) -> dict[str, Any]:
    return {"name": name, "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                       "cidr_blocks": ["0.0.0.0/0"]}]}


def test_plan_findings_honour_skips_in_the_source(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    root = tf(**{"infra__main.tf": sg("a", "# natpolicy:skip=SG002 bastion over VPN") + sg("b")})
    plan = PlanBuilder().create("aws_security_group.a", sg_values("a")).create("aws_security_group.b", sg_values("b"))
    plan.write(root / "plan.json")
    found, _ = findings(cli, "plan.json", "--source-root", "infra")
    assert state(found) == {("SG002", "aws_security_group.a"): "bastion over VPN",
                            ("SG002", "aws_security_group.b"): None}
    assert {f["file"] for f in found} == {"infra/main.tf"}
    # Without the mapping the plan is all there is, and a plan holds no comments.
    found, _ = findings(cli, "plan.json")
    assert state(found) == {("SG002", "aws_security_group.a"): None, ("SG002", "aws_security_group.b"): None}


def test_plan_findings_honour_skips_on_module_blocks(tf: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    root = tf(**{
        "infra__main.tf": MODULE_CALL.format(comment="\n  # natpolicy:skip=SG002 edge hosts are jump boxes")
        + 'module "core" {\n  source = "./modules/edge"\n}\n',
        "infra__modules__edge__main.tf": sg("ssh"),
    })
    plan = (PlanBuilder()
            .module_call("module.edge", "./modules/edge").module_call("module.core", "./modules/edge")
            .create("module.edge.aws_security_group.ssh", sg_values("ssh"))
            .create("module.core.aws_security_group.ssh", sg_values("ssh")))
    plan.write(root / "plan.json")
    found, _ = findings(cli, "plan.json", "--source-root", "infra")
    assert state(found) == {("SG002", "module.edge.aws_security_group.ssh"): "edge hosts are jump boxes",
                            ("SG002", "module.core.aws_security_group.ssh"): None}


def test_one_roots_module_skip_does_not_cover_another_root(tf: Callable[..., Path],
                                                           cli: Callable[..., CliResult]) -> None:
    """envs/dev and envs/prod call the same module; only dev's call has a skip."""
    call = 'module "sg" {{\n  source = "../../modules/sg"\n{skip}}}\n'
    tf(**{"modules__sg__main.tf": sg("this"),
          "envs__dev__main.tf": call.format(skip="  # natpolicy:skip=SG002 dev is reachable from the VPN only\n"),
          "envs__prod__main.tf": call.format(skip="")})
    address = "module.sg.aws_security_group.this"
    for args in (("envs",), ("envs/prod", "envs/dev"), ("envs/dev", "envs/prod")):
        found, _ = findings(cli, *args)
        by_root = {f["origin"]: f["suppression_reason"] for f in found if f["address"] == address}
        assert by_root == {"envs/dev": "dev is reachable from the VPN only", "envs/prod": None}, args
    # The terminal report shows each root's finding on that root's module call, naming the module's block.
    text = cli("check", "envs").out
    assert "at envs/prod/main.tf:1  [" in text
    assert f"{address} is declared at modules/sg/main.tf:1" in text
    single = cli("check", "envs/prod").out
    assert "at envs/prod/main.tf:1  [" in single


def test_plan_skips_are_found_from_anywhere_in_the_repository(tf: Callable[..., Path],
                                                              cli: Callable[..., CliResult],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are relative to the repository top; the skip is still read from the right file."""
    root = tf(**{"repo__infra__main.tf": sg("a", "# natpolicy:skip=SG002 bastion over VPN"),
                 "repo__docs__README.md": "x\n"})
    (root / "repo" / ".git").mkdir()
    (root / "out").mkdir()
    PlanBuilder().create("aws_security_group.a", sg_values("a")).write(root / "out" / "plan.json")
    monkeypatch.chdir(root / "repo" / "docs")
    found, _ = findings(cli, "../../out/plan.json", "--source-root", "../infra")
    assert [(f["file"], f["suppression_reason"]) for f in found] == [("infra/main.tf", "bastion over VPN")]


# -- a finding with no source lines at its own block: only its module calls are read -----------------------

def _plan_finding(address: str) -> Any:
    from natpolicy.check import Severity
    from natpolicy.findings import Finding
    from natpolicy.model import SourceLocation

    return Finding(rule_id="SG002", rule_name="ssh", severity=Severity.HIGH, level="error", address=address,
                   resource_type="aws_security_group", message="open", origin="plan.json",
                   location=SourceLocation("plan.json", 1))


@pytest.mark.parametrize("comment, reason", [
    ("# natpolicy:skip=SG002 a bastion", "a bastion"),
    ("# checkov:skip=CKV_AWS_24:a bastion", None),  # read: it asks about port 22, this finding is not; noted
    ("# natpolicy:skip=SG002", None),  # read: no reason, not honoured, and noted
])
def test_a_plan_finding_inside_a_module_reads_the_module_call_block(comment: str, reason: str | None) -> None:
    from natpolicy.model import SourceLocation
    from natpolicy.suppressions import SourceReader, apply_suppressions

    reader = SourceReader(texts={"main.tf": f'module "m" {{\n  {comment}\n  source = "./m"\n}}\n'})
    blocks = {"module.m": SourceLocation("main.tf", 1, 4)}
    findings = [_plan_finding("module.m.aws_security_group.a"), _plan_finding("aws_security_group.a"),
                _plan_finding("module_m.aws_security_group.a")]  # no module: "module_m" is no module step
    out, notes = apply_suppressions(findings, reader=reader, module_blocks=lambda f, m: blocks.get(m),
                                    known_rules=["SG002"])
    assert [f.suppression for f in out] == [reason, None, None]
    assert bool(notes) == (reason is None)
