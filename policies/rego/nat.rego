# METADATA
# title: NAT gateway deletion analysis (NAT001-NAT003)
# description: |
#   Rego twin of natpolicy's NAT family, from the plan alone:
#   NAT001 a NAT gateway is deleted and some route table that routed
#   through it keeps no live route for those destinations (a private NAT
#   gateway gives no internet egress), or, with no route evidence in the
#   plan, no other NAT gateway of its kind survives in its VPC (or plan), or
#   those that do are all in other availability zones (medium); NAT002 a NAT
#   gateway is replaced destroy-before-create (an egress gap); NAT003 a
#   default route to a target that is kept disappears from a table that
#   serves subnets (an association, or a VPC's main table) and nothing
#   takes over.
#   Route tables, subnets and VPCs are matched by id, or for new objects by
#   configuration references in the same module; see DIFFERENCES.md.
# custom:
#   rules: [NAT001, NAT002, NAT003]
package natpolicy.rules.nat

import data.natpolicy.lib.tfplan
import rego.v1

# This family's configuration entries, collected in one pass, and their index.
config_index := tfplan.config_index(config)

config := tfplan.config_entries({"aws_route", "aws_route_table", "aws_default_route_table", "aws_route_table_association", "aws_main_route_table_association", "aws_nat_gateway"})

deny contains f if {
	some f in findings
	f.severity in {"critical", "high"}
}

warn contains f if {
	some f in findings
	not f.severity in {"critical", "high"}
}

findings := array.concat(array.concat(nat001, nat002), nat003)

target_attributes := [
	"nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "instance_id",
	"vpc_endpoint_id", "egress_only_gateway_id", "local_gateway_id", "carrier_gateway_id",
	"core_network_arn", "vpc_peering_connection_id",
]

egress_targets := {"nat_gateway_id", "gateway_id", "transit_gateway_id", "network_interface_id", "instance_id", "egress_only_gateway_id"}

target_types := {
	"aws_nat_gateway", "aws_internet_gateway", "aws_vpn_gateway", "aws_ec2_transit_gateway",
	"aws_network_interface", "aws_instance", "aws_vpc_endpoint", "aws_egress_only_internet_gateway",
	"aws_ec2_carrier_gateway", "aws_vpc_peering_connection",
}

table_types := {"aws_route_table", "aws_default_route_table"}

defaults := ["0.0.0.0/0", "::/0"]

route_destinations := ["destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"]

inline_destinations := ["cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"]

# -- lifecycle -------------------------------------------------------------------
text(v) if {
	is_string(v)
	v != ""
}

survives(rc) if tfplan.exists_after(rc)

survives(rc) if {
	not rc.deposed
	"forget" in rc.change.actions
}

survives_text(rc) := "yes" if survives(rc) else := "no"

final(rc) := rc.change.after if {
	tfplan.exists_after(rc)
} else := rc.change.before if {
	"forget" in rc.change.actions
}

existed_before(rc) if rc.change.before != null

existed_before(rc) if tfplan.deleted(rc)

existed_before(rc) if "forget" in rc.change.actions

# Unknown only where the values are the planned `after` of a resource.
unknown_at(rc, side, path) := "yes" if {
	side == "after"
	tfplan.exists_after(rc)
	tfplan.unknown(rc, path) == "yes"
} else := "no"

# -- resolving ids and references to resources -------------------------------
# Every lookup scans a per-type array computed once (rules are evaluated once,
# functions at every call), which keeps a 10k-resource plan inside regopy's
# statement limit.
tables_all := tfplan.of_types(table_types)

subnets_all := tfplan.of_types({"aws_subnet"})

vpcs_all := tfplan.of_types({"aws_vpc"})

targets_all := tfplan.of_types(target_types)

nodes_all := array.concat(array.concat(tables_all, subnets_all), vpcs_all)

pool(types) := tables_all if {
	types == table_types
} else := subnets_all if {
	types == {"aws_subnet"}
} else := vpcs_all if {
	types == {"aws_vpc"}
} else := targets_all if {
	types == target_types
} else := tfplan.of_types(types)

by_id(types, id) := array.concat(
	[rc | some rc in pool(types); rc.change.before.id == id],
	[rc | some rc in pool(types); rc.change.after.id == id; object.get(tfplan.obj(rc.change.before), "id", null) != id],
)

# Resources of `types` a reference list names in the referrer's module (no
# module outputs); among instances of a module, those of the referrer's own.
referenced(rc, refs, types) := same if {
	found := referenced_any(rc, refs, types)
	same := [t | some t in found; object.get(t, "module_address", "") == object.get(rc, "module_address", "")]
	count(same) > 0
} else := referenced_any(rc, refs, types)

# (`candidate`, not `target`: regorus 0.13.0 refuses a local named like the function `target`.)
referenced_any(rc, refs, types) := [candidate |
	count(refs) > 0
	names := tfplan.module_names(rc)
	some candidate in pool(types)
	tfplan.refers_to_instance(refs, candidate)
	tfplan.module_names(candidate) == names
]

# Every reference under the attribute, without the bare prefixes Terraform
# adds to keyed traversals (each `references` list on its own).
refs_of(rc, attr) := [ref |
	expr := object.get(tfplan.obj(tfplan.expressions_at(config, config_index, rc)), attr, null)
	walk(expr, [path, value])
	count(path) > 0
	path[count(path) - 1] == "references"
	some ref in value
	not tfplan.bare_prefix(ref, value)
]

# Does the table's configuration hold inline `route` blocks? "none": no configuration to tell.
inline_config(rc) := "yes" if {
	tfplan.has_key(tfplan.expressions_at(config, config_index, rc), "route")
} else := "none" if {
	tfplan.expressions_at(config, config_index, rc) == null
} else := "no"

# A node key: "res:<address>" for a resource of the plan, "id:<id>" otherwise.
resolve(rc, attr, value, types) := concat("", ["res:", found[0].address]) if {
	text(value)
	found := by_id(types, value)
	count(found) > 0
} else := concat("", ["id:", value]) if {
	text(value)
} else := concat("", ["res:", chosen.address]) if {
	candidates := referenced(rc, refs_of(rc, attr), types)
	chosen := pick(rc, candidates)
}

# One candidate, or among count/for_each twins the one with the referrer's index.
pick(rc, candidates) := candidates[0] if {
	count(candidates) == 1
} else := same[0] if {
	same := [c | some c in candidates; object.get(c, "index", null) == object.get(rc, "index", null)]
	count(same) == 1
}

resource_of(key) := rc if {
	startswith(key, "res:")
	# trim_prefix, not substring: exact on regopy too, which counts a quoted address's escapes.
	address := trim_prefix(key, "res:")
	some rc in nodes_all
	rc.address == address
	not rc.deposed
}

values_of(rc) := rc.change.before if is_object(rc.change.before) else := object.get(rc.change, "after", null)

vpc_of(key) := resolve(rc, "vpc_id", object.get(tfplan.obj(values_of(rc)), "vpc_id", null), {"aws_vpc"}) if {
	rc := resource_of(key)
}

# -- routes ------------------------------------------------------------------------
# {table, dest (null: unknown), attr, target (id, "?" unknown, null none), inline, source}
route_of(rc, values, side) := {
	"table": table,
	"dest": dest,
	"attr": t[0],
	"target": t[1],
	"inline": "no",
	"source": rc.address,
	"changed": changed(rc),
} if {
	value := object.get(tfplan.obj(values), "route_table_id", null)
	table := route_table(rc, value, side)
	dests := [d |
		some attr in route_destinations
		d := dest_value(rc, side, ["__"], values, attr)
	]
	count(dests) > 0
	dest := first_dest(dests)
	t := target(rc, side, [], values, "configured")
}

route_table(rc, value, side) := resolve(rc, "route_table_id", value, table_types)

dest_value(rc, side, prefix, values, attr) := "?" if {
	unknown_at(rc, side, array.concat([p | some p in prefix; p != "__"], [attr])) == "yes"
} else := values[attr] if {
	text(values[attr])
}

first_dest(dests) := null if dests[0] == "?" else := dests[0]

configured(rc) := [a |
	e := tfplan.expressions_at(config, config_index, rc)
	some a in target_attributes
	tfplan.has_key(e, a)
]

# The configuration is read only when no target is known (new routes).
target(rc, side, prefix, values, conf) := [found[0], values[found[0]]] if {
	found := [a | some a in target_attributes; text(values[a])]
	count(found) > 0
} else := [chosen[0], "?"] if {
	unknown := [a | some a in target_attributes; unknown_at(rc, side, array.concat(prefix, [a])) == "yes"]
	count(unknown) > 0
	set_in_config := configured_if(rc, conf)
	chosen := array.concat([a | some a in set_in_config; a in unknown], unknown)
} else := [null, null]

configured_if(rc, conf) := configured(rc) if conf == "configured" else := []

inline_routes(rc, values, side) := [] if {
	# A new table without inline blocks: its routes are separate aws_routes.
	unknown_at(rc, side, ["route"]) == "yes"
	inline_config(rc) == "no"
} else := [{
	"table": concat("", ["res:", rc.address]),
	"dest": null,
	"attr": null,
	"target": "?",
	"inline": "yes",
	"source": rc.address,
	"changed": changed(rc),
}] if {
	unknown_at(rc, side, ["route"]) == "yes"
} else := [r |
	blocks := object.get(tfplan.obj(values), "route", null)
	is_array(blocks)
	some i
	block := blocks[i]
	is_object(block)
	dests := [d | some attr in inline_destinations; d := dest_value(rc, side, ["route", i], block, attr)]
	count(dests) > 0
	t := target(rc, side, ["route", i], block, "none")
	r := {
		"table": concat("", ["res:", rc.address]),
		"dest": first_dest(dests),
		"attr": t[0],
		"target": t[1],
		"inline": "yes",
		"source": rc.address,
		"changed": changed(rc),
	}
]

aws_routes := tfplan.of_types({"aws_route"})

changed(rc) := "no" if rc.change.actions == ["no-op"] else := "yes"

route_tables := tfplan.of_types(table_types)

before_aws_routes := [r |
	some rc in aws_routes
	existed_before(rc)
	is_object(rc.change.before)
	r := route_of(rc, rc.change.before, "before")
]

before_routes := array.concat(before_aws_routes, [r |
	some rc in route_tables
	is_object(rc.change.before)
	some r in inline_routes(rc, rc.change.before, "before")
])

# aws_route entries that go away: a surviving table's listing of them is stale.
removed := [[r.table, r.dest, r.target] |
	some rc in aws_routes
	existed_before(rc)
	is_object(rc.change.before)
	not survives(rc)
	r := route_of(rc, rc.change.before, "before")
]

after_routes := array.concat(
	[r |
		some rc in aws_routes
		survives(rc)
		values := final(rc)
		is_object(values)
		r := route_of(rc, values, "after")
	],
	[r |
		some rc in route_tables
		survives(rc)
		some r in inline_routes(rc, final(rc), "after")
		not stale(rc, r)
	],
)

# A table's listing of an aws_route that goes away, unless the configuration
# makes it an inline block.
stale(rc, r) if {
	inline_config(rc) != "yes"
	[r.table, r.dest, r.target] in removed
}

# -- associations ----------------------------------------------------------------
associations := tfplan.of_types({"aws_route_table_association"})

assoc_evidence := array.concat(
	[key |
		some rc in associations
		is_object(rc.change.before)
		text(rc.change.before.subnet_id)
		key := resolve(rc, "route_table_id", object.get(tfplan.obj(rc.change.before), "route_table_id", null), table_types)
	],
	[a.table | some a in live_associations],
)

live_associations := [{"table": table, "subnet": subnet} |
	some rc in associations
	survives(rc)
	values := final(rc)
	is_object(values)
	not edge_association(values)
	table := resolve(rc, "route_table_id", object.get(tfplan.obj(values), "route_table_id", null), table_types)
	subnet := resolve(rc, "subnet_id", object.get(tfplan.obj(values), "subnet_id", null), {"aws_subnet"})
]

edge_association(values) if {
	not object.get(tfplan.obj(values), "gateway_id", null) in {null, ""}
	object.get(tfplan.obj(values), "subnet_id", null) in {null, ""}
}

subnets_after(table) := [a.subnet |
	some a in live_associations
	a.table == table
	subnet_kept(a.subnet)
]

subnet_kept(key) if startswith(key, "id:")

subnet_kept(key) if survives(resource_of(key))

# resource_of is undefined for "id:" keys: those are never torn down by the first two.
torn_down_text(table) := "yes" if torn_down_known(table) else := "no"

torn_down_known(table) if {
	startswith(table, "res:")
	rc := resource_of(table)
	not survives(rc)
}

torn_down_known(table) if {
	vpc := vpc_of(table)
	startswith(vpc, "res:")
	rc := resource_of(vpc)
	not survives(rc)
}

torn_down_known(table) if {
	table in assoc_evidence
	count(subnets_after(table)) == 0
	not table in main_tables
}

# -- main route tables -------------------------------------------------------------
# Each VPC's main route table after apply, which serves every subnet without an
# explicit association: an aws_main_route_table_association wins over the
# aws_default_route_table, which wins over the VPC's main_route_table_id.
main_associations := tfplan.of_types({"aws_main_route_table_association"})

main_offers := array.concat(array.concat(
	[{"rank": 0, "table": t, "vpc": v} |
		some rc in main_associations
		survives(rc)
		values := final(rc)
		is_object(values)
		t := resolve(rc, "route_table_id", object.get(tfplan.obj(values), "route_table_id", null), table_types)
		v := assoc_vpc(rc, values)
	],
	[{"rank": 1, "table": t, "vpc": default_table_vpc(rc, t)} |
		some rc in tfplan.of_types({"aws_default_route_table"})
		survives(rc)
		t := concat("", ["res:", rc.address])
	],
), [{"rank": 2, "table": t, "vpc": concat("", ["res:", rc.address])} |
	some rc in vpcs_all
	survives(rc)
	id := object.get(final(rc), "main_route_table_id", null)
	text(id)
	t := resolve(rc, "main_route_table_id", id, table_types)
])

assoc_vpc(rc, values) := v if {
	v := resolve(rc, "vpc_id", object.get(tfplan.obj(values), "vpc_id", null), {"aws_vpc"})
} else := "none"

default_table_vpc(rc, t) := v if {
	v := vpc_of(t)
} else := v if {
	v := resolve(rc, "default_route_table_id", null, {"aws_vpc"})
} else := "none"

main_tables := [o.table |
	some o in main_offers
	not outranked(o)
]

outranked(o) if {
	o.vpc != "none"
	some other in main_offers
	other.vpc == o.vpc
	other.rank < o.rank
}

serves_subnets(table) if count(subnets_after(table)) > 0

serves_subnets(table) if table in main_tables

intended_public(table) if {
	subnets := subnets_after(table)
	count(subnets) > 0
	every s in subnets {
		startswith(s, "res:")
		object.get(final(resource_of(s)), "map_public_ip_on_launch", null) == true
	}
}

# -- liveness -----------------------------------------------------------------------
# Route targets are gateways, interfaces, instances, endpoints: ids of other
# resources are not looked up (natpolicy's Python rule looks at every id).
id_alive(id) := "yes" if {
	some rc in targets_all
	survives(rc)
	final(rc).id == id
} else := "no" if {
	some rc in targets_all
	tfplan.deleted(rc)
	rc.change.before.id == id
} else := "yes"

# NAT gateways that are private after apply: no internet egress through them.
ends_private(rc) if object.get(final(rc), "connectivity_type", null) == "private"

private_nat_ids := [id |
	some rc in gateways
	survives(rc)
	ends_private(rc)
	id := final(rc).id
	text(id)
]

# `internet`: "yes" when the traffic is bound for the internet (a private
# NAT gateway does not carry it there).
route_alive(r, dest, strict, internet) := "no" if {
	r.attr == "vpc_peering_connection_id"
	dest in defaults
} else := "no" if {
	r.attr == "egress_only_gateway_id"
	not contains(dest, ":")
} else := "no" if {
	text(r.target)
	r.target != "?"
	r.target == "local"
} else := "no" if {
	text(r.target)
	r.target != "?"
	id_alive(r.target) == "no"
} else := "no" if {
	text(r.target)
	r.target != "?"
	internet == "yes"
	r.target in private_nat_ids
} else := public_text(r.table) if {
	text(r.target)
	r.target != "?"
	strict == "yes"
	r.attr == "gateway_id"
	startswith(r.target, "igw-")
} else := "yes" if {
	text(r.target)
	r.target != "?"
} else := "no" if {
	r.target == null
} else := unknown_target_alive(r, strict, internet)

public_text(table) := "yes" if intended_public(table) else := "no"

unknown_target_alive(r, strict, internet) := "yes" if {
	count(unknown_targets(r)) == 0
} else := "no" if {
	count(alive_targets(r)) == 0
} else := "no" if {
	internet == "yes"
	every t in alive_targets(r) {
		t.type == "aws_nat_gateway"
		ends_private(t)
	}
} else := public_text(r.table) if {
	strict == "yes"
	every t in alive_targets(r) {
		t.type == "aws_internet_gateway"
	}
} else := "yes"

alive_targets(r) := [t | some t in unknown_targets(r); survives(t)]

unknown_targets(r) := [t |
	rc := source_rc(r.source)
	attr := route_ref_attr(r)
	some t in referenced(rc, refs_of(rc, attr), target_types)
]

route_ref_attr(r) := "route" if r.inline == "yes" else := object.get(r, "attr", "")

covered(table, dest, exact, strict, internet) if {
	some r in after_routes
	r.table == table
	dest_matches(r.dest, dest, exact)
	route_alive(r, dest, strict, internet) == "yes"
}

dest_matches(have, want, exact) if have == null

dest_matches(have, want, exact) if have == want

dest_matches(have, want, exact) if {
	exact == "no"
	not want in defaults
	have == family_default(want)
}

family_default(dest) := "::/0" if contains(dest, ":") else := "0.0.0.0/0"

# -- NAT001 -------------------------------------------------------------------------------
gateways := tfplan.of_types({"aws_nat_gateway"})

private(gw) if values_of(gw).connectivity_type == "private"

kind(gw) := "private" if private(gw) else := "public"

# A public gateway whose replacement is private.
becomes_private(gw) if {
	not private(gw)
	survives(gw)
	ends_private(gw)
}

nat001 := [f |
	some gw in gateways
	tfplan.deleted(gw)
	verdict := nat001_verdict(gw)
	f := {
		"id": "NAT001",
		"rule": "NAT001",
		"severity": verdict[0],
		"address": gw.address,
		"resource_type": gw.type,
		"key": object.get(gw, "deposed", ""),
		"msg": concat("", [gw.address, verdict[1]]),
	}
]

severity(gw) := "medium" if private(gw) else := "high"

gateway_routes(gw) := [r |
	id := gw.change.before.id
	text(id)
	some r in before_routes
	r.target == id
	r.dest != null
]

exact_for(gw) := "yes" if private(gw) else := "no"

internet_for(gw) := "no" if private(gw) else := "yes"

lost(gw) := [[r.table, r.dest] |
	some r in gateway_routes(gw)
	torn_down_text(r.table) == "no"
	not covered(r.table, r.dest, exact_for(gw), "yes", internet_for(gw))
]

# [severity, message tail]
nat001_verdict(gw) := [severity(gw), " is deleted and no live route takes over the routes that used it"] if {
	count(lost(gw)) > 0
} else := [severity(gw), " is deleted and no other NAT gateway of its kind is kept or created in its scope"] if {
	fallback(gw)
	count(scope_survivors(gw)) == 0
} else := [cross_az_severity(gw), " is deleted and the other NAT gateways of its kind in its scope are all in other availability zones"] if {
	fallback(gw)
	place := deleted_place(gw)
	text(place.zone)
	not place.regional
	count([s | some s in scope_survivors(gw); zone_may_match(s, place.zone)]) == 0
}

cross_az_severity(gw) := "low" if private(gw) else := "medium"

# No route evidence: compare the gateway with the others that survive.
fallback(gw) if {
	count(gateway_routes(gw)) == 0
	not survives(gw)
	not vpc_gone(gw)
}

fallback(gw) if {
	count(gateway_routes(gw)) == 0
	becomes_private(gw)
	not vpc_gone(gw)
}

# Where a gateway sits: {vpc ("none" if unknown), zone (null), regional, kind}.
place_of(gw, values, k) := {
	"vpc": place_vpc(gw, values, subnet),
	"zone": place_zone(values, subnet),
	"regional": object.get(tfplan.obj(values), "availability_mode", null) == "regional",
	"kind": k,
} if {
	subnet := subnet_key(gw, values)
}

subnet_key(gw, values) := key if {
	key := resolve(gw, "subnet_id", object.get(tfplan.obj(values), "subnet_id", null), {"aws_subnet"})
} else := "none"

# A regional NAT gateway names its VPC.
place_vpc(gw, values, subnet) := v if {
	v := resolve(gw, "vpc_id", object.get(tfplan.obj(values), "vpc_id", null), {"aws_vpc"})
} else := v if {
	subnet != "none"
	v := vpc_of(subnet)
} else := "none"

place_zone(values, subnet) := zone if {
	object.get(tfplan.obj(values), "availability_mode", null) != "regional"
	subnet != "none"
	zone := object.get(subnet_values(resource_of(subnet)), "availability_zone", null)
	text(zone)
} else := null

subnet_values(rc) := rc.change.after if tfplan.exists_after(rc) else := rc.change.before

deleted_place(gw) := place_of(gw, values_of(gw), kind(gw))

final_kind(gw) := "private" if ends_private(gw) else := "public"

survivor_places := [place_of(gw, final(gw), final_kind(gw)) | some gw in gateways; survives(gw)]

# Survivors that may serve the gateway's scope: its VPC (or an unknown one),
# or, when its VPC is unknown, any in the plan.
scope_survivors(gw) := [s |
	place := deleted_place(gw)
	some s in survivor_places
	s.kind == place.kind
	vpc_may_match(s, place.vpc)
]

vpc_may_match(s, vpc) if vpc == "none"

vpc_may_match(s, vpc) if s.vpc == vpc

vpc_may_match(s, vpc) if s.vpc == "none"

zone_may_match(s, zone) if s.zone == zone

zone_may_match(s, zone) if s.zone == null

zone_may_match(s, zone) if s.regional

vpc_gone(gw) if {
	vpc := deleted_place(gw).vpc
	rc := resource_of(vpc)
	not survives(rc)
}

# -- NAT002 -------------------------------------------------------------------------------
nat002 := [f |
	some gw in gateways
	not gw.deposed
	gw.change.actions == ["delete", "create"]
	f := {
		"id": "NAT002",
		"rule": "NAT002",
		"severity": "medium",
		"address": gw.address,
		"resource_type": gw.type,
		"msg": concat("", [gw.address, " is replaced destroy-before-create: egress stops until the new gateway is up"]),
	}
]

# -- NAT003 -------------------------------------------------------------------------------
# A route whose aws_route or route table is unchanged still carries its
# destination after apply, so only changed sources are candidates (this keeps
# the analysis cheap on large plans; the outcome is the same).
orphan_candidates := [r |
	some r in before_routes
	r.changed == "yes"
	r.dest in defaults
	r.attr in egress_targets
	text(r.target)
	r.target != "?"
	r.target != "local"
	not ipv4_via_egress_only(r)
]

# An egress-only gateway carries IPv6 alone: such a route never carried 0.0.0.0/0, so removing it loses nothing.
ipv4_via_egress_only(r) if {
	r.attr == "egress_only_gateway_id"
	not contains(r.dest, ":")
}

# One per (table, destination), preferring a separate aws_route over an inline mirror.
chosen_orphans := [r |
	some r in orphan_candidates
	not better_candidate(r)
]

better_candidate(r) if {
	some other in orphan_candidates
	other.table == r.table
	other.dest == r.dest
	other.inline == "no"
	r.inline == "yes"
}

better_candidate(r) if {
	some i, other in orphan_candidates
	other.table == r.table
	other.dest == r.dest
	other.inline == r.inline
	some j, same in orphan_candidates
	same == r
	i < j
}

nat003 := [f |
	some r in chosen_orphans
	id_alive(r.target) == "yes"
	torn_down_text(r.table) == "no"
	serves_subnets(r.table)
	not covered(r.table, r.dest, "yes", "no", orphan_internet(r))
	rc := source_rc(r.source)
	f := {
		"id": "NAT003",
		"rule": "NAT003",
		"severity": "medium",
		"address": r.source,
		"resource_type": rc.type,
		"key": concat("|", [r.table, r.dest]),
		"msg": concat("", [r.source, " removes the default route ", r.dest, " to ", shown_target(rc, r), ", which is kept, and no other route takes over"]),
	}
]

# The route's target id, unless the plan marks it sensitive (before the
# change): an inline route when anything in the table's `route` list is.
shown_target(rc, r) := tfplan.hidden if {
	r.inline == "yes"
	tfplan.before_sensitive_within(rc, ["route"])
} else := tfplan.hidden if {
	r.inline == "no"
	is_string(r.attr)
	tfplan.before_sensitive(rc, [r.attr])
} else := r.target

# Traffic that went to a private NAT gateway was never internet-bound.
orphan_internet(r) := "no" if r.target in private_nat_ids else := "yes"

source_rc(address) := rc if {
	some rc in array.concat(aws_routes, route_tables)
	rc.address == address
	not rc.deposed
}
