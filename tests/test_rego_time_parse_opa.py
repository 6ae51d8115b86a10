"""time.parse_ns and time.parse_rfc3339_ns on regorus are Go's time.Parse, in Python (time_parse_opa).

regorus 0.13.0 (chrono) answered a day of one digit where the layout's `02` takes two, a minute `4` for `04`
and a leading space, where OPA (Go's time.Parse) errors: such text now stops the query at the call's line. It
dropped a `Z07` zone's offset and read a two-digit year 69 as 2069, and stopped with no line on Go's range errors
and on layouts with no day: now answered as Go does, or stopped on the call's line.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.time_parse_opa import go_parse_ns, opa_parse_ns, time_parse_for_regorus
from rego_answers import answer

pytestmark = pytest.mark.skipif("regorus" not in __import__("rego_answers").ENGINES, reason="needs regorus")


@pytest.mark.parametrize(("layout", "text"), [
    ("2006-01-02", "2020-03-4"),  # 02 takes two digits
    ("2006-01-02 15:04", "2020-03-04 01:4"),  # 04 too
    ("2006-01-02", " 2020-03-04"),  # a leading space
    ("2006-01-02", "2020-03-04x"),  # extra text
    ("2006-01-02T15:04:05.000Z07:00", "2020-03-04T01:02:03.12Z"),  # .000 takes three digits
])
def test_text_go_refuses_stops_at_the_call(layout: str, text: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        answer("regorus", f'time.parse_ns("{layout}", input.t)', {"t": text})
    assert caught.value.message.startswith("p.rego:3:"), caught.value.message
    assert "time.parse_ns of text Go's time.Parse does not read" in caught.value.message
    assert text.strip() not in caught.value.message  # the plan's text is never quoted


@pytest.mark.parametrize(("layout", "text", "opa"), [
    ("2006-01-02", "2020-03-04", 1583280000000000000),
    ("2006-1-2", "2020-03-04", 1583280000000000000),  # 1 and 2 take one or two digits
    ("2006-01-02 15:04", "2020-03-04 1:04", 1583283840000000000),  # so does 15
    ("Jan 2 2006", "mar 4 2020", 1583280000000000000),  # names in any case
    ("Jan _2 2006", "Mar  4 2020", 1583280000000000000),
    ("2006-01-02T15:04:05", "2020-03-04T01:02:03.5", 1583283723500000000),  # a fraction after seconds
    ("2006-01-02T15:04:05Z07:00", "2020-03-04T01:02:03+01:00", 1583280123000000000),
    ("3:04PM 2006-01-02", "1:02AM 2020-03-04", 1583283720000000000),
    ("RFC3339", "2020-03-04T01:02:03Z", 1583283723000000000),  # OPA's names are Go's constants
    ("2006-01-02 15:04 Z07", "2024-01-01 23:00 +05", 1704132000000000000),  # regorus dropped the offset
    ("2006-01-02 15:04 -07", "2024-01-01 23:00 -05", 1704168000000000000),  # regorus stopped with no line
    ("01/02/06", "01/02/69", -31449600000000000),  # 69 is 1969 (regorus: 2069)
    ("01/02/06", "01/02/68", 3092688000000000000),  # 68 is 2068
    ("RFC822Z", "02 Jan 69 15:04 -0700", -31370160000000000),
    ("Jan 2 2006 3PM", "Feb 29 2024 12PM", 1709208000000000000),  # regorus: "not enough" with no line
    ("2006-01-02 3PM", "2024-01-01 0PM", 1704110400000000000),
    ("Jan 2 2006 3:04PM", "Feb 29 2024 12:00AM", 1709164800000000000),
    ("2006-01", "2024-01", 1704067200000000000),  # day 1 where the layout has none
    ("2006-01-02T15:04:05,000Z", "2024-02-29T12:00:00,123Z", 1709208000123000000),  # a comma's fraction
    ("2006-01-02 15:04 Z07:00", "2024-01-01 23:00 +24:00", 1704063600000000000),  # Go's range test is hr > 24
])
def test_text_go_reads_answers_as_before(layout: str, text: str, opa: int) -> None:
    assert answer("regorus", f'time.parse_ns("{layout}", input.t)', {"t": text}) == opa


def test_regorus_itself_answers_what_go_refuses(raw_regorus: Callable[[], Any]) -> None:
    # What the check keeps from answering: regorus' own time.parse_ns, without natpolicy's rewrites.
    engine = raw_regorus()
    answered = json.loads(engine.eval_query_as_json('time.parse_ns("2006-01-02", "2020-03-4")'))
    assert answered["result"][0]["expressions"][0]["value"] == 1583280000000000000


@pytest.mark.parametrize(("layout", "text", "says"), [
    ("2006-01-02", "2023-02-29", "day out of range"),  # regorus stopped with no line
    ("2006-01-02", "2024-13-01", "month out of range"),
    ("2006-01-02 15:04", "2024-01-01 24:00", "hour out of range"),
    ("2006-01-02 15:04", "2024-01-01 23:60", "minute out of range"),
    ("Jan 2 2006 3PM", "feb 29 2024 13PM", "hour out of range"),
    ("2006-01-02 15:04 -0700", "2024-01-01 23:00 +2461", "time zone offset out of range"),
    ("15:04", "10:00", "time outside of valid range"),  # year 0: OPA's toSafeUnixNano
])
def test_range_errors_stop_at_the_call(layout: str, text: str, says: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        answer("regorus", f'time.parse_ns("{layout}", input.t)', {"t": text})
    assert caught.value.message.startswith("p.rego:3:") and says in caught.value.message, caught.value.message


def test_the_rewrite_renames_the_call_on_its_line() -> None:
    source = ('package p\nx := time.parse_ns("2006", input.t)\ny := time.parse_ns(`2006`, concat("", [\n  "a"]))\n'
              'z := time.parse_ns("__2 2006", input.t)\n')
    out = time_parse_for_regorus(source)
    assert out.split("\n")[1] == 'x := __natpolicy_time_parse_ns("2006", input.t)'
    assert out.count("\n") == source.count("\n")
    assert '__natpolicy_time_parse_ns(`2006`, concat("", [' in out
    assert out.endswith('z := time.parse_ns("__2 2006", input.t)\n')  # an element not modelled: left to regorus
    assert time_parse_for_regorus("package p\nx := time.parse_ns(input.l, input.t)\n") == \
        "package p\nx := time.parse_ns(input.l, input.t)\n"


def test_the_python_twin() -> None:
    assert go_parse_ns("2006", "2020", "time.parse_ns") == 1577836800000000000
    assert go_parse_ns("2006 ", "2020", "time.parse_ns") == 1577836800000000000  # Go's skip: no space is one
    assert go_parse_ns("2006-01-02T15:04:05Z", "2020-01-01T00:00:00.1234567891Z", "x") == 1577836800123456789
    with pytest.raises(TypeError):
        opa_parse_ns("2006", 5)
    for text in ("20201", "２０２０", "٢٠٢٠"):  # extra text; digits Go does not read (its isDigit is ASCII)
        with pytest.raises(ValueError):
            go_parse_ns("2006", text, "time.parse_ns")
    with pytest.raises(ValueError, match="does not model"):
        go_parse_ns("__2 2006", "  5 2020", "time.parse_ns")
