"""``rego_differential.py --rules N``: modules of several rules that combine, run on every installed engine.

Each module mixes rules of the kinds whose combination OPA settles in its evaluator and compiler
(topdown/eval.go, ast/compile.go ``checkRuleConflicts``): complete rules of several definitions (equal or
conflicting values: "complete rules must not produce multiple outputs"), ``default`` rules, ``else`` chains whose
conditions are true, false, undefined or fail (a builtin error), sets and objects built by parts (an object's keys
conflicting: "object keys must be unique"), functions of several definitions ("functions must not produce multiple
outputs for same inputs"; undefined arguments; rarely recursion, refused at compile), ref heads (``a.b.c := 1``,
``a.b[k] := v``, rarely overlapping ``a.b := ...``: "rule conflict"), rules reading each other, bodies that are
undefined, and the queried rule ``x`` reading them whole or in part (``q[k]``, ``q.a``, ``count(q)``,
``q == {...}``). The input is small and random, so that a condition holds in one module and not in the next.

Besides two answers that differ, a module one engine answers and the other stops on at run time (not refused
at load) is printed too (``MIXED``): OPA's conflicts are run-time errors, so the engine that answers is the
silent one unless OPA answers too; settle which from OPA's source.
"""
from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["random_rules", "run"]

# Values a definition may give: equal ones are common so that several definitions often agree.
_VALUES = ["1", "1", "2", '"a"', '"b"', "true", "false", "null", "[1]", '{"k": 1}', "{1}", "input.a", "input.b",
           "input.xs", "input.o", "input.no"]
# Conditions: true, false, undefined (a missing key), data-dependent, and failing (a builtin error in OPA's strict
# mode, undefined in its default mode: `--default-mode` guards them).
_CONDS = ["true", "false", "input.no", "input.a == 1", "input.a > 0", "input.a != 2", 'input.b == "x"',
          "count(input.xs) > 1", "1 in input.xs", "input.o.k == 1", "not input.t", "input.t",
          "to_number(input.b) > 0", "input.a / input.z > 0", "count(input.a) > 0", 'startswith(input.a, "x")',
          "input.xs[0] == 1", "some v in input.xs; v > 1"]
_KEYS = ['"k"', '"k"', '"j"', "1", "input.b", "input.a"]


def random_rules(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (module body, input) pairs of rules that combine; the same for one seed."""
    rng = random.Random(seed)
    return [(_module(rng), _input(rng)) for _ in range(count)]


def _input(rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {"a": rng.choice([0, 1, 2, "x"]), "b": rng.choice(["x", "y", "3"]),
                                "xs": rng.sample([1, 2, 3], rng.randint(0, 3)), "o": {"k": rng.choice([1, 2])},
                                "t": rng.choice([True, False]), "z": rng.choice([0, 1])}
    for key in list(document):
        if rng.random() < 0.1:
            del document[key]
    return document


def _cond(rng: random.Random) -> str:
    return "; ".join(rng.choice(_CONDS) for _ in range(rng.randint(1, 2)))


def _body(rng: random.Random) -> str:
    return "" if rng.random() < 0.25 else f" if {{ {_cond(rng)} }}"


def _complete(rng: random.Random, name: str) -> list[str]:
    out = [f"{name} := {rng.choice(_VALUES)}{_body(rng)}" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        out.append(f"default {name} := {rng.choice(_VALUES)}")
    return out


def _else_chain(rng: random.Random, name: str) -> list[str]:
    text = f"{name} := {rng.choice(_VALUES)} if {{ {_cond(rng)} }}"
    for _ in range(rng.randint(1, 3)):
        text += f" else := {rng.choice(_VALUES)}" + (f" if {{ {_cond(rng)} }}" if rng.random() < 0.7 else "")
    out = [text]
    if rng.random() < 0.3:  # a second chain of the same rule: its value may conflict
        out.append(f"{name} := {rng.choice(_VALUES)} if {{ {_cond(rng)} }} else := {rng.choice(_VALUES)}")
    if rng.random() < 0.5:
        out.append(f"default {name} := {rng.choice(_VALUES)}")
    return out


def _partial_set(rng: random.Random, name: str) -> list[str]:
    out = []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.3:
            out.append(f"{name} contains v if {{ some v in input.xs; {_cond(rng)} }}")
        else:
            out.append(f"{name} contains {rng.choice(_VALUES)}{_body(rng)}")
    return out


def _partial_object(rng: random.Random, name: str) -> list[str]:
    out = []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.3:
            out.append(f"{name}[k] := v if {{ some k, v in input.o; {_cond(rng)} }}")
        else:
            out.append(f"{name}[{rng.choice(_KEYS)}] := {rng.choice(_VALUES)}{_body(rng)}")
    return out


def _function(rng: random.Random, name: str) -> list[str]:
    out = []
    for _ in range(rng.randint(1, 3)):
        arg = rng.choice(["v", "v", "1", "_"])
        result = rng.choice(["v", "v", *_VALUES]) if arg == "v" else rng.choice(_VALUES)
        test = rng.choice([f"{arg} > 0", f"{arg} == 1", _cond(rng)]) if arg == "v" else _cond(rng)
        body = f" if {{ {test} }}" if rng.random() < 0.7 else ""
        head = f"{name}({arg}) := {result}"
        if rng.random() < 0.2:
            out.append(f"{head}{body or ' if { true }'} else := {rng.choice(_VALUES)}")
        else:
            out.append(f"{head}{body}")
    if rng.random() < 0.2:
        out.append(f"default {name}(_) := {rng.choice(_VALUES)}")
    return out


def _ref_heads(rng: random.Random, name: str) -> list[str]:
    out = []
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.4:
            out.append(f"{name}.b.{rng.choice('cd')} := {rng.choice(_VALUES)}{_body(rng)}")
        elif roll < 0.7:
            out.append(f"{name}.b[{rng.choice(_KEYS)}] := {rng.choice(_VALUES)}{_body(rng)}")
        elif roll < 0.85:
            out.append(f"{name}.b[k] := v if {{ some k, v in input.o }}")
        else:
            out.append(f"{name}.{rng.choice(['b', 'e'])} := {rng.choice(_VALUES)}{_body(rng)}")  # overlapping a.b.c
    return out


def _recursion(rng: random.Random, name: str) -> list[str]:
    return [f"{name} := {name}_2 + 1", f"{name}_2 := {name}{rng.choice(['', ' - 1'])}"]


_KINDS: dict[str, tuple[Callable[[random.Random, str], list[str]], list[str]]] = {
    # kind: (definitions, what `x` may read of the rule `{n}`)
    "complete": (_complete, ["{n}", "[{n}]", "{n} == 1", "{n}.k", "count({n})"]),
    "else": (_else_chain, ["{n}", "{n} == 1", "[{n}, 1]", "{n}.k"]),
    "set": (_partial_set, ["{n}", "count({n})", "{n}[1]", '{n}["a"]', "1 in {n}", "{n} == {{1}}",
                           "[v | some v in {n}]"]),
    "object": (_partial_object, ["{n}", "{n}.k", "{n}[1]", "{n}[input.b]", "count({n})", '{n} == {{"k": 1}}',
                                 "object.keys({n})"]),
    "function": (_function, ["{n}(1)", "{n}(input.a)", "{n}(input.no)", "[{n}(0), {n}(2)]", "{n}(input.xs)"]),
    "ref": (_ref_heads, ["{n}", "{n}.b", "{n}.b.c", "{n}.b.k", "count({n}.b)", "{n}.e"]),
    "recursion": (_recursion, ["{n}"]),
}
_WEIGHTS = {"complete": 4, "else": 4, "set": 3, "object": 3, "function": 3, "ref": 3, "recursion": 0.2}


def _module(rng: random.Random) -> str:
    rules: list[str] = []
    reads: list[str] = []
    names = ["q", "r", "s"][:rng.randint(1, 3)]
    for index, name in enumerate(names):
        kind = rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
        definitions = _KINDS[kind][0](rng, name)
        if index and rng.random() < 0.3:  # a rule reading an earlier one
            definitions = [d.replace(rng.choice(_VALUES), names[index - 1], 1) for d in definitions]
        rules += definitions
        reads.append(rng.choice(_KINDS[kind][1]).format(n=name))
    rng.shuffle(rules)
    read = reads[0] if len(reads) == 1 or rng.random() < 0.5 else f"[{', '.join(reads)}]"
    if rng.random() < 0.2:  # the queried rule itself of several definitions, or with a default
        rules.append(f"x := {rng.choice(reads)} if {{ {_cond(rng)} }}")
        if rng.random() < 0.5:
            rules.append(f"default x := {rng.choice(_VALUES)}")
    rules.append(f"x := {read}")
    return "\n".join(rules)


def run(args: argparse.Namespace, engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``args.rules`` generated modules on ``engines`` and print the differences (differential_runs)."""
    from differential_runs import compare

    return compare(random_rules(args.rules, args.seed), engines, answer, args.rules, args.default_mode, args.all)
