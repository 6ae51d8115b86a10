"""OPA's ``time.format``, ``time.add_date``, ``time.date``, ``time.clock``, ``time.weekday`` and ``time.diff``, in
Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/time.go, ``builtinFormat``) reads a number of nanoseconds, or
``[ns, tz]`` or ``[ns, tz, layout]``, and calls Go's ``Time.Format`` with the
layout, ``time.RFC3339Nano`` when none is given. regorus answered otherwise,
silently, measured: ``time.format(1577836800500000000)`` was
``"2020-01-01T00:00:00.500Z"`` (Go trims every trailing zero: ``.5Z``), and the
layout ``MST`` wrote ``-05:00`` (Go: the zone's abbreviation, ``EST``).

Go's layout is read here as ``time/format.go``'s ``nextStdChunk`` reads it (the
longest element first, a fraction only where no digit follows it). A zone
other than ``""`` and ``UTC`` is read from the IANA database through
``zoneinfo``, which holds the same tables Go reads; ``Local`` (the machine's own
zone) and a zone ``zoneinfo`` lacks stop the query, as does a number that is
no whole number of nanoseconds within int64 (OPA: "timestamp too big").

regorus's own ``time.date``, ``time.clock`` and ``time.weekday`` in a zone keep no daylight saving time from
the year 2100 on (measured: ``time.clock([4117600800000000000, "Europe/Berlin"])``, 2100-06-25 10:00 UTC, was
``[11, 0, 0]``; Go applies the zone's rule, ``CET-1CEST,M3.5.0,M10.5.0/3``, for every year after the table's
last transition, ``zoneinfo_read.go``'s ``extend``: ``[12, 0, 0]``), found by ``rego_differential.py --time``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["opa_time_format", "opa_add_date", "opa_time_date", "opa_time_clock", "opa_time_weekday", "opa_time_diff",
           "chunk_at", "go_format"]

RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00"
_INT64 = range(-(2**63), 2**63)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_NUMERIC_ZONES = ("-070000", "-07:00:00", "-0700", "-07:00", "-07")  # nextStdChunk's order of tests


def opa_time_format(value: Any) -> str:
    nanos, zone, layout = _operands(value)
    return go_format(_moment(nanos, zone), nanos % 1_000_000_000, layout or RFC3339_NANO)


def opa_time_date(value: Any) -> list[int]:
    """OPA's ``builtinDate``: Go's ``Time.Date`` of ``tzTime``'s time (a ``[ns, tz, layout]``'s layout read, unused)."""
    moment = _moment(*_operands(value, "time.date")[:2])
    return [moment.year, moment.month, moment.day]


def opa_time_clock(value: Any) -> list[int]:
    moment = _moment(*_operands(value, "time.clock")[:2])
    return [moment.hour, moment.minute, moment.second]


def opa_time_weekday(value: Any) -> str:
    return _DAYS[_moment(*_operands(value, "time.weekday")[:2]).weekday()]


def opa_time_diff(first: Any, second: Any) -> list[int]:
    """OPA's ``builtinDiff`` (icza/gox's diff): both times in the first operand's zone, the earlier one first, then
    ``[years, months, days, hours, minutes, seconds]`` of their wall clocks, each field below zero borrowed from
    the next (a day from the earlier time's month). regorus' own stopped with no line on a zone it lacks
    (``"utc"``: "failed to parse timezone"), found by ``rego_differential.py --time``; here a zone Go lacks stops
    on the call's line, as OPA's ``time.LoadLocation`` error does."""
    early_ns, zone, _ = _operands(first, "time.diff")
    late_ns = _operands(second, "time.diff")[0]  # its zone is read (an unknown one stops) but unused, as in OPA
    if early_ns > late_ns:
        early_ns, late_ns = late_ns, early_ns
    early, late = _moment(early_ns, zone), _moment(late_ns, zone)
    fields = [late.year - early.year, late.month - early.month, late.day - early.day, late.hour - early.hour,
              late.minute - early.minute, late.second - early.second]
    days_in_month = (dt.date(early.year + early.month // 12, early.month % 12 + 1, 1) - dt.timedelta(days=1)).day
    for index, carry in ((5, 60), (4, 60), (3, 24), (2, days_in_month), (1, 12)):
        if fields[index] < 0:
            fields[index] += carry
            fields[index - 1] -= 1
    return fields


def _moment(nanos: int, zone: dt.tzinfo) -> dt.datetime:
    # (floor division: Go's time.Unix(0, ns) keeps the nanoseconds within a second non-negative, as here)
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=nanos // 1000)
    return moment.astimezone(zone)


def opa_add_date(value: Any, years: Any, months: Any, days: Any) -> int:
    """Go's ``Time.AddDate`` in UTC: the date's fields added and then normalised, so a month past a short month's
    end runs into the next (2020-01-31 plus a month is 2020-03-02; regorus answered 2020-02-29)."""
    nanos, zone, _ = _operands(value, "time.add_date")
    if zone is not dt.timezone.utc:
        # Go normalises the local wall clock in the zone (across a DST change too); natpolicy refuses it.
        raise ValueError("time.add_date in a zone other than UTC: natpolicy refuses it")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (years, months, days)):
        raise TypeError("time.add_date: operands 2 to 4 must be integers")
    seconds, within = divmod(nanos, 1_000_000_000)
    day_number, clock = divmod(seconds, 86400)
    date = dt.date(1970, 1, 1) + dt.timedelta(days=day_number)
    year, month0 = divmod((date.year + years) * 12 + date.month - 1 + months, 12)
    if not 1 <= year <= 9999 or abs(days) > 10**8:
        raise ValueError("time.add_date: time outside of valid range")
    shifted = dt.date(year, month0 + 1, 1).toordinal() + date.day - 1 + days - dt.date(1970, 1, 1).toordinal()
    result = (shifted * 86400 + clock) * 1_000_000_000 + within
    if result not in _INT64:
        raise ValueError("time.add_date: time outside of valid range")
    return result


def _operands(value: Any, name: str = "time.format") -> tuple[int, dt.tzinfo, str]:
    zone_name, layout = "", ""
    if isinstance(value, list):
        if not value:
            raise TypeError(f"{name}: operand 1 must be either number (ns) or [number (ns), string (tz)]")
        if len(value) > 1:
            zone_name = value[1]
        if len(value) > 2:
            layout = value[2]
        value = value[0]
        if not isinstance(zone_name, str) or not isinstance(layout, str):
            raise TypeError(f"{name}: operand 1 must be string")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: operand 1 must be number")
    if isinstance(value, float) and not value.is_integer() or int(value) not in _INT64:
        raise ValueError(f"{name}: timestamp too big")
    return int(value), _zone(zone_name, name), layout


def _zone(name: str, builtin: str = "time.format") -> dt.tzinfo:
    if name in ("", "UTC"):
        return dt.timezone.utc
    if name == "Local":
        raise ValueError(f"{builtin} in the zone Local: OPA uses the machine's own zone; natpolicy refuses it")
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError, ImportError):  # ZoneInfoNotFoundError is a KeyError
        # The name itself is never echoed: it may be a value the plan marks sensitive.
        raise ValueError(f"{builtin}: unknown time zone (OPA stops too, unless its Go holds a zone natpolicy's "
                         "Python lacks; natpolicy refuses it)") from None


def go_format(moment: dt.datetime, nanos: int, layout: str) -> str:
    """Go's ``Time.Format(layout)`` of ``moment`` (whose nanoseconds within its second are ``nanos``)."""
    out: list[str] = []
    index = 0
    while index < len(layout):
        chunk = chunk_at(layout, index)
        if chunk is None:
            out.append(layout[index])
            index += 1
            continue
        if chunk[0] in ".,":
            out.append(_fraction(chunk[0], chunk[1:], nanos))
        else:
            out.append(_element(chunk, moment))
        index += len(chunk)
    return "".join(out)


def chunk_at(layout: str, i: int) -> str | None:
    """The std element Go's ``nextStdChunk`` finds at ``layout[i]``, or None where it finds none there."""
    rest, c = layout[i:], layout[i]
    if c == "J" and rest.startswith("Jan"):
        return "January" if rest.startswith("January") else None if _lower_at(rest, 3) else "Jan"
    if c == "M" and rest.startswith("Mon"):
        if rest.startswith("Monday"):
            return "Monday"
        if not _lower_at(rest, 3):
            return "Mon"
    if c == "M" and rest.startswith("MST"):
        return "MST"
    if c == "0" and rest.startswith("002"):
        return "002"
    if c == "0" and len(rest) >= 2 and "1" <= rest[1] <= "6":
        return rest[:2]
    if c == "1":
        return "15" if rest.startswith("15") else "1"
    if c == "2":
        return "2006" if rest.startswith("2006") else "2"
    if c == "_" and rest.startswith("_2"):
        return None if rest.startswith("_2006") else "_2"  # "_2006" is a literal "_", then the year
    if c == "_" and rest.startswith("__2"):
        return "__2"
    if c in "345":
        return c
    if rest.startswith(("PM", "pm")):
        return rest[:2]
    if c in "-Z":
        return next((c + zone[1:] for zone in _NUMERIC_ZONES if rest.startswith(c + zone[1:])), None)
    if c in ".," and len(rest) >= 2 and rest[1] in "09":
        end = 1 + len(rest[1:]) - len(rest[1:].lstrip(rest[1]))  # the "." and its run of 0s or of 9s
        if end < len(rest) and "0" <= rest[end] <= "9":
            return None  # a run of digits that goes on is no fraction
        return rest[:end]
    return None


def _lower_at(text: str, index: int) -> bool:
    return index < len(text) and "a" <= text[index] <= "z"


def _fraction(separator: str, digits: str, nanos: int) -> str:
    text = f"{nanos:09d}"[:len(digits)]
    if digits[0] == "9":
        text = text.rstrip("0")
        return f"{separator}{text}" if text else ""
    return f"{separator}{text}"


def _element(chunk: str, moment: dt.datetime) -> str:
    offset = moment.utcoffset() or dt.timedelta(0)
    seconds = int(offset.total_seconds())
    if chunk.startswith(("-07", "Z07")):
        return _offset(chunk, seconds)
    if chunk == "MST":
        name = moment.tzname() or ""
        return name if name else _offset("-0700", seconds)
    hour12 = moment.hour % 12 or 12
    simple = {
        "January": _MONTHS[moment.month - 1], "Jan": _MONTHS[moment.month - 1][:3],
        "Monday": _DAYS[moment.weekday()], "Mon": _DAYS[moment.weekday()][:3],
        "002": f"{moment.timetuple().tm_yday:03d}", "__2": f"{moment.timetuple().tm_yday:>3d}",
        "01": f"{moment.month:02d}", "02": f"{moment.day:02d}", "03": f"{hour12:02d}",
        "04": f"{moment.minute:02d}", "05": f"{moment.second:02d}", "06": f"{moment.year % 100:02d}",
        "15": f"{moment.hour:02d}", "1": str(moment.month), "2006": _long_year(moment.year), "2": str(moment.day),
        "_2": f"{moment.day:>2d}", "3": str(hour12), "4": str(moment.minute), "5": str(moment.second),
        "PM": "PM" if moment.hour >= 12 else "AM", "pm": "pm" if moment.hour >= 12 else "am",
    }
    return simple[chunk]


def _long_year(year: int) -> str:
    # Go's appendInt(b, year, 4): at least four digits, a minus sign before them.
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _offset(chunk: str, seconds: int) -> str:
    if chunk.startswith("Z") and seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    body = chunk[1:]
    if body == "07":
        return f"{sign}{hours:02d}"
    if body == "0700":
        return f"{sign}{hours:02d}{minutes:02d}"
    if body == "07:00":
        return f"{sign}{hours:02d}:{minutes:02d}"
    if body == "070000":
        return f"{sign}{hours:02d}{minutes:02d}{secs:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
