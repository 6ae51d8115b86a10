"""Regular expressions read as Go's RE2 reads them (OPA's regexp): re2_syntax's parse, re2_regorus' rewrite and
extension on regorus, and regopy_patterns' refusals on regopy.

regorus 0.13.0 compiles patterns with Rust's regex (Unicode \\d \\w \\s \\b, nested classes, `\\<`, `a**` taken),
regopy 1.5.2 takes `a**` and reads `a{01}` as a repetition (measured): each fire is such a case, each near miss
a pattern both read as Go does, which must keep its meaning.
"""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.re2_regorus import opa_re2_pattern, opa_re2_valid_pattern, re2_for_regorus
from natpolicy.rego.re2_syntax import Re2SyntaxError, read_re2, rust_pattern
from natpolicy.rego.regopy_patterns import pattern_refusal
from rego_answers import ENGINES, answer

# (Go's pattern, the form Rust reads the same way).
_WRITTEN = [
    (r"^\d+$", "^[0-9]+$"),
    (r"\D\S\W", r"[^0-9][^\t\n\f\r ][^0-9A-Za-z_]"),
    (r"[\d\s]", r"[0-9\t\n\f\r ]"),
    (r"[^\D]", "[^[^0-9]]"),
    (r"a\bb\B", r"a(?-u:\b)b(?-u:\B)"),
    (r"\\d", r"\\d"),  # an escaped backslash, then the letter d
    (r"a{,3}", r"a\{\,3\}"),  # no count Go reads: text
    (r"a{01}", r"a\{01\}"),
    (r"\<a\>", "<a>"),
    (r"[a[b]]", r"[a\[b]\]"),
    (r"[a&&b~~c]", r"[a\&\&b\~\~c]"),
    (r"\101\x{42}\x43", "ABC"),
    (r"\Qa.b\E", r"a\.b"),
    (r"(?P<n>a)(?<m>b)", "(?P<n>a)(?P<m>b)"),
]


@pytest.mark.parametrize(("go", "rust"), _WRITTEN)
def test_written_as_rust_reads_it_the_way_go_does(go: str, rust: str) -> None:
    assert rust_pattern(go) == rust


# Read alike already: written back with the same meaning (only punctuation escaped).
@pytest.mark.parametrize("pattern", [r"^(a*)*$", "a*?b+?c??", r"a{2}?x{2,}y{2,3}", r"(?i)^[a-z]+$", r"(?s:.)\pL",
                                     r"[[:alpha:]\p{Greek}]", r"^$", "é|ü"])
def test_near_misses_keep_their_text(pattern: str) -> None:
    assert rust_pattern(pattern) == pattern


# Go's errors (parse.go), each taken by Rust's regex or regopy.
_GO_ERRORS = [
    ("a**", "invalid nested repetition operator"), ("a++", "invalid nested repetition operator"),
    ("a*?*", "invalid nested repetition operator"), ("a{2}{3}", "invalid nested repetition operator"),
    ("a?{2}", "invalid nested repetition operator"), ("a{1001}", "invalid repeat count"),
    ("(a{100}){100}", "invalid repeat count"), ("((a{10}){10}){11}", "invalid repeat count"),
    ("(?x)a", "invalid or unsupported Perl syntax"), ("(?u)a", "invalid or unsupported Perl syntax"),
    (r"\u0041", "invalid escape sequence"), (r"\e", "invalid escape sequence"), (r"\1", "invalid escape sequence"),
    ("(?P<a.b>x)", "invalid named capture"), ("[z-a]", "invalid character class range"),
    ("[[:foo:]]", "invalid character class range"), ("*a", "missing argument to repetition operator"),
    ("(a", "missing closing )"), ("a)", "unexpected )"), ("[a", "missing closing ]"),
]


@pytest.mark.parametrize(("pattern", "code"), _GO_ERRORS)
def test_what_go_refuses_raises_its_error(pattern: str, code: str) -> None:
    with pytest.raises(Re2SyntaxError) as caught:
        rust_pattern(pattern)
    assert caught.value.code == code


@pytest.mark.parametrize("pattern", ["(a{10}){100}", "((a{500}){0}){3}", "(a*)+", "a{1000}", "a{2}|b{3}"])
def test_near_misses_go_takes(pattern: str) -> None:
    rust_pattern(pattern)


def test_what_regopy_reads_otherwise_is_noted() -> None:
    assert all(read_re2(p).brace_as_text for p in ("a{,3}", "x{a}", "a{01}", "a{2"))
    assert not any(read_re2(p).brace_as_text for p in ("a{2}", r"a\{2", "a{2,}"))
    assert all(read_re2(p).repeated_assertion for p in ("$?", "^*", r"\b+", r"\B{0}", r"a(?i)\A*"))
    assert not any(read_re2(p).repeated_assertion for p in ("(^)*", r"\$*", "[^*]", r"a\b", "^a*", r"\\b*"))
    assert read_re2("[]a]").bracket_first and read_re2("[^]a]").bracket_first
    assert not read_re2(r"[a]]").bracket_first and not read_re2(r"\[]").bracket_first


def test_the_rewrite_keeps_lines_and_raw_strings() -> None:
    source = ('package p\nx := regex.match(`^\\d\n$`, input.s)\ny := regex.replace(input.s, "\\\\w", "")\n'
              'z := regex.match(__natpolicy_if_string(input.p), "a")\nw := regex.is_valid("a**")\n'
              'v := upper("\\\\d")\n')
    out = re2_for_regorus(source)
    assert out.count("\n") == source.count("\n")
    lines = out.split("\n")
    assert lines[1] == "x := regex.match(`^[0-9]"
    assert lines[3] == 'y := regex.replace(input.s, "[0-9A-Za-z_]", "")'
    assert lines[4] == 'z := regex.match(__natpolicy_re2_pattern(__natpolicy_if_string(input.p)), "a")'
    assert lines[5] == 'w := regex.is_valid("(")'
    assert lines[6] == 'v := upper("\\\\d")'  # not a pattern


def test_the_extensions() -> None:
    assert opa_re2_pattern(r"\d") == "[0-9]"
    assert opa_re2_pattern(7) == 7  # the builtin reports another kind itself
    with pytest.raises(ValueError, match="invalid nested repetition operator") as caught:
        opa_re2_pattern("secret-a**")
    assert "secret" not in str(caught.value)  # a pattern from the input is never echoed
    assert opa_re2_valid_pattern("a**") == "("
    assert opa_re2_valid_pattern(r"\w") == "[0-9A-Za-z_]"


def _regorus(expression: str, document: object = None) -> object:
    if "regorus" not in ENGINES:
        pytest.skip("regorus is not installed here")
    return answer("regorus", expression, document)


def test_regorus_reads_classes_as_ascii_at_run_time() -> None:
    assert _regorus("regex.match(input.p, input.s)", {"p": r"^\w+$", "s": "héllo"}) is False
    assert _regorus("regex.match(input.p, input.s)", {"p": r"^\w+$", "s": "hello"}) is True
    assert _regorus("regex.find_all_string_submatch_n(input.p, input.s, -1)",
                    {"p": r"(\d)\b", "s": "1é 2"}) == [["1", "1"], ["2", "2"]]


def test_regorus_stops_at_the_line_of_a_pattern_go_refuses() -> None:
    with pytest.raises(EvaluationError, match=r"^p\.rego:3:\d+: error parsing regexp: invalid nested repetition"):
        _regorus("regex.split(input.p, input.s)", {"p": "a++", "s": "x"})


def test_guards_refuse_a_literal_go_refuses_by_line_on_both_engines() -> None:
    source = 'package p\n\nx := regex.match(`(a{100}){100}`, input.s)\n'
    for engine in ("regorus", "regopy"):
        refusals = engine_refusals(source, engine)
        assert refusals and "invalid repeat count" in refusals[0][1]
        assert source[refusals[0][0]] == "`"
    assert engine_refusals(source.replace("{100}){100}", "{10}){100}"), "regorus") == []
    # regex.is_valid answers false there (regorus); regopy, which says true, refuses it.
    assert engine_refusals('package p\nx := regex.is_valid("a**")\n', "regorus") == []
    assert "is_valid" in engine_refusals('package p\nx := regex.is_valid("a**")\n', "regopy")[0][1]


def test_regorus_refuses_a_regex_builtin_replaced_with_with() -> None:
    source = 'package p\nx if { regex.match("a", "a") with regex.match as true }\n'
    assert "replaced with `with`" in engine_refusals(source, "regorus")[0][1]
    assert not any("replaced with `with`" in m for _, m in engine_refusals(source.replace("regex.match as",
                                                                                         "input.x as"), "regorus"))


def test_regopy_refuses_what_it_reads_otherwise_than_go() -> None:
    assert "`{` Go's RE2 reads as the character itself" in (pattern_refusal("regex.match", "^a{01}$") or "")
    assert "empty-width assertion" in (pattern_refusal("regex.match", "^a$?") or "")
    assert "opening a class with `]`" in (pattern_refusal("regex.match", "[]a]") or "")
    assert pattern_refusal("regex.match", "^a{1}$") is None
    assert pattern_refusal("regex.match", "^[a]]*$") is None


@pytest.mark.parametrize("pattern", ["^a++$", "^a{2}*$", "^a{01}$", "^a{,3}$", "^a{1001}$", "^a$?", "^*a", "a\\b+",
                                     "[]a]", "[^]a]"])
def test_regopy_stops_on_such_a_pattern_from_the_input(pattern: str) -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    with pytest.raises(EvaluationError, match="repetition following a repetition"):
        answer("regopy", "regex.match(input.p, input.s)", {"p": pattern, "s": "aa"})


@pytest.mark.parametrize("pattern", ["^a+b*$", "^a{2}$", "^a{2,}b?$", "^(a*)*$", "^[^*]+$", "a\\b", "[a]]"])
def test_regopy_near_misses_from_the_input(pattern: str) -> None:
    if "regopy" not in ENGINES:
        pytest.skip("regopy is not installed here")
    assert answer("regopy", "regex.match(input.p, input.s)", {"p": pattern, "s": "aab"}) in (True, False)



def test_regorus_template_parts_read_as_go_reads_them() -> None:
    document = {"t": r"id-{\d+}-{\w+}", "a": "{", "b": "}"}
    expression = "regex.template_match(input.t, input.x, input.a, input.b)"
    assert _regorus(expression, {**document, "x": "id-٣-a"}) is False
    assert _regorus(expression, {**document, "x": "id-3-a"}) is True
    with pytest.raises(EvaluationError, match=r"^p\.rego:3:\d+: regex\.template_match: the template's part 1"):
        _regorus(expression, {**document, "t": "id-{a**}", "x": "id-a"})
