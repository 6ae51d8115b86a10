"""object.subset, sum, product, units.parse(_bytes), numbers.range(_step), bits.*, json.filter, json.remove and
json.patch: what an engine answered otherwise than OPA, silently (found by scripts/rego_differential.py, measured),
now answered as OPA or stopped with the call's line (subset_opa, units_opa, arith_opa on regorus;
regopy_collections and regopy_builtins on regopy).

Each fire is such a case; each near miss must keep answering as before.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.arith_opa import opa_product, opa_sum
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.subset_opa import opa_object_subset
from natpolicy.rego.units_opa import opa_units_parse, opa_units_parse_bytes
from rego_answers import ENGINES, answer


@pytest.mark.parametrize("engine", ENGINES)
def test_object_subset_answers_as_opa(engine: str) -> None:
    # OPA's arraySetSubset counts each element found ([1, 1] of {1, 2}: true; both engines said false); objectSubset
    # recurses only into two objects, sets or arrays (a set where the super object holds an array: false; both
    # engines said true); an empty sub array is a subset (regorus panicked, regopy crashed the process).
    assert answer(engine, '[object.subset([1, 1], {1, 2}), object.subset({"a": [1, 2, 3]}, {"a": {2}}), '
                          'object.subset({"a": {"b": [1]}}, {"b": 2, "a": {"b": {1}}}), object.subset([1, 2], []), '
                          'object.subset([], [])]') == [True, False, False, True, True]


@pytest.mark.parametrize("engine", ENGINES)
def test_object_subset_near_misses_answer_as_before(engine: str) -> None:
    assert answer(engine, '[object.subset({"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}), object.subset([1, 2, 3], [1, 3]),'
                          ' object.subset([1, 2, 1, 2], [1, 2]), object.subset([1, 2, 3], {1, 3}),'
                          ' object.subset({1, 2, 3}, {1, 3}), object.subset({"a": [1, 2, 3]}, {"a": [2, 3]}),'
                          ' object.subset({"a": {1, 2}}, {"a": {1}}), object.subset(input.o, {"a": [2]}),'
                          ' object.subset({"a": 1}, {"a": 1.0}), object.subset([1, 2], {1, 3})]',
                  {"o": {"a": [1, 2], "b": 1}}) == [True, False, True, True, True, True, True, True, True, False]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", ['object.subset({1, 2}, [1])', 'object.subset(input.s, "b")',
                                        'object.subset({"a": 1}, input.arr)'])
def test_object_subset_of_values_opa_refuses_stops(engine: str, expression: str) -> None:
    # OPA: "both arguments object.subset must be of the same type or array and set"; the engines said false/nothing.
    with pytest.raises(EvaluationError, match=r"object\.subset|p\.rego:3"):
        answer(engine, expression, {"s": "abc", "arr": [1]})


def test_regopy_object_subset_stops_where_it_would_crash_or_cannot_follow() -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    for expression in ('object.subset({"a": [1]}, {"a": []})', 'object.subset({"a": {"b": {"c": {"d": 1}}}}, '
                                                                 '{"a": {"b": {"c": {"d": 1}}}})'):
        with pytest.raises(EvaluationError, match=r"object\.subset at p\.rego:3 given "):
            answer("regopy", expression)


def test_regorus_object_subset_refuses_sets_holding_booleans() -> None:
    # regorus hands {true, 1} over as {True}: the boolean is the element left, so a boolean there stops.
    assert opa_object_subset([1, 0], {1}) is True and opa_object_subset({"a": 1}, {"a": 1}) is True
    with pytest.raises(ValueError, match="boolean"):
        opa_object_subset({True}, {1})
    assert opa_object_subset([True, 2], [True]) is True and opa_object_subset([1], [True]) is False


@pytest.mark.parametrize("engine", ENGINES)
def test_sum_and_product_answer_as_opa_or_stop(engine: str) -> None:
    # OPA adds at 64 bits (0.3; regorus 0.30000000000000004) and multiplies at 53 from 64-bit operands
    # (0.30000000000000004; regopy 0.3); regopy stops on any element that is no integer, as it does for `+`.
    if engine == "regorus":
        assert answer(engine, '[sum([0.1, 0.2]), sum([0.1, 0.2]) == 0.3, product([0.1, 3]), sum([1, 2.5, -3])]') \
            == [0.3, True, 0.30000000000000004, 0.5]
    else:
        for expression, call in (('sum([0.1, 0.2])', "sum"), ('product([0.1, 3])', "product")):
            with pytest.raises(EvaluationError, match=rf"{call} at p\.rego:3 given "):
                answer(engine, expression)
    assert answer(engine, '[sum([]), product([]), sum({1, 2}), product([2, 3]), sum([9007199254740993, 1]), '
                          'product(input.n)]', {"n": [2, 5]}) == [0, 1, 3, 6, 9007199254740994, 10]


def test_opa_sum_and_product_follow_big_float() -> None:
    assert opa_sum([0.1, 0.2]) == 0.3 and opa_sum([2.0, 1]) == 3 and isinstance(opa_sum([2.0, 1]), int)
    assert opa_product([0.1, 3]) == 0.30000000000000004 and opa_product([1.5, 2]) == 3
    assert opa_sum({1, 1.5}) == 2.5 and opa_product([]) == 1
    with pytest.raises(TypeError):
        opa_sum(["a"])
    with pytest.raises(ValueError, match="-0"):
        opa_product([-0.5, 0.0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", ['units.parse_bytes("1B")', 'units.parse_bytes(input.s)',
                                        'units.parse_bytes("1x")', 'units.parse("1x")', 'units.parse("1B")'])
def test_units_opa_does_not_know_stop(engine: str, expression: str) -> None:
    # OPA: "unit ... not recognized"; regorus was undefined, regopy read "1B" as 1.
    with pytest.raises(EvaluationError, match=r"units\.parse|p\.rego:3"):
        answer(engine, expression, {"s": "10B"})


@pytest.mark.parametrize("name", ["units.parse", "units.parse_bytes"])
def test_units_stop_never_echoes_the_inputs_text(name: str) -> None:
    # The unit is the input's own text (here a secret-looking suffix): the stop names the builtin only.
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed")
    with pytest.raises(EvaluationError, match=r"unit not recognized") as stopped:
        answer("regorus", f"{name}(input.s)", {"s": "1hunter2Secret"})
    assert "hunter2" not in str(stopped.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_units_near_misses_answer_as_before(engine: str) -> None:
    assert answer(engine, '[units.parse_bytes("1KiB"), units.parse_bytes("1kb"), units.parse_bytes("1.5MB"), '
                          'units.parse_bytes("0"), units.parse_bytes("-1K"), units.parse_bytes("1e3K"), '
                          'units.parse("1m"), units.parse("1M"), units.parse("1.5k"), units.parse("1Ki")]') \
        == [1024, 1000, 1500000, 0, -1000, 1000000, 0.001, 1000000, 1500, 1024]


def test_units_parse_bytes_of_a_fraction_truncates_as_opa() -> None:
    # OPA truncates the product (big.Float.Int): 1; regorus said 2, regopy 1.5 (it now stops there).
    if "regorus" in ENGINES:
        assert answer("regorus", '[units.parse_bytes("1.5"), units.parse_bytes("1\\"K\\"")]') == [1, 1000]
    if "regopy" in ENGINES:
        with pytest.raises(EvaluationError, match=r"units\.parse_bytes at p\.rego:3 given "):
            answer("regopy", 'units.parse_bytes("1.5")')


def test_opa_units_read_as_go() -> None:
    assert [opa_units_parse_bytes(t) for t in ("1.1Gi", "0.3K", ".5k", "1E", "1e")] == \
        [1181116006, 300, 500, 10**18, 10**18]
    assert [opa_units_parse(t) for t in ("1.5m", "123456789m", "1.23456789012m", "1MI", "-1.5")] == \
        [0.0015, 123456.789, 0.0012345679, 1048576, -1.5]
    # a non-integer is written with ten decimals (big.Rat.FloatString(10)), the last rounded half away from zero
    assert opa_units_parse("1.00000000001") == 1.0 and opa_units_parse("0.00000000005") == 0.0000000001
    for bad in ("KB", "1 K", "1-2", "1e1234567"):
        with pytest.raises(ValueError):
            opa_units_parse_bytes(bad)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", ['numbers.range(0.5, 3)', 'numbers.range_step(0, 1, 0)',
                                        'numbers.range_step(0, 2, 0.5)', 'bits.and(1.5, 1)', 'bits.rsh(8, -1)',
                                        'bits.negate(input.f)'])
def test_ranges_and_bits_of_numbers_opa_refuses_stop(engine: str, expression: str) -> None:
    # OPA: "must be integer number" / "step must be a positive integer"; regopy was undefined.
    with pytest.raises(EvaluationError):
        answer(engine, expression, {"f": 2.5})


@pytest.mark.parametrize("engine", ENGINES)
def test_ranges_and_bits_near_misses(engine: str) -> None:
    # numbers.range_step with the whole float step 1.0 counts by 1 in OPA (BigIntOperand); regopy was undefined.
    assert answer(engine, '[numbers.range(2, -1), numbers.range_step(0, 10, 3), numbers.range_step(0, 3, 1.0), '
                          'bits.and(-6, 3), bits.or(-6, 3), bits.xor(-6, 3), bits.negate(5), bits.rsh(-8, 1)]') \
        == [[2, 1, 0, -1], [0, 3, 6, 9], [0, 1, 2, 3], 2, -5, -7, -6, -4]


@pytest.mark.parametrize("engine", ENGINES)
def test_json_paths_answer_as_opa_or_stop(engine: str) -> None:
    # OPA matches an array index by its text only, so a numeric segment matches nothing; regopy read it.
    cases = ('json.filter({"a": [1, 2, 3]}, [["a", 1]])', 'json.remove({"a": [1, 2, 3]}, [["a", 1]])',
             'json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 5}, {"op": "test", "path": "/b", '
             '"value": 5}])')
    if engine == "regorus":
        assert [answer(engine, c) for c in cases] == [{"a": []}, {"a": [1, 2, 3]}, {"a": 1, "b": 5}]
    else:
        for expression in cases:
            with pytest.raises(EvaluationError, match=r"json\.\w+ at p\.rego:3 given "):
                answer(engine, expression)
    assert answer(engine, '[json.filter({"a": [1, 2, 3]}, ["a/1"]), json.remove({"a": [1, 2, 3]}, [["a", "1"]]), '
                          'json.patch({"a": 5}, [{"op": "test", "path": "/a", "value": 5}]), '
                          'json.patch({"a": 1}, [{"op": "replace", "path": "/a", "value": 2}])]') \
        == [{"a": [2]}, {"a": [1, 3]}, {"a": 5}, {"a": 2}]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("expression", ['glob.match("*", [""], "x")', 'glob.match("*", ["ab"], input.s)'])
def test_glob_match_with_a_delimiter_that_is_not_one_character_stops(engine: str, expression: str) -> None:
    # OPA's RuneSliceOperand stops on it; regopy said true and nothing, regorus true for "".
    with pytest.raises(EvaluationError, match=r"glob\.match|p\.rego:3"):
        answer(engine, expression, {"s": "xaby"})


def test_regorus_glob_match_stops_where_it_reads_otherwise_than_gobwas() -> None:
    # gobwas/glob: `[^a]` is the class of `^` and `a` (regorus: a negation), `**` matches delimiters anywhere
    # (regorus: only as a whole segment), `:` is a delimiter as any (regorus: none), a class may match a delimiter.
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    for expression in ('glob.match("[^a]", [], "b")', 'glob.match("a**", [], "a.b")', 'glob.match("**b", [], input.s)',
                       'glob.match("*:com", [":"], "a:b:com")', 'glob.match("[.]", ["."], ".")'):
        with pytest.raises(EvaluationError, match=r"p\.rego:3:1: .*gobwas"):
            answer("regorus", expression, {"s": "a.b"})


@pytest.mark.parametrize("engine", ENGINES)
def test_glob_match_near_misses_answer_as_before(engine: str) -> None:
    assert answer(engine, '[glob.match("**.com", ["."], "a.b.com"), glob.match("a.**", [], "a.b.c"), '
                          'glob.match("**", [], "a.b"), glob.match("**/*.tf", ["/"], "x/y/z.tf"), '
                          'glob.match("*.com", [], "a.b.com"), glob.match("*.com", null, "a.b.com"), '
                          'glob.match("[a-c]*", ["."], "bx"), glob.match("{a,b}*", [], "bz"), '
                          'glob.match("*-com", ["-"], "a-b-com"), glob.match("[!a]", [], "b")]') \
        == [True, True, True, True, False, True, True, True, False, True]



@pytest.mark.parametrize("engine", ENGINES)
def test_json_filter_and_remove_read_paths_as_opa(engine: str) -> None:
    # OPA reads ~0 and ~1, trims every leading slash, keeps a scalar a path goes below, and lets a shorter path
    # given later replace a longer one. regorus answered {} to the first four and {"a": {"b": 1}} to the fifth;
    # both engines dropped "a" in the last. regopy now stops on the first, third and last.
    cases = {'json.filter({"a~b": 1, "c/d": 2}, ["a~0b", "c~1d"])': {"a~b": 1, "c/d": 2},
             'json.filter({"a": 2, "b": 1}, ["a/1"])': {"a": 2}, 'json.filter({"a": 1}, ["//a"])': {"a": 1},
             'json.filter({"a": null}, ["a/b"])': {"a": None},
             'json.filter({"a": {"b": 1, "c": 2}}, ["a/b", "a"])': {"a": {"b": 1, "c": 2}},
             'json.remove({"a": 2, "b": 1}, ["a/1"])': {"a": 2, "b": 1}}
    stops = {'json.filter({"a~b": 1, "c/d": 2}, ["a~0b", "c~1d"])', 'json.filter({"a": 1}, ["//a"])',
             'json.remove({"a": 2, "b": 1}, ["a/1"])'}
    for expression, expected in cases.items():
        if engine == "regopy" and expression in stops:
            with pytest.raises(EvaluationError, match=r"json\.\w+ at p\.rego:3 given "):
                answer(engine, expression)
        else:
            assert answer(engine, expression) == expected, expression
    assert answer(engine, '[json.filter({"a": [1, {"b": 2, "c": 3}]}, ["a/1/b"]), json.filter({"a": 1}, [""]), '
                          'json.remove({"a": {"b": 1, "c": 2}, "d": 3}, ["a/b"]), json.remove({"a": 1}, ["z/y"]), '
                          'json.filter({"a": {"b": 1}}, ["a", "a/b"])]') \
        == [{"a": [{"b": 2}]}, {}, {"a": {"c": 2}, "d": 3}, {"a": 1}, {"a": {"b": 1}}]


def test_object_get_with_a_path_through_a_set_stops_on_regopy() -> None:
    # OPA's Find takes the set's element equal to the path's (3); regopy answered the default.
    if "regopy" in ENGINES:
        with pytest.raises(EvaluationError, match=r"p\.rego:3"):
            answer("regopy", 'object.get({"a": {3}}, ["a", 3], "d")')
        # Near misses: paths through objects and arrays, an empty path, a string key answer as OPA.
        assert answer("regopy", '[object.get({"a": [5, {"b": 1}]}, ["a", 1, "b"], "d"), '
                                'object.get({"a": 1}, [], 0), object.get({"a": {3}}, "a", 0), '
                                'object.get({"a": 1}, ["z"], 0)]') == [1, {"a": 1}, [3], 0]
    if "regorus" in ENGINES:
        assert answer("regorus", 'object.get({"a": {3}}, ["a", 3], "d")') == 3


def test_object_get_with_a_string_key_keeps_regopys_own() -> None:
    # The twins call object.get(x, "key", d) often: a string key cannot go through a set, so it is not renamed.
    from natpolicy.rego.regopy_builtins import builtin_call_edits
    from natpolicy.rego.source import tokens

    def renamed(src: str) -> list[str]:
        return [name for _, _, name in builtin_call_edits(tokens(src))[0]]

    assert renamed('x := object.get(f(a, b), "k", 1)') == []
    assert renamed('x := object.get(a, ["k", 1], 1)') == renamed("x := object.get(a, k, 1)") \
        == ["__natpolicy_object_get"]


@pytest.mark.parametrize("engine", ENGINES)
def test_object_get_past_an_arrays_end_answers_the_default(engine: str) -> None:
    # OPA's object.get follows an array path with Term.Get (v1/topdown/object.go): past an array's end or below 0
    # nothing is found and the default answers; regopy's own object.get crashed the query there, with no line
    # (`vector::_M_range_check`, rego_differential.py --collections). Near misses: elements inside the arrays,
    # false and null among them, the empty path (the object), and a path longer than the unrolled lookups.
    assert answer(engine, '[object.get({"k": [1]}, ["k", 1], "d"), object.get(input.o, ["k", 0, 3], "d"), '
                          'object.get(input.o, ["k", -1, "z"], "d"), object.get({"k": []}, ["k", 0], "d"), '
                          'object.get({"k": [1, 2]}, ["k", 1], "d"), object.get(input.o, ["k", 0, 0], "d"), '
                          'object.get({"k": [false, null]}, ["k", 1], "d"), object.get({"k": 1}, [], "d"), '
                          'object.get({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": [[7]]}}}}}}}}, '
                          '["a", "b", "c", "d", "e", "f", "g", "h", 0, 0], "d")]',
                  {"o": {"k": [[1]]}}) == ["d", "d", "d", "d", 2, 1, None, {"k": 1}, 7]
