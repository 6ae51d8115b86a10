# METADATA
# title: Security groups open to the internet (SG001-SG004)
# description: |
#   Rego twin of natpolicy's SG family. Every ingress rule (inline `ingress`
#   blocks of aws_security_group / aws_default_security_group,
#   aws_security_group_rule of type ingress, aws_vpc_security_group_ingress_rule)
#   that is open to the whole internet is graded once, by its worst exposure:
#   SG001 all traffic or every port, SG002 an administrative or database port,
#   SG003 only web ports (80/443), SG004 anything else.
#   "Open to the internet" means a source whose prefix length is 0
#   (`0.0.0.0/0`, `::/0`, or any address with `/0`). regopy has no `net.*`
#   builtins, so sources that only add up to the whole internet together
#   (`0.0.0.0/1` + `128.0.0.0/1`, in one rule or in two rules of one group)
#   are not recognised; see DIFFERENCES.md. What AWS or the provider refuses
#   opens nothing: a TCP/UDP range with from_port above to_port or a port
#   outside 0-65535, a source in the attribute of the other address family,
#   a CIDR with host bits set, and a protocol that is neither a name nor a number.
# custom:
#   rules: [SG001, SG002, SG003, SG004]
package natpolicy.rules.sg

import data.natpolicy.lib.tfplan
import rego.v1

deny contains f if {
	some f in findings
	f.severity in {"critical", "high"}
}

warn contains f if {
	some f in findings
	not f.severity in {"critical", "high"}
}

sg_types := {"aws_security_group", "aws_default_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"}

admin_ports := [
	22, 3389, 3306, 5432, 1433, 1521, 6379, 27017, 9200, 9300, 5601, 11211,
	2375, 2376, 5984, 8020, 9042, 23, 21, 445, 135, 139,
]

web_ports := [80, 443]

rule_of := {"all": "SG001", "admin": "SG002", "web": "SG003", "other": "SG004"}

severity_of := {"all": "critical", "admin": "high", "web": "low", "other": "medium"}

findings := [f |
	some rc in tfplan.of_types(sg_types)
	tfplan.exists_after(rc)
	some entry in entries(rc)
	families := open_families(entry.sources)
	count(families) > 0
	some [grade, what] in [exposure(entry)]
	shown := shown_exposure(entry, grade, what)
	f := {
		# `id` names the rule when the twin runs as a user policy (`--policy`, conftest).
		"id": rule_of[grade],
		"rule": rule_of[grade],
		"severity": severity_of[grade],
		"address": rc.address,
		"resource_type": rc.type,
		"key": concat(":", [shown[1], concat("+", families)]),
		"msg": concat("", [rc.address, " allows ", shown[0], " from the internet"]),
	}
]

# [what a message says, the key's head]. When the plan marks the protocol or
# a port sensitive, the grade (the rule that fires) is the finding and the
# values stay hidden, in the message and in the key (which goes into
# fingerprints and baselines), as in the Python rules.
shown_exposure(entry, grade, what) := [hidden_what[grade], sensitive_key(entry)] if {
	entry.hidden
} else := [what, what]

hidden_what := {
	"all": "all ports of a protocol (protocol and ports are sensitive)",
	"admin": "a sensitive administrative or database port",
	"web": "a sensitive web port",
	"other": "a sensitive port or protocol",
}

sensitive_key(entry) := "sensitive" if entry.block == "" else := concat("", ["sensitive#", entry.block])

port_attrs := ["protocol", "from_port", "to_port"]

# Is one of `attrs` (under `prefix`) marked sensitive in the plan?
hidden_at(rc, prefix, attrs) := true if {
	some a in attrs
	tfplan.after_sensitive(rc, array.concat(prefix, [a]))
} else := false

# -- reading ingress rules --------------------------------------------------------
entries(rc) := [e |
	rc.type in {"aws_security_group", "aws_default_security_group"}
	blocks := rc.change.after.ingress
	is_array(blocks)
	some i
	block := blocks[i]
	is_object(block)
	e := rule_entry(block, hidden_at(rc, ["ingress", i], port_attrs), format_int(i, 10))
] if {
	rc.type in {"aws_security_group", "aws_default_security_group"}
} else := [rule_entry(rc.change.after, hidden_at(rc, [], port_attrs), "")] if {
	rc.type == "aws_security_group_rule"
	rc.change.after.type == "ingress"
} else := [e] if {
	rc.type == "aws_vpc_security_group_ingress_rule"
	after := rc.change.after
	e := {
		"protocol": object.get(after, "ip_protocol", null),
		"from_port": object.get(after, "from_port", null),
		"to_port": object.get(after, "to_port", null),
		"sources": array.concat(
			[["ipv4", s] | s := after.cidr_ipv4; is_string(s)],
			[["ipv6", s] | s := after.cidr_ipv6; is_string(s)],
		),
		"hidden": hidden_at(rc, [], ["ip_protocol", "from_port", "to_port"]),
		"block": "",
	}
} else := []

# `hidden`: the plan marks its protocol or a port sensitive; `block`: the
# index of an inline ingress block ("" for a rule resource).
# (`rule_entry`, not `entry`: regorus 0.13.0 refuses locals named like a function of the package.)
rule_entry(block, hidden, index) := {
	"protocol": object.get(block, "protocol", null),
	"from_port": object.get(block, "from_port", null),
	"to_port": object.get(block, "to_port", null),
	"sources": array.concat(
		[["ipv4", s] | some s in strings_of(object.get(block, "cidr_blocks", null))],
		[["ipv6", s] | some s in strings_of(object.get(block, "ipv6_cidr_blocks", null))],
	),
	"hidden": hidden,
	"block": index,
}

strings_of(list) := [s | some s in list; is_string(s)] if is_array(list) else := []

# The address families in which some source is the whole internet. A source counts only in the
# attribute of its own family, and only as a network address (`1.0.0.0/0` has host bits set):
# the provider rejects anything else, so it opens nothing.
open_families(sources) := [family |
	some family in ["ipv4", "ipv6"]
	family_open(sources, family)
]

family_open(sources, family) if {
	some source in sources
	source[0] == family
	whole_family(source[1], family)
}

whole_family(s, "ipv4") if regex.match(`^\s*0\.0\.0\.0/0+\s*$`, s)

whole_family(s, "ipv6") if regex.match(`^\s*[0:]*:[0:]*/0+\s*$`, s)

# -- grading --------------------------------------------------------------------
protocol(p) := "all" if {
	p_text(p) in {"-1", "all"}
} else := "tcp" if {
	p_text(p) in {"tcp", "6"}
} else := "udp" if {
	p_text(p) in {"udp", "17"}
} else := "icmp" if {
	p_text(p) in {"icmp", "1", "icmpv6", "58", "ipv6-icmp"}
} else := named_protocols[p_text(p)] if {
	named_protocols[p_text(p)]
} else := format_int(to_number(p_text(p)), 10) if {
	# Any other protocol number; text that is neither a name nor a number
	# (`var.proto` left unresolved) is no protocol at all: never a violation.
	regex.match(`^[0-9]+$`, p_text(p))
	to_number(p_text(p)) <= 255
}

named_protocols := {"gre": "47", "esp": "50", "ah": "51", "sctp": "132"}

p_text(p) := lower(trim_space(p)) if is_string(p) else := format_int(p, 10) if is_number(p)

port(v) := v if {
	is_number(v)
	v == floor(v)
} else := to_number(trim_space(v)) if {
	is_string(v)
	regex.match(`^\s*-?[0-9]+\s*$`, v)
}

exposure(e) := ["all", "all traffic (every protocol and port)"] if {
	protocol(e.protocol) == "all"
} else := ["other", concat("", ["all of IP protocol ", protocol(e.protocol)])] if {
	not protocol(e.protocol) in {"all", "tcp", "udp", "icmp"}
} else := ports_exposure(protocol(e.protocol), port(e.from_port), port(e.to_port)) if {
	protocol(e.protocol) in {"tcp", "udp"}
	# A reversed range (from_port 443, to_port 22), or a port outside 0-65535
	# (-1 with tcp), is refused by AWS: it opens nothing.
	port(e.from_port) <= port(e.to_port)
	port(e.from_port) >= 0
	port(e.to_port) <= 65535
}

ports_exposure(proto, low, high) := ["all", span(proto, low, high)] if {
	low <= 1
	high >= 65535
} else := ["admin", span(proto, low, high)] if {
	some p in admin_ports
	low <= p
	p <= high
} else := ["web", span(proto, low, high)] if {
	# Web ports are TCP: UDP 80 is graded as any other port.
	proto == "tcp"
	high - low < count(web_ports)
	every p in numbers.range(low, high) {
		p in web_ports
	}
} else := ["other", span(proto, low, high)]

span(proto, low, high) := concat("", ["port ", format_int(low, 10), "/", proto]) if {
	low == high
} else := concat("", ["ports ", format_int(low, 10), "-", format_int(high, 10), "/", proto])
