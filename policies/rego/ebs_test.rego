package natpolicy.rules.ebs_test

import data.natpolicy.rules.ebs
import rego.v1

# Cases: a plan and the [rule, address] pairs natpolicy.rules.ebs must report
# (run by `test_cases` in OPA, and by natpolicy's test suite under regopy).

change(address, type, actions, before, after, unknown) := {
	"address": address, "mode": "managed", "type": type, "name": "x",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown},
}

plan(changes) := {"resource_changes": changes}

volume(after, unknown) := change("aws_ebs_volume.v", "aws_ebs_volume", ["create"], null, after, unknown)

default_on := change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["no-op"], {"enabled": true}, {"enabled": true}, {})

existing := change("aws_ebs_volume.v", "aws_ebs_volume", ["no-op"], {"encrypted": false}, {"encrypted": false}, {})

cases := [
	{"name": "new unencrypted volume", "input": plan([volume({"encrypted": false}, {})]), "expect": [["EBS001", "aws_ebs_volume.v"]]},
	{"name": "encrypted volume", "input": plan([volume({"encrypted": true}, {})]), "expect": []},
	{"name": "encryption unknown", "input": plan([volume({}, {"encrypted": true})]), "expect": []},
	{"name": "account default covers a new volume", "input": plan([volume({"encrypted": false}, {}), default_on]), "expect": []},
	{"name": "existing volume stays unencrypted", "input": plan([existing, default_on]), "expect": [["EBS001", "aws_ebs_volume.v"]]},
	{"name": "unset but from a snapshot", "input": plan([volume({"encrypted": null, "snapshot_id": "snap-1"}, {})]), "expect": []},
	{"name": "instance root volume", "input": plan([change("aws_instance.web", "aws_instance", ["create"], null, {"root_block_device": [{"encrypted": false}]}, {})]), "expect": [["EBS002", "aws_instance.web"]]},
	{"name": "launch template mapping", "input": plan([change("aws_launch_template.t", "aws_launch_template", ["create"], null, {"block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"encrypted": "false"}]}]}, {})]), "expect": [["EBS003", "aws_launch_template.t"]]},
	{"name": "launch template with encrypted mapping", "input": plan([change("aws_launch_template.t", "aws_launch_template", ["create"], null, {"block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"encrypted": "true"}]}]}, {})]), "expect": []},
	{"name": "launch configuration ebs block", "input": plan([change("aws_launch_configuration.c", "aws_launch_configuration", ["no-op"],
		{"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}]},
		{"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}]}, {})]), "expect": [["EBS004", "aws_launch_configuration.c"]]},
	{"name": "default encryption turned off", "input": plan([change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["update"], {"enabled": true}, {"enabled": false}, {})]), "expect": [["EBS005", "aws_ebs_encryption_by_default.this"]]},
	{"name": "default encryption deleted", "input": plan([change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["delete"], {"enabled": true}, null, {})]), "expect": [["EBS005", "aws_ebs_encryption_by_default.this"]]},
	{"name": "default encryption forgotten: still on in AWS", "input": plan([volume({"encrypted": false}, {}), change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["forget"], {"enabled": true}, null, {})]), "expect": []},
	{"name": "default encryption forgotten while off", "input": plan([volume({"encrypted": false}, {}), change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["forget"], {"enabled": false}, null, {})]), "expect": [["EBS001", "aws_ebs_volume.v"]]},
]

# -- OPA only: regopy 1.5.2 aborts on `with` ---------------------------------------
test_cases if {
	every c in cases {
		sort([[f.rule, f.address] | some f in ebs.findings with input as c.input]) == sort(c.expect)
	}
}
