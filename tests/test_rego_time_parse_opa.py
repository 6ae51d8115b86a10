"""time.parse_ns on regorus reads only the text Go's time.Parse reads for the layout (time_parse_opa).

regorus 0.13.0 (chrono) answered a day of one digit where the layout's `02` takes two, a minute `4` for `04`
and a leading space, where OPA (Go's time.Parse) errors: such text now stops the query at the call's line.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.time_parse_opa import opa_time_text, time_text_for_regorus
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
    ("RFC3339", "2020-03-04T01:02:03Z", 1583283723000000000),  # a named layout is left to regorus
])
def test_text_go_reads_answers_as_before(layout: str, text: str, opa: int) -> None:
    assert answer("regorus", f'time.parse_ns("{layout}", input.t)', {"t": text}) == opa


def test_regorus_itself_answers_what_go_refuses(raw_regorus: Callable[[], Any]) -> None:
    # What the check keeps from answering: regorus' own time.parse_ns, without natpolicy's rewrites.
    engine = raw_regorus()
    answered = json.loads(engine.eval_query_as_json('time.parse_ns("2006-01-02", "2020-03-4")'))
    assert answered["result"][0]["expressions"][0]["value"] == 1583280000000000000


def test_the_rewrite_wraps_the_text_on_its_line() -> None:
    source = 'package p\nx := time.parse_ns("2006", input.t)\ny := time.parse_ns(`2006`, concat("", [\n  "a"]))\n'
    out = time_text_for_regorus(source)
    assert out.split("\n")[1] == 'x := time.parse_ns("2006", __natpolicy_time_text("2006", input.t))'
    assert out.count("\n") == source.count("\n")
    assert 'time.parse_ns(`2006`, __natpolicy_time_text(`2006`, concat("", [' in out and '"a"])))' in out
    assert time_text_for_regorus("package p\nx := time.parse_ns(input.l, input.t)\n") == \
        "package p\nx := time.parse_ns(input.l, input.t)\n"


def test_the_python_twin() -> None:
    assert opa_time_text("2006", "2020") == "2020" and opa_time_text("2006", 5) == 5
    assert opa_time_text("__2 2006", "  5 2020") == "  5 2020"  # an element not modelled: left to regorus
    assert opa_time_text("2006 ", "2020") == "2020"  # Go's skip: a space at the end of the text is none
    for text in ("20201", "２０２０", "٢٠٢٠"):  # extra text; digits Go does not read (its isDigit is ASCII)
        with pytest.raises(ValueError):
            opa_time_text("2006", text)
