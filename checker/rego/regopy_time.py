"""``time.format``, ``time.diff``, ``time.parse_duration_ns``, ``time.parse_ns``, ``time.clock``, ``time.date``
and ``time.weekday``, which regopy 1.5.2 answers otherwise than OPA, as functions that answer as OPA or stop.

Renamed on the same line by :mod:`natpolicy.rego.regopy_builtins` (which
merges these tables into its own). OPA (topdown/time.go) calls Go's ``time``;
regopy, measured:

* ``time.format`` without a layout writes nine fraction digits and ``+00:00``
  (``2020-01-01T00:00:00.000000000+00:00``), where Go's ``RFC3339Nano`` trims
  trailing zeros and writes ``Z`` for a zero offset
  (``2020-01-01T00:00:00Z``). Answered as OPA by trimming regopy's text. A
  layout regopy reads otherwise than Go (most: ``MST`` stays ``MST``, ``_2``
  is ``01``, ``.000`` prints the whole timestamp, ``Month`` becomes
  ``Wedth``) stops the query; a layout of ``2006``, ``01``, ``02``, ``15``,
  ``04`` and ``05``, each apart by at most one of ``-``, ``:``, ``/``, a space
  or ``T``, answers (measured in four zones), and so does the empty layout
  (Go's default). So do ``[ns]`` (undefined there) and the zone ``Local``
  (the machine's own) stop.
* ``time.diff`` borrowed wrongly (``[1, 0, 1, 0, 0, 0]`` for 2020-01-01 to
  2021-01-01; OPA ``[1, 0, 0, 0, 0, 0]``). Answered as OPA's (icza's
  algorithm: each field's difference, a negative one borrowing from the next,
  days from the earlier time's month) from ``time.date`` and ``time.clock``,
  for two numbers; a ``[ns, tz]`` operand stops.
* ``time.parse_duration_ns`` (Go's ``time.ParseDuration``) read ``"1d"`` and ``"1e3s"``, which Go refuses,
  and was undefined on ``""`` and past int64 (Go: an error), on ``"+5m"`` and the Greek ``"1μs"`` (Go reads
  them), and past 2^53 ns it computes with a float64 (``"2562047.788h"`` ends in ``1024``). It answers text
  of digits and Go's units within 2^53 ns; anything else stops.
* ``time.parse_ns`` was undefined on a named layout (``RFC3339``, which OPA maps to Go's constant), on
  ``_2`` and on text Go stops on: undefined now stops. A layout holding the zone abbreviation ``MST``
  stops too: Go reads an abbreviation by the zone of the machine OPA runs on (guards.py refuses a literal
  one on both engines).
* ``time.clock``, ``time.date`` and ``time.weekday`` of a number that is no whole number of nanoseconds
  were undefined; OPA stops ("timestamp too big"). They stop, as does a zone regopy cannot load.
* ``time.add_date`` of ``[ns, tz]`` was undefined, where OPA reads it as ``time.date`` does (``tzTime``; only
  a literal array is a type error, OPA declaring a number): such an operand stops.
* ``time.format``, ``time.diff`` and ``time.add_date`` of a whole number written with an exponent (an input's
  ``1.7066592e+18``) were undefined, where OPA reads it (``tzTime``: ``big.Float``'s ``Int64``, exact): where
  regopy's own call is undefined they stop (``time.add_date`` past Go's range too: OPA's "time outside of valid
  range"). In a zone, a time within a day of int64's ends came out wrapped
  (``time.date([9223372036854775807, "Asia/Kolkata"])`` was ``[1677, 9, 21]``; Go ``[2262, 4, 12]``): it stops.
  (Found by ``rego_differential.py --time``.)
"""
from __future__ import annotations

from natpolicy.rego.sprintf_regopy import REFUSE, private_locals

__all__ = ["TIME_HELPERS", "TIME_RENAMED", "TIME_STOPPING", "ZONE_ERROR", "zone_stop"]

TIME_RENAMED = {
    "time.format": "__natpolicy_time_format",
    "time.diff": "__natpolicy_time_diff",
    "time.parse_duration_ns": "__natpolicy_parse_duration",
    "time.parse_ns": "__natpolicy_parse_ns",
    "time.clock": "__natpolicy_time_clock",
    "time.date": "__natpolicy_time_date",
    "time.weekday": "__natpolicy_time_weekday",
    "time.add_date": "__natpolicy_time_add_date",
}
TIME_STOPPING = {
    "time.format": "a layout other than 2006, 01, 02, 15, 04 and 05 apart by at most one of `-`, `:`, `/`, a space or "
                   "`T` (regopy 1.5.2 reads most of Go's layout otherwise), [ns] alone, the zone Local, a number "
                   "regopy leaves undefined (one written with an exponent), or a zone within a day of int64's ends",
    "time.diff": "a [ns, tz] operand, or a number that is no whole number of nanoseconds or that regopy 1.5.2 leaves "
                 "undefined (one written with an exponent)",
    "time.parse_duration_ns": "text that is not digits and units (ns, us, µs, ms, s, m, h) regopy 1.5.2 reads as Go, "
                              "or a duration past 2^53 ns (regopy read \"1d\" and \"1e3s\", which Go refuses, and "
                              "was undefined on \"+5m\" and \"1μs\", which Go reads)",
    "time.parse_ns": "text or a layout regopy 1.5.2 cannot read (a named layout such as RFC3339, `_2`; OPA reads "
                     "them, or stops), or a layout holding the zone abbreviation MST",
    "time.clock": "a number that is no whole number of nanoseconds (OPA stops), a zone it cannot load, or a "
                  "zone within a day of int64's ends (regopy 1.5.2 wraps)",
    "time.date": "a number that is no whole number of nanoseconds (OPA stops), a zone it cannot load, or a "
                  "zone within a day of int64's ends (regopy 1.5.2 wraps)",
    "time.weekday": "a number that is no whole number of nanoseconds (OPA stops), a zone it cannot load, or a "
                  "zone within a day of int64's ends (regopy 1.5.2 wraps)",
    "time.add_date": "a [ns, tz] operand, a number written with an exponent or a date past Go's range (regopy 1.5.2 "
                     "leaves it undefined; OPA reads the first two, and stops on the last)",
}
# rego-cpp's message where its zone database lacks a zone (the name follows, never echoed: a plan's value)
ZONE_ERROR = "std::chrono::tzdb: cannot locate zone"
_ZONED = ("time.clock", "time.date", "time.weekday", "time.format", "time.diff", "time.add_date")


def zone_stop(sites: list[tuple[str, str]]) -> str:
    """The stop where regopy could not load a zone (:data:`ZONE_ERROR`, which names no line), naming the calls
    that read one (``sites``: (module:line, builtin) of the rewritten builtins). Found by ``rego_differential.py
    --time``: ``time.clock([0, "utc"])`` stopped with rego-cpp's message alone."""
    calls = " or ".join(f"{builtin} at {site}" for site, builtin in dict.fromkeys(sites) if builtin in _ZONED)
    return (f"{calls or 'a time builtin'} given a time zone regopy 1.5.2 cannot load: OPA stops too where Go's zone "
            "database lacks it (only \"\" and \"UTC\" are UTC: \"utc\" is no zone), and reads \"Local\" as the "
            "machine's zone")


# Go's time.ParseDuration, as far as regopy reads it alike: an optional minus, then numbers each with a unit.
_DURATION = "^-?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|ms|s|m|h))+)$"
_LAYOUT = "^(2006|01|02|15|04|05)([-:/ T]?(2006|01|02|15|04|05))*$"
_NANO = "^(.+)[.]([0-9]{9})(Z|[+-][0-9][0-9]:[0-9][0-9])$"
# A time in a zone within a day of int64's ends: regopy 1.5.2 wraps it (a zone's offset is below 24 hours).
_EDGE = 2**63 - 1 - 86_400_000_000_000
_DAYS_IN_MONTH = "[0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]"
# (A leap year is told by floor(), never `%`: regopy 1.5.2's `%` answers wrongly, `2000 % 100` is no JSON there:
# regopy_arith.)

TIME_HELPERS = private_locals(f"""
__natpolicy_time_format(x) := r if {{
  __natpolicy_time_answers(x); not __natpolicy_zone_edge(x); r := __natpolicy_format_answer(x)
}} else := {REFUSE}([x, 0])
__natpolicy_zone_edge(x) if {{ is_array(x); count(x) > 1; is_number(x[0]); x[0] > {_EDGE} }}
__natpolicy_zone_edge(x) if {{ is_array(x); count(x) > 1; is_number(x[0]); x[0] < -{_EDGE} }}
__natpolicy_format_answer(x) := __natpolicy_rfc3339_nano(time.format(x)) if is_number(x)
__natpolicy_format_answer(x) := __natpolicy_rfc3339_nano(time.format(x)) if {{
  is_array(x); count(x) == 2; x[1] != "Local"
}}
__natpolicy_format_answer(x) := time.format(x) if {{
  is_array(x); count(x) == 3; x[1] != "Local"; is_string(x[2]); regex.match("{_LAYOUT}", x[2])
}}
__natpolicy_format_answer(x) := __natpolicy_rfc3339_nano(time.format([x[0], x[1]])) if {{
  is_array(x); count(x) == 3; x[1] != "Local"; x[2] == ""
}}
__natpolicy_time_answers(x) if is_number(x)
__natpolicy_time_answers(x) if {{ is_array(x); count(x) == 2; x[1] != "Local" }}
__natpolicy_time_answers(x) if {{
  is_array(x); count(x) == 3; x[1] != "Local"; is_string(x[2]); regex.match("{_LAYOUT}", x[2])
}}
__natpolicy_time_answers(x) if {{ is_array(x); count(x) == 3; x[1] != "Local"; x[2] == "" }}
__natpolicy_rfc3339_nano(t) := concat("", [
  arr[1], __natpolicy_fraction(trim_right(arr[2], "0")), __natpolicy_zone(arr[3])
]) if {{ arr := regex.find_all_string_submatch_n("{_NANO}", t, 1)[0] }} else := {REFUSE}([t, 0])
__natpolicy_fraction(r) := "" if r == "" else := concat("", [".", r])
__natpolicy_zone(r) := "Z" if r == "+00:00" else := r
__natpolicy_time_diff(a, b) := r if {{
  __natpolicy_ns(a); __natpolicy_ns(b); a <= b; r := __natpolicy_diff_ordered(a, b)
}} else := r if {{
  __natpolicy_ns(a); __natpolicy_ns(b); a > b; r := __natpolicy_diff_ordered(b, a)
}} else := {REFUSE}([a, b])
__natpolicy_ns(x) if {{ is_number(x); round(x) == x }}
__natpolicy_diff_ordered(a, b) := [
  w[0] - v[0] - r[1], r[0], k[0], j[0], i[0], e[0]
] if {{
  v := time.date(a); w := time.date(b); t := time.clock(a); arr := time.clock(b)
  e := __natpolicy_borrow(arr[2] - t[2], 60)
  i := __natpolicy_borrow(arr[1] - t[1] - e[1], 60)
  j := __natpolicy_borrow(arr[0] - t[0] - i[1], 24)
  k := __natpolicy_borrow(w[2] - v[2] - j[1], __natpolicy_days_in(v[0], v[1]))
  r := __natpolicy_borrow(w[1] - v[1] - k[1], 12)
}}
__natpolicy_borrow(x, b) := [x + b, 1] if x < 0 else := [x, 0]
__natpolicy_days_in(x, b) := 29 if {{ b == 2; __natpolicy_leap(x) }} else := {_DAYS_IN_MONTH}[b]
__natpolicy_leap(x) if {{ floor(x / 4) * 4 == x; floor(x / 100) * 100 != x }}
__natpolicy_leap(x) if floor(x / 400) * 400 == x
__natpolicy_parse_duration(x) := r if {{
  is_string(x); regex.match("{_DURATION}", x); r := time.parse_duration_ns(x); abs(r) <= 9007199254740992
}} else := {REFUSE}([x, 0])
__natpolicy_parse_ns(x, t) := r if {{
  is_string(x); not contains(x, "MST"); r := time.parse_ns(x, t)
}} else := {REFUSE}([x, t])
__natpolicy_whole_ns(x) if {{ is_number(x); x == floor(x) }}
__natpolicy_whole_ns(x) if {{
  is_array(x); count(x) > 0; is_number(x[0]); x[0] == floor(x[0]); not __natpolicy_zone_edge(x)
}}
__natpolicy_time_clock(x) := r if {{ __natpolicy_whole_ns(x); r := time.clock(x) }} else := {REFUSE}([x, 0])
__natpolicy_time_date(x) := r if {{ __natpolicy_whole_ns(x); r := time.date(x) }} else := {REFUSE}([x, 0])
__natpolicy_time_weekday(x) := r if {{ __natpolicy_whole_ns(x); r := time.weekday(x) }} else := {REFUSE}([x, 0])
__natpolicy_time_add_date(x, a, b, v) := r if {{
  is_number(x); r := time.add_date(x, a, b, v)
}} else := {REFUSE}([x, a]) if {{ is_number(x) }} else := {REFUSE}([x, a]) if {{
  is_array(x)
}} else := time.add_date(x, a, b, v)
""")
