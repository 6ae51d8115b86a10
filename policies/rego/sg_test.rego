package natpolicy.rules.sg_test

import data.natpolicy.rules.sg
import rego.v1

# Each case is a plan and the [rule, address] pairs natpolicy.rules.sg must
# report. OPA and conftest run them through `test_cases` at the end of this
# file; natpolicy's test suite runs the same cases under regopy, which aborts
# on `with` (the part below the OPA-only marker is cut off there).

group(blocks) := {"resource_changes": [{
	"address": "aws_security_group.web",
	"mode": "managed",
	"type": "aws_security_group",
	"name": "web",
	"change": {"actions": ["create"], "before": null, "after": {"ingress": blocks}, "after_unknown": {}},
}]}

block(proto, low, high, cidrs, v6) := {"protocol": proto, "from_port": low, "to_port": high, "cidr_blocks": cidrs, "ipv6_cidr_blocks": v6}

one(type, address, after) := {"resource_changes": [{
	"address": address, "mode": "managed", "type": type, "name": "x",
	"change": {"actions": ["create"], "before": null, "after": after, "after_unknown": {}},
}]}

web := "aws_security_group.web"

# SSH from anywhere, with the ports marked sensitive in the plan.
sensitive_ssh := {"resource_changes": [object.union(group([block("tcp", 22, 22, ["0.0.0.0/0"], [])]).resource_changes[0], {"change": {
	"actions": ["create"], "before": null, "after": {"ingress": [block("tcp", 22, 22, ["0.0.0.0/0"], [])]}, "after_unknown": {},
	"after_sensitive": {"ingress": [{"from_port": true, "to_port": true}]},
}})]}

cases := [
	{"name": "all traffic from 0.0.0.0/0", "input": group([block("-1", 0, 0, ["0.0.0.0/0"], [])]), "expect": [["SG001", web]]},
	{"name": "ssh from ::/0", "input": group([block("tcp", 22, 22, [], ["::/0"])]), "expect": [["SG002", web]]},
	# 443-3389 holds RDP; regopy's min()/max() would order these numbers as text.
	{"name": "range holding an admin port", "input": group([block("tcp", 443, 3389, ["0.0.0.0/0"], [])]), "expect": [["SG002", web]]},
	{"name": "every tcp port", "input": group([block("tcp", 0, 65535, ["0.0.0.0/0"], [])]), "expect": [["SG001", web]]},
	{"name": "https only", "input": group([block("tcp", 443, 443, ["0.0.0.0/0"], [])]), "expect": [["SG003", web]]},
	{"name": "another port", "input": group([block("tcp", 8080, 8080, ["0.0.0.0/0"], [])]), "expect": [["SG004", web]]},
	{"name": "ports as strings", "input": group([block("tcp", "3306", "3306", ["0.0.0.0/0"], [])]), "expect": [["SG002", web]]},
	{"name": "private cidr", "input": group([block("tcp", 22, 22, ["10.0.0.0/8"], [])]), "expect": []},
	{"name": "near miss: /1 alone", "input": group([block("tcp", 22, 22, ["0.0.0.0/1"], [])]), "expect": []},
	{"name": "reversed range: AWS refuses it", "input": group([block("tcp", 443, 22, ["0.0.0.0/0"], [])]), "expect": []},
	{"name": "protocol left unresolved", "input": group([block("var.proto", 22, 22, ["0.0.0.0/0"], [])]), "expect": []},
	{"name": "protocol number", "input": group([block("50", 0, 0, ["0.0.0.0/0"], [])]), "expect": [["SG004", web]]},
	{"name": "protocol name esp", "input": group([block("esp", 0, 0, ["0.0.0.0/0"], [])]), "expect": [["SG004", web]]},
	{"name": "icmp is not an exposure", "input": group([block("icmp", -1, -1, ["0.0.0.0/0"], [])]), "expect": []},
	{"name": "egress rule", "input": one("aws_security_group_rule", "aws_security_group_rule.out", {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}), "expect": []},
	{"name": "ingress rule resource", "input": one("aws_security_group_rule", "aws_security_group_rule.in", {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["0.0.0.0/0"]}), "expect": [["SG002", "aws_security_group_rule.in"]]},
	{"name": "vpc ingress rule resource", "input": one("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_ingress_rule.rdp", {"ip_protocol": "tcp", "from_port": 3389, "to_port": 3389, "cidr_ipv4": "0.0.0.0/0"}), "expect": [["SG002", "aws_vpc_security_group_ingress_rule.rdp"]]},
	{"name": "deleted group", "input": {"resource_changes": [{
		"address": "aws_security_group.old", "mode": "managed", "type": "aws_security_group", "name": "old",
		"change": {"actions": ["delete"], "before": {"ingress": [block("-1", 0, 0, ["0.0.0.0/0"], [])]}, "after": null},
	}]}, "expect": []},
	{"name": "sensitive ports are graded all the same", "input": sensitive_ssh, "expect": [["SG002", web]]},
	{"name": "terraform cloud: the plan under input.plan", "input": {"plan": group([block("-1", 0, 0, ["0.0.0.0/0"], [])])}, "expect": [["SG001", web]]},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in sg.findings with input as c.input]) == sort(c.expect)
	}
}

test_deny_is_a_set_of_objects_with_msg if {
	results := sg.deny with input as group([block("-1", 0, 0, ["0.0.0.0/0"], [])])
	count(results) == 1
}

test_a_sensitive_port_is_never_shown if {
	[f] := [g | some g in sg.findings with input as sensitive_ssh]
	f.msg == "aws_security_group.web allows a sensitive administrative or database port from the internet"
	f.key == "sensitive#0:ipv4"
}
