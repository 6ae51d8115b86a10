"""``object.subset``, ``sum``, ``product``, ``numbers.range``, ``numbers.range_step`` and ``bits.*``, which
regopy 1.5.2 answers otherwise than OPA, as functions that answer as OPA or stop.

Renamed on the same line by :mod:`natpolicy.rego.regopy_builtins` (which merges these tables into its
own). Measured on regopy, with OPA's answer from its source:

* ``object.subset`` (topdown/subset.go ``builtinObjectSubset``): regopy answered false (or nothing)
  for two values OPA stops on (a set and an array, two strings), true for an array and a set only
  when the array held each element of the set (OPA counts every element found, a repeated one too:
  ``[1, 1]`` and ``{1, 2}`` is true), true where the sub object holds a set and the super object an
  array at the same key (OPA recurses only into two objects, two sets or two arrays: false), and
  crashed the process on an empty sub array (``object.subset([1], [])``, at any depth; OPA: true).
  Answered as OPA three levels of objects down; deeper objects in both, and an empty array inside
  the sub object (at those levels), stop.
* ``product`` of non-integers (topdown/aggregates.go): OPA multiplies in a ``big.Float`` of 53 bits
  from ``big.NewFloat(1)``, each element read with a 64-bit mantissa (``product([0.1, 3])`` is
  0.30000000000000004 there); regopy answered 0.3. ``sum`` adds at 64 bits (0.3), regopy in a
  float64. As with ``+`` (:mod:`natpolicy.rego.regopy_arith`), an element that is no integer stops.
* ``numbers.range`` and ``numbers.range_step`` (topdown/numbers.go) take whole numbers, and a step
  above zero; regopy was undefined for ``numbers.range(0.5, 3)``, ``numbers.range_step(0, 1, 0)`` and
  a whole float step (``1.0``, where OPA counts by 1), where OPA stops or answers. A whole float is
  handed over as the integer; anything else stops.
* ``bits.and``, ``bits.or``, ``bits.xor``, ``bits.negate`` and ``bits.rsh`` (topdown/bits.go) of a
  number that is no integer, or a negative shift, were undefined on regopy; OPA stops. They stop.
* ``json.filter`` and ``json.remove`` with a path given as an array holding a number
  (``[["a", 1]]``): OPA (topdown/json.go, ast ``filterObject``) matches an array's index only by its
  text (``"1"``) and an object's key by equality, so the number matches nothing (``{"a": []}``);
  regopy read it as the index or the key ``"1"``. Such a path stops, and so does one holding ``~``
  (OPA reads ``~0`` and ``~1`` as ``~`` and ``/``; regopy did not) or starting ``//`` (OPA trims every
  leading slash), and a ``json.remove`` path going below a number, string, boolean or null, which OPA
  keeps and regopy removed (followed through objects; an array on the way is not).
* ``semver.is_valid`` (internal/semver ``Parse``) said true for ``1.0.0-alpha..1``, whose pre-release
  holds an empty identifier (OPA: false): answered by OPA's grammar; a leading ``v`` (dropped by OPA's
  newest parser, refused by older 1.x releases) stops.
* ``rand.intn`` (topdown/numbers.go) of 0 crashed the process (OPA: 0), of a negative n answered a number
  past n (OPA counts -n), and of a non-integer was undefined (OPA stops): answered as OPA, or stops.
* ``object.get`` with an array path going through a set the policy built (``object.get({"a": {3}}, ["a", 3],
  "d")``): OPA's ``Find`` takes the set's element equal to the path's (3), regopy answered the default. Such
  a path stops; a string key, and a path through objects and arrays only, answer as before. An index past an
  array's end or below 0 (``object.get({"k": [1]}, ["k", 1], "d")``) crashed regopy's own object.get, stopping
  the query with no line (``vector::_M_range_check``), where OPA's ``Term.Get`` finds nothing and answers the
  default: a path of up to 8 steps is followed as a ref (``o[p[0]][p[1]]``, undefined past the end), a longer
  one by object.get (``rego_differential.py --collections``).
* ``json.patch`` with a ``test`` after another operation was undefined on regopy whatever the test
  found (OPA applies the operations in order and tests the result): an undefined answer there stops.
"""
from __future__ import annotations

from natpolicy.rego.sprintf_regopy import REFUSE, private_locals

__all__ = ["COLLECTIONS_GROUPS", "COLLECTIONS_RENAMED", "COLLECTIONS_STOPPING"]

COLLECTIONS_RENAMED = {
    "object.subset": "__natpolicy_subset",
    "sum": "__natpolicy_sum",
    "product": "__natpolicy_product",
    "numbers.range": "__natpolicy_range",
    "numbers.range_step": "__natpolicy_range_step",
    "bits.and": "__natpolicy_bits_and",
    "bits.or": "__natpolicy_bits_or",
    "bits.xor": "__natpolicy_bits_xor",
    "bits.negate": "__natpolicy_bits_negate",
    "bits.rsh": "__natpolicy_bits_rsh",
    "json.filter": "__natpolicy_json_filter",
    "json.remove": "__natpolicy_json_remove",
    "json.patch": "__natpolicy_json_patch",
    "semver.is_valid": "__natpolicy_semver_valid",
    "rand.intn": "__natpolicy_rand_intn",
    "object.get": "__natpolicy_object_get",
}
_NOT_WHOLE = "numbers that are no integers (OPA stops there)"
COLLECTIONS_STOPPING = {
    "object.get": "an array path going through a set (regopy 1.5.2 answers the default there, OPA the element)",
    "object.subset": "values that are not two objects, two sets, two arrays or an array and a set (OPA stops "
                     "there), or an empty array inside the sub object (regopy 1.5.2 crashes on it)",
    "sum": "a collection holding a number that is no integer (regopy adds float64s, OPA 64-bit big floats), "
           "or a value that is no number",
    "product": "a collection holding a number that is no integer (regopy multiplies float64s, OPA 53-bit big "
               "floats of 64-bit operands), or a value that is no number",
    "numbers.range": _NOT_WHOLE,
    "numbers.range_step": _NOT_WHOLE + ", or a step that is not above zero",
    "bits.and": _NOT_WHOLE, "bits.or": _NOT_WHOLE, "bits.xor": _NOT_WHOLE, "bits.negate": _NOT_WHOLE,
    "bits.rsh": _NOT_WHOLE + ", or a negative shift",
    "json.filter": "a path given as an array holding a number (OPA matches it to no index and no string key), or "
                   "holding `~` or starting `//` (OPA reads ~0, ~1 and trims every leading slash)",
    "json.remove": "a path given as an array holding a number, holding `~` or starting `//`, or going below a "
                   "number, string, boolean or null (OPA keeps that value)",
    "json.patch": "operations with a `test` after another operation, where regopy 1.5.2 answers nothing",
    "semver.is_valid": "a version starting with `v` (OPA's releases disagree) or holding a number of 19 digits",
    "rand.intn": "a bound that is no integer (OPA stops there; regopy crashed on 0)",
}

_BITS_NAMES = frozenset(n for n in COLLECTIONS_RENAMED.values() if n.startswith("__natpolicy_bits"))
_SUBSET = private_locals(f"""
__natpolicy_subset(a, b) := __natpolicy_subset_objects(a, b) if {{ is_object(a); is_object(b) }}
else := object.subset(a, b) if {{ is_set(a); is_set(b) }}
else := true if {{ is_array(a); is_array(b); count(b) == 0 }}
else := object.subset(a, b) if {{ is_array(a); is_array(b) }}
else := __natpolicy_subset_counted(a, b) if {{ is_array(a); is_set(b) }}
else := {REFUSE}([a, b])
# (Three definitions, not `else`: regopy goes on to the `else` after a REFUSE, and its object.subset crashes.)
__natpolicy_subset_objects(a, b) := {REFUSE}([a, b]) if __natpolicy_subset_unsure(a, b)
__natpolicy_subset_objects(a, b) := false if {{ not __natpolicy_subset_unsure(a, b); __natpolicy_subset_breaks(a, b) }}
__natpolicy_subset_objects(a, b) := object.subset(a, b) if {{
  not __natpolicy_subset_unsure(a, b); not __natpolicy_subset_breaks(a, b)
}}
# OPA's objectSubset recurses only through two objects: a set in b where a holds an array, at such a path, is
# false there (regopy: true). Followed three levels down (regopy's walk fails inside a function: "Recursion
# detected"); objects deeper in both, or an empty array in b at such a path (regopy crashes), stop.
__natpolicy_subset_breaks(a, b) if {{ some k; x := a[k]; v := b[k]; is_array(x); is_set(v) }}
__natpolicy_subset_breaks(a, b) if {{
  some k; x := a[k]; v := b[k]; is_object(x); is_object(v); some j; w := x[j]; r := v[j]; is_array(w); is_set(r)
}}
__natpolicy_subset_breaks(a, b) if {{
  some k; x := a[k]; v := b[k]; is_object(x); is_object(v); some j; w := x[j]; r := v[j]
  is_object(w); is_object(r); some i; t := w[i]; e := r[i]; is_array(t); is_set(e)
}}
__natpolicy_subset_unsure(a, b) if {{ some k; b[k] == [] }}
__natpolicy_subset_unsure(a, b) if {{ some k; x := a[k]; v := b[k]; is_object(x); is_object(v); some j; v[j] == [] }}
__natpolicy_subset_unsure(a, b) if {{
  some k; x := a[k]; v := b[k]; is_object(x); is_object(v); some j; w := x[j]; r := v[j]
  is_object(w); is_object(r); some i; r[i] == []
}}
__natpolicy_subset_unsure(a, b) if {{
  some k; x := a[k]; v := b[k]; is_object(x); is_object(v); some j; w := x[j]; r := v[j]
  is_object(w); is_object(r); some i; t := w[i]; e := r[i]; is_object(t); is_object(e)
}}
__natpolicy_subset_counted(a, b) := false if count(a) == 0
else := count([e | some e in a; e in b]) >= count(b)
""")
_AGGREGATES = private_locals(f"""
__natpolicy_whole_numbers(a) if {{
  is_array(a); count([e | some e in a; is_number(e); e == floor(e)]) == count(a)
}}
__natpolicy_whole_numbers(a) if {{
  is_set(a); count([e | some e in a; is_number(e); e == floor(e)]) == count(a)
}}
__natpolicy_sum(a) := sum(a) if __natpolicy_whole_numbers(a) else := {REFUSE}([a, 0])
__natpolicy_product(a) := product(a) if __natpolicy_whole_numbers(a) else := {REFUSE}([a, 0])
""")
_WHOLE = "__natpolicy_whole(__natpolicy_x) if { is_number(__natpolicy_x); __natpolicy_x == floor(__natpolicy_x) }\n"
_RANGES = private_locals(f"""
__natpolicy_range(a, b) := numbers.range(floor(a), floor(b)) if {{
  __natpolicy_whole(a); __natpolicy_whole(b)
}} else := {REFUSE}([a, b])
__natpolicy_range_step(a, b, w) := numbers.range_step(floor(a), floor(b), floor(w)) if {{
  __natpolicy_whole(a); __natpolicy_whole(b); __natpolicy_whole(w); w > 0
}} else := {REFUSE}([a, b])
""")
_BITS = private_locals(f"""
__natpolicy_bits_and(a, b) := bits.and(a, b) if {{
  __natpolicy_whole(a); __natpolicy_whole(b)
}} else := {REFUSE}([a, b])
__natpolicy_bits_or(a, b) := bits.or(a, b) if {{ __natpolicy_whole(a); __natpolicy_whole(b) }} else := {REFUSE}([a, b])
__natpolicy_bits_xor(a, b) := bits.xor(a, b) if {{
  __natpolicy_whole(a); __natpolicy_whole(b)
}} else := {REFUSE}([a, b])
__natpolicy_bits_negate(a) := bits.negate(a) if __natpolicy_whole(a) else := {REFUSE}([a, 0])
__natpolicy_bits_rsh(a, w) := bits.rsh(a, w) if {{
  __natpolicy_whole(a); __natpolicy_whole(w); w >= 0
}} else := {REFUSE}([a, w])
""")
_JSON = private_locals(f"""
__natpolicy_numbered_path(w) if {{ some r in w; is_array(r); some e in r; is_number(e) }}
__natpolicy_json_filter(x, w) := json.filter(x, w) if {{
  not __natpolicy_numbered_path(w); not __natpolicy_path_unsure(w)
}} else := {REFUSE}([x, w])
__natpolicy_json_remove(x, w) := json.remove(x, w) if {{
  not __natpolicy_numbered_path(w); not __natpolicy_path_unsure(w); not __natpolicy_removed_below_scalar(x, w)
}} else := {REFUSE}([x, w])
__natpolicy_path_unsure(w) if {{ some r in w; is_string(r); contains(r, "~") }}
__natpolicy_path_unsure(w) if {{ some r in w; is_string(r); startswith(r, "//") }}
__natpolicy_segments(r) := split(trim_left(r, "/"), "/") if is_string(r) else := r
# A path going below a number, string, boolean or null: OPA keeps that value, regopy removed it.
__natpolicy_removed_below_scalar(x, w) if {{
  some r in w; t := __natpolicy_segments(r); count(t) > 1; some i in numbers.range(1, count(t) - 1)
  v := object.get(x, array.slice(t, 0, i), {{}}); not is_object(v); not is_array(v); not is_set(v)
}}
__natpolicy_json_patch(x, w) := r if {{ r := json.patch(x, w) }}
else := {REFUSE}([x, w]) if {{ is_array(w); some i; w[i].op == "test"; i > 0 }}
""")
# OPA's semver grammar (internal/semver Parse): three integers, then an optional pre-release after `-` and build
# metadata after `+`, each empty or dot-separated runs of [0-9A-Za-z-].
_SEMVER = "^[0-9]+[.][0-9]+[.][0-9]+(-([0-9A-Za-z-]+([.][0-9A-Za-z-]+)*)?)?([+]([0-9A-Za-z-]+([.][0-9A-Za-z-]+)*)?)?$"
_VERSIONS = private_locals(f"""
__natpolicy_semver_valid(x) := false if not is_string(x)
else := {REFUSE}([x, 0]) if startswith(x, "v")
else := {REFUSE}([x, 0]) if regex.match("[0-9]{{19}}", x)
else := regex.match("{_SEMVER}", x)
__natpolicy_rand_intn(x, w) := 0 if {{ is_number(w); w == 0 }}
else := rand.intn(x, abs(w)) if {{ is_string(x); is_number(w); w == floor(w) }}
else := {REFUSE}([x, w])
""")
# An array path's steps as one ref (o[p[0]][p[1]]...), undefined past an array's end, where regopy's object.get
# crashed; refs answer keys of every kind as its object.get does (measured: `{1: "x"}["1"]` undefined on both).
_PATH_STEPS = 8
_STEPS = "".join(f"else := o{''.join(f'[p[{j}]]' for j in range(n))} if count(p) == {n}\n"
                 for n in range(1, _PATH_STEPS + 1))
_OBJECT_GET = private_locals(f"""
__natpolicy_object_get(o, p, d) := object.get(o, p, d) if not is_array(p)
else := {REFUSE}([o, p]) if __natpolicy_get_through_set(o, p)
else := __natpolicy_get_path(o, p, d)
__natpolicy_get_through_set(o, p) if {{
  some i in numbers.range(1, count(p)); is_set(__natpolicy_get_path(o, array.slice(p, 0, i - 1), null))
}}
__natpolicy_get_path(o, p, d) := o if count(p) == 0
{_STEPS}else := object.get(o, p, d) if count(p) > {_PATH_STEPS}
else := d
""")
# (renamed names, the helpers they need): each group goes only with the calls that need it, as regopy compiles every
# function appended to a module (the twins call numbers.range, and get its few functions only).
COLLECTIONS_GROUPS = (
    (frozenset({"__natpolicy_subset"}), _SUBSET),
    (frozenset({"__natpolicy_sum", "__natpolicy_product"}), _AGGREGATES),
    (frozenset({"__natpolicy_range", "__natpolicy_range_step"}), _RANGES),
    (_BITS_NAMES, _BITS),
    (_BITS_NAMES | {"__natpolicy_range", "__natpolicy_range_step"}, _WHOLE),
    (frozenset({"__natpolicy_json_filter", "__natpolicy_json_remove", "__natpolicy_json_patch"}), _JSON),
    (frozenset({"__natpolicy_semver_valid", "__natpolicy_rand_intn"}), _VERSIONS),
    (frozenset({"__natpolicy_object_get"}), _OBJECT_GET),
)
