"""regopy_some_pairs: ``some k, v in xs`` inside an array or set comprehension, which rego-cpp 1.5.2 cannot parse
("Invalid collection": it reads the comma as an array literal's), written as OPA's compiler reads it
(``rewriteSomeDeclStatement``: ``v = xs[k]``, both declared), on the statement's lines."""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regopy_some_pairs import some_pairs_for_regopy
from tests.test_rego_default_mode import default_answer

DOC = {"a": [1, 2, 3], "o": {"x": 1, "y": 5}, "rs": [{"tags": {"k": "v"}}, {"tags": None}], "n": None,
       "ps": [[1, 2], [3, 4, 5], [6, 7], [8, 8]], "ns": [{"n": 1}, {"n": 2, "m": 3}, {"m": 4}, [5]]}
FIRES = [
    # (rule x, OPA's answer)
    ("x := [k | some k, v in input.a; v > 1]", [1, 2]),
    ("x := {k | some k, v in input.o; v > 1}", ["y"]),
    ("x := [[k, v] | some k, v in input.o]", [["x", 1], ["y", 5]]),
    ("x := [v | some _, v in input.o]", [1, 5]),
    ("x := [[i, k] | some i, r in input.rs; some k, _ in r.tags]", [[0, "k"]]),
    ('x := [k | some k, v in object.get(input, "o", {}); v == 5]', ["y"]),
    ("x := [k | some k, v in input.n]", []),
    # a pattern as the value: `pattern = xs[k]`, each of its names declared
    ("x := [[k, a] | some k, [a, _] in input.ps]", [[0, 1], [2, 6], [3, 8]]),
    ("x := [[k, a] | some k, [a, a] in input.ps]", [[3, 8]]),
    ("x := {a | some _, [[a]] in [[[1]], [[2], 3], [[4, 5]]]}", [1]),
    ("x := [[k, a, b] | some k, [a,\n  b, 5] in\n  input.ps]", [[1, 3, 4]]),
    ('x := {a | some _, {"n": a} in input.ns}', [1]),  # OPA: an object of exactly those keys
]


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
@pytest.mark.parametrize(("rule", "expected"), FIRES)
def test_raw_regopy_refuses_and_natpolicy_answers_as_opa(rule: str, expected: Any) -> None:
    import regopy  # the raw engine, without natpolicy's rewrites

    with pytest.raises(regopy.RegoError, match="Invalid collection"):
        regopy.Interpreter().add_module("p", f"package p\nimport rego.v1\n{rule}\n")
    for engine in installed_engines():
        answer = default_answer(create_engine(engine), {"source": f"package p\n\n{rule}\n", "rule": "x",
                                                        "input": DOC})
        if engine == "regorus" and answer[0] == "stop" and "object pattern" in answer[1]:
            continue  # regorus_patterns refuses an object pattern against a value that may hold more keys: loud
        assert answer == ("ok", expected), engine


def test_the_rewrite_keeps_lines_and_leaves_what_regopy_parses() -> None:
    source = "package p\nx := [k | some _, k in\n  input.a\n  k > 1]\ny := 1\n"
    out = some_pairs_for_regopy(source)
    assert out.count("\n") == source.count("\n") and out.splitlines()[1] == "x := [k | some k; k = input.a[_]"
    assert out.splitlines()[4] == "y := 1"
    source = 'package p\nx := [a | some k, [a, _,\n  {"n": b}] in\n  input.a]\ny := 1\n'
    out = some_pairs_for_regopy(source)
    assert out.count("\n") == source.count("\n") and out.splitlines()[4] == "y := 1"
    assert out.splitlines()[1] == 'x := [a | some k; some a; some b; [a, _,   {"n": b}] = input.a[k]'
    for kept in ("package p\nx := {k: v | some k, v in input.o}\n",  # an object comprehension parses
                 "package p\nx if { some k, v in input.o }\n",  # so does a rule's body
                 "package p\nx := [a | some [k, 1], a in input.o]\n",  # a key pattern: left, refused (loud)
                 "package p\nx := [a | some k, [a, input.b] in input.o]\n",  # a ref inside the pattern: left
                 "package p\nx := [a | some k, {a, 1} in input.o]\n",  # a set: left
                 "package p\nx := [a | some k, {a: 1} in input.o]\n",  # a variable object key: left
                 'package p\nx := [k | some k, v in f(1) with input as {}]\n'):  # `with` would reach one statement
        assert some_pairs_for_regopy(kept) == kept
    assert json.dumps(some_pairs_for_regopy('package p\nx := {k | some k, _ in object.get(input, "a", [])}\n')) \
        == json.dumps('package p\nx := {k | some k; __natpolicy_sp20 := object.get(input, "a", []); '
                      '_ = __natpolicy_sp20[k]}\n')
