"""Objects regopy 1.5.2 keys by text: one holding a key that is no string beside a string key of its text stops.

OPA keeps the keys ``1`` and ``"1"`` of ``{1: "a", "1": "b"}`` apart: two keys of two kinds (v1/ast/term.go
compares a key's kind first). regopy 1.5.2 holds both (``count`` is 2) but writes, compares and merges them by
their text (measured): the object comes out as ``{"1": "a"}``, ``json.marshal`` writes the key twice,
``object.union({1: "a"}, {"1": "b"})`` holds one key, and a comprehension over ``[1, "1"]`` builds such an object
too. The same holds for ``true``, ``null``, a number written ``1e2`` (text ``100``) and an array (``[1]``).
A key that is no string can only come from the policy (JSON input and data hold string keys only), so:

* an object literal or comprehension with a key that may be no string (anything but a string literal) is
  wrapped, on its line, in a function that passes the object on unless one of its keys that is no string has
  a string key of its text (regopy's ``json.marshal`` of it) beside it, where it stops the query (``REFUSE``,
  named with its line by ``engine_regopy``);
* a literal whose keys are all literals is decided before anything runs: one with such a pair is refused with
  its line (``literal_key_refusals``), any other is left alone (``{22: "ssh", 3389: "rdp"}`` costs nothing);
* ``object.union`` and ``object.union_n`` stop where such a pair meets across the objects (``regopy_builtins``).

Not guarded (docs/rego.md keeps them): two objects each of one kind compared (``{1: 4} == {"1": 4}`` is true on
regopy) or held in one set, and a partial object rule whose definitions give such a pair. A literal inside a
pattern (``{"a": x} = o``), a function's head or a ``default`` value is left as written: a call there would
change what the statement means (a ``default`` value with such a pair is refused as a literal).
"""
from __future__ import annotations

import json

from natpolicy.rego.regopy_hoist import every_body
from natpolicy.rego.source import Token, enclosing_openers, matching_close
from natpolicy.rego.sprintf_regopy import REFUSE, private_locals
from natpolicy.rego.static_checks import rule_statements

__all__ = ["KEYS_APART", "KEYS_HELPERS", "KEYS_STOPPING", "OBJECT_SITE", "key_kind_edits", "literal_key_refusals"]

KEYS_APART = "__natpolicy_keys_apart"
OBJECT_SITE = "an object literal or comprehension"
KEYS_STOPPING = {OBJECT_SITE: "a key that is no string beside a string key of its text (`{1: \"a\", \"1\": \"b\"}`, "
                              "which regopy 1.5.2 writes, compares and merges as one key)"}
KEYS_HELPERS = private_locals(f"""
{KEYS_APART}(o) := o if not __natpolicy_keys_alike(o)
{KEYS_APART}(o) := {REFUSE}([o, 0]) if __natpolicy_keys_alike(o)
__natpolicy_keys_alike(o) if {{ some k; _ = o[k]; not is_string(k); t := json.marshal(k); _ = o[t] }}
""")
_SCALARS = frozenset({"true", "false", "null"})
_HEAD_ENDS = frozenset({":=", "=", "if", "{", "contains"})


def key_kind_edits(source: str, toks: list[Token]) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Edits wrapping each object literal or comprehension with a key that may be no string in ``KEYS_APART``;
    (offset, ``OBJECT_SITE``) of each."""
    edits: list[tuple[int, int, str]] = []
    sites: list[tuple[int, str]] = []
    statements = list(rule_statements(source, toks))
    for opener, close, keys in _objects(toks):
        if all(_literal_key(toks, first, last) is not None for first, last in keys) \
                or _left_as_written(source, toks, statements, opener):
            continue
        end = toks[close].offset + 1
        edits += [(toks[opener].offset, toks[opener].offset, f"{KEYS_APART}("), (end, end, ")")]
        sites.append((toks[opener].offset, OBJECT_SITE))
    return edits, sites


def literal_key_refusals(toks: list[Token]) -> list[tuple[int, str]]:
    """(offset, message) of each object literal whose literal keys hold one that is no string beside a string
    key of its text."""
    out = []
    for opener, _, keys in _objects(toks):
        literal = [_literal_key(toks, first, last) for first, last in keys]
        strings = {key[1] for key in literal if key is not None and key[0]}
        clash = next((toks[first].text for (first, _), key in zip(keys, literal, strict=True)
                      if key is not None and not key[0] and key[1] in strings), None)
        if clash is not None:
            out.append((toks[opener].offset, f"an object keyed by `{clash}` beside the string key of its text: "
                                             "regopy 1.5.2 writes, compares and merges the two as one key, where "
                                             "OPA keeps them apart; run with --rego-engine regorus"))
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
