"""natpolicy's rules inside Checkov (``checkov --external-checks-dir $(natpolicy checkov-dir)``).

The end-to-end tests run the real Checkov 3.3.30 in its own venv, where
natpolicy is installed with ``pip install --no-deps``, on plans and on
Terraform code; they skip when that venv cannot be created, or fail with
``NATPOLICY_REQUIRE_CHECKOV=1`` (see tests/test_checkov_parity.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, CliResult, PlanBuilder

sys.path.insert(0, str(ROOT / "benchmarks"))

import parity  # noqa: E402
from natpolicy.checkov_adapter import (  # noqa: E402
    adapted_rules,
    adapter_dir,
    creates_nothing,
    evaluate,
    resource_from_conf,
    unwrap,
    unwrap_block,
)
from natpolicy.model import UNKNOWN  # noqa: E402


def _checkov_venv() -> Path:
    venv = parity.checkov_for_tests()
    if isinstance(venv, str):
        pytest.skip(venv)
    return venv


def _rule(rule_id: str) -> Any:
    from natpolicy.registry import find

    return find(rule_id)()


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
            "ids = {c.id for c in discover()}; assert set(a.adapted_rules()) <= ids, ids; "
            "print(sorted(m for m in sys.modules if m == 'hcl2' or m.startswith(('hcl2.', 'lark'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_family_offered_to_checkov_has_its_check_module() -> None:
    # Checkov loads check modules by file; which rules each builds comes from the rules' metadata.
    from natpolicy.check import rule_family

    modules = {p.stem: p.read_text(encoding="utf-8") for p in adapter_dir().glob("natpolicy_*_checks.py")}
    families = sorted({rule_family(r) for r in adapted_rules()})
    assert sorted(modules) == sorted(f"natpolicy_{f.lower()}_checks" for f in families)
    for family in families:
        assert f'checks = make_checks("{family}")' in modules[f"natpolicy_{family.lower()}_checks"]
    assert adapted_rules("SG") and "FLOW001" not in adapted_rules() and "NAT002" in adapted_rules("NAT")


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


def test_one_element_lists_checkov_wrapped_once_are_lists_again() -> None:
    # Recorded from Checkov 3.3.30 on Terraform code: `cidr_blocks = var.one`
    # (default ["0.0.0.0/0"]) inside an ingress block arrives wrapped once.
    conf = {"__end_line__": 25, "__start_line__": 17, "name": ["from_var"],
            "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": [22], "protocol": ["tcp"], "to_port": [22]}],
            "__address__": "aws_security_group.from_var"}
    res = resource_from_conf(conf, "aws_security_group")
    assert res is not None and res.after["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    assert len(evaluate(_rule("SG002"), res)) == 1
    # Near misses: a literal list, two elements, an empty list, a plan's null, a scalar attribute.
    assert unwrap_block({"cidr_blocks": [["0.0.0.0/0"]]}) == {"cidr_blocks": ["0.0.0.0/0"]}
    assert unwrap_block({"cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}) == {"cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}
    assert unwrap_block({"cidr_blocks": []}) == {"cidr_blocks": []}
    assert unwrap_block({"prefix_list_ids": [None]}) == {"prefix_list_ids": None}
    assert unwrap_block({"protocol": ["tcp"], "cidr_ipv4": ["0.0.0.0/0"]}) == {"protocol": "tcp",
                                                                             "cidr_ipv4": "0.0.0.0/0"}


@pytest.mark.parametrize("text", [
    "var.proto", "each.value.port", "local.rules", "module.network.vpc_id", "count.index",
    "aws_security_group.web.id", "aws_security_group.this[0].id", "ingress.value.cidrs", "[0.0.0.0/0]",
    "{'_': ['', '', ''], 'ssh-tcp': [22, 22, 'SSH', 'tcp']}[\"var.ingress_rules[\"0\"]\"][2]",
    "try(aws_security_group.this[0].id,)", "${var.office_cidrs}",
])
def test_expressions_checkov_left_unresolved_in_code_are_unknown(text: str) -> None:
    conf = {"type": ["ingress"], "from_port": [0], "to_port": [0], "protocol": [text], "cidr_blocks": [["0.0.0.0/0"]],
            "__address__": "aws_security_group_rule.r"}
    res = resource_from_conf(conf, "aws_security_group_rule")
    assert res is not None and res.after["protocol"] is UNKNOWN
    assert not [v for rule in ("SG001", "SG002", "SG003", "SG004") for v in evaluate(_rule(rule), res)]


@pytest.mark.parametrize("text", [
    "0.0.0.0/0", "::/0", "2001:db8::/32", "tcp", "-1", "icmpv6", "/dev/xvda", "snap-0123456789abcdef0",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "alias/aws/ebs", "t3.micro",
    "eu-west-1a", "vpc-0123456789abcdef0", "SSH (office)", "api.example.com",
])
def test_real_values_in_code_are_kept(text: str) -> None:
    assert unwrap([text], hcl=True) == text


def test_plan_values_that_look_like_expressions_are_kept() -> None:
    # A plan carries values, never expressions: only Checkov's references_ are unknown there.
    conf = {"description": ["var.x is documented"], "name": ["aws_sg.main.name"], "__address__": "aws_sg.x",
            "__change_actions__": ["create"]}
    res = resource_from_conf(conf, "aws_security_group")
    assert res is not None and res.after == {"description": "var.x is documented", "name": "aws_sg.main.name"}


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


@pytest.mark.parametrize("for_each", [[{}], [[]], ["set()"]])
def test_code_whose_for_each_checkov_evaluated_to_nothing_creates_nothing(for_each: Any) -> None:
    assert creates_nothing({"for_each": for_each, "encrypted": [False], "__address__": "aws_ebs_volume.x"})


@pytest.mark.parametrize("conf", [
    {"for_each": [{"a": 1}]}, {"for_each": ["var.volumes"]}, {"for_each": [0]}, {"for_each": [False]},
    {"encrypted": [False]},
    {"for_each": [{}], "__change_actions__": ["create"]},  # a plan lists only instances that exist
])
def test_other_blocks_are_judged(conf: dict[str, Any]) -> None:
    assert not creates_nothing({**conf, "__address__": "aws_ebs_volume.x"})


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


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_checkov_loads_the_adapter_and_reports_our_findings(tmp_path: Path) -> None:
    venv = _checkov_venv()
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
    # Every value counts as sensitive here, ports too: the grade is named, never the port.
    assert ssh["details"] and "a sensitive administrative or database port" in ssh["details"][0]
    assert "0.0.0.0/0" not in ssh["details"][0] and "22" not in ssh["details"][0]
    assert set(adapted_rules()) >= {cid.removeprefix("NATPOLICY_") for cid, _ in ours}


# The attributes each EBS rule judges: an unknown one looks unset through Checkov.
_ENCRYPTION_ATTRIBUTES = {
    "EBS001": ("encrypted", "snapshot_id"),
    "EBS002": ("root_block_device", "ebs_block_device"),
    "EBS003": ("block_device_mappings",),
    "EBS004": ("root_block_device", "ebs_block_device"),
    "EBS005": ("enabled",),
}


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_adapter_agrees_with_natpolicy_check_except_where_checkov_hides_context() -> None:
    # natpolicy's rules through Checkov against `natpolicy check` itself, on
    # every plan of the small parity set. Differences are allowed only where
    # the README says Checkov cannot show the rule what it needs.
    venv = _checkov_venv()
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.model import is_known
    from natpolicy.policies.ebs._encryption import Default, default_encryption
    from natpolicy.runner import run

    plans = [i.path for i in parity.inputs("small") if not i.hcl]
    where = subprocess.run([str(venv / "bin" / "natpolicy"), "checkov-dir"], capture_output=True, text=True,
                           check=True).stdout.strip()
    ids = ",".join(f"NATPOLICY_{r}" for r in adapted_rules())
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
        result = run(model, registry.instantiate(registry.select(registry.discover(), list(adapted_rules()))))
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


# -- Terraform code through Checkov ------------------------------------------------------------
def _adapter_on_code(venv: Path, *directories: Path) -> dict[Path, tuple[set[tuple[str, str]], set[tuple[str, str]]]]:
    """Run Checkov with the adapter on Terraform directories: per directory, (failed, passed) pairs.

    One run per directory: with several ``-d``, Checkov 3.3.30 reports the first one again for each.
    """
    from concurrent.futures import ThreadPoolExecutor

    where = subprocess.run([str(venv / "bin" / "natpolicy"), "checkov-dir"], capture_output=True, text=True,
                           check=True).stdout.strip()
    ids = ",".join(f"NATPOLICY_{r}" for r in adapted_rules())

    def scan(directory: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        proc = subprocess.run([str(venv / "bin" / "checkov"), "-d", str(directory), "--framework", "terraform",
                               "--skip-download", "--external-checks-dir", where, "-c", ids, "-o", "json"],
                              capture_output=True, text=True, check=False)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        reports = json.loads(proc.stdout)
        failed: set[tuple[str, str]] = set()
        passed: set[tuple[str, str]] = set()
        for report in reports if isinstance(reports, list) else [reports]:
            for key, into in (("failed_checks", failed), ("passed_checks", passed)):
                checks = report.get("results", {}).get(key, [])  # no "results" when nothing was scanned
                into.update((c["check_id"].removeprefix("NATPOLICY_"), c["resource"]) for c in checks)
        return failed, passed

    with ThreadPoolExecutor(max_workers=2) as pool:  # Checkov is single-threaded; start-up dominates
        return dict(zip(directories, pool.map(scan, directories), strict=True))


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_checkov_runs_the_adapter_on_terraform_code() -> None:
    # Lists from a variable, a local and a module input (wrapped once by
    # Checkov inside ingress blocks) are read as lists; what Checkov could
    # not resolve stays unknown and is never reported.
    venv = _checkov_venv()
    code = ROOT / "fixtures" / "parity" / "hcl_variable_cidrs"
    failed, passed = _adapter_on_code(venv, code)[code]
    assert failed == {
        ("SG002", "aws_security_group.ssh_from_variable"),
        ("SG002", "aws_security_group.rdp_from_local"),
        ("SG002", "module.public_ssh.aws_security_group.this"),
    }
    assert {("SG002", "aws_security_group.ssh_from_office"), ("SG004", "aws_security_group_rule.unknown_protocol"),
            ("SG001", "aws_security_group_rule.unknown_protocol"), ("EBS001", "aws_ebs_volume.unknown_encryption"),
            ("SG002", "module.private_ssh.aws_security_group.this")} <= passed


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_adapter_on_terraform_code_reports_nothing_natpolicy_check_does_not() -> None:
    # Every HCL fixture: what the adapter reports inside Checkov is what
    # `natpolicy check DIR` reports, minus what Checkov cannot resolve. A block
    # whose for_each is empty, which Checkov still hands to the checks, is not
    # reported either.
    from natpolicy import registry
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    venv = _checkov_venv()
    directories = sorted(d for base in (ROOT / "fixtures" / "hcl", ROOT / "fixtures" / "parity")
                         for d in base.iterdir() if d.is_dir() and any(d.glob("*.tf")) and d.name != "syntax_error")
    adapter = _adapter_on_code(venv, *directories)
    extra: list[tuple[str, str, str]] = []
    for directory in directories:
        model = load_inputs([str(directory)])
        result = run(model, registry.instantiate(registry.select(registry.discover(), list(adapted_rules()))))
        cli = {(f.rule_id, parity._strip_keys(f.address)) for f in result.findings}
        instances = {parity._strip_keys(r.address) for r in model}
        for rule, address in adapter[directory][0]:
            if (rule, parity._strip_keys(address)) not in cli:
                extra.append((directory.name, rule, address, "no such instance" if
                              parity._strip_keys(address) not in instances else "natpolicy check passes it"))
    assert not extra, extra
    zero = ROOT / "fixtures" / "parity" / "hcl_count_zero_module"
    assert ("EBS001", "module.enabled.aws_ebs_volume.this[\"data\"]") in adapter[zero][0]  # the control
    assert not [c for c in adapter[zero][0] | adapter[zero][1] if "disabled" in c[1]]  # neither failed nor passed
    found = {(d.name, *pair) for d, (failed, _) in adapter.items() for pair in failed}
    # The audit's misses: variable- and module-supplied one-element lists.
    assert ("sg_variables", "SG002", "aws_security_group.bastion") in found
    assert ("module_twice", "SG002", "module.public_api.aws_security_group.this") in found


def test_conf_address_with_a_dotted_key_keeps_its_module_and_name() -> None:
    conf = {"__address__": 'module.m["x"].aws_security_group.web["a.aws_security_group.b"]', "name": ["web"]}
    res = resource_from_conf(conf, "aws_security_group")
    assert res is not None and (res.module, res.name) == ('module.m["x"]', "web")
