"""Objects regopy 1.5.2 keys by text: one holding a key that is no string beside a string key of its text stops.

OPA keeps the keys ``1`` and ``"1"`` of ``{1: "a", "1": "b"}`` apart: two keys of two kinds (v1/ast/term.go
compares a key's kind first). regopy 1.5.2 holds both (``count`` is 2) but writes, compares and merges them by
their text (measured): the object comes out as ``{"1": "a"}``, ``json.marshal`` writes the key twice,
``object.union({1: "a"}, {"1": "b"})`` holds one key, and a comprehension over ``[1, "1"]`` builds such an object
too. The same holds for ``true``, ``null``, a number written ``1e2`` (text ``100``) and an array (``[1]``).
A key that is no string can only come from the policy (JSON input and data hold string keys only), so:

* an object literal or comprehension only looked up (below) with a key that may be no string (anything but a
  literal) is wrapped, on its line, in a function that passes the object on unless one of its keys that is no
  string has a string key of its text (regopy's ``json.marshal`` of it) beside it, where it stops the query
  (``REFUSE``, named with its line by ``engine_regopy``);
* a literal whose keys are all literals is decided before anything runs: one with such a pair is refused with
  its line (``literal_key_refusals``), any other only looked up is left alone (``{22: "ssh"}[p]`` costs nothing);
* ``object.union`` and ``object.union_n`` stop where such a pair meets across the objects (``regopy_builtins``).

regopy also compares two objects by their keys' text (``{1: 4} == {"1": 4}`` is true there, a set holds one of
the two, ``{1: 4} = input.o`` unifies with an input object keyed ``"1"``) while it looks a key up by its kind. So an
object with a key that may be no string is left to answer only where it is read through its keys alone
(``regopy_lookups``: ``ports := {22: "ssh"}`` read as ``ports[p]``); anywhere else (compared, held in a set or an
array, a rule's value read whole, a pattern):

* one with a literal key that is no string, and one in a pattern, a function's head or a ``default`` value (where a
  call would change what the statement means) are refused with their line (``literal_key_refusals``);
* one with computed keys is wrapped in a function that stops the query, on its line, once a key is no string
  (``WHOLE_SITE``), and a partial object rule's computed key (``p[k] := 1``) in one that stops on a key that is
  no string.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable

from natpolicy.rego.regopy_hoist import every_body
from natpolicy.rego.regopy_lookups import object_only_looked_up, only_looked_up
from natpolicy.rego.source import Token, enclosing_openers, matching_close, tokens
from natpolicy.rego.sprintf_regopy import REFUSE, private_locals
from natpolicy.rego.static_checks import rule_statements

__all__ = ["KEYS_APART", "KEYS_HELPERS", "KEYS_STOPPING", "KEYS_WHOLE", "OBJECT_SITE", "STRING_KEY", "WHOLE_SITE",
           "key_kind_edits", "literal_key_refusals", "mentioned_names"]

KEYS_APART = "__natpolicy_keys_apart"
KEYS_WHOLE = "__natpolicy_keys_whole"
STRING_KEY = "__natpolicy_string_key"
OBJECT_SITE = "an object literal or comprehension"
WHOLE_SITE = "an object read whole (compared, held in a collection, a rule's value)"
KEYS_STOPPING = {OBJECT_SITE: "a key that is no string beside a string key of its text (`{1: \"a\", \"1\": \"b\"}`, "
                              "which regopy 1.5.2 writes, compares and merges as one key)",
                 WHOLE_SITE: "a key that is no string (regopy 1.5.2 compares objects by their keys' text: "
                             "`{1: 4} == {\"1\": 4}` is true there; read such an object only through its keys)"}
KEYS_HELPERS = private_locals(f"""
{KEYS_APART}(o) := o if not __natpolicy_keys_alike(o)
{KEYS_APART}(o) := {REFUSE}([o, 0]) if __natpolicy_keys_alike(o)
__natpolicy_keys_alike(o) if {{ some k; _ = o[k]; not is_string(k); t := json.marshal(k); _ = o[t] }}
{KEYS_WHOLE}(o) := o if not __natpolicy_key_no_string(o)
{KEYS_WHOLE}(o) := {REFUSE}([o, 0]) if __natpolicy_key_no_string(o)
__natpolicy_key_no_string(o) if {{ some k; _ = o[k]; not is_string(k) }}
{STRING_KEY}(k) := k if is_string(k)
{STRING_KEY}(k) := {REFUSE}([k, 0]) if not is_string(k)
""")
_SCALARS = frozenset({"true", "false", "null"})
_HEAD_ENDS = frozenset({":=", "=", "if", "{", "contains"})


def key_kind_edits(source: str, toks: list[Token], elsewhere: Iterable[str] = ()
                   ) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Edits wrapping each object literal or comprehension with a computed key that may be no string: in
    ``KEYS_APART`` where it is only looked up, else in ``KEYS_WHOLE``; and each computed key of a partial object
    rule read whole in ``STRING_KEY``. (offset, site) of each. ``elsewhere``: the names other modules mention."""
    edits: list[tuple[int, int, str]] = []
    sites: list[tuple[int, str]] = []
    statements = list(rule_statements(source, toks))
    for opener, close, keys in _objects(toks):
        if all(_literal_key(toks, first, last) is not None for first, last in keys) \
                or _left_as_written(source, toks, statements, opener):
            continue  # decided before anything runs (literal_key_refusals)
        looked_up = object_only_looked_up(source, toks, statements, opener, elsewhere)
        end = toks[close].offset + 1
        edits += [(toks[opener].offset, toks[opener].offset, f"{KEYS_APART if looked_up else KEYS_WHOLE}("),
                  (end, end, ")")]
        sites.append((toks[opener].offset, OBJECT_SITE if looked_up else WHOLE_SITE))
    for first, last in _head_keys(toks, statements, elsewhere):
        if _literal_key(toks, first, last) is None:
            end = toks[last].offset + len(toks[last].text)
            edits += [(toks[first].offset, toks[first].offset, f"{STRING_KEY}("), (end, end, ")")]
            sites.append((toks[first].offset, WHOLE_SITE))
    return edits, sites


def literal_key_refusals(toks: list[Token], source: str = "", elsewhere: Iterable[str] = ()) -> list[tuple[int, str]]:
    """(offset, message) of each object literal whose literal keys hold one that is no string beside a string
    key of its text; with ``source``, also of each object read whole (not only looked up) with a literal key that
    is no string, or in a pattern, a function's head or a ``default`` value with a key that may be no string, and
    of each literal key that is no string of a partial object rule read whole."""
    out = []
    statements = list(rule_statements(source, toks)) if source else []
    for opener, _, keys in _objects(toks):
        literal = [_literal_key(toks, first, last) for first, last in keys]
        strings = {key[1] for key in literal if key is not None and key[0]}
        clash = next((toks[first].text for (first, _), key in zip(keys, literal, strict=True)
                      if key is not None and not key[0] and key[1] in strings), None)
        if clash is not None:
            out.append((toks[opener].offset, f"an object keyed by `{clash}` beside the string key of its text: "
                                             "regopy 1.5.2 writes, compares and merges the two as one key, where "
                                             "OPA keeps them apart; run with --rego-engine regorus"))
        elif source and not all(key is not None and key[0] for key in literal) \
                and not object_only_looked_up(source, toks, statements, opener, elsewhere):
            unwritable = _left_as_written(source, toks, statements, opener)
            no_string = next((toks[first].text for (first, _), key in zip(keys, literal, strict=True)
                              if key is not None and not key[0]), None)
            if unwritable or no_string is not None:
                out.append((toks[opener].offset, _whole_message(f"keyed by `{no_string}`" if no_string is not None
                                                                else "with a key that may be no string")))
    for first, last in _head_keys(toks, statements, elsewhere) if source else ():
        key = _literal_key(toks, first, last)
        if key is not None and not key[0]:
            out.append((toks[first].offset, _whole_message(f"keyed by `{toks[first].text}` (a partial rule)")))
    return out


def mentioned_names(sources: Iterable[str]) -> frozenset[str]:
    """The names the other modules of a run mention (a rule of this one may be read there whole)."""
    return frozenset().union(*(_names(source) for source in sources))


@functools.lru_cache(maxsize=256)
def _names(source: str) -> frozenset[str]:
    # Each module is another's fellow: read once per text, not once per pair.
    return frozenset(tok.text for tok in tokens(source) if tok.kind == "ident")


def _whole_message(what: str) -> str:
    return (f"an object {what} read whole (compared, held in a collection or a pattern, a rule's value): regopy "
            "1.5.2 compares objects by their keys' text (`{1: 4} == {\"1\": 4}` is true there, false in OPA); read "
            "it only through its keys (`o[k]`, `some k, v in o`), or run with --rego-engine regorus")


def _head_keys(toks: list[Token], statements: list[tuple[int, int]], elsewhere: Iterable[str]
               ) -> list[tuple[int, int]]:
    """(first, last) token of each key in a partial object rule's head (``p[k] := 1``, ``p.a[k][j] if``) whose
    rule is read whole. One only queried is left: its numbered keys (``x[i] := ... if input.rs[i]``) are written
    as OPA writes them, and keys of one text from two definitions stop after the query (``regopy_queried``)."""
    out = []
    for first, end in statements:
        if toks[first].text in ("package", "import", "default") or first + 1 >= end \
                or toks[first + 1].text not in ("[", "."):
            continue
        keys, k = [], first + 1
        while k < end and toks[k].text in ("[", "."):
            close = matching_close(toks, k) if toks[k].text == "[" else k + 1
            if close is None or close >= end:
                break
            if toks[k].text == "[":
                keys.append((k + 1, close - 1))
            k = close + 1
        if keys and k < end and toks[k].text in (":=", "=", "if", "{", "contains") \
                and not only_looked_up(toks, statements, (first, end), first, elsewhere):
            out.extend(keys)
    return out


def _objects(toks: list[Token]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """(opener, close, (first, last) token of each key) of each object literal and object comprehension."""
    out = []
    for opener, tok in enumerate(toks):
        if tok.text != "{" or tok.kind != "op":
            continue
        close = matching_close(toks, opener)
        if close is None or close == opener + 1:
            continue
        inner = tok.depth + 1
        bar = next((k for k in range(opener + 1, close) if toks[k].depth == inner and toks[k].text == "|"), close)
        keys, first = [], opener + 1
        for k in range(opener + 1, bar + 1):
            if k == bar or (toks[k].depth == inner and toks[k].text == ","):
                first = k + 1
            elif toks[k].depth == inner and toks[k].text == ":":
                keys.append((first, k - 1))
        if keys:
            out.append((opener, close, keys))
    return out


def _literal_key(toks: list[Token], first: int, last: int) -> tuple[bool, str] | None:
    """(is it a string, its text) of a key that is a string, number, boolean or null literal; else None. The text
    of a key that is no string is the one regopy gives it: its JSON (a whole number without a point)."""
    tok = toks[first]
    if first != last:
        return None
    if tok.kind == "raw":
        return True, tok.text[1:-1]
    if tok.kind == "string":
        try:
            value = json.loads(tok.text)
        except ValueError:
            return None
        return (True, value) if isinstance(value, str) else None
    if tok.kind == "number":
        number = float(tok.text)
        return False, str(int(number)) if number.is_integer() and abs(number) < 2 ** 53 else repr(number)
    if tok.kind == "ident" and tok.text in _SCALARS:
        return False, tok.text
    return None


def _left_as_written(source: str, toks: list[Token], statements: list[tuple[int, int]], opener: int) -> bool:
    """Is the object at ``opener`` a pattern (or inside one), in a rule's head or a ``default`` value?"""
    start = next((first for first, end in statements if first <= opener < end), 0)
    if toks[start].text == "default" or not any(
            toks[k].depth == 0 and toks[k].text in _HEAD_ENDS for k in range(start, opener)):
        return True  # a constant, or a function's arguments / a ref head's key
    outer = opener
    for o in enclosing_openers(toks, opener):
        inside = toks[o].depth + 1
        if toks[o].text == "(" or (toks[o].text == "{" and (toks[o - 1].text in ("if", "else")
                                                             or every_body(source, toks, o))) \
                or any(t.text == "|" and t.depth == inside for t in toks[o + 1:outer]):
            break  # a call's argument, a body, a comprehension's body: a place of its own
        outer = o
    close = matching_close(toks, outer) or outer
    before = toks[outer - 1].text if outer > 0 else ""
    after = toks[close + 1].text if close + 1 < len(toks) else ""
    return before in ("=", "some", "every") or after in ("=", ":=", "in")
