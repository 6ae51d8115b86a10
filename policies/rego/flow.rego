# METADATA
# title: VPC without flow log (FLOW001)
# description: |
#   Rego twin of natpolicy's FLOW001: every aws_vpc / aws_default_vpc that
#   exists after apply needs an aws_flow_log that also exists after apply and
#   targets it, either by a known `vpc_id` (equal to the VPC's id) or, for a
#   VPC created in this plan, by a configuration reference (`aws_vpc.main.id`)
#   from the same module. References through module inputs and outputs are
#   resolved by natpolicy's Python rule, not here; see DIFFERENCES.md.
# custom:
#   rules: [FLOW001]
package natpolicy.rules.flow

import data.natpolicy.lib.tfplan
import rego.v1

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

# For each flow log: its module instance and what its vpc_id refers to.
flow_refs := [{"module": object.get(rc, "module_address", ""), "refs": refs} |
	some rc in flow_logs
	refs := object.get(tfplan.expressions(rc), ["vpc_id", "references"], [])
	count(refs) > 0
]

findings := [f |
	some rc in tfplan.of_types({"aws_vpc", "aws_default_vpc"})
	tfplan.exists_after(rc)
	not logged_by_id(rc)
	not logged_by_reference(rc)
	f := {
		"rule": "FLOW001",
		"severity": "medium",
		"address": rc.address,
		"resource_type": rc.type,
		"msg": concat("", [rc.address, " has no flow log: no aws_flow_log targets it by vpc_id or by reference"]),
	}
]

logged_by_id(vpc) if {
	some side in ["after", "before"]
	id := vpc.change[side].id
	is_string(id)
	id != ""
	id in logged_ids
}

logged_by_reference(vpc) if {
	module := object.get(vpc, "module_address", "")
	local := tfplan.local_address(vpc)
	some flow in flow_refs
	flow.module == module
	tfplan.refers_to(flow.refs, local)
}
