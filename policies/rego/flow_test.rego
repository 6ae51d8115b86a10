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

# A flow log whose vpc_id is known only after apply (it refers to a new VPC).
pending_flow_log := object.union(flow_log({}), {"change": {"actions": ["create"], "before": null, "after": {}, "after_unknown": {"vpc_id": true}}})

counted_vpc(i) := {
	"address": concat("", ["aws_vpc.main[", format_int(i, 10), "]"]), "mode": "managed", "type": "aws_vpc", "name": "main", "index": i,
	"change": {"actions": ["create"], "before": null, "after": {}, "after_unknown": {"id": true}},
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
	{"name": "flow log by reference", "input": {"resource_changes": [new_vpc, pending_flow_log], "configuration": config(["aws_vpc.main.id", "aws_vpc.main"])}, "expect": []},
	{"name": "near miss: reference to another vpc", "input": {"resource_changes": [new_vpc, pending_flow_log], "configuration": config(["aws_vpc.main_v2.id"])}, "expect": [["FLOW001", "aws_vpc.main"]]},
	{"name": "a reference with an instance key covers that instance only", "input": {"resource_changes": [counted_vpc(0), counted_vpc(1), pending_flow_log], "configuration": config(["aws_vpc.main[0].id", "aws_vpc.main[0]", "aws_vpc.main"])}, "expect": [["FLOW001", "aws_vpc.main[1]"]]},
	{"name": "near miss: a known vpc_id wins over the reference", "input": {"resource_changes": [vpc(["no-op"], {"id": "vpc-1"}, {}), flow_log({"vpc_id": "vpc-other"})], "configuration": config(["aws_vpc.main.id", "aws_vpc.main"])}, "expect": [["FLOW001", "aws_vpc.main"]]},
	{"name": "deleted vpc", "input": {"resource_changes": [vpc(["delete"], null, {})]}, "expect": []},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in flow.findings with input as c.input]) == sort(c.expect)
	}
}
