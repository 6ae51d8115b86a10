"""Builtins regopy 1.5.2 answers otherwise than OPA, rewritten into functions that answer as OPA or stop.

regopy has no hook for natpolicy's own builtins (regorus gets OPA's ``ceil``,
``floor`` and ``strings.replace_n`` in Python), so each call is renamed to a
function appended to the module, on the same line (measured by the probes):

* ``ceil``/``floor`` between -1 and 0: OPA reads the sign of the truncated
  value, where 0 has none (``ceil(-0.5)`` is 1, ``floor(-0.5)`` 0); regopy
  answers 0 and -1. Answered as OPA.
* ``round``, ``ceil`` and ``floor`` of a number from 2^63 up (``1e21``, ``-9.3e18``) answered
  -9223372036854775808 (its conversion to a 64-bit integer overflowed); OPA rounds the big.Float, which is
  whole there. From 2^53 up every float64 is whole: the number itself is the answer.
* ``format_int`` truncates toward zero and writes a minus sign in every
  base; regopy floors (``format_int(-3.7, 10)`` is ``"-4"``) and writes a
  number in base 2 as two bits (``format_int(255, 2)`` is ``"11"``).
  Answered as OPA: the digits of the truncated absolute value (base 2 read
  from base 16), after the sign. A base other than 2, 8, 10 or 16 (an error
  in OPA; regopy writes base 2) or a number past 2^53 (regopy writes ``""``)
  stops the query.
* ``base64.is_valid`` is Go's ``StdEncoding.DecodeString`` without error:
  padded quads; regopy takes ``"a"``. Answered by the padded form; a string
  regopy holds escaped (a line break, which Go skips, or `"`, `\\`) stops.
* ``strings.replace_n``: OPA makes one pass (``{"a": "b", "b": "c"}`` on
  ``"ab"`` is ``"bc"``), regopy replaces one pattern after another (``"cc"``).
  The two agree where at most one pattern occurs in the text and no other
  one occurs in the result, or where the patterns found share no character
  (no two occurrences overlap) and every replacement is non-empty and holds
  no character of any pattern (none makes a new occurrence): elsewhere (and
  for an empty pattern, on which regopy never ends, or text holding `"`, `\\`
  or a control character, which regopy holds escaped, so that a pattern
  ``n`` would match inside ``\\n``) the query stops.
* ``object.union_n`` and ``object.union`` merge objects at one key
  recursively in OPA; regopy keeps the right one. The two agree where no key
  holds an object in two of the merged objects (for ``object.union``, also
  where the right one holds every key of the left, so on down three levels):
  elsewhere the query stops. So does a key that is no string in one object
  beside the string of its text in another (``1`` and ``"1"``), which regopy
  merges as one key (``regopy_keys``).
* ``to_number`` of text: regopy reads ``" 1"``, ``"0x10"`` and ``"1_000"``
  (1, 16, 1) and makes ``"NaN"`` or ``"abc"`` undefined, where OPA (Go's
  ``strconv.ParseFloat``) stops with an error: text that is no plain decimal
  number stops the query (as on regorus, ``numbers_opa``), never echoed.
* ``units.parse`` and ``units.parse_bytes`` of text regopy cannot read (``"1 KB"``)
  are undefined there, where OPA stops ("spaces not allowed"): the query
  stops; so does text holding `"` or `\\`, which regopy holds escaped.
* ``yaml.marshal`` differs in too many ways to guard one by one (measured):
  a string, number, boolean or null is written as a YAML document
  (``--- a\\n...\\n``; OPA ``a\\n``); strings go-yaml quotes (``"true"``,
  ``"x: y"``) are left bare; a policy-built object's keys keep the order they
  were built in, where OPA sorts them; null is written empty; a string
  holding `"`, `\\` or a control character comes out escaped. Every call stops
  the query.
* ``semver.compare``: regopy answers -1 wherever a later part is lower
  (``semver.compare("2.0.0", "1.10.0")``, OPA 1) and puts ``"1.0.0-alpha"``
  above ``"1.0.0"``. ``MAJOR.MINOR.PATCH`` versions are compared part by part
  as numbers, as OPA does; a pre-release, build metadata or anything else
  stops the query.

* ``json.marshal`` and ``json.marshal_with_options`` of an array some builtins
  build (``split``, ``regex.split``, ``regex.find_n``, ``indexof_n``,
  ``urlquery.decode_object``, ...), or of a value holding
  one, give no string (measured: no value, or a term that is no string and
  equals nothing, not even itself): the rule was silently undefined, where
  OPA writes the array. A string regopy writes is kept (``json.is_valid``
  cannot judge it: it fails on ``\\u`` escapes); elsewhere the query stops.
  ``json.marshal_with_options`` writes its ``prefix`` and ``indent`` as the
  content of a JSON string (an indent ``"\\t"`` comes out as ``\\t``, ``"``
  as ``\\"``, U+2028 and DEL as ``\\u`` escapes; measured), where Go writes
  them as they are (``encoding/json`` ``Indent``); and natpolicy's escape of
  `<`, `>` and `&` (``marshal_html``) would reach them. A prefix or indent
  holding anything but printable ASCII, or `<`, `>`, `&`, `"` or `\\`, stops. A set regopy writes in the
  order of its elements' JSON text (``{22, 443, 3389}`` as ``[22,3389,443]``): one at the top or the first level
  of an array or object is written as the array of its elements in OPA's order, one deeper or holding a
  collection stops, and so does an object whose keys regopy writes in another order (a key holding `"` or a
  control character: ``sprintf_regopy.order_helpers``); ``sprintf`` stops on such sets and keys, and on object
  keys and set elements one of which continues another with a space or ``!``.

* ``bits.lsh`` wraps past 64 bits (``bits.lsh(1, 100)`` is 2^36 there; OPA
  shifts a big integer): a result past 2^53 or a shift of 64 or more stops.
* ``contains``, ``endswith``, ``trim_suffix``, ``strings.any_suffix_match`` and ``replace`` search the
  escaped form, so a search may match inside an escape (``contains("a\\n", "n")`` was true): where it may
  (``regopy_strings.ALIGNED``), the query stops.
* ``replace`` with an empty pattern never ends on regopy (it filled the
  memory limit; OPA inserts the replacement between characters): the query
  stops at once instead.
* ``trim_space`` trims ASCII blanks only (``trim_space("\u00a0a\u2028")`` kept both); OPA's
  ``strings.TrimSpace`` trims every rune Go's ``unicode.IsSpace`` holds. Answered as OPA: ``trim`` with those
  runes as the cutset (the control characters among them are never there: ``regopy_strings`` stops on them).
* ``substring`` of an offset or length that is an integral float
  (``4 / 2``) is undefined on regopy, 2 in OPA: such numbers are handed over
  as integers. A non-integer or a negative offset is an error in OPA
  (``builtins.IntOperand``, "negative offset"), undefined on regopy: the query
  stops.

And the ``urlquery.*`` builtins (:mod:`natpolicy.rego.regopy_web`), ``time.format`` and ``time.diff``
(:mod:`natpolicy.rego.regopy_time`), and those regopy answers where OPA stops (:mod:`natpolicy.rego.regopy_stops`).

Stopping uses ``REFUSE`` (two values for one call), which engine_regopy words
with each rewritten call's line (:func:`builtin_call_edits` gives them).
"""
from __future__ import annotations

from natpolicy.rego.number_texts import call_readings
from natpolicy.rego.numbers_opa import NEGATIVE_ZERO_TEXT as _NEGATIVE_ZERO
from natpolicy.rego.regopy_collections import COLLECTIONS_GROUPS, COLLECTIONS_RENAMED, COLLECTIONS_STOPPING
from natpolicy.rego.regopy_regex import REGEX_HELPERS, REGEX_RENAMED, REGEX_STOPPING
from natpolicy.rego.regopy_stops import (
    GLOB_HELPERS,
    GLOB_MATCH,
    STOPS_HELPERS,
    STOPS_RENAMED,
    STOPS_STOPPING,
    X509_HELPERS,
    X509_RENAMED,
)
from natpolicy.rego.regopy_strings import ALIGNED, CHECKED, exact_search
from natpolicy.rego.regopy_time import TIME_HELPERS, TIME_RENAMED, TIME_STOPPING
from natpolicy.rego.regopy_web import WEB_HELPERS, WEB_RENAMED, WEB_STOPPING
from natpolicy.rego.source import Token, dotted_name
from natpolicy.rego.sprintf_regopy import REFUSE, order_helpers, private_locals

__all__ = ["BUILTIN_HELPERS", "STOPPING", "builtin_call_edits", "builtin_helpers"]

_RENAMED = {
    "abs": "__natpolicy_abs",
    "ceil": "__natpolicy_ceil",
    "round": "__natpolicy_round",
    "floor": "__natpolicy_floor",
    "format_int": "__natpolicy_format_int",
    "base64.is_valid": "__natpolicy_b64_valid",
    "strings.replace_n": "__natpolicy_replace_n",
    "object.union_n": "__natpolicy_union_n",
    "object.union": "__natpolicy_union",
    "semver.compare": "__natpolicy_semver_compare",
    "to_number": "__natpolicy_to_number",
    "units.parse": "__natpolicy_units_parse",
    "units.parse_bytes": "__natpolicy_units_parse_bytes",
    "yaml.marshal": "__natpolicy_yaml_marshal",
    "replace": "__natpolicy_replace",
    "bits.lsh": "__natpolicy_bits_lsh",
    "substring": "__natpolicy_substring",
    "trim_space": "__natpolicy_trim_space",
    "contains": "__natpolicy_contains",
    "endswith": "__natpolicy_endswith",
    "trim_suffix": "__natpolicy_trim_suffix",
    "strings.any_suffix_match": "__natpolicy_any_suffix",
    "json.marshal": "__natpolicy_json_marshal",
    "json.marshal_with_options": "__natpolicy_json_marshal_opts",
    **WEB_RENAMED,
    **TIME_RENAMED,
    **STOPS_RENAMED,
    **COLLECTIONS_RENAMED,
    **REGEX_RENAMED,
}
# Where its result may show a number's text (number_texts): the call checks it.
_TEXT_KEPT = {"to_number": "__natpolicy_to_number_kept", "json.unmarshal": "__natpolicy_json_unmarshal_kept"}
_BUILT_ARRAY = ("an array built by split, regex.split, regex.find_n, indexof_n, urlquery.decode_object or another "
                "builtin, or a value holding one (it writes no string for them), or an object keyed by strings "
                "holding `\"` or a control character, or a set below the first level of an array or object or "
                "holding an array, object or set (regopy 1.5.2 writes them in another order)")
_SEARCHES = frozenset({"contains", "endswith", "trim_suffix", "strings.any_suffix_match", "replace"})
_MISALIGNED = ("text holding a control character and a search that may match inside its escape (`\\n` holds "
               "`n`), or text holding `\"`, `\\` or a control character and a search holding one too: regopy 1.5.2 "
               "searches the JSON-escaped form (contains(\"a\\nb\", \"n\") was true)")
_HUGE = "a number from 1e21 up (OPA writes the integer with every digit, regopy 1.5.2 as 1e+21)"
# The calls that may stop the query, and on what values (engine_regopy's message names each with its line).
STOPPING = {
    "base64.is_valid": "a string holding a line break, `\"` or `\\`",
    "strings.replace_n": "text in which two patterns occur (or one occurs after a replacement), an empty pattern, "
                         "or text holding `\"`, `\\` or a control character",
    "object.union_n": "objects that both hold an object at one key, or a key that is no string in one and the "
                      "string of its text in another (`{1: \"a\"}` and `{\"1\": \"b\"}`: one key to regopy 1.5.2)",
    "object.union": "objects that both hold an object at one key, or a key that is no string in one and the "
                    "string of its text in the other (`{1: \"a\"}` and `{\"1\": \"b\"}`: one key to regopy 1.5.2)",
    "to_number": "text that is no plain decimal number of at most 15 digits and an exponent of at most 2 digits, "
                 "or, where its value is not only compared or computed with, text OPA keeps as the number's own "
                 "(`12.00`, `1e2`, `+5`, `05`: no integer index, written as it stands by json.marshal and sprintf), "
                 "or a negative zero (`-0`, `-0.0`: OPA keeps its sign, which its arithmetic and the answer write; "
                 "regopy 1.5.2 answers 0)",
    "format_int": "a base other than 2, 8, 10 and 16 (OPA: an error) or a number past 2^53",
    "abs": "a non-integer from 1e6 up or a number from 1e21 up (OPA writes the result as its arithmetic does: "
           "1.2345675e+06, 1000000000000000000000)",
    "ceil": _HUGE,
    "floor": _HUGE,
    "round": _HUGE,
    "units.parse": "text holding a space, `\"` or `\\`, or that regopy 1.5.2 cannot read (OPA stops there)",
    "units.parse_bytes": "text holding a space, `\"` or `\\`, a unit OPA does not know (\"1B\"; OPA stops there), "
                         "or an amount that is no integer (\"1.5\": OPA truncates it, regopy does not)",
    "yaml.marshal": "any value: regopy 1.5.2 writes scalars as documents (`--- a`), leaves strings OPA quotes bare, "
                    "keeps a built object's key order and writes null empty",
    "bits.lsh": "a result past 2^53 or a shift of 64 bits or more (regopy wraps it: bits.lsh(1, 100) is 2^36)",
    "replace": "an empty pattern, on which regopy 1.5.2 never ends (OPA inserts the replacement between characters), "
               f"or {_MISALIGNED}",
    "contains": _MISALIGNED,
    "endswith": _MISALIGNED,
    "trim_suffix": _MISALIGNED,
    "strings.any_suffix_match": _MISALIGNED,
    "substring": "a negative offset, or an offset or length that is no integer (OPA: an error)",
    "json.marshal": _BUILT_ARRAY,
    "json.marshal_with_options": f"{_BUILT_ARRAY}, or a prefix or indent holding `<`, `>`, `&`, a quote, a "
                                 "backslash, a control character (a tab too) or a non-ASCII one (Go writes them "
                                 "as they are; regopy 1.5.2 escapes some, natpolicy's escape of `<`, `>` and `&` "
                                 "would reach the others)",
    "semver.compare": "a version that is not MAJOR.MINOR.PATCH (a pre-release, build metadata, or not a version)",
    **WEB_STOPPING,
    **TIME_STOPPING,
    **STOPS_STOPPING,
    **COLLECTIONS_STOPPING,
    **REGEX_STOPPING,
}
_BASE64 = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
# regopy's base 2 writes two bits (format_int(255, 2) is "11"): binary is read from its (exact) base 16.
_NIBBLES = ", ".join(f'"{d:x}": "{d:04b}"' for d in range(16))
# Text Go's strconv.ParseFloat reads in decimal, which regopy reads alike: with at most 15 digits (OPA keeps the
# text's digits; a float64 holds 15 exactly) and a 2-digit exponent (past it, a float64 may overflow).
_DECIMAL = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$"
# A version part read exactly (below 2^53; leading zeros, which Go's ParseInt takes, left to stop).
_PART = "(0|[1-9][0-9]{0,14})"
_BACKSLASH = 'substring("\\\\", 0, 1)'  # one backslash in regopy's held form (see regopy_strings)
# Go's unicode.IsSpace but the control characters (which regopy holds escaped: regopy_strings stops on them), the
# cutset of OPA's strings.TrimSpace; regopy's own trim_space trims ASCII blanks only (U+00A0, U+2028 stayed).
_SPACES = " \u0085\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"
# A number and one of OPA's byte units (topdown/parse_bytes.go), as units.parse_bytes lowercases them.
_BYTES = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?([kmgtpe]i?b?)?$"

# regopy 1.5.2's abs of a non-integer below 1e-6 is 0 (abs(3e-08); measured: it goes through six decimals, as
# its fast input once did); negating is exact, so abs is computed from the sign. OPA writes abs' result as its
# arithmetic does (FloatToNumber: Text('g', -1) for a non-integer, 'f' for an integer): a non-integer from 1e6 up
# (`1.2345675e+06`; regopy `1234567.5`) and a whole number from 1e21 up (every digit; regopy `1e+21`) stop, as
# do ceil, floor and round of a number from 1e21 up (measured 2026-12-07). Below 1e-4 both write `1.5e-06`.
BUILTIN_HELPERS = private_locals(f"""
__natpolicy_abs(x) := {REFUSE}([x]) if {{
  is_number(x); __natpolicy_huge(x)
}} else := {REFUSE}([x]) if {{
  is_number(x); abs(x) >= 1000000; floor(x) != x
}} else := x if {{ is_number(x); x > 0 }} else := 0 - x if {{ is_number(x); x < 0 }} else := 0 if {{
  is_number(x); x == 0 }} else := abs(x)
__natpolicy_huge(x) if {{ is_number(x); abs(x) >= 1e21 }}
__natpolicy_ceil(x) := {REFUSE}([x]) if __natpolicy_huge(x) else := 1 if {{ is_number(x); x < 0; x > -1 }}
  else := x if __natpolicy_whole(x) else := ceil(x)
__natpolicy_floor(x) := {REFUSE}([x]) if __natpolicy_huge(x) else := 0 if {{ is_number(x); x < 0; x > -1 }}
  else := x if __natpolicy_whole(x) else := floor(x)
__natpolicy_round(x) := {REFUSE}([x]) if __natpolicy_huge(x) else := x if __natpolicy_whole(x) else := round(x)
__natpolicy_whole(x) if {{ is_number(x); abs(x) >= 9007199254740992 }}
__natpolicy_format_int(x, b) := {REFUSE}([x, b]) if {{
  is_number(x); not {{2, 8, 10, 16}}[b]
}} else := {REFUSE}([x, b]) if {{
  is_number(x); abs(x) > 9007199254740992
}} else := format_int(x, b) if {{
  b != 2; is_number(x); x >= 0
}} else := __natpolicy_digits(floor(abs(x)), b) if {{
  is_number(x); x > -1
}} else := concat("", ["-", __natpolicy_digits(floor(abs(x)), b)]) if is_number(x) else := format_int(x, b)
__natpolicy_digits(x, b) := format_int(x, b) if b != 2 else := "0" if x == 0 else := trim_left(
  concat("", [__natpolicy_nibbles(e) | some e in split(format_int(x, 16), "")]), "0")
__natpolicy_nibbles(e) := {{{_NIBBLES}}}[e]
__natpolicy_b64_valid(x) := base64.is_valid(x) if not is_string(x)
__natpolicy_b64_valid(x) := true if {{ is_string(x); regex.match("{_BASE64}", x) }}
__natpolicy_b64_valid(x) := false if {{
  is_string(x); not regex.match("{_BASE64}", x); not contains(x, {_BACKSLASH})
}}
__natpolicy_b64_valid(x) := {REFUSE}([x, 0]) if {{
  is_string(x); not regex.match("{_BASE64}", x); contains(x, {_BACKSLASH})
}}
__natpolicy_replace_n(v, t) := strings.replace_n(v, t) if __natpolicy_one_pass(v, t)
__natpolicy_replace_n(v, t) := {REFUSE}([v, t]) if not __natpolicy_one_pass(v, t)
__natpolicy_one_pass(v, t) if {{ not is_object(v) }}
__natpolicy_one_pass(v, t) if {{ not is_string(t) }}
__natpolicy_one_pass(v, t) if {{
  is_object(v); is_string(t); not contains(t, {_BACKSLASH})
  count([k | some k in object.keys(v); k == ""]) == 0
  found := [k | some k in object.keys(v); contains(t, k)]
  count(found) <= 1
  r := __natpolicy_replaced(v, t, found)
  count([k | some k in object.keys(v); contains(r, k); found != [k]]) == 0
}}
__natpolicy_replaced(v, t, found) := t if count(found) == 0
__natpolicy_replaced(v, t, found) := replace(t, found[0], v[found[0]]) if count(found) == 1
__natpolicy_one_pass(v, t) if {{
  is_object(v); is_string(t); not contains(t, {_BACKSLASH})
  count([k | some k in object.keys(v); k == ""]) == 0
  count([k | some k in object.keys(v); v[k] == ""]) == 0
  found := [k | some k in object.keys(v); contains(t, k)]
  count(found) > 1
  count([k | some k in found; some e in split(k, ""); some j in found; j != k; contains(j, e)]) == 0
  count([k | some k in object.keys(v); some e in split(k, ""); some j in object.keys(v); contains(v[j], e)]) == 0
}}
__natpolicy_union_n(a) := object.union_n(a) if {{ not __natpolicy_union_deep(a); not __natpolicy_keys_across_n(a) }}
__natpolicy_union_n(a) := {REFUSE}([a, 0]) if __natpolicy_union_deep(a)
__natpolicy_union_n(a) := {REFUSE}([a, 0]) if __natpolicy_keys_across_n(a)
__natpolicy_keys_across_n(a) if {{ is_array(a); some i, j; x := a[i]; y := a[j]; __natpolicy_keys_across(x, y) }}
# A key that is no string in one object, the string of its text in the other: one key to regopy (regopy_keys).
__natpolicy_keys_across(a, b) if {{
  is_object(a); is_object(b); some k; _ = a[k]; not is_string(k); t := json.marshal(k); _ = b[t]
}}
__natpolicy_union_deep(a) if {{
  # (j bound outside a call: regopy never binds a variable inside a call's argument)
  is_array(a); some i, k; w := a[i][k]; is_object(w); some j; e := a[j][k]; is_object(e); i < j
}}
# A negative zero (`-0`, `-0.0`) stops: OPA keeps its sign, regopy answers 0 (and `to_number("-0") == 0` false).
__natpolicy_to_number(x) := to_number(x) if not is_string(x) else := to_number(x) if {{
  __natpolicy_decimal(x); not regex.match("{_NEGATIVE_ZERO}", x)
}} else := {REFUSE}([x, 0])
# Where its result may show its text (number_texts): stopped on text OPA keeps otherwise than regopy writes it.
__natpolicy_to_number_kept(x) := __natpolicy_to_number(x) if not __natpolicy_text_kept(x) else := {REFUSE}([x, 0])
__natpolicy_text_kept(x) if {{ is_string(x); not __natpolicy_as_held(x) }}
__natpolicy_as_held(x) if regex.match("^(0|-?[1-9][0-9]*)$", x)
__natpolicy_as_held(x) if {{
  # regopy writes a non-integer below 1e-4 with an exponent (C's form)
  regex.match("^-?([1-9][0-9]*|0)[.][0-9]*[1-9]$", x); abs(to_number(x)) >= 0.0001
}}
__natpolicy_decimal(x) if {{
  is_string(x); regex.match("{_DECIMAL}", x); count(regex.find_n("[0-9]", split(lower(x), "e")[0], -1)) <= 15
}}
__natpolicy_units_parse(x) := units.parse(x) if __natpolicy_units_plain(x)
__natpolicy_units_parse(x) := {REFUSE}([x, 0]) if not __natpolicy_units_parsed(x)
__natpolicy_units_parsed(x) if {{ __natpolicy_units_plain(x); units.parse(x) }}
# OPA's byte units only (regopy read "1B" as 1), and a whole answer (OPA truncates: "1.5" is 1, regopy 1.5).
__natpolicy_units_parse_bytes(x) := r if {{
  __natpolicy_units_plain(x); regex.match("{_BYTES}", lower(x)); r := units.parse_bytes(x); r == floor(r)
}} else := {REFUSE}([x, 0])
__natpolicy_units_plain(x) if {{ is_string(x); not contains(x, " "); not contains(x, {_BACKSLASH}) }}
__natpolicy_yaml_marshal(x) := {REFUSE}([x, 0])
__natpolicy_bits_lsh(x, s) := bits.lsh(x, s) if {{
  is_number(x); is_number(s); s >= 0; s < 64; abs(x) <= bits.rsh(9007199254740991, s)
}} else := {REFUSE}([x, s]) if {{ is_number(x); is_number(s) }} else := bits.lsh(x, s)
__natpolicy_replace(s, o, n) := {REFUSE}([s, o]) if o == ""
__natpolicy_replace(s, o, n) := {CHECKED}(replace(s, o, n), {ALIGNED}(s, o)) if o != ""
# A search in the escaped form that may match inside an escape stops (regopy_strings.ALIGNED, computed once: each
# body of a function costs regopy a pass, about 15 us a call).
__natpolicy_contains(s, t) := {CHECKED}(contains(s, t), {ALIGNED}(s, t))
__natpolicy_endswith(s, t) := {CHECKED}(endswith(s, t), {ALIGNED}(s, t))
__natpolicy_trim_suffix(s, t) := {CHECKED}(trim_suffix(s, t), {ALIGNED}(s, t))
__natpolicy_any_suffix(s, t) := {CHECKED}(strings.any_suffix_match(s, t), __natpolicy_suffixes_aligned(s, t))
__natpolicy_suffixes_aligned(s, t) := false if __natpolicy_suffix_misaligned(s, t) else := true
# (the lists bound first: regopy 1.5.2 iterates no call in the domain of `some`)
__natpolicy_suffix_misaligned(s, t) if {{
  a := __natpolicy_texts(s); b := __natpolicy_texts(t); some e in a; some w in b; {ALIGNED}(e, w) == false
}}
__natpolicy_texts(x) := x if is_array(x)
__natpolicy_texts(x) := [e | some e in x] if is_set(x)
__natpolicy_texts(x) := [x] if {{ not is_array(x); not is_set(x) }}
__natpolicy_trim_space(x) := trim(x, "{_SPACES}") if is_string(x) else := trim_space(x)
__natpolicy_substring(s, o, n) := substring(s, floor(o), floor(n)) if {{
  is_number(o); is_number(n); o == floor(o); n == floor(n); o >= 0
}} else := {REFUSE}([s, o]) if {{ is_number(o); is_number(n) }} else := substring(s, o, n)
__natpolicy_semver_plain(v) if {{ is_string(v); regex.match("^{_PART}[.]{_PART}[.]{_PART}$", v) }}
__natpolicy_semver_compare(a, b) := __natpolicy_cmp3(__natpolicy_semver_parts(a), __natpolicy_semver_parts(b)) if {{
  __natpolicy_semver_plain(a); __natpolicy_semver_plain(b)
}}
__natpolicy_semver_compare(a, b) := {REFUSE}([a, b]) if not __natpolicy_semver_plain(a)
__natpolicy_semver_compare(a, b) := {REFUSE}([a, b]) if not __natpolicy_semver_plain(b)
__natpolicy_semver_parts(v) := [to_number(e) | some e in split(v, ".")]
__natpolicy_cmp3(a, b) := 0 if a == b
__natpolicy_cmp3(a, b) := -1 if {{ a != b; i := [j | some j in numbers.range(0, 2); a[j] != b[j]][0]; a[i] < b[i] }}
__natpolicy_cmp3(a, b) := 1 if {{ a != b; i := [j | some j in numbers.range(0, 2); a[j] != b[j]][0]; a[i] > b[i] }}
""")
_UNION_HELPERS = private_locals(f"""
__natpolicy_union(a, b) := object.union(a, b) if {{
  not __natpolicy_union_meet(a, b); not __natpolicy_keys_across(a, b); not __natpolicy_keys_across(b, a)
}}
__natpolicy_union(a, b) := {REFUSE}([a, b]) if __natpolicy_union_meet(a, b)
__natpolicy_union(a, b) := {REFUSE}([a, b]) if __natpolicy_keys_across(a, b)
__natpolicy_union(a, b) := {REFUSE}([a, b]) if __natpolicy_keys_across(b, a)
__natpolicy_union_meet(a, b) if {{
  is_object(a); is_object(b); some k; w := a[k]; is_object(w); e := b[k]; is_object(e); not __natpolicy_covers1(w, e)
}}
# The right object alone is the merge when it holds every key of the left and, where both hold objects, so on
# down (three levels; deeper objects in both count as a difference).
__natpolicy_covers1(a, b) if {{ __natpolicy_keys_in(a, b); every k, v in a {{ __natpolicy_sub2(v, b[k]) }} }}
__natpolicy_covers2(a, b) if {{ __natpolicy_keys_in(a, b); every k, v in a {{ __natpolicy_sub3(v, b[k]) }} }}
__natpolicy_covers3(a, b) if {{
  __natpolicy_keys_in(a, b); every k, v in a {{ not __natpolicy_objects(v, b[k]) }}
}}
__natpolicy_sub2(a, b) if not __natpolicy_objects(a, b)
__natpolicy_sub2(a, b) if {{ __natpolicy_objects(a, b); __natpolicy_covers2(a, b) }}
__natpolicy_sub3(a, b) if not __natpolicy_objects(a, b)
__natpolicy_sub3(a, b) if {{ __natpolicy_objects(a, b); __natpolicy_covers3(a, b) }}
__natpolicy_objects(a, b) if {{ is_object(a); is_object(b) }}
__natpolicy_keys_in(a, b) if {{ every k in object.keys(a) {{ k in object.keys(b) }} }}
""")
# json.marshal: a string regopy writes, in OPA's order of keys and elements (order_helpers), or a stop.
_MARSHAL_HELPERS = private_locals(f"""
__natpolicy_json_marshal(x) := s if {{
  not __natpolicy_json_odd(x); s := json.marshal(x); is_string(s)
}} else := s if {{
  y := __natpolicy_marshal_ordered(x); s := json.marshal(y); is_string(s); not __natpolicy_json_reordered(y)
}} else := {REFUSE}([x, 0])
__natpolicy_json_marshal_opts(x, o) := s if {{
  not __natpolicy_json_odd(x); s := json.marshal_with_options(x, o); is_string(s)
  not __natpolicy_json_opts_written_otherwise(o)
}} else := s if {{
  y := __natpolicy_marshal_ordered(x); s := json.marshal_with_options(y, o); is_string(s)
  not __natpolicy_json_opts_written_otherwise(o); not __natpolicy_json_reordered(y)
}} else := {REFUSE}([x, o])
# One walk decides the common case (no set, no key regopy orders otherwise): a large value costs one walk, as before
# (rego-cpp's statement limit: 20,000 numbers marshalled ten times came near it with two).
__natpolicy_json_odd(x) if {{ walk(x, [a, v]); __natpolicy_json_odd_node(v) }}
__natpolicy_json_odd_node(v) if is_set(v)
__natpolicy_json_odd_node(v) if __natpolicy_json_misordered(v)
__natpolicy_json_reordered(x) if {{ walk(x, [a, v]); __natpolicy_json_misordered(v) }}
# regopy writes a set's elements in the order of their JSON text ({{22, 443, 3389}} as [22,3389,443], {{"a b", "a"}} as
# ["a b","a"]; OPA sorts them: [22,443,3389], ["a","a b"]): a set, or one at the first level of an array or object,
# is written as the array of its elements in OPA's order (__natpolicy_sort, regopy_rewrite: scalars only, else it
# stops); a set deeper down stops.
__natpolicy_marshal_ordered(x) := x if not __natpolicy_holds_set(x)
__natpolicy_marshal_ordered(x) := __natpolicy_sort(x) if is_set(x)
__natpolicy_marshal_ordered(x) := {{k: __natpolicy_marshal_ordered1(v) | some k, v in x}} if {{
  is_object(x); __natpolicy_holds_set(x)
}}
__natpolicy_marshal_ordered(x) := [__natpolicy_marshal_ordered1(v) | some v in x] if {{
  is_array(x); __natpolicy_holds_set(x)
}}
__natpolicy_marshal_ordered1(v) := v if not __natpolicy_holds_set(v)
__natpolicy_marshal_ordered1(v) := __natpolicy_sort(v) if is_set(v)
__natpolicy_marshal_ordered1(v) := {REFUSE}([v, 0]) if {{ not is_set(v); __natpolicy_holds_set(v) }}
__natpolicy_holds_set(x) if {{ walk(x, [a, v]); is_set(v) }}
__natpolicy_json_opts_written_otherwise(o) if {{
  is_object(o); some k in ["prefix", "indent"]; v := o[k]; is_string(v); not __natpolicy_json_opt_plain(v)
}}
__natpolicy_json_opt_plain(v) if {{
  regex.match("^[ -~]*$", v); not contains(v, {_BACKSLASH}); not regex.match("[<>&]", v)
}}
""") + order_helpers("__natpolicy_json_", quoted=False)
# Each group of helpers is appended only where one of its builtins is called: regopy compiles every function
# appended to every module, which cost the twins about 2 s of CPU on a 350-resource plan when all went (measured).
_MARSHALS = frozenset({"__natpolicy_json_marshal", "__natpolicy_json_marshal_opts"})
_GROUPS = ((frozenset({"__natpolicy_union"}), _UNION_HELPERS), (_MARSHALS, _MARSHAL_HELPERS),
           (frozenset(WEB_RENAMED.values()), WEB_HELPERS), (frozenset(TIME_RENAMED.values()), TIME_HELPERS),
           (frozenset(STOPS_RENAMED.values()) - {GLOB_MATCH} - set(X509_RENAMED.values())
            | {_TEXT_KEPT["json.unmarshal"]}, STOPS_HELPERS),
           (frozenset({GLOB_MATCH}), GLOB_HELPERS), (frozenset(X509_RENAMED.values()), X509_HELPERS),
           (frozenset(REGEX_RENAMED.values()), REGEX_HELPERS), *COLLECTIONS_GROUPS)


def builtin_helpers(edits: list[tuple[int, int, str]]) -> str:
    """The helper functions the renamed calls of ``edits`` (:func:`builtin_call_edits`) need; "" for none."""
    if not edits:
        return ""
    names = {name for _, _, name in edits}
    return BUILTIN_HELPERS + "".join(helpers for group, helpers in _GROUPS if names & group)


def builtin_call_edits(toks: list[Token], source: str | None = None, elsewhere: frozenset[str] = frozenset()
                       ) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Edits renaming each call of a builtin in ``_RENAMED``; (offset, name) of each call that may stop. With
    ``source``, a ``to_number`` whose result may show its text stops on text OPA keeps (number_texts;
    ``elsewhere``: the names the other modules mention)."""
    edits: list[tuple[int, int, str]] = []
    sites: list[tuple[int, str]] = []
    readings = {**(call_readings(source, toks, elsewhere) if "to_number" in source else {}),
                **(call_readings(source, toks, elsewhere, "json.unmarshal") if "unmarshal" in source else {})} \
        if source is not None else {}
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or (i > 0 and toks[i - 1].text == "."):
            continue
        name, last = dotted_name(toks, i, len(toks))
        if name not in _RENAMED or last + 1 >= len(toks) or toks[last + 1].text != "(":
            continue
        if name == "object.get" and _string_key(toks, last + 1):
            continue  # a string key cannot go through a set: regopy's own answers (the twins call it often)
        if name in _SEARCHES and _exact_literal_search(toks, last + 1):
            continue  # contains(dest, ":"): a literal no escape holds finds what the text does (the twins' calls)
        renamed = _TEXT_KEPT[name] if readings.get(i, "value") != "value" else _RENAMED[name]
        edits.append((tok.offset, toks[last].offset + len(toks[last].text), renamed))
        if name in STOPPING:
            sites.append((tok.offset, name))
    return edits, sites


def _exact_literal_search(toks: list[Token], open_paren: int) -> bool:
    """Whether the call opened at ``open_paren`` searches for a literal that is an exact search (``exact_search``)."""
    inside = toks[open_paren].depth + 1
    for j in range(open_paren + 1, len(toks) - 2):
        if toks[j].depth < inside:
            return False
        if toks[j].text == "," and toks[j].depth == inside:
            return exact_search(toks[j + 1]) and toks[j + 2].text in (",", ")")
    return False


def _string_key(toks: list[Token], open_paren: int) -> bool:
    """Whether the call opened at ``open_paren`` has a string literal as its second argument."""
    inside = toks[open_paren].depth + 1
    for j in range(open_paren + 1, len(toks) - 2):
        if toks[j].depth < inside:
            return False  # the call closed with one argument
        if toks[j].text == "," and toks[j].depth == inside:
            return toks[j + 1].kind == "string" and toks[j + 2].text in (",", ")")
    return False
