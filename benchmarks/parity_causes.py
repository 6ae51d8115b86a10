"""The documented reasons natpolicy and Checkov disagree, and how each one is recognised.

Each ``Cause`` says who is right and why, names the fixture in
``fixtures/parity/`` that shows it, and carries a classifier that decides
from the *input itself* (``parity_evidence``) whether a disagreement is an
instance of it. A classifier never asks natpolicy whether natpolicy is
right: "natpolicy is right" rows must show, independently, that the
resource really is open to the internet / unencrypted / without a flow log
(or really is not).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import parity_evidence as ev

SG_QUESTIONS = ("sg:22", "sg:3389", "sg:80", "sg:all")
# What each question reads of a resource (for "was it unknown / an expression?").
QUESTION_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    **{q: ("ingress", "cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6", "protocol", "ip_protocol",
           "from_port", "to_port", "type") for q in SG_QUESTIONS},
    "ebs:vol": ("encrypted", "snapshot_id"),
    "ebs:inst": ("root_block_device", "ebs_block_device", "encrypted"),
    "flow:vpc": ("vpc_id",),
}


@dataclass(frozen=True)
class Row:
    input: str
    question: str
    address: str
    checkov: bool | None  # None: Checkov did not evaluate the resource
    natpolicy: bool | None  # None: natpolicy has no such resource (HCL: no instance)
    cause: str | None = None


@dataclass(frozen=True)
class View:
    """One resource instance as the input states it (plans) or natpolicy evaluated it (HCL)."""

    type: str
    address: str
    values: Mapping[str, Any]
    unknown: Mapping[str, Any] = field(default_factory=dict)  # the plan's after_unknown


@dataclass(frozen=True)
class Ctx:
    """What a classifier may look at for one disagreement."""

    hcl: bool
    root: Path  # the plan file, or the Terraform directory
    plan: ev.PlanFacts | None = None
    views: tuple[View, ...] = ()  # the resource's instances that exist after apply
    block: str = ""  # HCL: the block's source text, where Checkov read it
    block_dir: Path | None = None


@dataclass(frozen=True)
class Cause:
    id: str
    title: str
    right: str  # "natpolicy", "checkov" or "undecidable"
    why: str
    fixture: str  # in fixtures/parity/ (a plan, or an hcl_* directory)
    proves: tuple[tuple[str, str], ...]  # (question, address) disagreements the fixture shows
    applies: Callable[[Row, Ctx], bool]


# -- shared tests -----------------------------------------------------------------------
def _nat_only(row: Row) -> bool:
    return row.natpolicy is True and not row.checkov


def _ckv_only(row: Row) -> bool:
    return row.checkov is True and row.natpolicy is False


def _entries(ctx: Ctx) -> list[tuple[View, ev.Entry]]:
    return [(view, entry) for view in ctx.views for entry in ev.entries(view.type, view.values)]


def _open_entries(row: Row, ctx: Ctx) -> list[ev.Entry]:
    return [entry for _, entry in _entries(ctx) if ev.open_to(entry, row.question)]


def _sg_natpolicy_only(row: Row) -> bool:
    return row.question in SG_QUESTIONS and _nat_only(row)


def _default(ctx: Ctx) -> ev.Default:
    if ctx.plan is not None:
        return ctx.plan.default_encryption()
    if not ctx.hcl:
        return ev.Default.UNKNOWN  # a plan that could not be read
    # Terraform code: off unless the code manages it; when it does, this
    # module does not evaluate it, so it cannot vouch either way.
    declared = re.compile(r'^\s*resource\s+"aws_ebs_encryption_by_default"', re.M)
    if any(declared.search(p.read_text(encoding="utf-8", errors="replace")) for p in ctx.root.rglob("*.tf")):
        return ev.Default.UNKNOWN
    return ev.Default.OFF


def _flow_log_names(ctx: Ctx, address: str) -> bool:
    """Does a flow log that exists after apply target this VPC, by literal id or by reference?"""
    plan = ctx.plan
    if plan is None:
        return False
    ids = {v.get("id") for v in (plan.values(address), plan.before(address))} - {None, ""}
    modules, local = ev.config_path(address)
    for log in plan.addresses("aws_flow_log"):
        if plan.values(log).get("vpc_id") in ids:
            return True
        expressions = plan.expressions(log) or {}
        refs = ev.references(expressions.get("vpc_id"))
        if ev.config_path(log)[0] == modules and (local in refs or f"{local}.id" in refs):
            return True
    return False


def _fails_for_real(row: Row, ctx: Ctx) -> bool:
    """natpolicy's FAIL, re-derived from the input: open, unencrypted, or without a flow log."""
    if row.question in SG_QUESTIONS:
        return bool(_open_entries(row, ctx))
    default = _default(ctx)
    for view in ctx.views:
        values = view.values
        if row.question == "ebs:vol":
            encrypted = values.get("encrypted")
            if encrypted is False:
                return True
            if _unset(view, ctx, "encrypted") and _unset(view, ctx, "snapshot_id") and default is ev.Default.OFF:
                return True
        elif row.question == "ebs:inst":
            blocks = [b for attr in ("root_block_device", "ebs_block_device") for b in _blocks(values, attr)]
            if any(b.get("encrypted") is False for b in blocks):
                return True
            if default is ev.Default.OFF and (not _blocks(values, "root_block_device") or _unset_blocks(view, ctx)):
                return True
        elif row.question == "flow:vpc":
            # Only a plan is read for flow logs here; on code nothing vouches.
            return ctx.plan is not None and not _flow_log_names(ctx, view.address)
    return False


def _unset(view: View, ctx: Ctx, attr: str) -> bool:
    """The attribute is not set: absent or null, or unknown while the configuration does not mention it."""
    if view.values.get(attr) not in (None, ""):
        return False
    if view.unknown.get(attr) is not True:
        return True
    expressions = ctx.plan.expressions(view.address) if ctx.plan is not None else None
    return expressions is not None and attr not in expressions


def _blocks(values: Mapping[str, Any], attr: str) -> list[Mapping[str, Any]]:
    blocks = values.get(attr)
    return [b for b in blocks if isinstance(b, Mapping)] if isinstance(blocks, list) else []


def _unset_blocks(view: View, ctx: Ctx) -> bool:
    """A root or EBS block whose ``encrypted`` is not set: absent, or unknown while the configuration omits it."""
    expressions = ctx.plan.expressions(view.address) if ctx.plan is not None else None
    for attr in ("root_block_device", "ebs_block_device"):
        masks = view.unknown.get(attr)
        masks = masks if isinstance(masks, list) else []
        config = None if expressions is None else expressions.get(attr)
        config_sets = isinstance(config, list) and any(isinstance(c, Mapping) and "encrypted" in c for c in config)
        for i, block in enumerate(_blocks(view.values, attr)):
            unknown = i < len(masks) and isinstance(masks[i], Mapping) and masks[i].get("encrypted") is True
            if block.get("encrypted") is None and not unknown:
                return True
            if unknown and isinstance(config, list) and not config_sets:
                return True
    return False


def _expression_attributes(ctx: Ctx, question: str) -> list[tuple[str, str]]:
    """HCL: the assignments of the question's attributes that are not constants."""
    wanted = QUESTION_ATTRIBUTES[question]
    return [(name, value) for name, value in ev.assignments(ctx.block)
            if name in wanted and not ev.is_literal(value)]


# -- the causes -----------------------------------------------------------------------------
def _self_first(row: Row, ctx: Ctx) -> bool:
    if not _sg_natpolicy_only(row):
        return False
    for view in ctx.views:
        if view.type not in ev.GROUP_TYPES:
            continue
        found = ev.entries(view.type, view.values)
        selfs = [e.index for e in found if e.values.get("self") is True and e.index is not None]
        if selfs and any(ev.open_to(e, row.question) and (e.index or 0) > min(selfs) for e in found):
            return True
    return False


def _prefix_null(row: Row, ctx: Ctx) -> bool:
    return _sg_natpolicy_only(row) and any(
        "prefix_list_ids" in e.values and e.values["prefix_list_ids"] is None for e in _open_entries(row, ctx))


def _prefix_beside_cidr(row: Row, ctx: Ctx) -> bool:
    return _sg_natpolicy_only(row) and any(
        isinstance(p := e.values.get("prefix_list_ids"), list) and p for e in _open_entries(row, ctx))


def _ip_protocol(row: Row, ctx: Ctx) -> bool:
    # Checkov never reads ip_protocol: without ports it passes, with ports it
    # judges them alone, though -1 opens every port.
    if not _sg_natpolicy_only(row):
        return False
    return any(view.type == "aws_vpc_security_group_ingress_rule" and ev.every_protocol(e)
               and ev.covers_internet(e.sources) for view, e in _entries(ctx))


def _all_protocols_unknown_ports(row: Row, ctx: Ctx) -> bool:
    if not _sg_natpolicy_only(row):
        return False
    return any(view.type != "aws_vpc_security_group_ingress_rule" and ev.every_protocol(e)
               and ev.covers_internet(e.sources) and (ev.port(e.from_port) is None or ev.port(e.to_port) is None)
               for view, e in _entries(ctx))


def _protocol_all_by_name(row: Row, ctx: Ctx) -> bool:
    return (row.question == "sg:all" and _nat_only(row)
            and any(ev.protocol(e.protocol) == "all" for e in _open_entries(row, ctx)))


def _icmp_all_types(row: Row, ctx: Ctx) -> bool:
    # CKV_AWS_277 asks whether -1 lies within from_port..to_port; for ICMP
    # those are type and code, -1 meaning every type: ping, not all traffic.
    if not (_ckv_only(row) and row.question == "sg:all"):
        return False
    return any(ev.protocol(e.protocol) in ("icmp", "icmpv6", "1", "58") and set(e.sources) & ev.CHECKOV_INTERNET
               and (low := ev.port(e.from_port)) is not None and (high := ev.port(e.to_port)) is not None
               and low <= -1 <= high for _, e in _entries(ctx))


def _split_cidr(row: Row, ctx: Ctx) -> bool:
    return _sg_natpolicy_only(row) and any(
        not set(e.sources) & ev.CHECKOV_INTERNET for e in _open_entries(row, ctx))


def _zero_ports(row: Row, ctx: Ctx) -> bool:
    # Checkov reads from_port = to_port = 0 as 0-65535 for every protocol;
    # for TCP and UDP it is port 0 alone, and other protocols have no ports.
    if not (_ckv_only(row) and row.question in SG_QUESTIONS and row.question != "sg:all"):
        return False
    return any(ev.port(e.from_port) == 0 and ev.port(e.to_port) == 0 and ev.protocol(e.protocol) is not None
               and not ev.every_protocol(e) and set(e.sources) & ev.CHECKOV_INTERNET
               and not ev.exposes(e, row.question)
               for _, e in _entries(ctx))


def _default_encryption(row: Row, ctx: Ctx) -> bool:
    # The default applies when a volume is created (an instance's at launch).
    return (_ckv_only(row) and row.question in ("ebs:vol", "ebs:inst") and ctx.plan is not None
            and ctx.plan.default_encryption() is ev.Default.ON and ctx.plan.creating(row.address))


def _snapshot(row: Row, ctx: Ctx) -> bool:
    if not (_ckv_only(row) and row.question == "ebs:vol"):
        return False
    return any(isinstance(v.values.get("snapshot_id"), str) and v.values["snapshot_id"]
               and not isinstance(v.values.get("encrypted"), bool) for v in ctx.views)


def _flow_by_id(row: Row, ctx: Ctx) -> bool:
    plan = ctx.plan
    if not (_ckv_only(row) and row.question == "flow:vpc" and plan is not None):
        return False
    ids = {v.get("id") for v in (plan.values(row.address), plan.before(row.address))} - {None, ""}
    return any(plan.values(log).get("vpc_id") in ids for log in plan.addresses("aws_flow_log"))


def _flow_by_module_output(row: Row, ctx: Ctx) -> bool:
    if not (_ckv_only(row) and row.question == "flow:vpc"):
        return False
    modules, local = ev.config_path(row.address)
    if not modules:
        return False
    targets = {local, f"{local}.id"}
    if ctx.plan is not None:
        plan = ctx.plan
        outputs = (plan.module_config(modules) or {}).get("outputs") or {}
        names = {name for name, out in outputs.items()
                 if isinstance(out, Mapping) and targets & set(ev.references(out.get("expression")))}
        wanted = {f"module.{modules[-1]}.{name}" for name in names}
        for log in plan.addresses("aws_flow_log"):
            where = ev.config_path(log)[0]
            refs = set(ev.references((plan.expressions(log) or {}).get("vpc_id")))
            if where == modules[:-1] and wanted & refs:
                return True
            # A flow log in a sibling module, handed the output as an input variable.
            if len(where) == len(modules) and where[:-1] == modules[:-1]:
                call = ((plan.module_config(where[:-1]) or {}).get("module_calls") or {}).get(where[-1]) or {}
                inputs = call.get("expressions") or {}
                if any(ref.startswith("var.") and wanted & set(ev.references(inputs.get(ref[4:])))
                       for ref in refs):
                    return True
        return False
    if len(modules) != 1:
        return False
    source = ev.module_source(ctx.root, modules[0])
    if source is None:
        return False
    wanted = {f"module.{modules[0]}.{name}" for name in _hcl_output_names(source, targets)}
    if any(attr == "vpc_id" and value in wanted
           for block in _hcl_resource_blocks(ctx.root, "aws_flow_log") for attr, value in ev.assignments(block)):
        return True
    # Or a flow log inside another module that is handed the output as an input.
    for call in re.findall(r'^\s*module\s+"([^"]+)"', _tf_text(ctx.root), re.M):
        inputs = {attr for attr, value in ev.assignments(ev.named_block(ctx.root, "module", call)) if value in wanted}
        logs = ev.module_source(ctx.root, call)
        if inputs and logs is not None and any(
                attr == "vpc_id" and value in {f"var.{i}" for i in inputs}
                for block in _hcl_resource_blocks(logs, "aws_flow_log") for attr, value in ev.assignments(block)):
            return True
    return False


def _tf_text(directory: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(directory.glob("*.tf")))


def _hcl_output_names(directory: Path, targets: set[str]) -> set[str]:
    names: set[str] = set()
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for name in re.findall(r'^\s*output\s+"([^"]+)"', text, re.M):
            values = [v for a, v in ev.assignments(ev.named_block(directory, "output", name)) if a == "value"]
            if values and values[0] in targets:
                names.add(name)
    return names


def _hcl_resource_blocks(directory: Path, resource_type: str) -> list[str]:
    found = []
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for name in re.findall(rf'^\s*resource\s+"{resource_type}"\s+"([^"]+)"', text, re.M):
            found.append(ev.named_block(directory, f'resource "{resource_type}"', name))
    return found


def _unset_block(row: Row, ctx: Ctx) -> bool:
    if not (row.question == "ebs:inst" and row.checkov is None and row.natpolicy is True):
        return False
    return _default(ctx) is ev.Default.OFF and any(_unset_blocks(view, ctx) for view in ctx.views)


def _planned_values_only(row: Row, ctx: Ctx) -> bool:
    return (row.checkov is None and row.natpolicy is True and ctx.plan is not None
            and row.address not in ctx.plan.planned and _fails_for_real(row, ctx))


def _unknown_judged(row: Row, ctx: Ctx) -> bool:
    if not _ckv_only(row):
        return False
    wanted = QUESTION_ATTRIBUTES[row.question]
    if ctx.hcl:
        # A variable nobody sets: Checkov keeps its name and judges that.
        return ctx.block_dir == ctx.root and any(
            ev.variable_is_unset(ctx.root, ref) for _, value in _expression_attributes(ctx, row.question)
            for ref in re.findall(r"\bvar\.([A-Za-z_][\w-]*)", value))
    plan = ctx.plan
    if plan is None:
        return False
    for view in ctx.views:
        expressions = plan.expressions(view.address)
        for attr in wanted:
            mask = view.unknown.get(attr)
            # Unknown in the plan, and not simply unset: the plan has no
            # configuration to tell, or the configuration does set it. An
            # ingress rule's protocol, ports and sources are never "unset".
            configured = expressions is None or attr in expressions or row.question in SG_QUESTIONS
            if mask is True and configured:
                return True
            if isinstance(mask, list) and configured:
                nested = [m for m in mask if isinstance(m, Mapping)]
                if any(any(m.get(a) is True for a in wanted) for m in nested):
                    block_config = (expressions or {}).get(attr) if expressions is not None else None
                    if block_config is None or any(isinstance(c, Mapping) and any(a in c for a in wanted)
                                                   for c in block_config or []):
                        return True
    return False


def _hcl_unevaluated(row: Row, ctx: Ctx) -> bool:
    # natpolicy evaluated an expression Checkov kept as text: the block Checkov
    # read must really hold one for this question, and natpolicy's evaluated
    # values must really be open (independently of natpolicy's rules).
    if not (ctx.hcl and _nat_only(row)):
        return False
    dynamic = row.question in SG_QUESTIONS and re.search(r'^\s*dynamic\s+"ingress"', ctx.block, re.M)
    if not (dynamic or _expression_attributes(ctx, row.question)):
        return False
    return _fails_for_real(row, ctx)


def _hcl_expression_as_text(row: Row, ctx: Ctx) -> bool:
    # Checkov kept an expression as text and judged the text; natpolicy's
    # evaluated value must really be compliant, and known.
    if not (ctx.hcl and _ckv_only(row) and _expression_attributes(ctx, row.question) and ctx.views):
        return False
    for view in ctx.views:
        values = view.values
        if row.question == "ebs:vol" and values.get("encrypted") is not True:
            return False
        if row.question == "ebs:inst":
            blocks = [b for attr in ("root_block_device", "ebs_block_device") for b in _blocks(values, attr)]
            if not blocks or any(b.get("encrypted") is not True for b in blocks):
                return False
        if row.question in SG_QUESTIONS:
            found = ev.entries(view.type, values)
            known = all(ev.protocol(e.protocol) is not None and all(isinstance(v, str) for v in e.sources)
                        for e in found)
            if not known or any(ev.open_to(e, row.question) for e in found):
                return False
        if row.question == "flow:vpc":
            return False  # nothing here evaluates flow logs in code
    return True


def _hcl_zero_instances(row: Row, ctx: Ctx) -> bool:
    if not (ctx.hcl and row.checkov is True and row.natpolicy is None and not ctx.views):
        return False
    counted = any(name in ("count", "for_each") for name, _ in ev.assignments(ctx.block))
    return counted or _module_counted(ctx, row.address)


def _module_counted(ctx: Ctx, address: str) -> bool:
    """Is the resource in a root-module call that has ``count`` or ``for_each``?"""
    modules, _ = ev.config_path(address)
    if not modules:
        return False
    call = ev.named_block(ctx.root, "module", modules[0])
    return any(name in ("count", "for_each") for name, _ in ev.assignments(call))


CAUSES: tuple[Cause, ...] = (
    Cause("ckv-self-shortcircuit", "Checkov #6073: a `self` ingress block passes the whole group", "natpolicy",
          "AbsSecurityGroupUnrestrictedIngress returns PASSED at the first `self = true` block, so an open block "
          "after it is never read. The open block is reachable from the internet.",
          "sg_self_first.json", (("sg:22", "aws_security_group.self_first"),), _self_first),
    Cause("ckv-prefix-list-null", "Checkov: `prefix_list_ids: null` in a plan passes the rule", "natpolicy",
          "The plan's `null` reaches the check as `[None]`, which is truthy, so the rule is treated as limited to "
          "a prefix list. Its `cidr_blocks` still hold 0.0.0.0/0.",
          "sg_prefix_list_null.json", (("sg:3389", "aws_security_group_rule.rdp_null"),), _prefix_null),
    Cause("ckv-prefix-list-beside-cidr", "Checkov: any prefix list passes the rule, even beside 0.0.0.0/0",
          "natpolicy",
          "Sources are a union: a prefix list in the same rule does not narrow `cidr_blocks = [\"0.0.0.0/0\"]`.",
          "sg_prefix_list_and_cidr.json", (("sg:22", "aws_security_group.prefix_and_world"),),
          _prefix_beside_cidr),
    Cause("ckv-ip-protocol-ignored",
          "Checkov: `ip_protocol = \"-1\"` of aws_vpc_security_group_ingress_rule is never read", "natpolicy",
          "A rule without from_port/to_port passes, and one with ports is judged by them alone; `-1` means "
          "every protocol and port, from the whole internet.",
          "sg_vpc_rule_ip_protocol.json",
          tuple((q, a) for a in ("aws_vpc_security_group_ingress_rule.all_v6",
                                 "aws_vpc_security_group_ingress_rule.all_with_ports") for q in SG_QUESTIONS),
          _ip_protocol),
    Cause("ckv-all-protocols-unknown-ports", "Checkov passes a protocol -1 rule whose ports are known only at apply",
          "natpolicy",
          "Protocol -1 opens every protocol and port whatever `from_port`/`to_port` will say, so the rule is open "
          "from the internet however the ports turn out.",
          "sg_all_protocols_unknown_ports.json",
          tuple((q, "aws_security_group_rule.ports_from_variable") for q in SG_QUESTIONS),
          _all_protocols_unknown_ports),
    Cause("ckv-protocol-all-by-name", "CKV_AWS_277 matches the string `-1`, not the protocol name `all`",
          "natpolicy",
          "The AWS provider turns the protocol name `all` into `-1` (ProtocolForValue): the same rule, all traffic.",
          "sg_protocol_all.json", (("sg:all", "aws_security_group_rule.all_by_name"),), _protocol_all_by_name),
    Cause("ckv-icmp-all-types", "CKV_AWS_277 reads an ICMP rule for every type (-1/-1) as all traffic", "natpolicy",
          "For ICMP, `from_port` and `to_port` are the type and code; -1 means every type. That is ping and its "
          "relatives from the internet, not every protocol and port.",
          "sg_icmp_all_types.json",
          (("sg:all", "aws_security_group.ping"), ("sg:all", "aws_vpc_security_group_ingress_rule.ping")),
          _icmp_all_types),
    Cause("ckv-split-cidr", "Checkov: only the literal 0.0.0.0/0 (or ::/0) counts as the internet", "natpolicy",
          "0.0.0.0/1 plus 128.0.0.0/1 (or any set of ranges whose union is every address) is the whole internet.",
          "sg_split_cidr.json", (("sg:22", "aws_security_group.split"),), _split_cidr),
    Cause("ckv-zero-ports-every-port", "Checkov reads `from_port = to_port = 0` as every port, whatever the protocol",
          "natpolicy",
          "For TCP and UDP, 0-0 is port 0 alone (AWS writes every port as 0-65535 or protocol -1); ESP, GRE and "
          "ICMP have no ports at all. natpolicy reports such a rule for what it opens (SG004 for ESP), not as SSH, "
          "RDP or HTTP.",
          "sg_zero_ports.json",
          tuple((q, a) for a in ("aws_security_group.tcp_port_zero", "aws_security_group_rule.esp")
                for q in ("sg:22", "sg:3389", "sg:80")), _zero_ports),
    Cause("ckv-default-encryption-ignored", "Checkov CKV_AWS_3 and CKV_AWS_8 ignore aws_ebs_encryption_by_default",
          "natpolicy",
          "With default encryption enabled in the plan or the prior state, AWS encrypts every volume created after "
          "it, an instance's root volume included, whatever `encrypted` says.",
          "ebs_default_encryption.json", (("ebs:vol", "aws_ebs_volume.data"), ("ebs:inst", "aws_instance.web")),
          _default_encryption),
    Cause("ckv-snapshot-inherits", "a volume restored from a snapshot that neither tool can see", "undecidable",
          "A volume made from `snapshot_id` without `encrypted` inherits the snapshot's encryption. Whether that "
          "snapshot is encrypted is in AWS, not in the plan or the code, so neither verdict can be shown right: "
          "Checkov CKV_AWS_3 fails the volume, natpolicy chooses not to report what it cannot see (CKV_AWS_8 "
          "itself accepts `snapshot_id` for block devices).",
          "ebs_snapshot.json", (("ebs:vol", "aws_ebs_volume.restored"),), _snapshot),
    Cause("ckv-flow-needs-reference", "Checkov CKV2_AWS_11 needs a reference edge; a literal vpc_id is ignored",
          "natpolicy",
          "The flow log's `vpc_id` equals the VPC's id: AWS records that VPC's traffic whatever wrote the id.",
          "flow_literal_vpc_id.json", (("flow:vpc", "aws_vpc.main"),), _flow_by_id),
    Cause("ckv-flow-module-output", "Checkov #3871: a flow log that names a module's VPC through its output",
          "natpolicy",
          "The flow log's `vpc_id` refers to `module.network.vpc_id`, an output that is the module's VPC id; "
          "Checkov's graph has no edge through the module output.",
          "flow_module_output.json", (("flow:vpc", "module.network.aws_vpc.this"),), _flow_by_module_output),
    Cause("ckv8-unset-block-unknown", "Checkov CKV_AWS_8 scores a block without `encrypted` UNKNOWN (not reported)",
          "natpolicy",
          "A root or EBS block that does not set `encrypted`, in an account without default encryption, is created "
          "unencrypted unless the AMI's snapshot is encrypted (hence EBS002's medium precision). Checkov drops the "
          "result, so nothing is reported.",
          "ebs_root_encrypted_unset.json", (("ebs:inst", "aws_instance.web"),), _unset_block),
    Cause("ckv-planned-values-only", "Checkov reads resources from `planned_values` only", "natpolicy",
          "`resource_changes` is the plan's list of changes; a resource missing from `planned_values` (trimmed or "
          "hand-edited plans) is never checked by Checkov.",
          "planned_values_trimmed.json", (("sg:22", "aws_security_group.only_in_changes"),), _planned_values_only),
    Cause("ckv-unknown-judged", "Checkov judges a value known only at apply as missing (plan) or open (HCL)",
          "natpolicy",
          "Checkov drops `after_unknown` values (and leaves unset variables unresolved) and then fails the resource. "
          "natpolicy never reports a value Terraform will only know at apply: it could be compliant. When the plan's "
          "configuration shows the attribute is simply not set, natpolicy does judge it as unset.",
          "ebs_unknown_encrypted.json", (("ebs:vol", "aws_ebs_volume.data"),), _unknown_judged),
    Cause("ckv-hcl-unevaluated-expression", "Checkov leaves count/for_each/module expressions unevaluated (HCL)",
          "natpolicy",
          "natpolicy evaluates `count.index` conditionals, `for`/`flatten`, `lookup`/`try` and module inputs per "
          "instance; Checkov keeps the raw expression and misses the open rule it yields.",
          "hcl_count_expression", (("sg:all", "aws_security_group.debug"),), _hcl_unevaluated),
    Cause("ckv-hcl-expression-judged-as-text", "Checkov judges an expression it did not evaluate by its text (HCL)",
          "natpolicy",
          "`encrypted = \"${!var.plain}\"` is true (`plain` defaults to false); Checkov cannot evaluate the "
          "negation, keeps the string and fails the volume. natpolicy evaluates it.",
          "hcl_expression_as_text", (("ebs:vol", "aws_ebs_volume.negated"),), _hcl_expression_as_text),
    Cause("ckv-hcl-zero-instances", "Checkov judges a block whose count/for_each is empty (HCL)", "natpolicy",
          "With `create = false` the module's `for_each` map is empty: Terraform creates nothing, so there is "
          "nothing to report.",
          "hcl_count_zero_module", (("ebs:vol", "module.disabled.aws_ebs_volume.this"),), _hcl_zero_instances),
)
CAUSE_BY_ID = {c.id: c for c in CAUSES}


def classify(row: Row, ctx: Ctx) -> str | None:
    return next((cause.id for cause in CAUSES if cause.applies(row, ctx)), None)


__all__ = ["CAUSES", "CAUSE_BY_ID", "Cause", "Ctx", "Row", "View", "classify"]
