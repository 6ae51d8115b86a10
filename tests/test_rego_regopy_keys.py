"""regopy_keys: an object holding a key that is no string beside a string key of its text stops on regopy 1.5.2,
which writes, compares and merges the two as one key; OPA keeps them apart. An object with a key that is no string
read whole (compared: regopy compares keys by their text) is refused or stops; one only looked up through its keys
answers. regorus is left as it was."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.regopy_keys import (
    KEYS_APART,
    KEYS_WHOLE,
    OBJECT_SITE,
    STRING_KEY,
    WHOLE_SITE,
    key_kind_edits,
    literal_key_refusals,
)
from natpolicy.rego.regopy_rewrite import rewrite_and_key_sites
from natpolicy.rego.source import char_line_col, tokens

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]
P = "package p\nimport rego.v1\n"


def _wrapped(body: str, elsewhere: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(function, text) of each object or head key key_kind_edits wraps."""
    source = P + body
    edits, sites = key_kind_edits(source, tokens(source), elsewhere)
    starts = sorted((start, text[:-1]) for start, _, text in edits if text != ")")
    ends = sorted(start for start, _, text in edits if text == ")")
    assert len(starts) == len(ends) == len(sites)
    return [(function, source[start:end]) for (start, function), end in zip(starts, ends, strict=True)]


A, W, S = KEYS_APART, KEYS_WHOLE, STRING_KEY


@pytest.mark.parametrize(("body", "wrapped"), [
    # Read whole: a rule's value queried by another rule, a function's value, a set's element, compared.
    ("o := {k: 1 | some k in input.ks}\nx := o == input.o\n", [(W, "{k: 1 | some k in input.ks}")]),
    ('x := {input.n: 1, "a": 2}\ny := x\n', [(W, '{input.n: 1, "a": 2}')]),
    ("f(k) := {k: 1}\n", [(W, "{k: 1}")]),
    ("x contains {k: 1} if { some k in input.ks }\n", [(W, "{k: 1}")]),
    ("x if {\n  o := {[1]: 2}\n  o == input.o\n}\n", [(W, "{[1]: 2}")]),  # an array is no literal key
    ("p[k] := 1 if { some k in input.ks }\nx := p\n", [(S, "k")]),
    ("p.a[k][input.j] := 1 if { some k in input.ks }\nx := p\n", [(S, "k"), (S, "input.j")]),
    # Only looked up, where a key that is no string beside one of its text still stops.
    ("o := {k: 1 | some k in input.ks}\nx := [o[1], o.a, count(o), object.get(o, 2, 0)]\n",
     [(A, "{k: 1 | some k in input.ks}")]),
    ("x if {\n  o := {[1]: 2}\n  o[[1]]\n}\n", [(A, "{[1]: 2}")]),
    ("x := [v | some v in o] if o := {k: 1 | some k in input.ks}\n", [(A, "{k: 1 | some k in input.ks}")]),
    ("o := {k: 1 | some k in input.ks}\nx if { every k, v in o { v > k } }\n", [(A, "{k: 1 | some k in input.ks}")]),
    ("o := {k: 1 | some k in input.ks}\n", [(A, "{k: 1 | some k in input.ks}")]),  # queried alone: written
    ('p[k] := 1 if { some k in input.ks }\nx := p[1]\n', []),
    ("p[k] := 1 if { some k in input.ks }\n", []),  # queried alone: written as OPA writes it (numbered keys)
    # Near misses: string keys, literal keys (decided before anything runs), sets, patterns, heads, defaults.
    ('x := {"a": input.n, `b`: 2}\n', []),
    ('x := {22: "ssh", 3389: "rdp", true: 1, null: 2, -1: 3}\n', []),
    ("x := {k | some k in input.ks}\n", []),
    ('x := [v | {"a": v} = input.o]\n', []),
    ("x if {\n  {input.k: v} = input.o\n  v\n}\n", []),
    ("f({k: v}) := v\n", []),
    ("default x := {[1]: 2}\n", []),
    ("x if {\n  some y in input.ys\n  y\n}\n", []),  # a body's braces are no object
    ('p["a"] := 1\np[`b`] := 2\nx := p\n', []),
])
def test_an_object_with_a_key_that_may_be_no_string_is_wrapped(body: str, wrapped: list[tuple[str, str]]) -> None:
    assert _wrapped(body) == wrapped


def test_a_rule_another_module_mentions_may_be_read_whole_there() -> None:
    body = "o := {k: 1 | some k in input.ks}\np[k] := 1 if { some k in input.ks }\nx := p[1]\n"
    assert _wrapped(body, frozenset({"o", "p"})) == [(W, "{k: 1 | some k in input.ks}"), (S, "k")]
    assert _wrapped(body, frozenset({"q"})) == [(A, "{k: 1 | some k in input.ks}")]


def test_the_rewrite_names_the_written_lines_of_the_objects_it_wraps() -> None:
    # engine_regopy names these lines where a query stops. Found once, on the text the wrapping reads (where the
    # sprintf rewrite above has moved every offset), they are the lines and sites of the module as written.
    source = P + 'm := sprintf("%v", [input.a])\nx := {k: 1 | some k in input.a} == input.o\n\n' \
        "y := {k: 1 | some k in input.a}[input.b]\n"
    out, sites = rewrite_and_key_sites(source)
    assert sites == ((4, WHOLE_SITE), (6, OBJECT_SITE))
    assert [(char_line_col(source, offset)[0], site) for offset, site in key_kind_edits(source, tokens(source))[1]] \
        == list(sites)
    assert [n for n, line in enumerate(out.splitlines(), 1) if KEYS_WHOLE in line or KEYS_APART in line][:2] == [4, 6]


@pytest.mark.parametrize(("body", "clash"), [
    ('x := {1: "a", "1": "b"}\n', "1"),
    ('x := {"true": 1, true: 2}\n', "true"),
    ('x := {null: 1, "null": 2}\n', "null"),
    ('x := {-1: 1, "-1": 2}\n', "-1"),
    ('default x := {2: 1, `2`: 2}\n', "2"),
])
def test_literal_keys_of_one_text_are_refused_with_the_object(body: str, clash: str) -> None:
    source = P + body
    refusals = literal_key_refusals(tokens(source))
    assert len(refusals) == 1 and f"keyed by `{clash}`" in refusals[0][1]
    assert source[refusals[0][0]] == "{"


@pytest.mark.parametrize("body", [
    'x := {1: "a", "2": "b"}\n', 'x := {"1": "a", "x": 1}\n', "x := {1: 2, 1.5: 3}\n", 'x := {"1", 1}\n',
    'x := {1.5: "a", "1.50": "b"}\n',
])
def test_other_literal_keys_are_not_refused(body: str) -> None:
    assert literal_key_refusals(tokens(P + body)) == []


def _run(engine_name: str, body: str, document: Any) -> Any:
    source = P + body
    refused = engine_refusals(source, engine_name)
    if refused:
        return ("refused", refused[0][1])
    engine = create_engine(engine_name)
    compiled = engine.compile({"p.rego": source}, None, ["p/x"])
    try:
        return engine.evaluate(compiled, "p/x", engine.prepare_input(document))
    except EvaluationError as exc:
        return ("stopped", exc.message)


# (rule, input, OPA's answer): OPA keeps a key that is no string apart from the string of its text.
BUILT = [
    ("x := [count(o), o[1], o[\"1\"]] if o := {k: k | some k in input.ks}", {"ks": [1, "1"]}, [2, 1, "1"]),
    ('x := count({input.n: "a", "1": "b"})', {"n": 1}, 2),
    ('x := count(object.union({1: "a"}, {"1": "b"}))', {}, 2),
    ('x := count(object.union({"1": "a"}, {1: "b"}))', {}, 2),
    ('x := count(object.union_n([{"2": 1}, {1: "a"}, {"1": "b"}]))', {}, 3),
    ('x := [count(o), o[true]] if o := {true: 1, "true": 2}', {}, [2, 1]),
]
# Near misses, answered alike on both engines.
ALIKE = [
    ("x := [count(o), o[1]] if o := {k: k | some k in input.ks}", {"ks": [1, "2"]}, [2, 1]),
    ('x := {22: "ssh", 3389: "rdp"}[input.p]', {"p": 22}, "ssh"),
    ('x := count({k: 1 | some k in input.ks})', {"ks": ["a", "1"]}, 2),
    # Only looked up: a key that is no string answers on regopy (it looks keys up by their kind).
    ('ports := {22: "ssh"}\nx := [ports[input.p], object.get(ports, 22, ""), count(ports)]', {"p": 22},
     ["ssh", "ssh", 1]),
    ("o := {k: 4 | some k in input.ks}\nx := [[k, v] | some k, v in o]", {"ks": [2, 1]}, [[1, 4], [2, 4]]),
    ("p[k] := 4 if some k in input.ks\nx := [p[1], object.get(p, \"1\", 0)]", {"ks": [1]}, [4, 0]),
    ('x := [{1: "a"}[input.p], object.get({1: "a"}, input.q, 0)]', {"p": 1, "q": "1"}, ["a", 0]),
]
# (rule, input, OPA's answer, line): an object with a key that is no string read whole, which regopy compares by
# its keys' text: refused there (a literal key, a pattern) or stopped on its line (a computed key).
WHOLE = [
    ('x := {1: 4} == {"1": 4}', {}, False, 3),
    ("x := {1: 4} == input.o", {"o": {"1": 4}}, False, 3),
    ("x := count({{1: 4}, input.o})", {"o": {"1": 4}}, 2, 3),
    ('x := count(object.union({1: "a"}, {"2": "b"}))', {}, 2, 3),  # a union reads its objects whole
    ("x := [1 | {1: 4} = input.o]", {"o": {"1": 4}}, [], 3),  # a pattern
    ("o := {k: 4 | some k in input.ks}\nx := o == input.o", {"ks": [1], "o": {"1": 4}}, False, 3),
    ("x := count({{k: 4 | some k in input.ks}, input.o})", {"ks": [1], "o": {"1": 4}}, 2, 3),
    ("p[k] := 4 if some k in input.ks\nx := p == input.o", {"ks": [1], "o": {"1": 4}}, False, 3),
    ("x := [o == input.o] if o := {true: 4}", {"o": {"true": 4}}, [False], 3),
]


@pytest.mark.parametrize(("rule", "document", "opa"), BUILT)
def test_regopy_stops_where_such_an_object_is_built_and_regorus_answers(rule: str, document: Any, opa: Any) -> None:
    if "regorus" in ENGINES:
        assert _run("regorus", rule + "\n", document) == opa  # regorus answers as OPA, as before
    if "regopy" in ENGINES:
        outcome = _run("regopy", rule + "\n", document)
        assert isinstance(outcome, tuple), outcome  # never an answer
        kind, message = outcome
        assert (kind == "refused" or "p.rego:3" in message) and "regopy 1.5.2" in message, message


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("rule", "document", "opa"), ALIKE)
def test_objects_keyed_apart_answer_on_both_engines(engine_name: str, rule: str, document: Any, opa: Any) -> None:
    assert _run(engine_name, rule + "\n", document) == opa


@pytest.mark.parametrize(("rule", "document", "opa", "line"), WHOLE)
def test_an_object_keyed_by_no_string_read_whole_is_refused_or_stops_on_regopy(rule: str, document: Any, opa: Any,
                                                                               line: int) -> None:
    if "regorus" in ENGINES:
        assert _run("regorus", rule + "\n", document) == opa
    if "regopy" in ENGINES:
        outcome = _run("regopy", rule + "\n", document)
        assert isinstance(outcome, tuple), outcome  # never an answer: regopy's was the other one
        kind, message = outcome
        assert (kind == "refused" or f"p.rego:{line}" in message) and "regopy 1.5.2" in message, message
        assert "compares objects by their keys' text" in message or "given a key that is no string" in message \
            or kind == "stopped", message
