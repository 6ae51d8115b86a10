"""Rewrite what regopy 1.5.2 answers differently from OPA into what it answers alike, before compiling.

regopy (rego-cpp) is the fallback engine. Measured by ``tests/rego_probes``:

* ``sprintf`` prints many arguments otherwise than OPA (``%s`` of 22 is
  ``22``, OPA's ``%!s(int=22)``): each argument is wrapped in a function that
  gives OPA's text for its verb (``sprintf_regopy``).
* sets keep insertion order, where OPA orders them (``concat(",", {"b",
  "a"})`` is ``b,a``), and ``sort``, ``min`` and ``max`` order numbers, and
  values of different kinds, by their text (``min([443, 3389])`` is 3389).
  The three builtins are replaced by functions in Rego's order, and wherever
  a set's order shows it is read sorted, by functions appended to the module:

      sort(X), min(X), max(X)        ->  __natpolicy_sort(X), __natpolicy_min(X), __natpolicy_max(X)
      concat(SEP, X)                 ->  concat(SEP, __natpolicy_ordered(X))
      [T | ...; some V in X; ...]    ->  [T | ...; some V in __natpolicy_ordered(X); ...]
      [T | ...; X[_] ...]            ->  [T | ...; __natpolicy_ordered(X)[_] ...]
      [T | ...; X[K] ...]            ->  [T | ...; __natpolicy_keyed(X)[K] ...]

  ``__natpolicy_ordered`` gives a set's elements as a sorted array, an
  object rebuilt in sorted key order (regopy iterates an object in the
  order its keys were inserted, OPA sorted) and anything else as it is;
  ``__natpolicy_keyed`` gives a set as ``{e: e}`` built in sorted order, so
  ``K`` still binds each element, and an object rebuilt sorted. ``X`` may be
  an object or set literal (``{"b": 1, "a": 2}[k]``: regopy iterates it as
  written). A ref rooted
  at ``input`` is left alone (JSON holds no sets, and engine_regopy hands
  its objects over sorted), and only a ref's first bracket is wrapped (see
  ``_set_order_edits``); where a variable bracket follows it (``r[a][b]``,
  ``r[a].tags[c]``), ``__natpolicy_keyed2`` (``keyed3``, ...) rebuilds ``r``
  as many levels deep as the last one. ``some V in X``
  whose ``X`` holds a variable in brackets binds ``X`` first (``h := X;
  some V in ordered(h)``): inside the call's argument, regopy would never
  match the variable. Arrays, objects or sets among the elements being
  ordered stop the query (``REFUSE``).

* comparisons across kinds (``null < 0`` is false on regopy): rewritten by
  ``regopy_compare``.
* builtins regopy answers otherwise (``ceil``, ``format_int``,
  ``strings.replace_n``, ...): renamed to functions that answer as OPA or
  stop the query (``regopy_builtins``).
* ``r = "a"`` of a bound ``r``: regopy binds ``r`` afresh instead of
  comparing; the literal is put in parentheses, ``r = ("a")``, which it
  compares (``regopy_unify``).
* strings, which regopy keeps JSON-escaped (``count("a\\"b")`` is 4): literals
  rewritten to that form, the arguments of builtins that read it checked
  (``regopy_strings``).

The rewrites only insert text on the lines they touch and the functions go
after the last line, so error messages keep their line numbers.
"""
from __future__ import annotations

import re

from natpolicy.rego.order_free import counted_comprehensions
from natpolicy.rego.regopy_builtins import builtin_call_edits, builtin_helpers
from natpolicy.rego.regopy_compare import COMPARE_HELPERS, STRING_BEFORE, STRING_BEFORE_HELPERS, comparison_edits
from natpolicy.rego.regopy_keys import KEYS_HELPERS, key_kind_edits
from natpolicy.rego.regopy_strings import (
    PATTERN,
    PATTERN_HELPERS,
    STRING_HELPERS,
    canonical_literal_edits,
    string_call_edits,
)
from natpolicy.rego.regopy_unify import literal_unification_edits
from natpolicy.rego.rule_scope import array_comprehensions
from natpolicy.rego.source import Token, apply_edits_as_listed, char_line_col, matching_close, tokens
from natpolicy.rego.sprintf_regopy import HELPERS, REFUSE, private_locals, sprintf_edits

__all__ = ["membership_edits", "rewrite_and_key_sites", "rewrite_for_regopy", "ORDERED", "KEYED", "KEYED2"]

ORDERED = "__natpolicy_ordered"
SORT = "__natpolicy_sort"
KEYED = "__natpolicy_keyed"
KEYED2 = "__natpolicy_keyed2"
# regopy's sort, min and max order numbers (and values of different kinds) by their text: 10 before 9.
_ORDERING_BUILTINS = {"sort": SORT, "min": "__natpolicy_min", "max": "__natpolicy_max"}
_MAX_NESTING = 32  # sprintf calls inside sprintf arguments; past this the guards' refusal stands
# Rego's order, which regopy's sort lacks for anything but strings (it orders numbers as text: 10 before 9,
# and across kinds by their text): strings go to regopy's sort; other scalars are ranked in Rego (null,
# booleans, numbers, strings), quadratic, for the small sets of numbers policies hold; arrays, objects and
# sets as elements stop the query (sprintf_regopy's refusal).
# An element's place: how many sort before it, and how many equal ones stand before it. The element is read
# outside the comprehensions: a function's argument in a bracket inside one is iterated afresh by regopy 1.5.2
# (regopy_closures), which gave two equal elements one place ("object keys must be unique": sort([3, 3]) stopped).
_RANK = ("__natpolicy_rank(arr, i) := count([j | some j; w := arr[j]; __natpolicy_lt(w, v)])"
         " + count([j | some j; w := arr[j]; w == v; j < i]) if v := arr[i]")
_HELPER = private_locals(f"""
{REFUSE}(x) := 1
{REFUSE}(x) := 2
{ORDERED}(x) := {SORT}(x) if is_set(x)
{ORDERED}(x) := {KEYED}(x) if is_object(x)
{ORDERED}(x) := x if {{ not is_set(x); not is_object(x) }}
{KEYED}(x) := {{e: e | some e in {SORT}(x)}} if is_set(x)
{KEYED}(x) := {{k: x[k] | some k in {SORT}(object.keys(x))}} if is_object(x)
{KEYED}(x) := x if {{ not is_set(x); not is_object(x) }}
{KEYED2}(x) := {{k: {KEYED}(x[k]) | some k in {SORT}(object.keys(x))}} if is_object(x)
{KEYED2}(x) := {{e: {KEYED}(e) | some e in {SORT}(x)}} if is_set(x)
{KEYED2}(x) := [{KEYED}(v) | some v in x] if is_array(x)
{KEYED2}(x) := x if {{ not is_set(x); not is_object(x); not is_array(x) }}
__natpolicy_min(x) := {SORT}(x)[0]
__natpolicy_max(x) := arr[count(arr) - 1] if arr := {SORT}(x)
{SORT}(x) := arr if {{
  __natpolicy_all_strings(x); arr := sort([__natpolicy_plain(v) | some v in x]); not __natpolicy_prefix_after(arr)
}} else := __natpolicy_ranked([__natpolicy_plain(v) | some v in x]) if __natpolicy_all_strings(x)
{SORT}(x) := __natpolicy_ranked([v | some v in x]) if {{ not __natpolicy_all_strings(x); __natpolicy_all_scalars(x) }}
{SORT}(x) := {REFUSE}(x) if not __natpolicy_all_scalars(x)
__natpolicy_all_strings(x) if {{ every v in x {{ is_string(v) }} }}
__natpolicy_all_scalars(x) if {{ every v in x {{ __natpolicy_kind(v) }} }}
__natpolicy_kind(v) := 0 if is_null(v)
__natpolicy_kind(v) := 1 if is_boolean(v)
__natpolicy_kind(v) := 2 if is_number(v)
__natpolicy_kind(v) := 3 if is_string(v)
__natpolicy_lt(a, b) if __natpolicy_kind(a) < __natpolicy_kind(b)
__natpolicy_lt(a, b) if {{ __natpolicy_kind(a) == 1; __natpolicy_kind(b) == 1; a == false; b == true }}
__natpolicy_lt(a, b) if {{ __natpolicy_kind(a) == 2; __natpolicy_kind(b) == 2; a < b }}
__natpolicy_lt(a, b) if {{ __natpolicy_kind(a) == 3; __natpolicy_kind(b) == 3; {STRING_BEFORE}(a, b) }}
# regopy's sort puts "a b" before "a" (STRING_BEFORE): the strings it places between "a" and one that starts with
# "a" and a space or "!" all start so, so such a pair stands side by side; then they are ranked in Rego (quadratic).
__natpolicy_prefix_after(arr) if {{
  count(arr) > 1; some i in numbers.range(1, count(arr) - 1); arr[i - 1] != arr[i]; startswith(arr[i - 1], arr[i])
}}
{_RANK}
__natpolicy_ranked(arr) := [] if count(arr) == 0
__natpolicy_ranked(arr) := [arr[by_rank[r]] | some r in numbers.range(0, count(arr) - 1)] if {{
  count(arr) > 0
  by_rank := {{__natpolicy_rank(arr, i): i | some i in numbers.range(0, count(arr) - 1)}}
}}
""") + STRING_BEFORE_HELPERS


def rewrite_for_regopy(source: str, elsewhere: frozenset[str] = frozenset()) -> str:
    return rewrite_and_key_sites(source, elsewhere)[0]


def rewrite_and_key_sites(source: str, elsewhere: frozenset[str] = frozenset()
                          ) -> tuple[str, tuple[tuple[int, str], ...]]:
    """``rewrite_for_regopy``'s text, and (line, site) of each object or key it wrapped to stop on regopy's keys
    (regopy_keys), which engine_regopy names where a query stops: found once, on the text the wrapping reads.
    Its lines are ``source``'s (no rewrite adds one), and so are those of the sites the written module holds
    (measured: the same lines and sites on 9704 modules, 1577 with sites)."""
    source = apply_edits_as_listed(source, membership_edits(source))
    # sprintf first: each call becomes one concat (its arguments' text kept), which the set-order pass then reads.
    # One pass rewrites the outermost calls; a call inside another's arguments is rewritten by the next.
    formatted = source
    for _ in range(_MAX_NESTING):
        sprintf_edits_found = _sprintf_edits(formatted)
        if not sprintf_edits_found:
            break
        formatted = apply_edits_as_listed(formatted, sprintf_edits_found)
    toks = tokens(formatted)
    # Comparisons after the set-order edits: where both insert at one place, the comparison's text goes first.
    compared = comparison_edits(formatted, toks)
    # Strings: literals in regopy's escaped form (exact); arguments of builtins that read that form checked.
    stringed, _ = string_call_edits(toks)
    # Builtins regopy answers otherwise than OPA: renamed to functions answering as OPA, or stopping.
    renamed, _ = builtin_call_edits(toks, formatted, elsewhere)
    # `r = "a"` of a bound r: regopy re-binds r; `r = ("a")` it compares, as OPA does (regopy_unify).
    grouped = literal_unification_edits(formatted, toks)
    # Objects with a key that may be no string: stopped where one holds a key beside another of its text, or where
    # one read whole (compared: regopy compares keys by their text) holds a key that is no string.
    keyed, key_sites = key_kind_edits(formatted, toks, elsewhere)
    sites = tuple((char_line_col(formatted, offset)[0], site) for offset, site in key_sites)
    edits = _set_order_edits(formatted) + compared + canonical_literal_edits(toks) + stringed + renamed + grouped \
        + keyed
    if formatted == source and not edits:
        return source, sites
    out = apply_edits_as_listed(formatted, edits)
    depth = max((int(m) for m in re.findall(rf"\b{KEYED}(\d+)\(", out)), default=2)
    return out + ("" if out.endswith("\n") else "\n") + _HELPER + _keyed_helpers(depth) \
        + (HELPERS if formatted != source else "") + (COMPARE_HELPERS if compared else "") + STRING_HELPERS \
        + (PATTERN_HELPERS if any(text == f"{PATTERN}(" for _, _, text in stringed) else "") \
        + builtin_helpers(renamed) + (KEYS_HELPERS if keyed else ""), sites


def membership_edits(source: str) -> list[tuple[int, int, str]]:
    """``REF[_] in COLL`` as a statement of its own (``r.change.actions[_] in ["create", "update"]``), which
    regopy 1.5.2 does not parse ("Invalid bracket argument"), as ``some v in REF; v in COLL``: the same
    solutions in OPA. Left as written (and refused by regopy, with its line) after ``not``, inside a larger
    expression, with ``with``, or where ``REF`` holds another ``_``."""
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for k, tok in enumerate(toks):
        if tok.text != "in" or k < 5 or [t.text for t in toks[k - 3:k]] != ["[", "_", "]"] or tok.depth == 0:
            continue
        start = _ref_start(toks, k - 3)
        if start is None or start == 0 or any(t.text == "_" for t in toks[start:k - 3]):
            continue
        before = toks[start - 1]
        on_new_line = "\n" in source[before.offset + len(before.text):toks[start].offset]
        continues = (before.kind == "op" and before.text not in ("}", ")", "]")) or before.text in _KEYWORDS
        if not (before.text in ("{", ";", "|") or (on_new_line and not continues)):
            continue
        end = _statement_end(source, toks, k + 1)
        if any(t.depth == tok.depth and (t.text in _NOT_MEMBERSHIP_ALONE) for t in toks[k + 1:end]):
            continue
        name = f"__natpolicy_member{k}"
        ref = source[toks[start].offset:toks[k - 4].offset + len(toks[k - 4].text)]
        edits.append((toks[start].offset, toks[k - 1].offset + 1, f"some {name} in {ref}; {name}"))
    return edits


# After `REF[_] in COLL`, any of these makes it part of a larger expression (or scopes a `with`).
_NOT_MEMBERSHIP_ALONE = frozenset({"==", "!=", "<", "<=", ">", ">=", ":=", "=", "with", "in", "|", "&", "+", "-",
                                   "*", "/", "%"})


def _sprintf_edits(source: str) -> list[tuple[int, int, str]]:
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    for i, tok in enumerate(toks):
        if tok.text == "sprintf" and not (i > 0 and toks[i - 1].text == ".") and i + 1 < len(toks) \
                and toks[i + 1].text == "(":
            call_edits, refused = sprintf_edits(source, toks, i)
            if refused is None:  # else the guards refuse the call before anything runs
                edits += call_edits
    # A call nested in another's arguments is rewritten with its outer call's text: keep the outermost only.
    return [e for e in edits if not any(o[0] <= e[0] and e[1] <= o[1] and o != e for o in edits)]


def _set_order_edits(source: str) -> list[tuple[int, int, str]]:
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    # One only counted lists its elements in an order no one reads: iterated as regopy does (order_free).
    counted = counted_comprehensions(source, toks)
    comprehensions = [span for span in array_comprehensions(toks) if span[0] not in counted]
    for i, tok in enumerate(toks):
        after_dot = i > 0 and toks[i - 1].text == "."
        if tok.text in _ORDERING_BUILTINS and not after_dot and i + 1 < len(toks) and toks[i + 1].text == "(":
            edits.append((tok.offset, tok.offset + len(tok.text), _ORDERING_BUILTINS[tok.text]))
        elif tok.text == "[" and _in_array_comprehension(i, comprehensions) and _key(toks, i):
            start = _ref_start(toks, i)
            # Only a ref's first bracket: a wrapped one inside a call's argument (f(g(r)[a])[b]) would bind its
            # variable inside that argument, which regopy never matches (guards._bound_in_call_arguments).
            first = start is not None and not any(t.text == "[" for t in toks[start:i])
            if start is None:
                # An object or set literal iterated where it is written ({"b": 1, "a": 2}[k]): regopy iterates it
                # in the order it is written, OPA sorted. Wrapped like a ref (see _literal_start).
                start = _literal_start(toks, i)
                first = start is not None
            if first and start is not None and toks[start].text != "input":  # input is JSON: never a set
                # s[_] reads the elements sorted; s[k] binds k to each element, so a set becomes {e: e, ...}
                # built in sorted order, which regopy iterates as built (an array or object stays as it is).
                wrapper = ORDERED if _key(toks, i) == "_" else KEYED
                levels = _iterated_levels(toks, i)
                if levels > 1:
                    # r[a][b], r[a].tags[c]: a later bracket cannot be wrapped (a would be bound inside the call),
                    # so r is rebuilt as many levels deep as its last variable bracket: r[a] sorted too, a set as
                    # {e: e} (r[a][b] binds b to each element).
                    wrapper = f"{KEYED}{levels}"
                edits += [(tok.offset, tok.offset, ")"), (toks[start].offset, toks[start].offset, f"{wrapper}(")]
        elif tok.text == "concat" and not after_dot and i + 1 < len(toks) and toks[i + 1].text == "(":
            close = matching_close(toks, i + 1)
            depth = toks[i + 1].depth + 1
            comma = None if close is None else next(
                (k for k in range(i + 2, close) if toks[k].text == "," and toks[k].depth == depth), None)
            if close is not None and comma is not None and comma + 1 < close \
                    and not (toks[comma + 1].text == "[" and matching_close(toks, comma + 1) == close - 1):
                edits += _wrap(toks[comma + 1], toks[close - 1])  # an array literal is never a set: left alone
        elif tok.text == "some" and i + 2 < len(toks) and toks[i + 1].kind == "ident" and toks[i + 2].text == "in" \
                and any(lo < i < hi and toks[lo].depth + 1 == tok.depth for lo, hi in comprehensions):
            end = _statement_end(source, toks, i + 3)
            if end <= i + 3 or (toks[i + 3].text == "input" and _is_ref(toks, i + 3, end)):
                continue  # input is JSON, its objects handed over sorted (engine_regopy): never a set
            if any(t.text == "[" and toks[k + 1].kind == "ident" for k, t in enumerate(toks[i + 3:end - 1], i + 3)):
                # X may bind a variable (some v in r[a]): bound inside a call's argument, regopy never matches it.
                # So X is bound first, by itself, in the same statement's place: h := X; some v in ordered(h).
                # (X itself stays in place: a bracket inside it is read sorted like any other.)
                held, after = f"__natpolicy_in{tok.offset}", toks[end - 1].offset + len(toks[end - 1].text)
                edits += [(tok.offset, toks[i + 3].offset, f"{held} := "),
                          (after, after, f"; some {toks[i + 1].text} in {ORDERED}({held})")]
            else:
                edits += _wrap(toks[i + 3], toks[end - 1])
    return edits


def _iterated_levels(toks: list[Token], i: int) -> int:
    """How many levels below its root the ref whose first bracket opens at ``i`` iterates: the place of its last
    variable bracket, counting each bracket and each field after the first bracket (``r[a].tags[c]``: 3)."""
    level = last = 1
    j = i + 3  # after `[a]`
    while j < len(toks):
        if toks[j].text == "." and j + 1 < len(toks) and toks[j + 1].kind == "ident":
            level, j = level + 1, j + 2
        elif toks[j].text == "[" and toks[j].depth == toks[i].depth:
            close = matching_close(toks, j)
            if close is None:
                break
            level += 1
            if _key(toks, j):
                last = level
            j = close + 1
        else:
            break
    return last


def _keyed_helpers(depth: int) -> str:
    """``__natpolicy_keyed3`` .. ``__natpolicy_keyed<depth>``: each rebuilds its argument sorted (a set as
    ``{e: e}``) and every value one level less deep (Rego has no recursion); ``keyed2`` is in ``_HELPER``."""
    out = []
    for n in range(3, depth + 1):
        this, below = f"{KEYED}{n}", f"{KEYED}{n - 1}"
        out.append(private_locals(
            f"{this}(x) := {{k: {below}(x[k]) | some k in {SORT}(object.keys(x))}} if is_object(x)\n"
            f"{this}(x) := {{e: {below}(e) | some e in {SORT}(x)}} if is_set(x)\n"
            f"{this}(x) := [{below}(v) | some v in x] if is_array(x)\n"
            f"{this}(x) := x if {{ not is_set(x); not is_object(x); not is_array(x) }}\n"))
    return "".join(out)


def _is_ref(toks: list[Token], start: int, end: int) -> bool:
    """``toks[start:end]`` is one ref (``a.b[c]``), nothing around it."""
    return _ref_start(toks, end) == start


def _in_array_comprehension(i: int, comprehensions: list[tuple[int, int]]) -> bool:
    return any(lo < i < hi for lo, hi in comprehensions)


def _key(toks: list[Token], i: int) -> str:
    """The variable of a ref bracket ``X[v]`` at ``i`` (``_`` for a wildcard); "" for anything else."""
    if i == 0 or i + 2 >= len(toks) or toks[i + 2].text != "]" or toks[i + 1].kind != "ident":
        return ""
    before = toks[i - 1]
    is_ref = (before.kind == "ident" and before.text not in _KEYWORDS) or before.text in ("]", ")", "}")
    return toks[i + 1].text if is_ref and toks[i + 1].text not in _KEYWORDS else ""


def _ref_start(toks: list[Token], i: int) -> int | None:
    """Index of the first token of the ref whose bracket opens at ``i`` (``a.b[c].d`` in ``a.b[c].d[_]``)."""
    j = i - 1
    while j >= 0:
        if toks[j].text in ("]", ")"):
            opener = next((k for k in range(j - 1, -1, -1) if toks[k].depth == toks[j].depth
                           and toks[k].text in ("[", "(")), None)
            if opener is None or opener == 0:
                return None
            j = opener - 1
            continue
        if toks[j].kind != "ident" or toks[j].text in _KEYWORDS:
            return None
        if j >= 2 and toks[j - 1].text == "." and (toks[j - 2].kind == "ident" or toks[j - 2].text in ("]", ")")):
            j -= 2
            continue
        return j
    return None


def _literal_start(toks: list[Token], i: int) -> int | None:
    """Index of the ``{`` of an object or set literal (or comprehension) that the bracket at ``i`` follows right
    away. None where a ref bracket inside it might bind a variable of the body, which wrapping would bind inside a
    call's argument (a comprehension's own variables are its own)."""
    if i == 0 or toks[i - 1].text != "}":
        return None
    opener = next((k for k in range(i - 2, -1, -1) if toks[k].depth == toks[i - 1].depth and toks[k].text == "{"),
                  None)
    if opener is None or opener == 0:
        return None
    before = toks[opener - 1]
    if (before.kind == "ident" and before.text not in ("in", "not")) or before.text in ("]", ")"):
        return None  # a rule's body, not a literal (`some y in {...}[_]` and `not {...}[k]` read a literal)
    inside = toks[opener + 1:i - 1]
    comprehension = any(t.text == "|" and t.depth == toks[opener].depth + 1 for t in inside)
    if not comprehension and any(t.text == "[" and _key(toks, opener + 1 + n) for n, t in enumerate(inside)):
        return None
    return opener


_KEYWORDS = frozenset({"in", "contains", "if", "else", "some", "not", "with", "as", "every", "default"})


def _wrap(first: Token, last: Token) -> list[tuple[int, int, str]]:
    end = last.offset + len(last.text)
    return [(end, end, ")"), (first.offset, first.offset, f"{ORDERED}(")]



def _statement_end(text: str, toks: list[Token], start: int) -> int:
    """Index after the last token of the expression starting at ``start`` (its depth, up to `;`, a line end or `]`)."""
    depth = toks[start].depth if start < len(toks) else 0
    j = start
    while j < len(toks):
        t = toks[j]
        if t.depth < depth or (t.depth == depth and t.text == ";"):
            return j
        if j > start and t.depth == depth and "\n" in text[toks[j - 1].offset:t.offset] \
                and not (toks[j - 1].kind == "op" and toks[j - 1].text not in (")", "]", "}")):
            return j
        j += 1
    return j
