"""Migration from Checkov, tfsec and Trivy: their inline suppressions and ids, mapped only where the question is the same."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.foreign_ids import EQUIVALENTS, UNMAPPED, covering, is_foreign, lookup, markdown_table
from natpolicy.foreign_skips import parse_foreign
from natpolicy.registry import discover

ROOT = Path(__file__).resolve().parents[1]


def _sg(name: str, comment_above: str = "", comment_inside: str = "", protocol: str = "tcp", low: int = 22,
        high: int | None = None) -> str:
    high = low if high is None else high
    return (f"{comment_above}\n" if comment_above else "") + (
        f'resource "aws_security_group" "{name}" {{\n  name = "{name}"\n'
        + (f"  {comment_inside}\n" if comment_inside else "")
        + f'  ingress {{\n    protocol = "{protocol}"\n    from_port = {low}\n    to_port = {high}\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')


def _run(cli, tmp_path: Path, code: str, *flags: str) -> dict[str, object]:
    (tmp_path / "main.tf").write_text(code, encoding="utf-8")
    result = cli("check", str(tmp_path), "-f", "json", "--no-progress", *flags)
    assert result.code in (0, 1), result.err
    report: dict[str, object] = result.json()
    return report


def _by_address(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(f["address"]): f for f in report["findings"]}  # type: ignore[attr-defined]


# -- the table ------------------------------------------------------------------------------------------

def test_every_mapped_rule_exists_and_ids_are_unique() -> None:
    rules = {c.id for c in discover()}
    seen: set[str] = set()
    for equivalent in EQUIVALENTS:
        assert set(equivalent.rules) <= rules, equivalent
        for foreign in equivalent.ids:
            assert is_foreign(foreign) and foreign.upper() not in seen, foreign
            seen.add(foreign.upper())
    assert not seen & {u.upper() for u in UNMAPPED}
    assert not any(is_foreign(r) for r in rules)


@pytest.mark.parametrize(("foreign", "rule", "key", "covered"), [
    ("CKV_AWS_24", "SG002", "tcp:22-22:ipv4", True),
    ("ckv_aws_24", "SG002", "udp:22-22:ipv6", True),
    ("CKV_AWS_24", "SG002", "tcp:20-25:ipv4", False),  # also FTP, Telnet, SMTP: a wider question
    ("CKV_AWS_24", "SG001", "tcp:0-65535:ipv4", False),
    ("CKV_AWS_24", "SG002", "tcp:3306-3306:ipv4", False),
    ("CKV_AWS_24", "SG002", "sensitive", False),  # ports hidden by the plan: never assumed
    ("CKV_AWS_24", "SG002", "union:tcp:22-22:ipv4", True),
    ("CKV_AWS_25", "SG002", "tcp:3389-3389:ipv4", True),
    ("CKV_AWS_260", "SG003", "tcp:80-80:ipv4", True),
    ("CKV_AWS_260", "SG003", "tcp:443-443:ipv4", False),
    ("CKV_AWS_277", "SG001", "all:ipv4", True),
    ("CKV_AWS_277", "SG001", "tcp:0-65535:ipv4", False),  # Checkov's 277 means protocol -1 only
    ("AVD-AWS-0107", "SG004", "tcp:8080-8080:ipv4", True),
    ("aws-ec2-no-public-ingress-sgr", "SG001", "all:ipv4+ipv6", True),
    ("AVD-AWS-0107", "EBS001", "", False),
    ("CKV_AWS_3", "EBS001", "", True),
    ("CKV_AWS_3", "EBS002", "", False),
    ("CKV_AWS_8", "EBS002", "root", True),
    ("CKV_AWS_8", "EBS004", "root", True),
    ("CKV_AWS_8", "EBS003", "0", False),  # Checkov has no launch template check
    ("AVD-AWS-0131", "EBS004", "", False),
    ("CKV2_AWS_11", "FLOW001", "", True),
    ("AVD-AWS-0178", "FLOW001", "", True),
    ("CKV_AWS_189", "EBS001", "", False),  # a CMK is another question
])
def test_a_foreign_id_covers_only_the_same_question(foreign: str, rule: str, key: str, covered: bool) -> None:
    assert (covering([foreign], rule, key) is not None) is covered


def test_docs_hold_the_table_generated_from_the_module() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert markdown_table() in docs, "regenerate the table: python -c 'from natpolicy.foreign_ids import " \
        "markdown_table; print(markdown_table())'"


# -- the comment syntaxes ----------------------------------------------------------------------------------

def test_parse_the_three_syntaxes() -> None:
    [checkov] = parse_foreign("  #checkov:skip=CKV_AWS_24,CKV_AWS_25:public bastion, reviewed", "m.tf", 3)
    assert checkov.ids == ("CKV_AWS_24", "CKV_AWS_25") and checkov.reason == "public bastion, reviewed"
    assert parse_foreign("# bridgecrew:skip=CKV2_AWS_11")[0].ids == ("CKV2_AWS_11",)
    tfsec = parse_foreign("#tfsec:ignore:aws-ec2-no-public-ingress-sgr:exp:2031-01-02 tfsec:ignore:x-y-z web")
    assert [(s.tool, s.ids[0], str(s.expires), s.reason) for s in tfsec] == [
        ("tfsec", "aws-ec2-no-public-ingress-sgr", "2031-01-02", "web"), ("tfsec", "x-y-z", "None", "web")]
    [trivy] = parse_foreign('  cidr_blocks = ["0.0.0.0/0"] // trivy:ignore:AVD-AWS-0107[from_port=22]:ws:prod')
    assert trivy.narrowed and trivy.workspace == "prod" and trivy.ids == ("AVD-AWS-0107",)
    assert parse_foreign('  name = "checkov:skip=CKV_AWS_24"') == []  # inside a string, not a comment
    assert parse_foreign("# natpolicy:skip=SG002 why") == []


# -- inline suppressions, end to end -----------------------------------------------------------------------

def test_checkov_skip_covers_the_same_port_only(cli, tmp_path: Path) -> None:
    code = (_sg("bastion", comment_inside="#checkov:skip=CKV_AWS_24:bastion, reviewed")
            + _sg("db", comment_inside="# checkov:skip=CKV_AWS_24:copied by mistake", low=3306)
            + _sg("range", comment_above="#checkov:skip=CKV_AWS_24:ftp too", low=20, high=25))
    report = _run(cli, tmp_path, code)
    found = _by_address(report)
    bastion = found["aws_security_group.bastion"]
    assert bastion["suppressed"] and bastion["suppression_reason"].startswith(  # type: ignore[union-attr]
        "bastion, reviewed (checkov:skip=CKV_AWS_24 at ")
    assert not found["aws_security_group.db"]["suppressed"]
    assert not found["aws_security_group.range"]["suppressed"]
    notes = "\n".join(report["notes"])  # type: ignore[arg-type]
    assert "does not cover SG002 on aws_security_group.db" in notes
    assert "does not cover SG002 on aws_security_group.range" in notes


def test_checkov_277_is_protocol_minus_one(cli, tmp_path: Path) -> None:
    code = (_sg("any", comment_inside="#checkov:skip=CKV_AWS_277:lab", protocol="-1", low=0, high=0)
            + _sg("tcp_all", comment_inside="#checkov:skip=CKV_AWS_277:lab", low=0, high=65535))
    found = _by_address(_run(cli, tmp_path, code))
    assert found["aws_security_group.any"]["rule_id"] == "SG001" and found["aws_security_group.any"]["suppressed"]
    assert found["aws_security_group.tcp_all"]["rule_id"] == "SG001"
    assert not found["aws_security_group.tcp_all"]["suppressed"]


def test_tfsec_ignore_with_expiry_and_workspace(cli, tmp_path: Path) -> None:
    code = (_sg("future", comment_above="#tfsec:ignore:aws-ec2-no-public-ingress-sgr:exp:2999-01-01", low=8080)
            + _sg("past", comment_above="#tfsec:ignore:aws-ec2-no-public-ingress-sgr:exp:2001-01-01", low=8080)
            + _sg("ws", comment_above="#tfsec:ignore:aws-vpc-no-public-ingress-sgr:ws:prod", low=8080)
            + _sg("other", comment_above="#tfsec:ignore:aws-s3-enable-bucket-logging", low=8080))
    report = _run(cli, tmp_path, code)
    found = _by_address(report)
    assert found["aws_security_group.future"]["suppressed"]
    assert not found["aws_security_group.past"]["suppressed"]
    assert not found["aws_security_group.ws"]["suppressed"]
    assert not found["aws_security_group.other"]["suppressed"]
    notes = "\n".join(report["notes"])  # type: ignore[arg-type]
    assert "expired on 2001-01-01; not honoured" in notes
    assert "limited to workspace prod" in notes
    assert "tfsec id aws-s3-enable-bucket-logging is not honoured" in notes


def test_trivy_ignore_flow_logs_and_ebs(cli, tmp_path: Path) -> None:
    code = ('#trivy:ignore:AVD-AWS-0178 demo network\nresource "aws_vpc" "demo" {\n  cidr_block = "10.0.0.0/16"\n}\n'
            'resource "aws_vpc" "prod" {\n  cidr_block = "10.1.0.0/16"\n}\n'
            'resource "aws_ebs_volume" "scratch" {\n  availability_zone = "eu-west-1a"\n  size = 1\n'
            '  encrypted = false # trivy:ignore:aws-ebs-enable-volume-encryption\n}\n'
            'resource "aws_ebs_volume" "cmk" {\n  availability_zone = "eu-west-1a"\n  size = 1\n'
            '  encrypted = false # trivy:ignore:AVD-AWS-0027\n}\n')
    report = _run(cli, tmp_path, code)
    found = _by_address(report)
    assert found["aws_vpc.demo"]["suppressed"] and "demo network" in found["aws_vpc.demo"]["suppression_reason"]
    assert not found["aws_vpc.prod"]["suppressed"]
    assert found["aws_ebs_volume.scratch"]["suppressed"]
    assert not found["aws_ebs_volume.cmk"]["suppressed"]
    assert any("AVD-AWS-0027 is not honoured: asks for a customer-managed KMS key" in n
               for n in report["notes"])  # type: ignore[union-attr]


def test_a_natpolicy_skip_still_needs_its_reason_and_wins(cli, tmp_path: Path) -> None:
    code = _sg("both", comment_above="# natpolicy:skip=SG002 ours\n#checkov:skip=CKV_AWS_24:theirs")
    found = _by_address(_run(cli, tmp_path, code))
    assert found["aws_security_group.both"]["suppression_reason"] == "ours"


# -- --check and --skip-check -------------------------------------------------------------------------------

def test_skip_check_with_a_port_id_drops_only_that_port(cli, tmp_path: Path) -> None:
    code = _sg("ssh") + _sg("db", low=3306) + 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'
    found = _by_address(_run(cli, tmp_path, code, "--skip-check", "CKV_AWS_24,CKV2_AWS_11"))
    assert set(found) == {"aws_security_group.db"}
    only = _run(cli, tmp_path, code, "--check", "ckv_aws_24")
    assert set(_by_address(only)) == {"aws_security_group.ssh"}
    flow = _run(cli, tmp_path, code, "--check", "AVD-AWS-0178")
    assert set(_by_address(flow)) == {"aws_vpc.v"} and flow["summary"]["rules"] == 1  # type: ignore[index]


def test_unmapped_ids_in_selection(cli, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_sg("ssh"), encoding="utf-8")
    refused = cli("check", str(tmp_path), "--check", "CKV_AWS_189")
    assert refused.code == 2 and refused.err.startswith("natpolicy: error: --check CKV_AWS_189: asks for a "
                                                        "customer-managed KMS key")
    skipped = cli("check", str(tmp_path), "--skip-check", "CKV_AWS_999", "-f", "json")
    assert skipped.code == 1
    assert any(n.startswith("--skip-check CKV_AWS_999 skips nothing") for n in skipped.json()["notes"])
    assert lookup("CKV_AWS_999") is None
