"""Builtins regopy 1.5.2 answers, or leaves undefined, where OPA stops with an error: they stop there too.

Renamed on the same line by :mod:`natpolicy.rego.regopy_builtins` (which
merges these tables into its own). Measured on regopy, with OPA's answer from
its source (topdown/encoding.go, strings.go):

* ``json.unmarshal``, ``yaml.unmarshal`` and ``hex.decode`` of text they cannot
  read were undefined (OPA: an error); ``json.unmarshal`` of a number with an
  exponent (``"1e2"``, ``"[1, 2.0, 1e2]"``) was undefined too, where OPA reads
  it. Undefined now stops: OPA never answers nothing there. A ``-0`` it read
  (``json.unmarshal("-0")``, also inside an array or object) was less than
  ``0`` and unequal to it (OPA: equal): it stops too. So does a number written
  with a point of more than 15 significant digits or from 1e15 up, which regopy
  compares by 15 digits (``json.unmarshal("10000000000000000.0") ==
  10000000000000001`` was true; OPA compares the exact values: false).
* ``yaml.unmarshal`` of YAML holding a scalar YAML 1.1 reads otherwise
  (``yes``, ``010``, ``1e2``, ``~``; see :mod:`natpolicy.rego.yaml_opa`) stops;
  so does a number regopy keeps as written where OPA holds the JSON text
  sigs.k8s.io/yaml writes (``1.0`` is ``1`` there, ``1.2345678901234567e19``
  ``12345678901234567000``; regopy answered ``{"a":1.0}`` for
  ``json.marshal(yaml.unmarshal("a: 1.0"))``, silently), and a ``-0``.
* ``base64.decode`` read the URL alphabet and unpadded text (``"Pz8-"``,
  ``"Pz8"``), where Go's ``StdEncoding.DecodeString`` stops; ``base64url.decode``
  read ``+`` and ``/``, where ``URLEncoding`` stops. Text that is not padded
  quads of the right alphabet (OPA pads base64url's itself) stops.
* ``indexof`` and ``indexof_n`` with an empty search answered 0 and
  ``[0, 1, 2, 3]`` (OPA: "empty search character"); ``strings.count`` with one
  exhausted regopy's memory (Go: the characters plus one). All stop; so does
  ``strings.count`` of text holding `"`, `\\` or a control character, which it
  counts in regopy's escaped form.
* ``yaml.unmarshal`` and ``yaml.is_valid`` of text holding no YAML node (``""``,
  blanks, comments only; Go's yaml: null and true) never ended on ``""`` and
  read ``" "`` as ``{}``: answered as OPA; a ``{}`` from text holding no ``{``,
  and text holding a document marker (``"---"`` was the string ``"---"``; OPA
  null), stop.
* ``crypto.x509.*`` of text that is no certificate, request or key was undefined; OPA stops
  (topdown/crypto.go), or answers ``[false, []]`` for ``parse_and_verify_certificates``: undefined
  now stops.
* ``glob.match`` with a delimiter that is not one character (``[""]``, ``["ab"]``): OPA's
  ``RuneSliceOperand`` stops on it (topdown/glob.go); regopy answered true and nothing. It stops.
* ``graph.reachable`` and ``graph.reachable_paths`` over a graph whose node holds a number (``{"a": 1}``)
  were undefined; OPA reads a node holding no array or set as having no edges (topdown/reachable.go) and
  answers: such a value is handed to regopy as null, which it reads so too. ``graph.reachable_paths`` ends a
  path only where no neighbour of its last node is a node off the path, where OPA's ``pathBuilder`` also ends
  it at each neighbour that is no node or is on the path, and OPA follows a start node listing itself once more
  (``{"a": ["x", "b"], "b": []}`` from ``a``: OPA ``[["a"], ["a", "b"]]``, regopy ``[["a", "b"]]``; ``{"a":
  ["a"]}``: OPA ``[["a", "a"]]``, regopy ``[["a"]]``; measured): OPA's paths are regopy's and each proper
  prefix of one whose last node holds a neighbour that is no node or is on the prefix, which are added (exact;
  a stop on any such node until 2026-12-07); a start node listing itself is walked on its own, as OPA's
  ``pathBuilder`` follows it (its paths through its other neighbours, each also after the start node once
  more, and ``[s, s]``; a stop until 2026-12-07).
  Given an object and an array or set (the operand-kind guards see to that), OPA always answers: undefined
  stops.
* ``io.jwt.decode`` and ``io.jwt.decode_verify`` of a token whose payload holds a
  number regopy holds otherwise than OPA's text (more than 15 digits, from 1e15
  up, a whole number with a point, ``-0``; OPA decodes the payload with
  ``UseNumber``, topdown/tokens.go) stop; undefined stays undefined.
* ``uuid.rfc4122`` of a key that is no string was undefined; OPA takes any value (topdown/uuid.go hashes
  it) and answers a UUID, whatever its declared type says. It stops (regorus stops there too).
"""
from __future__ import annotations

from natpolicy.rego.sprintf_regopy import REFUSE, private_locals
from natpolicy.rego.yaml_opa import YAML_11_SCALAR

__all__ = ["GLOB_HELPERS", "GLOB_MATCH", "STOPS_HELPERS", "STOPS_RENAMED", "STOPS_STOPPING", "X509_HELPERS",
           "X509_RENAMED"]

STOPS_RENAMED = {
    "json.unmarshal": "__natpolicy_json_unmarshal",
    "yaml.unmarshal": "__natpolicy_yaml_unmarshal",
    "hex.decode": "__natpolicy_hex_decode",
    "base64.decode": "__natpolicy_b64_decode",
    "base64url.decode": "__natpolicy_b64url_decode",
    "indexof": "__natpolicy_indexof",
    "indexof_n": "__natpolicy_indexof_n",
    "strings.count": "__natpolicy_strings_count",
    "glob.match": "__natpolicy_glob_match",
    "yaml.is_valid": "__natpolicy_yaml_is_valid",
    "uuid.rfc4122": "__natpolicy_uuid_rfc4122",
    "graph.reachable": "__natpolicy_reachable",
    "graph.reachable_paths": "__natpolicy_reachable_paths",
    "io.jwt.decode": "__natpolicy_jwt_decode",
    "io.jwt.decode_verify": "__natpolicy_jwt_decode_verify",
}
# The x509 readers go alone too: a policy parsing certificates rarely decodes JSON or YAML, and the other way round.
X509_RENAMED = {
    "crypto.x509.parse_certificates": "__natpolicy_x509_certs",
    "crypto.x509.parse_and_verify_certificates": "__natpolicy_x509_verify",
    "crypto.x509.parse_certificate_request": "__natpolicy_x509_request",
    "crypto.x509.parse_rsa_private_key": "__natpolicy_x509_rsa_key",
    "crypto.x509.parse_keypair": "__natpolicy_x509_keypair",
}
STOPS_RENAMED.update(X509_RENAMED)
GLOB_MATCH = STOPS_RENAMED["glob.match"]
_JWT_NUMBERS = ("a payload holding a number written with a point of more than 15 significant digits or from 1e15 up "
                "(compared by 15 digits there; OPA compares the text's exact value), a whole number written with a "
                "point (OPA's sprintf formats a float64) or a -0 (held below 0)")
_UNREAD = "text regopy 1.5.2 cannot read (OPA stops there too, or reads a number with an exponent)"
STOPS_STOPPING = {
    "json.unmarshal": _UNREAD.removesuffix(")") + ", or a value then null, which OPA reads as the value), or a -0, "
                                                "which regopy 1.5.2 holds below 0 (OPA: equal to 0), or a number "
                                                "written with a point of more than 15 significant digits or from "
                                                "1e15 up, which regopy 1.5.2 compares by 15 digits (OPA: exactly), "
                                                "or, where its "
                                                "numbers may show their text, a whole number written with a point "
                                                "(`2.0`: OPA's sprintf formats a float64, regopy 1.5.2 an integer)",
    "yaml.unmarshal": _UNREAD + ", or a scalar YAML 1.1 reads otherwise (yes, on, 010, 1_000, ~), quoted or not, "
                                "or a document marker (---, ...), which regopy 1.5.2 reads as a string, or a number "
                                "regopy 1.5.2 keeps as written where OPA holds Go's text of its float64 (1.0, 0.50, "
                                "1.5e3, more than 15 digits, past 64 bits) or a -0",
    "hex.decode": "text that is no even run of hex digits (OPA stops there too)",
    "base64.decode": "text that is not padded quads of the standard alphabet (OPA stops there too)",
    "base64url.decode": "text that is not quads of the URL alphabet (OPA stops there too)",
    "indexof": "an empty search (OPA stops there too)",
    "indexof_n": "an empty search (OPA stops there too)",
    "strings.count": "an empty search (regopy 1.5.2 exhausts its memory), or text holding `\"`, `\\` or a control "
                     "character",
    "glob.match": "a delimiter that is not one character, or a pattern it cannot read (OPA stops there too)",
    "uuid.rfc4122": "a key that is no string (OPA answers a UUID for any value; regopy 1.5.2 leaves it undefined)",
    "graph.reachable": "a graph regopy 1.5.2 cannot read (OPA stops there too)",
    "graph.reachable_paths": "a graph regopy 1.5.2 cannot read",
    "io.jwt.decode": _JWT_NUMBERS,
    "io.jwt.decode_verify": _JWT_NUMBERS,
    **{name: "text regopy 1.5.2 reads as no certificate, request or key (undefined there; OPA stops, or answers "
             "[false, []] for parse_and_verify_certificates)" for name in X509_RENAMED},
}
_BACKSLASH = 'substring("\\\\", 0, 1)'  # one backslash in regopy's held form (see regopy_strings)
# Text holding no YAML node (empty, blanks, comments): null to Go's yaml (sigs.k8s.io/yaml), where regopy
# never ended on "" and read " " or "# c" as {} (measured); yaml.is_valid("") never ended either.
_BLANK = r"^(\s|#.*)*$"
# A document marker: regopy read "---" as the string "---" (Go's yaml: null).
_MARKER = r"(^|\n)(---|\.\.\.)(\s|$)"
_STD = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_URL = "^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-]{2}(==)?|[A-Za-z0-9_-]{3}=?)?$"

# A -0 json.unmarshal read stops (regopy holds it below 0); so does a number written with a point that has more than
# 15 significant digits or is from 1e15 up (regopy keeps 15 digits of a float: `json.unmarshal("0.10000000000000000001")
# == 0.1` and `json.unmarshal("10000000000000000.0") == 10000000000000001` were true there, measured; OPA compares the
# texts' exact values, ast.NumberCompare). Its json.unmarshal of text it cannot read gives a value of type
# "undefined", on which walk fails: that value is left to the stop it met before.
STOPS_HELPERS = private_locals(f"""
__natpolicy_json_unmarshal(x) := v if {{
  v := json.unmarshal(x); not __natpolicy_negative_zero(v); not __natpolicy_long_float(v)
}} else := {REFUSE}([x, 0])
__natpolicy_long_float(v) if {{
  type_name(v) in {{"number", "array", "object"}}; walk(v, [_, e]); is_number(e)
  t := json.marshal(e); contains(t, "."); __natpolicy_past_15_digits(t, e)
}}
__natpolicy_past_15_digits(t, e) if {{
  count(trim_right(trim_left(replace(replace(t, "-", ""), ".", ""), "0"), "0")) > 15
}}
__natpolicy_past_15_digits(t, e) if abs(e) >= 1000000000000000
# A JWT's payload is JSON OPA decodes with UseNumber too (topdown/tokens.go extractJSONObject): its numbers keep their
# texts, which regopy holds as json.unmarshal's (above). Undefined stays undefined (OPA: an error, or undefined in its
# default mode); a payload holding such a number stops.
__natpolicy_jwt_decode(x) := v if {{
  v := io.jwt.decode(x); not __natpolicy_held_otherwise(v[1])
}} else := {REFUSE}([x, 0]) if io.jwt.decode(x)
__natpolicy_jwt_decode_verify(x, k) := v if {{
  v := io.jwt.decode_verify(x, k); not __natpolicy_held_otherwise(v[2])
}} else := {REFUSE}([x, k]) if io.jwt.decode_verify(x, k)
__natpolicy_held_otherwise(v) if __natpolicy_long_float(v)
__natpolicy_held_otherwise(v) if __natpolicy_negative_zero(v)
__natpolicy_held_otherwise(v) if __natpolicy_whole_float(v)
# Where its result may show a number's text (number_texts): regopy keeps the text (`2.0` is no index there, and
# json.marshal writes it), but its sprintf formats a whole one as an integer and builtins take it as one.
__natpolicy_json_unmarshal_kept(x) := v if {{
  v := __natpolicy_json_unmarshal(x); not __natpolicy_whole_float(v)
}} else := {REFUSE}([x, 0])
__natpolicy_whole_float(v) if {{
  type_name(v) in {{"number", "array", "object"}}; walk(v, [_, e]); is_number(e); e == floor(e)
  contains(json.marshal(e), ".")
}}
__natpolicy_negative_zero(v) if {{
  type_name(v) in {{"number", "array", "object"}}; walk(v, [_, e]); is_number(e); e < 0; e + 0 == 0
}}
__natpolicy_yaml_unmarshal(x) := null if __natpolicy_yaml_blank(x) else := v if {{
  not regex.match(`{_MARKER}`, x); v := yaml.unmarshal(x)
  not __natpolicy_yaml_11(v); not __natpolicy_yaml_no_object(v, x)
  not __natpolicy_negative_zero(v); not __natpolicy_yaml_number(v)
}} else := {REFUSE}([x, 0])
# A number whose text regopy keeps (`1.0`, `0.50`, `1.5e3`, `0.0000001`, `18446744073709551616`) where OPA holds
# the JSON sigs.k8s.io/yaml writes: an integer's digits (int64, uint64) or Go's text of a float64 (`1`, `0.5`,
# `1500`, `1e-7`, `18446744073709552000`). Only an integer in range and a plain decimal Go writes as it stands (no
# trailing zero, at most 15 significant digits, from 1e-6 below 1e15) pass.
__natpolicy_yaml_number(v) if {{ walk(v, [_, e]); is_number(e); not __natpolicy_go_number(json.marshal(e), e) }}
__natpolicy_go_number(t, e) if {{
  regex.match(`^-?(0|[1-9][0-9]*)$`, t); e < 18446744073709551616; e >= -9223372036854775808
}}
__natpolicy_go_number(t, e) if {{
  regex.match(`^-?(0|[1-9][0-9]*)[.][0-9]*[1-9]$`, t); not __natpolicy_past_15_digits(t, e); abs(e) >= 0.000001
}}
__natpolicy_yaml_is_valid(x) := true if __natpolicy_yaml_blank(x) else := yaml.is_valid(x)
__natpolicy_yaml_blank(x) if {{ is_string(x); regex.match(`{_BLANK}`, x) }}
__natpolicy_yaml_no_object(v, x) if {{ v == {{}}; not contains(x, "{{") }}
__natpolicy_yaml_11(v) if {{ walk(v, [_, e]); is_string(e); regex.match(`{YAML_11_SCALAR}`, e) }}
__natpolicy_yaml_11(v) if {{
  walk(v, [_, e]); is_object(e); some k in object.keys(e); regex.match(`{YAML_11_SCALAR}`, k)
}}
__natpolicy_hex_decode(x) := v if v := hex.decode(x) else := {REFUSE}([x, 0])
__natpolicy_b64_decode(x) := base64.decode(x) if regex.match("{_STD}", x) else := {REFUSE}([x, 0])
__natpolicy_b64url_decode(x) := base64url.decode(x) if regex.match("{_URL}", x) else := {REFUSE}([x, 0])
__natpolicy_indexof(t, r) := indexof(t, r) if r != "" else := {REFUSE}([t, r])
__natpolicy_indexof_n(t, r) := indexof_n(t, r) if r != "" else := {REFUSE}([t, r])
__natpolicy_uuid_rfc4122(x) := uuid.rfc4122(x) if is_string(x) else := {REFUSE}([x, 0])
__natpolicy_reachable(x, r) := v if v := graph.reachable(__natpolicy_graph_edges(x), r) else := {REFUSE}([x, r])
# OPA reads a node holding no array or set as having no edges, as regopy reads null: such a value goes as null.
# regopy ends a path only where none of its last node's neighbours is a node off the path; OPA also ends it at each
# neighbour that is no node or is on the path (a cycle) and goes on through the others (topdown/reachable.go,
# pathBuilder). So OPA's paths are regopy's and each proper prefix of one whose last node holds such a neighbour:
# those are added (a prefix's next node is a node off it, so regopy never ended a path there). OPA follows a start
# node listing itself once more, which regopy does not: each start node is then walked alone (__natpolicy_from).
__natpolicy_reachable_paths(x, r) := v if {{
  g := __natpolicy_graph_edges(x); not __natpolicy_start_lists_itself(g, r); v := __natpolicy_walk(g, r)
}} else := v if {{
  # only where a start node lists itself (anything regopy cannot walk stops, below: OPA may stop there)
  is_object(x); g := __natpolicy_graph_edges(x); __natpolicy_start_lists_itself(g, r)
  unwalked := [s | some s in r; not __natpolicy_walked(g, s)]
  count(unwalked) == 0
  v := {{q | some s in r; some q in __natpolicy_from(g, s)}}
}} else := {REFUSE}([x, r])
__natpolicy_walked(g, s) if _ = __natpolicy_from(g, s)
__natpolicy_walk(g, r) := v if {{
  p := graph.reachable_paths(g, r)
  ends := {{c | some c in graph.reachable(g, r); __natpolicy_may_end_at(g, c)}}
  v := __natpolicy_with_prefixes(g, p, ends)
}}
# A start node s listing itself: builtinReachablePaths hands each neighbour n of s to pathBuilder(n, [s], {{s}}). For
# n = s the path [s, s] is committed at once (s is reached) and every other neighbour m goes on as pathBuilder(m,
# [s, s], {{s}}), which is [s] before pathBuilder(m, [s], {{s}}); s's own edges are read nowhere else (a later
# neighbour s is on the path: a cycle). So with Q the paths through the other neighbours (the walk of the graph
# where s lists the others only, none if it lists no other), OPA's paths from s are Q, [s] before each of Q, and
# [s, s].
__natpolicy_from(g, s) := __natpolicy_walk(g, [s]) if not __natpolicy_start_lists_itself(g, [s])
# `{{n | some n in e}} - {{s}}`, not `[n | some n in e; n != s]`: regopy 1.5.2 rebinds a function's argument
# compared inside a comprehension (s became "b" there; measured).
__natpolicy_from(g, s) := v if {{
  __natpolicy_start_lists_itself(g, [s])
  e := g[s]
  others := {{n | some n in e}} - {{s}}
  q := __natpolicy_through_others(g, s, others)
  again := {{array.concat([s], t) | some t in q}}
  v := ({{[s, s]}} | again) | q
}}
__natpolicy_through_others(g, s, others) := set() if count(others) == 0
__natpolicy_through_others(g, s, others) := __natpolicy_walk(object.union(g, {{s: others}}), [s]) if {{
  count(others) > 0
}}
# Only nodes holding a neighbour that is no node or reaches them (a superset of "on the path") are read path by
# path: a graph with none costs what regopy's walk costs.
__natpolicy_with_prefixes(g, p, ends) := p if count(ends) == 0
# `path[i]`, not `some i, c in path`: regopy 1.5.2 reads a set comprehension's `some i, c` as a set's elements
__natpolicy_with_prefixes(g, p, ends) := p | {{q |
  some path in p; c := path[i]; ends[c]; i < count(path) - 1; q := array.slice(path, 0, i + 1)
  __natpolicy_path_ends_at(g, c, q)
}} if count(ends) > 0
__natpolicy_may_end_at(g, c) if {{ e := g[c]; not is_null(e); some n in e; not __natpolicy_graph_node(g, n) }}
__natpolicy_may_end_at(g, c) if {{ e := g[c]; not is_null(e); some n in e; c in graph.reachable(g, [n]) }}
__natpolicy_graph_edges(x) := {{k: __natpolicy_edges(e) | some k, e in x}} if is_object(x) else := x
__natpolicy_edges(e) := e if is_array(e) else := e if is_set(e) else := null
__natpolicy_start_lists_itself(g, r) if {{ some i in r; e := g[i]; not is_null(e); i in e }}
__natpolicy_path_ends_at(g, c, q) if {{ e := g[c]; some n in e; not __natpolicy_graph_node(g, n) }}
__natpolicy_path_ends_at(g, c, q) if {{ e := g[c]; some n in e; n in q }}
__natpolicy_graph_node(g, n) if _ = g[n]
__natpolicy_strings_count(t, r) := strings.count(t, r) if {{
  r != ""; not contains(t, {_BACKSLASH}); not contains(r, {_BACKSLASH})
}} else := {REFUSE}([t, r])
""")
# glob.match is common: its check goes alone, not with the decoders above (regopy compiles each appended function).
GLOB_HELPERS = private_locals(f"""
__natpolicy_glob_match(x, w, t) := glob.match(x, w, t) if not __natpolicy_glob_runes_not(w) else := {REFUSE}([x, w])
__natpolicy_glob_runes_not(w) if {{ is_array(w); some e in w; not __natpolicy_glob_rune(e) }}
__natpolicy_glob_rune(e) if {{ is_string(e); count(e) == 1 }}
""")
X509_HELPERS = private_locals(f"""
__natpolicy_x509_certs(x) := v if v := crypto.x509.parse_certificates(x) else := {REFUSE}([x, 0])
__natpolicy_x509_verify(x) := v if v := crypto.x509.parse_and_verify_certificates(x) else := {REFUSE}([x, 0])
__natpolicy_x509_request(x) := v if v := crypto.x509.parse_certificate_request(x) else := {REFUSE}([x, 0])
__natpolicy_x509_rsa_key(x) := v if v := crypto.x509.parse_rsa_private_key(x) else := {REFUSE}([x, 0])
__natpolicy_x509_keypair(c, k) := v if v := crypto.x509.parse_keypair(c, k) else := {REFUSE}([c, k])
""")
