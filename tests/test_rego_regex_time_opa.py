"""regex.find_n, regex.find_all_string_submatch_n, regex.replace, regex.template_match, time.parse_duration_ns,
time.parse_ns, time.clock, time.date and time.weekday: what an engine answered otherwise than OPA, silently (found
by scripts/rego_differential.py, measured), now answered as OPA or stopped with the call's line (regopy_regex and
regopy_time on regopy; guards' zone-abbreviation check on both).

Each fire is such a case; each near miss must keep answering as before.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from natpolicy.rego.duration_opa import opa_parse_duration_ns
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.guards import engine_refusals
from rego_answers import ENGINES, answer

_REGEX_FIRES = {
    # Go drops an empty match right after a match, regopy kept it: ["a", "", "a", ""]
    'regex.find_n("a|", "aba", -1)': ["a", "a"],
    # Go lists an empty match at each of the three places, regopy two
    'regex.find_all_string_submatch_n("x*", "ab", -1)': [[""], [""], [""]],
    # the same rule in Go's ReplaceAllString (regopy "XaXXcX")
    'regex.replace("abc", "b*", "X")': "XaXcX",
    # $1x is the group named "1x" to Go (none: empty), $1 then x to regopy ("abxc")
    'regex.replace("abc", "(b)", "$1x")': "ac",
    # one empty match of "x*" in "" (regopy: none)
    'regex.find_all_string_submatch_n("x*", "", -1)': [[""]],
    # the text outside the delimiters is quoted (regexp.QuoteMeta): "." is a dot (regopy: true)
    'regex.template_match("urn:foo.{[a-z]+}", "urn:fooXbar", "{", "}")': False,
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", sorted(_REGEX_FIRES))
def test_regex_answers_as_go_or_stops(engine: str, expression: str) -> None:
    if engine == "regorus":
        assert answer(engine, expression) == _REGEX_FIRES[expression]
    else:
        with pytest.raises(EvaluationError, match=r"regex\.\w+ at p\.rego:3 given "):
            answer(engine, expression)


@pytest.mark.parametrize("engine", ENGINES)
def test_regex_near_misses_answer_as_before(engine: str) -> None:
    assert answer(engine, '[regex.find_n("x*", "abc", -1), regex.find_n("b", input.s, -1), '
                          'regex.find_all_string_submatch_n("a(x*)b", "ab axb", -1), regex.replace(input.s, "(b)", "[$1]"), '
                          'regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}"), '
                          'regex.template_match("urn:foo:<[a-z]+>", "urn:foo:bar", "<", ">")]', {"s": "abcb"}) \
        == [["", "", "", ""], ["b", "b"], [["ab", ""], ["axb", "x"]], "a[b]c[b]", True, True]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("duration", ["", "1d", "1e3s", "3000000h"])
def test_durations_go_refuses_stop(engine: str, duration: str) -> None:
    # Go's time.ParseDuration stops on each; regopy read "1d" as a day and "1e3s" as 1000 s, and was undefined on
    # the others.
    with pytest.raises(EvaluationError):
        answer(engine, "time.parse_duration_ns(input.d)", {"d": duration})


@pytest.mark.parametrize("engine", ENGINES)
def test_durations_near_misses(engine: str) -> None:
    assert answer(engine, '[time.parse_duration_ns("1h30m"), time.parse_duration_ns("1.5h"), '
                          'time.parse_duration_ns("-1s"), time.parse_duration_ns("1µs"), time.parse_duration_ns("0"), '
                          'time.parse_duration_ns(".5s"), time.parse_duration_ns("0.1ns"), '
                          'time.parse_duration_ns("1m30.5s")]') \
        == [5400000000000, 5400000000000, -1000000000, 1000, 0, 500000000, 0, 90500000000]


def test_regopy_stops_on_durations_it_cannot_read_as_go() -> None:
    # Go reads "+5m" and the Greek "1μs" (regopy: undefined), and past 2^53 ns regopy computes with a float64.
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    for duration in ("+5m", "1μs", "2562047.788h"):
        with pytest.raises(EvaluationError, match=r"time\.parse_duration_ns at p\.rego:3 given "):
            answer("regopy", "time.parse_duration_ns(input.d)", {"d": duration})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", ['time.parse_ns("RFC3339", "2020-03-04T05:06:07Z")',
                                        'time.parse_ns("_2 Jan 2006", " 4 Mar 2020")'])
def test_layouts_regopy_left_undefined_answer_or_stop(engine: str, expression: str) -> None:
    # OPA maps RFC3339 to Go's constant and reads `_2`; regopy was undefined (it now stops), regorus answers as Go.
    if engine == "regorus":
        assert answer(engine, expression) in (1583298367000000000, 1583280000000000000)
    else:
        with pytest.raises(EvaluationError, match=r"time\.parse_ns at p\.rego:3 given "):
            answer(engine, expression)


def test_a_layout_holding_mst_is_refused_before_it_runs() -> None:
    # Go reads PST by the machine's zone (on a UTC machine: +00:00); regorus read -08:00, regopy gave nothing.
    for layout in ('"02 Jan 06 15:04 MST"', '`Mon Jan _2 15:04:05 MST 2006`', '"RFC1123"'):
        for engine in ("regorus", "regopy"):
            refused = engine_refusals(f'package p\nx := time.parse_ns({layout}, input.t)\n', engine)
            assert any("zone abbreviation MST" in message for _, message in refused), engine
    for layout in ('"2006-01-02 -0700"', '`2006-01-02T15:04:05Z07:00`', '"RFC3339"'):
        assert engine_refusals(f'package p\nx := time.parse_ns({layout}, input.t)\n', "regorus") == []
    assert len(engine_refusals('package p\nx := time.parse_ns(input.l, input.t)\n', "regorus")) == 1


def test_regopy_refuses_every_time_parse_ns() -> None:
    # regopy read numbers of another width than Go's layout element takes ("2020-03-4" for 2006-01-02, an error
    # in OPA), with no hook to check the text as regorus does (time_parse_opa): refused wherever it is called.
    for layout in ('"2006-01-02"', '"RFC3339"', "input.l"):
        refused = engine_refusals(f'package p\nx := time.parse_ns({layout}, input.t)\n', "regopy")
        assert refused and "time.parse_ns answers text Go's time.Parse refuses" in refused[0][1]
    # Near misses: another time builtin, and the name inside a string.
    assert engine_refusals('package p\nx := time.date(0)\ny := "time.parse_ns("\n', "regopy") == []


def test_a_layout_holding_a_non_ascii_character_is_refused_on_regorus(raw_regorus: Callable[[], Any]) -> None:
    # Go's time.Parse reads "é2006"; regorus 0.13.0 sliced the layout by bytes and panicked (the panic's text
    # quoted the character, and named no line).
    for layout in ('"é2006"', '`2006😀`'):
        refused = engine_refusals(f'package p\nx := time.parse_ns({layout}, input.t)\n', "regorus")
        assert len(refused) == 1 and "layout holding a non-ASCII character" in refused[0][1]
    raw = raw_regorus()  # what the guard keeps from running (a layout time_parse_opa models no longer reaches it)
    raw.add_policy("p.rego", 'package p\nx := time.parse_ns("é2006", input.t)\n')
    raw.set_input_json('{"t": "é2020"}')
    with pytest.raises(BaseException, match="char boundary"):
        raw.eval_rule("data.p.x")
    # near misses: an ASCII layout, non-ASCII text to parse (an error in Go too), and regopy, which reads it
    assert engine_refusals('package p\nx := time.parse_ns("2006-01-02", input.t)\n', "regorus") == []
    assert not any("non-ASCII" in message
                   for _, message in engine_refusals('package p\nx := time.parse_ns("é2006", input.t)\n', "regopy"))


@pytest.mark.parametrize("engine", ENGINES)
def test_clock_date_weekday_of_a_fraction_of_a_nanosecond_stop(engine: str) -> None:
    # OPA's tzTime: "timestamp too big" for a number that is no int64; regopy was undefined.
    for expression in ("time.clock(1.5)", "time.date([input.f, \"UTC\"])", "time.weekday(input.f)"):
        with pytest.raises(EvaluationError):
            answer(engine, expression, {"f": 0.5})
    assert answer(engine, '[time.clock([1583298367000000000, "Asia/Kolkata"]), time.date(-1), time.weekday(0)]') \
        == [[10, 36, 7], [1969, 12, 31], "Thursday"]


def test_go_parse_duration_port() -> None:
    # Go's fraction is computed in float64 and truncated; the total may be -2^63 but not 2^63; "+" is read.
    assert [opa_parse_duration_ns(d) for d in ("2562047.788h", "-9223372036.854775808s", "+5m", "1μs", "1.s")] \
        == [9223372036800000000, -9223372036854775808, 300000000000, 1000, 1000000000]
    for bad in ("9223372036.854775808s", "1e3s", "5", ".s", "-", "1 s"):
        with pytest.raises(ValueError) as caught:
            opa_parse_duration_ns(bad)
        assert bad not in str(caught.value)  # never echoed: the text may come from the plan
