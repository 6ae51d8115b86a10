"""The input and data documents as regopy (rego-cpp 1.5.2) is handed them, and what in them it cannot hold.

rego-cpp keeps every string in its JSON-escaped form, iterates an object in
the order its keys were inserted (OPA: sorted), wraps an integer outside
int64 around, writes a float through C's ``%f`` in its ``Input`` and holds 15
significant digits: ``escaped_document`` and ``data_json`` hand a document
over so that regopy reads what OPA reads (as JSON text, a float written as
Go's ``encoding/json`` writes it: ``go_json_dumps``), and mark (``LOSSY``, ``LONG``)
what it cannot; ``first_unreadable_string`` names where a string it holds
escaped is, for the message of a query that stopped on one. Used by
``engine_regopy``.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "LONG", "LOSSY", "NEGATIVE_ZERO", "data_json", "escaped_document", "first_unreadable_string", "go_json_dumps",
    "has_long_float", "has_negative_zero", "int64_or_float",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPE.search(text) else text


_INT64 = range(-(2**63), 2**63)


def data_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON text with every object's keys in OPA's order (see ``escaped_document``)."""
    # The round trip turns the keys a YAML data file may hold (1, true) into the strings OPA would read.
    return go_json_dumps(int64_or_float(json.loads(json.dumps(data))))


def go_float_text(value: float) -> str | None:
    """The text Go's ``encoding/json`` writes for ``value`` where it is not Python's, else None.

    conftest hands OPA each number as a float64 written by ``encoding/json`` (``floatEncoder``: 'e' format
    below 1e-6 and from 1e21, 'e-07' cleaned to 'e-7'; else 'f', shortest digits), and regopy keeps the text
    of a number it reads from JSON text: ``json.marshal``, ``yaml.marshal`` and an object key written from it
    give that text. Python writes below 1e-4 and from 1e16 with an exponent (``9.53502e-05``, ``1e+16``), so
    those are written as Go does (``0.0000953502``, ``10000000000000000``). A whole float from 2^53 below 1e21 is
    written as its exact integer (``100000000000000000000``, Go's text too), which regopy reads as that integer and
    keeps as its text past int64 (measured); an input number there is the integer of its Go text already
    (``conftest_numbers``: 2^63 is ``9223372036854776000``), a data one is OPA's text. ``-0.0`` is left
    (``_whole``, ``has_negative_zero``).
    """
    if not math.isfinite(value) or value == 0:
        return None
    magnitude = abs(value)
    if value.__class__ is _WidenedInteger:
        # Go's shortest digits, as regorus writes the float it holds for such an integer (conftest's text too).
        return format(Decimal(repr(value)), "f") if magnitude < 1e21 else None
    if value.is_integer():
        # The float's exact digits, so that regopy holds its value (an integer outside int64 reaches here as the
        # float, whose value the other engine compares): Go's shortest digits where they are the same (1e20).
        return str(int(value)) if 2**53 <= magnitude < 1e21 else None
    if magnitude >= 1e-4:
        return None  # Python writes 'f' there too, with the same shortest digits
    if magnitude >= 1e-6:
        return format(Decimal(repr(value)), "f")
    return re.sub(r"e-0(\d)$", r"e-\1", repr(value))


def _holds_float(value: Any, test: Callable[[float], bool]) -> bool:
    """Does ``value`` hold a float at any depth for which ``test`` is true?"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if test(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def go_json_dumps(value: Any) -> str:
    """``value`` as JSON text, keys sorted, each float written as Go's ``encoding/json`` writes it
    (``go_float_text``). Python's own writer when no float needs it (the common case, and faster)."""
    if not _holds_float(value, lambda item: go_float_text(item) is not None):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return _go_dumps(value)


def _go_dumps(value: Any) -> str:
    if isinstance(value, float):
        return go_float_text(value) or json.dumps(value)
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: str(item[0]))
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {_go_dumps(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_go_dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# What escaped_document found on its walk: a float regopy's Input would write otherwise (with six decimals, as C's
# %f), a float of more than 15 significant digits, and -0.0 (has_negative_zero).
LOSSY, LONG, NEGATIVE_ZERO = "lossy", "long", "negative_zero"


def _long_float(value: float) -> bool:
    """Is ``value`` a float whose shortest text has more than 15 significant digits?"""
    if not math.isfinite(value) or _whole(value):
        return False
    return len(repr(value).split("e")[0].lstrip("-").replace(".", "").strip("0")) > 15


def has_negative_zero(value: Any) -> bool:
    """Does ``value`` hold ``-0.0``? conftest hands OPA a negative zero as ``-0``, equal to 0 everywhere
    (ast.Compare), which ``json.marshal`` writes ``-0``. regopy 1.5.2 holds -0.0 unequal to 0 inside arrays, sets
    and objects and as a lookup key (``[-0.0] == [0]`` false, ``count({-0.0, 0})`` 2) and writes it ``-0.0``; the
    text ``-0`` it reads as below 0 (all measured)."""
    return _holds_float(value, lambda item: item == 0 and math.copysign(1.0, item) < 0)


def has_long_float(value: Any) -> bool:
    """Does ``value`` hold a float of more than 15 significant digits (``_long_float``)?"""
    return _holds_float(value, _long_float)


def _held_number(value: int | float) -> Any:
    """A number as regopy is handed it: an integer outside int64 as a float (precision lost, order kept) or, beyond
    a float's range, its text, since regopy's Input would wrap it around (12345678901234567890 becomes negative);
    a whole float (``_whole``) as the integer; any other number as it is."""
    if isinstance(value, int) and value not in _INT64:
        try:
            # Written with Go's shortest digits: an input integer is the integer of its float64's Go text already
            # (conftest_numbers), which regorus holds (a u64 below 2^64, else the float); those digits are its own.
            return _WidenedInteger(value)
        except OverflowError:
            return str(value)
    return int(value) if isinstance(value, float) and _whole(value) else value


class _WidenedInteger(float):
    """An integer of the input or data outside int64, handed to regopy as JSON text with Go's shortest digits.

    An input integer from 2^53 up is the integer of its float64's Go text already (``conftest_numbers``:
    ``12345678901234567000`` for ``12345678901234567890``), so those digits are its own, which regopy keeps as its
    text and regorus holds (a u64 below 2^64, else the float; ``18446744073709552000``); not the float's exact
    digits (``go_float_text`` of a whole float), which regopy would write back in ``json.marshal``
    (``18446744073709551616``, measured). A data integer outside int64 is refused where a policy reads it
    (``data_number_texts``).
    """

    __slots__ = ()


def _whole(value: float) -> bool:
    """A float that stands for a whole number below 2^53, not -0.0: ``1.0`` or ``1e2`` in a JSON or YAML file.

    regorus reads such a number as the integer, and conftest hands it to OPA as one (a float64 written
    again by ``encoding/json``), so ``json.marshal`` gives ``1`` and ``100``; regopy would keep the
    float and write ``1.0`` and ``100.0``, which no other engine writes.
    """
    return value.is_integer() and abs(value) < 2**53 and (value != 0 or math.copysign(1.0, value) > 0)


def int64_or_float(value: Any) -> Any:
    """``value`` with integers outside int64 as floats (or their text), as ``escaped_document`` hands them over."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _held_number(value)
    if isinstance(value, dict):
        return {key: int64_or_float(item) for key, item in value.items()}
    if isinstance(value, list):
        return [int64_or_float(item) for item in value]
    return value


def escaped_document(value: Any, found: set[str] | None = None) -> Any:
    """``value`` with every string (keys too) in rego-cpp's escaped form, every object's keys in OPA's order.

    regopy iterates an object in the order its keys were inserted, OPA in its
    sorted order (code-point order of the text, as Python sorts strings); so
    an array comprehension over an input object (``[k | input.tags[k]]``)
    lists what OPA lists only when the keys are inserted sorted.

    Integers outside int64 would wrap around in regopy's Input (12345678901234567890
    becomes negative): they become floats (precision lost, order kept), or,
    beyond a float's range, their decimal text. A whole float becomes the integer (see ``_whole``). ``found`` gets
    ``LOSSY`` for a float regopy's Input would write otherwise (with six decimals, as C's ``%f``), ``LONG`` for
    one of more than 15 significant digits and ``NEGATIVE_ZERO`` for -0.0, found on the same walk.
    """
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        held = _held_number(value)
        if found is not None and isinstance(held, float):
            if float(f"{held:f}") != held or held.__class__ is _WidenedInteger:
                # (a policy that marshals gets JSON text whatever the input holds.) A widened integer too: regopy's
                # Input writes its float with a digit fewer (1.844674407370955e+19 for 2^64, measured), JSON text
                # keeps Go's digits (_WidenedInteger).
                found.add(LOSSY)
            if isinstance(value, float) and _long_float(value):
                found.add(LONG)
            if held == 0 and math.copysign(1.0, held) < 0:
                found.add(NEGATIVE_ZERO)
        return held
    if isinstance(value, dict):
        # JSON's only kind of key is a string; sorted before escaping (`\\` sorts otherwise than the `"` it escapes).
        try:
            keys = sorted(value)
        except TypeError:  # keys of several kinds: never from JSON, kept as they are
            keys = list(value)
        return {(_escape(k) if isinstance(k, str) else k): escaped_document(value[k], found) for k in keys}
    if isinstance(value, list):
        return [escaped_document(v, found) for v in value]
    return value


def first_unreadable_string(value: Any, bytewise: bool = False, path: str = "") -> str | None:
    """The path (``.a[2].b``) of the first string, key or value, holding `"`, `\\` or a control character
    (or, with ``bytewise``, a non-ASCII character); never the string itself, which may be sensitive."""
    if isinstance(value, str):
        return path if _NEEDS_ESCAPE.search(value) or (bytewise and not value.isascii()) else None
    if isinstance(value, dict):
        for key in (sorted(value) if all(isinstance(k, str) for k in value) else list(value)):
            step = f".{key}" if isinstance(key, str) and _IDENTIFIER.match(key) else "[<key>]"
            if isinstance(key, str) and first_unreadable_string(key, bytewise) is not None:
                return path + "[<key>]"
            found = first_unreadable_string(value[key], bytewise, path + step)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_unreadable_string(item, bytewise, f"{path}[{index}]")
            if found is not None:
                return found
    return None
