"""natpolicy's rules inside Checkov (``checkov --external-checks-dir $(natpolicy checkov-dir)``).

The end-to-end test runs the real Checkov 3.3.30 in its own venv, where
natpolicy is installed with ``pip install --no-deps``; it skips when that venv
cannot be created (see tests/test_checkov_parity.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, CliResult, PlanBuilder

sys.path.insert(0, str(ROOT / "benchmarks"))

import parity  # noqa: E402

from natpolicy.checkov_adapter import ADAPTED_RULES, adapter_dir, resource_from_conf, unwrap  # noqa: E402
from natpolicy.model import UNKNOWN  # noqa: E402


# -- without Checkov ------------------------------------------------------------------
def test_checkov_dir_prints_a_loadable_adapter_directory(cli: Any) -> None:
    result: CliResult = cli("checkov-dir")
    assert result.code == 0
    path = Path(result.out.strip())
    assert path == adapter_dir()
    # Checkov only loads folders with an __init__.py, and keys modules by bare
    # file stem: ours must be unmistakably ours.
    assert (path / "__init__.py").is_file()
    stems = sorted(p.stem for p in path.glob("*.py") if not p.name.startswith("__"))
    assert stems and all(s.startswith("natpolicy_") for s in stems), stems
    assert not [s for s in stems if s in sys.stdlib_module_names]


def test_adapter_and_rules_do_not_import_hcl2() -> None:
    # In Checkov's venv `hcl2` is bc-python-hcl2; importing natpolicy's HCL
    # support there would load the wrong parser.
    code = ("import sys, natpolicy.checkov_adapter as a; from natpolicy.registry import discover; "
            "ids = {c.id for c in discover()}; assert set(a.ADAPTED_RULES) <= ids, ids; "
            "print(sorted(m for m in sys.modules if m == 'hcl2' or m.startswith(('hcl2.', 'lark'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unwrap_undoes_checkov_list_wrapping() -> None:
    # Shapes recorded from Checkov 3.3.30 (plan and HCL confs).
    assert unwrap([22]) == 22
    assert unwrap([None]) is None
    assert unwrap([["0.0.0.0/0"]]) == ["0.0.0.0/0"]
    assert unwrap([[]]) == []
    blocks = unwrap([{"from_port": [22], "cidr_blocks": [["0.0.0.0/0"]], "start_line": [3], "__endline__": [9]}])
    assert blocks == [{"from_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]
    assert unwrap(["${var.office_cidrs}"]) is UNKNOWN
    assert unwrap(["aws_vpc.main.id"], frozenset({"aws_vpc.main.id"})) is UNKNOWN
    assert unwrap(["aws_vpc.main.id"]) == "aws_vpc.main.id"


def test_resource_from_a_plan_conf() -> None:
    conf = {
        "type": ["ingress"], "from_port": [3389], "to_port": [3389], "protocol": ["tcp"],
        "cidr_blocks": [["0.0.0.0/0"]], "ipv6_cidr_blocks": [None], "prefix_list_ids": [None],
        "security_group_id": ["aws_security_group.app.id"],
        "references_": [["aws_security_group.app.id", "aws_security_group.app"]],
        "__address__": "module.net.aws_security_group_rule.rdp[0]", "__change_actions__": ["delete", "create"],
        "__change_keys__": [], "start_line": [0], "end_line": [0], "__file__": ["/x/plan.json"],
    }
    res = resource_from_conf(conf, "aws_security_group_rule")
    assert res is not None
    assert (res.address, res.module, res.type, res.name) == (
        "module.net.aws_security_group_rule.rdp[0]", "module.net", "aws_security_group_rule", "rdp")
    assert res.actions == ("delete", "create") and res.exists_after
    assert res.after["prefix_list_ids"] is None and res.after["cidr_blocks"] == ["0.0.0.0/0"]
    assert res.after["security_group_id"] is UNKNOWN
    assert "__address__" not in res.after and "references_" not in res.after
    # Checkov passes no sensitivity masks: nothing is echoed.
    assert res.show("0.0.0.0/0", "cidr_blocks", 0) == "(sensitive value)"


def test_hcl_conf_is_a_resource_being_created() -> None:
    res = resource_from_conf({"encrypted": [False], "__address__": "aws_ebs_volume.x"}, "aws_ebs_volume")
    assert res is not None and res.actions == ("create",) and res.after == {"encrypted": False}
    assert resource_from_conf({"encrypted": [False]}, "aws_ebs_volume") is None


# -- in Checkov -----------------------------------------------------------------------------
def _adapter_plan() -> PlanBuilder:
    def ingress(port: int, cidrs: list[str], self_: bool = False, protocol: str = "tcp") -> dict[str, Any]:
        return {"cidr_blocks": cidrs, "description": "", "from_port": port, "ipv6_cidr_blocks": [],
                "prefix_list_ids": [], "protocol": protocol, "security_groups": [], "self": self_, "to_port": port}

    def sg(*blocks: dict[str, Any]) -> dict[str, Any]:
        return {"name": "sg", "description": "", "vpc_id": "vpc-1", "ingress": list(blocks), "egress": []}

    lt = {"name": "lt", "image_id": "ami-1",
          "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"encrypted": "false", "volume_size": 8}]}]}
    nat = {"allocation_id": "eipalloc-1", "subnet_id": "subnet-1", "connectivity_type": "public"}
    return (PlanBuilder()
            .create("aws_security_group.ssh_open", sg(ingress(22, ["0.0.0.0/0"])), unknown=["id"])
            # Checkov's own CKV_AWS_24 misses this one (#6073); ours does not.
            .create("aws_security_group.self_first", sg(ingress(0, [], True, "-1"), ingress(22, ["0.0.0.0/0"])),
                    unknown=["id"])
            .create("aws_vpc_security_group_ingress_rule.all_v6",
                    {"ip_protocol": "-1", "cidr_ipv6": "::/0", "cidr_ipv4": None, "from_port": None, "to_port": None,
                     "security_group_id": "sg-1"}, unknown=["id", "arn"])
            .create("aws_security_group.closed", sg(ingress(22, ["10.0.0.0/8"])), unknown=["id"])
            .create("aws_ebs_volume.plain", {"availability_zone": "eu-west-1a", "size": 8, "encrypted": False},
                    unknown=["id"])
            .create("aws_ebs_volume.encrypted", {"availability_zone": "eu-west-1a", "size": 8, "encrypted": True},
                    unknown=["id"])
            .create("aws_launch_template.plain", lt, unknown=["id", "arn"])
            .replace("aws_nat_gateway.replaced", {**nat, "id": "nat-1"}, dict(nat), unknown=["id"])
            .replace("aws_nat_gateway.cbd", {**nat, "id": "nat-2"}, dict(nat), create_first=True, unknown=["id"])
            .delete("aws_nat_gateway.gone", {**nat, "id": "nat-3"}))


def test_checkov_loads_the_adapter_and_reports_our_findings(tmp_path: Path) -> None:
    if os.environ.get("NATPOLICY_SKIP_CHECKOV"):
        pytest.skip("NATPOLICY_SKIP_CHECKOV is set")
    try:
        venv = parity.ensure_checkov()
    except RuntimeError as exc:
        pytest.skip(f"Checkov's venv cannot be created: {exc}")
    plan = _adapter_plan().write(tmp_path / "plan.json")
    # The adapter's path as the natpolicy installed in Checkov's venv reports it.
    where = subprocess.run([str(venv / "bin" / "natpolicy"), "checkov-dir"], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert Path(where, "natpolicy_sg_checks.py").is_file()
    proc = subprocess.run(
        [str(venv / "bin" / "checkov"), "-f", str(plan), "--framework", "terraform_plan", "--skip-download",
         "--external-checks-dir", where, "-o", "json"],
        capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    results = json.loads(proc.stdout)["results"]
    ours = {(c["check_id"], c["resource"]) for c in results["failed_checks"] if c["check_id"].startswith("NATPOLICY_")}
    assert ours == {
        ("NATPOLICY_SG002", "aws_security_group.ssh_open"),
        ("NATPOLICY_SG002", "aws_security_group.self_first"),
        ("NATPOLICY_SG001", "aws_vpc_security_group_ingress_rule.all_v6"),
        ("NATPOLICY_EBS001", "aws_ebs_volume.plain"),
        ("NATPOLICY_EBS003", "aws_launch_template.plain"),
        ("NATPOLICY_NAT002", "aws_nat_gateway.replaced"),
    }
    passed = {(c["check_id"], c["resource"]) for c in results["passed_checks"]}
    assert ("NATPOLICY_SG002", "aws_security_group.closed") in passed
    assert ("NATPOLICY_EBS001", "aws_ebs_volume.encrypted") in passed
    assert ("NATPOLICY_NAT002", "aws_nat_gateway.cbd") in passed
    # Checkov never hands a purely deleted resource to a check.
    assert not [c for c in results["failed_checks"] + results["passed_checks"] if c["resource"].endswith(".gone")]
    # Severity and the message travel with the finding, values hidden.
    ssh = next(c for c in results["failed_checks"] if c["resource"] == "aws_security_group.ssh_open"
               and c["check_id"] == "NATPOLICY_SG002")
    assert ssh["severity"] == "HIGH"
    assert ssh["details"] and "SSH (22/tcp)" in ssh["details"][0] and "0.0.0.0/0" not in ssh["details"][0]
    assert set(ADAPTED_RULES) >= {cid.removeprefix("NATPOLICY_") for cid, _ in ours}


# The attributes each EBS rule judges: an unknown one looks unset through Checkov.
_ENCRYPTION_ATTRIBUTES = {
    "EBS001": ("encrypted", "snapshot_id"),
    "EBS002": ("root_block_device", "ebs_block_device"),
    "EBS003": ("block_device_mappings",),
    "EBS004": ("root_block_device", "ebs_block_device"),
    "EBS005": ("enabled",),
}


def test_adapter_agrees_with_natpolicy_check_except_where_checkov_hides_context() -> None:
    # natpolicy's rules through Checkov against `natpolicy check` itself, on
    # every plan of the small parity set. Differences are allowed only where
    # the README says Checkov cannot show the rule what it needs.
    if os.environ.get("NATPOLICY_SKIP_CHECKOV"):
        pytest.skip("NATPOLICY_SKIP_CHECKOV is set")
    try:
        venv = parity.ensure_checkov()
    except RuntimeError as exc:
        pytest.skip(f"Checkov's venv cannot be created: {exc}")
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.model import is_known
    from natpolicy.policies.ebs._encryption import Default, default_encryption
    from natpolicy.runner import run

    plans = [i.path for i in parity.inputs("small") if not i.hcl]
    where = subprocess.run([str(venv / "bin" / "natpolicy"), "checkov-dir"], capture_output=True, text=True,
                           check=True).stdout.strip()
    ids = ",".join(f"NATPOLICY_{r}" for r in ADAPTED_RULES)
    proc = subprocess.run([str(venv / "bin" / "checkov"), *[a for p in plans for a in ("-f", str(p))],
                           "--framework", "terraform_plan", "--skip-download", "--external-checks-dir", where,
                           "-c", ids, "-o", "json"], capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    results = json.loads(proc.stdout)["results"]
    adapter: dict[str, set[tuple[str, str]]] = {}
    seen: dict[str, set[str]] = {}
    for check in results["failed_checks"]:
        adapter.setdefault(check["file_abs_path"], set()).add((check["check_id"].removeprefix("NATPOLICY_"),
                                                               check["resource"]))
    for check in results["failed_checks"] + results["passed_checks"]:
        seen.setdefault(check["file_abs_path"], set()).add(check["resource"])

    unexplained = []
    for plan in plans:
        model = load_inputs([str(plan)])
        result = run(model, registry.instantiate(registry.select(registry.discover(), list(ADAPTED_RULES))))
        cli = {(f.rule_id, f.address) for f in result.findings}
        ours = adapter.get(str(plan.resolve()), set())
        for rule, address in cli - ours:
            if address not in seen.get(str(plan.resolve()), set()):
                continue  # Checkov never handed this resource to a check (planned_values only)
            unexplained.append(("cli only", plan.name, rule, address))
        for rule, address in ours - cli:
            res = next((r for r in model if r.address == address), None)
            after = res.after if res is not None and isinstance(res.after, dict) else {}
            unknown = any(not is_known(after.get(attr)) for attr in _ENCRYPTION_ATTRIBUTES.get(rule, ()))
            hidden = res is not None and (
                (rule.startswith("EBS") and default_encryption(model) is not Default.OFF) or unknown)
            if not hidden:  # account default or unknown values: Checkov passes neither
                unexplained.append(("adapter only", plan.name, rule, address))
    assert not unexplained, unexplained
    assert sum(len(v) for v in adapter.values()) >= 15  # the comparison covered real findings
