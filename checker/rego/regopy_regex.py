"""``regex.find_n``, ``regex.find_all_string_submatch_n``, ``regex.replace`` and ``regex.template_match``,
which regopy 1.5.2 answers otherwise than OPA, as functions that answer as OPA or stop.

Renamed on the same line by :mod:`natpolicy.rego.regopy_builtins` (which merges these tables into its
own). OPA calls Go's ``regexp`` (topdown/regex.go, regex_template.go); regopy, measured:

* an empty match right after a match: Go drops it ("empty matches abutting a preceding match are
  ignored"), regopy keeps it: ``regex.find_n("a|", "aba", -1)`` is ``["a", "a"]`` in OPA and
  ``["a", "", "a", ""]`` there, and ``regex.replace("abc", "b*", "X")`` ``"XaXcX"`` in OPA,
  ``"XaXXcX"`` there; ``regex.find_all_string_submatch_n("x*", "ab", -1)`` lists three empty matches
  in OPA, two there, and of ``"x*"`` in ``""`` none (Go: one). A result mixing empty and non-empty
  matches (``find_n``), an empty match or none where the pattern matches (``find_all_string_submatch_n``),
  or a pattern matching the empty text in the text (``replace``) stops.
* ``regex.replace``'s ``$1x`` is the group named ``1x`` to Go (none: empty), ``$1`` then ``x`` to
  regopy: a ``$`` in the replacement other than ``$`` and digits not followed by a letter, digit or
  ``_`` stops.
* ``regex.template_match`` quotes the template's text outside the delimiters (Go's
  ``regexp.QuoteMeta``: ``urn:foo.{[a-z]+}`` does not match ``urn:fooXbar``); regopy reads it as a
  regular expression. A template whose outside text holds a character ``QuoteMeta`` escapes, or whose
  delimiters do not pair up one level deep, stops. So does one with a part regopy reads otherwise than Go
  (``{\\pL}`` of ``a`` was false; :mod:`natpolicy.rego.regopy_patterns`) or that is no regular expression
  alone (``^part$``) or as a group: Go compiles each part alone, an error for ``x{a)(b}``, which regopy
  read as the groups ``(a)(b)`` (true of ``xab``).
"""
from __future__ import annotations

from natpolicy.rego.regopy_patterns import HELD_UNLIKE
from natpolicy.rego.sprintf_regopy import REFUSE, private_locals

__all__ = ["REGEX_HELPERS", "REGEX_RENAMED", "REGEX_STOPPING"]

REGEX_RENAMED = {
    "regex.find_n": "__natpolicy_find_n",
    "regex.find_all_string_submatch_n": "__natpolicy_submatch_n",
    "regex.replace": "__natpolicy_regex_replace",
    "regex.template_match": "__natpolicy_template_match",
}
REGEX_STOPPING = {
    "regex.find_n": "a result holding both an empty and a non-empty match (regopy 1.5.2 keeps an empty match Go "
                    "drops after a match)",
    "regex.find_all_string_submatch_n": "an empty match (regopy 1.5.2 lists empty matches otherwise than Go)",
    "regex.replace": "a pattern that matches the empty text in the text, or a `$` in the replacement other than "
                     "`$` and digits (regopy 1.5.2 reads both otherwise than Go)",
    "regex.template_match": "a template whose text outside the delimiters holds a character Go's QuoteMeta escapes, "
                            "delimiters that do not pair up, or a part that is no regular expression alone or that "
                            "regopy reads otherwise than Go's RE2 (regopy 1.5.2 reads the template as one pattern)",
}
# What regexp.QuoteMeta escapes, as a class.
_META = r"[\\\\.+*?()|\\[\\]{}^$]"

REGEX_HELPERS = private_locals(f"""
__natpolicy_find_n(x, t, w) := r if {{
  r := regex.find_n(x, t, w); not __natpolicy_mixed_empty(r)
}} else := {REFUSE}([x, t])
__natpolicy_mixed_empty(r) if {{ some e in r; e == ""; some v in r; v != "" }}
__natpolicy_submatch_n(x, t, w) := r if {{
  r := regex.find_all_string_submatch_n(x, t, w); count([e | some e in r; e[0] == ""]) == 0
  not __natpolicy_submatch_missed(x, t, w, r)
}} else := {REFUSE}([x, t])
# regopy lists no match of "x*" in "" (Go: one empty match): a pattern that matches, listed nowhere.
__natpolicy_submatch_missed(x, t, w, r) if {{ count(r) == 0; w != 0; regex.match(x, t) }}
__natpolicy_regex_replace(t, x, w) := r if {{
  count([e | some e in regex.find_n(x, t, -1); e == ""]) == 0
  count(regex.find_n("[$]", w, -1)) == count(regex.find_n("[$][0-9]+([^A-Za-z0-9_]|$)", w, -1))
  r := regex.replace(t, x, w)
}} else := {REFUSE}([t, x])
__natpolicy_template_match(x, t, a, b) := regex.template_match(x, t, a, b) if {{
  not __natpolicy_template_unquoted(x, a, b)
}} else := {REFUSE}([x, t])
__natpolicy_template_unquoted(x, a, b) if {{ not __natpolicy_template_paired(x, a, b) }}
__natpolicy_template_unquoted(x, a, b) if {{ regex.match("{_META}", split(x, a)[0]) }}
__natpolicy_template_unquoted(x, a, b) if {{
  __natpolicy_template_paired(x, a, b); r := split(x, a); some i; e := r[i]; i > 0; v := split(e, b)
  regex.match("{_META}", v[1])
}}
__natpolicy_template_unquoted(x, a, b) if {{
  __natpolicy_template_paired(x, a, b); r := split(x, a); some i; e := r[i]; i > 0; v := split(e, b)
  __natpolicy_template_unlike(v[0])
}}
__natpolicy_template_paired(x, a, b) if {{
  is_string(x); is_string(a); is_string(b); a != ""; b != ""; r := split(x, a)
  count([i | some i; e := r[i]; i > 0; count(split(e, b)) != 2]) == 0
}}
""") + f"""
# A part regopy reads otherwise than Go (regopy_patterns), or that is no regular expression alone or as a group
# (Go compiles `^part$`, then the whole pattern: an error; regopy read the whole template as one pattern).
# Outside private_locals, which reads no raw string: HELD_UNLIKE holds a `"`.
__natpolicy_template_unlike(__natpolicy_p) if regex.match(`{HELD_UNLIKE}`, __natpolicy_p)
__natpolicy_template_unlike(__natpolicy_p) if not regex.is_valid(concat("", ["^", __natpolicy_p, "$"]))
__natpolicy_template_unlike(__natpolicy_p) if not regex.is_valid(concat("", ["(", __natpolicy_p, ")"]))
"""
