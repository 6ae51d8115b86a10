package natpolicy.rules.sg_test

import data.natpolicy.rules.sg
import rego.v1

group(blocks) := {"resource_changes": [{
	"address": "aws_security_group.web",
	"mode": "managed",
	"type": "aws_security_group",
	"name": "web",
	"change": {"actions": ["create"], "before": null, "after": {"ingress": blocks}, "after_unknown": {}},
}]}

block(proto, from, to, cidrs, v6) := {"protocol": proto, "from_port": from, "to_port": to, "cidr_blocks": cidrs, "ipv6_cidr_blocks": v6}

rules_of(plan) := [[f.rule, f.address] | some f in sg.findings with input as plan]

test_all_traffic_ipv4 if {
	rules_of(group([block("-1", 0, 0, ["0.0.0.0/0"], [])])) == [["SG001", "aws_security_group.web"]]
}

test_ssh_from_ipv6_anywhere if {
	rules_of(group([block("tcp", 22, 22, [], ["::/0"])])) == [["SG002", "aws_security_group.web"]]
}

test_port_range_with_admin_port_as_numbers_from_input if {
	# 443-3389 holds RDP; regopy's min()/max() would order these as text.
	rules_of(group([block("tcp", 443, 3389, ["0.0.0.0/0"], [])])) == [["SG002", "aws_security_group.web"]]
}

test_https_only_is_web if {
	rules_of(group([block("tcp", 443, 443, ["0.0.0.0/0"], [])])) == [["SG003", "aws_security_group.web"]]
}

test_other_port if {
	rules_of(group([block("tcp", 8080, 8080, ["0.0.0.0/0"], [])])) == [["SG004", "aws_security_group.web"]]
}

test_private_cidr_is_quiet if {
	rules_of(group([block("tcp", 22, 22, ["10.0.0.0/8"], [])])) == []
}

test_near_miss_slash_one_is_quiet if {
	rules_of(group([block("tcp", 22, 22, ["0.0.0.0/1"], [])])) == []
}

test_icmp_is_quiet if {
	rules_of(group([block("icmp", -1, -1, ["0.0.0.0/0"], [])])) == []
}

test_egress_rule_is_quiet if {
	plan := {"resource_changes": [{
		"address": "aws_security_group_rule.out", "mode": "managed", "type": "aws_security_group_rule", "name": "out",
		"change": {"actions": ["create"], "after": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}, "after_unknown": {}},
	}]}
	rules_of(plan) == []
}

test_vpc_ingress_rule_resource if {
	plan := {"resource_changes": [{
		"address": "aws_vpc_security_group_ingress_rule.rdp", "mode": "managed", "type": "aws_vpc_security_group_ingress_rule", "name": "rdp",
		"change": {"actions": ["create"], "after": {"ip_protocol": "tcp", "from_port": 3389, "to_port": 3389, "cidr_ipv4": "0.0.0.0/0"}, "after_unknown": {}},
	}]}
	rules_of(plan) == [["SG002", "aws_vpc_security_group_ingress_rule.rdp"]]
}

test_deleted_group_is_quiet if {
	plan := {"resource_changes": [{
		"address": "aws_security_group.old", "mode": "managed", "type": "aws_security_group", "name": "old",
		"change": {"actions": ["delete"], "before": {"ingress": [block("-1", 0, 0, ["0.0.0.0/0"], [])]}, "after": null},
	}]}
	rules_of(plan) == []
}

test_terraform_cloud_input_plan if {
	rules_of({"plan": group([block("-1", 0, 0, ["0.0.0.0/0"], [])])}) == [["SG001", "aws_security_group.web"]]
}

test_deny_is_a_set_of_objects_with_msg if {
	results := sg.deny with input as group([block("-1", 0, 0, ["0.0.0.0/0"], [])])
	count(results) == 1
	some r in results
	r.msg == "aws_security_group.web allows all traffic (every protocol and port) from the internet"
}
