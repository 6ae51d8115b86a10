"""``urlquery.*`` and ``uuid.parse``, which regopy 1.5.2 answers otherwise than OPA, as functions that answer as
OPA or stop.

Renamed on the same line by :mod:`natpolicy.rego.regopy_builtins` (which
merges these tables into its own). OPA calls Go's ``net/url``
(topdown/encoding.go); regopy, measured:

* ``urlquery.encode`` writes a space as ``%20`` (Go's ``QueryEscape``: ``+``);
  every other character as Go does. Answered as OPA: ``%20`` becomes ``+``
  (a ``%`` in the text is ``%25``, so ``%20`` comes from a space only).
* ``urlquery.decode`` keeps ``+`` (Go: a space). Answered as OPA: ``+`` is
  decoded as ``%20``. An invalid escape (``%zz``), where Go stops, stops.
* ``urlquery.decode_object`` keeps ``+``, repeats values (``"a=1;b=2"`` gave
  ``a`` twice) and takes an empty pair as the key ``""``. Answered as Go's
  ``ParseQuery``: pairs split at ``&``, empty ones skipped, each split at its
  first ``=``; a ``;`` (Go: "invalid semicolon separator") stops.
* ``urlquery.encode_object`` keeps the object's order and writes ``%20``
  (Go's ``Values.Encode`` sorts the keys). Answered as Go: keys in order,
  each value escaped as above; a value that is no string, array or set of
  strings, or a key or value holding `"`, `\\` or a control character (which
  regopy holds escaped), stops. Keys are ranked by a comparison that puts a
  string before the longer strings it starts (regopy's own ``<`` puts
  ``"a b"`` before ``"a"``).
* ``uuid.parse`` (OPA: google/uuid, topdown/uuid.go) writes the variants
  ``ncs``, ``microsoft`` and ``reserved`` (OPA: ``Reserved``, ``Microsoft``,
  ``Future``) and a version 2 UUID's ``macvariables`` as ``global:unicast``
  whatever its node. Answered as OPA: the variant renamed, ``macvariables``
  read from the node's first byte. Text regopy leaves undefined that
  google/uuid may parse (``URN:UUID:...``, braces that are other
  characters) stops.
"""
from __future__ import annotations

from natpolicy.rego.sprintf_regopy import REFUSE, private_locals

__all__ = ["WEB_HELPERS", "WEB_RENAMED", "WEB_STOPPING"]

WEB_RENAMED = {
    "urlquery.encode": "__natpolicy_urlquery_encode",
    "urlquery.decode": "__natpolicy_urlquery_decode",
    "urlquery.encode_object": "__natpolicy_urlquery_encode_object",
    "urlquery.decode_object": "__natpolicy_urlquery_decode_object",
    "uuid.parse": "__natpolicy_uuid_parse",
}
WEB_STOPPING = {
    "urlquery.decode": "text holding an invalid escape (`%zz`), where OPA stops too",
    "urlquery.decode_object": "text holding `;` or an invalid escape, where OPA stops too",
    "urlquery.encode_object": "a value that is no string, array or set of strings (OPA stops too), or a key or value "
                              "holding `\"`, `\\` or a control character",
    "uuid.parse": "text regopy 1.5.2 does not parse that looks like a UUID (an upper-case `URN:UUID:`, braces "
                  "that are other characters), which OPA's google/uuid may parse",
}
_BACKSLASH = 'substring("\\\\", 0, 1)'  # one backslash in regopy's held form (see regopy_strings)
# (Spelt out: regopy 1.5.2 leaves a pattern with the flag (?i) undefined, measured.)
_UUID_FORM = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_LIKE = f"^(.{_UUID_FORM}.|[uU][rR][nN]:[uU][uU][iI][dD]:{_UUID_FORM})$"  # google/uuid's 38 and 45 bytes
_VARIANTS = '{"ncs": "Reserved", "RFC4122": "RFC4122", "microsoft": "Microsoft", "reserved": "Future"}'
# macVars of the node's first byte: its low two bits, read from its second hex digit.
_MAC = "{" + ", ".join(f'"{d:x}": "{["global:unicast", "global:multicast", "local:unicast", "local:multicast"][d % 4]}"'
                       for d in range(16)) + "}"
_BAD_ESCAPE = "%([^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|[0-9A-Fa-f]?$)"

WEB_HELPERS = private_locals(f"""
__natpolicy_urlquery_encode(x) := replace(urlquery.encode(x), "%20", "+")
__natpolicy_urlquery_decode(x) := urlquery.decode(x) if not is_string(x) else := urlquery.decode(
  replace(x, "+", "%20")) if not regex.match("{_BAD_ESCAPE}", x) else := {REFUSE}([x, 0])
__natpolicy_urlquery_decode_object(t) := urlquery.decode_object(t) if not is_string(t) else := {{
  k: [w[1] | some w in arr; w[0] == k] | some k in {{w[0] | some w in arr}}
}} if {{
  not contains(t, ";")
  arr := [__natpolicy_query_pair(r) | some r in split(t, "&"); r != ""]
}} else := {REFUSE}([t, 0])
__natpolicy_query_pair(r) := [__natpolicy_urlquery_decode(a[0]), __natpolicy_urlquery_decode(
  concat("=", array.slice(a, 1, count(a))))] if {{ a := split(r, "="); count(a) > 1 }}
__natpolicy_query_pair(r) := [__natpolicy_urlquery_decode(r), ""] if not contains(r, "=")
__natpolicy_urlquery_encode_object(t) := concat("&", [e |
  some i in numbers.range(0, count(t) - 1)
  some k in object.keys(t)
  __natpolicy_query_rank(k, object.keys(t)) == i
  some v in __natpolicy_query_values(t[k])
  e := concat("=", [__natpolicy_query_escape(k), __natpolicy_query_escape(v)])
]) if {{ is_object(t); count([k | some k in object.keys(t); not is_string(k)]) == 0 }} else := {REFUSE}([t, 0])
__natpolicy_query_rank(k, arr) := count([j | some j in arr; __natpolicy_query_before(j, k)])
__natpolicy_query_before(a, b) if {{ a != b; startswith(b, a) }}
__natpolicy_query_before(a, b) if {{ not startswith(b, a); not startswith(a, b); a < b }}
__natpolicy_query_values(v) := [v] if is_string(v)
__natpolicy_query_values(v) := v if is_array(v)
__natpolicy_query_values(v) := [e |
  some i in numbers.range(0, count(v) - 1); some e in v; __natpolicy_query_rank(e, v) == i
] if {{ is_set(v); count([e | some e in v; not is_string(e)]) == 0 }}
__natpolicy_query_values(v) := {REFUSE}([v, 0]) if {{ not is_string(v); not is_array(v); not is_set(v) }}
__natpolicy_query_values(v) := {REFUSE}([v, 0]) if {{ is_set(v); count([e | some e in v; not is_string(e)]) > 0 }}
__natpolicy_uuid_parse(x) := object.union(r, __natpolicy_uuid_fixed(r)) if r := uuid.parse(x)
__natpolicy_uuid_parse(x) := {REFUSE}([x, 0]) if {{
  not uuid.parse(x); is_string(x); regex.match("{_UUID_LIKE}", x)
}}
__natpolicy_uuid_fixed(r) := {{"variant": __natpolicy_uuid_variant(r.variant)}} if not r.nodeid
__natpolicy_uuid_fixed(r) := {{
  "variant": __natpolicy_uuid_variant(r.variant), "macvariables": {_MAC}[lower(substring(r.nodeid, 1, 1))]
}} if r.nodeid
__natpolicy_uuid_variant(v) := e if e := {_VARIANTS}[v] else := {REFUSE}([v, 0])
__natpolicy_query_escape(x) := replace(urlquery.encode(x), "%20", "+") if {{
  is_string(x); not contains(x, {_BACKSLASH})
}} else := {REFUSE}([x, 0])
""")
