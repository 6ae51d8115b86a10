"""regorus_iteration: ``some x in xs`` over a value that is no collection is undefined, as in OPA.

OPA compiles ``some x in xs`` into ``x = xs[_]`` (``rewriteSomeDeclStatement``): over null, a number or a string
the statement fails and the query goes on. regorus 0.13.0 stopped the whole query ("`some .. in collection` expects
array/set/object"), so a policy iterating ``r.change.after.tags`` stopped on the first resource whose tags are null.
Each fire case is shown stopping on raw regorus, then answered as OPA through natpolicy's engine on every engine.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regorus_iteration import ITERABLE, iterables_for_regorus
from tests.test_rego_default_mode import default_answer

ENGINES = installed_engines()
DOC = {"rs": [{"tags": ["a"], "kv": [["a", 1]]}, {"tags": None, "kv": None}, {"tags": 7, "kv": 7},
            {"tags": "bc", "kv": [["b", 2], ["c"]]}, {"tags": {"k": "v"}}]}

FIRES = [
    # (rule x, OPA's answer)
    ("x := [[i, t] | some t in input.rs[i].tags]", [[0, "a"], [4, "v"]]),
    ("x contains t if { some r in input.rs; some t in r.tags }", ["a", "v"]),
    ("x := [k | some r in input.rs; some k, _ in r.tags]", [0, "k"]),
    ("x if {\n  some t in input.rs[1].tags\n  t == 1\n}", UNDEFINED),
    # a pattern as the key or value is read as a whole (rule_scope.some_in_collection)
    ("x contains [k, v] if { some r in input.rs; some [k, v] in r.kv }", [["a", 1], ["b", 2]]),
    ("x := [[i, k] | some i, [k, _] in input.rs[1].kv]", []),
]

QUIET = [
    # (rule x, OPA's answer): collections, literals and comprehensions, `every` and membership, left alone or alike
    ('x := [v | some v in {"b", "a"}]', ["a", "b"]),
    ('x := [v | some v in [1, null, "a"]]', [1, None, "a"]),
    ('x := {k | some k, _ in {"b": 1, "a": 2}}', ["a", "b"]),
    ("x := 1 if { every t in input.rs[1].tags { t == 1 } }", UNDEFINED),  # `every` fails over null, as in OPA
    ("x := [1 in input.rs[1].tags, 1 in input.rs[0].tags]", [False, False]),
    ("x contains [i, k] if { some i, [k, _] in input.rs[3].kv }", [[0, "b"]]),
    # a collection holding another `some ... in` (a comprehension the order's checks wrap, regorus_order): each
    # wrapped whole (the outer one's end was moved by the inner one's wrapping: regorus could not parse the text)
    ("x := [v | some v in [t | some t in input.rs[0].tags]]", ["a"]),
    ("x := [v | some v in [t | some t in [u | some u in input.rs[1].tags]]]", []),
]


def _raw_regorus(source: str, document: Any) -> Any:
    import regorus  # the raw engine, without natpolicy's rewrites

    engine = regorus.Engine()
    engine.add_policy("p.rego", source)
    engine.set_input_json(json.dumps(document))
    return engine.eval_rule("data.p.x")


@pytest.mark.skipif("regorus" not in ENGINES, reason="regorus is not installed here")
@pytest.mark.parametrize(("rule", "expected"), FIRES)
def test_raw_regorus_stops_where_opa_goes_on(rule: str, expected: Any) -> None:
    with pytest.raises(RuntimeError, match="expects array/set/object"):
        _raw_regorus(f"package p\nimport rego.v1\n{rule}\n", DOC)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rule", "expected"), FIRES + QUIET)
def test_every_engine_answers_as_opa(engine: str, rule: str, expected: Any) -> None:
    kind, value = default_answer(create_engine(engine), {"source": f"package p\n\n{rule}\n", "rule": "x",
                                                          "input": DOC})
    if kind == "stop" and engine == "regopy" and "some k, _ in" in rule:
        pytest.skip("regopy 1.5.2 refuses `some k, v in` in an array comprehension (Invalid collection): loud")
    assert (kind, value) == ("ok", expected)


def test_the_rewrite_wraps_only_what_may_be_no_collection_on_the_same_lines() -> None:
    source = ("package p\nx if {\n  some k, v in input.o with input as {}\n  some t in\n    input.a[0]\n  some i\n}\n"
              "y := [v | some v in [1, 2]]\nz := {v | some v in {1}; v > 0}\n")
    out = iterables_for_regorus(source)
    assert out.splitlines()[2:8] == ["  some k, v in __natpolicy_iterable(input.o) with input as {}", "  some t in",
                                     "    __natpolicy_iterable(input.a[0])", "  some i", "}",
                                     "y := [v | some v in [1, 2]]"]
    assert out.count(f"{ITERABLE}(__natpolicy_x) :=") == 3  # the helper, once
    assert iterables_for_regorus("package p\nx := [v | some v in [1]]\n") == "package p\nx := [v | some v in [1]]\n"
    nested = iterables_for_regorus("package p\nx := [v | some v in f([t | some t in input.a])]\n").splitlines()[1]
    assert nested == "x := [v | some v in __natpolicy_iterable(f([t | some t in __natpolicy_iterable(input.a)]))]"
    assert f"{ITERABLE}(__natpolicy_x) = __natpolicy_x {{" in iterables_for_regorus(source, v0=True)
