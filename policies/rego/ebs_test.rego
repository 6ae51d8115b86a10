package natpolicy.rules.ebs_test

import data.natpolicy.rules.ebs
import rego.v1

change(address, type, actions, before, after, unknown) := {
	"address": address, "mode": "managed", "type": type, "name": "x",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown},
}

rules_of(changes) := [[f.rule, f.address] | some f in ebs.findings with input as {"resource_changes": changes}]

volume(after, unknown) := change("aws_ebs_volume.v", "aws_ebs_volume", ["create"], null, after, unknown)

default_on := change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["no-op"], {"enabled": true}, {"enabled": true}, {})

test_unencrypted_new_volume if {
	rules_of([volume({"encrypted": false}, {})]) == [["EBS001", "aws_ebs_volume.v"]]
}

test_encrypted_volume_is_quiet if {
	rules_of([volume({"encrypted": true}, {})]) == []
}

test_unknown_encryption_is_quiet if {
	rules_of([volume({}, {"encrypted": true})]) == []
}

test_account_default_covers_new_volume if {
	rules_of([volume({"encrypted": false}, {}), default_on]) == []
}

test_existing_unencrypted_volume_is_reported_even_with_default if {
	existing := change("aws_ebs_volume.v", "aws_ebs_volume", ["no-op"], {"encrypted": false}, {"encrypted": false}, {})
	rules_of([existing, default_on]) == [["EBS001", "aws_ebs_volume.v"]]
}

test_volume_from_snapshot_with_unset_encryption_is_quiet if {
	rules_of([volume({"encrypted": null, "snapshot_id": "snap-1"}, {})]) == []
}

test_instance_root_volume if {
	inst := change("aws_instance.web", "aws_instance", ["create"], null, {"root_block_device": [{"encrypted": false}]}, {})
	rules_of([inst]) == [["EBS002", "aws_instance.web"]]
}

test_launch_template_mapping if {
	lt := change("aws_launch_template.t", "aws_launch_template", ["create"], null,
		{"block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"encrypted": "false"}]}]}, {})
	rules_of([lt]) == [["EBS003", "aws_launch_template.t"]]
}

test_launch_configuration if {
	lc := change("aws_launch_configuration.c", "aws_launch_configuration", ["no-op"],
		{"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}]},
		{"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}]}, {})
	rules_of([lc]) == [["EBS004", "aws_launch_configuration.c"]]
}

test_default_encryption_turned_off if {
	off := change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["update"], {"enabled": true}, {"enabled": false}, {})
	rules_of([off]) == [["EBS005", "aws_ebs_encryption_by_default.this"]]
}

test_default_encryption_deleted if {
	gone := change("aws_ebs_encryption_by_default.this", "aws_ebs_encryption_by_default", ["delete"], {"enabled": true}, null, {})
	rules_of([gone]) == [["EBS005", "aws_ebs_encryption_by_default.this"]]
}
