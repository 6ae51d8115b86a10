package natpolicy.rules.flow_test

import data.natpolicy.rules.flow
import rego.v1

vpc(actions, after, unknown) := {
	"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
	"change": {"actions": actions, "before": null, "after": after, "after_unknown": unknown},
}

flow_log(after) := {
	"address": "aws_flow_log.main", "mode": "managed", "type": "aws_flow_log", "name": "main",
	"change": {"actions": ["create"], "before": null, "after": after, "after_unknown": {}},
}

config(refs) := {"root_module": {"resources": [
	{"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main", "expressions": {}},
	{"address": "aws_flow_log.main", "mode": "managed", "type": "aws_flow_log", "name": "main",
	 "expressions": {"vpc_id": {"references": refs}}},
]}}

rules_of(plan) := [[f.rule, f.address] | some f in flow.findings with input as plan]

test_vpc_without_flow_log if {
	rules_of({"resource_changes": [vpc(["create"], {}, {"id": true})]}) == [["FLOW001", "aws_vpc.main"]]
}

test_flow_log_by_known_id if {
	rules_of({"resource_changes": [vpc(["no-op"], {"id": "vpc-1"}, {}), flow_log({"vpc_id": "vpc-1"})]}) == []
}

test_flow_log_by_reference_for_a_new_vpc if {
	plan := {
		"resource_changes": [vpc(["create"], {}, {"id": true}), flow_log({})],
		"configuration": config(["aws_vpc.main.id", "aws_vpc.main"]),
	}
	rules_of(plan) == []
}

test_near_miss_reference_to_another_vpc if {
	plan := {
		"resource_changes": [vpc(["create"], {}, {"id": true}), flow_log({})],
		"configuration": config(["aws_vpc.main_v2.id"]),
	}
	rules_of(plan) == [["FLOW001", "aws_vpc.main"]]
}

test_deleted_vpc_is_quiet if {
	rules_of({"resource_changes": [vpc(["delete"], null, {})]}) == []
}
