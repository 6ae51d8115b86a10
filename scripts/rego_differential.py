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
    python scripts/rego_differential.py --loops 200 --seed 3        # comprehensions of several iterations
    python scripts/rego_differential.py --strings 200 --rows 12     # ... over input rows of random strings
    python scripts/rego_differential.py --kinds [NAME ...]          # each listed operand given every kind
    python scripts/rego_differential.py --packages 300 --seed 1     # sets of several packages, imports, --data

``--strings`` puts its random values in the input, not in the module, so that any string or number can be held
(a literal cannot hold 3e-08, nor an exponent): each module maps each row's index to one expression (a string
builtin, ``sprintf``, ``json.marshal``/``unmarshal``, comparisons, sets and object keys built from the strings...)
over the row's strings ``s``, ``t`` (often a piece of ``s``), ``u``, small integers ``i``, ``k``, a number ``n`` of
any size and a JSON document ``j``. The strings hold quotes, backslashes, control characters, ``%``, braces,
non-ASCII and astral text, combining marks, odd spaces, and texts that look like numbers or keywords; a module's
rows either hold every kind or none of those regopy stops on (`"`, `\\`, a control character), and its numbers
fit in 15 digits or not (regopy refuses more). A row whose answers differ is printed with its input.

``--default-mode`` runs each module as a ``--policy`` file runs by default, OPA's default mode for builtin
errors: every operand ``natpolicy.rego.operand_kinds`` lists is guarded first; with ``--fuzz`` the calls are of
the table's builtins, each operand its valid sample or a value of any kind. ``--kinds`` measures the table: each
listed operand given a value of every kind (tests/rego_kinds.py), unguarded and guarded, on each engine;
``ANSWERS`` marks an engine answering unguarded a kind the table says OPA refuses (check OPA's source: the guard
would make a value OPA gives undefined), ``CHANGED`` a kind it lets through answered otherwise once guarded.
"""
from __future__ import annotations

import argparse
import json
import random
import re
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
_GRAPHS = ['{"a": ["b"], "b": []}', '{"a": ["a", "b"], "b": []}', '{"a": ["b", "x"], "b": ["c"], "c": ["a"]}',
           '{"a": [""], "": ["b"], "b": []}', '{"a": {"b", "c"}, "b": {"c"}, "c": set()}', "{}"]
_STARTS = ['["a"]', '{"a", "b"}', '["z", "b"]', "[]", '[""]']
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
    # residue29: graphs with a cycle, a start node listing itself, a neighbour that is no node beside one that is,
    # and "" as a node (each answered otherwise by one engine before; docs/rego.md).
    "graph.reachable_paths": (_GRAPHS, _STARTS), "graph.reachable": (_GRAPHS, _STARTS),
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


# --loops: array comprehensions of two to four iterations of every kind, filters, sets and nested comprehensions,
# whose order of solutions is OPA's order of loops. The same comparison, by hand, found regopy running independent
# loops in another order (stop 31, regopy_loop_order): 239 of 300 such comprehensions came out otherwise there.
LOOP_INPUT: dict[str, Any] = {"a": ["A", "B", "C"], "b": [1, 2, 3], "o": {"k": 1, "j": 2, "i": 3}, "s": ["b", "a"],
                              "rs": [{"n": "x", "v": [3, 1]}, {"n": "y", "v": [2]}, {"n": "z", "v": []}],
                              "m": [[1, 2], [3]]}
_LOOPS = ["some {v} in input.a", "some {v} in input.b", "{v} := input.b[_]", "some i{k}, {v} in input.rs",
          "some {v}, w{k} in input.o", "{v} := input.m[_][_]", "some {v} in {{x | some x in input.s}}",
          "some {v}, w{k} in {{y: 1 | some y in input.a}}", "{v} := {{\"q\", \"p\"}}[_]",
          "some {v} in object.keys(input.o)", "{v} := input.b[i{k}]"]
_AFTER = ["{b} != \"zz\"", "not {b} == 2", "{v} := sprintf(\"%v\", [{b}])",
          "some {v} in [y | some y in input.b; y != 1]", "input.rs[i{k}].n == {v}; some {v} in [\"x\", \"y\"]"]


def random_loops(count: int, seed: int) -> list[str]:
    """``count`` rules, each an array comprehension of two to four iterations (the same for one seed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        bound: list[str] = []
        statements = []
        for k in range(rng.randint(2, 4)):
            v = f"v{k}"
            form = rng.choice(_LOOPS + (_AFTER if bound else []))
            statements.append(form.format(v=v, k=k, b=rng.choice(bound) if bound else v))
            bound += [name for name in (v, f"i{k}", f"w{k}") if name in statements[-1] and name != "_"]
        head = ", ".join(rng.sample(bound, min(len(bound), rng.randint(1, 3))))
        out.append(f"x := [[{head}] | {rng.choice(['; ', chr(10) + '  ']).join(statements)}]")
    return out


def _integer(rng: random.Random) -> int:
    bits = rng.randint(1, 53)
    return rng.randrange(2 ** (bits - 1), 2 ** bits) * rng.choice((1, -1))


def _fraction(rng: random.Random) -> float:
    value = round(rng.uniform(-1e5, 1e5), rng.randint(1, 6))
    return value + 0.5 if value.is_integer() else value  # (a whole number written 2.0 is refused as a literal)


# --strings: expressions over rows of random strings and JSON documents held in the INPUT (any string or number can
# be held there, unlike a literal: 3e-08, a control character, an astral one). Each row binds s, t, u (strings; t is
# often a piece of s), i, k (small integers), n (a number of any size) and j (a random JSON document).
_STRING_EXPRESSIONS = [
    "concat(t, [s, u])", 'sprintf("%s|%v|%q", [s, s, s])', 'sprintf("%5s|%-5s|", [s, t])', 'sprintf("%d|%x", [i, k])',
    'sprintf("%x", [s])', 'sprintf("%v|%s", [n, n])', 'sprintf("%d", [n])', 'sprintf("%v", [j])', "json.marshal(s)",
    "json.unmarshal(json.marshal(s)) == s", "yaml.marshal(s)", "upper(s)", "lower(s)", "trim(s, t)",
    "trim_space(s)", "trim_prefix(s, t)", "trim_suffix(s, t)", "trim_left(s, t)", "trim_right(s, t)", "split(s, t)",
    "replace(s, t, u)", "indexof(s, t)", "indexof_n(s, t)", "substring(s, i, k)", "startswith(s, t)",
    "endswith(s, t)", "contains(s, t)", "strings.reverse(s)", "count(s)", "strings.count(s, t)", "sort([s, t, u])",
    "min([s, t, u])", "max([s, t, u])", "s < t", "s == t", "count({s, t, u})", "base64.encode(s)",
    "base64.decode(base64.encode(s))", "base64url.encode(s)", "base64.decode(s)", "hex.encode(s)",
    "hex.decode(hex.encode(s))", "urlquery.encode(s)", "urlquery.decode(s)", "urlquery.decode(urlquery.encode(s))",
    "to_number(s)", "to_number(n)", "format_int(n, 10)", "format_int(n, 16)", 'regex.match("^[a-z]+$", s)',
    'regex.match("[0-9]", s)', 'regex.split(",", s)', "strings.replace_n({t: u}, s)", "{s: 1, t: 2, u: 3}",
    "object.keys({s: 1, t: 2})", "[k | {s: 1, t: 2}[k]]", "json.marshal(j)", "json.unmarshal(json.marshal(j)) == j",
    "yaml.marshal(j)", "j", "json.marshal({s: j})", "json.marshal(n)", "n", "n < i", "n == to_number(json.marshal(n))",
    "yaml.unmarshal(yaml.marshal(j)) == j", "json.is_valid(s)", "concat(s, split(t, u))", "upper(s) == lower(s)",
    "sprintf(s, [])", "format_int(i, 2)", "abs(n)", "round(n)", "[n, s, j] == [n, s, j]", "sort([n, i, k])",
    "units.parse_bytes(s)", "is_string(s)", "type_name(j)", "strings.any_prefix_match(s, [t, u])",
]
_PIECES = ["a", "Z", "0", "9", " ", "  ", "\"", "'", "\\", "\n", "\t", "\r", "\x00", "\x01", "\x1f", "\x7f", "%",
           "%s", "%%", "{", "}", "[", "]", ",", ".", "-", "+", "_", "/", "?", "&", "=", "#", ":", "é", "ü", "ß", "İ",
           "ǅ", "Σ", "ﬁ", "中", "文", "字", "😀", "𝔘", "\U0001f1eb\U0001f1f7", "e\u0301", "\u0308", "\u200b",
           "\u00a0", "\u2028", "\ufeff", "\ud7ff", "\ue000", "\uffff", "abc", "xyz"]
_PLAIN = [piece for piece in _PIECES if not any(c in '"\\\x7f' or c < " " for c in piece)]
_WHOLE = ["", " ", "1e2", "0x10", " 1", "-0", "1.0", "+1", ".5", "1_000", "NaN", "Inf", "true", "null", "1e400",
          "00", "12", "-1.5e-8", "abc", "a,b", "10KB", "1.5Mi", "YWJj", "6162", "a%20b", "a+b", "%zz"]


def random_strings(count: int, seed: int, rows: int = 12) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (rule, input) pairs, each one expression over ``rows`` rows of random strings, numbers and JSON
    documents read from the input (the same for one seed); the rule's value maps each row's index to its answer."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        expression = rng.choice(_STRING_EXPRESSIONS)
        used = [name for name in "stuiknj" if re.search(rf"\b{name}\b", expression)]
        binds = "".join(f"; {name} := row.{name}" for name in used)
        # regopy refuses a document holding a number of more than 15 significant digits (it would round it):
        # most modules' numbers fit, so that regopy is compared too
        # and stops on a string holding `"`, `\` or a control character: some modules' strings hold none
        wide, pieces = rng.random() < 0.25, _PIECES if rng.random() < 0.5 else _PLAIN
        document = {"rows": [_row(rng, wide, pieces) for _ in range(rows)]}
        out.append((f"x := {{q: r | some q, row in input.rows{binds}; r := {expression}}}", document))
    return out


def _row(rng: random.Random, wide: bool, pieces: list[str]) -> dict[str, Any]:
    s = _string(rng, pieces)
    start = rng.randint(0, len(s))
    t = s[start:start + rng.randint(0, 3)] if s and rng.random() < 0.5 else _string(rng, pieces, 3)
    return {"s": s, "t": t, "u": _string(rng, pieces, 3), "i": rng.randint(-2, 8), "k": rng.randint(-2, 8),
            "n": _number(rng, wide), "j": _document(rng, 3, wide, pieces)}


def _string(rng: random.Random, pieces: list[str], most: int = 8) -> str:
    if rng.random() < 0.25:
        text = rng.choice(_WHOLE)
    else:
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, most)))
    if rng.random() < 0.15:
        text = rng.choice(("", " ", "  ", "\t")[:4 if pieces is _PIECES else 3]) + text + \
            rng.choice(("", " ", "\n")[:3 if pieces is _PIECES else 2])
    return text


def _number(rng: random.Random, wide: bool) -> int | float:
    roll = rng.random()
    if not wide:
        number = _number(rng, True)
        if isinstance(number, int):
            return number if abs(number) < 10 ** 15 else rng.randint(-999, 999)
        return float(f"{number:.15g}")
    if roll < 0.3:
        return _integer(rng)
    if roll < 0.4:
        return rng.choice((2 ** 53 + 1, 2 ** 63, 2 ** 64 + 1, -(2 ** 63) - 1, 10 ** 20, 12345678901234567890123))
    if roll < 0.6:
        return rng.choice((3e-08, 1e-07, 5e-324, 1e21, 1e300, 0.1, 1.5, -0.0, 2.0, 1e16, 123456789.123456789))
    return _fraction(rng) * 10.0 ** rng.randint(-12, 4)


def _document(rng: random.Random, depth: int, wide: bool, pieces: list[str]) -> Any:
    roll = rng.random()
    if depth and roll < 0.3:
        return {_string(rng, pieces, 3): _document(rng, depth - 1, wide, pieces) for _ in range(rng.randint(0, 3))}
    if depth and roll < 0.5:
        return [_document(rng, depth - 1, wide, pieces) for _ in range(rng.randint(0, 3))]
    if roll < 0.75:
        return _number(rng, wide)
    return rng.choice((None, True, False)) if roll < 0.85 else _string(rng, pieces, 4)


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
    parser.add_argument("--strings", type=int, default=0, metavar="N",
                        help="N expressions over input rows of random strings, numbers and JSON documents instead")
    parser.add_argument("--rows", type=int, default=12, metavar="R", help="rows of each --strings module (12)")
    parser.add_argument("--loops", type=int, default=0, metavar="N",
                        help="N array comprehensions of several iterations instead (the order of their loops)")
    parser.add_argument("--scopes", type=int, default=0, metavar="N", help="N modules of with/every/not/some (twins)")
    parser.add_argument("--rules", type=int, default=0, metavar="N", help="N modules of rules that combine instead")
    parser.add_argument("--patterns", type=int, default=0, metavar="N", help="N modules of unification and patterns")
    parser.add_argument("--v0", type=int, default=0, metavar="N", help="N Rego v0 module sets and their v1 twins")
    parser.add_argument("--collections", type=int, default=0, metavar="N", help="N set/object comprehension modules")
    parser.add_argument("--heads", type=int, default=0, metavar="N", help="N modules of computing rule heads")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="N modules of the time builtins")
    parser.add_argument("--packages", type=int, default=0, metavar="N",
                        help="N policy sets of several packages, imports and --data (conftest's deny)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--all", action="store_true", help="print every module, not only the differences")
    parser.add_argument("--default-mode", action="store_true",
                        help="guard the operands the operand-kind table lists first (OPA's default mode)")
    parser.add_argument("--kinds", nargs="*", metavar="NAME", help="measure the operand-kind table instead")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]
    from natpolicy.rego.engines import create_engine, installed_engines

    engines = [create_engine(name) for name in ("regorus", "regopy") if name in installed_engines()]
    if args.kinds is not None:
        return _measure_kinds(engines, args.kinds)
    if args.scopes:  # scripts/differential_scopes.py: `with` compared with twins that answer alike without it
        return __import__("differential_scopes").run_scopes(engines, args.scopes, args.seed, args.all, _answer)
    if args.rules:  # scripts/differential_rules.py
        from scripts.differential_rules import run
        return run(args, engines, _answer)
    if args.patterns:  # scripts/differential_patterns.py
        return __import__("differential_patterns").run(args, engines, _answer)
    if args.collections:  # scripts/differential_collections.py
        return __import__("differential_collections").run(args, engines, _answer)
    if args.heads:  # scripts/differential_heads.py
        return __import__("differential_heads").run(args, engines, _answer)
    if args.time:  # scripts/differential_time.py
        return __import__("differential_time").run(args, engines, _answer)
    if args.packages:  # scripts/differential_packages.py
        return __import__("differential_packages").run(args, engines)
    if args.v0:  # scripts/differential_v0.py: Rego v0 (regorus only) compared with v1 twins OPA answers alike
        return __import__("differential_v0").run_twins(engines, args.v0, args.seed, args.all)
    generated = args.fuzz or args.values or args.strings or args.loops
    if args.modules is None and not generated:
        parser.error("give a file of modules, --fuzz N, --values N, --strings N, --loops N, --scopes N, --rules N, "
                     "--patterns N, --collections N, --heads N, --time N, --packages N, --v0 N or --kinds")
    from test_rego_conformance import outcome

    try:
        text = "" if generated else args.modules.read_text(encoding="utf-8")
    except OSError as exc:
        parser.error(f"{args.modules}: {exc.strerror}")
    draw = fuzz_kinds if args.default_mode else fuzz
    bodies = random_strings(args.strings, args.seed, args.rows) if args.strings \
        else [(b, INPUT) for b in random_values(args.values, args.seed)] if args.values \
        else [(b, LOOP_INPUT) for b in random_loops(args.loops, args.seed)] if args.loops \
        else [(b, INPUT) for b in draw(args.fuzz, args.seed)] if args.fuzz \
        else [(b.strip(), INPUT) for b in text.split("\n---\n") if b.strip()]
    differences = 0
    for body, document in bodies:
        answers = [_answer(outcome, engine, body, args.default_mode, document) for engine in engines]
        differ = all(kind == "ok" for kind, _, _ in answers) and len({_canonical(text, value, document)
                                                                       for _, text, value in answers}) > 1
        differences += differ
        if differ or args.all:
            print(f"{'DIFF' if differ else 'same'}: {body!r}")
            for engine, (kind, text, _) in zip(engines, answers, strict=True):
                print(f"   {engine.name}: {kind} {text if document is INPUT else text[:300]}")
            if differ and document is not INPUT:
                _print_rows(document, [value for _, _, value in answers])
    print(f"{differences} of {len(bodies)} answered differently", file=sys.stderr)
    return 1 if differences else 0


def _canonical(text: str, value: Any, document: Any) -> str:
    """The answer's text, an object's keys in order (a --strings answer is an object, its keys in any order):
    1 and 1.0 stay apart, and so do true and 1 (a report prints them differently)."""
    if document is INPUT:
        return text
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def _print_rows(document: dict[str, Any], values: list[Any]) -> None:
    """The rows of a --strings module whose answers differ, each with its input row and every engine's answer."""
    missing = "(none)"
    if not all(isinstance(value, dict) for value in values):
        return
    for index, row in enumerate(document["rows"]):
        row_answers = [value.get(str(index), missing) for value in values]
        if len({_canonical("", answer, document) for answer in row_answers}) > 1:
            print(f"     row {index}: {json.dumps(row, ensure_ascii=False)}")
            print(f"       {' | '.join(repr(answer) for answer in row_answers)}")


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


def _answer(outcome: Any, engine: Any, body: str, default_mode: bool = False,
            document: Any = INPUT) -> tuple[str, str, Any]:
    """(kind, the answer's text, the answer itself or None) of one module on one engine."""
    source = f"package p\nimport rego.v1\n{body}\n"
    if default_mode:
        from rego_kinds import KIND_INPUT
        from test_rego_default_mode import default_answer  # guards the operands itself

        given = {**document, **KIND_INPUT} if document is INPUT else document
        probe = {"source": source, "rule": "x", "input": given, "expect": object()}
        kind, value = default_answer(engine, probe)
        return ("ok", repr(value), value) if kind == "ok" else (kind, str(value)[:120], None)
    probe = {"source": source, "rule": "x", "input": document, "expect": _Unequal()}
    kind, detail = outcome(engine, probe)
    # outcome() calls an answer unlike the (impossible) expected one "silent": that is the engine's answer
    if kind != "silent":
        return kind, detail[:120], None
    value = probe["expect"].got
    ordered = _sets_in_opa_order(outcome, engine, source, document, value)
    if ordered is not value:
        return "ok", f"got {ordered!r}", ordered
    return "ok", detail.split(", OPA:")[0], value


# The rule the second query adds beside ``x``: the path of every set in x's value (as walk names it).
_SET_PATHS_RULE = "natpolicy_differential_set_paths"


def _sets_in_opa_order(outcome: Any, engine: Any, source: str, document: Any, value: Any) -> Any:
    """``value`` (a copy) with x's own value, where it is a set, and every set in it in OPA's order; ``value``
    itself where none can be out of that order or the second query cannot tell.

    An engine hands a set over as a JSON array in its own order (regopy's differs from OPA's), and natpolicy's
    findings sort the rule's own value anyway (regopy_sets re-sorts only what lies inside it): compared as lists,
    one set in two orders was a row (residue30's ``graph.reachable_paths``). Only the engine knows which arrays
    were sets, so a second query asks it (``walk`` and ``is_set``), paid only for a list not already sorted."""
    from natpolicy.rego.regopy_sets import SetOrderUnknown, opa_compare, sets_in_opa_order

    if not isinstance(value, list) or len(value) < 2:
        return value
    if all(opa_compare(a, b) <= 0 for a, b in zip(value, value[1:], strict=False)):
        return value  # sorted as arrays already; regopy_sets put any set below the top level in OPA's order
    rule = f"\n{_SET_PATHS_RULE} := [path | walk(x, [path, node]); is_set(node)]\n"
    probe = {"source": source + rule, "rule": _SET_PATHS_RULE, "input": document, "expect": _Unequal()}
    if outcome(engine, probe)[0] != "silent" or not isinstance(probe["expect"].got, list):
        return value  # the query is refused or stops: the answer stays as the engine listed it (a row, loud)
    # a path below the top level (``[0, ...]``): sets_in_opa_order leaves a value's own top level alone
    paths = [[0, *path] for path in probe["expect"].got]
    try:
        return sets_in_opa_order([json.loads(json.dumps(value))], paths)[0]
    except SetOrderUnknown:
        return value


class _Unequal:
    """An expected answer no value equals; it keeps the value it was compared with (the engine's answer)."""

    got: Any = None

    def __eq__(self, other: object) -> bool:
        self.got = other
        return False

    __hash__ = None  # type: ignore[assignment]


if __name__ == "__main__":
    raise SystemExit(main())
