"""``--v0 N`` of scripts/rego_differential.py: Rego v0 modules compared with their v1 twins.

regopy reads no Rego v0, so two engines alone cannot compare a v0 module. Each generated v0 module comes with its
TWIN, the module as OPA's v0 -> v1 rules write it (``opa fmt --rego-v1``: ``if`` before every body, ``contains``
for a partial set, ``:=``/``=`` as written, the future keywords imported), which OPA answers alike by
construction. The v0 module runs on regorus as ``--rego-version v0`` reads it (natpolicy's loading, guards,
rewrites and compile, the way a policy file goes); the twin runs on every installed engine as a v1 file does.
Every answer given (refusals and stops aside) must be the same.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

__all__ = ["V0_INPUT", "random_twins", "answer", "run_twins"]

V0_INPUT: dict[str, Any] = {
    "rs": [{"name": "a", "type": "aws_vpc", "tags": {"env": "prod"}, "ports": [22, 80]},
           {"name": "b", "type": "aws_eip", "tags": {}, "ports": [443]},
           {"name": "c", "type": "x", "ports": []}],
    "n": 3, "s": "a\\b", "xs": [3, 1, 2], "o": {"k": 1, "j": 0}, "t": True,
}


def answer(engine: Any, modules: dict[str, str], rule: str, document: Any, rego_version: str) -> tuple[str, Any]:
    """("ok", value) | ("refused" | "error", message) of ``rule`` (``pkg/rule``) in ``modules`` on ``engine``, the
    way natpolicy loads, checks, guards and compiles a set of policy files read as ``rego_version``."""
    from natpolicy.errors import InputError
    from natpolicy.rego.builtins import refuse_network_calls, refuse_unknown_calls
    from natpolicy.rego.child import _compile, _reads_v0
    from natpolicy.rego.engine import EvaluationError, PolicySyntaxError
    from natpolicy.rego.evaluate import PolicySet, Query
    from natpolicy.rego.guards import refuse_for_engine
    from natpolicy.rego.loading import read_policy

    try:
        policies = [read_policy(Path(name), name, source, rego_version) for name, source in modules.items()]
        refuse_network_calls(policies)
        refuse_for_engine(policies, engine.name)
        package, _, name = rule.rpartition("/")
        owner = next((p for p in policies if p.package == package.replace("/", ".")), policies[0])
        policy_set = PolicySet(policies, [Query(package.replace("/", "."), name, owner)],
                               undefined_builtin_errors=True)
        job = policy_set.job()
        # the calls the engine is asked about (a deprecated builtin renamed in a v0 module is none: evaluate.py)
        missing = {call for call in policy_set.calls_to_check() if not engine.is_builtin(call)}
        refuse_unknown_calls(policies, lambda call: call not in missing, engine.name)
    except InputError as exc:
        return "refused", f"{exc.source}: {exc.problem}"
    if job.get("v0_modules") and not _reads_v0(engine, job):
        return "refused", "Rego v0 on an engine that reads none"
    try:
        compiled = _compile(engine, job, None)
        value = engine.evaluate(compiled, rule, engine.prepare_input(document))
    except PolicySyntaxError as exc:
        return "refused", exc.message
    except EvaluationError as exc:
        return "error", exc.message
    return "ok", value


# Fragments: (v0 rules, their v1 twin, the expression x reads, the v1 keywords the v0 text uses as keywords, the v0
# keywords it uses as NAMES, which only a module without that keyword's import may hold). `{n}` is the fragment's
# index (names stay apart). The v1 text is what `opa fmt --rego-v1` writes for the v0 text.
_Fragment = tuple[str, str | None, str, frozenset[str], frozenset[str]]
_NONE: frozenset[str] = frozenset()
_FRAGMENTS: list[_Fragment] = [
    # partial sets, partial objects, `deny[msg]` with sprintf
    ('s{n}[r.name] {{ r := input.rs[_]; r.type != "x" }}',
     's{n} contains r.name if {{ r := input.rs[_]; r.type != "x" }}',
     "s{n}", _NONE, _NONE),
    ("o{n}[r.name] = count(r.ports) {{ r := input.rs[_] }}", "o{n}[r.name] := count(r.ports) if {{ r := input.rs[_] }}",
     "o{n}", _NONE, _NONE),
    ('o{n}[k] = v {{ v := input.o[k]; v > 0 }}', 'o{n}[k] := v if {{ v := input.o[k]; v > 0 }}', "o{n}", _NONE, _NONE),
    ('d{n}[msg] {{\n  r := input.rs[_]\n  not r.tags.env\n'
     '  msg := sprintf("%s (%s) has no env tag", [r.name, r.type])\n}}',
     'd{n} contains msg if {{\n  r := input.rs[_]\n  not r.tags.env\n'
     '  msg := sprintf("%s (%s) has no env tag", [r.name, r.type])\n}}',
     "d{n}", _NONE, _NONE),
    ('d{n}[{{"msg": m, "n": i}}] {{ r := input.rs[i]; m := concat("/", [r.name, r.type]) }}',
     'd{n} contains {{"msg": m, "n": i}} if {{ r := input.rs[i]; m := concat("/", [r.name, r.type]) }}',
     "d{n}", _NONE, _NONE),
    # default, else, complete rules with = and :=
    ("default c{n} = 0\nc{n} = 1 {{ input.n > 2 }}", "default c{n} := 0\nc{n} := 1 if {{ input.n > 2 }}", "c{n}", _NONE,
     _NONE),
    ("default c{n} = false\nc{n} {{ input.nope }}", "default c{n} := false\nc{n} if {{ input.nope }}", "c{n}", _NONE,
     _NONE),
    ('e{n} = "big" {{ input.n > 5 }} else = "mid" {{ input.n > 2 }} else = "small" {{ true }}',
     'e{n} := "big" if {{ input.n > 5 }} else := "mid" if {{ input.n > 2 }} else := "small"', "e{n}", _NONE, _NONE),
    ('e{n} = 1 {{ input.nope }} else = 2', 'e{n} := 1 if {{ input.nope }} else := 2', "e{n}", _NONE, _NONE),
    ('e{n} {{ input.nope }} else = false {{ input.t }}', 'e{n} if {{ input.nope }} else := false if {{ input.t }}',
     "e{n}", _NONE, _NONE),
    # functions of several definitions, a boolean function, `_` arguments
    ('f{n}(r) = "vpc" {{ r.type == "aws_vpc" }}\nf{n}(r) = "eip" {{ r.type == "aws_eip" }}',
     'f{n}(r) := "vpc" if {{ r.type == "aws_vpc" }}\nf{n}(r) := "eip" if {{ r.type == "aws_eip" }}',
     "[f{n}(r) | r := input.rs[_]]", _NONE, _NONE),
    ("g{n}(v) {{ v > 1 }}\ng{n}(v) {{ v == 1; input.t }}", "g{n}(v) if {{ v > 1 }}\ng{n}(v) if {{ v == 1; input.t }}",
     "[v | v := input.xs[_]; g{n}(v)]", _NONE, _NONE),
    ("h{n}(_, b) = b * 2 {{ true }}", "h{n}(_, b) := b * 2", "h{n}(1, input.n)", _NONE, _NONE),
    ("h{n}(a) = y {{ y := a + 1 }} else = 0 {{ true }}", "h{n}(a) := y if {{ y := a + 1 }} else := 0",
     '[h{n}(1), h{n}("a")]', _NONE, _NONE),
    ("default f{n}(_) = 0\nf{n}(a) = 1 {{ a > 2 }}",
     "default f{n}(_) := 0\nf{n}(a) := 1 if {{ a > 2 }}", "[f{n}(1), f{n}(3)]",
     _NONE, _NONE),
    ("f{n}([a, b]) = a + b {{ true }}", "f{n}([a, b]) := a + b", "f{n}(input.xs)", _NONE, _NONE),
    ("e{n} {{ input.nope }} else {{ input.t }}",
     "e{n} if {{ input.nope }} else if {{ input.t }}", "e{n}", _NONE, _NONE),
    # one head with several bodies: OPA reads each body as a rule with that head (parseRules)
    ("cb{n} = 1 {{ input.nope }} {{ input.t }}", "cb{n} := 1 if {{ input.nope }}\ncb{n} := 1 if {{ input.t }}", "cb{n}",
     _NONE, _NONE),
    ("cb{n}(a) = 1 {{ a > 5 }} {{ a < 0 }}", "cb{n}(a) := 1 if {{ a > 5 }}\ncb{n}(a) := 1 if {{ a < 0 }}",
     "[cb{n}(-1), cb{n}(9), cb{n}(2)]", _NONE, _NONE),
    ("cb{n}[k] = 2 {{ k := \"a\" }} {{ k := \"b\" }}",
     "cb{n}[k] := 2 if {{ k := \"a\" }}\ncb{n}[k] := 2 if {{ k := \"b\" }}",
     "cb{n}", _NONE, _NONE),
    # ref heads
    ("rh{n}.b[r.name] {{ r := input.rs[_] }}", "rh{n}.b[r.name] if {{ r := input.rs[_] }}", "rh{n}", _NONE, _NONE),
    ("rh{n}.b.c = 1 {{ true }}", "rh{n}.b.c := 1", "rh{n}", _NONE, _NONE),
    ("rh{n}[y] = z {{ [y, z] := [\"a\", 1] }}", "rh{n}[y] := z if {{ [y, z] := [\"a\", 1] }}", "rh{n}", _NONE, _NONE),
    # implicit iteration, `_`, nested refs, not, comprehensions
    ("it{n}[[i, j]] {{ input.rs[i].ports[j] > 50 }}", "it{n} contains [i, j] if {{ input.rs[i].ports[j] > 50 }}",
     "it{n}", _NONE, _NONE),
    ("it{n}[i] {{ some i; input.rs[i].name == \"b\" }}", "it{n} contains i if {{ some i; input.rs[i].name == \"b\" }}",
     "it{n}", _NONE, _NONE),
    ('ms{n}[r.name] {{ r := input.rs[_] }}\nmt{n} {{ not ms{n}["zz"]; ms{n}["a"] }}',
     'ms{n} contains r.name if {{ r := input.rs[_] }}\nmt{n} if {{ not ms{n}["zz"]; ms{n}["a"] }}',
      "[mt{n}, {{m | ms{n}[m]}}]",
     _NONE, _NONE),
    ("it{n}[p] {{ p := input.rs[_].ports[_] }}", "it{n} contains p if {{ p := input.rs[_].ports[_] }}", "it{n}", _NONE,
     _NONE),
    ("nt{n}[r.name] {{ r := input.rs[_]; not startswith(r.type, \"aws_\") }}",
     "nt{n} contains r.name if {{ r := input.rs[_]; not startswith(r.type, \"aws_\") }}", "nt{n}", _NONE, _NONE),
    ("cm{n} = {{r.name: ps | r := input.rs[_]; ps := {{p | p := r.ports[_]}}}} {{ true }}",
     "cm{n} := {{r.name: ps | r := input.rs[_]; ps := {{p | p := r.ports[_]}}}}", "cm{n}", _NONE, _NONE),
    ("cm{n} = [x | x := input.xs[_]; x > 1]", "cm{n} := [x | x := input.xs[_]; x > 1]", "cm{n}", _NONE, _NONE),
    # == vs = vs := (unification)
    ('eq{n}[r.name] {{ r = input.rs[_]; r.type = "aws_vpc" }}',
     'eq{n} contains r.name if {{ r = input.rs[_]; r.type = "aws_vpc" }}', "eq{n}", _NONE, _NONE),
    ("eq{n}[a] {{ [a, 1] = [input.n, 1] }}", "eq{n} contains a if {{ [a, 1] = [input.n, 1] }}", "eq{n}", _NONE, _NONE),
    ("eq{n} = b {{ b := input.n == 3 }}", "eq{n} := b if {{ b := input.n == 3 }}", "eq{n}", _NONE, _NONE),
    ('eq{n} {{ {{"a": k}} = {{"a": input.o.k}}; k == 1 }}', 'eq{n} if {{ {{"a": k}} = {{"a": input.o.k}}; k == 1 }}',
     "eq{n}", _NONE, _NONE),
    # strings: escapes and raw strings; numbers written in various forms
    ('st{n} = ["a\\tb", "\\u00e9\\"", `raw\\n{{x}}`, "\\\\"] {{ true }}',
     'st{n} := ["a\\tb", "\\u00e9\\"", `raw\\n{{x}}`, "\\\\"]', "st{n}", _NONE, _NONE),
    ('st{n} = {{"\\u0041": "\\/\\b\\f", `b`: "\\ud83d\\ude00"}} {{ true }}',
     'st{n} := {{"\\u0041": "\\/\\b\\f", `b`: "\\ud83d\\ude00"}}',
     "st{n}", _NONE, _NONE),
    ('st{n} {{ input.s == `a\\b` }}', 'st{n} if {{ input.s == `a\\b` }}', "st{n}", _NONE, _NONE),
    ("nm{n} = [1.0, 0.5, -0, 12.50] {{ true }}", "nm{n} := [1.0, 0.5, -0, 12.50]", "nm{n}", _NONE, _NONE),
    ("nm{n} = [1e2, 1E3, 1e-3, 2e0] {{ true }}", "nm{n} := [1e2, 1E3, 1e-3, 2e0]", "nm{n}", _NONE, _NONE),
    ("nm{n} {{ input.n == 3.0; 1e2 == 100; 0.1 + 0.2 > 0.3 }}",
     "nm{n} if {{ input.n == 3.0; 1e2 == 100; 0.1 + 0.2 > 0.3 }}",
     "nm{n}", _NONE, _NONE),
    ("nm{n}[x] {{ x := input.xs[_] * 1.5 }}",
     "nm{n} contains x if {{ x := input.xs[_] * 1.5 }}", "nm{n}", _NONE, _NONE),
    ("nm{n} = input.n / 2 {{ true }}", "nm{n} := input.n / 2", "nm{n}", _NONE, _NONE),
    # the future keywords, imported: `if`, `contains`, `in`, `every` (v0 accepts them only so)
    ('k{n}[v] {{ some v in input.xs; v > 1 }}', 'k{n} contains v if {{ some v in input.xs; v > 1 }}', "k{n}",
     frozenset({"in"}), _NONE),
    ('k{n}[[k, v]] {{ some k, v in input.o }}', 'k{n} contains [k, v] if {{ some k, v in input.o }}', "k{n}",
     frozenset({"in"}), _NONE),
    ('k{n} {{ 3 in input.xs; not 9 in input.xs }}', 'k{n} if {{ 3 in input.xs; not 9 in input.xs }}', "k{n}",
     frozenset({"in"}), _NONE),
    ('ev{n} {{ every r in input.rs {{ r.name != "" }} }}', 'ev{n} if {{ every r in input.rs {{ r.name != "" }} }}',
     "ev{n}", frozenset({"every", "in"}), _NONE),
    ('ev{n} {{ every i, v in input.xs {{ v > i }} }}', 'ev{n} if {{ every i, v in input.xs {{ v > i }} }}',
     "ev{n}", frozenset({"every", "in"}), _NONE),
    ("i{n} if {{ input.n > 2 }}", "i{n} if {{ input.n > 2 }}", "i{n}", frozenset({"if"}), _NONE),
    ("i{n} := 7 if input.t", "i{n} := 7 if input.t", "i{n}", frozenset({"if"}), _NONE),
    ("i{n}[r.name] if {{ r := input.rs[_] }}", "i{n}[r.name] := true if {{ r := input.rs[_] }}", "i{n}",
     frozenset({"if"}), _NONE),
    ('i{n}[r.name] = r.type if {{ r := input.rs[_] }}', 'i{n}[r.name] := r.type if {{ r := input.rs[_] }}', "i{n}",
     frozenset({"if"}), _NONE),
    ("ct{n} contains r.name if {{ r := input.rs[_] }}", "ct{n} contains r.name if {{ r := input.rs[_] }}", "ct{n}",
     frozenset({"if", "contains"}), _NONE),
    ("ct{n} contains 5", "ct{n} contains 5", "ct{n}", frozenset({"contains"}), _NONE),
    ("ct{n} contains v {{ v := input.xs[_]; v > 1 }}", "ct{n} contains v if {{ v := input.xs[_]; v > 1 }}", "ct{n}",
     frozenset({"contains"}), _NONE),
    # v0 keywords as names (the keyword not imported): variables `in`, `every`, `if`, a function `contains`
    ("kn{n}[in] {{ in := input.xs[_] }}", "kn{n} contains in_ if {{ in_ := input.xs[_] }}", "kn{n}", _NONE,
     frozenset({"in"})),
    ("kn{n} = [every | every := input.xs[_]] {{ true }}", "kn{n} := [every_ | every_ := input.xs[_]]", "kn{n}",
     _NONE, frozenset({"every"})),
    ("kn{n} = x {{ x := [if | if := input.o[_]] }}", "kn{n} := x if {{ x := [if_ | if_ := input.o[_]] }}", "kn{n}",
     _NONE, frozenset({"if"})),
    ("contains(arr, e) {{ arr[_] = e }}\nkn{n} {{ contains(input.xs, 2) }}",
     "contains_(arr, e) if {{ arr[_] = e }}\nkn{n} if {{ contains_(input.xs, 2) }}", "kn{n}", _NONE,
     frozenset({"contains"})),
    # the v1 keywords written without their import: OPA's v0 parser reads `if` as a rule named `if`, and refuses
    # the rest (None: no twin, OPA refuses the module)
    ("u{n} := 5 if {{ input.nope }}", "u{n} := 5", "u{n}", _NONE, frozenset({"if"})),
    ("u{n} = input.n if {{ input.nope }}", "u{n} := input.n", "u{n}", _NONE, frozenset({"if"})),
    ("u{n} if {{ input.t }}", None, "u{n}", _NONE, frozenset({"if"})),
    ("u{n}[r.name] if {{ r := input.rs[_] }}", None, "u{n}", _NONE, frozenset({"if"})),
    ("u{n} {{ some v in input.xs; v > 2 }}", None, "u{n}", _NONE, frozenset({"in"})),
    ("u{n} {{ 3 in input.xs }}", None, "u{n}", _NONE, frozenset({"in"})),
    ("u{n} {{ every v in input.xs {{ v > 0 }} }}", None, "u{n}", _NONE, frozenset({"every", "in"})),
    ("u{n} contains 1 if {{ input.t }}", None, "u{n}", _NONE, frozenset({"if", "contains"})),
    # builtins OPA deprecated, which it reads in v0 only (natpolicy renames them or writes them in Rego there)
    ('dp{n} {{ re_match("^a", input.rs[_].name) }}', 'dp{n} if {{ regex.match("^a", input.rs[_].name) }}', "dp{n}",
     _NONE, _NONE),
    ("dp{n} = [any([false, true]), any(input.xs), all([]), all([true, 1])] {{ true }}",
     "dp{n} := [true in [false, true], true in input.xs, true, false]", "dp{n}", _NONE, _NONE),
    ("dp{n} = [set_diff({{1, 2}}, {{2}}), cast_array({{3, 1}}), cast_set(input.xs)] {{ true }}",
     "dp{n} := [{{1, 2}} - {{2}}, [v | some v in {{3, 1}}], {{v | some v in input.xs}}]", "dp{n}", _NONE, _NONE),
    # data of another package (module q)
    ("dq{n}[v] {{ v := data.q.names[_] }}", "dq{n} contains v if {{ v := data.q.names[_] }}", "dq{n}", _NONE, _NONE),
    ("dq{n} = data.q.lim {{ true }}", "dq{n} := data.q.lim", "dq{n}", _NONE, _NONE),
    ("dq{n} = [data.q.f(2), data.q.obj.a] {{ true }}", "dq{n} := [data.q.f(2), data.q.obj.a]", "dq{n}", _NONE, _NONE),
]
_Q_V0 = ('package q\nlim = 2 { true }\nnames[n] { n := input.rs[_].name }\nf(x) = x * 10 { true }\n'
         'obj[k] = 1 { k := "a" }\n')
_Q_V1 = ('package q\nlim := 2\nnames contains n if { n := input.rs[_].name }\nf(x) := x * 10\n'
         'obj[k] := 1 if { k := "a" }\n')
_IMPORTS = {"in": "import future.keywords.in", "every": "import future.keywords.every",
            "if": "import future.keywords.if", "contains": "import future.keywords.contains"}

Twin = tuple[dict[str, str], dict[str, str] | None]


def random_twins(count: int, seed: int) -> list[Twin]:
    """``count`` (v0 modules, their v1 twins), each set's rule ``p.x`` reading one to four fragments (one seed, the
    same modules)."""
    rng = random.Random(seed)
    return [_twin(rng) for _ in range(count)]


def _twin(rng: random.Random) -> Twin:
    picked = rng.sample(_FRAGMENTS, rng.randint(1, 4))
    keywords = set().union(*(f[3] for f in picked))
    names = set().union(*(f[4] for f in picked))
    while keywords & names:  # a keyword imported is no name any more: drop the fragments naming it
        picked = [f for f in picked if not f[4] & keywords] or picked[:1]
        keywords, names = set().union(*(f[3] for f in picked)), set().union(*(f[4] for f in picked))
    if names & {"contains"}:  # one `contains` function per package
        seen, unique = False, []
        for f in picked:
            if "contains" not in f[4] or not seen:
                unique.append(f)
                seen = seen or "contains" in f[4]
        picked = unique
    if keywords and not names and rng.random() < 0.3:
        imports = ["import future.keywords"]
    else:
        imports = [_IMPORTS[k] for k in sorted(keywords)]
    v0_rules = [f[0].format(n=n) for n, f in enumerate(picked)]
    v1_rules = [f[1].format(n=n) for n, f in enumerate(picked) if f[1] is not None]
    reads = [f"[v | v := {f[2].format(n=n)}]" for n, f in enumerate(picked)]
    v0_x = f"x = [{', '.join(reads)}] {{ true }}" if rng.random() < 0.5 else f"x = [{', '.join(reads)}]"
    v0 = "package p\n" + "".join(i + "\n" for i in imports) + "\n".join(v0_rules) + "\n" + v0_x + "\n"
    v1 = "package p\n" + "\n".join(v1_rules) + f"\nx := [{', '.join(reads)}]\n"
    modules, twins = {"p.rego": v0}, {"p.rego": v1}
    if "data.q." in v0:  # q written in v0, or in v1 importing rego.v1 (which stays v1 in a v0 set)
        modules["q.rego"] = _Q_V0 if rng.random() < 0.5 else _Q_V1.replace("package q\n", "package q\nimport rego.v1\n")
        twins["q.rego"] = _Q_V1
    return modules, None if any(f[1] is None for f in picked) else twins


def run_twins(engines: list[Any], count: int, seed: int, show_all: bool) -> int:
    """Run ``count`` generated v0 module sets on the engines reading v0 and their twins on every engine; print
    those whose answers differ."""
    differences = 0
    readers = [engine for engine in engines if getattr(engine, "reads_rego_v0", False)
               or getattr(engine, "compile_versions", None) is not None]
    for modules, twins in random_twins(count, seed):
        runs = [(engine.name, "v0", answer(engine, modules, "p/x", V0_INPUT, "v0")) for engine in readers]
        if twins is not None:
            runs += [(engine.name, "v1 twin", answer(engine, twins, "p/x", V0_INPUT, "v1")) for engine in engines]
        given = {json.dumps(value, sort_keys=True, default=repr) for _, _, (kind, value) in runs if kind == "ok"}
        # no twin: OPA refuses the v0 module, so any answer differs from OPA's
        differ = len(given) > 1 or (twins is None and bool(given))
        differences += differ
        if differ or show_all:
            print(f"{'DIFF' if differ else 'same'}: {modules['p.rego']!r}\n  twin: "
                  + (repr(twins["p.rego"]) if twins else "none, OPA refuses the v0 module"))
            for name, version, (kind, value) in runs:
                print(f"   {name} {version}: {kind} {str(value)[:200]}")
    print(f"{differences} of {count} answered differently", file=sys.stderr)
    return 1 if differences else 0
