package natpolicy.rules.flow_test

import data.natpolicy.rules.flow
import rego.v1

# Cases: a plan and the [rule, address] pairs natpolicy.rules.flow must report
# (run by `test_cases` in OPA, and by natpolicy's test suite under regopy).

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
	{
		"address": "aws_flow_log.main", "mode": "managed", "type": "aws_flow_log", "name": "main",
		"expressions": {"vpc_id": {"references": refs}},
	},
]}}

new_vpc := vpc(["create"], {}, {"id": true})

cases := [
	{"name": "vpc without flow log", "input": {"resource_changes": [new_vpc]}, "expect": [["FLOW001", "aws_vpc.main"]]},
	{"name": "flow log by known id", "input": {"resource_changes": [vpc(["no-op"], {"id": "vpc-1"}, {}), flow_log({"vpc_id": "vpc-1"})]}, "expect": []},
	{"name": "flow log by reference", "input": {"resource_changes": [new_vpc, flow_log({})], "configuration": config(["aws_vpc.main.id", "aws_vpc.main"])}, "expect": []},
	{"name": "near miss: reference to another vpc", "input": {"resource_changes": [new_vpc, flow_log({})], "configuration": config(["aws_vpc.main_v2.id"])}, "expect": [["FLOW001", "aws_vpc.main"]]},
	{"name": "deleted vpc", "input": {"resource_changes": [vpc(["delete"], null, {})]}, "expect": []},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in flow.findings with input as c.input]) == sort(c.expect)
	}
}
