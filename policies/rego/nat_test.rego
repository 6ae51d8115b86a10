package natpolicy.rules.nat_test

import data.natpolicy.rules.nat
import rego.v1

rc(address, type, actions, before, after) := {
	"address": address, "mode": "managed", "type": type, "name": "x",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
}

gw(actions, id, subnet) := rc("aws_nat_gateway.a", "aws_nat_gateway", actions, {"id": id, "subnet_id": subnet, "connectivity_type": "public"}, null)

table(address, id, routes) := rc(address, "aws_route_table", ["no-op"], {"id": id, "route": routes}, {"id": id, "route": routes})

route(dest, nat) := {"cidr_block": dest, "nat_gateway_id": nat, "gateway_id": ""}

rules_of(changes) := [[f.rule, f.address] | some f in nat.findings with input as {"resource_changes": changes}]

test_deleted_gateway_whose_route_goes_nowhere if {
	rt := rc("aws_route_table.private", "aws_route_table", ["update"], {"id": "rtb-1", "route": [route("0.0.0.0/0", "nat-1")]}, {"id": "rtb-1", "route": []})
	rules_of([gw(["delete"], "nat-1", "subnet-1"), rt]) == [["NAT001", "aws_nat_gateway.a"]]
}

test_route_repointed_to_a_kept_gateway if {
	rt := rc("aws_route_table.private", "aws_route_table", ["update"], {"id": "rtb-1", "route": [route("0.0.0.0/0", "nat-1")]}, {"id": "rtb-1", "route": [route("0.0.0.0/0", "nat-2")]})
	kept := rc("aws_nat_gateway.b", "aws_nat_gateway", ["no-op"], {"id": "nat-2", "subnet_id": "subnet-2"}, {"id": "nat-2", "subnet_id": "subnet-2"})
	rules_of([gw(["delete"], "nat-1", "subnet-1"), rt, kept]) == []
}

test_no_route_evidence_and_no_other_gateway if {
	rules_of([gw(["delete"], "nat-1", "subnet-1")]) == [["NAT001", "aws_nat_gateway.a"]]
}

test_no_route_evidence_but_another_gateway_survives if {
	kept := rc("aws_nat_gateway.b", "aws_nat_gateway", ["no-op"], {"id": "nat-2", "subnet_id": "subnet-2", "connectivity_type": "public"}, {"id": "nat-2", "subnet_id": "subnet-2", "connectivity_type": "public"})
	rules_of([gw(["delete"], "nat-1", "subnet-1"), kept]) == []
}

test_destroy_before_create_replacement if {
	replaced := rc("aws_nat_gateway.a", "aws_nat_gateway", ["delete", "create"], {"id": "nat-1", "subnet_id": "subnet-1"}, {"subnet_id": "subnet-1"})
	[r | some r in rules_of([replaced]); r[0] == "NAT002"] == [["NAT002", "aws_nat_gateway.a"]]
}

test_create_before_destroy_is_not_nat002 if {
	replaced := rc("aws_nat_gateway.a", "aws_nat_gateway", ["create", "delete"], {"id": "nat-1", "subnet_id": "subnet-1"}, {"subnet_id": "subnet-1"})
	[r | some r in rules_of([replaced]); r[0] == "NAT002"] == []
}

test_orphaned_default_route if {
	kept := rc("aws_nat_gateway.a", "aws_nat_gateway", ["no-op"], {"id": "nat-1", "subnet_id": "subnet-1"}, {"id": "nat-1", "subnet_id": "subnet-1"})
	gone := rc("aws_route.default", "aws_route", ["delete"], {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"}, null)
	rules_of([kept, gone]) == [["NAT003", "aws_route.default"]]
}

test_terraform_cloud_input_plan if {
	findings := nat.findings with input as {"plan": {"resource_changes": [gw(["delete"], "nat-1", "subnet-1")]}}
	[f.rule | some f in findings] == ["NAT001"]
}
