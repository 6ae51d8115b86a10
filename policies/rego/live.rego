# METADATA
# title: NAT gateway deleted while a live route table outside the plan still uses it (NAT004)
# description: |
#   Rego twin of natpolicy's NAT004. Live evidence is not in a plan: the twin
#   reads it from data.natpolicy.nat.gateways[address].live_route_tables,
#   which natpolicy fills in only for `natpolicy check --live --engine rego`
#   (see natpolicy.rego.facts). In conftest or OPA without that document the
#   rule is quiet, as the Python rule is without --live. A gateway NAT001
#   reports (lost routes, or the partial-evidence fallback) is left to NAT001.
# custom:
#   rules: [NAT004]
package natpolicy.rules.live

import rego.v1

deny contains f if {
	some f in findings
	f.severity in {"critical", "high"}
}

warn contains f if {
	some f in findings
	not f.severity in {"critical", "high"}
}

findings := [f |
	gw := data.natpolicy.nat.gateways[address]
	count(gw.lost_routes) == 0
	not gw.partial
	not gw.cross_az
	tables := object.get(gw, "live_route_tables", [])
	count(tables) > 0
	f := {
		"id": "NAT004",
		"rule": "NAT004",
		"severity": severity(gw),
		"address": address,
		"resource_type": "aws_nat_gateway",
		"msg": concat("", [address, " is deleted and the plan's own routes are safe, but the live account still routes to it from outside this plan: route tables ", concat(", ", [t.id | some t in tables])]),
	}
]

severity(gw) := "medium" if gw.private

severity(gw) := "high" if not gw.private
