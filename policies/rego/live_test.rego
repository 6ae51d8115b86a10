package natpolicy.rules.live_test

import data.natpolicy.rules.live
import rego.v1

# Cases: a plan and the [rule, address] pairs natpolicy.rules.live must report
# (run by `test_cases` in OPA, and by natpolicy's test suite under regopy).
# A plan alone never carries live evidence: NAT004 stays quiet on every plan.

deleted_gateway := {
	"address": "aws_nat_gateway.old", "mode": "managed", "type": "aws_nat_gateway", "name": "old",
	"change": {"actions": ["delete"], "before": {"id": "nat-0aa", "subnet_id": "subnet-1"}, "after": null, "after_unknown": {}},
}

cases := [
	{"name": "a deleted gateway without live evidence", "input": {"resource_changes": [deleted_gateway]}, "expect": []},
	{"name": "an empty plan", "input": {"resource_changes": []}, "expect": []},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in live.findings with input as c.input]) == sort(c.expect)
	}
}

safe := {"deleted": true, "replaced": false, "private": false, "partial": false, "cross_az": false, "teardown": false, "lost_routes": []}

live_table := {"id": "rtb-hand", "name": "hand-made", "owner": "123456789012", "main": false, "subnets": ["subnet-2"], "destinations": ["0.0.0.0/0"], "region": "eu-west-1"}

test_live_table_outside_the_plan_fires if {
	gateways := {"aws_nat_gateway.old": object.union(safe, {"live_route_tables": [live_table]})}
	[[f.rule, f.address, f.severity] | some f in live.findings with data.natpolicy.nat.gateways as gateways] == [["NAT004", "aws_nat_gateway.old", "high"]]
}

test_nat001_reports_lost_routes_itself if {
	lost := object.union(safe, {"lost_routes": [{"route_table": "rtb-1", "destinations": ["0.0.0.0/0"], "subnets": [], "reason": "no_route"}], "live_route_tables": [live_table]})
	count(live.findings) == 0 with data.natpolicy.nat.gateways as {"aws_nat_gateway.old": lost}
}
