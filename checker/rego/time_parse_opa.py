"""Text ``time.parse_ns`` reads on regorus, checked against Go's ``time.Parse`` grammar for its layout first.

regorus 0.13.0 parses with chrono, which is lenient where Go is not, measured:
``time.parse_ns("2006-01-02", "2020-03-4")`` (a day of one digit where ``02``
takes two), ``"01:4"`` for ``15:04`` and ``" 2020-03-04"`` (a leading space)
all answered, where OPA (Go's ``time.Parse``) errors, and so did a leap second ``60`` (Go: "second out of
range"; regorus read the next minute). So on regorus the text
goes through :func:`opa_time_text` first, on the call's own line: text that
does not match what Go reads for the layout stops the query there. Layouts of
the elements modelled here only (numbers, month and day names, AM/PM, numeric
zones, fractions); any other (a named layout such as ``RFC3339``, ``__2``) is
left to regorus as before. The layout is a literal on regorus (natpolicy.rego.guards).
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any

from natpolicy.rego.source import matching_close, tokens
from natpolicy.rego.time_opa import chunk_at

__all__ = ["TEXT_EXTENSION", "opa_time_text", "time_text_for_regorus"]

TEXT_EXTENSION = "__natpolicy_time_text"
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
# The layouts OPA's time.parse_ns takes by name (topdown/time.go), Go's constants: not read as layouts here.
_NAMED = frozenset({"ANSIC", "UnixDate", "RubyDate", "RFC822", "RFC822Z", "RFC850", "RFC1123", "RFC1123Z", "RFC3339",
                    "RFC3339Nano", "Kitchen", "Stamp", "StampMilli", "StampMicro", "StampNano", "DateTime", "DateOnly",
                    "TimeOnly"})


@functools.lru_cache(maxsize=64)
def _grammar(layout: str) -> re.Pattern[str] | None:
    """What Go's ``time.Parse`` reads for ``layout``, or None where the layout holds an element not modelled."""
    if layout in _NAMED:
        return None
    out: list[str] = []
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
        if chunk[0] in ".,":
            out.append(rf"[.,]\d{{{len(chunk) - 1}}}" if chunk[1] == "0" else r"(?:[.,]\d++)?+")
        elif chunk in _ELEMENTS:
            out.append(_ELEMENTS[chunk])
            following = chunk_at(layout, index) if index < len(layout) else None
            if chunk in _SECONDS and not (following and following[0] in ".,"):
                out.append(r"(?:[.,]\d++)?+")
        else:
            return None
    return re.compile("".join(out), re.ASCII)  # Go's digits and names are ASCII


def opa_time_text(layout: Any, text: Any) -> Any:
    """``text`` as it is where Go's grammar for ``layout`` reads it whole (or either is no string); else a stop."""
    if not isinstance(layout, str) or not isinstance(text, str):
        return text  # time.parse_ns reports the operand's type itself
    grammar = _grammar(layout)
    if grammar is not None and grammar.fullmatch(text) and re.search(r",\d", text):
        # Go reads a fraction of a second after a comma as after a period (format.go, commaOrPeriod); regorus
        # 0.13.0 answered without it (",123" for ",000" was 0 ns, measured by rego_differential.py --time)
        raise ValueError("time.parse_ns of a fraction of a second written after a comma: regorus 0.13.0 drops it, "
                         "where OPA reads it; natpolicy refuses it")
    if grammar is None or grammar.fullmatch(text):
        return text
    raise ValueError("time.parse_ns of text Go's time.Parse does not read for its layout (a number of another "
                     "width, a leading space, extra text): OPA stops there, where regorus 0.13.0 answered; natpolicy "
                     "refuses it")


def time_text_for_regorus(source: str) -> str:
    """``source`` with the text of each ``time.parse_ns(LAYOUT, text)`` call, its layout a literal, wrapped in
    :func:`opa_time_text` on its line."""
    if "parse_ns" not in source:
        return source
    toks = tokens(source)
    inserts: list[tuple[int, int, str]] = []
    for i in range(len(toks) - 6):
        if [t.text for t in toks[i:i + 4]] != ["time", ".", "parse_ns", "("] or (i and toks[i - 1].text == "."):
            continue
        layout, comma, close = toks[i + 4], toks[i + 5], matching_close(toks, i + 3)
        if layout.kind not in ("string", "raw") or comma.text != "," or close is None or close <= i + 6:
            continue
        if _literal(layout.text) is None:
            continue
        last = toks[close - 1]
        inserts += [(toks[i + 6].offset, 1, f"{TEXT_EXTENSION}({layout.text}, "),
                    (last.offset + len(last.text), 0, ")")]
    pieces, at = [], 0
    for offset, _, text in sorted(inserts):
        pieces += [source[at:offset], text]
        at = offset
    return "".join(pieces) + source[at:]


def _literal(text: str) -> str | None:
    try:
        value = json.loads(text) if text.startswith('"') else text[1:-1]
    except ValueError:
        return None
    return value if isinstance(value, str) else None
