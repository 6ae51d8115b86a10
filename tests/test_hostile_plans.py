"""Hostile plan files: every one is a one-line input error or a note, never a traceback, a hang or a guess."""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from conftest import PlanBuilder

# Every test here runs once per plan decoder (msgspec and the json reference).
pytestmark = pytest.mark.usefixtures("plan_backend")


def _plan() -> PlanBuilder:
    return PlanBuilder().create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])


def _error(cli, path: Path) -> str:  # type: ignore[no-untyped-def]
    # Run from the file's folder: how a path elsewhere is displayed (relative or absolute) depends
    # on where the clone and the temporary folder are, and this test must not.
    old = os.getcwd()
    os.chdir(path.parent)
    try:
        result = cli("check", path.name, "--no-progress")
    finally:
        os.chdir(old)
    assert result.code == 2, result.out
    assert "internal error" not in result.err and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"natpolicy: error: {path.name}"), lines[0]
    return lines[0]


# -- internal errors that were input errors -------------------------------------

def test_a_number_longer_than_pythons_digit_limit_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.json"
    path.write_text(_plan().dumps()[:-1] + ', "x": ' + "9" * 5000 + "}")
    assert "a number of more than 4,300 digits" in _error(cli, path)


@pytest.mark.parametrize("version", ["\u00b9.0", "\u0661.0", "\uff11.0"], ids=["superscript-one", "arabic-one",
                                                                          "fullwidth-one"])
def test_a_format_version_in_other_digits_is_refused(tmp_path: Path, cli, version: str) -> None:  # type: ignore[no-untyped-def]
    # "¹".isdigit() is true (int() then failed), and int("١") is 1: the plan was silently taken as 1.x.
    path = _plan().write(tmp_path / "p.json")
    doc = json.loads(path.read_text())
    doc["format_version"] = version
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    message = _error(cli, path)
    assert "unreadable plan format_version" in message
    assert version not in message  # shown escaped


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDC00", "\\ud83d x"])
def test_a_lone_surrogate_escape_is_an_input_error(tmp_path: Path, cli, escape: str) -> None:  # type: ignore[no-untyped-def]
    # Every writer failed to encode it (UnicodeEncodeError), in all five formats.
    doc = _plan().dumps(indent=2).replace('"aws_vpc"', f'"aws_vpc{escape}"', 1)
    path = tmp_path / "p.json"
    path.write_text(doc)
    message = _error(cli, path)
    assert "half of a UTF-16 surrogate pair" in message and "at line " in message


def test_a_surrogate_pair_escape_is_a_character(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = _plan().build()
    doc["resource_changes"][0]["change"]["after"]["tags"] = {"Name": "\U0001F600"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))  # ensure_ascii: written as \ud83d\ude00
    assert "\\ud83d" in path.read_text()
    result = cli("check", str(path), "--format", "json", "-q")
    assert result.code in (0, 1), result.err


def test_a_plan_nested_too_deeply_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deep.json"
    path.write_text(_plan().dumps()[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    assert "nested too deeply" in _error(cli, path)


# -- special files ----------------------------------------------------------------

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and sockets are POSIX")


@needs_posix
@pytest.mark.parametrize("kind", ["dev-zero", "dev-urandom", "fifo", "socket", "link-out"])
def test_a_folder_scan_skips_what_is_not_a_regular_file_inside_the_repository(
        tmp_path: Path, cli, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "repo"
    plans = repo / "plans"
    plans.mkdir(parents=True)
    (repo / ".git").mkdir()
    _plan().write(plans / "a.json")
    odd = plans / "x.json"
    bound = None
    if kind == "dev-zero":
        odd.symlink_to("/dev/zero")
    elif kind == "dev-urandom":
        odd.symlink_to("/dev/urandom")
    elif kind == "fifo":
        os.mkfifo(odd)
    elif kind == "socket":
        monkeypatch.chdir(plans)  # AF_UNIX paths are short: bind a relative name
        bound = socket.socket(socket.AF_UNIX)
        bound.bind(odd.name)
    else:
        outside = tmp_path / "secret.json"
        _plan().write(outside)
        odd.symlink_to(outside)
    try:
        # Before: /dev/zero, /dev/urandom and the FIFO hung here forever.
        result = cli("check", str(plans), "--format", "json", "-q")
    finally:
        if bound is not None:
            bound.close()
    assert result.code in (0, 1), result.err
    report = result.json()
    assert report["summary"]["resources"] == 1  # a.json only
    notes = [n for n in report.get("notes", []) if "x.json" in n]
    assert len(notes) == 1 and "not read" in notes[0], report.get("notes")


@needs_posix
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_plan_path_that_is_a_fifo_or_a_device_is_an_input_error(tmp_path: Path, cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    if kind == "fifo":
        os.mkfifo(path)  # no writer: opening it would block forever
    else:
        path.symlink_to("/dev/zero")
    assert "not a regular file" in _error(cli, path)


# -- baselines (read with the same care) ---------------------------------------------

@pytest.mark.parametrize(("content", "problem"), [
    ('{"natpolicy_baseline": 1, "findings": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
    ('{"natpolicy_baseline": ' + "9" * 5000 + ', "findings": []}', "too many digits"),
    ('{"natpolicy_baseline": 1, "findings": [{"rule_id": "SG001", "address": "a.\\ud800"}]}',
     "baseline entry 0: address holds half a UTF-16 surrogate pair"),
    ('{"natpolicy_baseline": "' + "v" * 500 + '", "findings": []}', "unsupported baseline version '" + "v" * 16 + "... (this"),
], ids=["deep", "digits", "surrogate", "long-version"])
def test_a_hostile_baseline_is_one_line(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                       content: str, problem: str) -> None:
    monkeypatch.chdir(tmp_path)
    _plan().write(tmp_path / "plan.json")
    (tmp_path / "base.json").write_text(content, encoding="utf-8")
    result = cli("check", "plan.json", "--baseline", "base.json", "--no-progress")
    assert result.code == 2 and "Traceback" not in result.err and "internal error" not in result.err
    assert result.err.count("\n") == 1
    assert result.err.startswith("natpolicy: error: base.json: ") and problem in result.err, result.err


@needs_posix
def test_a_baseline_that_is_a_device_is_refused_without_hanging(tmp_path: Path, cli,  # type: ignore[no-untyped-def]
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _plan().write(tmp_path / "plan.json")
    (tmp_path / "base.json").symlink_to("/dev/zero")
    result = cli("check", "plan.json", "--baseline", "base.json", "--no-progress")
    expected = "natpolicy: error: base.json: cannot read the baseline: not a regular file"
    assert (result.code, result.err.strip()) == (2, expected)


# -- fail closed on corrupted plans ------------------------------------------------------

def _open_group(name: str = "web", **ingress: object) -> dict[str, object]:
    block = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], **ingress}
    return {"name": name, "ingress": [block]}


def _with_sound_neighbour(builder: PlanBuilder) -> PlanBuilder:
    # A resource the rules can read, in the same plan: its finding must survive the broken one.
    return builder.create("aws_security_group.sound", _open_group("sound"))


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda rc: rc.__setitem__("change", "boom"), "`change` is a JSON string, not a JSON object"),
    (lambda rc: rc.__setitem__("address", 7), "`address` is a JSON number, not a string"),
    (lambda rc: rc.__setitem__("type", ["aws_security_group"]), "`type` is a JSON array"),
    (lambda rc: rc["change"].__setitem__("after", ["x"]), "`change.after` is a JSON array"),
    (lambda rc: rc["change"].__setitem__("after_sensitive", "yes"), "`change.after_sensitive` is a JSON string"),
    (lambda rc: rc["change"].__setitem__("after_unknown", 3), "`change.after_unknown` is a JSON number"),
    (lambda rc: rc.__setitem__("deposed", 1), "`deposed` is a JSON number"),
    (lambda rc: rc.pop("change"), "no `change`"),
    # "yes" is not true: the value under it was read as not sensitive.
    (lambda rc: rc["change"].__setitem__("after_sensitive", {"ingress": [{"cidr_blocks": "yes"}]}),
     "`change.after_sensitive` holds a JSON string where only true or false can be"),
    (lambda rc: rc["change"].__setitem__("after_unknown", {"ingress": [{"from_port": 1}]}),
     "`change.after_unknown` holds a JSON number where only true or false can be"),
], ids=["change-a-string", "address-a-number", "type-an-array", "after-an-array", "mask-a-string",
        "unknown-a-number", "deposed-a-number", "no-change", "mask-leaf-a-string", "unknown-leaf-a-number"])
def test_a_broken_resource_changes_entry_is_an_input_error(tmp_path: Path, cli, edit, problem: str) -> None:  # type: ignore[no-untyped-def]
    # Before: the entry was dropped (or read as a no-op with no values) and the gate passed.
    doc = _with_sound_neighbour(PlanBuilder().create("aws_security_group.web", _open_group())).build()
    edit(doc["resource_changes"][0])
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    message = _error(cli, path)
    assert "resource_changes[0]" in message and problem in message and "cannot be judged" in message


def test_an_entry_that_is_not_an_object_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = _plan().build()
    doc["resource_changes"].append("aws_security_group.web")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    assert "resource_changes[1] is a JSON string, not an object" in _error(cli, path)


@pytest.mark.parametrize(("address", "values", "problem"), [
    ("aws_security_group.web", {"name": "web", "ingress": {"from_port": 22}},
     "`ingress` is a JSON object, not a list of blocks"),
    ("aws_security_group.web", {"name": "web", "ingress": ["0.0.0.0/0"]},
     "`ingress[0]` is a JSON string, not a block"),
    ("aws_security_group.web", _open_group(from_port="ssh"), "`ingress[0].from_port` is a JSON string, not a port"),
    ("aws_security_group.web", _open_group(to_port=float("nan")), "`ingress[0].to_port` is NaN, not a port"),
    ("aws_security_group.web", _open_group(to_port=float("inf")), "`ingress[0].to_port` is an infinite number"),
    ("aws_security_group.web", _open_group(from_port=21.5), "`ingress[0].from_port` is a JSON number with a fraction"),
    ("aws_security_group.web", _open_group(from_port=True), "`ingress[0].from_port` is a JSON boolean"),
    ("aws_security_group.web", _open_group(cidr_blocks="0.0.0.0/0"),
     "`ingress[0].cidr_blocks` is a JSON string, not a list of strings"),
    ("aws_security_group.web", _open_group(cidr_blocks=[["0.0.0.0/0"]]),
     "`ingress[0].cidr_blocks` is a list holding a JSON array"),
    ("aws_security_group.web", _open_group(protocol={"name": "tcp"}),
     "`ingress[0].protocol` is a JSON object, not a protocol"),
    ("aws_security_group_rule.ssh", {"type": "ingress", "from_port": "22x", "to_port": 22, "protocol": "tcp",
                                     "cidr_blocks": ["0.0.0.0/0"]}, "`from_port` is a JSON string, not a port"),
    ("aws_vpc_security_group_ingress_rule.ssh", {"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                                                 "cidr_ipv4": ["0.0.0.0/0"]}, "`cidr_ipv4` is a JSON array"),
    ("aws_ebs_volume.data", {"encrypted": "no", "size": 8}, "`encrypted` is a JSON string, not a boolean"),
    ("aws_ebs_volume.data", {"encrypted": 0, "size": 8}, "`encrypted` is a JSON number, not a boolean"),
    ("aws_instance.web", {"ami": "ami-1", "root_block_device": {"encrypted": False}},
     "`root_block_device` is a JSON object, not a list of blocks"),
    ("aws_instance.web", {"ami": "ami-1", "ebs_block_device": [{"encrypted": [False], "device_name": "/dev/sdf"}]},
     "`ebs_block_device[0].encrypted` is a JSON array"),
    ("aws_launch_template.web", {"block_device_mappings": [{"device_name": "/dev/sda1", "ebs": {"encrypted": "false"}}]},
     "`block_device_mappings[0].ebs` is a JSON object, not a list of blocks"),
    ("aws_ebs_encryption_by_default.this", {"enabled": "off"}, "`enabled` is a JSON string, not a boolean"),
    ("aws_flow_log.vpc", {"vpc_id": 12, "traffic_type": "ALL"}, "`vpc_id` is a JSON number, not a string"),
    ("aws_route.default", {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0",
                           "nat_gateway_id": {"id": "nat-1"}}, "`nat_gateway_id` is a JSON object, not a string"),
    ("aws_route_table.private", {"vpc_id": "vpc-1", "route": {"cidr_block": "0.0.0.0/0"}},
     "`route` is a JSON object, not a list of blocks"),
], ids=lambda v: v if isinstance(v, str) and "." in v and "`" not in v else None)
def test_an_attribute_of_the_wrong_type_fails_the_run_and_names_it(tmp_path: Path, cli, address: str,  # type: ignore[no-untyped-def]
                                                                   values: dict[str, object], problem: str) -> None:
    # Before: each of these was read as "nothing to report" and the gate passed.
    path = _with_sound_neighbour(PlanBuilder().create(address, values, config=False)).write(tmp_path / "p.json")
    result = cli("check", str(path), "--format", "json", "--no-progress")
    assert result.code == 2, result.out
    report = result.json()
    errors = [e for e in report["errors"] if address in e]
    assert len(errors) == 1 and "cannot be judged" in errors[0] and problem in errors[0], report["errors"]
    # Everything else is still judged and reported.
    assert "aws_security_group.sound" in {f["address"] for f in report["findings"]}
    # --skip-invalid: the same line as a note; the exit code is the findings'.
    result = cli("check", str(path), "--format", "json", "--no-progress", "--skip-invalid")
    assert result.code == 1 and any(address in n and problem in n for n in result.json()["notes"])


@pytest.mark.parametrize("port", [22, "22", 22.0, " 22 "])
def test_ports_terraform_and_old_plans_write_are_judged(tmp_path: Path, cli, port: object) -> None:  # type: ignore[no-untyped-def]
    path = PlanBuilder().create("aws_security_group.web", _open_group(from_port=port, to_port=port)) \
        .write(tmp_path / "p.json")
    result = cli("check", str(path), "--format", "json", "-q")
    assert result.code == 1 and not result.json()["errors"]
    assert [f["rule_id"] for f in result.json()["findings"]] == ["SG002"]


def test_the_lines_are_bounded_per_plan(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from natpolicy.loaders.plan_shapes import MAX_REPORTED

    builder = PlanBuilder()
    for i in range(MAX_REPORTED + 5):
        builder.create(f"aws_flow_log.f{i}", {"vpc_id": i}, config=False)
    result = cli("check", str(builder.write(tmp_path / "p.json")), "--format", "json", "-q")
    errors = result.json()["errors"]
    assert result.code == 2 and len(errors) == MAX_REPORTED + 1
    assert errors[-1].endswith("5 more resources cannot be judged (attributes of the wrong JSON type)")


def test_a_wrongly_typed_sensitive_attribute_is_named_never_shown(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = PlanBuilder().create("aws_security_group.web", _open_group(from_port="s3cr3t-port"),
                                sensitive={"ingress": [{"from_port": True}]}).write(tmp_path / "p.json")
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        result = cli("check", str(path), "--format", fmt, "--no-progress")
        assert result.code == 2
        assert "s3cr3t" not in result.out + result.err


@needs_posix
def test_the_tf_folder_scan_reads_no_special_file(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # The HCL loader lists only regular files (Path.is_file) inside the repository: no hang there either.
    root = tmp_path / "infra"
    root.mkdir()
    (tmp_path / ".git").mkdir()
    (root / "main.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (root / "zero.tf").symlink_to("/dev/zero")
    (root / "random.auto.tfvars").symlink_to("/dev/urandom")
    os.mkfifo(root / "fifo.tf")
    (root / "plan.json").symlink_to("/dev/zero")
    result = cli("check", str(root), "--format", "json", "-q")
    assert result.code in (0, 1), result.err
    report = result.json()
    assert report["summary"]["resources"] == 1
    assert any("plan.json: not read: not a regular file" in n for n in report["notes"]), report["notes"]
