"""regorus 0.13.0 orders an object after a set; OPA (``ast.Compare``) orders it before.

Measured (``tests/rego_probes``, ``compare-object-with-set``): ``{"a": 1} < {1}``
is false on regorus, true in OPA; the same holds wherever the two meet inside
arrays, objects or sets being compared, and in ``sort``, ``min`` and ``max``.
Every other pair of kinds, and every scalar, is ordered as OPA orders it. So,
before compiling, on the same lines:

    A < B  (<=, >, >= alike)   ->  __natpolicy_rcmp(A, B) < 0
    sort(X), min(X), max(X)    ->  __natpolicy_rsort(X), __natpolicy_rmin(X), __natpolicy_rmax(X)

where the functions answer what the builtin answers unless the values hold both
an object and a set (at any depth), where they stop the query (a function with
two outputs), worded by ``engine_regorus``. A comparison with a literal operand,
or with an operand surely a number or a string (``count(x) > 0``, ``port <
1024``), is left alone: regorus orders a scalar against an object or a set as
OPA does, and that is the common case, which must not slow down.

    [T | some V in X; ...], [T | X[_] ...], [T | X[K] ...]  ->  X checked the same way (a set's elements are
                                                              listed in that order; X rooted at input: left)
                               (and, in a run that may key an object by a set, an object keyed by an object
                                and a set, iterated in that order: regorus_object_keys)
    json.marshal(X, ...), json.marshal_with_options(X, ...), yaml.marshal(X)
                               ->  X checked at any depth (X a plain ref into input: left)
    regex.split(P, S)          ->  stopped where P matches the empty text somewhere in S (Go drops the
                                   empty pieces at the ends, regorus keeps them)
    glob.match(P, D, S)        ->  stopped where `?` or a class must match a non-ASCII character, or on what
                                   regorus reads otherwise than gobwas/glob (`[^`, `**` inside a segment; regorus
                                   matches bytes, OPA characters)

    [T | r[a][b] ...], [T | r[a].s[b] ...]  ->  r, then r[a] (r[a].s), each checked the same way
    [T | walk(X, ...) ...]     ->  X checked at any depth (walk visits a set's elements in that order)

Each place gets its own function, named with its line, so the stop is reported at
the policy's line (``site_line``). A rule's own value is checked after it is
evaluated (``value_may_hold_mixed_set``, then ``MIXED_SET_QUERY``; engine_regorus).
"""
from __future__ import annotations

import re
from typing import Any

from natpolicy.rego.regopy_compare import unknown_kind_comparisons
from natpolicy.rego.regorus_object_keys import (
    ITERATED_CHECK,
    ITERATED_HELPER,
    MARSHAL_KEYS_HELPER,
    SET_CHECK,
    needs_object_check,
)
from natpolicy.rego.rule_scope import array_comprehensions, ref_root, some_in_collection
from natpolicy.rego.source import Token, apply_edits_as_listed, call_arguments, matching_close, tokens

__all__ = ["ORDER_REFUSED", "MIXED_SET_QUERY", "order_for_regorus", "site_line", "value_may_hold_mixed_set"]

ORDER_REFUSED = "__natpolicy_order_refused"
_ORDERING = frozenset({"sort", "min", "max"})
# walk visits the value itself (path []) too: `count(p) > 0` leaves out the array built around the operands.
_HELPERS = f"""
{ORDER_REFUSED}(__natpolicy_x) := 1
{ORDER_REFUSED}(__natpolicy_x) := 2
__natpolicy_robj(__natpolicy_x) if {{
  walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); count(__natpolicy_p) > 0; is_object(__natpolicy_v)
}}
__natpolicy_rset(__natpolicy_x) if {{
  walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); count(__natpolicy_p) > 0; is_set(__natpolicy_v)
}}
__natpolicy_rmixed(__natpolicy_x) if {{ __natpolicy_robj(__natpolicy_x); __natpolicy_rset(__natpolicy_x) }}
__natpolicy_rcmp(__natpolicy_a, __natpolicy_b) := -1 if {{
  not __natpolicy_rmixed([__natpolicy_a, __natpolicy_b]); __natpolicy_a < __natpolicy_b
}}
__natpolicy_rcmp(__natpolicy_a, __natpolicy_b) := 1 if {{
  not __natpolicy_rmixed([__natpolicy_a, __natpolicy_b]); __natpolicy_b < __natpolicy_a
}}
__natpolicy_rcmp(__natpolicy_a, __natpolicy_b) := 0 if {{
  not __natpolicy_rmixed([__natpolicy_a, __natpolicy_b]); __natpolicy_a == __natpolicy_b
}}"""
# One function per place, named with the place's line, whose refusal stands on a line of its own: regorus names the
# line of the refusal, which engine_regorus maps back to the place (site_line).
_SITE = (
    "{name}(__natpolicy_a, __natpolicy_b) := {general}(__natpolicy_a, __natpolicy_b)\n"
    "{name}(__natpolicy_a, __natpolicy_b) := {refused}([__natpolicy_a, __natpolicy_b]) if "
    "__natpolicy_rmixed([__natpolicy_a, __natpolicy_b])\n")
_ORDERING_SITE = (
    "{name}(__natpolicy_x) := {builtin}(__natpolicy_x) if not __natpolicy_rmixed(__natpolicy_x)\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_rmixed(__natpolicy_x)\n")
# regorus' glob.match matches bytes: `?` and a class (`[!x]`) never match a non-ASCII character, where OPA's
# gobwas/glob matches runes (a literal é, `*` and `{a,b}` match alike, measured). Such a call stops instead.
# It also reads otherwise than gobwas/glob (measured on regorus; OPA topdown/glob.go): `[^a]` as a negated class
# (gobwas: `^` or `a`), `**` inside a segment as `*` (`glob.match("a**", [], "a.b")`, OPA true), a class as never
# matching a delimiter (`[.]` on "."), the delimiter `:` as none, and a delimiter "" as none (OPA: an error, as for
# any delimiter that is not one character). Those calls stop too.
_GLOB_SITE = (
    "{name}(__natpolicy_p, __natpolicy_d, __natpolicy_s) := glob.match(__natpolicy_p, __natpolicy_d, __natpolicy_s) "
    "if not __natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s)\n"
    "{name}(__natpolicy_p, __natpolicy_d, __natpolicy_s) := {refused}([__natpolicy_p, __natpolicy_s]) "
    "if __natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s)\n")
_GLOB_HELPER = "\n".join((
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if { regex.match(`[?\[]`, __natpolicy_p); "
    r"not regex.match(`^[\x00-\x7f]*$`, __natpolicy_s) }",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if contains(__natpolicy_p, `[^`)",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if contains(__natpolicy_p, `***`)",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if { is_array(__natpolicy_d); "
    r"__natpolicy_e := __natpolicy_d[_]; not __natpolicy_rglob_rune(__natpolicy_e) }",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if { contains(__natpolicy_p, `[`); "
    r"contains(__natpolicy_s, __natpolicy_rglob_delimiters(__natpolicy_d)[_]) }",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if { "
    r"__natpolicy_i := indexof_n(__natpolicy_p, `**`)[_]; __natpolicy_i > 0; "
    r"not __natpolicy_rglob_delimiter(substring(__natpolicy_p, __natpolicy_i - 1, 1), __natpolicy_d) }",
    r"__natpolicy_rglob_unsure(__natpolicy_p, __natpolicy_d, __natpolicy_s) if { "
    r"__natpolicy_i := indexof_n(__natpolicy_p, `**`)[_]; __natpolicy_i + 2 < count(__natpolicy_p); "
    r"not __natpolicy_rglob_delimiter(substring(__natpolicy_p, __natpolicy_i + 2, 1), __natpolicy_d) }",
    r"__natpolicy_rglob_rune(__natpolicy_e) if { is_string(__natpolicy_e); count(__natpolicy_e) == 1; "
    r"__natpolicy_e != `:` }",
    r"__natpolicy_rglob_delimiter(__natpolicy_c, __natpolicy_d) if "
    r"__natpolicy_rglob_delimiters(__natpolicy_d)[_] == __natpolicy_c",
    r"__natpolicy_rglob_delimiters(__natpolicy_d) := [`.`] if { is_array(__natpolicy_d); count(__natpolicy_d) == 0 }",
    r"__natpolicy_rglob_delimiters(__natpolicy_d) := __natpolicy_d if { is_array(__natpolicy_d); "
    r"count(__natpolicy_d) > 0 }", ""))
# A set iterated in an array comprehension (`some v in X`, `X[_]`, `X[k]`) lists its elements in regorus' order:
# a set holding both an object and a set stops instead. JSON (`input`) holds no sets: left alone.
_SET_SITE = (
    "{name}(__natpolicy_x) := __natpolicy_x if not __natpolicy_rsetmixed(__natpolicy_x)\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_rsetmixed(__natpolicy_x)\n")
_SET_HELPER = "__natpolicy_rsetmixed(__natpolicy_x) if { is_set(__natpolicy_x); __natpolicy_rmixed(__natpolicy_x) }\n"
# walk visits a set's elements in its order too: `[p | walk(X, [p, _])]` lists them in regorus' order (measured:
# walk({{1}, {"a": 1}}) visits [1] first, OPA {"a": 1}). X stops where it holds, at any depth, such a set.
_WALK_SITE = (
    "{name}(__natpolicy_x) := __natpolicy_x if not __natpolicy_rwalkmixed(__natpolicy_x)\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_rwalkmixed(__natpolicy_x)\n")
_WALK_HELPER = ("__natpolicy_rwalkmixed(__natpolicy_x) if { walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); "
                "__natpolicy_rsetmixed(__natpolicy_v) }\n")
# json.marshal, json.marshal_with_options and yaml.marshal write a set's elements in regorus' order (measured:
# json.marshal({{"a": 1}, {1}}) is `[[1],{"a":1}]`, OPA `[{"a":1},[1]]`): the value to write stops instead where
# it holds, at any depth, a set holding both an object and a set. Left alone: a value rooted at input (no sets).
# So does an object keyed by a number, boolean or null beside the string of its text ({1: "a", "1": "b"}): OPA's
# ast.JSON writes each key as its JSON text into one Go map, the later in the object's order winning ({"1":"b"});
# regorus writes both keys.
# One walk of the value answers both (each place it reaches: such a set, or such an object).
_MARSHAL_SITE = (
    "{name}(__natpolicy_x) := __natpolicy_x if not __natpolicy_rmarshal_odd(__natpolicy_x)\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_rmarshal_odd(__natpolicy_x)\n")
_MARSHAL_HELPER = ("__natpolicy_rmarshal_odd(__natpolicy_x) if { walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); "
                   "__natpolicy_rodd(__natpolicy_v) }\n"
                   "__natpolicy_rodd(__natpolicy_v) if __natpolicy_rsetmixed(__natpolicy_v)\n"
                   "__natpolicy_rodd(__natpolicy_v) if { is_object(__natpolicy_v); some __natpolicy_k; "
                   "_ = __natpolicy_v[__natpolicy_k]; not is_string(__natpolicy_k); "
                   "_ = __natpolicy_v[json.marshal(__natpolicy_k)] }\n")
_MARSHALS = (("json", "marshal"), ("json", "marshal_with_options"))
# OPA's yaml.marshal writes the value's JSON through go-yaml v2 (sigs.k8s.io/yaml JSONToYAML), which regorus 0.13.0
# does not match (measured on regorus; go-yaml v2's encode.go, resolve.go, sorter.go): go-yaml orders keys
# "naturally" (a2 before a10, `_x` before `Z`), double-quotes a string YAML 1.1 reads as another type ("yes", "on",
# "y", "2001-12-14", "1_000", ".inf", ""; regorus leaves some bare and single-quotes others), folds a plain string
# past 80 columns, and writes floats with Go's %g (1e-07; regorus 1e-7). A value holds only what both write alike
# or the call stops (the input too: its strings are the common case): strings of printable ASCII starting with a
# letter, no YAML 1.1 word, and one holding a space at most 40 characters long, at most 8 levels down, under a key
# of at most 20 (so its line stays within 80 columns); keys of letters and `_ . / -`, no YAML 1.1 word, and no
# object keyed both with an upper-case letter and with `_`; integers below 2^63, booleans and null. Both writers
# are ports of libyaml's emitter, which decides the rest alike: 6,000 random such strings, nested, written by
# regorus and by PyYAML's emitter (another port, told go-yaml's choice of style) were alike wherever within those
# bounds (measured; go-yaml itself was not run).
_YAML_SITE = (
    "{name}(__natpolicy_x) := __natpolicy_x if {{ not __natpolicy_rmarshal_odd(__natpolicy_x); "
    "not __natpolicy_ryaml_unsure(__natpolicy_x) }}\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_rmarshal_odd(__natpolicy_x)\n"
    "{name}(__natpolicy_x) := {refused}([__natpolicy_x, 0]) if __natpolicy_ryaml_unsure(__natpolicy_x)\n")
_YAML_WORDS = ("y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL")
_YAML_HELPER = "".join(
    f"__natpolicy_ryaml_unsure(__natpolicy_x) if {{ walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); {test} }}\n"
    for test in (
        "is_string(__natpolicy_v); not __natpolicy_ryaml_value(__natpolicy_v, __natpolicy_p)",
        "is_number(__natpolicy_v); __natpolicy_v != floor(__natpolicy_v)",
        "is_number(__natpolicy_v); abs(__natpolicy_v) >= 9223372036854775807",
        "is_object(__natpolicy_v); some __natpolicy_k; _ = __natpolicy_v[__natpolicy_k]; "
        "not __natpolicy_ryaml_text(__natpolicy_k, `^[A-Za-z][A-Za-z_./-]*$`)",
        "is_object(__natpolicy_v); some __natpolicy_k; _ = __natpolicy_v[__natpolicy_k]; "
        "regex.match(`[A-Z]`, __natpolicy_k); some __natpolicy_j; _ = __natpolicy_v[__natpolicy_j]; "
        "contains(__natpolicy_j, `_`)",
    )) + ("__natpolicy_ryaml_value(__natpolicy_s, __natpolicy_p) if "
          "__natpolicy_ryaml_text(__natpolicy_s, `^[A-Za-z][!-~]*$`)\n"
          "__natpolicy_ryaml_value(__natpolicy_s, __natpolicy_p) if { "
          "__natpolicy_ryaml_text(__natpolicy_s, `^[A-Za-z][ -~]*$`); count(__natpolicy_s) <= 40; "
          "count(__natpolicy_p) <= 8; __natpolicy_ryaml_near(__natpolicy_p) }\n"
          "__natpolicy_ryaml_near(__natpolicy_p) if count(__natpolicy_p) == 0\n"
          "__natpolicy_ryaml_near(__natpolicy_p) if { count(__natpolicy_p) > 0; "
          "not is_string(__natpolicy_p[count(__natpolicy_p) - 1]) }\n"
          "__natpolicy_ryaml_near(__natpolicy_p) if { count(__natpolicy_p) > 0; "
          "count(__natpolicy_p[count(__natpolicy_p) - 1]) <= 20 }\n"
          "__natpolicy_ryaml_text(__natpolicy_s, __natpolicy_r) if { is_string(__natpolicy_s); "
          "regex.match(__natpolicy_r, __natpolicy_s); not __natpolicy_ryaml_words[__natpolicy_s] }\n"
          f"__natpolicy_ryaml_words := {{{', '.join(f'`{w}`' for w in _YAML_WORDS.split())}}}\n")
# regex.split where the pattern matches the empty text somewhere: regorus splits around each empty match
# (regex.split("", "abc") is ["", "a", "b", "c", ""]), Go's regexp.Split drops the empty pieces at the ends
# (["a", "b", "c"]). Such a call stops; a pattern that only matches text (nearly all) splits as before.
_SPLIT_SITE = (
    "{name}(__natpolicy_p, __natpolicy_s) := regex.split(__natpolicy_p, __natpolicy_s) "
    "if not __natpolicy_rempty(__natpolicy_p, __natpolicy_s)\n"
    "{name}(__natpolicy_p, __natpolicy_s) := {refused}([__natpolicy_p, __natpolicy_s]) "
    "if __natpolicy_rempty(__natpolicy_p, __natpolicy_s)\n")
_SPLIT_HELPER = ('__natpolicy_rempty(__natpolicy_p, __natpolicy_s) if { '
                 'regex.find_n(__natpolicy_p, __natpolicy_s, -1)[_] == "" }\n')
# True where the value {value} holds, at any depth, a set holding (at any depth) both an object and a set. A query
# of its own, run only when the value's JSON may hold one (value_may_hold_mixed_set).
MIXED_SET_QUERY = (
    "count([1 | walk({value}, [__natpolicy_p, __natpolicy_s]); is_set(__natpolicy_s); "
    "count([1 | walk(__natpolicy_s, [__natpolicy_q, __natpolicy_o]); count(__natpolicy_q) > 0; "
    "is_object(__natpolicy_o)]) > 0; "
    "count([1 | walk(__natpolicy_s, [__natpolicy_t, __natpolicy_u]); count(__natpolicy_t) > 0; "
    "is_set(__natpolicy_u)]) > 0]) > 0")
# regorus hands an extension a set as a Python set and an object as a dict, where True == 1 and False == 0: a set
# holding both true and 1 (or false and 0), or an object keyed by both, reaches natpolicy's sprintf as one element
# (measured: {true, 1, false, 0} arrives as {False, True}). Each sprintf's arguments are checked for one in Rego,
# where the two differ, and such a call stops (a bracket on a set answers the element, so `v[false] == false`).
# Arguments that are all scalars (nearly every call) pass on the first test: about 5 us of CPU per call (walking
# every argument list instead cost 45 us; benchmarks/RESULTS-rego.md). One line, so regorus names its line.
_FMT_SITE = (
    "{name}(__natpolicy_x) := __natpolicy_x if __natpolicy_rscalars(__natpolicy_x) "
    "else := __natpolicy_x if not __natpolicy_rmerges(__natpolicy_x) else := {refused}([__natpolicy_x, 0])\n")
_FMT_HELPER = "".join(
    f"__natpolicy_rmerges(__natpolicy_x) if {{ walk(__natpolicy_x, [__natpolicy_p, __natpolicy_v]); {test} }}\n"
    for test in (
        "is_set(__natpolicy_v); __natpolicy_v[true] == true; __natpolicy_v[1] == 1",
        "is_set(__natpolicy_v); __natpolicy_v[false] == false; __natpolicy_v[0] == 0",
        "is_object(__natpolicy_v); __natpolicy_rkeys(__natpolicy_v)[true] == true; "
        "__natpolicy_rkeys(__natpolicy_v)[1] == 1",
        "is_object(__natpolicy_v); __natpolicy_rkeys(__natpolicy_v)[false] == false; "
        "__natpolicy_rkeys(__natpolicy_v)[0] == 0",
    )) + ("__natpolicy_rkeys(__natpolicy_o) := {__natpolicy_k | some __natpolicy_k; "
          "__natpolicy_o[__natpolicy_k] = __natpolicy_w}\n"
          "__natpolicy_rscalars(__natpolicy_x) if count([1 | __natpolicy_e := __natpolicy_x[_]; "
          "not is_string(__natpolicy_e); not is_number(__natpolicy_e); not is_boolean(__natpolicy_e); "
          "not is_null(__natpolicy_e)]) == 0\n")
_SITE_NAME = re.compile(r"^__natpolicy_r[a-z]+_l(?P<line>\d+)_\d+\(")


def order_for_regorus(source: str, v0: bool = False, keyed: frozenset[str] | None = None) -> str:
    """``source`` with the comparisons and orderings that may meet an object and a set ordered as OPA does;
    ``v0``: the module is read as Rego v0, whose rules have no ``if`` (the functions are written without it);
    ``keyed``: where the run may build an object keyed by a set, the rules iterated without a check
    (regorus_object_keys.keys_to_check): each other object an array comprehension iterates or walk visits is
    checked too."""
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    sites: list[str] = []
    for first, op, last in unknown_kind_comparisons(source, toks):
        name = f"__natpolicy_rcmp_l{source.count(chr(10), 0, toks[op].offset) + 1}_{len(sites)}"
        sites.append(_SITE.format(name=name, general="__natpolicy_rcmp", refused=ORDER_REFUSED))
        end = toks[last].offset + len(toks[last].text)
        edits += [(toks[first].offset, toks[first].offset, f"{name}("),
                  (toks[op].offset, toks[op].offset + len(toks[op].text), ","),
                  (end, end, f") {toks[op].text} 0")]
    for i, tok in enumerate(toks):
        if tok.text == "glob" and _is_glob_match(toks, i):
            name = f"__natpolicy_rglob_l{source.count(chr(10), 0, tok.offset) + 1}_{len(sites)}"
            sites.append(_GLOB_SITE.format(name=name, refused=ORDER_REFUSED))
            edits.append((tok.offset, toks[i + 2].offset + len(toks[i + 2].text), name))
        if tok.text == "regex" and _is_regex_split(toks, i):
            name = f"__natpolicy_rsplit_l{source.count(chr(10), 0, tok.offset) + 1}_{len(sites)}"
            sites.append(_SPLIT_SITE.format(name=name, refused=ORDER_REFUSED))
            edits.append((tok.offset, toks[i + 2].offset + len(toks[i + 2].text), name))
        if tok.text in _ORDERING and _is_builtin_call(toks, i):
            name = f"__natpolicy_r{tok.text}_l{source.count(chr(10), 0, tok.offset) + 1}_{len(sites)}"
            sites.append(_ORDERING_SITE.format(name=name, builtin=tok.text, refused=ORDER_REFUSED))
            edits.append((tok.offset, tok.offset + len(tok.text), name))
    for i, tok in enumerate(toks):
        arguments = _sprintf_arguments(toks, i)
        if arguments is not None:
            name = f"__natpolicy_rfmt_l{source.count(chr(10), 0, tok.offset) + 1}_{len(sites)}"
            sites.append(_FMT_SITE.format(name=name, refused=ORDER_REFUSED))
            first, last = arguments
            end = toks[last].offset + len(toks[last].text)
            edits += [(end, end, ")"), (toks[first].offset, toks[first].offset, f"{name}(")]
    yamls, walked = _yaml_values(toks), _walked_values(toks)
    # The value each marshal writes, walk visits or an array comprehension iterates: checked by its site's function.
    for prefix, site, spans in (("rmarshal", _MARSHAL_SITE, _marshalled_values(toks)), ("ryaml", _YAML_SITE, yamls),
                                ("riter", _WALK_SITE, walked), ("riter", _SET_SITE, _iterated_sets(source, toks))):
        for first, last in spans:
            name = f"__natpolicy_{prefix}_l{source.count(chr(10), 0, toks[first].offset) + 1}_{len(sites)}"
            checked = site is _SET_SITE and keyed is not None and needs_object_check(source, toks, first, last, keyed)
            template = site.replace(SET_CHECK, ITERATED_CHECK) if checked else site  # an object keyed by a set too
            sites.append(template.format(name=name, refused=ORDER_REFUSED))
            end = toks[last].offset + len(toks[last].text)
            edits += [(end, end, ")"), (toks[first].offset, toks[first].offset, f"{name}(")]
    if not edits:
        return source
    out = apply_edits_as_listed(source, edits)
    globbed = any(site.startswith("__natpolicy_rglob") for site in sites)
    formats = any(site.startswith("__natpolicy_rfmt") for site in sites)
    marshals = any(site.startswith(("__natpolicy_rmarshal", "__natpolicy_ryaml")) for site in sites)
    splits = any(site.startswith("__natpolicy_rsplit") for site in sites)
    functions = _HELPERS + "\n" + (_GLOB_HELPER if globbed else "") + (_FMT_HELPER if formats else "") \
        + (_MARSHAL_HELPER if marshals else "") + (_SPLIT_HELPER if splits else "") + _SET_HELPER \
        + (_walk_helper(keyed is not None) if walked else "") + (_YAML_HELPER if yamls else "") + "".join(sites) \
        + (ITERATED_HELPER if keyed is not None else "") \
        + (MARSHAL_KEYS_HELPER if keyed is not None and marshals else "")  # last: no site's line moves
    return out + ("" if out.endswith("\n") else "\n") + (_without_if(functions) if v0 else functions)


def _walk_helper(keyed_by_sets: bool) -> str:
    return _WALK_HELPER.replace(SET_CHECK, ITERATED_CHECK) if keyed_by_sets else _WALK_HELPER


def _without_if(functions: str) -> str:
    """The appended functions in Rego v0's syntax: ``f(x) := y if {...`` -> ``f(x) := y {...``, ``f(x) := y if C`` ->
    ``f(x) := y { C }`` (up to an ``else`` on the same line). Each keeps its line, so site_line still reads it."""
    lines = []
    for line in functions.split("\n"):
        line = line.replace(" if {", " {")
        lines.append(re.sub(r" if (.+?)(?= else :=|$)", r" { \1 }", line))
    return "\n".join(lines)


def site_line(module: str, line: int) -> tuple[int, str] | None:
    """The policy's line of the comparison, sort/min/max or glob.match whose check stands at ``line`` of the
    rewritten ``module``, and what it checks ("glob", "iteration" or "order"); None when that line is no such check."""
    lines = module.split("\n")
    match = _SITE_NAME.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if match is None:
        return None
    kind = lines[line - 1][len("__natpolicy_r"):].split("_", 1)[0]
    return int(match.group("line")), {"glob": "glob", "iter": "iteration", "fmt": "sprintf",
                                      "marshal": "marshal", "split": "split", "yaml": "yaml"}.get(kind, "order")


def value_may_hold_mixed_set(value: Any) -> bool:
    """Whether the JSON of a value regorus evaluated may hold a set that regorus orders otherwise than OPA.

    A set is an array in JSON, and regorus orders its elements as OPA does unless comparing two of them meets
    an object and a set at one place (the same keys and indexes from each): an object and an array there in
    JSON. Where no array holds two elements that do, no set can (most results: strings, or objects whose values
    are of one kind at each key), and no further query is run."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            kinds: dict[tuple[Any, ...], int] = {}
            for element in item:
                _kinds_by_place(element, (), kinds)
            if 3 in kinds.values():
                return True
    return False


def _kinds_by_place(value: Any, place: tuple[Any, ...], kinds: dict[tuple[Any, ...], int]) -> None:
    """1 (an object) and 2 (an array) or-ed into ``kinds[place]`` for ``value`` and each place below it."""
    if isinstance(value, dict):
        kinds[place] = kinds.get(place, 0) | 1
        for key, child in value.items():
            _kinds_by_place(child, (*place, key), kinds)
    elif isinstance(value, list):
        kinds[place] = kinds.get(place, 0) | 2
        for index, child in enumerate(value):
            _kinds_by_place(child, (*place, index), kinds)


def _sprintf_arguments(toks: list[Token], i: int) -> tuple[int, int] | None:
    """(first, last) token indexes of the second argument of a ``sprintf(...)`` call at ``i``; None elsewhere."""
    if toks[i].text != "sprintf" or not _is_builtin_call(toks, i):
        return None
    close = matching_close(toks, i + 1)
    depth = toks[i + 1].depth + 1
    comma = None if close is None else next(
        (k for k in range(i + 2, close) if toks[k].text == "," and toks[k].depth == depth), None)
    if close is None or comma is None or comma + 1 >= close:
        return None
    return comma + 1, close - 1


def _yaml_values(toks: list[Token]) -> list[tuple[int, int]]:
    """(first, last) token indexes of the argument of each yaml.marshal call, ``input`` too (its strings)."""
    out: list[tuple[int, int]] = []
    for i in range(len(toks) - 3):
        if (toks[i].text, toks[i + 1].text, toks[i + 2].text, toks[i + 3].text) == ("yaml", ".", "marshal", "(") \
                and not (i > 0 and toks[i - 1].text == "."):
            arguments = call_arguments(toks, i + 3)
            if arguments and arguments[0][0] <= arguments[0][1]:
                out.append(arguments[0])
    return out


def _marshalled_values(toks: list[Token]) -> list[tuple[int, int]]:
    """(first, last) token indexes of the first argument of each json.marshal and json.marshal_with_options call
    (yaml.marshal: _yaml_values); none that is a plain ref rooted at ``input`` (JSON holds no sets)."""
    out: list[tuple[int, int]] = []
    for i in range(len(toks) - 3):
        if (toks[i].text, toks[i + 2].text) not in _MARSHALS or toks[i + 1].text != "." \
                or toks[i + 3].text != "(" or (i > 0 and toks[i - 1].text == "."):
            continue
        close = matching_close(toks, i + 3)
        if close is None or close == i + 4:
            continue
        depth = toks[i + 3].depth + 1
        last = next((k - 1 for k in range(i + 4, close) if toks[k].text == "," and toks[k].depth == depth), close - 1)
        argument = toks[i + 4:last + 1]
        if argument[0].text == "input" and all(t.text not in ("(", "{", "|") for t in argument):
            continue
        out.append((i + 4, last))
    return out


def _walked_values(toks: list[Token]) -> list[tuple[int, int]]:
    """(first, last) token indexes of the first argument of each ``walk`` call inside an array comprehension; none
    that is a plain ref rooted at ``input`` (JSON holds no sets)."""
    out: dict[int, tuple[int, int]] = {}  # a comprehension inside another is scanned twice
    for open_at, close in array_comprehensions(toks):
        for j in range(open_at + 1, close):
            if toks[j].text != "walk" or not _is_builtin_call(toks, j):
                continue
            arguments = call_arguments(toks, j + 1)
            if not arguments or arguments[0][0] > arguments[0][1]:
                continue
            first, last = arguments[0]
            argument = toks[first:last + 1]
            if not (argument[0].text == "input" and all(t.text not in ("(", "{", "|") for t in argument)):
                out[first] = (first, last)
    return [out[first] for first in sorted(out)]


def _iterated_sets(source: str, toks: list[Token]) -> list[tuple[int, int]]:
    """(first, last) token indexes of what an array comprehension iterates: X of `some v in X` and `some k, v in X`
    (to the end of its statement), and the ref before the first bracket of `X[_]` / `X[k]`; none rooted at ``input``."""
    out: list[tuple[int, int]] = []
    for open_at, close in array_comprehensions(toks):
        depth = toks[open_at].depth + 1
        for j in range(open_at + 1, close):
            tok = toks[j]
            collection = some_in_collection(source, toks, j) if tok.text == "some" and tok.depth == depth else None
            if collection is not None:
                # `some v in X` and `some k, v in X` alike: a set's elements come in its order either way.
                if toks[collection[0]].text != "input":
                    out.append(collection)
            elif tok.text == "[" and j + 2 < close and toks[j + 2].text == "]" and toks[j + 1].kind == "ident" \
                    and (toks[j - 1].text in ("]", ")", "}")
                         or toks[j - 1].kind == "ident" and toks[j - 1].text not in _KEYWORDS):
                # Every variable bracket: r[a][b] checks r, then r[a] (each a value that bracket iterates).
                first = ref_root(toks, j)
                if first is not None and toks[first].text != "input":
                    out.append((first, j - 1))
    return out


_KEYWORDS = frozenset({"in", "contains", "if", "else", "some", "not", "with", "as", "every", "default"})


def _is_glob_match(toks: list[Token], i: int) -> bool:
    return not (i > 0 and toks[i - 1].text == ".") and i + 3 < len(toks) and toks[i + 1].text == "." \
        and toks[i + 2].text == "match" and toks[i + 3].text == "("


def _is_regex_split(toks: list[Token], i: int) -> bool:
    return not (i > 0 and toks[i - 1].text == ".") and i + 3 < len(toks) and toks[i + 1].text == "." \
        and toks[i + 2].text == "split" and toks[i + 3].text == "("


def _is_builtin_call(toks: list[Token], i: int) -> bool:
    return toks[i].kind == "ident" and not (i > 0 and toks[i - 1].text == ".") and i + 1 < len(toks) \
        and toks[i + 1].text == "("
