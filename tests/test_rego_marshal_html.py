"""json.marshal escapes `<`, `>`, `&`, U+2028 and U+2029 as OPA (Go's encoding/json) does (marshal_html)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.marshal_html import ESCAPE_HTML, escape_html_in_marshals

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]


def _run(engine_name: str, source: str, document: Any, rule: str = "x", version: str = "v1") -> Any:
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source}, None, [f"p/{rule}"], rego_version=version)
    return engine.evaluate(compiled, f"p/{rule}", engine.prepare_input(document))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_five_characters_go_escapes_are_escaped_in_what_json_marshal_writes(engine_name: str) -> None:
    source = ('package p\nx := [json.marshal(input), json.marshal_with_options(input.u, {"indent": " "}),\n'
              '  json.marshal(json.marshal("<"))]\n')
    assert _run(engine_name, source, {"u": "a && b > c", "v": "<\u2028\u2029"}) == [
        '{"u":"a \\u0026\\u0026 b \\u003e c","v":"\\u003c\\u2028\\u2029"}',
        '"a \\u0026\\u0026 b \\u003e c"',
        '"\\"\\\\u003c\\""',
    ]


@pytest.mark.parametrize("engine_name", ENGINES)
def test_other_text_and_yaml_marshal_are_written_as_before(engine_name: str) -> None:
    # Near-misses: OPA's yaml.marshal goes through JSON and back, which undoes the escapes
    # (regopy stops on every yaml.marshal: regopy_builtins).
    yaml_call, yaml_text = ("yaml.marshal(input.u)", ["v: a && b\n"]) if engine_name != "regopy" else ("", [])
    source = ('package p\nx := [json.marshal(input.a), ' + (yaml_call + ", " if yaml_call else "")
              + 'json.marshal({"k": "é\\u00e9"})]\n')
    assert _run(engine_name, source, {"a": {"k": "plain"}, "u": {"v": "a && b"}}) == [
        '{"k":"plain"}', *yaml_text, '{"k":"éé"}']


@pytest.mark.parametrize("engine_name", [name for name in ENGINES if name == "regorus"])
def test_a_rego_v0_module_reads_the_appended_function(engine_name: str) -> None:
    source = 'package p\nx = y {\n  y := json.marshal(input)\n}\n'
    assert _run(engine_name, source, {"a": "<"}, version="v0") == '{"a":"\\u003c"}'


def test_each_call_is_wrapped_on_its_own_line_and_others_are_left_alone() -> None:
    source = 'package p\nx := json.marshal(\n  input.a)\ny := data.json.marshal(1)\nz := yaml.marshal(1)\n'
    out = escape_html_in_marshals(source)
    assert out.splitlines()[1:5] == [f"x := {ESCAPE_HTML}(json.marshal(", "  input.a))",
                                     "y := data.json.marshal(1)", "z := yaml.marshal(1)"]
    assert out.count(f"{ESCAPE_HTML}(__natpolicy_s) :=") == 1
    plain = 'package p\nx := yaml.marshal(input)\n'
    assert escape_html_in_marshals(plain) == plain


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_json_marshal_of_input_arrays_answers_on_regopy() -> None:
    # regopy's Input(dict) holds an array's elements as bare scalars, which its json.marshal cannot write
    # (undefined); a module calling a marshal gets its input as JSON text instead.
    engine = create_engine("regopy")
    source = ('package p\nx := [json.marshal(input.a), json.marshal({"k": input.o}),\n'
              '  input.s == "q\\"<", count(input.a)]\n')
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    assert compiled.marshals
    document = {"a": [1, "b"], "o": {"z": [2], "y": 1}, "s": 'q"<'}
    assert engine.evaluate(compiled, "p/x", engine.prepare_input(document)) == [
        '[1,"b"]', '{"k":{"y":1,"z":[2]}}', True, 2]
    plain = engine.compile({"p.rego": "package p\nx := count(input.a)\n"}, None, ["p/x"])
    assert not plain.marshals  # near-miss: no marshal, the faster Input(dict) as before
    assert engine.evaluate(plain, "p/x", engine.prepare_input(document)) == 2


@pytest.mark.parametrize("engine_name", ENGINES)
def test_whole_numbers_written_with_a_point_or_exponent_are_written_as_integers(engine_name: str) -> None:
    # `1.0` and `1e2` in an input or data file: regorus reads the integers, and conftest hands OPA
    # the float64 written again by encoding/json (`1`, `100`); regopy, which kept the floats and wrote
    # `1.0` and `100.0`, now writes what the others write. Near-misses keep their form: 0.5 and 1e300 (no integer
    # below 2^53). (-0.0: regorus writes -0, go_json_numbers; regopy stops, engine_regopy's _NEGATIVE_ZERO.)
    document = json.loads('{"a": 1.0, "b": 1e2, "c": [2.0, 3], "e": 0.5, "f": 1e300}')
    engine = create_engine(engine_name)
    source = "package p\nx := [json.marshal(input), json.marshal(data.d), input.a == 1, data.d.k + 1]\n"
    compiled = engine.compile({"p.rego": source}, {"d": {"k": 4.0}}, ["p/x"])
    written, from_data, equal, total = engine.evaluate(compiled, "p/x", engine.prepare_input(document))
    assert json.loads(written) == document  # the same values
    assert written == '{"a":1,"b":100,"c":[2,3],"e":0.5,"f":1e+300}'
    assert (from_data, equal, total) == ('{"k":4}', True, 5)


def _go_marshal_indent(value: Any, prefix: str, indent: str) -> str:
    """OPA's json.marshal_with_options with a prefix or indent: Go's MarshalIndent (the values' `<`, `>`, `&`
    escaped, the prefix and indent as they are) after the prefix (builtinJSONMarshalWithOpts)."""
    text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return "\n".join(prefix + indent * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ")
                     for line in text.split("\n"))


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize(("prefix", "indent"), [
    ("<p>", "&"), ("", "\u2028"), ("\u0001\"\\", "\t"), ("é > ", "<>"), ("X", "XX"), ("GHX", "  "),
    ("a", "<"), ("<", ""), ("ab", "  "), ("", ""), ("Q", "&"),  # one needs stand-ins, or neither does
])
def test_regorus_writes_the_prefix_and_indent_as_go_does(prefix: str, indent: str) -> None:
    # Go's encoding/json Indent writes them as they are; natpolicy escaped them with the text before. Stand-in
    # letters (X, G-V) in them, and values beside them, come out as they are too.
    value = {"a": ["<&>", 1, {"b": []}], "c": {}, "X": "XJSX\nGH"}
    source = 'package p\nx := json.marshal_with_options(input.v, {"prefix": input.p, "indent": input.i})\n'
    assert _run("regorus", source, {"v": value, "p": prefix, "i": indent}) == _go_marshal_indent(value, prefix, indent)


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
def test_regorus_keeps_the_lines_in_order_and_the_options_errors_as_they_were() -> None:
    value = {f"k{n:03}": [n, {"v": "<"}] for n in range(120)}
    source = 'package p\nx := json.marshal_with_options(input.v, {"indent": "&"})\n'
    assert _run("regorus", source, {"v": value}) == _go_marshal_indent(value, "", "&")
    # Near misses: options that are no object, or a prefix that is no string, reach the builtin as written.
    for options in ('"x"', '{"prefix": 1}', '{"nosuch": "<"}'):
        bad = f'package p\nx := json.marshal_with_options(1, {options})\n'
        with pytest.raises(EvaluationError):
            _run("regorus", bad, {})


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
@pytest.mark.parametrize("options", [
    '{"prefix": "<"}', '{"indent": "&"}', '{"indent": "\\t"}', '{"prefix": "\\""}', '{"prefix": "é"}',
    '{"indent": input.i}',
])
def test_regopy_stops_on_a_prefix_or_indent_it_would_write_otherwise(options: str) -> None:
    # regopy writes them as a JSON string's content (a tab as `\t`, measured), and the escape would reach `<`.
    source = f'package p\nx := json.marshal_with_options({{"a": [1]}}, {options})\n'
    with pytest.raises(EvaluationError, match="prefix or indent"):
        _run("regopy", source, {"i": "\u2028"})


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy is not installed here")
def test_regopy_answers_a_plain_prefix_and_indent_and_the_default_one() -> None:
    source = ('package p\nx := [json.marshal_with_options({"a": ["<"]}, {"prefix": "# ", "indent": input.i}),\n'
              '  json.marshal_with_options({"a": ["<"]}, {"pretty": true})]\n')
    assert _run("regopy", source, {"i": "  "}) == [_go_marshal_indent({"a": ["<"]}, "# ", "  "),
                                                   _go_marshal_indent({"a": ["<"]}, "", "\t")]


def test_the_options_are_handed_over_with_stand_ins_on_the_calls_line() -> None:
    source = 'package p\nx := json.marshal_with_options(input.v,\n  {"prefix": "<"})\ny := json.marshal(1)\n'
    lines = escape_html_in_marshals(source).splitlines()
    assert lines[1:4] == ["x := __natpolicy_json_html_lines(json.marshal_with_options(input.v,",
                          '  __natpolicy_json_opts({"prefix": "<"})))', f"y := {ESCAPE_HTML}(json.marshal(1))"]
    # regopy's rewrite keeps the whole text escaped (it stops on a prefix or indent the escape would reach).
    assert escape_html_in_marshals(source, options_apart=False).splitlines()[1] == \
        f"x := {ESCAPE_HTML}(json.marshal_with_options(input.v,"
