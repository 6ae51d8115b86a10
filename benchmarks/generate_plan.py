#!/usr/bin/env python3
"""Deterministic, realistic Terraform plan JSON for benchmarks and parity runs.

    python benchmarks/generate_plan.py N [-o plan.json] [--seed S] [--modules M]
                                         [--layout units|count] [--indent K]
                                         [--nat-deletions D] [--stats]

The plan is what ``terraform show -json`` writes for format 1.2: ``planned_values``,
``resource_changes`` (actions, before/after, ``after_unknown``, sensitive masks,
``action_reason``), ``prior_state`` for everything that exists today, and
``configuration`` with ``constant_value``/``references`` expressions (and
``module_calls`` with ``--modules``).

It is built from *units* of about 12 resources, one network each: a VPC, two
subnets, an internet gateway, an EIP and a NAT gateway, a private route table
with its default route and association, a security group with one extra
ingress rule, one workload resource (EBS volume, instance or launch template,
in turn) and, for most VPCs, a flow log. A seeded RNG injects the problems
natpolicy and Checkov look for, and a few of Checkov's known blind spots
(``prefix_list_ids`` alternates between ``[]`` and ``null``, a ``self`` rule
before an open one, split CIDRs, ``ip_protocol = "-1"``). ``--stats`` prints
what was injected, so both tools' counts can be checked against it.

``--layout count`` puts every unit's network (its subnets, EIP, NAT gateway,
private route table, default route and association) into one
``module "vpc"`` as ``count`` instances, the shape of
``terraform-aws-modules/vpc``: ``module.vpc.aws_nat_gateway.this[0]`` ...
``[N-1]``, with references that name no instance (``[count.index]``). Rules
that match twins to twins must stay linear in the number of instances.

Only the standard library is used, so the same file runs in Checkov's venv.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TERRAFORM_VERSION = "1.9.8"
PROVIDER = "registry.terraform.io/hashicorp/aws"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
RESOURCES_PER_UNIT = 12.7  # 12, plus a flow log for 70% of VPCs

# Per-unit probabilities. Chosen so a 10k plan holds a few hundred findings,
# roughly the mix of the plans in ../shared/corpus.
P_NEW_UNIT = 0.35            # the whole network is being created
P_NAT_DELETE = 0.010         # NAT gateway and its route deleted, nothing replaces it
P_NAT_REPLACE = 0.010        # destroy-then-create replacement
P_NAT_REPLACE_CBD = 0.005    # create_before_destroy replacement
P_NAT_CONSOLIDATE = 0.005    # NAT deleted, its route moved to another unit's NAT
P_NO_FLOW_LOG = 0.30
P_SG_OPEN_22 = 0.15
P_SG_ALL_IPV6 = 0.07
P_SG_SELF_FIRST = 0.02       # self rule before an open 22 (Checkov #6073)
P_SG_SPLIT_CIDR = 0.01       # 0.0.0.0/1 + 128.0.0.0/1 on 22
P_RULE_OPEN = 0.10
P_EBS_PLAIN = 0.25
P_ROOT_PLAIN = 0.20
P_LT_PLAIN = 0.20
P_DELETED_OPEN_SG = 0.01     # an open SG being deleted: must stay quiet


def _hex(seed: str, n: int = 17) -> str:
    return hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()[:n]


@dataclass
class Res:
    """One resource before it becomes plan JSON."""

    type: str
    name: str
    module: str  # "" or "module.net_3"
    actions: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    unknown: dict[str, Any] = field(default_factory=dict)
    sensitive: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)  # config attr -> references
    action_reason: str | None = None
    replace_paths: list[list[str]] | None = None
    in_config: bool = True
    index: int | None = None  # a count instance (--layout count)

    @property
    def local(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def address(self) -> str:
        key = "" if self.index is None else f"[{self.index}]"
        return f"{self.module}.{self.local}{key}" if self.module else f"{self.local}{key}"


LAYOUTS = ("units", "count")
COUNT_MODULE = "module.vpc"
# --layout count names resources as terraform-aws-modules/vpc does.
COUNT_NAMES = {("aws_nat_gateway", "nat"): "this", ("aws_route", "private_default"): "private_nat_gateway"}


class Generator:
    def __init__(self, n: int, seed: int, modules: int, nat_deletions: int, layout: str = "units") -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        self.n = n
        self.rng = random.Random(seed)
        self.seed = seed
        self.modules = modules
        self.layout = layout
        self.units = max(1, round(n / RESOURCES_PER_UNIT))
        self.forced_deletions = self._spread(min(nat_deletions, self.units))
        self.stats: Counter[str] = Counter()
        self.resources: list[Res] = []
        self.kept_nat_ids: list[tuple[int, str, str]] = []  # (unit, module, nat id) of NATs that stay
        self._prefix_null = False

    def _spread(self, k: int) -> set[int]:
        if k <= 0:
            return set()
        step = self.units / k
        return {int(i * step) for i in range(k)}

    # -- ids -------------------------------------------------------------
    def rid(self, prefix: str, key: str) -> str:
        return f"{prefix}-{_hex(f'{self.seed}/{key}')}"

    def arn(self, service: str, kind: str, rid: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind}/{rid}"

    # -- building ----------------------------------------------------------
    def build(self) -> dict[str, Any]:
        for unit in range(self.units):
            self.unit(unit)
        return self.document()

    def module_of(self, unit: int) -> str:
        return f"module.net_{unit % self.modules}" if self.modules else ""

    # -- the network part of a unit: its own names, or count instances -----
    def net_module(self, unit: int) -> str:
        return COUNT_MODULE if self.layout == "count" else self.module_of(unit)

    def net_name(self, type_: str, base: str, unit: int) -> str:
        return COUNT_NAMES.get((type_, base), base) if self.layout == "count" else f"{base}_{unit}"

    def net_ref(self, type_: str, base: str, unit: int) -> list[str]:
        """References to the unit's own network resource, as Terraform lists them."""
        name = self.net_name(type_, base, unit)
        if self.layout == "count":
            return [f"{type_}.{name}", "count.index"]  # `aws_x.name[count.index].id`
        return [f"{type_}.{name}.id", f"{type_}.{name}"]

    def vpc_ref(self, unit: int, mod: str) -> list[str]:
        """The unit's VPC, seen from a resource in module ``mod`` (none across modules)."""
        return [f"aws_vpc.vpc_{unit}.id", f"aws_vpc.vpc_{unit}"] if mod == self.module_of(unit) else []

    def net(self, res: Res, unit: int) -> Res:
        if self.layout == "count":
            res.index = unit
        return res

    def add(self, res: Res) -> Res:
        self.resources.append(res)
        self.stats[f"type:{res.type}"] += 1
        return res

    def make(self, type_: str, name: str, module: str, new: bool, config: dict[str, Any],
             computed: dict[str, Any], refs: dict[str, list[str]] | None = None,
             sensitive: dict[str, Any] | None = None) -> Res:
        """A resource that is created (computed values unknown) or unchanged."""
        tagged = type_ not in _UNTAGGED
        if tagged:
            # `env` comes from the provider's default_tags, so only tags_all has it.
            tags = {"Name": name}
            config = {**config, "tags": tags, "tags_all": {**tags, "env": "prod" if hash_bucket(name) else "staging"}}
        tag_masks: dict[str, Any] = {"tags": {}, "tags_all": {}} if tagged else {}
        sens = {**tag_masks, **(sensitive or {})}
        if new:
            unknown = {k: True for k in computed}
            unknown.update(tag_masks)
            return Res(type_, name, module, ["create"], None, dict(config), unknown, sens, refs or {})
        values = {**computed, **config}
        return Res(type_, name, module, ["no-op"], values, dict(values), dict(tag_masks), sens, refs or {})

    def unit(self, u: int) -> None:
        rng = self.rng
        mod = self.module_of(u)
        # A forced deletion needs a gateway that exists today.
        new = rng.random() < P_NEW_UNIT and u not in self.forced_deletions
        self.stats["units_new" if new else "units_existing"] += 1
        cidr = f"10.{(u // 256) % 256}.{u % 256}.0/24"
        vpc_id = self.rid("vpc", f"vpc{u}")
        vpc = self.add(self.make("aws_vpc", f"vpc_{u}", mod, new, {
            "cidr_block": cidr, "enable_dns_hostnames": True, "enable_dns_support": True,
            "instance_tenancy": "default",
        }, {
            "id": vpc_id, "arn": self.arn("ec2", "vpc", vpc_id),
            "default_security_group_id": self.rid("sg", f"dsg{u}"),
            "main_route_table_id": self.rid("rtb", f"drt{u}"), "owner_id": ACCOUNT,
        }))
        vref = [f"aws_vpc.vpc_{u}.id", f"aws_vpc.vpc_{u}"]
        subnets = {}
        net_mod = self.net_module(u)
        for kind, third in (("public", 0), ("private", 128)):
            sid = self.rid("subnet", f"{kind}{u}")
            subnets[kind] = sid
            self.add(self.net(self.make("aws_subnet", self.net_name("aws_subnet", kind, u), net_mod, new, {
                "vpc_id": vpc_id if not new else None, "cidr_block": cidr.replace(".0/24", f".{third}/25"),
                "availability_zone": f"{REGION}{'abc'[u % 3]}", "map_public_ip_on_launch": kind == "public",
                "ipv6_native": False,
            }, {"id": sid, "availability_zone_id": f"euw1-az{u % 3 + 1}"},
                refs={"vpc_id": self.vpc_ref(u, net_mod)}), u))
            if new:
                self.resources[-1].after.pop("vpc_id")
                self.resources[-1].unknown["vpc_id"] = True
        igw_id = self.rid("igw", f"igw{u}")
        self.add(self.make("aws_internet_gateway", f"igw_{u}", mod, new, {},
                           {"id": igw_id, "vpc_id": vpc_id}, refs={"vpc_id": vref}))
        self.nat_block(u, mod, new, subnets)
        self.security_group(u, mod, new, vpc_id, vref)
        self.workload(u, mod, new, subnets["private"])
        self.flow_log(u, mod, new, vpc, vpc_id, vref)

    def nat_block(self, u: int, mod: str, new: bool, subnets: dict[str, str]) -> None:
        rng = self.rng
        mod = self.net_module(u)
        ref = self.net_ref
        nat_id = self.rid("nat", f"nat{u}")
        eip_id = self.rid("eipalloc", f"eip{u}")
        rtb_id = self.rid("rtb", f"rt{u}")
        roll = rng.random()
        scenario = "keep"
        if not new:
            if u in self.forced_deletions or roll < P_NAT_DELETE:
                scenario = "delete"
            elif roll < P_NAT_DELETE + P_NAT_REPLACE:
                scenario = "replace"
            elif roll < P_NAT_DELETE + P_NAT_REPLACE + P_NAT_REPLACE_CBD:
                scenario = "replace_cbd"
            elif roll < P_NAT_DELETE + P_NAT_REPLACE + P_NAT_REPLACE_CBD + P_NAT_CONSOLIDATE and self.kept_nat_ids:
                scenario = "consolidate"
        self.stats[f"nat_{scenario}"] += 1

        eip = self.make("aws_eip", self.net_name("aws_eip", "nat", u), mod, new, {"domain": "vpc"},
                        {"id": eip_id, "allocation_id": eip_id, "public_ip": f"52.{u % 250}.{u // 250 % 250}.10",
                         "association_id": f"eipassoc-{_hex(str(u), 8)}"})
        nat = self.make("aws_nat_gateway", self.net_name("aws_nat_gateway", "nat", u), mod, new,
                        {"connectivity_type": "public", "subnet_id": subnets["public"] if not new else None,
                         "allocation_id": eip_id if not new else None},
                        {"id": nat_id, "network_interface_id": self.rid("eni", f"nat{u}"),
                         "private_ip": f"10.{(u // 256) % 256}.{u % 256}.5",
                         "public_ip": f"52.{u % 250}.{u // 250 % 250}.10",
                         "association_id": f"eipassoc-{_hex(str(u), 8)}"},
                        refs={"allocation_id": ref("aws_eip", "nat", u), "subnet_id": ref("aws_subnet", "public", u)})
        if new:
            for attr in ("subnet_id", "allocation_id"):
                nat.after.pop(attr)
                nat.unknown[attr] = True
        rt = self.make("aws_route_table", self.net_name("aws_route_table", "private", u), mod, new,
                       {"propagating_vgws": []},
                       {"id": rtb_id, "vpc_id": self.rid("vpc", f"vpc{u}"), "route": []},
                       refs={"vpc_id": self.vpc_ref(u, mod)})
        route = self.make("aws_route", self.net_name("aws_route", "private_default", u), mod, new,
                          {"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": nat_id if not new else None,
                           "gateway_id": "", "transit_gateway_id": "",
                           "route_table_id": rtb_id if not new else None},
                          {"id": f"r-{rtb_id}1080289494", "origin": "CreateRoute", "state": "active"},
                          refs={"nat_gateway_id": ref("aws_nat_gateway", "nat", u),
                                "route_table_id": ref("aws_route_table", "private", u)})
        if new:
            for attr in ("nat_gateway_id", "route_table_id"):
                route.after.pop(attr)
                route.unknown[attr] = True
        rta = self.make("aws_route_table_association",
                        self.net_name("aws_route_table_association", "private", u), mod, new,
                        {"gateway_id": None, "subnet_id": subnets["private"] if not new else None,
                         "route_table_id": rtb_id if not new else None},
                        {"id": self.rid("rtbassoc", f"rta{u}")},
                        refs={"subnet_id": ref("aws_subnet", "private", u),
                              "route_table_id": ref("aws_route_table", "private", u)})
        if new:
            for attr in ("subnet_id", "route_table_id"):
                rta.after.pop(attr)
                rta.unknown[attr] = True

        if scenario == "delete":
            # The NAT leaves the configuration together with its route: the
            # private subnets silently lose egress. The EIP stays half the time
            # (that orphan is the only trace Checkov's CKV2_AWS_19 shows).
            _delete(nat)
            _delete(route)
            if u % 2:
                _delete(eip)
                self.stats["nat_delete_eip_deleted"] += 1
        elif scenario in ("replace", "replace_cbd"):
            nat.actions = ["delete", "create"] if scenario == "replace" else ["create", "delete"]
            nat.action_reason = "replace_because_cannot_update"
            nat.replace_paths = [["subnet_id"]]
            nat.after = {k: v for k, v in nat.after.items() if k not in _NAT_COMPUTED}
            # Moved to another public subnet: subnet_id forces a new gateway.
            nat.after["subnet_id"] = self.rid("subnet", f"public{u}b")
            nat.unknown.update({k: True for k in _NAT_COMPUTED})
            route.actions = ["update"]
            route.after = dict(route.after)
            route.after.pop("nat_gateway_id")
            route.unknown["nat_gateway_id"] = True
            self.kept_nat_ids.append((u, mod, nat_id))
        elif scenario == "consolidate":
            # Another unit's NAT takes over: the route is updated to its id.
            _, other_mod, other_id = self.kept_nat_ids[int(rng.random() * len(self.kept_nat_ids))]
            other_u = next(x for x, m, i in self.kept_nat_ids if i == other_id)
            _delete(nat)
            route.actions = ["update"]
            route.after = {**route.after, "nat_gateway_id": other_id}
            if self.layout == "count":
                key = f"aws_nat_gateway.this[{other_u}]"
                route.refs["nat_gateway_id"] = [f"{key}.id", key, "aws_nat_gateway.this"]
            elif other_mod == mod:
                route.refs["nat_gateway_id"] = [f"aws_nat_gateway.nat_{other_u}.id", f"aws_nat_gateway.nat_{other_u}"]
            else:
                route.refs["nat_gateway_id"] = []
        elif scenario == "keep":
            self.kept_nat_ids.append((u, mod, nat_id))
        for res in (eip, nat, rt, route, rta):
            self.add(self.net(res, u))

    def security_group(self, u: int, mod: str, new: bool, vpc_id: str, vref: list[str]) -> None:
        rng = self.rng
        ingress = [_ingress(443, 443, "tcp", cidrs=["10.0.0.0/8"], description="https")]
        roll = rng.random()
        kind = "closed"
        if roll < P_SG_OPEN_22:
            kind = "open_22"
            ingress.append(_ingress(22, 22, "tcp", cidrs=["0.0.0.0/0"], description="ssh"))
        elif roll < P_SG_OPEN_22 + P_SG_ALL_IPV6:
            kind = "all_ipv6"
            ingress.append(_ingress(0, 0, "-1", ipv6=["::/0"], description="everything over IPv6"))
        elif roll < P_SG_OPEN_22 + P_SG_ALL_IPV6 + P_SG_SELF_FIRST:
            kind = "self_then_open_22"
            ingress.insert(0, _ingress(0, 0, "-1", self_=True, description="cluster"))
            ingress.append(_ingress(22, 22, "tcp", cidrs=["0.0.0.0/0"], description="ssh"))
        elif roll < P_SG_OPEN_22 + P_SG_ALL_IPV6 + P_SG_SELF_FIRST + P_SG_SPLIT_CIDR:
            kind = "split_cidr_22"
            ingress.append(_ingress(22, 22, "tcp", cidrs=["0.0.0.0/1", "128.0.0.0/1"], description="ssh"))
        self.stats[f"sg_{kind}"] += 1
        sg_id = self.rid("sg", f"sg{u}")
        sg = self.make("aws_security_group", f"app_{u}", mod, new, {
            "name": f"app-{u}", "description": "application servers", "ingress": ingress,
            "egress": [_ingress(0, 0, "-1", cidrs=["0.0.0.0/0"], description="")],
            "vpc_id": vpc_id if not new else None,
        }, {"id": sg_id, "owner_id": ACCOUNT},
            refs={"vpc_id": vref})
        if new:
            sg.after.pop("vpc_id")
            sg.unknown["vpc_id"] = True
        self.add(sg)
        sgref = [f"aws_security_group.app_{u}.id", f"aws_security_group.app_{u}"]

        if u % 4 == 3:
            open_ = rng.random() < P_RULE_OPEN
            self.stats["vpc_rule_all_open" if open_ else "vpc_rule_closed"] += 1
            rule_id = self.rid("sgr", f"vr{u}")
            self.add(self.make("aws_vpc_security_group_ingress_rule", f"any_{u}", mod, new, {
                "ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0" if open_ else "10.0.0.0/8", "cidr_ipv6": None,
                "from_port": None, "to_port": None, "description": "any", "prefix_list_id": None,
                "referenced_security_group_id": None, "security_group_id": sg_id if not new else None,
            }, {"id": rule_id, "security_group_rule_id": rule_id},
                refs={"security_group_id": sgref}))
            if new:
                self.resources[-1].after.pop("security_group_id")
                self.resources[-1].unknown["security_group_id"] = True
        else:
            open_ = rng.random() < P_RULE_OPEN
            # Checkov treats `prefix_list_ids: null` ([None] once wrapped) as a
            # prefix list and passes the rule; alternate so both shapes occur.
            self._prefix_null = not self._prefix_null
            prefix: list[str] | None = None if self._prefix_null else []
            if open_:
                self.stats["rule_rdp_open_prefix_null" if prefix is None else "rule_rdp_open_prefix_empty"] += 1
            else:
                self.stats["rule_rdp_closed"] += 1
            self.add(self.make("aws_security_group_rule", f"rdp_{u}", mod, new, {
                "type": "ingress", "from_port": 3389, "to_port": 3389, "protocol": "tcp",
                "cidr_blocks": ["0.0.0.0/0"] if open_ else ["10.20.0.0/16"], "ipv6_cidr_blocks": None,
                "prefix_list_ids": prefix, "self": False, "description": "rdp",
                "security_group_id": sg_id if not new else None,
            }, {"id": f"sgrule-{_hex(str(u), 10)}", "security_group_rule_id": self.rid("sgr", f"r{u}"),
                "source_security_group_id": None},
                refs={"security_group_id": sgref}))
            if new:
                self.resources[-1].after.pop("security_group_id")
                self.resources[-1].unknown["security_group_id"] = True

        if not new and rng.random() < P_DELETED_OPEN_SG:
            # An open group being destroyed: judged after apply, it is gone.
            old = self.make("aws_security_group", f"legacy_{u}", mod, False, {
                "name": f"legacy-{u}", "description": "old bastion", "vpc_id": vpc_id,
                "ingress": [_ingress(22, 22, "tcp", cidrs=["0.0.0.0/0"], description="ssh")],
                "egress": [],
            }, {"id": self.rid("sg", f"legacy{u}"), "arn": "", "owner_id": ACCOUNT, "name_prefix": ""})
            _delete(old)
            self.add(old)
            self.stats["sg_deleted_open"] += 1

    def workload(self, u: int, mod: str, new: bool, subnet_id: str) -> None:
        rng = self.rng
        which = u % 3
        if which == 0:
            plain = rng.random() < P_EBS_PLAIN
            self.stats["ebs_volume_unencrypted" if plain else "ebs_volume_encrypted"] += 1
            vol_id = self.rid("vol", f"vol{u}")
            config: dict[str, Any] = {"availability_zone": f"{REGION}{'abc'[u % 3]}", "size": 100, "type": "gp3",
                                      "snapshot_id": None}
            if not plain:
                config["encrypted"] = True
            elif u % 2:
                config["encrypted"] = False  # otherwise left out: the provider default is unencrypted
            computed = {"id": vol_id, "arn": self.arn("ec2", "volume", vol_id), "iops": 3000, "throughput": 125,
                        "kms_key_id": "" if plain else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{_hex(str(u), 12)}"}
            if "encrypted" not in config:
                computed["encrypted"] = False
            self.add(self.make("aws_ebs_volume", f"data_{u}", mod, new, config, computed))
        elif which == 1:
            plain = rng.random() < P_ROOT_PLAIN
            self.stats["instance_root_unencrypted" if plain else "instance_root_encrypted"] += 1
            iid = f"i-{_hex(f'i{u}')}"
            root = {"delete_on_termination": True, "encrypted": not plain, "volume_size": 20, "volume_type": "gp3",
                    "tags": None, "tags_all": {}}
            inst = self.make("aws_instance", f"app_{u}", mod, new, {
                "ami": "ami-0c1c30571d2dae5c9", "instance_type": "t3.medium",
                "subnet_id": subnet_id if not new else None,
                "monitoring": True, "user_data": None,
                "root_block_device": [root], "ebs_block_device": [],
                "metadata_options": [{"http_endpoint": "enabled", "http_tokens": "required"}],
            }, {"id": iid, "arn": self.arn("ec2", "instance", iid), "private_ip": f"10.0.{u % 256}.20",
                "instance_state": "running", "availability_zone": f"{REGION}a"},
                refs={"subnet_id": [] if self.layout == "count"
                      else [f"aws_subnet.private_{u}.id", f"aws_subnet.private_{u}"]},
                sensitive={"root_block_device": [{"tags_all": {}}], "ebs_block_device": [],
                           "metadata_options": [{}], "user_data": True})
            if new:
                inst.after.pop("subnet_id")
                inst.unknown.update({"subnet_id": True, "root_block_device": [{"kms_key_id": True, "volume_id": True,
                                                                                "iops": True, "throughput": True}]})
            self.add(inst)
        else:
            plain = rng.random() < P_LT_PLAIN
            self.stats["launch_template_unencrypted" if plain else "launch_template_encrypted"] += 1
            lt_id = f"lt-{_hex(f'lt{u}')}"
            self.add(self.make("aws_launch_template", f"app_{u}", mod, new, {
                "name": f"app-{u}", "image_id": "ami-0c1c30571d2dae5c9", "instance_type": "t3.large",
                "update_default_version": True, "user_data": None,
                # The provider keeps `encrypted` as a string: "true", "false" or "".
                "block_device_mappings": [{"device_name": "/dev/xvda", "no_device": "", "virtual_name": "",
                                           "ebs": [{"encrypted": "false" if plain else "true", "volume_size": 50,
                                                    "volume_type": "gp3", "delete_on_termination": "true",
                                                    "kms_key_id": "", "snapshot_id": "", "iops": 0,
                                                    "throughput": 0}]}],
            }, {"id": lt_id, "arn": self.arn("ec2", "launch-template", lt_id), "default_version": 1,
                "latest_version": 1}))

    def flow_log(self, u: int, mod: str, new: bool, vpc: Res, vpc_id: str, vref: list[str]) -> None:
        if self.rng.random() < P_NO_FLOW_LOG:
            self.stats["vpc_without_flow_log"] += 1
            return
        self.stats["vpc_with_flow_log"] += 1
        fl_id = f"fl-{_hex(f'fl{u}')}"
        fl = self.make("aws_flow_log", f"vpc_{u}", mod, new, {
            "traffic_type": "ALL", "log_destination_type": "cloud-watch-logs",
            "vpc_id": vpc_id if not new else None, "eni_id": None, "subnet_id": None,
            "iam_role_arn": f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
            "log_destination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/vpc/{u}",
        }, {"id": fl_id},
            refs={"vpc_id": vref})
        if new:
            fl.after.pop("vpc_id")
            fl.unknown["vpc_id"] = True
        self.add(fl)

    # -- JSON --------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        changes = [self.change_entry(r) for r in self.resources]
        planned: dict[str, list[dict[str, Any]]] = {}
        prior: dict[str, list[dict[str, Any]]] = {}
        for r in self.resources:
            if r.after is not None:
                planned.setdefault(r.module, []).append(self.values_entry(r, r.after, r.sensitive))
            if r.before is not None:
                prior.setdefault(r.module, []).append(self.values_entry(r, r.before, r.sensitive))
        doc: dict[str, Any] = {
            "format_version": "1.2",
            "terraform_version": TERRAFORM_VERSION,
            "planned_values": {"root_module": _tree(planned)},
            "resource_changes": changes,
            "prior_state": {"format_version": "1.0", "terraform_version": TERRAFORM_VERSION,
                            "values": {"root_module": _tree(prior)}},
            "configuration": self.configuration(),
            "relevant_attributes": [{"resource": r.address, "attribute": ["id"]}
                                    for r in self.resources if r.type == "aws_nat_gateway"],
            "timestamp": "2026-01-01T00:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }
        return doc

    def change_entry(self, r: Res) -> dict[str, Any]:
        entry: dict[str, Any] = {"address": r.address}
        if r.module:
            entry["module_address"] = r.module
        entry.update({"mode": "managed", "type": r.type, "name": r.name})
        if r.index is not None:
            entry["index"] = r.index
        entry["provider_name"] = PROVIDER
        entry["change"] = {
            "actions": r.actions,
            "before": r.before,
            "after": r.after,
            "after_unknown": r.unknown if r.after is not None else {},
            "before_sensitive": r.sensitive if r.before is not None else False,
            "after_sensitive": r.sensitive if r.after is not None else False,
        }
        if r.replace_paths:
            entry["change"]["replace_paths"] = r.replace_paths
        if r.action_reason:
            entry["action_reason"] = r.action_reason
        return entry

    def values_entry(self, r: Res, values: dict[str, Any], sensitive: dict[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {"address": r.address, "mode": "managed", "type": r.type, "name": r.name}
        if r.index is not None:
            entry["index"] = r.index
        entry.update({"provider_name": PROVIDER, "schema_version": 1, "values": values, "sensitive_values": sensitive})
        return entry

    def configuration(self) -> dict[str, Any]:
        by_module: dict[str, list[dict[str, Any]]] = {}
        declared: set[tuple[str, str]] = set()
        for r in self.resources:
            if not r.in_config or r.after is None and "delete" in r.actions:
                continue  # deleted resources have left the configuration
            if (r.module, r.local) in declared:
                continue  # one block for all count instances
            declared.add((r.module, r.local))
            by_module.setdefault(r.module, []).append(self.config_entry(r))
        root: dict[str, Any] = {"resources": by_module.get("", [])}
        calls = {}
        for m in range(self.modules):
            name = f"net_{m}"
            calls[name] = {"source": "./modules/network",
                           "expressions": {"region": {"constant_value": REGION}},
                           "module": {"resources": by_module.get(f"module.{name}", []),
                                      "variables": {"region": {}}}}
        if self.layout == "count":
            calls[COUNT_MODULE.removeprefix("module.")] = {
                "source": "./modules/vpc", "expressions": {"azs": {"constant_value": ["a", "b", "c"]}},
                "module": {"resources": by_module.get(COUNT_MODULE, []), "variables": {"azs": {}}}}
        if calls:
            root["module_calls"] = calls
        return {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER,
                                            "expressions": {"region": {"constant_value": REGION}}}},
                "root_module": root}

    def config_entry(self, r: Res) -> dict[str, Any]:
        # Only what a .tf file would spell out: provider defaults and computed
        # attributes never appear in `configuration`.
        expressions: dict[str, Any] = {}
        source = r.after or {}
        declared = _DECLARED.get(r.type, ())
        for key, value in source.items():
            if key not in declared or key in r.refs:
                continue
            if isinstance(value, list) and value and isinstance(value[0], dict):
                expressions[key] = [{k: {"constant_value": v} for k, v in item.items()
                                     if not isinstance(v, (dict, list))}
                                    for item in value]
            elif value is not None:
                expressions[key] = {"constant_value": value}
        for key, refs in r.refs.items():
            if refs:
                expressions[key] = {"references": refs}
        entry = {"address": r.local, "mode": "managed", "type": r.type, "name": r.name, "provider_config_key": "aws",
                 "expressions": expressions, "schema_version": 1}
        if r.index is not None:
            entry["count_expression"] = {"references": ["local.nat_gateway_count"]}
        return entry



_DECLARED: dict[str, tuple[str, ...]] = {
    "aws_vpc": ("cidr_block", "enable_dns_hostnames", "tags"),
    "aws_subnet": ("cidr_block", "availability_zone", "map_public_ip_on_launch", "tags"),
    "aws_internet_gateway": ("tags",),
    "aws_eip": ("domain", "tags"),
    "aws_nat_gateway": ("connectivity_type", "tags"),
    "aws_route_table": ("tags",),
    "aws_route": ("destination_cidr_block",),
    "aws_route_table_association": (),
    "aws_security_group": ("name", "description", "ingress", "egress", "tags"),
    "aws_security_group_rule": ("type", "from_port", "to_port", "protocol", "cidr_blocks", "description"),
    "aws_vpc_security_group_ingress_rule": ("ip_protocol", "cidr_ipv4", "description"),
    "aws_ebs_volume": ("availability_zone", "size", "type", "encrypted", "tags"),
    "aws_instance": ("ami", "instance_type", "monitoring", "root_block_device", "metadata_options", "tags"),
    "aws_launch_template": ("name", "image_id", "instance_type", "block_device_mappings", "tags"),
    "aws_flow_log": ("traffic_type", "log_destination_type", "iam_role_arn", "log_destination", "tags"),
}
_UNTAGGED = frozenset({"aws_route", "aws_route_table_association", "aws_security_group_rule"})
_NAT_COMPUTED = ("id", "network_interface_id", "private_ip", "public_ip", "association_id")


def hash_bucket(name: str) -> bool:
    return sum(map(ord, name)) % 3 != 0


def _delete(r: Res) -> None:
    r.actions = ["delete"]
    r.after = None
    r.unknown = {}
    r.action_reason = "delete_because_no_resource_config"
    r.in_config = False


def _ingress(from_port: int, to_port: int, protocol: str, *, cidrs: list[str] | None = None,
             ipv6: list[str] | None = None, self_: bool = False, description: str = "") -> dict[str, Any]:
    return {"cidr_blocks": cidrs or [], "description": description, "from_port": from_port,
            "ipv6_cidr_blocks": ipv6 or [], "prefix_list_ids": [], "protocol": protocol,
            "security_groups": [], "self": self_, "to_port": to_port}


def _tree(flat: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": flat.get("", [])}
    children = [{"resources": items, "address": module} for module, items in sorted(flat.items()) if module]
    if children:
        root["child_modules"] = children
    return root


def expected_findings(stats: Counter[str]) -> dict[str, int]:
    """What a correct checker reports, per natpolicy rule, from the injected stats.

    Consolidated NAT gateways (the route moves to another live gateway) and
    create-before-destroy replacements are not findings; an open group being
    deleted is not either.
    """
    return {
        "SG001": stats["sg_all_ipv6"] + stats["vpc_rule_all_open"],
        "SG002": stats["sg_open_22"] + stats["sg_self_then_open_22"] + stats["sg_split_cidr_22"]
        + stats["rule_rdp_open_prefix_null"] + stats["rule_rdp_open_prefix_empty"],
        "EBS001": stats["ebs_volume_unencrypted"],
        "EBS002": stats["instance_root_unencrypted"],
        "EBS003": stats["launch_template_unencrypted"],
        "FLOW001": stats["vpc_without_flow_log"],
        "NAT001": stats["nat_delete"],
        "NAT002": stats["nat_replace"],
    }


def generate(n: int, seed: int = 1, modules: int = 0, nat_deletions: int = 0,
             layout: str = "units") -> tuple[dict[str, Any], Counter[str]]:
    gen = Generator(n, seed, modules, nat_deletions, layout)
    return gen.build(), gen.stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of resources (approximate; units of ~12)")
    parser.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modules", type=int, default=0, help="spread units over M module calls")
    parser.add_argument("--layout", choices=LAYOUTS, default="units",
                        help="count: every unit's network as count instances of one module \"vpc\"")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print with K spaces (default compact)")
    parser.add_argument("--nat-deletions", type=int, default=0,
                        help="force this many units to delete their NAT gateway without replacement")
    parser.add_argument("--stats", action="store_true", help="print injected problems as JSON on stderr")
    args = parser.parse_args(argv)
    if args.n < 1 or args.modules < 0:
        parser.error("N must be ≥ 1 and --modules ≥ 0")
    doc, stats = generate(args.n, args.seed, args.modules, args.nat_deletions, args.layout)
    separators = (",", ":") if args.indent is None else (",", ": ")
    text = json.dumps(doc, indent=args.indent, separators=separators)
    if args.output == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    if args.stats:
        report = {"resources": len(doc["resource_changes"]), "bytes": len(text.encode()) + 1,
                  "injected": dict(sorted(stats.items())), "expected": expected_findings(stats)}
        sys.stderr.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
