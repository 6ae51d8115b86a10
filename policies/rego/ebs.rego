# METADATA
# title: EBS encryption (EBS001-EBS005)
# description: |
#   Rego twin of natpolicy's EBS family: volumes, instance and launch
#   configuration block devices, launch template mappings and the account's
#   default encryption. Same decisions as the Python rules: an unset
#   `encrypted` on a resource being created is judged against the account
#   default (aws_ebs_encryption_by_default), an unknown value is never
#   reported, and an existing volume keeps the encryption it was created with.
#   Differences: policies/rego/DIFFERENCES.md.
# custom:
#   rules: [EBS001, EBS002, EBS003, EBS004, EBS005]
package natpolicy.rules.ebs

import data.natpolicy.lib.tfplan
import rego.v1

# This family's configuration entries, collected in one pass, and their index.
config_index := tfplan.config_index(config)

config := tfplan.config_entries({"aws_ebs_volume", "aws_instance", "aws_launch_configuration", "aws_launch_template"})

deny contains f if {
	some f in findings
	f.severity in {"critical", "high"}
}

warn contains f if {
	some f in findings
	not f.severity in {"critical", "high"}
}

findings := array.concat(
	array.concat(array.concat(ebs001, ebs002), array.concat(array.concat(ebs003_root, ebs003), ebs004)),
	ebs005,
)

# -- account default encryption ------------------------------------------------
default_states := array.concat(
	[s |
		some rc in tfplan.of_types({"aws_ebs_encryption_by_default"})
		tfplan.exists_after(rc)
		is_object(rc.change.after)
		s := default_state(rc)
	],
	# A `forget` (removed block, destroy = false) leaves the setting on in AWS.
	[s |
		some rc in tfplan.of_types({"aws_ebs_encryption_by_default"})
		"forget" in rc.change.actions
		not tfplan.deleted(rc)
		not rc.deposed
		is_object(rc.change.before)
		s := forgotten_state(rc)
	],
)

forgotten_state(rc) := "on" if {
	enabled_on(object.get(tfplan.obj(rc.change.before), "enabled", null))
} else := "off"

default_state(rc) := "unknown" if {
	tfplan.unknown(rc, ["enabled"]) == "yes"
} else := "on" if {
	enabled_on(object.get(tfplan.obj(rc.change.after), "enabled", null))
} else := "off"

enabled_on(v) if v == null

enabled_on(v) if tfplan.is_true_text(v)

default_encryption := "on" if {
	"on" in default_states
} else := "unknown" if {
	"unknown" in default_states
} else := "off"

# -- one value ------------------------------------------------------------------
# "encrypted" | "false" | "unset" | "unknown", from the value, whether it is
# unknown, and the configuration block (null: no configuration to look at).
state(value, unknown, cfg) := "unset" if {
	unknown == "yes"
	is_object(cfg)
	not tfplan.has_key(cfg, "encrypted")
} else := "unknown" if {
	unknown == "yes"
} else := known_state(value)

known_state(v) := "encrypted" if {
	tfplan.is_true_text(v)
} else := "false" if {
	tfplan.is_false_text(v)
} else := "unset" if {
	v == null
} else := "unset" if {
	is_string(v)
	trim_space(v) == ""
} else := "unknown"

# "yes" | "no" | "unknown": is the volume made from a snapshot?
snapshot(value, unknown, cfg) := "no" if {
	unknown == "yes"
	is_object(cfg)
	not tfplan.has_key(cfg, "snapshot_id")
} else := "unknown" if {
	unknown == "yes"
} else := "yes" if {
	is_string(value)
	trim_space(value) != ""
} else := "no"

# The reason a volume will be unencrypted; undefined when it will not be.
verdict(st, new, snap) := "it is not encrypted" if {
	new == "no"
	st == "false"
}

verdict(st, new, snap) := "`encrypted` is false and no `aws_ebs_encryption_by_default` in the checked plan or code enables account default encryption" if {
	new == "yes"
	default_encryption == "off"
	st == "false"
}

verdict(st, new, snap) := "`encrypted` is not set and no `aws_ebs_encryption_by_default` in the checked plan or code enables account default encryption" if {
	new == "yes"
	default_encryption == "off"
	st == "unset"
	snap == "no"
}

creating(rc) := "yes" if tfplan.creating(rc) else := "no"

# The configuration of one nested block matched to its planned value.
config_block(cfg, name, block, i, n) := same[0] if {
	blocks := object.get(tfplan.obj(cfg), name, [])
	is_string(block.device_name)
	same := [b | some b in blocks; is_object(b); object.get(b, ["device_name", "constant_value"], null) == block.device_name]
	count(same) == 1
} else := blocks[i] if {
	blocks := object.get(tfplan.obj(cfg), name, [])
	is_array(blocks)
	count(blocks) == n
	is_object(blocks[i])
} else := null

config_list(cfg, name) := object.get(tfplan.obj(cfg), name, null) if is_object(cfg) else := null

live(types) := [rc | some rc in tfplan.of_types(types); tfplan.exists_after(rc)]

finding(rule, severity, rc, text) := {
	# `id` names the rule when the twin runs as a user policy (`--policy`, conftest).
	"id": rule,
	"rule": rule,
	"severity": severity,
	"address": rc.address,
	"resource_type": rc.type,
	"msg": concat("", [rc.address, " ", text]),
}

# Several volumes of one resource are several findings: `key` tells them apart
# (it never holds a sensitive device name: see device_label).
keyed(f, key) := object.union(f, {"key": key})

# -- EBS001 aws_ebs_volume -------------------------------------------------------
ebs001 := [finding("EBS001", "high", rc, concat("", ["will not be encrypted: ", reason])) |
	some rc in live({"aws_ebs_volume"})
	after := tfplan.obj(object.get(rc.change, "after", {}))
	cfg := tfplan.expressions_at(config, config_index, rc)
	st := state(object.get(after, "encrypted", null), tfplan.unknown(rc, ["encrypted"]), cfg)
	snap := snapshot(object.get(after, "snapshot_id", null), tfplan.unknown(rc, ["snapshot_id"]), cfg)
	reason := verdict(st, creating(rc), snap)
]

# -- EBS002 / EBS004: root and EBS block devices --------------------------------
ebs002 := [keyed(finding("EBS002", "high", rc, concat("", [label, " will not be encrypted: ", reason])), key) |
	some rc in live({"aws_instance"})
	some [label, reason, key] in instance_volumes(rc, creating(rc))
]

ebs004 := [keyed(finding("EBS004", "high", rc, concat("", ["launches instances whose ", label, " will not be encrypted: ", reason])), key) |
	some rc in live({"aws_launch_configuration"})
	some [label, reason, key] in instance_volumes(rc, "yes")
]

instance_volumes(rc, new) := array.concat(root_volumes(rc, new), ebs_volumes(rc, new))

# No root block planned: the AMI's default root volume, unless declared but unknown
# (an instance without root_block_device, a launch template without block_device_mappings).
default_root(rc, name, new) := [[concat("", ["default root volume (no ", name, ")"]), reason, "root"] |
	after := tfplan.obj(object.get(rc.change, "after", {}))
	no_roots(object.get(after, name, null), tfplan.unknown(rc, [name]))
	cfg := tfplan.expressions_at(config, config_index, rc)
	not declared_but_unknown(rc, cfg, name)
	reason := verdict("unset", new, "no")
]

root_volumes(rc, new) := default_root(rc, "root_block_device", new) if {
	after := tfplan.obj(object.get(rc.change, "after", {}))
	no_roots(object.get(after, "root_block_device", null), tfplan.unknown(rc, ["root_block_device"]))
} else := [[concat("", ["root volume", root_suffix(i, count(roots))]), reason, root_key(i, count(roots))] |
	after := tfplan.obj(object.get(rc.change, "after", {}))
	roots := after.root_block_device
	is_array(roots)
	cfg := tfplan.expressions_at(config, config_index, rc)
	some i
	block := roots[i]
	is_object(block)
	tfplan.unknown(rc, ["root_block_device", i]) == "no"
	block_cfg := config_block(cfg, "root_block_device", block, i, count(roots))
	st := state(object.get(block, "encrypted", null), tfplan.unknown(rc, ["root_block_device", i, "encrypted"]), block_cfg)
	reason := verdict(st, new, "no")
]

no_roots(roots, unknown) if unknown == "yes"

no_roots(roots, unknown) if {
	unknown == "no"
	roots == null
}

no_roots(roots, unknown) if {
	unknown == "no"
	roots == []
}

declared_but_unknown(rc, cfg, name) if {
	tfplan.unknown(rc, [name]) == "yes"
	cfg == null
}

declared_but_unknown(rc, cfg, name) if {
	tfplan.unknown(rc, [name]) == "yes"
	truthy(object.get(tfplan.obj(cfg), name, null))
}

truthy(v) if v == true

truthy(v) if {
	is_array(v)
	count(v) > 0
}

truthy(v) if {
	is_object(v)
	count(v) > 0
}

truthy(v) if {
	is_string(v)
	v != ""
}

truthy(v) if {
	is_number(v)
	v != 0
}

ebs_volumes(rc, new) := [[label, reason, concat("", ["ebs:", device_key(rc, ["ebs_block_device", i, "device_name"], block, i)])] |
	after := tfplan.obj(object.get(rc.change, "after", {}))
	blocks := after.ebs_block_device
	is_array(blocks)
	cfg := tfplan.expressions_at(config, config_index, rc)
	some i
	block := blocks[i]
	is_object(block)
	tfplan.unknown(rc, ["ebs_block_device", i]) == "no"
	block_cfg := config_block(cfg, "ebs_block_device", block, i, count(blocks))
	st := state(object.get(block, "encrypted", null), tfplan.unknown(rc, ["ebs_block_device", i, "encrypted"]), block_cfg)
	snap := snapshot(object.get(block, "snapshot_id", null), tfplan.unknown(rc, ["ebs_block_device", i, "snapshot_id"]), block_cfg)
	reason := verdict(st, new, snap)
	label := concat("", ["EBS volume ", device_label(rc, ["ebs_block_device", i, "device_name"], block, i)])
]

# How a block's device_name is shown, as the Python rules show it: a name the
# plan marks sensitive never appears (whatever its length), only the block's index.
device_label(rc, path, block, i) := concat("", ["device #", format_int(i, 10), " ", tfplan.hidden]) if {
	tfplan.after_sensitive(rc, path)
} else := block.device_name if {
	is_string(block.device_name)
	block.device_name != ""
} else := concat("", ["#", format_int(i, 10)])

# The key that tells a block's findings apart, as the Python rules key them
# (stable when blocks are reordered; never a sensitive device name).
device_key(rc, path, block, i) := concat("", ["#", format_int(i, 10)]) if {
	tfplan.after_sensitive(rc, path)
} else := block.device_name if {
	is_string(block.device_name)
	block.device_name != ""
} else := concat("", ["#", format_int(i, 10)])

# Terraform plans one root_block_device; should there be more, each is its own finding.
root_key(i, n) := "root" if n == 1 else := concat("", ["root#", format_int(i, 10)])

root_suffix(i, n) := "" if n == 1 else := concat("", [" #", format_int(i, 10)])

# -- EBS003 aws_launch_template ---------------------------------------------------
ebs003_root := [keyed(finding("EBS003", "high", rc, concat("", ["launches instances whose ", label, " will not be encrypted: ", reason])), key) |
	some rc in live({"aws_launch_template"})
	some [label, reason, key] in default_root(rc, "block_device_mappings", "yes")
]

ebs003 := [keyed(finding("EBS003", "high", rc, concat("", ["maps ", label, " to an EBS volume that will not be encrypted: ", reason])), concat(":", [label, format_int(j, 10)])) |
	some rc in live({"aws_launch_template"})
	after := tfplan.obj(object.get(rc.change, "after", {}))
	mappings := after.block_device_mappings
	is_array(mappings)
	tfplan.unknown(rc, ["block_device_mappings"]) == "no"
	cfg := tfplan.expressions_at(config, config_index, rc)
	some i
	mapping := mappings[i]
	is_object(mapping)
	volumes := mapping.ebs
	is_array(volumes)
	mapping_cfg := config_block(cfg, "block_device_mappings", mapping, i, count(mappings))
	some j
	volume := volumes[j]
	is_object(volume)
	volume_cfg := config_block(mapping_cfg, "ebs", volume, j, count(volumes))
	st := state(object.get(volume, "encrypted", null), tfplan.unknown(rc, ["block_device_mappings", i, "ebs", j, "encrypted"]), volume_cfg)
	snap := snapshot(object.get(volume, "snapshot_id", null), tfplan.unknown(rc, ["block_device_mappings", i, "ebs", j, "snapshot_id"]), volume_cfg)
	reason := verdict(st, "yes", snap)
	label := device_label(rc, ["block_device_mappings", i, "device_name"], mapping, i)
]

# -- EBS005 aws_ebs_encryption_by_default -------------------------------------------
ebs005 := array.concat(
	[finding("EBS005", "medium", rc, "turns off default EBS encryption: `enabled` is false") |
		some rc in tfplan.of_types({"aws_ebs_encryption_by_default"})
		tfplan.exists_after(rc)
		tfplan.unknown(rc, ["enabled"]) == "no"
		tfplan.is_false_text(object.get(tfplan.obj(object.get(rc.change, "after", {})), "enabled", null))
	],
	[finding("EBS005", "medium", rc, "is deleted, which turns off default EBS encryption") |
		some rc in tfplan.of_types({"aws_ebs_encryption_by_default"})
		not rc.deposed
		tfplan.deleted(rc)
		not tfplan.creating(rc)
		is_object(rc.change.before)
		not tfplan.is_false_text(object.get(tfplan.obj(rc.change.before), "enabled", null))
		default_encryption != "on"
	],
)
