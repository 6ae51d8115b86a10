"""``--scopes N`` of scripts/rego_differential.py: modules combining ``with``, ``every``, ``not`` and ``some ... in``.

regopy refuses every ``with``, so two engines alone cannot compare a module using it. Each generated module that
uses ``with`` therefore comes with a TWIN answering the same in OPA by construction, without that ``with``: its
input is the input the ``with`` makes (merged as OPA's ``mergeTermWithValues`` does, v1/topdown/input.go), each
replaced rule or function is defined as its replacement, and each replaced builtin's calls are calls of a function
answering the replacement (evalWith / evalCall, v1/topdown/eval.go). A module and its twin are run on both engines
and every answer given (refusals and stops aside) must agree. Modules without ``with`` combine ``every`` over
arrays, objects, sets and empty domains, ``not`` of calls and of rules using ``every``, ``some k, v in``, ``some
x in`` over undefined refs and names shadowed across comprehension, ``every`` and ``some`` scopes; they are
compared across the engines as the other generators are.
"""
from __future__ import annotations

import copy
import json
import random
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["SCOPE_INPUT", "random_scopes", "merge_with", "run_scopes"]

SCOPE_INPUT: dict[str, Any] = {"a": {"b": 1, "c": [1, 2]}, "xs": [3, 1, 2], "n": 4, "o": {"k": 1, "j": 0},
                               "s": "ab"}
# Helper rules: each is replaced as a whole by a `with data.p.NAME as` (twin: NAME := value), or read under one.
_HELPERS = {
    "q": "q := input.a",
    "r": "r contains v if { some v in input.xs }",
    "t": "t := f(input.n)",
    "u": "u if { every v in input.xs { v > 0 } }",
    "w": "w := z if { z := t with input.n as 5 }",
    "cnt": "cnt := count(input.xs)",
}
_FUNCTIONS = "f(a) := a + 1\ng(a) := a * 10\nh(a) := 99\n"
# (text, value) of each with value: literals, comprehensions over literals, a ref read in the outer world.
_VALUES: list[tuple[str, Any]] = [
    ("1", 1), ("0", 0), ('"z"', "z"), ("[]", []), ("[1, -1]", [1, -1]), ("{}", {}), ('{"b": 7}', {"b": 7}),
    ("false", False), ("null", None), ("[k * 2 | some k in [1, 2]]", [2, 4]),
    ('{k: 1 | some k in ["y", "x"]}', {"y": 1, "x": 1}), ("input.xs", "@xs"), ("input.o", "@o"),
]
_SETS = [("{3, 1}", None), ("set()", None), ("{k | some k in [2, 2, 1]}", None)]  # data targets only (no JSON)
_INPUT_TARGETS = ["input", "input.a", "input.a.b", "input.a.c", "input.xs", "input.n", "input.o.k", "input.s.t",
                  "input.new.deep"]
_READS = ["q", "cnt", "t", "w", "[y | some y in r]", "input.a", "f(input.n)", "count(input.xs)",
          "[k | some k, _ in input.o]", "{k: v | some k, v in input.a}", "data.p.m"]
_FUNCTION_MOCKS = ["g", "h", "3", "false"]
_BUILTIN_MOCKS = ["h", "3", "[1]"]
# Statements over constant rules only (no `with` target reads them): every, not, some ... in, shadowing.
_CONSTANTS = 'ka := [3, 1, 2]\nke := []\nks := {"b", "a"}\nko := {"k": 1, "j": 0}\nkz := [0, 1]\n'
_DOMAINS = ["ka", "ke", "ks", "ko", "kz", "data.p.nope", "[k | some k in ks]", "{k | some k, _ in ko}"]
_SCOPES = [
    "{v} := [[i, e] | some i, e in {d}]", "{v} := [e | some e in {d}]", "{v} := {{e | some e in {d}}}",
    "{v} := true; every e in {d} {{ e != 9 }}", "{v} := 1; every i, e in {d} {{ i != e }}",
    "{v} := [e | some e in {d}; every z in {d} {{ z != e }}]", "{v} := [e | some e in {d}; not e == 1]",
    "e := 5; {v} := [e | some e in {d}]", "e := 5; {v} := [e | e := {d}[_]]",
    "e := 5; {v} := [[e, y] | some y in {d}]",
    "{v} := [y | some y in {d}; not startswith(sprintf(\"%v\", [y]), \"a\")]",
    "{v} := 1; not every0", "{v} := 1; every0", "{v} := [y | y := {d}[_]; every z in [y] {{ z == y }}]",
    "{v} := count([1 | some _ in {d}])", "{v} := [[e, w] | some e in {d}; w := [e | true]]",
    "{v} := [c | some e in {d}; c := [[e, y] | some y in ka]]", "{v} := [c | {d}[i]; c := {{i: 1 | true}}]",
    "{v} := [[i, y] | some i, y in {d}; some j, y2 in {d}; i == j; y == y2]",
]


def random_scopes(count: int, seed: int) -> list[tuple[str, str | None, dict[str, Any], dict[str, Any]]]:
    """``count`` (module, twin or None, input, twin's input) of modules using scopes and modifiers (one seed, the
    same modules)."""
    rng = random.Random(seed)
    return [_with_module(rng) if rng.random() < 0.6 else _scope_module(rng) for _ in range(count)]


def _scope_module(rng: random.Random) -> tuple[str, None, dict[str, Any], dict[str, Any]]:
    statements, names = [], []
    for k in range(rng.randint(1, 3)):
        form = rng.choice(_SCOPES)
        statements.append(form.format(v=f"v{k}", d=rng.choice(_DOMAINS)).replace("e := 5; ", "" if k else "e := 5; "))
        names.append(f"v{k}")
    every = f"every0 if {{ every z in {rng.choice(_DOMAINS)} {{ z != 1 }} }}\n"
    body = f"{_CONSTANTS}{every}x := [{', '.join(names)}] if {{\n  " + "\n  ".join(statements) + "\n}"
    return body, None, SCOPE_INPUT, SCOPE_INPUT


def _with_module(rng: random.Random) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    read = rng.choice(_READS)
    modifiers: list[str] = []
    pairs_input: list[tuple[list[str], Any]] = []
    helpers = dict(_HELPERS)
    functions, mocked = _FUNCTIONS, {}
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.45:
            target = rng.choice(_INPUT_TARGETS)
            text, value = rng.choice(_VALUES)
            value = copy.deepcopy(SCOPE_INPUT[value[1:]]) if isinstance(value, str) and value.startswith("@") \
                else value
            pairs_input.append((target.split("."), value))
        elif roll < 0.7:
            name = rng.choice(sorted(_HELPERS) + ["m.n"])
            target = f"data.p.{name}"
            text, _ = rng.choice(_VALUES[:11] + _SETS)
            head = name.split(".")[0]
            helpers[head] = f"{head} := {text}" if "." not in name else f'{head} := {{"n": {text}}}'
        elif roll < 0.85:
            target, text = "f", rng.choice(_FUNCTION_MOCKS)
            # a later mock of the same function replaces an earlier one (functionMocksStack.PutPairs)
            functions = _FUNCTIONS.replace("f(a) := a + 1", f"f(a) := {text}(a)" if text in ("g", "h") else
                                           f"f(_) := {text}")
        else:
            target, text = "count", rng.choice(_BUILTIN_MOCKS)
            mocked["count"] = f"__m_count(a) := {text}(a)" if text in ("g", "h") else f"__m_count(_) := {text}"
        modifiers.append(f"with {target} as {text}")
    statement = rng.choice(["v0 := {r} {m}", "v0 := [{r}] {m}", "v0 := 1; not u {m}", "v0 := 1; u {m}",
                            "v0 := 2; not f(1) {m}", "some v0 in [{r}] {m}", "v0 := {{1 | {r}}} {m}"])
    others = rng.choice(["", "; v1 := [e | some e in ka]", "; e := 5; v1 := [e | some e in ka]",
                         "; v1 := 1; every e in ks { e != 9 }"])
    head = "[v0, v1]" if others else "[v0]"
    if read != "w":  # the helper holding a `with` of its own: its twin would still hold one (regopy refuses)
        helpers.pop("w")
    source = (f"{_CONSTANTS}{_FUNCTIONS}" + "\n".join(v for k, v in _HELPERS.items() if k in helpers)
              + f"\nx := {head} if {{ {statement.format(r=read, m=' '.join(modifiers))}{others} }}")
    twin_read = read.replace("count(", "__m_count(") if "count" in mocked else read
    twin_helpers = "\n".join(v.replace("count(", "__m_count(") if "count" in mocked else v for v in helpers.values())
    twin = (f"{_CONSTANTS}{functions}" + "".join(m + "\n" for m in mocked.values()) + twin_helpers
            + f"\nx := {head} if {{ {statement.format(r=twin_read, m='')}{others} }}")
    document = merge_with(SCOPE_INPUT, pairs_input)
    # an input replaced by no object cannot be a twin's input document
    return source, twin if isinstance(document, dict) else None, SCOPE_INPUT, document


def merge_with(existing: Any, pairs: list[tuple[list[str], Any]]) -> Any:
    """The input OPA's ``with`` modifiers make (mergeTermWithValues, v1/topdown/input.go): each target in order; an
    intermediate that is no object is replaced by one, and a root that is no object by the target's own tree."""
    result, started = existing, False
    for target, value in pairs:
        value = copy.deepcopy(value)
        if len(target) == 1:
            result, started = value, True
            continue
        if not started:
            result, started = copy.deepcopy(existing), True
        node, done = result, False
        for i in range(1, len(target) - 1):
            if not isinstance(node, dict):
                result, done = _tree(target[i:], value), True
                break
            child = node.get(target[i])
            if not isinstance(child, dict):
                node[target[i]] = _tree(target[i + 1:], value)
                done = True
                break
            node = child
        if not done:
            if isinstance(node, dict):
                node[target[-1]] = value
            else:
                result = _tree(target[-1:], value)
    return result


def _tree(keys: list[str], value: Any) -> dict[str, Any]:
    for key in reversed(keys[1:]):
        value = {key: value}
    return {keys[0]: value}


def run_scopes(engines: list[Any], count: int, seed: int, show_all: bool,
               answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``count`` generated modules (and twins) on ``engines``; print those whose answers differ. ``answer``:
    rego_differential's (one engine's (kind, text, value), through natpolicy's guards and rewrites)."""
    from test_rego_conformance import outcome

    differences = 0
    for module, twin, document, twin_input in random_scopes(count, seed):
        runs = [(engine, module, document) for engine in engines]
        runs += [(engine, twin, twin_input) for engine in engines] if twin is not None else []
        answers = [answer(outcome, engine, body, False, given) for engine, body, given in runs]
        given = {json.dumps(value, sort_keys=True, default=repr) for kind, _, value in answers if kind == "ok"}
        differ = len(given) > 1
        differences += differ
        if differ or show_all:
            print(f"{'DIFF' if differ else 'same'}: {module!r}" + (f"\n  twin: {twin!r}" if twin else ""))
            for n, (engine, body, _) in enumerate(runs):
                kind, text, _ = answers[n]
                print(f"   {engine.name}{' twin' if body is twin else ''}: {kind} {text[:200]}")
    print(f"{differences} of {count} answered differently", file=sys.stderr)
    return 1 if differences else 0
