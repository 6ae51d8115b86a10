"""sprintf as OPA prints it: Go's fmt (``sprintf_go``), OPA's argument conversion (``sprintf_opa``, run by
regorus in place of its own sprintf), regopy's rewrite into concat (``sprintf_regopy``) and the guards."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.go_printable import is_go_printable
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_rewrite import rewrite_for_regopy
from natpolicy.rego.sprintf_go import GoFormatRefused, go_quote, go_sprintf
from natpolicy.rego.sprintf_opa import SprintfRefused, opa_sprintf, rego_text

ENGINES = installed_engines()
GO_CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "rego_probes" / "go_fmt_cases.json").read_text(encoding="utf-8"))["cases"]


def _go_value(kind: str, text: str) -> int | float | str:
    return int(text) if kind == "int" else float(text) if kind == "float" else text


@pytest.mark.parametrize("case", GO_CASES, ids=[str(i) for i in range(len(GO_CASES))])
def test_go_fmt_prints_what_go_printed(case: dict[str, Any]) -> None:
    args = [_go_value(kind, text) for kind, text in case["args"]]
    assert go_sprintf(case["format"], args) == case["go"]


@pytest.mark.parametrize(("fmt", "args", "expected"), [
    ("%s", [22], "%!s(int=22)"),
    ("%5s|%-5d|%05d", [22, -3, -3], "%!s(int=   22)|-3   |-0003"),
    ("%v %v %v", [1e6, 123456.0 + 0.5, 1e-5], "1e+06 123456.5 1e-05"),
    ("%x %X % x %#x", ["hi", "hi", "hi", 255], "6869 6869 68 69 0xff"),
    ("%q %+q %#q", ["é\n", "é", "a`b"], '"é\\n" "\\u00e9" "a`b"'),
    ("%d", [1 << 63], "9223372036854775808"),  # past int64: a *big.Int
    ("%T %T %T %T", [1, 1 << 64, 1.5, "a"], "int *big.Int float64 string"),
    ("100%% %d%%", [5], "100% 5%"),
])
def test_go_fmt_by_hand(fmt: str, args: list[int | float | str], expected: str) -> None:
    assert go_sprintf(fmt, args) == expected


@pytest.mark.parametrize(("fmt", "args"), [
    ("%05s", ["ab"]),  # zero-padded text: Go releases disagree
    ("%05d", ["ab"]),  # the same, inside a bad verb
    ("%*d", [5, 3]),
    ("%[2]d %[1]d", [1, 2]),
    ("%x", [1.5]),  # a hex float
    ("%p", [1]),
])
def test_go_fmt_refuses_what_it_does_not_reproduce(fmt: str, args: list[int | float | str]) -> None:
    with pytest.raises(GoFormatRefused):
        go_sprintf(fmt, args)
    assert go_sprintf("%5s|%5d", ["ab", 3]) == "   ab|    3"  # near miss: padding with spaces is fine


def test_opa_conversion_prints_rego_text_in_regos_order() -> None:
    assert opa_sprintf("%s|%d|%v", [True, None, [1, "a", {"b", "a"}]]) == 'true|%!d(string=null)|[1, "a", {"a", "b"}]'
    assert rego_text({"b": 1, "a": {None, False, 3, 1, "x"}}) == '{"a": {null, false, 1, 3, "x"}, "b": 1}'
    assert rego_text(set()) == "set()" and rego_text([]) == "[]" and rego_text({}) == "{}"
    assert go_quote("tab\there\x01\u2028😀") == '"tab\\there\\x01\\u2028😀"'
    with pytest.raises(SprintfRefused, match="non-integer number"):
        rego_text([1.5])  # OPA prints the number as written; regorus does not keep it
    with pytest.raises(SprintfRefused, match="operand 2 must be an array"):
        opa_sprintf("%s", "a")


def test_go_quote_knows_unicode_15_as_go_1_21_and_later_do() -> None:
    # U+1FAE8 (shaking face) is Unicode 15.0: printed as it is by the Go that builds OPA 1.x, unknown (escaped) to
    # Python 3.11's unicodedata (14.0), which go_quote read before. Near-misses: runes Go escapes stay escaped.
    assert go_quote("\U0001fae8\U00031350é") == '"\U0001fae8\U00031350é"'
    assert go_quote("\x7f\u00a0\u00ad\u0378\U0001fae9") == '"\\x7f\\u00a0\\u00ad\\u0378\\U0001fae9"'
    assert opa_sprintf("%v", [["\U0001fae8", "\u200b"]]) == '["\U0001fae8", "\\u200b"]'


def test_the_go_printable_table_agrees_with_pythons_unicode_where_they_share_a_version() -> None:
    version = tuple(int(part) for part in unicodedata.unidata_version.split("."))
    for rune in range(0x80, 0x110000):
        category = unicodedata.category(chr(rune))
        if category[0] in "LMNPS" and version <= (15, 0, 0):
            assert is_go_printable(rune), hex(rune)
        elif is_go_printable(rune) and category[0] not in "LMNPS":
            assert category == "Cn" and version < (15, 0, 0), hex(rune)  # assigned after Python's version
        elif not is_go_printable(rune) and category[0] in "LMNPS":
            assert version > (15, 0, 0), hex(rune)  # assigned after Go's version
    assert [is_go_printable(r) for r in (0x1F, 0x20, 0x7E, 0x7F, 0xA0, 0xA1)] == [False, True, True, False, False, True]


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_runs_opas_sprintf_and_stops_on_the_line_of_what_it_refuses() -> None:
    engine = create_engine("regorus")
    source = ('package p\nx := sprintf("%s %d", [input.n, input.f])\n'
              'y := sprintf("%05s", ["a"])\nz := sprintf("%d", [input.big])\n')
    compiled = engine.compile({"p.rego": source}, None, ["p/x", "p/y", "p/z"])
    prepared = engine.prepare_input_json('{"n": 22, "f": 1.5, "big": 123456789012345678901}')
    assert engine.evaluate(compiled, "p/x", prepared) == "%!s(int=22) %!d(float64=1.5)"
    with pytest.raises(EvaluationError) as refused:
        engine.evaluate(compiled, "p/y", prepared)
    assert refused.value.message.startswith("p.rego:3:") and "the 0 flag pads text" in refused.value.message
    assert "extension" not in refused.value.message and "\n" not in refused.value.message
    with pytest.raises(EvaluationError) as too_big:
        engine.evaluate(compiled, "p/z", prepared)
    assert too_big.value.message.startswith("p.rego:4:") and "integer past 64 bits" in too_big.value.message
    sets = engine.compile({"p.rego": 'package p\nx := sprintf("%v", [{[1], [2]}])\n'}, None, ["p/x"])
    with pytest.raises(EvaluationError, match=r"^p\.rego:2:\d+: .*a set of arrays, objects or sets"):
        engine.evaluate(sets, "p/x", prepared)


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_whole_number_written_as_a_float_is_refused_in_sprintf_arguments(engine_name: str) -> None:
    # An argument itself is formatted with its text (number_texts_regorus, number_texts_regopy); one inside an
    # argument is not.
    shape = "[[{}]]"
    for literal in ("1.0", "1e2", "-0.0", "1.5e1"):
        refusals = engine_refusals(f'package p\nx := sprintf("%d", {shape.format(literal)})\n', engine_name)
        assert refusals and f"number {literal} in a sprintf argument" in refusals[0][1], literal
    for near_miss in ("1", "1.5", "1e-2", "-3"):  # integers and fractions are formatted exactly
        assert engine_refusals(f'package p\nx := sprintf("%v", [{near_miss}])\n', engine_name) == [], near_miss
    # Not a literal in the arguments there (number_literals refuses `x := 1.0` itself, for other reasons).
    assert not any("sprintf" in message
                   for _, message in engine_refusals('package p\nx := 1.0\ny := sprintf("%v", [x])\n', engine_name))


@pytest.mark.parametrize("engine_name", ["regorus", "regopy"])
def test_a_whole_number_written_as_a_float_is_formatted_as_opa(engine_name: str) -> None:
    """OPA hands fmt a float64 for a number whose text is no integer (topdown/strings.go), also through a name
    bound to the literal; regorus is handed the text beside it, regopy's rewrite formats it before it runs."""
    if engine_name not in installed_engines():
        pytest.skip(f"{engine_name} is not installed here")
    engine = create_engine(engine_name)
    source = ('package p\nx := sprintf("%d %d %d %d %v", [1.0, 1e2, -0.0, 1.5e1, 2.0])\n'
              'y := m if {\n  v := 10.0\n  m := sprintf("%.2f %v %d", [v, v > 9, 3])\n}\n')
    assert engine_refusals(source, engine_name) == []
    compiled = engine.compile({"p.rego": source}, None, ["p/x", "p/y"])
    prepared = engine.prepare_input({})
    assert engine.evaluate(compiled, "p/x", prepared) == \
        "%!d(float64=1) %!d(float64=100) %!d(float64=-0) %!d(float64=15) 2"
    assert engine.evaluate(compiled, "p/y", prepared) == "10.00 true 3"


def test_regorus_refuses_only_what_natpolicys_sprintf_does_not_reproduce() -> None:
    for fmt in ("%*d", "%[1]d", "%p", "%-*d"):
        refusals = engine_refusals(f'package p\nx := sprintf("{fmt}", [1, 2])\n', "regorus")
        assert refusals and "natpolicy does not reproduce" in refusals[0][1], fmt
    for fmt in ("%-5s", "%q", "%x", "%#v", "%+.2e", "%%p"):
        assert engine_refusals(f'package p\nx := sprintf("{fmt}", ["a"])\n', "regorus") == [], fmt
    assert engine_refusals('package p\nf := "%s"\nx := sprintf(f, ["a"])\n', "regorus") == []


def test_regopy_rewrite_makes_sprintf_a_concat_on_the_same_lines() -> None:
    source = 'package p\nx := sprintf("%s: %5d, %.1f %% %d", [\n  input.a,\n  input.b, input.c])\ny := 1\n'
    out = rewrite_for_regopy(source)
    assert out.splitlines()[:5] == [
        "package p",
        'x := concat("", [__natpolicy_fmt_s(input.a), ": ", sprintf("%5d", [__natpolicy_fmt_int(input.b)]), ", ", '
        '__natpolicy_fmt_frac(input.c, "%.1f", "%.1d", "f"), " % %!d(MISSING)"])',
        "", "", "y := 1"]  # the call's line breaks stay, so `y` keeps line 5
    refused = {
        'sprintf("%s", args)': "not a literal array",
        'sprintf("%s", [x | x := input.a[_]])': "not a literal array",
        'sprintf("%s", ["a", "b"])': "more arguments than verbs",
        'sprintf("\\u0025s", ["a"])': "\\u escape",
        'sprintf("%x", ["a"])': "sprintf verb '%x'",
    }
    for call, says in refused.items():
        refusals = engine_refusals(f"package p\nargs := [1]\nx := {call}\n", "regopy")
        assert refusals and says in refusals[0][1], call
        assert "concat" not in rewrite_for_regopy(f"package p\nx := {call}\n")  # left to the guards
    assert engine_refusals('package p\nx := sprintf("%s %d %v %+5d %.2f", [1, 2, 3, 4, 5.5])\n', "regopy") == []


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_answers_as_opa_or_stops_with_a_refusal() -> None:
    engine = create_engine("regopy")
    source = ('package p\nx := sprintf("%s|%v|%d|%d|%s", [input.n, input.f, input.s, input.f, [1, "a"]])\n'
              'y := sprintf("%v", [input.large])\nz := sprintf("%.2f", [input.n])\n'
              'f(a) := 1 if a\nf(a) := 2 if a\nw := f(true)\n')
    compiled = engine.compile({"p.rego": source}, None, ["p/x", "p/y", "p/z"])
    prepared = engine.prepare_input({"n": 22, "f": 1.5, "s": "a", "large": 1234567.5})
    assert engine.evaluate(compiled, "p/x", prepared) == '%!s(int=22)|1.5|%!d(string=a)|%!d(float64=1.5)|[1, "a"]'
    # A call inside another's arguments, and a string made by a builtin (regopy's own sprintf leaks its quotes).
    nested = 'package p\nx := sprintf("%s|%5d|[%s]", [sprintf("%s", [22]), 3, upper(input.s)])\n'
    assert engine.evaluate(engine.compile({"p.rego": nested}, None, ["p/x"]), "p/x",
                           engine.prepare_input({"s": 'q"x'})) == '%!s(int=22)|    3|[Q"X]'
    with pytest.raises(EvaluationError, match="a value regopy 1.5.2 prints or orders otherwise than OPA"):
        engine.evaluate(compiled, "p/y", prepared)  # 1.2345675e+06 in OPA
    # An integer given to a float verb is Go's bad verb, the verb's flags formatting the integer as %d would.
    assert engine.evaluate(compiled, "p/z", prepared) == "%!f(int=22)"
    verbs = engine.compile({"p.rego": 'package p\nx := sprintf("%5.1e|%+.3g|%#08.2f|%-4f|%.2f", [input.n, input.n, '
                                      'input.n, input.n, input.f])\ny := sprintf("%.2f", [input.s])\n'
                                      'z := sprintf("%e", [input.big])\n'}, None, ["p/x", "p/y", "p/z"])
    numbers = engine.prepare_input({"n": -3, "f": 1.5, "s": "a", "big": 2 ** 60})
    assert engine.evaluate(verbs, "p/x", numbers) == "%!e(int=   -3)|%!g(int=-003)|%!f(int=     -03)|%!f(int=-3  )|1.50"
    for rule in ("p/y", "p/z"):  # a string and an integer past 2^53 given to a float verb still stop
        with pytest.raises(EvaluationError, match="a value regopy 1.5.2 prints or orders otherwise than OPA"):
            engine.evaluate(verbs, rule, numbers)
    plain = engine.compile({"p.rego": "package p\nf(a) := 1 if a\nf(a) := 2 if a\nw := f(true)\n"}, None, ["p/w"])
    with pytest.raises(EvaluationError) as conflict:  # near miss: a policy's own conflict is not called a sprintf one
        engine.evaluate(plain, "p/w", engine.prepare_input({}))
    assert "sprintf" not in conflict.value.message


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_prints_a_non_integer_with_gos_shortest_digits() -> None:
    # regopy's own %v prints 16 digits (742.0700000000001), which read back as the same float64, so the exactness
    # test let them through: OPA prints 742.07 (Go's shortest). Beside go_sprintf, which Go's output checks.
    engine = create_engine("regopy")
    values = [742.07, 650.78789, 0.1, 326.584, 2.5, -0.5, 1e-07, 1.5e-05, 123456.789, 999999.5, -0.0001, 0.00012345]
    compiled = engine.compile({"p.rego": 'package p\nx := [[sprintf("%v", [f]), sprintf("%s", [f]), sprintf("%d", [f])]'
                                         ' | some f in input.fs]\n'}, None, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({"fs": values})) == [
        [go_sprintf("%v", [f]), go_sprintf("%s", [f]), go_sprintf("%d", [f])] for f in values]
    # Inside a collection OPA prints the number as written: where regopy writes other digits (742.0700000000001),
    # or an exponent, or an integer past 2^53, it stops
    compiled = engine.compile({"p.rego": 'package p\nx := sprintf("%v", [input.c])\n'}, None, ["p/x"])
    for value in ([742.07], {"a": 742.07}, [1e-07], [2**60], [[1.5, 650.78789]]):
        with pytest.raises(EvaluationError, match="a non-integer regopy writes with other digits or an integer past"):
            engine.evaluate(compiled, "p/x", engine.prepare_input({"c": value}))
    # the near miss: integers, strings and a non-integer regopy writes in its shortest digits print as OPA's text
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({"c": [1, "a", {"k": -3.25}, [1.5]]})) \
        == '[1, "a", {"k": -3.25}, [1.5]]'


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_answers_q_and_string_widths_for_plain_text_and_stops_on_the_rest() -> None:
    # Refused at load before (1,880 real policy pairs used `%-40s` or `%q`); Go's fmt pads to a width counted in
    # runes and quotes with strconv.Quote, which for printable ASCII without `"` or `\` is the text as written.
    engine = create_engine("regopy")
    doc = {"a": "ab", "long": "abcdefgh", "e": "", "quote": 'q"x', "back": "a\\b", "accent": "é", "n": 5}
    answers = {
        'sprintf("[%-5s|%5s|%3s|%-4v|%2s]", [input.a, input.a, input.long, input.a, input.a])':
            "[ab   |   ab|abcdefgh|ab  |ab]",
        'sprintf("%q is %s, %q", ["a", "b", input.e])': '"a" is b, ""',
        'sprintf("%-20s%s", ["aws_instance.web", "!"])': "aws_instance.web    !",
    }
    for call, expected in answers.items():
        compiled = engine.compile({"p.rego": f"package p\nx := {call}\n"}, None, ["p/x"])
        assert engine.evaluate(compiled, "p/x", engine.prepare_input(doc)) == expected, call
    for call in ('sprintf("%q", [input.quote])', 'sprintf("%q", [input.back])', 'sprintf("%-5s", [input.accent])',
                 'sprintf("%q", [input.n])', 'sprintf("%5s", [input.n])'):
        compiled = engine.compile({"p.rego": f"package p\nx := {call}\n"}, None, ["p/x"])
        with pytest.raises(EvaluationError, match="a value regopy 1.5.2 prints or orders otherwise than OPA"):
            engine.evaluate(compiled, "p/x", engine.prepare_input(doc))
    for fmt in ("%.2s", "%05s", "%+q", "%#q", "%x"):  # a precision, zero padding, flags: still refused at load
        refusals = engine_refusals(f'package p\nx := sprintf("{fmt}", ["a"])\n', "regopy")
        assert refusals and "sprintf verb" in refusals[0][1], fmt


_PLAIN_FORMATS = ["%s", "%s is listed", "a%sb%sc", "%s%s%s", "%s\u00e9 %s", "", "x", "%ss", "%%s", "%s%%", "%",
                  "%s%", "%%", "%5s", "%-s", "%.1s", "%s %d", "%s %v", "%q"]
_PLAIN_ARGS: list[list[Any]] = [[], ["x"], ["x", "y"], ["x", "y", "z"], [1], ["x", 1], [1.5, "y"], ["%s", "%d"],
                                ["\u2028", ""], ["a", "b", "c", "d"], [2**70, "b"]]


@pytest.mark.parametrize("fmt", _PLAIN_FORMATS)
def test_the_plain_string_shortcut_prints_what_the_verb_loop_prints(fmt: str) -> None:
    """``go_sprintf`` skips its verb loop for a format of bare ``%s`` verbs given as many strings: the same text
    (or the same refusal) as the loop, for those formats and every other, with any arguments."""
    from natpolicy.rego import sprintf_go

    def printed(call: Any, args: list[Any]) -> Any:
        try:
            return call(fmt, args)
        except sprintf_go.GoFormatRefused as exc:
            return ("refused", str(exc))

    for args in _PLAIN_ARGS:
        assert printed(sprintf_go.go_sprintf, args) == printed(sprintf_go._go_sprintf, args), args
