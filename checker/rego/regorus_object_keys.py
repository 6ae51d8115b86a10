"""regorus 0.13.0 iterates an object keyed by an object and by a set in another order than OPA: which runs may.

OPA iterates an object in the order of its keys (v1/ast/compare.go: ... array < object < set), so
``[v | some v in {{"a": 1}: 1, {1}: 2}]`` is ``[1, 2]``; regorus orders a set before an object (``[2, 1]``,
measured; ``regorus_order``), also in what ``walk`` visits. Checking the keys of every object an array comprehension
iterates costs a pass over them at each iteration, so it is done only in runs that may build such an object:
only a key that may hold a set can meet an object there, and a set never comes from JSON (``input``, ``data``
files, ``json.unmarshal``, ``yaml.unmarshal``), only from the policy. So a run needs the check when some object
literal or comprehension key, or some partial object rule's head key, is written with what may hold a set: a name
or ref not known to come from ``input``, a call of a function not known to answer a scalar, a collection literal.
``with input as ...`` may put sets in ``input``, and ``json.patch`` adds a key of its path's elements (a set too,
measured): a run holding one needs it too, and ``with`` of ``input`` or ``data`` exempts no rule.

A key known to hold no set is a scalar literal; a ref rooted at ``input``; a call of a builtin that answers a
string, a number or a boolean; or a name (or a ref rooted at one) whose every binding in its rule takes it from
such a ref: ``some r in input.rs``, ``some i, r in input.rs``, ``n := r.name``, a bracket of such a ref
(``input.rs[i]``), and which no pattern, unification, function argument or other bracket can bind to anything else.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable

from natpolicy.rego.rule_scope import some_in_collection, starts_body_statement
from natpolicy.rego.source import Token, dotted_name, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["ITERATED_CHECK", "ITERATED_HELPER", "MARSHAL_KEYS_HELPER", "SET_CHECK", "keys_to_check", "may_key_by_set",
           "needs_object_check", "set_free_keyed"]

# regorus_order checks each set an array comprehension iterates or walk visits with SET_CHECK (a set holding both an
# object and a set); in a run that may key an object by a set, with ITERATED_CHECK, which also holds for an object
# of two keys or more, one of them a collection, whose keys hold both an object and a set (at any depth: arrays
# of them compare element by element). A pass over the keys of each such object, stopping at the first that is no
# scalar, then a walk of the keys only where one is. Appended after the sites (their lines stay as they are).
SET_CHECK = "__natpolicy_rsetmixed("
ITERATED_CHECK = "__natpolicy_riterodd("
ITERATED_HELPER = (
    "__natpolicy_riterodd(__natpolicy_x) if __natpolicy_rsetmixed(__natpolicy_x)\n"
    "__natpolicy_riterodd(__natpolicy_x) if { is_object(__natpolicy_x); count(__natpolicy_x) > 1; "
    "__natpolicy_rcollkey(__natpolicy_x); "
    "__natpolicy_rmixed([__natpolicy_j | some __natpolicy_j; _ = __natpolicy_x[__natpolicy_j]]) }\n"
    "__natpolicy_rcollkey(__natpolicy_x) if { some __natpolicy_k; _ = __natpolicy_x[__natpolicy_k]; "
    "not is_string(__natpolicy_k); not is_number(__natpolicy_k); not is_boolean(__natpolicy_k); "
    "not is_null(__natpolicy_k) }\n")
# json.marshal and yaml.marshal write an object through its keys' JSON text in OPA (ast.JSON: one Go map, the later
# key in the object's order winning); regorus writes every key, so `{[1]: "a", {1}: "b"}` came out as
# `{"[1]":"a","[1]":"b"}` where OPA writes `{"[1]":"b"}` (measured). Keys of one text and two kinds, neither a string
# (regorus_order's marshal check reads a string beside one that is none), need a set in one of them: in a run that
# may key an object by a set, each object such a call writes stops too where its keys that are no strings have
# fewer texts than keys (a pass over the keys, stopping where none is a collection).
MARSHAL_KEYS_HELPER = (
    "__natpolicy_rodd(__natpolicy_v) if { is_object(__natpolicy_v); __natpolicy_rcollkey(__natpolicy_v); "
    "count({json.marshal(__natpolicy_k) | some __natpolicy_k; _ = __natpolicy_v[__natpolicy_k]; "
    "not is_string(__natpolicy_k)}) != count([1 | some __natpolicy_k; _ = __natpolicy_v[__natpolicy_k]; "
    "not is_string(__natpolicy_k)]) }\n")  # __natpolicy_rcollkey: ITERATED_HELPER's, appended beside it

_SCALARS = frozenset({"true", "false", "null"})
# Builtins whose answer holds no set whatever their arguments (strings, numbers, booleans, arrays of strings); not
# `contains`, which a Rego v0 package may define as a function of its own.
_SCALAR_BUILTINS = frozenset({
    "sprintf", "concat", "lower", "upper", "trim", "trim_space", "trim_prefix", "trim_suffix", "trim_left",
    "trim_right", "replace", "strings.replace_n", "format_int", "to_number", "count", "sum", "product",
    "substring", "json.marshal", "yaml.marshal", "split", "regex.replace", "base64.encode", "base64url.encode",
    "hex.encode", "urlquery.encode", "indexof", "startswith", "endswith", "is_string", "is_number",
    "strings.reverse", "abs", "ceil", "floor", "round", "type_name", "crypto.sha256", "crypto.md5", "crypto.sha1",
})
_BINDS = frozenset({":=", "="})
_HEAD_ENDS = frozenset({":=", "=", "if", "contains", "{"})
_KEYWORDS = frozenset({"some", "every", "in", "not", "if", "else", "contains", "with", "as", "default", "package",
                       "import", "true", "false", "null"})


def keys_to_check(sources: Iterable[str]) -> frozenset[str] | None:
    """None where no module of the run may key an object by what may hold a set (no object an array comprehension
    iterates needs its keys checked); else the rule names iterated without a check (``set_free_keyed``)."""
    sources = tuple(sources)
    if not may_key_by_set(sources):
        return None
    # `with input as ...` may put sets in input, whose refs set_free_keyed trusts, `with data.p.r as ...` in a rule
    # it exempts, and a function named as a builtin it trusts may answer one: nothing goes unchecked then.
    untrusted = any(_with_input(source) or _shadows_scalar_builtin(source) for source in sources)
    return frozenset() if untrusted else set_free_keyed(sources)


def may_key_by_set(sources: Iterable[str]) -> bool:
    """Whether any module of the run may build an object keyed by what may hold a set (see the module's doc)."""
    sources = tuple(sources)
    # A function of the policy's named as a builtin trusted to answer a scalar (`lower(x) := {x}`) may answer a set.
    return any(_module_may(source) or _shadows_scalar_builtin(source) for source in sources)


def _shadows_scalar_builtin(source: str) -> bool:
    toks = tokens(source)
    return any(toks[first].text in _SCALAR_BUILTINS and first + 1 < end and toks[first + 1].text == "("
               for first, end in rule_statements(source, toks, rules_only=True))


def set_free_keyed(sources: Iterable[str]) -> frozenset[str]:
    """The rule names whose every definition, in any module of the run, is an object literal or comprehension, or
    a partial object rule, keyed by what holds no set, or is no object (``contains``, ``if`` alone): an array
    comprehension iterating such a rule by its bare name needs no check of the keys (``by_address := {r.address: r
    | some r in input.rs}``, the common index of a plan)."""
    safe: set[str] = set()
    unsafe: set[str] = set()
    for source in sources:
        for name, ok in _definitions(source):
            (safe if ok else unsafe).add(name)
    return frozenset(safe - unsafe)


def needs_object_check(source: str, toks: list[Token], first: int, last: int, safe: frozenset[str]) -> bool:
    """Does what an array comprehension iterates at ``toks[first..last]`` need its keys checked: anything but the
    bare name of a rule of ``safe`` that its statement binds to nothing else?"""
    name = toks[first].text
    if first != last or name not in safe:
        return True
    start, end = next(((a, b) for a, b in rule_statements(source, toks) if a <= first < b), (0, len(toks)))
    return any(toks[k].text == name and _binding(source, toks, start, k, frozenset()) is not None
               for k in range(start, end) if k != start and toks[k].kind == "ident" and toks[k - 1].text != ".")


@functools.lru_cache(maxsize=256)
def _definitions(source: str) -> tuple[tuple[str, bool], ...]:
    """(rule name, whether the definition keys no object by what may hold a set) of each rule statement."""
    toks = tokens(source)
    out = []
    for first, end in rule_statements(source, toks, rules_only=True):
        start = first + (toks[first].text == "default")
        if start + 1 >= end or toks[start].kind != "ident":
            continue
        out.append((toks[start].text, _definition_set_free(source, toks, first, start, end)))
    return tuple(out)


def _definition_set_free(source: str, toks: list[Token], first: int, start: int, end: int) -> bool:
    if any(toks[k].depth == 0 and toks[k].text == "else" for k in range(start, end)):
        return False  # each branch would need reading: left to the check
    after = toks[start + 1].text
    if after == "(":
        return True  # a function: never iterated by its bare name
    derived = _derived_names(source, toks, first, end)
    if after in ("[", "."):
        # A ref head: the rule's keys are its first segment's (`p.a[k]`: "a"); a v0 `p[x] { ... }` is a set.
        close = matching_close(toks, start + 1) if after == "[" else start + 2
        return after == "." or (close is not None and (close + 1 >= end or toks[close + 1].text == "{"
                                                       or _set_free(toks, start + 2, close - 1, derived)))
    if after not in (":=", "="):
        return True  # `p if ...`, `p contains x`, a v0 body: a boolean or a set
    value = start + 2
    if value >= end:
        return False
    if toks[value].kind in ("string", "raw", "number") or toks[value].text in _SCALARS:
        return value + 1 == end or toks[value + 1].text in ("if", "{")
    close = matching_close(toks, value) if toks[value].text in ("{", "[") else None
    if close is None or not (close + 1 == end or toks[close + 1].text in ("if", "{")):
        return False  # a ref, a call, an operator's value: anything
    return toks[value].text == "[" or all(_set_free(toks, a, b, derived)
                                          for a, b in _object_keys(toks, value, close + 1)
                                          if toks[a].depth == toks[value].depth + 1)


@functools.lru_cache(maxsize=256)
def _module_may(source: str) -> bool:
    toks = tokens(source)
    if _with_input(source) or any(tok.text == "json" and toks[k + 1:k + 3] and [t.text for t in toks[k + 1:k + 3]]
                                  == [".", "patch"] for k, tok in enumerate(toks)):
        return True  # input may hold sets; json.patch adds a key of its path's elements, a set too (measured)
    for first, end in rule_statements(source, toks, rules_only=True):
        keys = _object_keys(toks, first, end) + _head_keys(toks, first, end)
        if keys:
            derived = _derived_names(source, toks, first, end)
            if any(not _set_free(toks, a, b, derived) for a, b in keys):
                return True
    return False


def _with_input(source: str) -> bool:
    """Does the module replace ``input`` or a document of ``data`` (a rule's value) with ``with``?"""
    toks = tokens(source)
    return any(tok.text == "with" and k + 1 < len(toks) and toks[k + 1].text in ("input", "data")
               for k, tok in enumerate(toks))


def _object_keys(toks: list[Token], first: int, end: int) -> list[tuple[int, int]]:
    """(first, last) token of each key of an object literal or comprehension in the statement."""
    out = []
    for opener in range(first, end):
        if toks[opener].text != "{" or toks[opener].kind != "op":
            continue
        close = matching_close(toks, opener)
        if close is None:
            continue
        inner = toks[opener].depth + 1
        bar = next((k for k in range(opener + 1, close) if toks[k].depth == inner and toks[k].text == "|"), close)
        start = opener + 1
        for k in range(opener + 1, bar):
            if toks[k].depth == inner and toks[k].text == ",":
                start = k + 1
            elif toks[k].depth == inner and toks[k].text == ":" and k > start:
                out.append((start, k - 1))
    return out


def _head_keys(toks: list[Token], first: int, end: int) -> list[tuple[int, int]]:
    """(first, last) token of each bracketed key of the statement's ref head (``q[k] := ...``, ``q.a[k] if``), but
    of a Rego v0 partial set (``deny[msg] { ... }``), whose bracket holds an element."""
    keys, k = [], first + 1
    while k < end and toks[k].text in ("[", "."):
        close = matching_close(toks, k) if toks[k].text == "[" else k + 1
        if close is None or close >= end:
            return []
        if toks[k].text == "[" and close > k + 1:
            keys.append((k + 1, close - 1))
        k = close + 1
    return keys if k < end and toks[k].text in (":=", "=", "if", "contains") else []


def _derived_names(source: str, toks: list[Token], first: int, end: int) -> frozenset[str]:
    """The names of the statement every binding of which takes them from what holds no set (module doc)."""
    head_end = next((k for k in range(first, end) if toks[k].depth == 0 and toks[k].text in _HEAD_ENDS), end)
    derived: frozenset[str] = frozenset()
    while True:
        bound: set[str] = set()
        harmful: set[str] = set()
        for k in range(first, end):
            tok = toks[k]
            if tok.kind != "ident" or tok.text in _KEYWORDS or tok.text in ("input", "_") \
                    or (k > 0 and toks[k - 1].text == ".") or (k + 1 < end and toks[k + 1].text == "("):
                continue
            if k < head_end:
                if _function_argument(toks, first, k):
                    harmful.add(tok.text)  # a function's argument: any value
                continue  # the head's keys and name are read, bound by the body
            verdict = _binding(source, toks, first, k, derived)
            if verdict is True:
                bound.add(tok.text)
            elif verdict is False:
                harmful.add(tok.text)
        now = frozenset(bound - harmful)
        if now == derived:
            return derived
        derived = now


def _binding(source: str, toks: list[Token], first: int, k: int, derived: frozenset[str]) -> bool | None:
    """True where ``toks[k]`` is bound there from what holds no set, False where it may be bound to anything else
    there, None where it is read (or declared by a bare ``some``)."""
    some = _names_of(source, toks, first, k)
    if some is not None:
        # `some k, v in X` / `every v in X` (patterns too); `some i` alone declares, a bracket binds.
        collection = some_in_collection(source, toks, some) if toks[some].text == "some" \
            else _every_collection(toks, some)
        return None if collection is None else _set_free(toks, collection[0], collection[1], derived)
    if toks[k - 1].text == "[" and k + 1 < len(toks) and toks[k + 1].text == "]" and k >= 2 and (
            (toks[k - 2].kind == "ident" and toks[k - 2].text not in _KEYWORDS) or toks[k - 2].text in ("]", ")")):
        # A bracket: `input.rs[i]` binds i to a key of a value without sets; any other may bind it to a set's element.
        prefix = _ref_start(toks, k - 1, first)
        return prefix is not None and _set_free(toks, prefix, k - 2, derived)
    if k + 1 < len(toks) and toks[k + 1].text in _BINDS and toks[k - 1].text not in (",", "[", "{", ":", "("):
        # `n := E`: bound from E's first term; anything an operator then builds from it holds no set either
        # (`|`, `&` and `-` of sets need a set operand).
        last = _term_end(toks, k + 2, len(toks))
        return last is not None and _set_free(toks, k + 2, last, derived)
    if toks[k - 1].text == "=" or _in_pattern(toks, k, first):
        return False
    return None


def _names_of(source: str, toks: list[Token], first: int, k: int) -> int | None:
    """The ``some`` or ``every`` whose names (or patterns) before ``in`` hold ``toks[k]``; None where none does."""
    j = k - 1
    while j >= first:
        tok = toks[j]
        if tok.kind == "ident" and tok.text in ("some", "every"):
            return j if tok.depth <= toks[k].depth else None
        pattern = (tok.kind == "ident" and tok.text not in _KEYWORDS) or tok.kind in ("string", "raw", "number") \
            or tok.text in (",", "[", "]", "{", "}", ":")
        if not pattern or starts_body_statement(source, toks, j) or tok.depth < toks[k].depth - 2:
            return None
        j -= 1
    return None


def _every_collection(toks: list[Token], j: int) -> tuple[int, int] | None:
    m = j + 1
    while m < len(toks) and (toks[m].kind == "ident" or toks[m].text == ",") and toks[m].text != "in":
        m += 1
    if m + 1 >= len(toks) or toks[m].text != "in":
        return None
    last = _term_end(toks, m + 1, len(toks))
    return None if last is None else (m + 1, last)


def _in_pattern(toks: list[Token], k: int, first: int) -> bool:
    """Is ``toks[k]`` inside a collection literal a unification or ``:=`` may match (``[a, b] := ...``)?"""
    for j in range(k - 1, first - 1, -1):
        if toks[j].depth < toks[k].depth and toks[j].text in ("[", "{"):
            close = matching_close(toks, j)
            before = toks[j - 1].text if j > 0 else ""
            after = toks[close + 1].text if close is not None and close + 1 < len(toks) else ""
            if before == "=" or after in _BINDS:  # `[a, b] := E`, `E = [a, b]` (`x := [a]` builds)
                return True
            k = j
    return False


def _function_argument(toks: list[Token], first: int, k: int) -> bool:
    """Is ``toks[k]`` among the parameters of a function's head (``f(x) := ...``)?"""
    if first + 1 >= len(toks) or toks[first + 1].text != "(":
        return False
    close = matching_close(toks, first + 1)
    return close is not None and first + 1 < k < close


def _ref_start(toks: list[Token], bracket: int, first: int) -> int | None:
    """The first token of the plain ref whose bracket opens at ``bracket`` (``input`` of ``input.rs[i]``)."""
    k = bracket - 1
    while k >= first:
        if toks[k].text == "]":
            opener = next((m for m in range(k - 1, first - 1, -1)
                           if toks[m].depth == toks[k].depth and toks[m].text == "["), None)
            if opener is None:
                return None
            k = opener - 1
        elif toks[k].kind == "ident" and toks[k].text not in _KEYWORDS:
            if k - 1 >= first and toks[k - 1].text == ".":
                k -= 2
            else:
                return k
        else:
            return None
    return None


def _term_end(toks: list[Token], k: int, end: int) -> int | None:
    """The last token of the plain ref or call starting at ``toks[k]`` (``r.tags[k].x``, ``lower(r.name)``)."""
    if k >= end or toks[k].kind != "ident":
        return None
    m = k
    while m + 1 < end:
        nxt = toks[m + 1].text
        if nxt == "." and m + 2 < end and toks[m + 2].kind == "ident":
            m += 2
        elif nxt in ("[", "("):
            close = matching_close(toks, m + 1)
            if close is None or close >= end:
                return None
            m = close
        else:
            break
    return m


def _set_free(toks: list[Token], first: int, last: int, derived: frozenset[str]) -> bool:
    """Does the term ``toks[first..last]`` surely hold no set: a scalar literal, a ref rooted at ``input`` or at a
    name of ``derived``, or a call of a builtin of ``_SCALAR_BUILTINS`` (whole)?"""
    tok = toks[first]
    if first == last and (tok.kind in ("string", "raw", "number") or tok.text in _SCALARS):
        return True
    if tok.kind != "ident" or _term_end(toks, first, last + 1) != last:
        return False
    name, m = dotted_name(toks, first, last + 1)
    if m + 1 <= last and toks[m + 1].text == "(":
        return name in _SCALAR_BUILTINS and matching_close(toks, m + 1) == last
    # A ref: no call anywhere along it (`input.f(x)` is none), rooted where no set is.
    return tok.text in derived or tok.text == "input"
