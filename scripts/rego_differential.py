"""Runs Rego modules on every installed engine and prints where two engines answer differently.

    python scripts/rego_differential.py MODULES.txt          # modules separated by lines holding `---`
    python scripts/rego_differential.py --fuzz 300 --seed 7  # calls of builtins on generated arguments
    python scripts/rego_differential.py FILE --all           # every module, answered alike or not

Each module is the body of ``package p`` (``import rego.v1`` added) defining the rule ``x``; it runs
through the same guards and rewrites as a user policy (tests/test_rego_conformance.py's ``outcome``),
against one input document (``INPUT``). Where both engines answer and the answers differ, one of them
differs from OPA: settle which from OPA's source and add a probe (tests/rego_probes/probes.yaml). An
engine that refuses or stops is not a difference. Found with it, and fixed: regorus' ``not`` over
``_``, ``strings.count``, ``substring``, ``format_int``; regopy's first bindings in a call or literal,
``json.marshal`` of built arrays, exact quotients; and in round 11 ``object.subset``, ``sum``, ``units.*``,
``glob.match``, ``net.cidr_contains``, ``semver.is_valid``, ``rand.intn`` (both), ``regex.*`` and ``time.*``
(regopy) (docs/rego.md).

    python scripts/rego_differential.py --fuzz 500 --default-mode   # the table's builtins, arguments of any kind
    python scripts/rego_differential.py --values 200 --seed 3       # expressions over random numbers
    python scripts/rego_differential.py --kinds [NAME ...]          # each listed operand given every kind

``--default-mode`` runs each module as a ``--policy`` file runs by default, OPA's default mode for builtin
errors: every operand ``natpolicy.rego.operand_kinds`` lists is guarded first; with ``--fuzz`` the calls are of
the table's builtins, each operand its valid sample or a value of any kind. ``--kinds`` measures the table: each
listed operand given a value of every kind (tests/rego_kinds.py), unguarded and guarded, on each engine;
``ANSWERS`` marks an engine answering unguarded a kind the table says OPA refuses (check OPA's source: the guard
would make a value OPA gives undefined), ``CHANGED`` a kind it lets through answered otherwise once guarded.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INPUT = {"s": "c,a", "u": "é,ü", "n": 3, "f": 2.5, "arr": ["c", "a", "b"], "o": {"b": 1, "a": [1, 2], "é": 3},
         "rs": [{"type": "aws_vpc", "n": 1}, {"type": "aws_eip", "n": 2}, {"type": "x"}], "nul": None, "t": True}
_S = ['"abc"', '"a,b"', '"é"', '""', '"A b"', '"x.y.z"', '"10.0.0.0/16"', "input.s", "input.u", '"  pad "']
_N = ["0", "1", "-1", "2.5", "3", "-0.5", "100", "input.n", "input.f", "4 / 2"]
_A = ["[]", "[1, 2]", '["b", "a"]', "input.arr", 'split(input.s, ",")', '[1, "a"]', "[[1], [2]]"]
_O = ["{}", '{"b": 1, "a": 2}', "input.o", '{"a": {"b": 1}}']
_T = ["{1, 2}", '{"b", "a"}', "set()"]
_ANY = _S + _N + _A + _O + _T + ["null", "true"]
# Builtin -> the argument pools of one call each (a pool per argument).
_CALLS: dict[str, tuple[list[str], ...]] = {
    "concat": (_S, _A + _T), "contains": (_S, _S), "startswith": (_S, _S), "indexof": (_S, _S),
    "indexof_n": (_S, _S), "lower": (_S,), "upper": (_S,), "replace": (_S, _S[:4], _S[:4]), "split": (_S, _S),
    "substring": (_S, _N, _N), "trim": (_S, _S), "trim_space": (_S,), "strings.count": (_S, _S),
    "sprintf": (['"%v"', '"%s"', '"%d"', '"%.2f"', '"%x"', '"%5v|"'], [f"[{a}]" for a in _ANY]),
    "format_int": (_N, ["2", "8", "10", "16"]), "count": (_S + _A + _O + _T,), "sum": (_A + _T,),
    "sort": (_A + _T,), "max": (_A + _T,), "array.slice": (_A, _N, _N), "object.get": (_O, _S + _A, _ANY),
    "object.union": (_O, _O), "json.marshal": (_ANY,), "round": (_N,), "ceil": (_N,), "abs": (_N,),
    "numbers.range": (_N, _N), "to_number": (_S + _N,), "regex.match": (['"^a"', '"[a-c]+"', '"."'], _S),
    "regex.find_n": (['"a"', '"x*"', '"."', '"a|"'], _S, ["-1", "1"]),
    "urlquery.encode": (_S,), "base64.encode": (_S,),
    "units.parse_bytes": (['"10KB"', '"1Mi"', '"1.5G"', '"1B"', '"1.5"'],),
    "time.format": (["0", "1577836800500000000", '[0, "UTC", "2006-01-02"]'],),
    # Round 11: builtins not fuzzed before (each one's differences are in docs/rego.md).
    "object.subset": (_O + _A + _T, _O + _A + _T + ['{"a": {2}}']), "object.filter": (_O, _A + _T),
    "object.remove": (_O, _A + _T), "object.keys": (_O,), "array.concat": (_A, _A), "array.reverse": (_A,),
    "product": (_A + _T,), "min": (_A + _T,), "intersection": (["{{1, 2}, {2}}", '{{"a"}, set()}'],),
    "union": (["{{1, 2}, {3}}", '{{"b"}, {"a"}}'],), "units.parse": (['"1m"', '"1Mi"', '"1.5k"', '"1B"', '"-1K"'],),
    "semver.is_valid": (['"1.0.0-"', '"01.0.0"', '"1.0.0-a..1"', '"1.0"', '"1.0.0+b"', "1"],),
    "numbers.range_step": (_N, _N, ["1", "3", "0", "1.0"]), "bits.and": (_N, _N), "bits.rsh": (_N, ["1", "-1"]),
    "rand.intn": (['"a"'], ["0", "-1", "2.5"]), "regex.replace": (_S, ['"b*"', '"(b)"', '","'], ['"$1x"', '"-"']),
    "regex.find_all_string_submatch_n": (['"x*"', '"(a)|(b)"', '"a|"'], _S, ["-1", "1"]),
    "regex.template_match": (['"urn:{[a-z]+}"', '"a.{.*}"'], ['"urn:abc"', '"aXb"'], ['"{"'], ['"}"']),
    "strings.any_prefix_match": (_S + _A, _S + _A), "strings.reverse": (_S,), "trim_left": (_S, _S[:4]),
    "trim_prefix": (_S, _S[:4]), "base64url.encode": (_S,), "hex.encode": (_S,), "json.is_valid": (_S,),
    "json.filter": (_O, ['["a"]', '[["a", 1]]', '["a/1"]']), "json.remove": (_O, ['["a"]', '[["a", 1]]']),
    "time.parse_duration_ns": (['"1h30m"', '"1.5h"', '"1d"', '"+5m"', '"1e3s"', '""', '"1µs"'],),
    "time.parse_ns": (['"2006-01-02"', '"RFC3339"', '"_2 Jan 2006"'], ['"2020-03-04"', '" 4 Mar 2020"']),
    "time.clock": (_N,), "type_name": (_ANY,), "net.cidr_contains": (['"10.0.0.0/8"', '"::ffff:0:0/96"'],
                                                                      ['"10.1.2.3"', '"::ffff:10.0.0.1"', "input.s"]),
    "glob.match": (['"*"', '"a*"', '"?"', '"a**"', '"[^a]"', '"*:b"'], ["[]", '["."]', '[":"]', '[""]', "null"], _S),
}


# --values: expressions over rows of random numbers (a, b integers of 1 to 53 bits, either sign; f a non-integer of
# up to six decimals). The same comparison, run by hand over random numbers (stop 30), found regopy's own `%`
# (30 % 3 was 1) and its `%v` of a non-integer (742.07 printed as 742.0700000000001), both silent and fixed since.
_VALUE_EXPRESSIONS = [
    "a % b", "a + b", "a - b", "a * b", "a < b", "a == b", "abs(a)", "format_int(a, 16)", "bits.and(a, b)",
    "bits.xor(a, b)", "sort([a, b, a])", "max([a, b, a])", "min([b, a])", "count({a, b, a})", "json.marshal([a, b])",
    'sprintf("%v|%d|%s", [a, b, a])', 'sprintf("%v|%s", [f, f])', "json.marshal(f)", "round(f)", "ceil(f)",
    "floor(f)", "abs(f)", "f < a", "sort([f, a, f])", 'sprintf("%.2f|%e", [f, f])', "to_number(json.marshal(f))",
]


def random_values(count: int, seed: int) -> list[str]:
    """``count`` rules, each one expression over 20 rows of random numbers (the same for one seed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        expression = rng.choice(_VALUE_EXPRESSIONS)
        rows = ", ".join(f"[{_integer(rng)}, {_integer(rng)}, {_fraction(rng)!r}]" for _ in range(20))
        out.append(f"x := [r | some p in [{rows}]; a := p[0]; b := p[1]; f := p[2]; r := {expression}]")
    return out


def _integer(rng: random.Random) -> int:
    bits = rng.randint(1, 53)
    return rng.randrange(2 ** (bits - 1), 2 ** bits) * rng.choice((1, -1))


def _fraction(rng: random.Random) -> float:
    value = round(rng.uniform(-1e5, 1e5), rng.randint(1, 6))
    return value + 0.5 if value.is_integer() else value  # (a whole number written 2.0 is refused as a literal)


def fuzz_kinds(count: int, seed: int) -> list[str]:
    """``count`` calls of the operand-kind table's builtins, each operand its valid sample (tests/rego_kinds.py)
    or a value of any kind; the values of the kinds are ``vals``, read through the input (no type check)."""
    from natpolicy.rego.operand_kinds import OPERAND_KINDS
    from rego_kinds import KIND_VALUES, VALUES_RULE, valid_arguments

    rng = random.Random(seed)
    names = sorted(set(OPERAND_KINDS) - {"rand.intn"})  # a random number differs on its own
    out = []
    for _ in range(count):
        name = rng.choice(names)
        args = [arg if rng.random() < 0.4 else f"vals[input.{rng.choice(sorted(KIND_VALUES))}]"
                for arg in valid_arguments(name, OPERAND_KINDS[name])]
        out.append(f"{VALUES_RULE}x := {name}({', '.join(args)})")
    return out


def fuzz(count: int, seed: int) -> list[str]:
    """``count`` rules ``x := builtin(args)``, arguments drawn from the pools (the same for one seed)."""
    rng = random.Random(seed)
    names = sorted(_CALLS)
    out = []
    for _ in range(count):
        name = rng.choice(names)
        out.append(f"x := {name}({', '.join(rng.choice(pool) for pool in _CALLS[name])})")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="?", type=Path, help="a file of modules separated by lines `---`")
    parser.add_argument("--fuzz", type=int, default=0, metavar="N", help="N generated builtin calls instead")
    parser.add_argument("--values", type=int, default=0, metavar="N",
                        help="N expressions over random integers and fractions instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--all", action="store_true", help="print every module, not only the differences")
    parser.add_argument("--default-mode", action="store_true",
                        help="guard the operands the operand-kind table lists first (OPA's default mode)")
    parser.add_argument("--kinds", nargs="*", metavar="NAME", help="measure the operand-kind table instead")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from natpolicy.rego.engines import create_engine, installed_engines

    engines = [create_engine(name) for name in ("regorus", "regopy") if name in installed_engines()]
    if args.kinds is not None:
        return _measure_kinds(engines, args.kinds)
    if args.modules is None and not args.fuzz and not args.values:
        parser.error("give a file of modules, --fuzz N, --values N or --kinds")
    from test_rego_conformance import outcome

    try:
        text = "" if args.fuzz or args.values else args.modules.read_text(encoding="utf-8")
    except OSError as exc:
        parser.error(f"{args.modules}: {exc.strerror}")
    draw = fuzz_kinds if args.default_mode else fuzz
    bodies = random_values(args.values, args.seed) if args.values else draw(args.fuzz, args.seed) if args.fuzz \
        else [b.strip() for b in text.split("\n---\n") if b.strip()]
    differences = 0
    for body in bodies:
        answers = [_answer(outcome, engine, body, args.default_mode) for engine in engines]
        differ = all(kind == "ok" for kind, _ in answers) and len({text for _, text in answers}) > 1
        differences += differ
        if differ or args.all:
            print(f"{'DIFF' if differ else 'same'}: {body!r}")
            for engine, (kind, text) in zip(engines, answers, strict=True):
                print(f"   {engine.name}: {kind} {text}")
    print(f"{differences} of {len(bodies)} answered differently", file=sys.stderr)
    return 1 if differences else 0


def _measure_kinds(engines: list[Any], names: list[str]) -> int:
    """Print each listed operand of ``names`` (every entry of the table if none) given a value of every kind."""
    from natpolicy.rego.operand_kinds import OPERAND_KINDS
    from rego_kinds import ACCEPTED, guarded, kind_answers, kind_module, measured_rules

    flagged = 0
    for name in names or sorted(OPERAND_KINDS):
        measured = list(measured_rules(name))
        entries = [rule for rule, _, _ in measured]
        for engine in engines:
            plain = kind_answers(engine, kind_module(name), entries)
            safe = kind_answers(engine, guarded(kind_module(name)), entries)
            for rule, index, given in measured:
                kind = OPERAND_KINDS[name][index]
                assert kind is not None
                accepted = given in ACCEPTED[kind]
                flag = "ANSWERS" if not accepted and plain[rule][0] == "value" else \
                    "CHANGED" if accepted and plain[rule] != safe[rule] and plain[rule][0] != "error" else ""
                flagged += bool(flag)
                print(f"{flag:8} {engine.name:8} {name} #{index + 1} {kind} <- {given}: "
                      f"{plain[rule][0]} {str(plain[rule][1])[:60]!r} | guarded {safe[rule][0]} "
                      f"{str(safe[rule][1])[:40]!r}")
    print(f"{flagged} flagged", file=sys.stderr)
    return 1 if flagged else 0


def _answer(outcome: Any, engine: Any, body: str, default_mode: bool = False) -> tuple[str, str]:
    source = f"package p\nimport rego.v1\n{body}\n"
    if default_mode:
        from rego_kinds import KIND_INPUT
        from test_rego_default_mode import default_answer  # guards the operands itself

        probe = {"source": source, "rule": "x", "input": {**INPUT, **KIND_INPUT}, "expect": object()}
        kind, value = default_answer(engine, probe)
        return ("ok", repr(value)) if kind == "ok" else (kind, str(value)[:120])
    probe = {"source": source, "rule": "x", "input": INPUT, "expect": object()}
    kind, detail = outcome(engine, probe)
    # outcome() calls an answer unlike the (impossible) expected one "silent": that is the engine's answer
    return ("ok", detail.split(", OPA:")[0]) if kind == "silent" else (kind, detail[:120])


if __name__ == "__main__":
    raise SystemExit(main())
