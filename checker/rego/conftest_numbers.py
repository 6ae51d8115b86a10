"""Input numbers as conftest hands them to OPA: each one a float64, written back as Go's ``encoding/json`` writes it.

conftest parses every input (JSON with ``encoding/json`` into ``interface{}``; YAML through ``sigs.k8s.io/yaml``,
whose ``Unmarshal`` decodes its JSON the same way; HCL as go-cty JSON) into Go values, so every number becomes a
float64. OPA's ``rego.Input`` then writes the value as JSON and reads it back as number text (``parseRawInput``:
``util.RoundTrip``, ``UseNumber``): OPA holds the text of the float64 (``floatEncoder``), not the file's. Below 2^53
a float64 holds every integer, and its text is the integer's; above it the digits past a float64's precision are
gone: ``12345678901234567890`` is ``12345678901234567000`` to ``sprintf``, ``json.marshal`` and ``==`` (OPA compares
that text's exact value). regorus parses a plan's text itself and held every digit (a u64).

Here each input number from 2^53 up is replaced by the number of its float64's Go text before any engine sees it:
the integer of that text below 1e21 (which regorus holds as an i64/u64, or a float past 64 bits, regopy as the
integer of the JSON text ``regopy_documents`` writes), the float from 1e21 (Go writes ``1e+21``: both engines
hold and write that float). Smaller numbers are left: their value is the float64's (``1.0`` and ``1e2`` reach
both engines as integers already, ``regopy_documents._whole``; a fraction is the float64 everywhere).
A number no float64 holds (``1e400``, an integer of 400 digits) is refused, as ``encoding/json`` refuses it
("cannot unmarshal number ... into Go value of type float64"), where Python read ``inf`` or kept the integer.

``--data`` is not read here: OPA's loader keeps a JSON data file's number text (``data_number_texts``).
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from natpolicy.rego.go_json_numbers import go_float64_text

__all__ = ["INT64_FLOOR_TEXT", "InputNumberError", "RegorusNumberError", "conftest_document", "conftest_json_text",
           "conftest_number", "holds_int64_floor_text"]

# From here a float64 may not hold an integer: below it every number is its own float64's value.
_EXACT = 2**53
_EXPONENT_FROM = 1e21  # Go's floatEncoder writes 'e' from here on: the float stays a float
# The text's bytes with each digit, `.`, `+` and `-` written `0`, `e`/`E` `e`, `:`, `,`, `[` and white space `:`
# (where a JSON value may start) and every other byte `x`: a number that may change, 16 digits or more (2^53 has
# 16) or an exponent, where a value starts, is then `:0` and 15 more `0`s or `0`s and an `e`, a pattern that starts
# with a literal, which Python's re searches fast: 25-50 ms for a 20 MB plan of 10,000 resources with no hit
# (measured; the same search on the text itself took 0.3 s). A hit inside a string (`"a:12345678901234567890"`)
# only costs the token pass.


def _classes() -> bytes:
    table = bytearray(b"x" * 256)
    for number in b"0123456789.+-":
        table[number] = ord("0")
    for source, target in zip(b"eE:,[ \t\r\n", b"ee:::::::", strict=True):
        table[source] = target
    return bytes(table)


_TABLE = _classes()
_MAY_CHANGE = re.compile(rb":0(?:0{15}|0*e)")
_AT_START = re.compile(rb"0(?:0{15}|0*e)")  # _MAY_CHANGE for a number that starts the text
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?')


class InputNumberError(ValueError):
    """An input number no float64 holds: conftest's ``encoding/json`` refuses the file."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 24 else text[:12] + "..." + text[-6:]
        super().__init__(f"holds a number no float64 holds ({shown}): conftest reads input numbers as float64s "
                         "(encoding/json) and refuses it; write it as a string")


class RegorusNumberError(InputNumberError):
    """The input number regorus cannot hold as conftest hands it over (:func:`holds_int64_floor_text`)."""

    def __init__(self) -> None:
        ValueError.__init__(self, f"holds a number conftest hands OPA as {INT64_FLOOR_TEXT} (the float64 -2^63, "
                                  "written by Go), which regorus 0.13.0 holds as -9223372036854775808, a different "
                                  "number to OPA's arithmetic and comparisons: natpolicy refuses it on regorus; run "
                                  "with --rego-engine regopy, or write it as a string")


# The Go text of the float64 -2^63: below int64, so regorus reads the text as a float64, -2^63, which it then holds
# as int64's least integer (measured: abs gave 9223372036854775808, OPA 9223372036854776000). Every other input
# number is held as OPA holds it, or past 64 bits as a float64 natpolicy's guards stop on (docs/rego.md).
INT64_FLOOR_TEXT = "-9223372036854776000"


def holds_int64_floor_text(text: str) -> bool:
    """Does the JSON ``text`` (numbers written as conftest hands them) hold the number ``INT64_FLOOR_TEXT``?"""
    if INT64_FLOOR_TEXT not in text:
        return False
    return any(match.group() == INT64_FLOOR_TEXT for match in _TOKEN.finditer(text))


def conftest_number(value: int | float) -> int | float:
    """``value`` as OPA holds it once conftest has handed it over (see the module's doc)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_EXACT <= value <= _EXACT:
            return value
        try:
            as_float = float(value)
        except OverflowError:
            raise InputNumberError(str(value)) from None
    else:
        if not math.isfinite(value):
            # Python's json reads `1e400` as inf: its text is gone by now.
            raise InputNumberError("past 1.8e308" if not math.isnan(value) else "nan")
        if abs(value) < _EXACT or not value.is_integer():
            return value
        as_float = value
    if abs(as_float) >= _EXPONENT_FROM:
        return as_float
    return int(Decimal(go_float64_text(as_float)))


def _changes(value: Any) -> bool:
    """Does ``value`` hold a number :func:`conftest_number` changes (or refuses)?"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if type(item) is float and not math.isfinite(item):
                return True
            if abs(item) > _EXACT and conftest_number(item) is not item:
                return True
    return False


def conftest_document(value: Any) -> Any:
    """``value`` with every number as conftest hands it to OPA (the same object where none changes)."""
    if not _changes(value):
        return value
    return _converted(value)


def _converted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _converted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_converted(item) for item in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return conftest_number(value)
    return value


def conftest_json_text(text: str | None, utf8: bytes | None = None) -> str | None:
    """JSON ``text`` with every number written as the text of the float64 conftest hands OPA for it, where that
    changes its value (from 2^53 up); strings and every other byte as they are. A text with no hint of such a
    number (the common plan) is returned as it is, searched once. ``utf8``: the text's UTF-8 when the caller
    holds it already (the child reads a plan as its bytes), searched instead of encoding the text again; ``text``
    may then be ``None`` (not decoded yet), which is returned as it is where nothing changes."""
    if utf8 is None:
        assert text is not None, "the text or its UTF-8"
        utf8 = text.encode("utf-8", "surrogatepass")
    if not _may_hold(utf8):
        return text
    return _TOKEN.sub(_token_text, utf8.decode("utf-8") if text is None else text)


# _may_hold's pieces: a piece's classes fit in a core's cache and reuse one allocation, where the whole 8 MB text's
# classes were a fresh buffer each run (about 2,000 page faults: 12 ms against 10 in a new process, measured).
_PIECE = 1 << 16
# Each piece reaches this far into the next: every match of _MAY_CHANGE starts with a match at most 17 bytes long
# (`:` and 16 `0`s, or `:`, up to 15 `0`s and `e`), which then lies whole in the piece holding its first byte.
_OVERLAP = 16


def _may_hold(utf8: bytes, piece: int = _PIECE) -> bool:
    """Do 16 digits or more, or a number with an exponent, stand where a JSON value starts (``_MAY_CHANGE``)?"""
    if _AT_START.match(utf8[:_OVERLAP + 1].translate(_TABLE)) is not None:
        return True
    search = _MAY_CHANGE.search
    return any(search(utf8[start:start + piece + _OVERLAP].translate(_TABLE)) is not None
               for start in range(0, len(utf8), piece))


def _token_text(match: re.Match[str]) -> str:
    token = match.group()
    if token[0] == '"':
        return token
    if "." in token or "e" in token or "E" in token:
        parsed: int | float = float(token)
        if math.isfinite(parsed) and abs(parsed) < _EXACT:
            return token  # its float64's value already (a whole one: an integer to both engines, rego24)
    else:
        parsed = int(token)
        if -_EXACT <= parsed <= _EXACT:
            return token
    try:
        held = conftest_number(parsed)
    except InputNumberError:
        raise InputNumberError(token) from None
    return go_float64_text(held) if isinstance(held, float) else str(held)
