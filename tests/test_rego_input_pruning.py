"""regorus is handed only the parts of an input its policies can observe (input_paths, input_pruning): what the
reading keeps, how a text is cut, and that every answer, error and message is the whole input's (differentials on
the probe suite, generated policies and the corpus plans)."""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.depth import text_depth_over
from natpolicy.rego.engine import UNDEFINED, EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.input_paths import Unprunable, observed_paths, read_ast
from natpolicy.rego.input_pruning import nested_deeper, pruner_for
from natpolicy.rego.plan_bytes import read_plan

pytestmark = pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed here")

ROOT = Path(__file__).resolve().parent.parent
HEAD = "package p\n\nimport rego.v1\n\n"


@pytest.fixture(autouse=True)
def prune_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """The differentials below use small documents, which a run hands over whole (PRUNE_FROM_CHARS): cut them."""
    from natpolicy.rego import regorus_input

    monkeypatch.setattr(regorus_input, "PRUNE_FROM_CHARS", 0)


def compiled(source: str, rule: str = "x") -> tuple[Any, Any]:
    engine = create_engine("regorus")
    return engine, engine.compile({"p.rego": source}, None, [f"p/{rule}"])


def tree(body: str) -> Any:
    """What the reading keeps of ``input`` for the rules ``body`` (``package p``), or ``"UNPRUNABLE"``."""
    _, done = compiled(HEAD + body)
    try:
        return observed_paths(read_ast(done.engine.get_ast_as_json())).describe()
    except Unprunable:
        return "UNPRUNABLE"


# -- the reading ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "kept"), [
    # The benchmark's one rule: each change's type, address and Owner tag, nothing else.
    ('x contains msg if {\n some rc in input.resource_changes\n rc.type == "aws_instance"\n'
     ' not rc.change.after.tags.Owner\n msg := sprintf("%s", [rc.address])\n}\n',
     {"resource_changes": {"*": {"address": "WHOLE", "type": "WHOLE",
                                 "change": {"after": {"tags": {"Owner": "WHOLE"}}}}}}),
    ('x contains rc.address if { rc := input.resource_changes[_]; rc.change["after"].tags }\n',
     {"resource_changes": {"*": {"address": "WHOLE", "change": {"after": {"tags": "WHOLE"}}}}}),
    ("x if { some k, v in input.a; v.b }\n", {"a": {"*": {"b": "WHOLE"}}}),
    ("x if { every v in input.a { v.b > 1 } }\n", {"a": {"*": {"b": "WHOLE"}}}),
    ("x if { input.a[i].b; i > 1 }\n", {"a": {"*": {"b": "WHOLE"}}}),
    ("x if { input.a[0].b }\n", {"a": {"*": {"b": "WHOLE"}}}),
    ("x if { count(input.a) > 1 }\n", {"a": "WHOLE"}),
    ("x if { walk(input.a, [p, v]) }\n", {"a": "WHOLE"}),
    ('x if { "y" in input.a.b }\n', {"a": {"b": "WHOLE"}}),
    ("x := input.a.b\n", {"a": {"b": "WHOLE"}}),
    ("x := [v | v := input.a[_].b]\n", {"a": {"*": {"b": "WHOLE"}}}),
    ("x if { is_object(input.a); input.a.b }\n", {"a": {"b": "WHOLE"}}),
    ("x if { not input.a.b }\n", {"a": {"b": "WHOLE"}}),
    ('x if { input.a[input.k] }\n', {"a": {"*": "WHOLE"}, "k": "WHOLE"}),
    # `=` binds a variable bound nowhere else, and compares one that is.
    ("x if { v = input.a; v.b }\n", {"a": {"b": "WHOLE"}}),
    ('x if { v := "s"; v = input.a }\n', {"a": "WHOLE"}),
    ("x if { every v in input.a { v = input.b } }\n", {"a": {"*": "WHOLE"}, "b": "WHOLE"}),
    ("x if { [a, b] := input.pair; a }\n", {"pair": "WHOLE"}),
    ("x if { some [a, b] in input.pairs; a }\n", {"pairs": "WHOLE"}),
    # Functions: a parameter holds what each call passes; a result passes a path only when it is the parameter.
    ("f(r) := r.name\nx := f(input.a)\n", {"a": {"name": "WHOLE"}}),
    ("g(r) := r\nx if { g(input.a).b }\n", {"a": {"b": "WHOLE"}}),
    ("f(r) := r.a\nf(r) := r.b\nx := f(input.c)\n", {"c": {"a": "WHOLE", "b": "WHOLE"}}),
    ("f(r) := y if { y := r[_] }\nx := f(input.c)\n", {"c": {"*": "WHOLE"}}),
    ('f("k") := 1\nx := f(input.c)\n', {"c": "WHOLE"}),
    ("import input.resource_changes as rcs\nx if { rcs[_].type }\n", {"resource_changes": {"*": {"type": "WHOLE"}}}),
    # What the engine gets whole: input used whole, by a computed key, `with`, `import input`.
    ("x := input\n", "UNPRUNABLE"),
    ("x := object.keys(input)\n", "UNPRUNABLE"),
    ("x if { some k; input[k] }\n", "UNPRUNABLE"),
    ("f := 1\nx if { f with input as {} }\n", "UNPRUNABLE"),
    ('x if { input.a with input.a as "b" }\n', "UNPRUNABLE"),
    ("import input\nx := input.a\n", "UNPRUNABLE"),
])
def test_the_reading_keeps_what_a_policy_can_observe(body: str, kept: Any) -> None:
    assert tree(body) == kept


def test_a_rule_whose_value_is_an_input_subtree_keeps_it_whole() -> None:
    assert tree("rcs := input.resource_changes\nx if { rcs[_].type }\n") == {"resource_changes": "WHOLE"}


def test_a_call_reaches_a_function_as_regorus_resolves_it() -> None:
    """A bare name is the caller's package's function (shadowing a builtin there), or else the builtin: another
    package's `upper` must not stand for the builtin, which observes its argument whole."""
    engine = create_engine("regorus")
    modules = {"a.rego": "package a\n\nimport rego.v1\n\nupper(r) := r.name\n\ng(r) := r.name\n",
               "p.rego": "package p\n\nimport rego.v1\n\nimport data.a as lib\n\n"
                         "x := [upper(input.whole), data.a.g(input.b), lib.g(input.c), a.g(input.d)]\n",
               "q.rego": "package q\n\nimport rego.v1\n\nupper(r) := r.id\n\ny := upper(input.e)\n"}
    done = engine.compile(modules, None, ["p/x", "q/y"])
    assert observed_paths(read_ast(done.engine.get_ast_as_json())).describe() == {
        "whole": "WHOLE", "b": {"name": "WHOLE"}, "c": {"name": "WHOLE"}, "d": "WHOLE", "e": {"id": "WHOLE"}}
    text = '{"whole": {"name": "n", "id": 1}, "b": {"name": "b"}, "c": {"name": "c"}, "e": {"id": 2, "x": 3}}'
    assert engine.evaluate(done, "q/y", engine.prepare_input_json(text)) == 2


# -- the cutting ------------------------------------------------------------------------------------------------
def cut(body: str, text: str) -> Any:
    _, done = compiled(HEAD + body)
    kept = done.pruner.prune(text.encode("utf-8"))
    return None if kept is None else json.loads(kept)


def test_absent_keys_stay_absent_and_null_stays_null() -> None:
    body = "x if { input.a[_].b.c }\n"
    assert cut(body, '{"a": [{"b": {"c": 1, "d": 2}}, {"b": null}, {}, {"e": 1}], "z": 1}') == \
        {"a": [{"b": {"c": 1}}, {"b": None}, {}, {}]}
    assert cut(body, '{"a": {"k": {"b": {"c": [1], "d": 2}}}}') == {"a": {"k": {"b": {"c": [1]}}}}
    assert cut(body, '{"a": null}') == {"a": None}
    assert cut(body, '{}') == {}


def test_kept_values_keep_their_text_byte_for_byte() -> None:
    _, done = compiled(HEAD + "x if { input.a[_].n }\n")
    text = '{"a": [{"n": 1.50, "m": 2}, {"n": 1e5}, {"n": 12345678901234567890}, {"n": "\\u00e9\\n"}], "b": -0}'
    kept = done.pruner.prune(text.encode("utf-8")).decode("utf-8")
    for written in ("1.50", "1e5", "12345678901234567890", '"\\u00e9\\n"'):
        assert written in kept
    assert '"m"' not in kept and '"b"' not in kept


def test_an_escaped_key_is_looked_up_by_its_value() -> None:
    assert cut('x if { input.tags.Owner }\n', '{"t\\u0061gs": {"\\u004fwner": "me", "x": 1}}') == \
        {"tags": {"Owner": "me"}}
    assert cut('x if { input["a b"]["c.d"] }\n', '{"a b": {"c.d": 1, "e": 2}}') == {"a b": {"c.d": 1}}


def test_a_duplicated_key_keeps_its_last_value_as_regorus_does() -> None:
    text = '{"a": {"b": {"c": 1}, "b": {"c": 2}}, "a": {"b": {"c": 3, "d": 4}}, "e": [{"f": 1, "f": 5}]}'
    assert cut("x := [input.a.b.c, input.e[_].f]\n", text) == {"a": {"b": {"c": 3}}, "e": [{"f": 5}]}
    for body in ("x := input.a.b.c\n", "x := [input.a.b.c, input.e[_].f]\n", "x := input.e[0]\n"):
        assert answers(body, text) == answers(body, text, prune=False) != ("ok", "UNDEFINED")
    # A value of another shape before the last one: the whole text, whose last value regorus keeps itself.
    assert cut("x := input.a.b.c\n", '{"a": {"b": 1, "b": {"c": 2}}}') is None


@pytest.mark.parametrize("text", [
    '{"a": "a string where keys are looked up"}',
    '{"a": [1, 2]}',
    '[1, 2]',
    '"text"',
    '{"a": {"b\\ud800": 1}}',  # half a surrogate pair: left to the engine's parser
])
def test_a_text_of_another_shape_is_handed_over_whole(text: str) -> None:
    assert cut("x if { input.a.b }\n", text) is None


def test_a_value_too_deep_for_regorus_is_refused_even_where_no_policy_reads() -> None:
    deep = "[" * 130 + "]" * 130
    engine, done = compiled(HEAD + "x := input.a\n")
    assert done.pruner is not None
    prepared = engine.prepare_input_json(f'{{"a": 1, "b": {deep}}}')
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(done, "p/x", prepared)
    assert caught.value.code == "input_too_deep"


def test_a_number_no_float64_holds_is_refused_even_where_no_policy_reads() -> None:
    from natpolicy.rego.conftest_numbers import InputNumberError

    engine, done = compiled(HEAD + "x := input.a\n")
    assert done.pruner is not None
    with pytest.raises(InputNumberError):
        engine.prepare_input_json('{"a": 1, "b": {"c": 1e400}}')


def test_a_negative_zero_where_no_policy_reads_still_stops_a_call_that_would_show_one() -> None:
    source = HEAD + "x := sprintf(\"%v\", [input.a])\n"
    text = '{"a": 1, "b": -0.0}'
    assert answers(source[len(HEAD):], text) == answers(source[len(HEAD):], text, prune=False)


@pytest.mark.parametrize("depth", [0, 1, 2, 126, 127, 128, 129, 300])
def test_nesting_is_measured_as_regorus_refuses_it(depth: int) -> None:
    import regorus

    text = "[" * depth + "1" + "]" * depth
    engine = regorus.Engine()
    try:
        engine.set_input_json(text)
        refused = False
    except RuntimeError:
        refused = True
    assert nested_deeper(text.encode(), 127) == refused == text_depth_over(text, 127)


def test_nesting_ignores_brackets_in_strings_and_escapes() -> None:
    rng = random.Random(5)
    pieces = ['"[["', '"]]"', '"\\"["', '"\\\\"', "[", "]", "{", "}", '"a"', '""', "1", ",", ":"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 60)))
        if text.count('"') % 2:
            continue
        outside = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
        balance, deepest, balanced = 0, 0, True
        for char in outside:
            balance += 1 if char in "[{" else -1 if char in "]}" else 0
            deepest = max(deepest, balance)
            balanced = balanced and balance >= 0
        if not balanced or balance:
            continue
        for limit in (0, 1, 2, 3):
            assert nested_deeper(text.encode(), limit) == (deepest > limit), text


def test_every_step_kind_builds_a_decoder() -> None:
    reading = observed_paths(read_ast(compiled(
        HEAD + 'x if { some v in input.a; v.b; input.a.c.d; input["é"][_]; input.n[_][_].m }\n')[1]
        .engine.get_ast_as_json()))
    assert pruner_for(reading, 127) is not None


def test_the_cut_runs_no_collection_and_leaves_the_collector_as_it_was() -> None:
    # The decoded tree is acyclic and freed by reference counting: a collection during the cut is only cost.
    import gc

    reading = observed_paths(read_ast(compiled(HEAD + "x if { some v in input.a; v.b }\n")[1]
                                      .engine.get_ast_as_json()))
    pruner = pruner_for(reading, 127)
    assert pruner is not None
    text = json.dumps({"a": [{"b": i, "c": [i, {"d": i}]} for i in range(5000)]}).encode()
    started: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    threshold = gc.get_threshold()
    gc.callbacks.append(count)
    gc.set_threshold(10)
    try:
        assert gc.isenabled()
        kept = pruner.prune(text)
        assert gc.isenabled()
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(count)
    assert started == []
    assert kept is not None and json.loads(kept) == {"a": [{"b": i} for i in range(5000)]}


# -- differentials: the pruned input answers as the whole one --------------------------------------------------
def answers(body: str, text: str, rule: str = "x", prune: bool = True) -> tuple[str, Any]:
    engine, done = compiled(HEAD + body, rule)
    if not prune:
        done.pruner = None
    try:
        prepared = engine.prepare_input_json(text)
        value = engine.evaluate(done, f"p/{rule}", prepared)
    except (EvaluationError, ValueError) as exc:
        return "error", str(getattr(exc, "message", exc))
    return "ok", "UNDEFINED" if value is UNDEFINED else value


def test_the_probe_suite_answers_alike_pruned_or_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every probe reading ``input``, its outcome (answer, refusal, error text) with and without pruning."""
    from natpolicy.rego import input_pruning
    from test_rego_conformance import PROBES, outcome

    pruned_some: list[str] = []
    real = input_pruning.Pruner.prune

    def noting(self: Any, utf8: bytes) -> bytes | None:
        kept = real(self, utf8)
        if kept is not None and len(kept) < len(utf8):
            pruned_some.append(utf8.decode("utf-8", "replace"))
        return kept

    monkeypatch.setattr(input_pruning.Pruner, "prune", noting)
    engine = create_engine("regorus")
    probes = [p for p in PROBES if "input" in p["source"] and "opa_default" not in p]
    pruned = [outcome(engine, probe) for probe in probes]
    assert len(pruned_some) >= 40, len(pruned_some)  # the differential below must be about something
    with monkeypatch.context() as whole:
        whole.setattr(input_pruning, "engine_pruner", lambda *args: None)
        for probe, answer in zip(probes, pruned, strict=True):
            assert outcome(engine, probe) == answer, probe["name"]


def test_generated_string_rows_answer_alike_pruned_or_whole() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import rego_differential
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for module, document in rego_differential.random_strings(60, 11, rows=4):
        text = json.dumps(document, ensure_ascii=False)
        assert answers(module, text) == answers(module, text, prune=False), module


# Generated policies: random reads of a random document through every construct the reading distinguishes.
_KEYS = ["a", "b", "c", "a b", "é"]
_CONSTANTS = ["1", '"a"', "null", "true", "1.5"]


def _document(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.25:
        return rng.choice([None, True, 0, -0.0, 1.50, 7, 12345678901234567890, "a", "b", "", [], {}])
    if roll < 0.5:
        return [_document(rng, depth - 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(_KEYS): _document(rng, depth - 1) for _ in range(rng.randrange(0, 4))}


def _ref(rng: random.Random, base: str, depth: int) -> str:
    out = base
    for _ in range(rng.randrange(0, depth + 1)):
        key = rng.choice(_KEYS)
        out += rng.choice([f".{key}" if key.isidentifier() else f'["{key}"]', f'["{key}"]', "[_]", "[0]"])
    return out


def _statement(rng: random.Random, names: list[str]) -> str:
    ref = _ref(rng, rng.choice(names), 2)
    kind = rng.randrange(12)
    if kind == 0:
        return f"{ref} == {rng.choice(_CONSTANTS)}"
    if kind == 1:
        return f"count({ref}) > 0"
    if kind == 2:
        return f"not {ref}"
    if kind == 3:
        return f"is_object({ref})"
    if kind == 4:
        return f"{ref}"
    if kind == 5:
        return f'"a" in {ref}'
    if kind == 6:
        return f"{_ref(rng, rng.choice(names), 2)} == {ref}"
    if kind == 7:
        return f"some k{len(names)}, v{len(names)} in {ref}"
    if kind == 8:
        return f"every e in {ref} {{ e != \"b\" }}"
    if kind == 9:
        return f"type_name({ref}) != \"string\""
    if kind == 10:
        return f"pass({ref})"
    return f"g({ref}) != 1"


def _policy(rng: random.Random) -> str:
    names = ["input"]
    lines = []
    for i in range(rng.randrange(1, 5)):
        if rng.random() < 0.5:
            lines.append(f"v{i} := {_ref(rng, rng.choice(names), 3)}")
            names.append(f"v{i}")
        elif rng.random() < 0.3:
            lines.append(f"some w{i} in {_ref(rng, rng.choice(names), 2)}")
            names.append(f"w{i}")
        else:
            statement = _statement(rng, names)
            lines.append(statement)
            names += re.findall(r"\bv\d+(?= in)", statement)
    out = _ref(rng, rng.choice(names), 1)
    head = rng.choice([f"x contains {out} if", f"x contains sprintf(\"%v\", [{out}]) if", "x contains 1 if"])
    return ("pass(q) := q if is_object(q)\npass(q) := q if is_array(q)\ng(q) := count(q)\n"
            + head + " {\n  " + "\n  ".join(lines) + "\n}\n")


def test_generated_policies_answer_alike_pruned_or_whole() -> None:
    rng = random.Random(27)
    pruned = 0
    for _ in range(150):
        body = _policy(rng)
        try:
            engine, done = compiled(HEAD + body)
        except Exception:  # noqa: BLE001 - a generated module that does not compile (unsafe variables...): skipped
            continue
        for _ in range(3):
            text = json.dumps({key: _document(rng, 4) for key in _KEYS}, ensure_ascii=False)
            got = answers(body, text)
            assert got == answers(body, text, prune=False), (body, text)
            if done.pruner is not None and (kept := done.pruner.prune(text.encode())) is not None \
                    and len(kept) < len(text.encode()):
                pruned += 1
    assert pruned >= 50, pruned


_CORPUS_POLICIES = [
    # The benchmark's, then what plan policies commonly read: tags, actions, nested blocks, counts.
    'x contains msg if {\n some rc in input.resource_changes\n rc.type == "aws_instance"\n'
    ' not rc.change.after.tags.Owner\n msg := sprintf("%s has no Owner tag", [rc.address])\n}\n',
    "x contains msg if {\n some i, rc in input.resource_changes\n i < 6000\n"
    ' msg := sprintf("%s is listed", [rc.address])\n}\n',
    'x contains rc.address if {\n rc := input.resource_changes[_]\n "delete" in rc.change.actions\n}\n',
    'x contains sprintf("%s: %v", [rc.address, rule.cidr_blocks]) if {\n'
    ' rc := input.resource_changes[_]\n rc.type == "aws_security_group"\n rule := rc.change.after.ingress[_]\n'
    ' "0.0.0.0/0" in rule.cidr_blocks\n}\n',
    'x contains [rc.address, k] if {\n some rc in input.resource_changes\n some k, v in rc.change.after.tags\n'
    ' startswith(k, "aws:")\n}\n',
    "x := count([1 | input.resource_changes[_].change.after_unknown.id])\n",
    'x contains m.address if {\n m := input.planned_values.root_module.resources[_]\n m.values.acl == "public-read"\n}\n',
]


def test_corpus_plans_answer_alike_pruned_or_whole() -> None:
    from conftest import CORPUS

    plans = sorted(CORPUS.rglob("*.json")) if CORPUS.is_dir() else []
    if not plans:
        pytest.skip(f"the shared corpus is not at {CORPUS} (NATPOLICY_CORPUS)")
    engines = [compiled(HEAD + body) for body in _CORPUS_POLICIES]
    wholes = [compiled(HEAD + body) for body in _CORPUS_POLICIES]
    for _, done in wholes:
        done.pruner = None
    pruned = 0
    for plan in plans:
        text = read_plan(plan.read_bytes(), plan.name).text  # a UTF-16 plan decoded as natpolicy decodes it
        for (engine, done), (_, whole) in zip(engines, wholes, strict=True):
            assert done.pruner is not None
            results = []
            for target in (done, whole):
                try:
                    prepared = engine.prepare_input_json(text)
                    value = engine.evaluate(target, "p/x", prepared)
                    results.append(("ok", "UNDEFINED" if value is UNDEFINED else value))
                except (EvaluationError, ValueError) as exc:
                    results.append(("error", str(getattr(exc, "message", exc))))
            assert results[0] == results[1], plan.name
            kept = done.pruner.prune(text.encode("utf-8"))
            pruned += kept is not None and len(kept) < len(text.encode("utf-8"))
    assert pruned >= len(plans), pruned


def test_the_fixture_policy_answers_alike_pruned_or_whole() -> None:
    """fixtures/rego/policy (conftest's own form: package main, deny and warn) on its plan and the corpus plans."""
    from conftest import CORPUS

    policy = {path.name: path.read_text(encoding="utf-8")
              for path in sorted((ROOT / "fixtures" / "rego" / "policy").glob("*.rego"))}
    plans = [ROOT / "fixtures" / "rego" / "plan.json"] + (sorted(CORPUS.rglob("*.json"))[:40] if CORPUS.is_dir() else [])
    engine = create_engine("regorus")
    entrypoints = ["main/deny", "main/warn"]
    pruned, whole = (engine.compile(policy, None, entrypoints) for _ in range(2))
    whole.pruner = None
    for plan in plans:
        text = read_plan(plan.read_bytes(), plan.name).text
        for entry in entrypoints:
            got = [engine.evaluate(done, entry, engine.prepare_input_json(text)) for done in (pruned, whole)]
            assert got[0] == got[1], (plan.name, entry)


def test_a_small_input_goes_whole_and_its_policies_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below PRUNE_FROM_CHARS the text is handed over as it is, without reading the AST (nor importing msgspec)."""
    from natpolicy.rego import input_pruning, regorus_input

    monkeypatch.setattr(regorus_input, "PRUNE_FROM_CHARS", 1000)
    built: list[int] = []
    real = input_pruning.engine_pruner

    def counting(*args: Any) -> Any:
        built.append(1)
        return real(*args)

    monkeypatch.setattr(input_pruning, "engine_pruner", counting)
    engine, done = compiled(HEAD + "x := input.a.b\n")
    small = json.dumps({"a": {"b": 1, "c": "x" * 100}})
    assert done.pruner is not None
    assert engine.prepare_input_json(small).pruned(done.pruner) == small
    assert built == []
    large = json.dumps({"a": {"b": 1, "c": "x" * 1000}})
    assert json.loads(engine.prepare_input_json(large).pruned(done.pruner)) == {"a": {"b": 1}}
    assert json.loads(engine.prepare_input_json(large).pruned(done.pruner)) == {"a": {"b": 1}}
    assert built == [1]  # read once per compiled set of modules
