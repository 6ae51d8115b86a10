# METADATA
# title: VPC without flow log (FLOW001)
# description: |
#   Rego twin of natpolicy's FLOW001: every aws_vpc / aws_default_vpc that
#   exists after apply needs an aws_flow_log that also exists after apply and
#   targets it, either by a known `vpc_id` (equal to the VPC's id) or, when the
#   flow log's `vpc_id` is known only after apply, by a configuration
#   reference (`aws_vpc.main.id`, or `aws_vpc.main[0].id` for that instance
#   only) from the same module. References through module inputs and outputs
#   are resolved by natpolicy's Python rule, not here; see DIFFERENCES.md.
# custom:
#   rules: [FLOW001]
package natpolicy.rules.flow

import data.natpolicy.lib.tfplan
import rego.v1

# This family's configuration entries, collected in one pass, and their index.
config_index := tfplan.config_index(config)

config := tfplan.config_entries({"aws_flow_log"})

deny contains f if {
	some f in findings
	f.severity in {"critical", "high"}
}

warn contains f if {
	some f in findings
	not f.severity in {"critical", "high"}
}

flow_logs := [rc | some rc in tfplan.of_types({"aws_flow_log"}); tfplan.exists_after(rc)]

logged_ids := [id |
	some rc in flow_logs
	id := rc.change.after.vpc_id
	is_string(id)
]

# For each flow log whose vpc_id is unknown until apply: its module instance
# and what its vpc_id refers to (a known vpc_id already names its VPC).
flow_refs := [{"module": object.get(rc, "module_address", ""), "refs": refs} |
	some rc in flow_logs
	tfplan.unknown(rc, ["vpc_id"]) == "yes"
	refs := object.get(tfplan.obj(tfplan.expressions_at(config, config_index, rc)), ["vpc_id", "references"], [])
	count(refs) > 0
]

findings := [f |
	some rc in tfplan.of_types({"aws_vpc", "aws_default_vpc"})
	tfplan.exists_after(rc)
	not logged_by_id(rc)
	not logged_by_reference(rc)
	f := {
		"id": "FLOW001",
		"rule": "FLOW001",
		"severity": "medium",
		"address": rc.address,
		"resource_type": rc.type,
		"msg": concat("", [rc.address, " has no flow log: no aws_flow_log targets it by vpc_id or by reference"]),
	}
]

# Lookups by key, not scans: regopy builds these small objects once, while a
# scan per VPC would make a 10k-resource plan exceed its statement limit.
logged_id_index := {id: true | some id in logged_ids}

logged_by_id(vpc) if {
	some side in ["after", "before"]
	id := vpc.change[side].id
	is_string(id)
	id != ""
	logged_id_index[id]
}

# "<module instance>|<resource the reference names>|<literal key or "">" for
# every flow log reference, without the bare prefix Terraform lists after a
# keyed traversal (`aws_vpc.main` after `aws_vpc.main[0]`).
reference_index := {key: true |
	some flow in flow_refs
	some ref in flow.refs
	not tfplan.bare_prefix(ref, flow.refs)
	local := ref_local(ref)
	key := concat("|", [flow.module, local, tfplan.written_key(ref, local)])
}

# "aws_vpc.main[0].id" -> "aws_vpc.main"; "data.aws_vpc.x.id" -> "data.aws_vpc.x";
# undefined for var., module., local. and other non-resource references.
ref_local(ref) := concat(".", ["data", parts[1], bare(parts[2])]) if {
	parts := split(ref, ".")
	parts[0] == "data"
	count(parts) >= 3
} else := concat(".", [parts[0], bare(parts[1])]) if {
	parts := split(ref, ".")
	not parts[0] in {"data", "var", "module", "local", "each", "count", "path", "terraform", "self"}
	count(parts) >= 2
}

bare(name) := split(name, "[")[0]

logged_by_reference(vpc) if {
	key := concat("|", [object.get(vpc, "module_address", ""), tfplan.local_address(vpc), ""])
	reference_index[key]
}

logged_by_reference(vpc) if {
	key := concat("|", [object.get(vpc, "module_address", ""), tfplan.local_address(vpc), tfplan.instance_key(vpc)])
	reference_index[key]
}
