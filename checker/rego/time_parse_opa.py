"""Go's ``time.Parse`` in Python for regorus: ``time.parse_ns`` with a layout of the elements modelled here, and
``time.parse_rfc3339_ns`` (``add_extension`` replaces regorus' own).

regorus 0.13.0 parses with chrono, which differs from Go both ways, measured (``rego_differential.py --time``):

* it answered text Go refuses: ``time.parse_ns("2006-01-02", "2020-03-4")`` (a day of one digit where ``02``
  takes two), ``"01:4"`` for ``15:04``, a leading space, a leap second ``60`` (Go: "second out of range";
  regorus read the next minute), and in ``time.parse_rfc3339_ns`` a lowercase ``t`` or ``z`` and a space for
  the ``T`` (the layout's ``T`` and ``Z`` match only themselves);
* it answered otherwise: the offset of a ``Z07``/``-07`` zone was dropped (``"+05"`` read as UTC), a two-digit
  year ``69`` was 2069 (Go: 1969 from 69 on), a fraction after a comma 0 ns (Go's ``commaOrPeriod``);
* it stopped, with no line, on what Go reads (an hour of one digit in an RFC 3339 text, an offset of ``+24:00``,
  a layout with no day or minute: "input is not enough for unique date and time") and on Go's range errors
  (month 13, Feb 29 of 2023: "input is out of range").

So the call is renamed to Go's parse here (:func:`time_parse_for_regorus`), on its line: the text is read by
Go's grammar for the layout (:func:`go_elements`: fixed widths for ``01 02 03 04 05 06 2006``, one or two
digits for ``1 2 3 4 5 15``, names in any case, a run of spaces for a space, numeric zones, a fraction after
seconds), then checked for the ranges ``parse`` (format.go) checks, and the instant computed as ``Date`` does;
OPA's ``toSafeUnixNano`` keeps int64 nanoseconds. Text Go refuses stops the query there, as OPA's strict mode
does. A layout holding an element not modelled (``MST``, ``__2``, ``002``, a named layout other than OPA's
``acceptedTimeFormats`` whose Go layouts are modelled) is left to regorus; a layout that is no literal is
refused on regorus (``natpolicy.rego.guards``).
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any

from natpolicy.rego.source import matching_close, tokens

__all__ = ["TIME_PARSE_EXTENSION", "go_elements", "go_parse_ns", "opa_parse_ns", "opa_parse_rfc3339_ns",
           "time_parse_for_regorus"]

TIME_PARSE_EXTENSION = "__natpolicy_time_parse_ns"
RFC3339 = "2006-01-02T15:04:05Z07:00"  # Go's time.RFC3339
# OPA's acceptedTimeFormats (topdown/time.go): names time.parse_ns reads as Go's constants.
_NAMED = {"ANSIC": "Mon Jan _2 15:04:05 2006", "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
          "RubyDate": "Mon Jan 02 15:04:05 -0700 2006", "RFC822": "02 Jan 06 15:04 MST",
          "RFC822Z": "02 Jan 06 15:04 -0700", "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
          "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST", "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
          "RFC3339": RFC3339, "RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00"}
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Go's Parse per std element (format.go): fixed widths for 01, 02, 03, 04, 05, 06, 2006; one or two digits else;
# names case-insensitively. Atomic groups: Go reads each element greedily and never backtracks.
_ELEMENTS = {
    "2006": r"\d{4}", "06": r"\d\d", "01": r"\d\d", "02": r"\d\d", "03": r"\d\d", "04": r"\d\d", "05": r"[0-5]\d",
    "1": r"\d\d?+", "2": r"\d\d?+", "3": r"\d\d?+", "4": r"\d\d?+", "5": r"(?>[0-5]?\d)(?!\d)", "15": r"\d\d?+",
    "_2": r"(?> ?\d\d?+)", "January": f"(?i:{_MONTHS})", "Jan": r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    "Monday": f"(?i:{_DAYS})", "Mon": r"(?i:mon|tue|wed|thu|fri|sat|sun)", "PM": "(?:AM|PM)", "pm": "(?:am|pm)",
    "Z07:00": r"(?:Z|[+-]\d\d:\d\d)", "-07:00": r"[+-]\d\d:\d\d", "Z0700": r"(?:Z|[+-]\d{4})", "-0700": r"[+-]\d{4}",
    "Z07": r"(?:Z|[+-]\d\d)", "-07": r"[+-]\d\d",
}
_SECONDS = frozenset({"5", "05"})  # Go reads a fraction after seconds the layout does not show
_DAYS_IN = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_EPOCH = 719_163  # datetime.date(1970, 1, 1).toordinal()
_INT64 = range(-(2**63), 2**63)


@functools.lru_cache(maxsize=64)
def _grammar(layout: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """What Go's ``time.Parse`` reads for ``layout``, one group per element (named in the tuple: ``.`` for the
    fraction Go reads after seconds the layout does not show), or None where the layout holds an element not
    modelled."""
    # Here, not at the top: time_opa (and its datetime) are imported for a policy that calls time.parse_ns with
    # a literal layout only, not by every run's engine child that reads this module's rewrite (lazy_extensions).
    from natpolicy.rego.time_opa import chunk_at

    layout = _NAMED.get(layout, layout)
    out: list[str] = []
    names: list[str] = []
    index = 0
    while index < len(layout):
        chunk = chunk_at(layout, index)
        if chunk is None:
            if layout[index] == " ":  # Go's skip: a run of spaces reads one or more, or the end of the text
                end = len(layout) - len(layout[index:].lstrip(" "))
                out.append(r"(?: +|\Z)")
                index = end
            else:
                out.append(re.escape(layout[index]))
                index += 1
            continue
        index += len(chunk)
        names.append(chunk)
        if chunk[0] in ".,":
            out.append(rf"([.,]\d{{{len(chunk) - 1}}})" if chunk[1] == "0" else r"((?:[.,]\d++)?+)")
        elif chunk in _ELEMENTS:
            out.append(f"({_ELEMENTS[chunk]})")
            following = chunk_at(layout, index) if index < len(layout) else None
            if chunk in _SECONDS and not (following and following[0] in ".,"):
                out.append(r"((?:[.,]\d++)?+)")
                names.append(".")
        else:
            return None
    return re.compile("".join(out), re.ASCII), tuple(names)  # Go's digits and names are ASCII


def go_elements(layout: str, text: str) -> list[tuple[str, str]] | None:
    """Each element of ``layout`` with the text Go's ``time.Parse`` reads for it, in order, where its grammar reads
    ``text`` whole; None where it does not (Go's error) or the layout holds an element not modelled."""
    grammar = _grammar(layout)
    match = grammar[0].fullmatch(text) if grammar else None
    if grammar is None or match is None:
        return None
    return list(zip(grammar[1], match.groups(), strict=True))


def opa_parse_ns(layout: Any, text: Any) -> int:
    """OPA's ``time.parse_ns`` (``builtinTimeParseNanos``) where :func:`time_parse_for_regorus` renamed it."""
    if not isinstance(layout, str) or not isinstance(text, str):
        raise TypeError("time.parse_ns: operands 1 and 2 must be strings")
    return go_parse_ns(layout, text, "time.parse_ns")


def opa_parse_rfc3339_ns(text: Any) -> int:
    """OPA's ``time.parse_rfc3339_ns``: Go's ``time.Parse(time.RFC3339, text)``. Go tries its RFC 3339 fast path
    first (format_rfc3339.go ``parseRFC3339``), which reads a subset of what the general parse reads, at the
    same instant: so the general parse decides (an hour of one digit, a comma's fraction, an offset of
    ``+24:00`` are Go's too)."""
    if not isinstance(text, str):
        raise TypeError("time.parse_rfc3339_ns: operand 1 must be string")
    return go_parse_ns(RFC3339, text, "time.parse_rfc3339_ns")


def go_parse_ns(layout: str, text: str, builtin: str) -> int:
    """Go's ``time.Parse(layout, text).UnixNano()`` as OPA keeps it (``toSafeUnixNano``), or ValueError where
    either errs (the text itself is not echoed: it may be a value the plan marks sensitive)."""
    elements = go_elements(layout, text)
    if elements is None:
        if _grammar(layout) is None:
            raise ValueError(f"{builtin} with a layout natpolicy does not model (MST, __2, 002)")
        raise ValueError(f"{builtin} of text Go's time.Parse does not read for its layout (a number of another "
                         "width, a leading space, extra text, a second 60): OPA stops there")
    year, month, day, hour, minute, second, nanos, offset = 0, 1, 1, 0, 0, 0, 0, 0
    am = pm = False
    for element, value in elements:
        digits = value.strip()
        if element in ("01", "1"):
            month = _in_range(builtin, "month", int(digits), 1, 12)
        elif element in ("Jan", "January"):
            month = 1 + [name[:len(value)] for name in _MONTHS.split("|")].index(value.lower())
        elif element in ("02", "2", "_2"):
            day = int(digits)  # checked against the month once all is read, as Go does
        elif element == "2006":
            year = int(digits)
        elif element == "06":
            year = int(digits) + (1900 if int(digits) >= 69 else 2000)
        elif element == "15":
            hour = _in_range(builtin, "hour", int(digits), 0, 23)
        elif element in ("03", "3"):
            hour = _in_range(builtin, "hour", int(digits), 0, 12)
        elif element in ("04", "4"):
            minute = _in_range(builtin, "minute", int(digits), 0, 59)
        elif element in ("05", "5"):
            second = int(digits)  # 00 to 59: the grammar's
        elif element[0] in ".," and value:
            nanos = int(value[1:10].ljust(9, "0"))  # parseNanoseconds: nine digits, the rest cut
        elif element in ("PM", "pm"):
            am, pm = am or value.upper() == "AM", pm or value.upper() == "PM"
        elif element[0] in "Z-" and value != "Z":
            offset = _offset(builtin, value)
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)  # Go's proleptic calendar: year 0 is leap
    _in_range(builtin, "day", day, 1, 29 if month == 2 and leap else _DAYS_IN[month - 1])
    if year == 0:  # which Python's date cannot hold: past int64 nanoseconds on any day
        raise ValueError(f"{builtin}: time outside of valid range")
    import datetime as dt  # (see _grammar)

    days = dt.date(year, month, day).toordinal() - _EPOCH
    total = (days * 86400 + hour * 3600 + minute * 60 + second - offset) * 1_000_000_000 + nanos
    if total not in _INT64:
        raise ValueError(f"{builtin}: time outside of valid range")  # toSafeUnixNano
    return total


def _in_range(builtin: str, name: str, number: int, low: int, high: int) -> int:
    if not low <= number <= high:
        raise ValueError(f"{builtin}: Go's time.Parse refuses the text ({name} out of range): OPA errs there")
    return number


def _offset(builtin: str, zone: str) -> int:
    """Seconds east of UTC of a numeric zone (``+05``, ``-0530``, ``+05:30``); Go's range test is ``hr > 24``,
    ``mm > 60`` ("some people do write offsets of 24 hours or 60 minutes or 60 seconds")."""
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 24 or minutes > 60:
        raise ValueError(f"{builtin}: Go's time.Parse refuses the text (time zone offset out of range): OPA errs "
                         "there")
    return (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)


def time_parse_for_regorus(source: str) -> str:
    """``source`` with each ``time.parse_ns(LAYOUT, text)`` call whose layout is a literal this module models
    renamed to :data:`TIME_PARSE_EXTENSION` (:func:`opa_parse_ns`), on its line; any other left alone."""
    if "parse_ns" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int]] = []  # (start, end) of each `time.parse_ns` renamed
    for i in range(len(toks) - 6):
        if [t.text for t in toks[i:i + 4]] != ["time", ".", "parse_ns", "("] or (i and toks[i - 1].text == "."):
            continue
        layout, comma, close = toks[i + 4], toks[i + 5], matching_close(toks, i + 3)
        if layout.kind not in ("string", "raw") or comma.text != "," or close is None or close <= i + 6:
            continue
        value = _literal(layout.text)
        if value is not None and _grammar(value) is not None:
            edits.append((toks[i].offset, toks[i + 2].offset + len("parse_ns")))
    pieces, at = [], 0
    for start, end in edits:
        pieces += [source[at:start], TIME_PARSE_EXTENSION]
        at = end
    return "".join(pieces) + source[at:]


def _literal(text: str) -> str | None:
    try:
        value = json.loads(text) if text.startswith('"') else text[1:-1]
    except ValueError:
        return None
    return value if isinstance(value, str) else None
