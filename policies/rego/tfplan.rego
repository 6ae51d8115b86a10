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

# A plain reference, not a comprehension: copying 1k resources costs 0.3 s.
changes := plan.resource_changes

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

# Sensitivity, as natpolicy's Python rules judge it (Resource.is_sensitive):
# the plan marks the value at `path` sensitive, or a value holding it. A
# message shows such a value as "(sensitive value)", whatever its length.
after_sensitive(rc, path) if marked(object.get(rc.change, "after_sensitive", false), path)

before_sensitive(rc, path) if marked(object.get(rc.change, "before_sensitive", false), path)

marked(mask, _) if mask == true

marked(mask, path) if {
	is_object(mask) # object.get on a `false` mask is a type error in OPA
	count(path) > 0
	some n in numbers.range(1, count(path))
	object.get(mask, array.slice(path, 0, n), false) == true
}

# Anything at or below `path` is marked (a list of blocks, one field of which is sensitive).
before_sensitive_within(rc, path) if before_sensitive(rc, path)

before_sensitive_within(rc, path) if {
	inner := object.get(obj(object.get(rc.change, "before_sensitive", false)), path, false)
	walk(inner, [_, v])
	v == true
}

hidden := "(sensitive value)"

# "module.a[\"x\"].module.b[0]" -> ["a", "b"]
module_names(rc) := [m[1] | some m in regex.find_all_string_submatch_n(`module\.([^.\[]+)`, object.get(rc, "module_address", ""), -1)]

# Configuration lookups. A per-resource scan of the configuration is
# quadratic, and regopy builds objects (an index) in quadratic time too, so a
# family collects the configuration entries of its types in one pass, as a
# rule (evaluated once), and looks resources up in that short array:
#
#   config := tfplan.config_entries({"aws_ebs_volume"})
#   config_index := tfplan.config_index(config)
#   cfg := tfplan.expressions_at(config, config_index, rc)

# [module names, module] for the root and modules nested up to four deep.
config_modules := array.concat(array.concat(
	array.concat([[[], plan.configuration.root_module]], [[[a], ma.module] |
		some a
		ma := plan.configuration.root_module.module_calls[a]
	]),
	[[[a, b], mb.module] |
		some a
		ma := plan.configuration.root_module.module_calls[a]
		some b
		mb := ma.module.module_calls[b]
	],
), array.concat(
	[[[a, b, c], mc.module] |
		some a
		ma := plan.configuration.root_module.module_calls[a]
		some b
		mb := ma.module.module_calls[b]
		some c
		mc := mb.module.module_calls[c]
	],
	[[[a, b, c, d], md.module] |
		some a
		ma := plan.configuration.root_module.module_calls[a]
		some b
		mb := ma.module.module_calls[b]
		some c
		mc := mb.module.module_calls[c]
		some d
		md := mc.module.module_calls[d]
	],
))

config_entries(types) := [{"names": pair[0], "address": res.address, "m": m, "i": i} |
	some m
	pair := config_modules[m]
	some i
	res := pair[1].resources[i]
	res.type in types
]

# An object from "module names|address" to the entry's position. regopy
# builds objects in quadratic time, but only over one family's entries.
config_index(entries) := {entry_key(e.names, e.address): i |
	some i
	e := entries[i]
}

entry_key(names, address) := concat("|", [concat(".", names), address])

# The resource's configuration block (undefined if absent). Entries hold
# indexes, not blocks: iterating over big objects copies them.
config_at(entries, index, rc) := config_modules[e.m][1].resources[e.i] if {
	local := local_address(rc)
	key := entry_key(module_names(rc), local)
	i := index[key]
	e := entries[i]
}

# `v` when it is an object, else {}: object.get on null (a created resource's
# `before`, a deleted one's `after`, a resource without configuration) is a
# type error in OPA, which stops `opa test` and `opa eval` alike.
obj(v) := v if is_object(v) else := {}

# The configuration's expressions of a resource; null when the plan has none.
expressions_at(entries, index, rc) := e if {
	e := config_at(entries, index, rc).expressions
	is_object(e)
} else := null

local_address(rc) := concat(".", ["data", rc.type, rc.name]) if {
	rc.mode == "data"
} else := concat(".", [rc.type, rc.name])

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

# Does a reference list point at the resource instance `rc`? A literal key
# (`aws_vpc.main[0].id`, `aws_vpc.main["a"]`) selects that instance only; no
# key, or a computed one (`[count.index]`), selects every instance. The bare
# prefix Terraform lists after a keyed traversal (`aws_vpc.main`) is ignored.
refers_to_instance(refs, rc) if {
	local := local_address(rc)
	some ref in refs
	ref_matches(ref, local)
	not bare_prefix(ref, refs)
	key_selects(written_key(ref, local), rc)
}

# `ref` is `X` while the same list also holds `X[...]`.
bare_prefix(ref, refs) if {
	not contains(ref, "[")
	some other in refs
	startswith(other, concat("", [ref, "["]))
}

# The literal key written right after `local` in `ref` ("" when none or computed).
written_key(ref, local) := key if {
	rest := substring(ref, count(local), -1)
	startswith(rest, "[")
	end := indexof(rest, "]")
	key := literal_key(substring(rest, 1, end - 1))
} else := ""

literal_key(inner) := inner if regex.match(`^[0-9]+$`, inner)

literal_key(inner) := inner if regex.match(`^"[^"\\]*"$`, inner)

key_selects(key, rc) if key == ""

key_selects(key, rc) if key == instance_key(rc)

# The instance key as a reference writes it: `0` or `"a"`.
instance_key(rc) := format_int(rc.index, 10) if is_number(rc.index)

instance_key(rc) := concat("", [`"`, rc.index, `"`]) if is_string(rc.index)

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
