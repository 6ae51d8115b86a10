"""regopy answers OPA's object order and OPA's order across kinds (issue 17).

regopy 1.5.2 iterates an object in the order its keys were inserted and
orders values of different kinds otherwise than OPA; natpolicy hands it
documents with sorted keys (``engine_regopy``), reads policy-built objects
sorted where an array comprehension iterates them (``regopy_rewrite``) and
compares across kinds in Rego (``regopy_compare``). The probes in
``tests/rego_probes/probes.yaml`` hold OPA's answers; these tests pin the
rewrites themselves and the cases the probes cannot express (data documents,
the refusal).
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED, EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.go_printable import PRINTABLE_RANGES, is_go_printable
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_compare import COMPARE
from natpolicy.rego.regopy_documents import data_json, escaped_document
from natpolicy.rego.regopy_rewrite import rewrite_for_regopy
from natpolicy.rego.sprintf_opa import opa_sprintf
from natpolicy.rego.sprintf_regopy import go_printable_rules

REGOPY = "regopy" in installed_engines()
needs_regopy = pytest.mark.skipif(not REGOPY, reason="regopy is not installed here")


def _evaluate(source: str, rule: str, document: Any = None, data: dict[str, Any] | None = None) -> Any:
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, data, [f"p/{rule}"])
    return engine.evaluate(compiled, f"p/{rule}", engine.prepare_input(document or {}))


def test_input_objects_reach_regopy_with_their_keys_sorted_at_every_level() -> None:
    document = {"z": {"y": 1, "b": [{"q": 1, "c": 2}]}, "a": ['say "hi"', "x"], 'k"': 0}
    prepared = escaped_document(document)
    assert list(prepared) == ["a", 'k\\"', "z"]  # sorted by the key's own text, then escaped
    assert list(prepared["z"]) == ["b", "y"] and list(prepared["z"]["b"][0]) == ["c", "q"]
    assert prepared["a"] == ['say \\"hi\\"', "x"]  # arrays keep their order


def test_data_reaches_regopy_with_sorted_string_keys() -> None:
    assert data_json({"z": 1, "a": {"y": 2, "b": 3}}) == '{"a": {"b": 3, "y": 2}, "z": 1}'
    assert data_json({"m": {2: "x", 10: "y"}}) == '{"m": {"10": "y", "2": "x"}}'  # as OPA reads a YAML key


@needs_regopy
def test_input_and_data_floats_reach_regopy_as_go_writes_them() -> None:
    # conftest hands OPA each number as Go's encoding/json writes a float64, and regopy keeps a number's JSON
    # text in json.marshal: below 1e-4 and from 1e16 Python writes another text (9.53502e-05, 1e+16).
    assert data_json({"n": [9.53502e-05, 1e-7, 1e-6, 1.5e-5, -2.5e-9, 1e16, 9.2e18, 5e-324]}) == \
        '{"n": [0.0000953502, 1e-7, 0.000001, 0.000015, -2.5e-9, 10000000000000000, 9200000000000000000, 5e-324]}'
    # A whole float from 2^63 below 1e21 too, as its exact integer (regopy keeps an integer's text past int64):
    # the value is kept where Go's shortest digits differ (2^63, 2^60: Go 9223372036854776000, 1152921504606847000),
    # as an integer outside int64 reaches regopy as its float (the strings differential, seed 36002).
    assert data_json({"n": [1e20, 9.3e18, float(2**60), float(2**63)]}) == \
        '{"n": [100000000000000000000, 9300000000000000000, 1152921504606846976, 9223372036854775808]}'
    # Near misses, written as Python writes them: where Go writes the same text, -0.0 (regopy reads `-0` as
    # less than 0; a document holding -0.0 stops, engine_regopy), and 1e21 up ('e' in Go too).
    assert data_json({"n": [0.5, 0.0001, 123456789.123457, -0.0, 3, 1e21]}) == \
        '{"n": [0.5, 0.0001, 123456789.123457, -0.0, 3, 1e+21]}'
    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": "package p\nx := [json.marshal(input.n), json.marshal(data.d)]\n"},
                              {"d": 1.5e-5}, ["p/x"])
    assert engine.evaluate(compiled, "p/x", engine.prepare_input({"n": 9.53502e-05})) == ["0.0000953502", "0.000015"]


@needs_regopy
def test_objects_iterate_in_opa_order_from_input_data_and_the_policy() -> None:
    source = ('package p\nlit := {"z": 1, "a": 2}\nx := [[k | input.t[k]], [k | data.d[k]], [k | lit[k]],\n'
              '  [v | some v in lit], [v | v := input.l[_]]]\n')
    got = _evaluate(source, "x", {"t": {"zz": 1, "aa": 2}, "l": ["z", "a"]}, {"d": {"y": 1, "b": 2}})
    assert got == [["aa", "zz"], ["b", "y"], ["a", "z"], [2, 1], ["z", "a"]]  # an array keeps its own order


@needs_regopy
def test_an_object_or_set_literal_iterated_where_it_is_written_iterates_in_opa_order() -> None:
    # regopy iterated the literal in the order it is written ({"b": 1, "a": 2}[k] gave b, a; OPA a, b).
    source = ('package p\nx := [[k | {"b": 1, "a": 2}[k]], [v | v := {"b": 1, "a": 2}[_]], [k | {"b", "a"}[k]],\n'
              '  [k | {"b": [1], "a": 2}[k]], [k | {k2: 1 | some k2 in ["b", "a"]}[k]], [k | {"b": input.n, "a": 1}[k]]]\n')
    assert _evaluate(source, "x", {"n": 3}) == [["a", "b"], [2, 1], ["a", "b"], ["a", "b"], ["a", "b"], ["a", "b"]]
    # also in the domain of `some ... in` (its `in` was read as a rule head's name before a body)
    source = 'package p\nx := [y | some y in {"z": [1, 2], "a": [3]}[_]]\n'
    assert _evaluate(source, "x", {}) == [3, 1, 2]
    # near misses: a variable inside the literal (regopy_first_binding refuses it) and an array literal
    out = rewrite_for_regopy('package p\nx := [k | some k; {"b": input.arr[k]}["b"]]\ny := [v | v := [2, 1][_]]\n')
    assert out.splitlines()[1:3] == ['x := [k | some k; {"b": input.arr[k]}["b"]]', 'y := [v | v := [2, 1][_]]']


def test_some_in_an_operand_that_binds_a_variable_binds_it_before_reading_it_sorted() -> None:
    source = 'package p\nr := {"x": {"b", "a"}}\nx := [[a, v] | some v in r[a]]\ny := [v | some v in s]\n'
    out = _numbered(rewrite_for_regopy(source)).splitlines()
    assert out[2] == "x := [[a, v] | __natpolicy_inN := __natpolicy_keyed(r)[a]; some v in __natpolicy_ordered(__natpolicy_inN)]"
    assert out[3] == "y := [v | some v in __natpolicy_ordered(s)]"  # nothing to bind: wrapped in place
    if REGOPY:
        assert _evaluate(source, "x") == [["x", "a"], ["x", "b"]]  # before: [], `a` bound inside a call


def test_comparisons_are_rewritten_only_where_the_kinds_may_differ_and_stay_on_their_lines() -> None:
    source = ("package p\n"
              "a := [count(input.x) > 0, 1 < 2, \"a\" <= \"b\", 2 * input.n >= 3]\n"  # surely one kind: untouched
              "b if input.n < 3\n"
              "c := [i | input.rs[i].port < 1024]\n"
              "d if { r := input.r; r.a >= r.b }\n"
              "e := [i | r := input.rs[i]; not r.port > 10]\n"
              "f if { not input.rs[_].port > 1 }\n"
              "g := [i |\n  input.rs[i].port <\n    \"80\"\n]\n"
              "h := [i | 0 < input.rs[i].port]\n")
    out = _numbered(rewrite_for_regopy(source)).splitlines()
    # (count's argument is checked for a string regopy holds escaped: regopy_strings)
    assert out[1] == 'a := [count(__natpolicy_plain(input.x)) > 0, 1 < 2, "a" <= "b", 2 * input.n >= 3]'
    # Against a literal, as a statement: the operand bound first, the answer picked by its kind's rank (below a
    # number: true; above: false), braces added where the body had none.
    picked = "[true, true, __natpolicy_caN < 3, false, false, false, false][__natpolicy_kind_rank(type_name(__natpolicy_caN))]"
    assert out[2] == f"b if {{ __natpolicy_caN := input.n ; {picked} == true }}"
    assert out[3].startswith("c := [i | __natpolicy_caN := input.rs[i].port ; [true, true, __natpolicy_caN < 1024, false")
    assert out[4] == f"d if {{ r := input.r; {COMPARE}(r.a , r.b) >= 0 }}"  # two unknown kinds: the function
    assert out[5] == f"e := [i | r := input.rs[i]; not {COMPARE}(r.port , 10) > 0]"
    # `_` inside a call would never match, and `not` takes one expression: a comprehension that must find nothing.
    assert out[6] == ("f if { count([1 | __natpolicy_caN := input.rs[_].port ; [false, false, __natpolicy_caN > 1, "
                      "true, true, true, true][__natpolicy_kind_rank(type_name(__natpolicy_caN))] == true]) == 0 }")
    # Against a string literal, a string operand is checked for an escape regopy would compare (regopy_strings),
    # and compared by the function, which puts "8" before "8 0" (regopy's own `<` does not).
    assert out[7:11] == ["g := [i |",
                         "  __natpolicy_caN := input.rs[i].port ; [true, true, true, "
                         f"{COMPARE}(__natpolicy_plain(__natpolicy_caN), ",
                         '    "80") < 0, false, false, false][__natpolicy_kind_rank(type_name(__natpolicy_caN))] == true',
                         "]"]
    # A literal on the left: both operands bound first (the second may bind i), then the function.
    assert out[11] == (f"h := [i | __natpolicy_caN := 0 ; __natpolicy_cbN :=  input.rs[i].port; "
                       f"{COMPARE}(__natpolicy_caN, __natpolicy_cbN) < 0]")
    assert rewrite_for_regopy("package p\nx := count([1]) > 1\n") == "package p\nx := count([1]) > 1\n"


@needs_regopy
def test_rewritten_comparisons_answer_as_opa_for_values_of_every_kind() -> None:
    source = ("package p\n"
              "lit := [i | input.v[i] < 1]\n"
              "str := [i | input.v[i] >= \"b\"]\n"
              "fn := [i | input.v[i] <= input.v[2]]\n"
              "neg := [i | v := input.v[i]; not v > 1]\n")
    values = [None, False, 1, 2, "a", "b", [1], {"a": 1}]  # in OPA's order
    assert [_evaluate(source, rule, {"v": values}) for rule in ("lit", "str", "fn", "neg")] == [
        [0, 1], [5, 6, 7], [0, 1, 2], [0, 1, 2]]


@needs_regopy
@pytest.mark.parametrize(("ports", "expected"), [
    # `>` is a call: OPA binds `input.rs[_].port` before the `not` (negated_operands), so each holds for each port
    # that is not above (x: some port is not above 1; z: i once for each such port).
    ([None, 0], [True, True, [0, 1, 1]]),  # null and 0 below 1 (regopy alone: null > 1)
    ([False, 2], [True, True, [0, 1, 1]]),  # false < 2
    (["a"], [None, True, [0]]),  # a string is above every number
    ([0, 1], [True, True, [0, 1, 1]]),
    ([], [None, None, []]),  # no port: the binding fails before the negation
])
def test_not_a_comparison_holding_a_wildcard_answers_as_opa(ports: list[Any], expected: list[Any]) -> None:
    source = ("package p\nx if not input.rs[_].port > 1\n"
              "y if {\n  some r in input.rs\n  not input.rs[_].port > r.port\n}\n"
              "z := [i | r := input.rs[i]; not input.rs[_].port > r.port]\n")
    document = {"rs": [{"port": p} for p in ports]}
    got = [_evaluate(source, rule, document) for rule in "xyz"]
    assert [None if value is UNDEFINED else value for value in got] == expected


def test_a_comparison_holding_a_wildcard_elsewhere_is_refused_on_regopy_by_line() -> None:
    source = ("package p\nw := [v | v := input.rs[_].port > 1]\nok if not input.rs[_].port > 1\n"
              "fine if input.rs[_].port > 1\nnumbers := [v | v := count(input.rs[_]) > 1]\n"
              "v if { some i; not input.rs[i].port > 1 }\nu := [i | input.rs[i]; not input.rs[_].a > input.rs[i].a]\n")
    refused = [(source.count("\n", 0, offset) + 1, message) for offset, message in engine_refusals(source, "regopy")
               if "operand of" in message]
    assert [line for line, _ in refused] == [2, 7], refused  # line 5: two numbers compare as in OPA (and count(_) is
    assert "bind the operand first" in refused[0][1]  # refused by the call guard)
    assert not [m for _, m in engine_refusals(source, "regorus") if "operand of" in m]


def _numbered(text: str) -> str:
    """The rewrite with its generated names' offsets replaced by N."""
    return re.sub(r"(__natpolicy_(?:ca|cb|in))\d+", r"\1N", text)


# OPA's order of kinds (ast.Compare), one value of each, smallest first.
_KINDS = ["null", "false", "true", "-1", "0", "1.5", '""', '"a"', "[]", "[1]", "{}", '{"a": 1}', "set()", "{1}"]
_SAME_KIND_COLLECTIONS = {("[]", "[1]"), ("[1]", "[]"), ("{}", '{"a": 1}'), ('{"a": 1}', "{}"),
                          ("set()", "{1}"), ("{1}", "set()")}


@needs_regopy
def test_every_pair_of_kinds_compares_in_opa_order() -> None:
    pairs = [(a, b) for a in _KINDS for b in _KINDS
             if (a, b) not in _SAME_KIND_COLLECTIONS and not (a == b and a in ("[]", "[1]", "{}", '{"a": 1}',
                                                                                 "set()", "{1}"))]
    rows = ", ".join(f"[{a} < {b}, {a} <= {b}, {a} > {b}, {a} >= {b}]" for a, b in pairs)
    got = _evaluate(f"package p\nx := [{rows}]\n", "x")
    expected = [[_KINDS.index(a) < _KINDS.index(b), _KINDS.index(a) <= _KINDS.index(b),
                 _KINDS.index(a) > _KINDS.index(b), _KINDS.index(a) >= _KINDS.index(b)] for a, b in pairs]
    assert got == expected


@needs_regopy
def test_two_collections_of_one_kind_compared_stop_the_query_with_the_refusal() -> None:
    with pytest.raises(EvaluationError, match="two arrays, objects or sets compared"):
        _evaluate("package p\nx := input.a < [2]\n", "x", {"a": [1]})
    assert _evaluate("package p\nx := input.a < [2]\n", "x", {"a": "z"}) is True  # a string sorts before an array


def test_a_second_bracket_reads_a_policy_built_value_sorted_through_its_root() -> None:
    from natpolicy.rego.regopy_rewrite import KEYED, KEYED2, ORDERED

    source = "package p\nx := [[k, j] | o[k][j]]\ny := [j | o[_][j]]\nz := [k | o[k].f[j]]\nw := [k | o[k]]\n"
    out = rewrite_for_regopy(source).splitlines()
    assert out[1:5] == [f"x := [[k, j] | {KEYED2}(o)[k][j]]", f"y := [j | {KEYED2}(o)[_][j]]",
                        f"z := [k | {KEYED}3(o)[k].f[j]]",  # a field between: three levels, to [j]
                        f"w := [k | {KEYED}(o)[k]]"]  # one bracket: one level
    assert ORDERED not in "\n".join(out[1:5])
    if REGOPY:
        source = 'package p\no := {"z": {"q", "b"}, "a": {"y": 1, "c": false}}\nx := [[k, j] | o[k][j]]\n'
        assert _evaluate(source, "x") == [["a", "y"], ["z", "b"], ["z", "q"]]  # c's value false: skipped, as in OPA


def test_a_third_bracket_or_a_field_after_the_first_reads_a_policy_built_value_sorted_to_its_depth() -> None:
    from natpolicy.rego.regopy_rewrite import KEYED

    source = ("package p\nx := [c | r[a].tags[c]]\ny := [v | r[_].o[_] = v]\nn := [c | s[a][b][c]]\n"
              "m := [a | r[a].tags.name]\nq := [c | input.rs[a].tags[c]]\nt := [[a, v] | r[a][\"o\"][\"k\"] = v]\n")
    out = rewrite_for_regopy(source)
    lines = out.splitlines()
    assert lines[1:7] == [f"x := [c | {KEYED}3(r)[a].tags[c]]", f"y := [v | {KEYED}3(r)[_].o[_] = v]",
                          f"n := [c | {KEYED}3(s)[a][b][c]]",
                          f"m := [a | {KEYED}(r)[a].tags.name]",  # near-miss: only [a] iterates, one level
                          "q := [c | input.rs[a].tags[c]]",  # near-miss: input is JSON, handed over sorted
                          f't := [[a, v] | {KEYED}(r)[a]["o"]["k"] = v]']  # near-miss: constant brackets after
    assert f"{KEYED}3(__natpolicy_x) := " in out and f"{KEYED}4(" not in out
    if REGOPY:
        policy = ('package p\nr := {"b": {"tags": {"z", "a", "m"}, "o": {"y": 1, "c": 2}}, '
                  '"a": {"tags": {"q", "d"}, "o": {"k": 3}}}\n'
                  's := {"y": {"q": {"z", "b"}, "a": {"m", "c"}}, "b": {"x": [{"k": 1, "j": 2}]}}\n'
                  'x := [c | r[a].tags[c]]\ny := [v | r[_].o[_] = v]\nn := [k | s[a][b][_][k]]\n')
        assert _evaluate(policy, "x") == ["d", "q", "a", "m", "z"]  # regopy alone: q, d, z, a, m
        assert _evaluate(policy, "y") == [3, 2, 1]
        assert _evaluate(policy, "n") == ["j", "k"]  # four levels, an array among them


@needs_regopy
def test_a_control_character_in_a_collection_given_to_sprintf_stops_the_query() -> None:
    source = 'package p\nx := sprintf("%v", [[input.s]])\ny := sprintf("%v", [[input.t]])\nz := sprintf("%s", [input.s])\n'
    document = {"s": "a\u0001b", "t": "c\nd"}
    with pytest.raises(EvaluationError, match="a control character, or another character Go prints escaped"):
        _evaluate(source, "x", document)  # regopy would print \u0001 where OPA's Go prints \x01
    assert _evaluate(source, "y", document) == '["c\\nd"]'  # a line break prints as in Go
    assert _evaluate(source, "z", document) == "a\u0001b"  # a string argument prints as it is


@needs_regopy
@pytest.mark.parametrize("rune", ["\x7f", "\u0080", "\u00a0", "\u00ad", "\u200b", "\u2028", "\ufeff", "\ue000",
                                  "\U000e0001", "\U0010fffd", "\u0378"])
def test_a_rune_go_escapes_in_a_collection_given_to_sprintf_stops_the_query(rune: str) -> None:
    # Go's strconv.Quote writes these as \x7f, \u00a0, \U000e0001 (unassigned U+0378 too); regopy as they are.
    source = 'package p\nx := sprintf("%v", [{"k": [input.s]}])\n'
    with pytest.raises(EvaluationError, match="another character Go prints escaped"):
        _evaluate(source, "x", {"s": f"a{rune}b"})


@needs_regopy
def test_runes_go_prints_as_they_are_print_in_a_collection_as_in_opa() -> None:
    # Near-miss: letters, marks, symbols past ASCII (U+1FAE8 is Unicode 15.0, which Go 1.21+ knows and Python 3.11
    # does not), `"` and `\`, and a rune Go escapes given to %s on its own (printed as it is, in Go too).
    text = "é e\u0301 中文 😀 \U0001fae8 \u00a1 ¬ ® \U000e0100 a\"b\\c"
    source = 'package p\nx := sprintf("%v", [[input.s]])\ny := sprintf("%s|%v", [input.t, input.t])\n'
    document = {"s": text, "t": "a\u00a0\x7fb"}
    assert _evaluate(source, "x", document) == opa_sprintf("%v", [[text]])
    assert _evaluate(source, "x", document) == '["' + text.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    assert _evaluate(source, "y", document) == "a\u00a0\x7fb|a\u00a0\x7fb"


@needs_regopy
@pytest.mark.parametrize("argument", ['{1: "a"}', '[{"k": {null: 1}}]', '{"a": {true: [1]}}'])
def test_an_object_keyed_by_anything_but_strings_given_to_sprintf_stops_the_query(argument: str) -> None:
    # regopy prints such keys quoted ({"1": "a"}), OPA as they are ({1: "a"}).
    with pytest.raises(EvaluationError, match="functions must not produce multiple outputs"):
        _evaluate(f'package p\nx := sprintf("%v", [{argument}])\n', "x")


@needs_regopy
def test_objects_keyed_by_strings_print_in_a_collection_as_in_opa() -> None:
    # Near-misses: string keys at every depth, false and null values (bound by the check, never tested as truth).
    source = 'package p\nx := sprintf("%v %v", [{"a": {"b": [1, {"c": false}]}}, input.o])\n'
    document = {"o": {"k": [1, {"z": None}]}}
    expected = '{"a": {"b": [1, {"c": false}]}} {"k": [1, {"z": null}]}'
    assert _evaluate(source, "x", document) == expected == opa_sprintf("%v %v", [{"a": {"b": [1, {"c": False}]}},
                                                                                document["o"]])


@needs_regopy
def test_regopys_printable_rune_check_agrees_with_go_at_each_bound_of_the_table() -> None:
    # Each first and last printable rune of a run, and the runes just outside it: the Rego comparison of one-rune
    # strings (regopy orders them by UTF-8 bytes) must answer as natpolicy.rego.go_printable does.
    bounds = {r for lo, hi in PRINTABLE_RANGES for r in (lo - 1, lo, hi, hi + 1)}
    runes = sorted(r for r in bounds if 0x80 <= r <= 0x10FFFF and not 0xD800 <= r <= 0xDFFF)
    import regopy  # the Rego rules alone, without the rewrite (which would rewrite their comparisons)

    source = "package p\n" + go_printable_rules() + "x := [i | e := input.runes[i]; __natpolicy_fmt_go_prints(e)]\n"
    interpreter = regopy.Interpreter()
    interpreter.add_module("p.rego", source)
    interpreter.set_input({"runes": [chr(r) for r in runes]})
    printed = json.loads(str(interpreter.query("x := data.p.x")))["bindings"]["x"]
    assert printed == [i for i, r in enumerate(runes) if is_go_printable(r)]
    assert 0 < len(printed) < len(runes)


@needs_regopy
def test_a_string_is_ordered_before_the_longer_strings_it_starts() -> None:
    # regopy compares strings quoted: the closing quote (0x22) met the space or "!" of "a b", "a!", so "a b" came
    # before "a" in <, sort, max, a set's order and what concat and an iteration read from it.
    source = ('package p\nx := [input.a < input.b, input.b < input.a, "a" < "a!", input.b > "a", input.b <= "a", '
              'sort([input.b, input.a, "a!"]), max({input.a, input.b}), concat(",", {input.b, input.a}), '
              '[y | some y in {input.b, input.a}], [{input.b, input.a}], {input.b: 1, input.a: 2}[input.a]]\n')
    assert _evaluate(source, "x", {"a": "a", "b": "a b"}) == [
        True, False, True, True, False, ["a", "a b", "a!"], "a b", "a,a b", ["a", "a b"], [["a", "a b"]], 2]


@needs_regopy
def test_strings_of_which_none_starts_another_keep_regopys_own_sort() -> None:
    # Near misses: no string starts another with a space or "!" after it; regopy's sort answers as OPA.
    source = 'package p\nx := [sort(input.s), input.s[0] < input.s[1], concat(",", {e | some e in input.s})]\n'
    assert _evaluate(source, "x", {"s": ["b c", "a b", "ab", "a#"]}) == [
        ["a b", "a#", "ab", "b c"], False, "a b,a#,ab,b c"]
    out = rewrite_for_regopy('package p\nx := ["a" < "b", "a" < "a b"]\n').splitlines()[1]
    assert out.startswith('x := ["a" < "b", __natpolicy_cmp("a" , "a b") < 0')  # literals that cannot meet stay
