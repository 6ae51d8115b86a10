"""``rego_differential.py --patterns N``: modules of unification and destructuring, run on every installed engine.

Each module binds names by patterns, the constructs OPA settles in its evaluator (topdown/eval.go ``unify``,
``biunify``, ``biunifyArrays``/``biunifyObjects``: a pattern of the wrong kind or length is undefined, never an
error) and its compiler (ast/compile.go safety, ``rewriteDeclaredVars``: ``:=`` declares, ``==`` binds nothing):
``[a, b] = input.xs``, ``{"k": v} = input.o``, nested patterns, ``=`` with names on both sides
(``[a, 1] = [2, b]``), repeated names (``[a, a] = ...``), ``_``, object patterns with a computed key, refs unified
with refs, ``some [a, b] in``, ``some k, [a, _] in``, ``every [a, b] in``, patterns in comprehensions and in
function arguments (several definitions chosen by pattern, constants in patterns). The input is small and random:
its collections are often of another length or kind than the patterns, so that one module matches and the next
is undefined.

Besides two answers that differ, a module one engine answers and the other stops on at run time (not refused at
load) is printed too (``MIXED``): settle from OPA's source which one is silent.
"""
from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["random_patterns", "run"]

# Values the input's collections hold: scalars of every kind and small collections, so patterns meet wrong kinds.
_SCALARS: list[Any] = [1, 2, 1, "a", "k", True, None, 2.5]


def random_patterns(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (module body, input) pairs binding names by patterns; the same for one seed."""
    rng = random.Random(seed)
    return [(_module(rng), _input(rng)) for _ in range(count)]


def _element(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 1 or roll < 0.6:
        return rng.choice(_SCALARS)
    if roll < 0.8:
        return [_element(rng, depth + 1) for _ in range(rng.choice([1, 2, 2, 3]))]
    return {rng.choice(["k", "j"]): _element(rng, depth + 1) for _ in range(rng.randint(1, 2))}


def _pair(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.7:
        return [rng.choice(_SCALARS), rng.choice([*_SCALARS, {"k": 1}, {"k": "a"}, [1]])]
    return _element(rng, 1) if roll < 0.9 else [1, 2, 3]


def _input(rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {
        "a": rng.choice([1, 2, "a", "k"]), "b": rng.choice([1, 2, "a", "j"]),
        "xs": rng.choice([[1, 2], [1, 1], [2, 1], ["a", 1], [1, {"k": 2}], [1], [1, 2, 3], [], "ab", {"k": 1}]),
        "o": rng.choice([{"k": 1}, {"k": 1, "j": 2}, {"k": [1, 2]}, {"j": 1}, {}, [1, 2], "k", {"k": {"k": 1}}]),
        "ys": [_pair(rng) for _ in range(rng.randint(0, 3))],
        "m": {key: _pair(rng) for key in rng.sample(["k", "j", "i"], rng.randint(0, 3))},
    }
    if rng.random() < 0.1:
        document["ys"] = rng.choice(["ab", {"k": [1, 2]}, 3])
    for key in list(document):
        if rng.random() < 0.06:
            del document[key]
    return document


# Statements binding names: {A} {B} {C} are new names, {P} a name bound before (or a constant when none is).
# Each is (text, names it binds).
_BINDINGS: list[tuple[str, str]] = [
    ("[{A}, {B}] = input.xs", "AB"), ("[{A}, {B}] := input.xs", "AB"), ("input.xs = [{A}, {B}]", "AB"),
    ("[{A}, _] = input.xs", "A"), ("[_, {A}] := input.xs", "A"), ("[{A}, {A}] = input.xs", "A"),
    ("[{A}, {A}] := input.xs", "A"), ("[{A}, {B}, {C}] = input.xs", "ABC"), ("[{A}] = input.xs", "A"),
    ('{{"k": {A}}} = input.o', "A"), ('{{"k": {A}}} := input.o', "A"), ('input.o = {{"k": {A}}}', "A"),
    ('{{"k": {A}, "j": {B}}} = input.o', "AB"), ('{{"k": [{A}, {B}]}} = input.o', "AB"),
    ('{{"k": {{"k": {A}}}}} := input.o', "A"), ('{{"k": _}} = input.o', ""),
    ('[{A}, {{"k": {B}}}] = input.xs', "AB"), ('[{A}, {{"k": {B}}}] := input.xs', "AB"),
    ("[{A}, 1] = [2, {B}]", "AB"), ("[{A}, {B}] = [input.a, input.b]", "AB"), ("[{A}, input.a] = [input.b, {B}]", "AB"),
    ("[{A}, 2] = input.xs", "A"), ("[1, {A}] = input.xs", "A"), ('["a", {A}] := input.xs', "A"),
    ("[{A}, {B}] = [1, 1]", "AB"), ("[{A}, {A}] = [1, 2]", "A"), ("[{A}, {A}] = [input.a, input.b]", "A"),
    ('{A} := "k"; {{{A}: {B}}} = input.o', "AB"), ('{A} := input.a; {{{A}: {B}}} = input.o', "AB"),
    ('{{input.a: {A}}} = input.o', "A"), ('{{"k": {A}}} = {{"k": input.a}}', "A"),
    ("input.xs = input.ys", ""), ("input.xs[0] = input.ys[0][0]", ""), ("input.o.k = input.xs[0]", ""),
    ("[input.a, {A}] = input.xs", "A"), ("input.xs = [{P}, {A}]", "A"), ("[{P}, {A}] := input.xs", "PA"),
    ("some [{A}, {B}] in input.ys", "AB"), ("some [{A}, _] in input.ys", "A"), ("some [{A}, {A}] in input.ys", "A"),
    ('some [{A}, {{"k": {B}}}] in input.ys', "AB"), ("some {A}, [{B}, _] in input.m", "AB"),
    ("some {A}, [_, {B}] in input.ys", "AB"), ("some _, [{A}, {B}] in input.m", "AB"),
    ('some {{"k": {A}}} in input.ys', "A"), ("some [{A}, {B}] in input.m", "AB"),
    ("[{A}, {B}] = input.ys[_]", "AB"), ("[{A}, {B}] := input.ys[_]", "AB"), ("input.ys[{A}] = [{B}, _]", "AB"),
    ("input.m[{A}] = [_, {B}]", "AB"), ("[{A}, {B}] = input.m[_]", "AB"), ("{A} = [{B}, 1]", "AB"),
    ("{A} := [{B}, 1]", "AB"), ("[{A}, [{B}, _]] = [1, input.xs]", "AB"), ("[[{A}, {B}]] = input.ys", "AB"),
    ("{A} = input.xs; [{B}, _] = {A}", "AB"), ("[{A}, {B}] == input.xs", "AB"), ("{A} == input.a", "A"),
    ("some {A} in input.xs; [{A}, {B}] = input.xs", "AB"), ("[{A}, {B}] = [{B}, 1]", "AB"),
    ("[{A}, {B}] = [{B}, {A}]", "AB"), ("{{{A}, 1}} = {{1, 2}}", "A"), ("[{A}, {B}] = {{1, 2}}", "AB"),
    ("{{{A}: 1}} = {{1: 1}}", "A"), ('{{"k": {A}}} = {{"k": 1, "j": 2}}', "A"), ("[{A}, {B}] = [1, 2, 3]", "AB"),
]
# Conditions over bound names (P) or the input, and checks that bind nothing.
_CHECKS = ["{P} == 1", "{P} != 2", "is_number({P})", '{P} == "a"', "[{P}, 1] == input.xs", "[_, {P}] = input.xs",
           "{P} = input.a", "[{P}] = [1]", "not [{P}, 2] = input.xs", "every [u, w] in input.ys {{ u != w }}",
           "every [u, _] in input.ys {{ is_number(u) }}", "every k, [u, w] in input.m {{ u == 1 }}",
           "every [u, u] in input.ys {{ true }}", "not [_, _] = input.xs", "count([u | [u, _] = input.ys[_]]) > 0"]
# Functions whose arguments are patterns; `{n}` is the function's name.
_FUNCTIONS: list[list[str]] = [
    ["{n}([a, b]) := a + b"], ["{n}([a, b]) := [b, a]"], ['{n}({{"k": v}}) := v'],
    ["{n}([a, _]) := a", '{n}({{"k": v}}) := v'], ['{n}("a", v) := v', '{n}("k", v) := [v]'],
    ["{n}(1, v) := v", "{n}(2, _) := 0"], ["{n}([a, a]) := a"], ["{n}(a, a) := a"],
    ["{n}([a, b]) := a if a == b", "{n}([a, b]) := b if a != b"], ["{n}([a, [b, c]]) := [a, b, c]"],
    ['{n}({{"k": [a, b]}}) := a'], ["{n}(x) := y if [y, _] = x"], ["{n}([a, b], c) := [a, b, c]"],
    ["{n}([_, b]) := b", "{n}([a]) := a"], ["{n}(v) := v if {{ some [v2, _] in [v]; v2 == 1 }}"],
    ['{n}({{"k": v}}) := 1', '{n}({{"j": v}}) := 2'], ["{n}([]) := 0", "{n}([a]) := a"],
]
_CALLS = ["{n}(input.xs)", "{n}(input.o)", "{n}(input.a)", "{n}([1, 2])", "{n}([1, [2, 3]])", '{n}("a", input.b)',
          '{n}({{"k": [1, 2]}})', "{n}(input.xs, input.a)", "{n}(1, 2)", "{n}(1, 1)", "{n}(input.ys[0])",
          "[v | some p in input.ys; v := {n}(p)]", "{n}(input.m.k)", "{n}([1])", "{n}([])", '{n}("k", 1)']
# Comprehensions with patterns; their values stand in `x` beside bound names.
_COMPREHENSIONS = ["[a | some [a, _] in input.ys]", "[[a, b] | [a, b] = input.ys[_]]", "{a | some [_, a] in input.ys}",
                   "{k: a | some k, [a, _] in input.m}", '[v | some {{"k": v}} in input.ys]',
                   "[a | some [a, a] in input.ys]", "[b | some i, [_, b] in input.ys; i > 0]",
                   "[a | [a, 1] = input.ys[_]]", "[a | some p in input.ys; [a, _] := p]",
                   "{a: b | some [a, b] in input.ys}", "[k | input.m[k] = [1, _]]",
                   "[[a, b] | some [a, _] in input.ys; some [_, b] in input.ys]"]
_NAMES = ["a", "b", "c", "d", "e", "g", "h", "i2", "j2", "l"]


def _statement(rng: random.Random, bound: list[str], fresh: list[str]) -> str:
    text, binds = rng.choice(_BINDINGS)
    names = {"A": fresh.pop(0), "B": fresh.pop(0), "C": fresh.pop(0)}
    if rng.random() < 0.15 and bound:  # a name bound before: the pattern compares instead of binding
        names["B"] = rng.choice(bound)
    previous = rng.choice(bound) if bound else "1"
    for letter in binds.replace("P", ""):
        if names[letter] not in bound:
            bound.append(names[letter])
    return text.format(A=names["A"], B=names["B"], C=names["C"], P=previous)


def _module(rng: random.Random) -> str:
    rules: list[str] = []
    body: list[str] = []
    bound: list[str] = []
    fresh = list(_NAMES) + [f"n{i}" for i in range(12)]
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        body.append(_statement(rng, bound, fresh))
        if rng.random() < 0.3:
            body.append(rng.choice(_CHECKS).format(P=rng.choice(bound) if bound else "input.a"))
    values = list(bound[:3])
    if rng.random() < 0.3:
        values.append(rng.choice(_COMPREHENSIONS))
    if rng.random() < 0.35:
        rules += [d.format(n="f") for d in rng.choice(_FUNCTIONS)]
        values.append(rng.choice(_CALLS).format(n="f"))
    if rng.random() < 0.15:  # a helper rule bound by a pattern, read whole
        rules.append(f"r := [{', '.join(values) or '1'}] if {{ {'; '.join(body)} }}")
        body, values = [], ["r"]
    rng.shuffle(rules)
    value = f"[{', '.join(values)}]" if values else "true"
    if rng.random() < 0.2 and bound:  # a partial set of the bound names
        rules.append(f"x contains {value} if {{ {'; '.join(body) or 'true'} }}")
    else:
        rules.append(f"x := {value}" + (f" if {{ {'; '.join(body)} }}" if body else ""))
    return "\n".join(rules)


def _sorted(value: Any) -> str:
    return repr(sorted(json.dumps(v, sort_keys=True) for v in value)) if isinstance(value, list) else repr(value)


def run(args: argparse.Namespace, engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``args.patterns`` generated modules on ``engines`` and print the differences (differential_runs)."""
    from differential_runs import compare

    # a set (`x contains`) comes back in each engine's order: compare its elements sorted
    return compare(random_patterns(args.patterns, args.seed), engines, answer, args.patterns, args.default_mode,
                   args.all, text_of=lambda body, text, value: _sorted(value) if "x contains" in body else text)
