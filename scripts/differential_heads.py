"""``rego_differential.py --heads N``: rule heads whose terms need evaluating (issue 17).

Each module (Rego v1, queried rule ``x``, an input of rows ``input.rs``) varies the HEAD of the rules defining
``x``: head terms that are calls (``sprintf``, ``upper``, ``count``), refs with a variable (``input.rs[i].n``),
collection literals holding them (``[input.rs[i].n, i]``, ``{"k": input.rs[i].n}``), comprehensions; in
``x contains TERM``, ``x := TERM``, ``x[KEY] := TERM``, ref heads ``x.a[KEY] := TERM``, functions ``f(rs) := TERM``,
``else := TERM`` and ``default x := TERM``. The head's variable is bound in the body before or after a read that
cannot bind it (``i > 0``), by ``some i``, or only by the head's own ref (OPA moves head terms into the body,
v1/ast/compile.go ``rewriteExprTermsInHead``/``rewriteRefsInHead``, then ``reorderBodyForSafety`` orders them, so a
variable a head ref binds is safe). Bodies are braced or not (``if expr``), of one statement or several. regopy's
``move_head_terms`` (checker/rego/regopy_first_binding.py) rewrites several of these forms.
"""
from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["random_heads", "run"]

# Head terms over a row variable `i` (an index of input.rs) and `r` (that row). `R` is the rows' path (input.rs, or
# a function's argument).
_TERMS_I = ["R[i].n", 'sprintf("%v-%d", [R[i].n, i])', "upper(R[i].s)", "count(R[i].t)", "[R[i].n, i]",
            '{"k": R[i].n}', "{R[i].n}", "[v | some v in R[i].t]", "{v: i | some v in R[i].t}", "i",
            '[upper(R[i].s), {"c": count(R[i].t)}]', "R[i].t[0]", "R[i]", "{R[i].s: R[i].n}", "R[i].n + i",
            "[R[i].n] | {i}"]
_TERMS_R = ["r.n", "upper(r.s)", "[r.n, upper(r.s)]", '{"k": r.n}', "count(r.t)", 'sprintf("%s", [r.s])', "r",
            "[v | some v in r.t; v > 0]"]
_KEYS = ["i", "R[i].s", 'sprintf("k%d", [i])', "upper(R[i].s)", "[i]", "R[i].n"]
# Bodies: (text with `{R}`; binds i?; binds r?). Several bind i only after a read of it that cannot bind it.
_BODIES_I = ["some i, r in R", "some i; R[i]", "R[i]", "i > 0; R[i]", "R[i].n > 0", "some i; i > 0; R[i].n > 0",
             "i > 0", "true", "some i; r := R[i]; r.n > 0", "R[i].s != \"b\"", "not i == 1; R[i]",
             "count(R) > 0", "some i in numbers.range(0, 3)", "i := 1", "some i; R[i].t[_] > 1"]
_BODIES_R = ["some r in R", "some r in R; r.n > 0", "r := R[_]", "some i, r in R; i > 0", "r := R[0]",
             "some r in R; not r.s == \"a\""]
_DEFAULTS = ["0", '"d"', "[]", "set()", "{}", 'count([1, 2])', 'upper("a")', '[1, "a"]', '{"k": 1}',
             "input.rs[0].n", "[i | some i in [1]]"]
_SCALARS: list[Any] = [0, 1, 2, -1, 2.5, "a", "b", "", True, None]


def random_heads(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (module body, input) pairs of modules whose rule heads vary; the same for one seed."""
    rng = random.Random(seed)
    return [(_module(rng), _input(rng)) for _ in range(count)]


def _input(rng: random.Random) -> dict[str, Any]:
    rows = []
    for _ in range(rng.randint(0, 4)):
        row: dict[str, Any] = {"n": rng.choice([0, 1, 2, 3, -1, 2.5, "1"]), "s": rng.choice(["a", "b", "c", "ab"]),
                               "t": [rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(0, 3))]}
        if rng.random() < 0.15:
            del row[rng.choice(list(row))]  # a missing field: the head term undefined for that row
        rows.append(row)
    document: dict[str, Any] = {"rs": rows, "v": rng.choice(_SCALARS)}
    if rng.random() < 0.05:
        del document["rs"]
    return document


def _body(rng: random.Random, text: str) -> str:
    """``text`` (statements separated by ``; ``) as a body: braced, on one line or several, or ``if expr``."""
    statements = text.split("; ")
    form = rng.random()
    if len(statements) == 1 and form < 0.3:
        return f"if {text}"
    if form < 0.65:
        return f"if {{ {text} }}"
    return "if {\n\t" + "\n\t".join(statements) + "\n}"


def _term_and_body(rng: random.Random, rows: str = "input.rs") -> tuple[str, str, bool]:
    """A head term, a body, and whether the term is over `i` (else over `r`)."""
    over_i = rng.random() < 0.7
    term, body = (rng.choice(_TERMS_I), rng.choice(_BODIES_I)) if over_i else (rng.choice(_TERMS_R),
                                                                               rng.choice(_BODIES_R))
    return term.replace("R", rows), body.replace("R", rows), over_i


def _rule(rng: random.Random, form: str) -> str:
    term, body, over_i = _term_and_body(rng)
    if form == "contains":
        return f"x contains {term} {_body(rng, body)}"
    if form == "complete":
        return f"x := {term} {_body(rng, body)}"
    # a key over `i` where the term is; `r.s`, or (rarely) an `i` nothing binds, which OPA refuses as unsafe
    key = rng.choice(_KEYS).replace("R", "input.rs") if over_i or rng.random() < 0.05 else "r.s"
    if form == "object":
        return f"x[{key}] := {term} {_body(rng, body)}"
    return f"x.a[{key}] := {term} {_body(rng, body)}"  # a ref head


def _module(rng: random.Random) -> str:
    kind = rng.choice(["contains", "complete", "object", "ref", "function", "else", "default"])
    rules: list[str] = []
    if kind in ("contains", "complete", "object", "ref"):
        rules = [_rule(rng, kind) for _ in range(1 if rng.random() < 0.6 else 2)]
        if kind == "complete" and rng.random() < 0.5:
            rules.append(f"default x := {rng.choice(_DEFAULTS)}")
    elif kind == "function":  # the head term reads the argument
        term, body, _ = _term_and_body(rng, "rs")
        rules = [f"f(rs) := {term} {_body(rng, body)}",
                 rng.choice(["x := [v | v := f(input.rs)]", "x contains f(input.rs) if true",
                             "x := f(input.rs)", "x contains v if { v := f(input.rs) }"])]
    elif kind == "else":  # else needs a complete rule; its bodies bind what its head reads
        first, second = _term_and_body(rng), _term_and_body(rng)
        rules = [f"x := {first[0]} if {{ {first[1]} }} else := {second[0]} if {{ {second[1]} }} "
                 f"else := {rng.choice(_DEFAULTS)}"]
    else:
        term, body, _ = _term_and_body(rng)
        rules = [f"default x := {rng.choice(_DEFAULTS)}", f"x := {term} {_body(rng, body)}"]
    return "\n".join(rules)


def run(args: argparse.Namespace, engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]]) -> int:
    """Run ``args.heads`` generated modules on ``engines`` and print the differences (differential_runs)."""
    from differential_collections import _guarded_as_stopped
    from differential_runs import compare

    # a set (`x contains`) comes back in each engine's order, an object's keys too: compare them sorted
    return compare(random_heads(args.heads, args.seed), engines, answer, args.heads, args.default_mode, args.all,
                   kind_of=_guarded_as_stopped, text_of=_sorted_set)


def _sorted_set(body: str, text: str, value: Any) -> str:
    if "x contains" in body and isinstance(value, list):
        return repr(sorted(json.dumps(v, sort_keys=True) for v in value))
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else text
