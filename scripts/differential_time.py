"""``rego_differential.py --time N``: the time builtins on valid and near-valid timestamps and layouts (issue 17).

``--fuzz`` calls builtins with random arguments, which are rarely valid timestamps or Go layouts. Each module here
(Rego v1) calls ``time.parse_rfc3339_ns``, ``time.parse_ns`` (Go layouts: dates, ``Jan 2 2006``, RFC1123,
fractional seconds ``.000``/``.999``, zones ``MST``/``-0700``/``Z07:00``), ``time.format``, ``time.date``,
``time.clock``, ``time.weekday``, ``time.add_date`` (month overflow), ``time.diff`` and
``time.parse_duration_ns`` on generated timestamps near Go's edges (leap years, Feb 29, years 0/9999/10000, negative
ns, ns past int64, zones ``"America/New_York"``/``"Local"``/``""``, ``23:59:60``, lowercase ``t``/``z``,
``+00:00``, missing seconds, comma decimals). OPA's answers: v1/topdown/time.go and Go's ``time`` package. The
queried rule ``x`` is an array holding each observed value in an array (``[t0 | true]``: an undefined one is ``[]``).
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["random_times", "run"]

# RFC 3339 texts, valid and near-valid (Go's time.Parse(time.RFC3339Nano, ...) is OPA's parser)
_RFC3339 = ["2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
            "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807Z",
            "2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z",
            "2016-12-31T23:59:60Z", "2024-01-31t10:00:00z", "2024-01-31T10:00:00+00:00",
            "2024-01-31T10:00:00-00:00", "2024-01-31T10:00Z", "2024-01-31T10:00:00,5Z", "2024-01-31T10:00:00.Z",
            "2024-01-31T10:00:00.123456789123Z", "2024-01-31T10:00:00+05:30", "2024-01-31T10:00:00+24:00",
            "2024-01-31T10:00:00-23:59", "2024-1-31T10:00:00Z", "2024-01-31 10:00:00Z", "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z", "2024-01-31T24:00:00Z", "2024-01-31T10:00:00", "2024-01-31T10:00:00+0530",
            " 2024-01-31T10:00:00Z", "2024-03-10T02:30:00-05:00", "2024-01-31T10:00:00.5+01:00"]
# (layout, value) pairs for time.parse_ns: the value fits the layout, or nearly
_LAYOUTS: list[tuple[str, list[str]]] = [
    ("2006-01-02", ["2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-1-02", "2024-01-02T00:00:00Z"]),
    ("Jan 2 2006", ["Feb 29 2024", "Feb 29 2023", "Jan 31 2024", "jan 2 2006", "January 2 2006", "Jan 02 2006"]),
    ("RFC1123", ["Mon, 02 Jan 2006 15:04:05 MST", "Thu, 29 Feb 2024 10:00:00 EST", "Thu, 29 Feb 2024 10:00:00 UTC",
                 "Wed, 29 Feb 2024 10:00:00 GMT", "Thu, 29 Feb 2024 10:00:00 ABC"]),
    ("RFC3339", ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.5Z", "2024-02-29t12:00:00z"]),
    ("2006-01-02T15:04:05.000Z07:00", ["2024-02-29T12:00:00.123Z", "2024-02-29T12:00:00.12Z",
                                       "2024-02-29T12:00:00.123456+01:00", "2024-02-29T12:00:00Z"]),
    ("2006-01-02T15:04:05.999Z07:00", ["2024-02-29T12:00:00.1Z", "2024-02-29T12:00:00Z",
                                       "2024-02-29T12:00:00.123456789-07:00"]),
    ("2006-01-02 15:04:05 -0700", ["2024-02-29 12:00:00 -0700", "2024-02-29 12:00:00 +0000",
                                   "2024-02-29 12:00:00 -07:00"]),
    ("2006-01-02 15:04:05 MST", ["2024-02-29 12:00:00 MST", "2024-02-29 12:00:00 UTC", "2024-02-29 12:00:00 PST",
                                 "2024-02-29 12:00:00 +0100"]),
    ("02/01/2006 15:04", ["29/02/2024 23:59", "29/02/2023 23:59", "31/04/2024 10:00"]),
    ("2006-01-02T15:04:05,000Z", ["2024-02-29T12:00:00,123Z", "2024-02-29T12:00:00.123Z"]),
    ("Mon Jan _2 15:04:05 2006", ["Thu Feb 29 12:00:00 2024", "Fri Feb 29 12:00:00 2024", "Thu Feb  1 12:00:00 2024"]),
    ("3:04PM", ["3:04PM", "12:00AM", "13:00PM"]),
]
# nanosecond values: around 0, leap days, years 0/9999/10000, int64's ends and past them, floats
_NS = [0, -1, 1, 1709164800000000000, 1709251199999999999, 951782400000000000, -62135596800000000000,
       253402300799000000000, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1706659200000000000,
       1704067200123456789, -86400000000000, 1.5e18, 1706659200000000000.0, 1710054000000000000, 1699164000000000000]
_ZONES = ["UTC", "America/New_York", "Local", "", "Europe/Berlin", "Asia/Kolkata", "Not/AZone", "utc", "EST"]
_FORMATS = ["RFC3339", "RFC3339Nano", "RFC1123", "RFC822", "Kitchen", "ANSIC", "2006-01-02", "Jan 2 2006",
            "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.999Z07:00", "Mon Jan _2 15:04:05 MST 2006",
            "02/01/06 03:04:05PM -0700", "2006 002", "Monday January 2", "15:04:05.000000", "stamp"]
_DURATIONS = ["1h", "1h30m", "-1.5h", "90s", "1ms", "1us", "1µs", "1ns", "0", "", "1d", "1h1h", "+5m", ".5s",
              "1.000000001s", "2562047h47m16.854775807s", "2562048h", "1e3s", "1 h", "3m20.5s", "-0"]
# add_date steps: month overflow (Jan 31 + 1 month), year overflow, negative steps
_STEPS = ["0, 1, 0", "0, 0, 1", "1, 0, 0", "0, -1, 0", "-1, 0, 0", "0, 13, 0", "0, 1, -1", "0, 0, 366", "8000, 0, 0",
          "-2000, 0, 0", "0, 0, -1"]


def random_times(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (module body, input) pairs of modules calling the time builtins; the same for one seed."""
    rng = random.Random(seed)
    return [_module(rng) for _ in range(count)]


def _ns_text(rng: random.Random) -> str:
    """A nanosecond operand: a literal, an input value, or a parsed timestamp."""
    pick = rng.random()
    # (regopy refuses every time.parse_rfc3339_ns, so most operands are numbers, for both engines to answer)
    if pick < 0.6:
        return json.dumps(rng.choice(_NS))
    if pick < 0.8:
        return "input.ns"
    return f"time.parse_rfc3339_ns({json.dumps(rng.choice(_RFC3339))})"


def _timed(rng: random.Random) -> str:
    """An operand of time.date/clock/weekday/add_date: ns, or [ns, zone]."""
    ns = _ns_text(rng)
    return f"[{ns}, {json.dumps(rng.choice(_ZONES))}]" if rng.random() < 0.4 else ns


def _call(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return f"time.parse_rfc3339_ns({json.dumps(rng.choice(_RFC3339))})"
    if kind == 1:
        layout, values = rng.choice(_LAYOUTS)
        value = rng.choice(values) if rng.random() < 0.8 else rng.choice(_RFC3339)
        return f"time.parse_ns({json.dumps(layout)}, {json.dumps(value)})"
    if kind == 2:
        ns = _ns_text(rng)
        pick = rng.random()
        if pick < 0.3:
            return f"time.format({ns})"
        if pick < 0.6:
            return f"time.format([{ns}, {json.dumps(rng.choice(_ZONES))}])"
        return f"time.format([{ns}, {json.dumps(rng.choice(_ZONES))}, {json.dumps(rng.choice(_FORMATS))}])"
    if kind == 3:
        return f"time.date({_timed(rng)})"
    if kind == 4:
        return f"time.clock({_timed(rng)})"
    if kind == 5:
        return f"time.weekday({_timed(rng)})"
    if kind == 6:
        return f"time.add_date({_ns_text(rng)}, {rng.choice(_STEPS)})"
    if kind == 7:
        return f"time.diff({_timed(rng)}, {_timed(rng)})"
    duration = json.dumps(rng.choice(_DURATIONS))
    if rng.random() < 0.5:  # arithmetic on a parsed timestamp and a duration (time.now_ns-free)
        return f"time.date({_ns_text(rng)} + time.parse_duration_ns({duration}))"
    return f"time.parse_duration_ns({duration})"


def _module(rng: random.Random) -> tuple[str, dict[str, Any]]:
    rules, names = [], []
    for k in range(rng.randint(1, 2)):  # few calls: one refused call refuses the module
        # (t, not v: regopy 1.5.2 does not compile a rule named v1 beside `import rego.v1`, measured)
        rules.append(f"t{k} := {_call(rng)}")
        names.append(f"[t{k} | true]")
    rules.append(f"x := [{', '.join(names)}]")
    return "\n".join(rules), {"ns": rng.choice(_NS)}


# natpolicy's own stops name natpolicy or OPA: they are loud
_GUARDED = re.compile(r"natpolicy|OPA|\(or: |regopy 1\.5|regorus 0\.13|do not compile")


def run(args: argparse.Namespace, engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``args.time`` generated modules on ``engines`` and print the differences (differential_runs)."""
    from differential_runs import compare

    return compare(random_times(args.time, args.seed), engines, answer, args.time, args.default_mode, args.all,
                   kind_of=_guarded_as_stopped)


def _guarded_as_stopped(kind: str, text: str) -> str:
    return "stopped" if kind in ("error", "stop") and _GUARDED.search(text) else kind
