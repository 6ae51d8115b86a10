"""``rego_differential.py --collections N``: set and object comprehensions and collection operators (issue 17).

Each module (Rego v1) builds sets and objects several ways from a small random input of mixed kinds: set
comprehensions ``{v | ...}``, object comprehensions ``{k: v | ...}`` keyed by every kind (strings, numbers,
booleans, null, arrays, objects, sets), whose keys may conflict with different values (OPA's "object keys must be
unique" eval error, v1/topdown/eval.go ``evalObjectComprehension``... ``biunifyComprehension``) or with equal
ones (allowed), nested comprehensions, comprehensions over undefined or empty domains, partial set and object
rules collecting the same elements, and the set operators ``|``, ``&``, ``-``. It then observes them: ``in``,
``some x in``, ``some k, v in``, ``count``/``sum``/``max``/``sort``, ``==``/``<``/``>`` between collections built
differently (OPA's order of values: v1/ast/compare.go), keys read back (``o[k]``, ``object.keys``,
``object.get``), ``json.marshal`` and ``sprintf("%v")``. The queried rule ``x`` is an array holding each observed
value in an array (``[v | true]``: an undefined one is ``[]``, so one undefined value leaves the others seen).

As with ``--rules``, a module one engine answers and another stops on at run time is printed too (``MIXED``):
OPA's key conflicts are run-time errors, so the engine answering is the silent one unless OPA answers too.
"""
from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["random_collections", "run"]

# Scalars and collections of every kind an input may hold (JSON: no sets; sets are built in the module).
_ATOMS: list[Any] = [0, 1, 2, -1, 2.5, "a", "b", "", "1", True, False, None, [], [1], [1, "a"], {}, {"k": 1},
                     {"k": [1]}, [[1], [2]]]
# Domains a comprehension iterates: the input's, literals, empty and undefined ones, built collections.
_DOMAINS = ["input.xs", "input.ys", "input.o", "input.no", "[]", "set()", "{k: 1 | some k in []}",
            '{1, "a", [1], {"k": 1}, null}',
            '{"a": 1, "b": [1], "c": {2}}', "[1, 1, 2]", "{e | some e in input.xs}", "[e | some e in input.ys]",
            "{k: v | some k, v in input.o}", "input.o[_]", "{{1}, {1, 2}, set()}"]
# Element expressions of e (and i, its key or index): every kind, collections among them.
_ELEMENTS = ["e", "[e]", "{e}", '{"k": e}', "i", "[i, e]", "{i: e}", "type_name(e)", "count([e, e])", "is_number(e)",
             "{e, i}", "[{e}]", "{[e]}"]
# Keys of object comprehensions: every kind; several give one key to elements of one kind (a conflict if values
# differ, as `type_name(e): e`) or always the same key ("k", null, true, 1, [1], {1}).
_KEYS = ["e", "i", "[e]", "{e}", '{"k": e}', "type_name(e)", "null", "true", "1", "[1]", "{1}", '"k"', "[i]",
         "{i}", "count([e])", "is_number(e)"]
_VALUES = ["e", "1", "i", "[e]", "{e}", "type_name(e)", "true", "{i: e}"]
# Sets built several ways (operands of |, &, -, comparisons).
_SETS = ["s0", "s1", "ps", "set()", '{1, "a", [1]}', "{e | some e in input.xs}", "{[e] | some e in input.xs}",
         "{z | some z in input.ys}", "{k | some k, _ in input.o}", "{{e} | some e in input.xs}", "object.keys(o0)",
         "{k | some k, _ in o0}", "{k | some k, _ in po}", "{1, 2} | {2, 3}"]
_OBJECTS = ["o0", "o1", "po", "{}", "input.o", '{"k": [1], "j": {1}}', "{k: [k] | some k in s0}",
            "{k: 1 | some k in input.xs}", "object.union(o0, {1: 2})"]
_OBSERVATIONS = [
    "{a} | {b}", "{a} & {b}", "{a} - {b}", "({a} | {b}) - ({a} & {b})", "count({a})", "count({o})", "sort({a})",
    "max({a})", "min({a})", "sum({{n | some n in {a}; is_number(n)}})", "{a} == {b}", "{a} < {b}", "{a} > {b}",
    "[{a}, {o}] < [{b}, {p}]", "{o} == {p}", "{o} < {p}", "{{{a}, {b}}}", "{{{a}: 1, {b}: 2}}",
    "{{{a}: 1}} == {{{b}: 1}}", "1 in {a}",
    "[1] in {a}", '"a" in {o}', "1 in {o}", "[z | some z in {a}]", "[k | some k, _ in {o}]",
    "[[k, v] | some k, v in {o}]", "[v | some v in {o}]", "{o}[[1]]", "{o}[{{1}}]", "{o}[null]", "{o}[true]",
    "{o}[1]", '{o}["k"]', "object.keys({o})", 'object.get({o}, [1], "d")', 'object.get({o}, {{1}}, "d")',
    'object.get({o}, ["k", 1], "d")', "json.marshal({a})", 'sprintf("%v", [{a}])', 'sprintf("%v", [{o}])',
    "json.marshal([{a}, {b}])", 'sprintf("%v", [[{a}, {o}]])', "[k | some k in {a}; k in {b}]",
    "{{k: v | some k, v in {o}; k in {a}}}", "{{z | some z in {a}}} == {a}", "{{k: v | some k, v in {o}}} == {o}",
    "[{a}] == [{b}]", "{{[{a}]}}", "{{z: {{y | some y in {a}; y != z}} | some z in {a}}}",
    "{{z | some z in {{y | some y in {a}}}}}", "count({{z | some z in {a}; z in {b}}})", "{a} == {a} | set()",
]
# natpolicy's own stops (and, in --default-mode, where a refusal is a stop too, its refusals) name natpolicy, OPA or
# the engine: they are loud; an engine's own run-time error (a key conflict) is not, and is compared
_GUARDED = re.compile(r"natpolicy|OPA|\(or: |regopy 1\.5|regorus 0\.13|a set of arrays, objects or sets|read whole|"
                      r"do not compile|Invalid |expecting ")
_BINDINGS = ["some e in {d}; i := 0", "some i, e in {d}", "dd := {d}; dd[i] = e", "dd := {d}; e := dd[i]",
             "some i, e in {d}; not e == 1", "some i, e in {d}; e != \"a\""]


def random_collections(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (module body, input) pairs of modules building and observing sets and objects; the same for one
    seed."""
    rng = random.Random(seed)
    return [(_module(rng), _input(rng)) for _ in range(count)]


def _input(rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {"xs": rng.sample(_ATOMS, rng.randint(0, 5)),
                                "ys": [rng.choice(_ATOMS[:12]) for _ in range(rng.randint(0, 4))],
                                "o": {rng.choice("abcjk"): rng.choice(_ATOMS) for _ in range(rng.randint(0, 3))}}
    if rng.random() < 0.1:
        del document[rng.choice(list(document))]
    return document


def _binding(rng: random.Random) -> str:
    return rng.choice(_BINDINGS).format(d=rng.choice(_DOMAINS))


def _module(rng: random.Random) -> str:
    # two sets, two objects by comprehension; a partial set and a partial object rule collecting like elements
    element, key, value = rng.choice(_ELEMENTS), rng.choice(_KEYS), rng.choice(_VALUES)
    rules = [
        f"s0 := {{{rng.choice(_ELEMENTS)} | {_binding(rng)}}}",
        f"s1 := {{{element} | {_binding(rng)}}}",
        f"o0 := {{{rng.choice(_KEYS)}: {rng.choice(_VALUES)} | {_binding(rng)}}}",
        f"o1 := {{{key}: {value} | {_binding(rng)}}}",
        f"ps contains {element} if {{ {_binding(rng)} }}",
        f"po[{key}] := {value} if {{ {_binding(rng)} }}",
    ]
    if rng.random() < 0.3:  # nested: a comprehension in a comprehension's head or body
        rules[0] = f"s0 := {{{{[z, {rng.choice(_ELEMENTS)}] | {_binding(rng)}}} | some z in {rng.choice(_DOMAINS)}}}"
    if rng.random() < 0.3:
        built = rng.choice([text for text in _SETS if "o0" not in text])  # (o0 reading itself: recursive)
        rules[2] = f"o0 := {{k: {{e | some e in v}} | some k, v in {{\"a\": input.xs, \"b\": {built}}}}}"
    names = []
    for k in range(rng.randint(1, 4)):
        form = rng.choice(_OBSERVATIONS)
        operands = {"a": rng.choice(_SETS), "b": rng.choice(_SETS), "o": rng.choice(_OBJECTS),
                    "p": rng.choice(_OBJECTS)}
        if "{o}[" in form or rng.random() < 0.3:  # operands bound to names first (a ref on a literal: not in regorus)
            binds = "; ".join(f"n{name}{k} := {text}" for name, text in operands.items())
            rules.append(f"v{k} := {form.format(**{name: f'n{name}{k}' for name in operands})} if {{ {binds} }}")
        else:
            rules.append(f"v{k} := {form.format(**operands)}")
        names.append(f"[v{k} | true]")
    rules.append(f"x := [{', '.join(names)}]")
    return "\n".join(rules)


def run(args: argparse.Namespace, engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``args.collections`` generated modules on ``engines`` and print the differences (differential_runs)."""
    from differential_runs import compare

    # a stop natpolicy words as its own (a guard) is loud: counted apart, never a one-engine answer
    return compare(random_collections(args.collections, args.seed), engines, answer, args.collections,
                   args.default_mode, args.all,
                   kind_of=_guarded_as_stopped)


def _guarded_as_stopped(kind: str, text: str) -> str:
    return "stopped" if kind in ("error", "stop") and _GUARDED.search(text) else kind
