package natpolicy.rules.nat_test

import data.natpolicy.rules.nat
import rego.v1

# Cases: a plan and the [rule, address] pairs natpolicy.rules.nat must report
# (run by `test_cases` in OPA, and by natpolicy's test suite under regopy).

rc(address, type, actions, before, after) := {
	"address": address, "mode": "managed", "type": type, "name": "x",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
}

gw(actions, id, subnet) := rc("aws_nat_gateway.a", "aws_nat_gateway", actions, {"id": id, "subnet_id": subnet, "connectivity_type": "public"}, null)

route(dest, nat) := {"cidr_block": dest, "nat_gateway_id": nat, "gateway_id": ""}

table(routes_before, routes_after) := rc("aws_route_table.private", "aws_route_table", ["update"], {"id": "rtb-1", "route": routes_before}, {"id": "rtb-1", "route": routes_after})

kept_gw := rc("aws_nat_gateway.b", "aws_nat_gateway", ["no-op"], {"id": "nat-2", "subnet_id": "subnet-2", "connectivity_type": "public"}, {"id": "nat-2", "subnet_id": "subnet-2", "connectivity_type": "public"})

plan(changes) := {"resource_changes": changes}

assoc := rc("aws_route_table_association.private", "aws_route_table_association", ["no-op"], {"id": "rtbassoc-1", "route_table_id": "rtb-1", "subnet_id": "subnet-9"}, {"id": "rtbassoc-1", "route_table_id": "rtb-1", "subnet_id": "subnet-9"})

private_gw := rc("aws_nat_gateway.p", "aws_nat_gateway", ["no-op"], {"id": "nat-p", "subnet_id": "subnet-2", "connectivity_type": "private"}, {"id": "nat-p", "subnet_id": "subnet-2", "connectivity_type": "private"})

removed_default_route := rc("aws_route.default", "aws_route", ["delete"], {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-2"}, null)

zoned_subnet(address, id, zone) := rc(address, "aws_subnet", ["no-op"], {"id": id, "vpc_id": "vpc-1", "availability_zone": zone}, {"id": id, "vpc_id": "vpc-1", "availability_zone": zone})

zoned_gw(address, actions, id, subnet) := rc(address, "aws_nat_gateway", actions, {"id": id, "subnet_id": subnet, "connectivity_type": "public"}, after_of(actions, {"id": id, "subnet_id": subnet, "connectivity_type": "public"}))

after_of(actions, values) := null if actions == ["delete"] else := values

gone := gw(["delete"], "nat-1", "subnet-1")

cases := [
	{"name": "route left with nowhere to go", "input": plan([gone, table([route("0.0.0.0/0", "nat-1")], [])]), "expect": [["NAT001", "aws_nat_gateway.a"]]},
	{"name": "route repointed to a kept gateway", "input": plan([gone, table([route("0.0.0.0/0", "nat-1")], [route("0.0.0.0/0", "nat-2")]), kept_gw]), "expect": []},
	{"name": "near miss: repointed to a gateway deleted too", "input": plan([gone, table([route("0.0.0.0/0", "nat-1")], [route("0.0.0.0/0", "nat-3")]), rc("aws_nat_gateway.c", "aws_nat_gateway", ["delete"], {"id": "nat-3", "subnet_id": "subnet-3"}, null)]), "expect": [["NAT001", "aws_nat_gateway.a"], ["NAT001", "aws_nat_gateway.c"]]},
	{"name": "no route evidence, no other gateway", "input": plan([gone]), "expect": [["NAT001", "aws_nat_gateway.a"]]},
	{"name": "no route evidence, another gateway kept", "input": plan([gone, kept_gw]), "expect": []},
	{"name": "destroy-before-create replacement", "input": plan([rc("aws_nat_gateway.a", "aws_nat_gateway", ["delete", "create"], {"id": "nat-1", "subnet_id": "subnet-1"}, {"subnet_id": "subnet-1"}), kept_gw]), "expect": [["NAT002", "aws_nat_gateway.a"]]},
	{"name": "create-before-destroy replacement", "input": plan([rc("aws_nat_gateway.a", "aws_nat_gateway", ["create", "delete"], {"id": "nat-1", "subnet_id": "subnet-1"}, {"subnet_id": "subnet-1"}), kept_gw]), "expect": []},
	{"name": "default route to a kept gateway removed", "input": plan([kept_gw, assoc, removed_default_route]), "expect": [["NAT003", "aws_route.default"]]},
	{"name": "near miss: nothing shows a subnet behind the table", "input": plan([kept_gw, removed_default_route]), "expect": []},
	{"name": "route repointed to a private NAT gateway", "input": plan([gone, private_gw, table([route("0.0.0.0/0", "nat-1")], [route("0.0.0.0/0", "nat-p")])]), "expect": [["NAT001", "aws_nat_gateway.a"]]},
	{"name": "no route evidence, the other gateway is in another zone", "input": plan([zoned_subnet("aws_subnet.a", "subnet-a", "eu-west-1a"), zoned_subnet("aws_subnet.b", "subnet-b", "eu-west-1b"), zoned_gw("aws_nat_gateway.a", ["delete"], "nat-1", "subnet-a"), zoned_gw("aws_nat_gateway.b", ["no-op"], "nat-2", "subnet-b")]), "expect": [["NAT001", "aws_nat_gateway.a"]]},
	{"name": "near miss: no route evidence, another gateway in its zone", "input": plan([zoned_subnet("aws_subnet.a", "subnet-a", "eu-west-1a"), zoned_gw("aws_nat_gateway.a", ["delete"], "nat-1", "subnet-a"), zoned_gw("aws_nat_gateway.b", ["no-op"], "nat-2", "subnet-a")]), "expect": []},
	{"name": "terraform cloud: the plan under input.plan", "input": {"plan": plan([gone])}, "expect": [["NAT001", "aws_nat_gateway.a"]]},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in nat.findings with input as c.input]) == sort(c.expect)
	}
}
