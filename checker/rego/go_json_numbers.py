"""The numbers of regorus' ``json.marshal`` text written as Go's ``encoding/json`` writes a float64.

conftest hands OPA each input and data number as a float64 written by ``encoding/json`` (``floatEncoder``:
``'f'`` with the shortest digits from 1e-6 below 1e21, else ``'e'`` with ``e-07`` cleaned to ``e-7``; a negative
zero is ``-0``), and OPA's ``json.marshal`` writes that text again. regorus 0.13.0 writes a float with an exponent
already below 1e-5 (``1e-6``, ``1.5e-6``; Go: ``0.000001``, ``0.0000015``), a whole float past 2^64 with one
(``1e+20``; Go: ``100000000000000000000``) and a negative zero as ``-0.0`` (measured). It writes an integer it holds
(an i64 or u64) as its digits, as Go does.

:func:`opa_json_numbers` is a regorus extension run on the text regorus' ``json.marshal`` wrote (marshal_html
wraps each call): each number outside a string is written again from its value as Go writes it; nothing else in
the text changes, so key order, escaping and sets stay as regorus wrote them. An object key is a string there:
one spelling a number Go would write otherwise (``{"1e-6": 1}`` from the number key ``1e-6``, which OPA writes
``{"0.000001":1}``) cannot be told from a string key spelled so, and stops; so does such a key in a rule's
value, the query's answer (:func:`number_key_written_otherwise`, both engines).
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

__all__ = ["NUMBER_KEY", "NUMBERS_EXTENSION", "answer_number", "forget_computed_texts", "go_float64_text",
           "holds_negative_zero", "holds_negative_zero_ascii", "note_computed_text", "number_key_written_otherwise",
           "opa_json_numbers"]

NUMBERS_EXTENSION = "__natpolicy_json_numbers"

# A JSON number; a JSON string, or a number (the text regorus wrote is JSON: a number never touches a letter or a
# point).
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_TOKEN = re.compile(rf'"(?:[^"\\]|\\.)*"|{_NUMBER}')
_NUMBER_TEXT = re.compile(_NUMBER)
_FLOAT_MARKS = frozenset(".eE")
_KEY_FOLLOWS = re.compile(r"\s*:")
# The floats OPA's arithmetic computed in this query (arith_opa) whose text there, big.Float's Text('g', -1), is not
# the one written here (`1.5e-06`, `1.2345675e+06`; here `0.0000015`, `1234567.5`): regorus holds only the value,
# which an input number may share, so json.marshal stops on one (cleared as each query starts, engine_regorus).
_COMPUTED: dict[float, str] = {}
# What a negative zero looks like where a JSON value ends (in a string too: only a hint, checked token by token).
# Led by the literal `-0`, which the regex engine finds by a fast literal search (a leading class made it test
# every byte: 60 ms on a 10k plan's resource_changes, now 5 ms); what stands before it is left to the token pass,
# as is a whole text that is one number (`-0`), which the earlier hint, wanting `:`, `[` or `,` before, missed.
_NEGATIVE_ZERO_HINT = re.compile(r"-0(?:\.0+)?(?:[eE][+-]?[0-9]+)?\s*(?:[,\]}]|\Z)")
# The same hint over an ASCII text's bytes: a str pattern's \s matches these ASCII characters, a bytes one's fewer.
_NEGATIVE_ZERO_HINT_ASCII = re.compile(rb"-0(?:\.0+)?(?:[eE][+-]?[0-9]+)?[\t\n\x0b\x0c\r\x1c-\x1f ]*(?:[,\]}]|\Z)")


def go_float64_text(value: float) -> str:
    """The text Go's ``encoding/json`` writes for the float64 ``value`` (encode.go ``floatEncoder``)."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        # strconv 'e' with the shortest digits: Python's repr there, digits and a two-digit exponent alike
        # (`1e-07`, `1.5e+21`); encoding/json then trims the zero of a negative one-digit exponent.
        return re.sub(r"e-0([0-9])$", r"e-\1", repr(value))
    return format(Decimal(repr(value)), "f")  # strconv 'f', shortest digits: no exponent, no trailing zero


def answer_number(text: str) -> int | float:
    """A float of regorus' answer (its JSON text) as the number OPA answers: a whole one from 2^53 below 1e21 is
    the integer of Go's text of it. conftest hands OPA an input integer past 64 bits as a float64 written by
    ``encoding/json`` (``18446744073709551617`` as ``18446744073709552000``), which a rule's value holds as that
    text; regorus holds the float and answered ``1.8446744073709552e+19`` (rego_differential --strings, seed 36002;
    regopy answered the integer). Every other float is the float (from 1e21 Go writes ``1e+21`` too)."""
    value = float(text)
    if value.is_integer() and _WHOLE_AS_TEXT <= abs(value) < 1e21:
        return int(Decimal(go_float64_text(value)))  # below 1e16 that text ends `.0` (repr's)
    return value


# Below 2^53 a whole float's Go text is its value's digits (regorus answers such a float as the integer anyway).
_WHOLE_AS_TEXT = 2.0**53


def note_computed_text(value: float, text: str) -> None:
    """Note that OPA's arithmetic wrote ``value`` as ``text``, where that is not :func:`go_float64_text`'s."""
    _COMPUTED[value] = text


def forget_computed_texts() -> None:
    _COMPUTED.clear()


def _number_text(token: str) -> str:
    """``token`` (a number regorus wrote) as Go writes the number: an integer as it stands, a float from its
    value."""
    if not _FLOAT_MARKS.intersection(token):
        return token
    return go_float64_text(float(token))


def opa_json_numbers(text: Any) -> Any:
    """The JSON ``text`` regorus wrote, with each number written as Go's ``encoding/json`` writes it."""
    if not isinstance(text, str) or not _FLOAT_MARKS.intersection(text):
        return text  # integers, strings without a point or an exponent: nothing to write otherwise
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            if _KEY_FOLLOWS.match(text, match.end()) and _spells_rewritten_number(token):
                raise ValueError(
                    f"json.marshal of an object key {token}: a number key regorus 0.13.0 writes so where OPA "
                    f"writes {json.dumps(_number_text(json.loads(token)))} (Go's float64 format), or a string "
                    "key spelled as such a number, which natpolicy cannot tell apart; it refuses it")
            continue
        if _COMPUTED and _FLOAT_MARKS.intersection(token) and float(token) in _COMPUTED:
            raise ValueError(
                f"json.marshal of {_COMPUTED[float(token)]}, a number arithmetic computed: OPA writes it so (its "
                f"big.Float text, Text('g', -1)), an input number of that value {_number_text(token)} (conftest's "
                "float64), and regorus 0.13.0 holds the value only; natpolicy refuses it: format it with sprintf")
        rewritten = _number_text(token)
        if rewritten != token:
            out += [text[last:match.start()], rewritten]
            last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _spells_rewritten_number(token: str) -> bool:
    """Is the JSON string ``token`` the whole text of a float regorus writes otherwise than Go?"""
    return _key_written_otherwise(token[1:-1])


def _key_written_otherwise(key: str) -> bool:
    """Is ``key`` the whole text of a float the engine wrote otherwise than OPA (Go's float64 text, or the text
    OPA's arithmetic gave it)?"""
    return bool(_FLOAT_MARKS.intersection(key)) and _NUMBER_TEXT.fullmatch(key) is not None \
        and (_number_text(key) != key or float(key) in _COMPUTED)


# A number key of an object in a rule's value is the engine's text of the number: regorus `1.5e-6`, `-0.0`, `1e+20`,
# regopy `1e-07`, `9.53502e-05`, `1e+16` (measured), where OPA has Go's text (ast.JSON); one cannot tell it from a
# string key spelled so.
NUMBER_KEY = ("holds an object key {key!r}: a number key the engine writes so where OPA writes the number's text "
              "(Go's float64 format, or its arithmetic's), or a string key spelled as such a number, which natpolicy "
              "cannot tell apart; it stops here")


def number_key_written_otherwise(value: Any) -> str | None:
    """The first object key of the rule's ``value`` (an answer, its keys strings) that spells a number the engine
    wrote otherwise than OPA, else None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and _key_written_otherwise(key):
                    return key
                if isinstance(child, (dict, list)):
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, (dict, list)))
    return None


def holds_negative_zero_ascii(utf8: bytes) -> bool:
    """:func:`holds_negative_zero` of the ASCII text ``utf8`` (the child keeps a plan's bytes undecoded), decoded only
    where the hint is found."""
    if _NEGATIVE_ZERO_HINT_ASCII.search(utf8) is None:
        return False
    return holds_negative_zero(utf8.decode("ascii"))


def holds_negative_zero(text: str) -> bool:
    """Does the JSON ``text`` hold a number that is a negative zero (``-0``, ``-0.0``)? regorus holds it as -0.0 and
    hands it to an extension as the integer 0, so natpolicy's ``sprintf`` would print an array holding it ``[0]``
    (OPA: ``[-0]``, the number's text). One regex search over the text; the tokens are read only where it finds
    one (inside a string too: JSON held as a string)."""
    if _NEGATIVE_ZERO_HINT.search(text) is None:
        return False
    return any(token[0] == "-" and float(token) == 0
               for token in (match.group() for match in _TOKEN.finditer(text)) if token[0] != '"')
