"""regopy_builtins: the builtins regopy 1.5.2 answers otherwise than OPA answer as OPA, or stop with their line.

The expected answers are OPA's (topdown: arithCeil/arithFloor, builtinFormatInt, base64.StdEncoding, Go's
strings.NewReplacer, mergeWithOverwrite, coreos/go-semver); each fire has a near miss that must keep answering.
"""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_builtins import builtin_call_edits
from natpolicy.rego.regopy_rewrite import rewrite_for_regopy
from natpolicy.rego.source import tokens
from rego_answers import regopy_answer as answer
from rego_answers import regopy_stops as stops

pytestmark = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")


def test_calls_are_renamed_on_their_line_and_only_calls() -> None:
    source = ("package p\nx := [ceil(1.5), object.union_n([]), strings.replace_n({}, \"a\")]\n"
              "ceil_rule := 1\ny := input.format_int\nz := count([1])\n")
    out = rewrite_for_regopy(source)
    assert out.splitlines()[1] == "x := [__natpolicy_ceil(1.5), __natpolicy_union_n([]), __natpolicy_replace_n({}, \"a\")]"
    assert out.splitlines()[2:5] == ["ceil_rule := 1", "y := input.format_int", "z := count([1])"]
    edits, sites = builtin_call_edits(tokens(source))
    assert len(edits) == 3
    # ceil stops only from 1e21 up (OPA writes every digit, regopy 1e+21: rego24)
    assert [name for _, name in sites] == ["ceil", "object.union_n", "strings.replace_n"]
    assert builtin_call_edits(tokens("package p\nx := count([1])\n")) == ([], [])


def test_abs_of_a_fraction_below_a_millionth_answers_as_opa() -> None:
    # regopy 1.5.2's own abs(3e-08) is 0 (six decimals); OPA's is 3e-08 (big.Float Abs)
    assert answer("[abs(f) | some f in input.fs]", {"fs": [3e-08, -3e-08, 2.5e-10, -1e-07]}) \
        == [3e-08, 3e-08, 2.5e-10, 1e-07]
    # near misses: integers of any size, zero and everyday fractions answer as before
    # (2^60 reaches OPA as conftest hands it, its float64's Go text 1152921504606847000: conftest_numbers.)
    assert answer("[abs(-5), abs(5), abs(0), abs(-1.5), abs(input.big), abs(-0.25)]", {"big": -(2**60)}) \
        == [5, 5, 0, 1.5, 1152921504606847000, 0.25]


def test_trim_space_trims_every_unicode_space_as_opa() -> None:
    # regopy 1.5.2's own trim_space kept U+00A0 and U+2028 (ASCII blanks only); OPA's is Go's strings.TrimSpace
    assert answer("[trim_space(s) | some s in input.a]", {"a": ["\u00a0a\u2028", "\u3000b\u0085", "\u2009c"]}) \
        == ["a", "b", "c"]
    # near misses: ASCII blanks as before, runes that are no spaces stay, a string regopy holds escaped stops
    assert answer('[trim_space("  d "), trim_space(input.z), trim_space("")]', {"z": "\u200be\ufeff"}) \
        == ["d", "\u200be\ufeff", ""]
    with pytest.raises(EvaluationError, match="given to trim_space at p.rego:3"):
        answer("trim_space(input.q)", {"q": " a\"b "})


def test_round_ceil_and_floor_from_2_63_up_answer_as_opa() -> None:
    # regopy 1.5.2's own round(-9.3e18) went through a 64-bit conversion; OPA's is the number itself
    assert answer("[[round(n), ceil(n), floor(n)] | some n in input.a]", {"a": [-9.3e18]}) == [[-9.3e18] * 3]
    # from 1e21 up OPA writes the integer with every digit (FloatToNumber 'f'), regopy 1e+21: each stops (rego24)
    for call in ("round", "ceil", "floor"):
        stops(f"{call}(input.n)", call, {"n": 1e21})
    # near misses: below 2^63, and halves, as before
    # (9.2e18 and 2^60 as conftest hands them over: the integers of their float64s' Go text, conftest_numbers.)
    assert answer("[[round(n), ceil(n), floor(n)] | some n in input.a]", {"a": [9.2e18, -2.5, 2**60]}) \
        == [[9200000000000000000] * 3, [-3, -2, -3], [1152921504606847000] * 3]


def test_json_marshal_and_sprintf_stop_where_regopy_orders_keys_or_elements_otherwise() -> None:
    # regopy 1.5.2 sorted keys by their escaped form ("a#" before "a\"") and a set's strings quoted ("a b" before
    # "a"); OPA writes Go's order of the bytes (rego_differential --strings)
    stops("json.marshal(input.o)", "json.marshal", {"o": {"a#": 1, "a\"": 2}})
    # a set of such strings is written in OPA's order (regopy_builtins' __natpolicy_marshal_ordered)
    assert answer("json.marshal_with_options({s | some s in input.p}, {})", {"p": ["a!", "a"]}) == '["a","a!"]'
    with pytest.raises(EvaluationError, match="prints or orders otherwise"):
        answer('sprintf("%v", [input.o])', {"o": {"a": 1, "a b": 2}})
    # near misses: json.marshal compares object keys by their bytes; one key; a backslash keeps the order
    assert answer("[json.marshal(input.o), json.marshal(input.one), json.marshal(input.b)]",
                  {"o": {"a b": 1, "a": 2}, "one": {"a\"": 1}, "b": {"a]": 1, "a\\": 2}}) \
        == ['{"a":2,"a b":1}', '{"a\\"":1}', '{"a\\\\":2,"a]":1}']


def test_ceil_and_floor_between_minus_one_and_zero_answer_as_opa() -> None:
    assert answer("[ceil(-0.5), floor(-0.5), ceil(-0.001), floor(-0.999)]") == [1, 0, 1, 0]
    # near misses: elsewhere regopy's answer is OPA's
    assert answer("[ceil(-1), floor(-1), ceil(-1.5), floor(-1.5), ceil(0), floor(0), ceil(1.2), floor(1.7)]") \
        == [-1, -1, -1, -2, 0, 0, 2, 1]
    assert answer("ceil(input.n)", {"n": -0.25}) == 1


def test_format_int_truncates_toward_zero_and_signs_every_base() -> None:
    assert answer("[format_int(-255, 2), format_int(-3.7, 10), format_int(-3.7, 16), format_int(-0.5, 10), "
                  "format_int(-8, 8)]") == ["-11111111", "-3", "-3", "0", "-10"]
    # regopy wrote two bits for any number in base 2; binary now comes from base 16
    assert answer("[format_int(255, 2), format_int(0, 2), format_int(1, 2), format_int(65537, 2), "
                  "format_int(4.9, 2)]") == ["11111111", "0", "1", "10000000000000001", "100"]
    assert answer("[format_int(255, 16), format_int(3.7, 10), format_int(10, 8), format_int(123456789, 10)]") \
        == ["ff", "3", "12", "123456789"]


def test_base64_is_valid_wants_padded_quads() -> None:
    assert answer('[base64.is_valid("a"), base64.is_valid("YQ"), base64.is_valid("YW=j"), base64.is_valid("Y!==")]') \
        == [False, False, False, False]
    assert answer('[base64.is_valid(""), base64.is_valid("YQ=="), base64.is_valid("YWI="), base64.is_valid("YWJj"), '
                  'base64.is_valid("YR==")]') == [True, True, True, True, True]
    # Go skips line breaks, which regopy holds escaped: a string holding one stops, never echoed
    message = stops("base64.is_valid(input.s)", "base64.is_valid", {"s": "YQ==\nsecret"})
    assert "secret" not in message
    assert answer("base64.is_valid(input.s)", {"s": "c2VjcmV0"}) is True


def test_replace_n_answers_where_one_pass_and_one_after_another_agree() -> None:
    assert answer('[strings.replace_n({"-": "_", " ": "_"}, "a-b c"), strings.replace_n({"a": "1", "z": "2"}, "ca"), '
                  'strings.replace_n({"a": "aa"}, "ab"), strings.replace_n({}, "ab"), '
                  'strings.replace_n({"ab": "X", "cd": "Y"}, "abcd"), strings.replace_n({"a": "b", "b": "c"}, "x")]') \
        == ["a_b_c", "c1", "aab", "ab", "XY", "x"]


@pytest.mark.parametrize("call", [
    'strings.replace_n({"b": "c", "a": "b"}, "ab")',  # a replacement read again (regopy: "cc")
    'strings.replace_n({"a": "1", "ca": "2"}, "ca")',  # overlapping patterns (regopy: "c1")
    'strings.replace_n({"a": "b", "b": "c"}, "a")',  # one found, another made by its replacement (regopy: "c")
    'strings.replace_n({"c": "", "ab": "X"}, "acb")',  # an empty replacement joins a pattern
    'strings.replace_n({"": "-", "a": "b"}, "ab")',  # an empty pattern: regopy never ends
    'strings.replace_n({"": "-"}, "ab")',
])
def test_replace_n_stops_where_the_two_may_differ(call: str) -> None:
    stops(call, "strings.replace_n")


def test_replace_n_stops_on_text_regopy_holds_escaped() -> None:
    # regopy holds "a\nb" as the six characters a \ n b: the pattern "n" would match inside the escape.
    stops('strings.replace_n({"n": "N"}, input.s)', "strings.replace_n", {"s": "a\nb"})
    stops('strings.replace_n({"x": "y"}, input.s)', "strings.replace_n", {"s": 'say "hi"'})
    # near miss: the same pattern on text regopy holds as it is
    assert answer('strings.replace_n({"n": "N"}, input.s)', {"s": "anb"}) == "aNb"


def test_union_n_stops_where_objects_meet_at_one_key() -> None:
    stops('object.union_n([{"a": {"b": 1}}, {"a": {"c": 2}}])', "object.union_n")
    stops('object.union_n([{"a": {"b": 1}}, {"x": 1}, {"a": {}}])', "object.union_n")
    # near misses: one object per key merges as the right one wins
    assert answer('[object.union_n([{"a": 1}, {"a": 2, "b": 1}]), object.union_n([{"a": {"b": 1}}, {"a": 1}]), '
                  'object.union_n([]), object.union_n([{"a": {"b": 1}}, {"b": {"c": 2}}])]') \
        == [{"a": 2, "b": 1}, {"a": 1}, {}, {"a": {"b": 1}, "b": {"c": 2}}]


def test_union_stops_where_both_objects_hold_an_object_at_one_key() -> None:
    # OPA's mergeWithOverwrite merges {"b": 1} and {"c": 2}; regopy kept the right one, silently.
    stops('object.union({"a": {"b": 1}}, {"a": {"c": 2}})', "object.union")
    stops('object.union(input.o, {"a": {}})', "object.union", {"o": {"a": {"k": "v"}}})
    stops('object.union({"a": {"b": {"x": 1}}}, {"a": {"b": {"y": 1}}})', "object.union")  # a level down
    # near misses: where the right object holds every key of the left (so on down), the merge is the right one
    assert answer('[object.union({"a": {"b": 1}}, {"a": {"b": 2, "c": 2}}), '
                  'object.union({"a": {"b": {"x": 1}, "c": {}}}, {"a": {"b": {"x": 2, "y": 1}, "c": {"d": 1}}}), '
                  'object.union({"a": {"b": false}}, {"a": {"b": true}})]') \
        == [{"a": {"b": 2, "c": 2}}, {"a": {"b": {"x": 2, "y": 1}, "c": {"d": 1}}}, {"a": {"b": True}}]
    # near misses: an object against a scalar, or objects at different keys, answer as OPA
    assert answer('[object.union({"a": {"b": 1}}, {"a": 2}), object.union({"a": 1}, {"a": {"c": 2}}), '
                  'object.union({"a": {"b": 1}}, {"b": {"c": 2}}), object.union({}, {}), '
                  'object.union(input.o, {"b": 1})]', {"o": {"a": {"k": "v"}}}) \
        == [{"a": 2}, {"a": {"c": 2}}, {"a": {"b": 1}, "b": {"c": 2}}, {}, {"a": {"k": "v"}, "b": 1}]


def test_semver_compare_reads_each_part_as_a_number() -> None:
    # regopy answered -1 wherever a later part was lower (semver.compare("2.0.0", "1.10.0"))
    assert answer('[semver.compare("2.0.0", "1.10.0"), semver.compare("10.0.0", "9.0.0"), '
                  'semver.compare("1.0.10", "1.0.2"), semver.compare("3.0.0", "2.5.5")]') == [1, 1, 1, 1]
    assert answer('[semver.compare("1.2.3", "1.10.0"), semver.compare("1.0.0", "2.0.0"), '
                  'semver.compare("1.2.3", "1.2.3"), semver.compare("0.0.0", "0.0.1")]') == [-1, -1, 0, -1]
    assert answer("semver.compare(input.v, \"1.9.0\")", {"v": "1.10.0"}) == 1


@pytest.mark.parametrize("call", [
    'semver.compare("1.0.0-alpha", "1.0.0")', 'semver.compare("1.0.0", "1.0.0+b1")', 'semver.compare("1.0", "1.0.0")',
    'semver.compare("01.2.3", "1.2.3")', 'semver.compare("v1.0.0", "1.0.0")', 'semver.compare(1, "1.0.0")',
])
def test_semver_compare_stops_on_anything_but_major_minor_patch(call: str) -> None:
    stops(call, "semver.compare")
    assert "1.0.0-rc" not in stops("semver.compare(input.v, \"1.0.0\")", "semver.compare", {"v": "1.0.0-rc.1"})


def test_calls_in_a_module_without_them_are_left_alone() -> None:
    source = "package p\nx := upper(\"a\")\n"
    assert "__natpolicy_ceil" not in rewrite_for_regopy(source)


def test_to_number_reads_plain_decimal_text_as_opa() -> None:
    assert answer('[to_number("1"), to_number("-1.5"), to_number(".5"), to_number("+5"), to_number("1e3"), '
                  'to_number("1E-3"), to_number("123456789012345"), to_number(null), to_number(true), to_number(7)]') \
        == [1, -1.5, 0.5, 5, 1000, 0.001, 123456789012345, 0, 1, 7]
    assert answer("to_number(input.port)", {"port": "8080"}) == 8080


@pytest.mark.parametrize("text", [" 1", "0x10", "1_000", "NaN", "inf", "abc", "", "1e400", "1234567890123456",
                                  "123456789012345.25"])
def test_to_number_stops_where_go_refuses_or_digits_would_be_lost(text: str) -> None:
    # regopy read " 1", "0x10", "1_000" as 1, 16, 1 and made "NaN" and "abc" undefined; OPA stops on each
    message = stops("to_number(input.s)", "to_number", {"s": text})
    assert "secret" not in stops("to_number(input.s)", "to_number", {"s": "secret"}) and message


def test_units_answer_what_regopy_reads_and_stop_where_opa_stops() -> None:
    assert answer('[units.parse("10K"), units.parse("1.5Gi"), units.parse_bytes("1KB"), units.parse_bytes("1KiB"), '
                  'units.parse_bytes("100")]') == [10000, 1610612736, 1000, 1024, 100]
    # OPA: "spaces not allowed in resource strings"; regopy was undefined
    stops('units.parse_bytes("1 KB")', "units.parse_bytes")
    stops('units.parse("1 K")', "units.parse")
    stops("units.parse_bytes(input.s)", "units.parse_bytes", {"s": "lots"})  # OPA: unit not recognized
    stops("units.parse(input.s)", "units.parse", {"s": '1"K'})  # held escaped by regopy
    assert answer("units.parse_bytes(input.s)", {"s": "2MiB"}) == 2097152


@pytest.mark.parametrize(("call", "document"), [
    ('yaml.marshal("a")', None),  # regopy: "--- a\n...\n", OPA "a\n"
    ("yaml.marshal(1)", None),
    ('yaml.marshal({"a": "true"})', None),  # OPA (go-yaml) quotes a string that reads as a boolean
    ('yaml.marshal({"b": 1, "a": 2})', None),  # OPA sorts the keys; regopy keeps them as built
    ('yaml.marshal({"a": null})', None),  # OPA writes null; regopy nothing
    ('yaml.marshal({"a": input.s})', {"s": 'say "hi"'}),  # held escaped by regopy
    # near misses of the old guard: even values both engines write alike stop, so that no call is left to chance
    ('yaml.marshal({"a": "b"})', None),
    ("yaml.marshal(input.o)", {"o": {"k": "v w"}}),
])
def test_yaml_marshal_always_stops_on_regopy(call: str, document: Any) -> None:
    stops(call, "yaml.marshal", document)


def test_a_module_without_a_marshal_keeps_the_fast_input() -> None:
    # The appended functions call yaml.marshal themselves: only the module's own text decides.
    engine = create_engine("regopy")
    assert not engine.compile({"p.rego": "package p\nx := ceil(input.n)\n"}, None, ["p/x"]).marshals
    assert engine.compile({"p.rego": "package p\nx := yaml.marshal(input.o)\n"}, None, ["p/x"]).marshals


@pytest.mark.parametrize("call", [
    'json.marshal(split("c,a", ","))',  # OPA: ["c","a"]; regopy wrote no JSON text, so the rule was undefined
    'json.marshal(regex.split("b", "abc"))',
    'json.marshal(regex.find_n("b", "abcb", -1))',
    'json.marshal(indexof_n("abab", "a"))',
    'json.marshal({"k": split(input.s, ",")})',  # held inside another value
    'json.marshal_with_options(split("c,a", ","), {"pretty": true})',
])
def test_json_marshal_of_arrays_builtins_build_stops_instead_of_staying_undefined(call: str) -> None:
    stops(call, call.split("(")[0], {"s": "a,b"})


def test_json_marshal_near_misses_answer_as_opa() -> None:
    assert answer('[json.marshal(["c", "a"]), json.marshal(input.a), json.marshal([e | some e in split("c,a", ",")]), '
                  'json.marshal(count(split("c,a", ","))), json.marshal({"k": "x\\"y"})]', {"a": [1, "b"]}) \
        == ['["c","a"]', '[1,"b"]', '["c","a"]', "2", '{"k":"x\\"y"}']
    # a prefix makes the text no JSON, which is what OPA writes too: the check reads json.marshal's text
    assert answer('json.marshal_with_options({"a": [1]}, {"pretty": true, "prefix": "--"})') \
        == '--{\n--\t"a": [\n--\t\t1\n--\t]\n--}'


def test_replace_with_an_empty_pattern_stops_at_once() -> None:
    # regopy never ended (it filled --rego-memory); near misses answer as before
    stops('replace(input.s, "", "-")', "replace", {"s": "abc"})
    assert answer('[replace("banana", "an", "AN"), replace("abc", "x", ""), replace(input.s, "b", "")]',
                  {"s": "abc"}) == ["bANANa", "abc", "ac"]


def test_each_group_of_helpers_goes_only_with_its_calls() -> None:
    # regopy compiles every appended function: all the groups cost the twins about 2 s of CPU (measured).
    plain = rewrite_for_regopy("package p\nx := ceil(input.n)\n")
    assert "__natpolicy_ceil(" in plain
    for helper in ("__natpolicy_urlquery_encode(", "__natpolicy_time_format(", "__natpolicy_indexof(",
                   "__natpolicy_union(", "__natpolicy_pattern("):
        assert helper not in plain, helper
    used = rewrite_for_regopy("package p\nx := [urlquery.encode(input.s), time.diff(1, 2), indexof(input.s, \"a\"), "
                              "object.union({}, {}), regex.match(input.p, \"a\")]\n")
    for helper in ("__natpolicy_urlquery_encode(", "__natpolicy_time_diff(", "__natpolicy_indexof(",
                   "__natpolicy_union(", "__natpolicy_pattern("):
        assert f"\n{helper}" in used, helper
