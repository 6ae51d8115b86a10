"""regopy keeps strings in their JSON-escaped form: what natpolicy rewrites, stops and refuses (regopy_strings)."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_documents import first_unreadable_string
from natpolicy.rego.regopy_rewrite import rewrite_for_regopy
from natpolicy.rego.regopy_strings import ASCII, PLAIN

needs_regopy = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")


def run(source: str, document: Any, rule: str = "x", data: dict[str, Any] | None = None) -> Any:
    from natpolicy.rego.engines import create_engine

    engine = create_engine("regopy")
    compiled = engine.compile({"p.rego": source}, data, [f"p/{rule}"])
    return engine.evaluate(compiled, f"p/{rule}", engine.prepare_input(document))


def test_literals_are_rewritten_to_the_escaped_form_regopy_holds_input_in() -> None:
    source = 'package p\nx := ["\\u00e9", "a\\/b", "\\u0022", "plain", "a\\"b", `raw\\d`]\n'
    out = rewrite_for_regopy(source).splitlines()[1]
    assert out == 'x := ["é", "a/b", "\\"", "plain", "a\\"b", `raw\\d`]'


def test_arguments_that_may_be_strings_are_checked_and_collections_and_literals_are_not() -> None:
    source = ('package p\nx := [count(input.s), count([1]), count({1}), indexof(input.s, "b"),'
              ' regex.match("a.b", input.s), split(input.s, ""), split(input.s, ","), count(input.rs[_])]\n')
    line = rewrite_for_regopy(source).splitlines()[1]
    assert f"count({PLAIN}(input.s))" in line and f"indexof({PLAIN}(input.s), \"b\")" in line
    assert "count([1])" in line and "count({1})" in line  # never a string: left alone
    assert f'regex.match("a.b", {ASCII}(input.s))' in line  # a literal pattern is left as written
    assert f'split({PLAIN}(input.s), "")' in line and 'split(input.s, ",")' in line
    assert "count(input.rs[_])" in line  # `_` in a call's argument: the guards refuse it by name
    affix = rewrite_for_regopy('package p\nx := trim_prefix(input.key, input.p)\n').splitlines()[1]
    assert affix == f"x := trim_prefix(input.key, {PLAIN}(input.p))"  # a plain affix cuts the escaped form exactly


@needs_regopy
def test_trim_prefix_of_a_string_holding_a_quote_answers_as_opa() -> None:
    # The twins' shape (nat.rego: an address after a "res:" prefix): for_each addresses hold quotes.
    source = 'package p\nx := [trim_prefix(input.key, "res:") == input.address, trim_suffix(input.address, "]")]\n'
    doc = {"key": 'res:aws_instance.web["a"]', "address": 'aws_instance.web["a"]'}
    assert run(source, doc) == [True, 'aws_instance.web["a"']


@needs_regopy
@pytest.mark.parametrize("value", ['a"b', "a\\b", "a\nb", "a\u0001b"])
def test_a_string_holding_an_escape_stops_the_query_naming_the_call_and_the_path(value: str) -> None:
    source = "package p\n\nx := count(input.rs[1].tags.secret)\n"
    with pytest.raises(EvaluationError) as caught:
        run(source, {"rs": [{}, {"tags": {"secret": value}}]})
    message = caught.value.message
    assert "count at p.rego:3" in message and "input.rs[1].tags.secret" in message, message
    assert value not in message and "--rego-engine regorus" in message


@needs_regopy
def test_split_by_a_separator_that_is_empty_when_it_runs_stops_on_an_escaped_string() -> None:
    # regopy split the escaped form of "a\nb" by a computed "" into `a`, `\`, `n`, `b` (found by
    # rego_differential --strings; silent before): SPLIT checks the text where the separator is ""
    source = "package p\nx := [split(s, input.sep) | some s in input.a]\n"
    with pytest.raises(EvaluationError) as caught:
        run(source, {"a": ["a\nb"], "sep": ""})
    assert "given to split at p.rego:2" in caught.value.message and "input.a[0]" in caught.value.message
    # near misses: any other computed separator splits the escaped form exactly; plain text by "" too
    assert run(source, {"a": ['a"b,c', "a\nb"], "sep": ","}) == [['a"b', "c"], ["a\nb"]]
    assert run(source, {"a": ["ab", "中é"], "sep": ""}) == [["a", "b"], ["中", "é"]]
    line = rewrite_for_regopy(source).splitlines()[1]
    assert line.startswith("x := [__natpolicy_split(s, input.sep) |")
    assert 'split(input.s, ",")' in rewrite_for_regopy('package p\nx := split(input.s, ",")\n')


@needs_regopy
@pytest.mark.parametrize("call", ['contains(input.s, "n")', 'endswith(input.s, "n")', 'trim_suffix(input.s, "n")',
                                  'strings.any_suffix_match([input.s], "n")', 'replace(input.s, "n", "m")',
                                  'split(input.s, "n")', "contains(input.s, input.t)"])
def test_a_search_that_may_match_inside_an_escape_stops(call: str) -> None:
    # regopy searched the escaped form: contains("a\n", "n") was true (rego_differential --strings)
    with pytest.raises(EvaluationError) as caught:
        run(f"package p\nx := {call}\n", {"s": "a\n", "t": "n"})
    assert "at p.rego:2" in caught.value.message, caught.value.message


@needs_regopy
def test_a_search_the_escaped_form_answers_as_the_text_runs() -> None:
    # near misses: an address holding quotes searched for anything, plain text, a separator no escape holds
    source = ('package p\nx := [contains(input.a, "[\\""), endswith(input.a, input.q), contains(input.b, "n"), '
              'split(input.s, ","), contains(input.p, "n")]\n')
    document = {"a": 'w["a"]', "q": '"]', "b": "x\\nb", "s": "a\nb", "p": "plain"}
    assert run(source, document) == [True, True, True, ["a\nb"], True]
    # a number is no text: the builtin's own answer (undefined here), never the stop
    assert run('package p\nx := contains(input.n, "a")\n', {"n": 1}) is run('package p\nx := input.none\n', {})
    assert "__natpolicy_contains(" in rewrite_for_regopy('package p\nx := contains(input.s, "n")\n')
    assert 'split(input.s, ",")' in rewrite_for_regopy('package p\nx := split(input.s, ",")\n')


@needs_regopy
def test_strings_without_such_characters_answer_as_opa() -> None:
    # Near-misses: non-ASCII text is counted by character; `/`, `'` and spaces need no escape.
    source = ('package p\nx := [count(input.s), indexof(input.s, "b"), substring(input.s, 0, 2), trim(input.s, "a"),'
              ' upper(input.t), regex.match("^a.b$", input.t), input.t < "a0", sort([input.t, "a-"])]\n')
    assert run(source, {"s": "aé b/'", "t": "a/b"}) == [6, 3, "aé", "é b/'", "A/B", True, True, ["a-", "a/b"]]
    assert run('package p\nx := [lower(input.t), lower(input.q), lower("AB")]\n', {"t": "A/B", "q": 'Q"\\'}) \
        == ["a/b", 'q"\\', "ab"]


@needs_regopy
@pytest.mark.parametrize(("expression", "value"), [
    ('regex.match("^a.b$", input.s)', "aéb"), ('glob.match("a?b", [], input.s)', "aéb"), ("upper(input.s)", "é"),
    ("lower(input.s)", "ÉÜ"), ("lower(input.s)", "A\nB"),  # regopy left "ÉÜ" as it was (OPA, Go: "éü")
    ('input.s < "a#"', 'a"b'), ('sort([input.s, "b"])', 'a"b'), ("input.s < input.t", 'a"b'),
    ('count(split(input.s, ""))', 'a"b'), ('trim(input.s, "x")', "a\tb"), ("strings.reverse(input.s)", "a\\b"),
])
def test_each_builtin_that_reads_the_escaped_form_or_bytes_stops(expression: str, value: str) -> None:
    with pytest.raises(EvaluationError, match="JSON-escaped form"):
        run(f"package p\nx := {expression}\n", {"s": value, "t": "b"})


@needs_regopy
def test_a_data_string_is_named_by_its_path() -> None:
    with pytest.raises(EvaluationError, match=r"in the data is at data\.d\.names\[0\]"):
        run("package p\nx := [n | some s in data.d.names; n := indexof(s, \"b\")]\n", {}, data={"d": {"names": ['a"b']}})


@needs_regopy
def test_data_keeps_non_ascii_text_as_input_does() -> None:
    # data went over as ASCII-escaped JSON: "\u00e9" counted 6 characters and compared unequal to input's é.
    source = "package p\nx := [count(data.d.s), data.d.s == input.s, data.d.s < \"z\"]\n"
    assert run(source, {"s": "é"}, data={"d": {"s": "é"}}) == [1, True, False]


def test_literal_arguments_holding_an_escape_are_refused_with_their_line() -> None:
    source = ('package p\nx := count("a\\"b")\ny := input.s < "a\\\\"\nz := upper("é")\n'
              'ok := [regex.match("\\\\d+", input.s), count("ab"), input.s < "a#", split(input.s, "\\"")]\n')
    refused = engine_refusals(source, "regopy")
    lines = sorted(source.count("\n", 0, offset) + 1 for offset, _ in refused)
    assert lines == [2, 3, 4], refused
    assert all("--rego-engine regorus" in message for _, message in refused)
    assert engine_refusals(source, "regorus") == []


def test_the_path_of_the_first_unreadable_string_never_holds_a_value() -> None:
    doc = {"a": ["x", {"b": "ok", "c": 'sec"ret'}], "z": "a\\b"}
    assert first_unreadable_string(doc) == ".a[1].c"
    assert first_unreadable_string({"k": "é"}) is None and first_unreadable_string({"k": "é"}, bytewise=True) == ".k"
    assert first_unreadable_string({'ke"y': 1, "my-key": {"v": "\n"}}) == "[<key>]"
    assert first_unreadable_string({"my-key": {"v": "\n"}}) == "[<key>].v"
    assert first_unreadable_string({"plain": [1, None, True, "text"]}) is None


@pytest.mark.parametrize("pattern", ["(?i)abc", "(?s)a.b", "(?P<n>a)", "(?i:a)b", "\\\\pL", "\\\\p{Greek}",
                                     "\\\\Aab\\\\z", "[[:alpha:]]", "(a)\\\\1", "a(?=b)", "\\\\Qa\\\\E"])
def test_a_literal_pattern_regopy_reads_otherwise_than_re2_is_refused_with_its_line(pattern: str) -> None:
    # regopy left (?i) and named groups undefined, \pL false, and took back references Go refuses (measured).
    for call in (f'regex.match("{pattern}", input.s)', f'regex.replace(input.s, "{pattern}", "x")',
                 f'regex.is_valid("{pattern}")'):
        refused = engine_refusals(f"package p\nx := {call}\n", "regopy")
        assert len(refused) == 1 and "RE2" in refused[0][1], (call, refused)
        on_regorus = engine_refusals(f"package p\nx := {call}\n", "regorus")
        if pattern in ("(a)\\\\1", "a(?=b)") and not call.startswith("regex.is_valid"):
            # Go refuses these (OPA: an error): refused on both engines (re2_regorus); is_valid answers false.
            assert len(on_regorus) == 1 and "Go's RE2 refuses" in on_regorus[0][1], on_regorus
        else:
            assert on_regorus == []


def test_patterns_regopy_reads_as_re2_and_subjects_are_checked_too() -> None:
    # Near misses: the common subset passes; a literal subject holding a control character or non-ASCII text is
    # refused (regopy matched its escaped form: regex.match("\\s", "\t") was false).
    for call in ('regex.match("(?:ab)+$", input.s)', 'regex.match("^\\\\d+\\\\.\\\\w*\\\\b[a-z]{2,}$", input.s)',
                 'regex.split("[,;]", input.s)', 'regex.is_valid("^[a-z]+$")'):
        assert engine_refusals(f"package p\nx := {call}\n", "regopy") == [], call
    for call in ('regex.match("\\\\s", "\\t")', 'regex.match("a.b", "aéb")', 'glob.match("a?b", [], "aéb")'):
        assert len(engine_refusals(f"package p\nx := {call}\n", "regopy")) == 1, call


@needs_regopy
def test_a_pattern_that_is_no_literal_is_checked_when_it_runs() -> None:
    with pytest.raises(EvaluationError, match=r"regular expression given to regex\.match at p\.rego:2 holding a flag"):
        run("package p\nx := regex.match(input.p, \"ABC\")\n", {"p": "(?i)abc"})
    # near misses: a pattern of the common subset answers as OPA
    assert run("package p\nx := [regex.match(input.p, \"a12\"), regex.replace(\"a1b22\", input.p, \"#\"), "
               "regex.is_valid(input.q)]\n", {"p": "\\d+", "q": "(?:a|b)+"}) == [True, "a#b#", True]
