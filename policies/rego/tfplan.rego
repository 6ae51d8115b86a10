# METADATA
# title: natpolicy plan helpers
# description: |
#   Shared helpers of natpolicy's Rego twins. They read `terraform show -json`
#   output as conftest and OPA get it (`input`) and as Terraform Cloud /
#   Enterprise OPA policy sets get it (`input.plan`).
#   Written for OPA v1 and for regopy 1.5.2: only array comprehensions over
#   resources (regopy builds sets and objects in quadratic time), no
#   `some k, v in` inside comprehensions, no sprintf of builtin-made strings.
package natpolicy.lib.tfplan

import rego.v1

# (Not `is_object(input.plan)`: regopy 1.5.2 crashes when a builtin gets an
# undefined argument under `with input as`, as in *_test.rego.)
plan := input.plan if {
	_ = input.plan.resource_changes
} else := input

changes := [rc | some rc in plan.resource_changes]

# Managed resources of the given types, deposed objects included.
of_types(types) := [rc |
	some rc in changes
	rc.type in types
	managed(rc)
]

managed(rc) if object.get(rc, "mode", "managed") == "managed"

keeping := {"create", "update", "no-op", "read"}

# An object will exist at this address after apply.
exists_after(rc) if {
	not rc.deposed
	some action in rc.change.actions
	action in keeping
}

deleted(rc) if "delete" in rc.change.actions

creating(rc) if "create" in rc.change.actions

# The value of a top-level attribute after apply, and whether it is unknown.
after_unknown(rc, attr) if rc.change.after_unknown[attr] == true

# Unknown inside a nested block: after_unknown.<block>[i].<attr>.
block_unknown(rc, block, i, attr) if rc.change.after_unknown[block][i][attr] == true

# "module.a[\"x\"].module.b[0]" -> ["a", "b"]
module_names(rc) := [m[1] | some m in regex.find_all_string_submatch_n(`module\.([^.\[]+)`, object.get(rc, "module_address", ""), -1)]

# The resource's block in `configuration` (undefined when the plan has none).
config_of(rc) := res if {
	names := module_names(rc)
	path := array.concat(["configuration", "root_module"], [seg |
		some i
		name := names[i]
		some seg in ["module_calls", name, "module"]
	])
	module := object.get(plan, path, {})
	local := local_address(rc)
	some res in object.get(module, "resources", [])
	res.address == local
}

local_address(rc) := concat(".", ["data", rc.type, rc.name]) if {
	rc.mode == "data"
} else := concat(".", [rc.type, rc.name])

# The configuration's expressions of a resource; null when the plan has none.
expressions(rc) := e if {
	e := config_of(rc).expressions
	is_object(e)
} else := null

# Is the value at `path` of the planned `after` unknown until apply?
# (Helpers return "yes"/"no" strings: a top-level `false` is undefined when
# regopy's Interpreter.query() evaluates it, so strings read the same anywhere.)
unknown(rc, path) := "yes" if {
	object.get(rc.change, array.concat(["after_unknown"], path), false) == true
} else := "no"

has_key(obj, key) if {
	is_object(obj)
	_ = obj[key]
}

# Does a reference list (as Terraform writes it) point at the resource `local`?
refers_to(refs, local) if {
	some ref in refs
	ref_matches(ref, local)
}

ref_matches(ref, local) if ref == local

ref_matches(ref, local) if startswith(ref, concat("", [local, "."]))

ref_matches(ref, local) if startswith(ref, concat("", [local, "["]))

is_true_text(v) if v == true

is_true_text(v) if {
	is_string(v)
	lower(trim_space(v)) == "true"
}

is_false_text(v) if v == false

is_false_text(v) if {
	is_string(v)
	lower(trim_space(v)) == "false"
}
