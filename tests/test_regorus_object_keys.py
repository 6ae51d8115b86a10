"""regorus_object_keys: which runs check the keys of the objects an array comprehension iterates, and which not."""
from __future__ import annotations

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.regorus_object_keys import keys_to_check, may_key_by_set, needs_object_check, set_free_keyed
from natpolicy.rego.regorus_order import order_for_regorus
from natpolicy.rego.source import tokens
from tests.test_rego_conformance import PROBES, outcome


@pytest.mark.parametrize("body", [
    "by_addr := {r.address: r | some r in input.resource_changes}",
    "x[i] := r.name if { r := input.rs[i] }",
    "x[i] := r.name if { some i; r := input.rs[i] }",
    "x[i] := r.name if { some i, r in input.rs }",
    "by_name[name] := r if {\n  some r in input.rs\n  name := r.name\n  m := sprintf(\"%s\", [r.address])\n}",
    'o := {sprintf("%s", [r.a]): 1 | some r in input.rs}',
    'deny contains msg if {\n  some r in input.rs\n  msg := sprintf("%s", [r.address])\n}',
    'o := {"a": 1, 2: 3, true: 4}',
    "deny[msg] {\n  msg := {1}\n}",  # Rego v0: a partial set, whose bracket holds an element
])
def test_keys_that_hold_no_set_need_no_check(body: str) -> None:
    assert not may_key_by_set([f"package p\n{body}\n"])
    assert keys_to_check([f"package p\n{body}\n"]) is None


@pytest.mark.parametrize("body", [
    "o := {t: 1 | some t in {r.type | some r in input.rs}}",  # a set's elements
    'o := {{"a": 1}: 1, {1}: 2}',
    'q[k] := v if some [k, v] in [[{"a": 1}, 1], [{1}, 2]]',
    "f(k) := {k: 1}",  # a function's argument
    "o := {k: 1 | [k] = input.x}",  # a pattern
    "o := {k: 1 | some k in object.keys(input.x)}",
    "o := {k: 1 | some k in data.p.s}",
    "o := {k: 1 | s[k]}",  # a bracket of what may be a set
    "x := [k | some k, _ in input.o] with input as {}",  # input may hold sets
    'x := json.patch({}, [{"op": "add", "path": input.p, "value": 1}])',  # a key of the path's elements
    "o := {r.a: 1 | some r in input.rs}\nr := {1}",  # `r` is local there: still from input
    'o := {lower(r.a): 1 | some r in input.rs}\nlower(x) := {x}',  # a function of the policy's, no builtin
])
def test_keys_that_may_hold_a_set_are_checked(body: str) -> None:
    source = f"package p\n{body}\n"
    assert may_key_by_set([source]) == (body != "o := {r.a: 1 | some r in input.rs}\nr := {1}")


def test_rules_keyed_by_what_holds_no_set_are_iterated_unchecked() -> None:
    source = ("package main\nby_addr := {r.address: r | some r in input.rs}\ntypes := {t | some r in input.rs; "
              "t := r.type}\nidx := {t: 1 | some t in types}\nx[i] := 1 if input.rs[i]\ny.a[k] := 1 if some k in "
              "types\nz := 3\nw := f(1)\nv := {\"a\": 1} if input.a\nv := {{1}: 1} if input.b\n"
              "u := {\"a\": 1} if input.a else := input.u\n")
    assert set_free_keyed([source]) == {"by_addr", "types", "x", "y", "z"}
    assert keys_to_check([source]) == {"by_addr", "types", "x", "y", "z"}
    assert keys_to_check([source, "package q\nx := 1 with input as {}\n"]) == frozenset()
    assert keys_to_check([source, "package q\nx := 1 with data.main.by_addr as {}\n"]) == frozenset()
    assert keys_to_check([source, "package q\nlower(x) := {x}\n"]) == frozenset()


def test_a_local_of_a_rules_name_is_checked() -> None:
    source = "package p\nx := [v | by_addr := {{1}: 1}; some v in by_addr]\ny := [v | some v in by_addr]\n"
    toks = tokens(source)
    first = [k for k, t in enumerate(toks) if t.text == "by_addr"]
    safe = frozenset({"by_addr"})
    assert needs_object_check(source, toks, first[1], first[1], safe)
    assert not needs_object_check(source, toks, first[2], first[2], safe)


def test_a_run_that_checks_no_object_is_rewritten_as_before() -> None:
    source = "package p\no := {r.a: r | some r in input.rs}\nx := [v | some v in o]\ny := [v | some v in o.b]\n"
    plain = order_for_regorus(source)
    assert "__natpolicy_riterodd" not in plain and order_for_regorus(source, keyed=None) == plain
    checked = order_for_regorus(source, keyed=frozenset({"o"})).split("\n")
    # The sites keep their lines; the object check's helpers come after them. `o` (exempt) is checked as before,
    # `o.b` for an object keyed by both an object and a set too.
    assert checked[:len(plain.split("\n")) - 1] == [
        line.replace("__natpolicy_rsetmixed(", "__natpolicy_riterodd(") if line.startswith("__natpolicy_riter_l4_")
        else line for line in plain.split("\n")[:-1]]
    assert checked[-4].startswith("__natpolicy_riterodd(__natpolicy_x) if __natpolicy_rsetmixed(")


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")
def test_a_rego_v0_module_that_checks_objects_compiles() -> None:
    engine = create_engine("regorus")
    source = 'package p\nimport future.keywords.in\no[k] = v { some [k, v] in [[{"a": 1}, 1], [{1}, 2]] }\nx = [v | some v in o]\n'
    compiled = engine.compile({"p.rego": source}, None, ["p/x"], rego_version="v0")
    with pytest.raises(EvaluationError, match="an object keyed by both"):
        engine.evaluate(compiled, "p/x", engine.prepare_input({}))


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")
def test_regorus_stops_on_an_object_keyed_by_an_object_and_a_set_and_answers_the_near_miss() -> None:
    engine = create_engine("regorus")
    kind, detail = outcome(engine, next(p for p in PROBES if p["name"] == "object-keyed-by-an-object-and-a-set-iterated"))
    assert kind == "error" and detail.startswith("p.rego:4:1: ") and "an object keyed by both" in detail
    near = next(p for p in PROBES if p["name"] == "object-keyed-by-an-object-and-an-array-iterated")
    assert outcome(engine, near) == ("ok", "")


def test_a_name_written_in_an_array_literal_is_read_there() -> None:
    # `[name]` builds an array (sprintf's arguments): no bracket of a ref, which would bind the name.
    assert not may_key_by_set(['package p\no := {name: m | some r in input.rs; name := r.n; m := sprintf("%s", '
                               '[name])}\n'])


def test_marshals_check_keys_of_one_text_only_in_a_run_that_may_key_by_a_set() -> None:
    source = 'package p\nx := json.marshal({r.a: 1 | some r in input.rs})\n'
    assert "count({json.marshal(" not in order_for_regorus(source)
    assert order_for_regorus(source, keyed=frozenset()).count("count({json.marshal(") == 1
