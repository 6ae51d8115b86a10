"""``--packages N`` of scripts/rego_differential.py: policies of several files, packages, imports and ``--data``.

Every other generator writes one package. Real conftest policies are several files: a ``lib`` package of helpers
(nested packages ``lib`` and ``lib.k8s``, one package spread over two files), ``import data.lib`` /
``import data.lib.k8s as k`` / ``import input.rs as rs`` (some unused, some shadowed by a local variable), rules
of one package read from another (complete, partial sets and objects, functions, ``default``, ref heads
``q.r.s contains ...``), whole packages read and iterated (``data.lib``: its rules, no functions), ``with
data.lib.x as ...`` across packages, and a ``--data`` document beside them. Each case is queried the way natpolicy
queries a conftest policy: ``deny`` in package ``main``, here an object of each body's label and value (a set of
``[label, value]`` pairs would be ordered by comparing values of any kind, which natpolicy stops on regorus).

Where the data document gives a value at a rule's path (``data.lib.limit`` beside ``limit := 2``), or a value that
is no object above one (``data.lib.k8s := 5`` beside package ``lib.k8s``), OPA refuses the set (ast/check.go
``CheckPathConflicts``, storage ``NonEmpty``: "conflicting rule for data path lib/limit found"): any answer there
differs from OPA's; elsewhere every engine's answer must be the same (refusals and natpolicy's stops aside).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

__all__ = ["INPUT", "Case", "random_cases", "answer", "isolated", "canonical", "run"]

INPUT: dict[str, Any] = {"rs": [{"name": "a", "n": 1}, {"name": "b", "n": 3}], "xs": [2, 1], "flag": True,
                         "o": {"k": 1}}

# The helper packages: (package, fragments). A fragment is (its rules, the names it defines at the package's top,
# the places in the rule tree it defines below the package: ``q.r.s`` for ``q.r.s contains ...``).
_Fragment = tuple[str, tuple[str, ...], tuple[str, ...]]
_LIB: list[_Fragment] = [
    ("limit := 2", ("limit",), ("limit",)),
    ("default enabled := false\nenabled if input.flag", ("enabled",), ("enabled",)),
    ("default off := false\noff if input.nope", ("off",), ("off",)),
    ("names contains n if {\n  some r in input.rs\n  n := r.name\n}", ("names",), ("names",)),
    ("by_name[r.name] := r.n if {\n  some r in input.rs\n}", ("by_name",), ("by_name",)),
    ("f(x) := x * 2", ("f",), ("f",)),
    ("g(x) if x > 1", ("g",), ("g",)),
    ("q.r.s contains v if {\n  some v in input.xs\n}", ("q",), ("q.r.s",)),
    ("q.t := 5", ("q",), ("q.t",)),
    ('obj := {"a": 1, "b": [1, 2]}', ("obj",), ("obj",)),
    ("never if false", ("never",), ("never",)),
    ("uses_limit := limit + 1", ("uses_limit",), ("uses_limit",)),
    # rules reading other rules of the package (regorus answered some as undefined in a package read whole)
    ("upper_names contains upper(n) if {\n  some n in names\n}", ("upper_names",), ("upper_names",)),
    ("listed := [x | x := limit]", ("listed",), ("listed",)),
    ("default total := 0\ntotal := count(names)", ("total",), ("total",)),
    ("via_h := h(1)\n\nh(x) := x + limit", ("via_h", "h"), ("via_h", "h")),
    ("negated if not off", ("negated",), ("negated",)),
]
_K8S: list[_Fragment] = [
    ('kinds := {"Pod", "Job"}', ("kinds",), ("kinds",)),
    ("is_pod(x) if x == \"Pod\"", ("is_pod",), ("is_pod",)),
    ("port := 80", ("port",), ("port",)),
    ("doubled := data.lib.f(4)", ("doubled",), ("doubled",)),
]
_PACKAGES = {"lib": _LIB, "lib.k8s": _K8S}

# Reads of the helpers from package main: (expression, the names of lib it needs, of lib.k8s). `{L}` is how main
# names package lib (``data.lib``, or ``lib`` / its alias where imported), `{K}` package lib.k8s.
_Read = tuple[str, tuple[str, ...], tuple[str, ...]]
_READS: list[_Read] = [
    ("{L}.limit", ("limit",), ()), ("{L}.enabled", ("enabled",), ()), ("{L}.off", ("off",), ()),
    ("{L}.names", ("names",), ()), ('{L}.names["b"]', ("names",), ()), ("{L}.by_name", ("by_name",), ()),
    ('{L}.by_name["b"]', ("by_name",), ()), ("{L}.f(3)", ("f",), ()), ("[{L}.g(2)]", ("g",), ()),
    ("{L}.q", ("q",), ()), ("{L}.q.r", ("q",), ()), ("{L}.q.r.s", ("q",), ()), ("{L}.obj.b[1]", ("obj",), ()),
    ("{L}.never", ("never",), ()), ("{L}.uses_limit", ("uses_limit",), ()), ("{L}.extra", (), ()),
    ("{L}.upper_names", ("upper_names",), ()), ("{L}.listed", ("listed",), ()), ("{L}.total", ("total",), ()),
    ("{L}.via_h", ("via_h",), ()), ("{L}.negated", ("negated",), ()),
    ("{L}.k8s.port", (), ("port",)), ("{K}.kinds", (), ("kinds",)), ('[{K}.is_pod("Pod")]', (), ("is_pod",)),
    ("{K}.doubled", ("f",), ("doubled",)), ("{K}.kinds_extra", (), ()),
    # the whole package, as an object (rules, no functions) and iterated
    ("data.lib", (), ()), ("data.lib.k8s", (), ()), ("{L}", (), ()), ("{K}", (), ()),
    ("[key | some key, _ in data.lib]", (), ()), ("{{key: val | some key, val in {K}}}", (), ()),
    ("object.keys(data.lib)", (), ()), ("count(data.lib)", (), ()), ("[key | data.lib[key]]", (), ()),
    ("{{key | some key, _ in data.lib.k8s}}", (), ()), ("data.cfg", (), ()), ("data.cfg.max", (), ()),
    ("{L}.limit with data.lib.limit as 9", ("limit",), ()), ("{L}.uses_limit with data.lib.limit as 9",
                                                              ("uses_limit", "limit"), ()),
    ("{L}.f(3) with data.lib.f as 7", ("f",), ()),
    ("{K}.doubled with data.lib.f as 1", ("f",), ("doubled",)),
    ("{L}.names with input.rs as []", ("names",), ()),
    ("[r.name | some r in rs]", (), ()),
    ("data.main.local", (), ()), ("local", (), ()),
]

Case = tuple[dict[str, str], dict[str, Any] | None, bool]


def random_cases(count: int, seed: int) -> list[Case]:
    """``count`` (modules, data, conflict) cases (one seed, the same cases): ``conflict`` where OPA refuses the
    data beside the rules."""
    rng = random.Random(seed)
    return [_case(rng) for _ in range(count)]


def _case(rng: random.Random) -> Case:
    reads = rng.sample(_READS, rng.randint(1, 4))
    needs = {"lib": {n for r in reads for n in r[1]}, "lib.k8s": {n for r in reads for n in r[2]}}
    chosen = {package: [f for f in fragments if set(f[1]) & needs[package] or rng.random() < 0.25]
              for package, fragments in _PACKAGES.items()}
    # lib.k8s's `doubled` calls lib's f, and lib's rules reading others (`uses_limit` its limit, `total` its
    # names...) come with them, often after them in their file or in the package's second one
    if any(f[1] == ("doubled",) for f in chosen["lib.k8s"]):
        needs["lib"].add("f")
    drawn = {n for f in chosen["lib"] for n in f[1]}
    needs["lib"] |= {"limit"} if drawn & {"uses_limit", "listed", "via_h"} else set()
    needs["lib"] |= {"names"} if drawn & {"upper_names", "total"} else set()
    needs["lib"] |= {"off"} if "negated" in drawn else set()
    chosen["lib"] += [f for f in _LIB if set(f[1]) & needs["lib"] and f not in chosen["lib"]]
    modules: dict[str, str] = {}
    places: dict[str, list[str]] = {}
    for package, picked in chosen.items():
        places[package] = [p for f in picked for p in f[2]]
        if not picked and rng.random() < 0.5:
            continue  # no module of the package (its reads are undefined)
        # one package over one or two files
        split = rng.randint(1, len(picked) - 1) if len(picked) > 1 and rng.random() < 0.4 else len(picked)
        for index, part in enumerate((picked[:split], picked[split:])):
            if part or index == 0:
                name = f"{package.replace('.', '_')}{index or ''}.rego"
                modules[name] = f"package {package}\n\n" + "\n\n".join(f[0] for f in part) + "\n"
    main, local = _main(rng, reads)
    modules["main.rego"] = main
    data, conflict = _data(rng, places, local)
    return modules, data, conflict


def _main(rng: random.Random, reads: list[_Read]) -> tuple[str, bool]:
    """Package main: its imports (with and without aliases, unused ones, one shadowed by a local variable) and
    one ``deny`` body per read."""
    imports: list[str] = []
    lib_name = rng.choice(["data.lib", "lib", "l"])
    k8s_name = rng.choice(["data.lib.k8s", "k", "data.lib.k8s", "lib.k8s"])  # (`k`: an alias)
    if lib_name == "lib" or k8s_name == "lib.k8s":
        imports.append("import data.lib")
        lib_name = "lib" if lib_name == "l" else lib_name
    if lib_name == "l":
        imports.append("import data.lib as l")
    if k8s_name == "k":
        imports.append("import data.lib.k8s as k")
    if rng.random() < 0.5 or any("rs" in r[0] for r in reads):
        imports.append("import input.rs")
    if rng.random() < 0.3:
        imports.append("import data.cfg as unused_cfg")
    rng.shuffle(imports)
    local = rng.random() < 0.3
    bodies = []
    for index, (expression, _, _) in enumerate(reads):
        text = expression.format(L=lib_name, K=k8s_name)
        bodies.append(f'deny["r{index}"] := v if {{\n  v := {text}\n}}')
    if rng.random() < 0.3 and "import input.rs" in imports:  # a local variable shadowing the import
        bodies.append('deny["shadow"] := rs if {\n  rs := 7\n}')
    if local or any("local" in r[0] for r in reads):
        bodies.append('local := "here"')
        local = True
    return "package main\n\n" + "".join(i + "\n" for i in imports) + "\n" + "\n\n".join(bodies) + "\n", local


def _data(rng: random.Random, places: dict[str, list[str]], local: bool) -> tuple[dict[str, Any] | None, bool]:
    """The ``--data`` document (or none) and whether OPA refuses it beside the rules."""
    roll = rng.random()
    if roll < 0.2:
        return None, False
    data: dict[str, Any] = {"cfg": {"max": 3}}
    if rng.random() < 0.6:
        data["lib"] = {"extra": 1, "k8s": {"kinds_extra": ["Job"]}}
    conflict = False
    if rng.random() < 0.3:  # a value at (or below) a rule's path, or no object above a package's rules
        choice = rng.choice(["rule", "below", "package", "main"])
        lib = data.setdefault("lib", {})
        if choice == "rule" and places["lib"]:
            place = rng.choice(places["lib"]).split(".")
            _put(lib, place, rng.choice([9, {"x": 1}, {}]))
            conflict = True
        elif choice == "below" and places["lib"]:
            place = rng.choice(places["lib"]).split(".")
            _put(lib, [*place, "deep"], 1)
            conflict = True
        elif choice == "package" and places["lib.k8s"]:
            lib["k8s"] = rng.choice([5, "x", [1]])
            conflict = True
        elif choice == "main":
            data["main"] = {"local": "data"} if local else {"other": 1}
            conflict = local
    return data, conflict


def _put(into: dict[str, Any], place: list[str], value: Any) -> None:
    for part in place[:-1]:
        into = into.setdefault(part, {})
    into[place[-1]] = value


def answer(engine: Any, modules: dict[str, str], data: dict[str, Any] | None, default_mode: bool,
           document: Any = None) -> tuple[str, Any]:
    """("ok", deny's value) | ("refused" | "error", message) of ``main.deny`` on ``engine``, the way natpolicy
    loads, checks, guards and compiles a set of policy files and its ``--data`` (natpolicy.rego.user)."""
    from natpolicy.errors import InputError
    from natpolicy.rego.builtins import refuse_network_calls, refuse_unknown_calls
    from natpolicy.rego.child import _compile
    from natpolicy.rego.engine import EvaluationError, PolicySyntaxError
    from natpolicy.rego.evaluate import PolicySet, Query
    from natpolicy.rego.guards import refuse_for_engine
    from natpolicy.rego.loading import read_policy

    try:
        policies = [read_policy(Path(name), name, source, "v1") for name, source in modules.items()]
        refuse_network_calls(policies)
        refuse_for_engine(policies, engine.name)
        owner = next(p for p in policies if p.package == "main")
        policy_set = PolicySet(policies, [Query("main", "deny", owner)], data=data,
                               undefined_builtin_errors=default_mode)
        _refuse_data_conflicts(policy_set)
        job = policy_set.job()
        missing = {call for call in policy_set.calls_to_check() if not engine.is_builtin(call)}
        refuse_unknown_calls(policies, lambda call: call not in missing, engine.name)
    except InputError as exc:
        return "refused", f"{exc.source}: {exc.problem}"
    try:
        compiled = _compile(engine, job, job.get("data"))
        value = engine.evaluate(compiled, "main/deny", engine.prepare_input(INPUT if document is None else document))
    except PolicySyntaxError as exc:
        return "refused", exc.message
    except EvaluationError as exc:
        return "error", exc.message
    return "ok", value


def isolated(engine: Any, modules: dict[str, str], data: dict[str, Any] | None,
             default_mode: bool) -> tuple[str, Any]:
    """``answer`` in a forked process: regopy 1.5.2 crashes on some sets (natpolicy runs every engine in a child
    process, natpolicy.rego.sandbox, and reports a crash as one line: loud), which would end the whole run here."""
    import os
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, send it, and leave without running the parent's exit handlers
        os.close(read)
        try:
            with os.fdopen(write, "wb") as out:
                pickle.dump(answer(engine, modules, data, default_mode), out)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as given:
        payload = given.read()
    _, status = os.waitpid(pid, 0)
    if not payload:
        return "crashed", f"the engine crashed (wait status {status})"
    result: tuple[str, Any] = pickle.loads(payload)
    return result


def _refuse_data_conflicts(policy_set: Any) -> None:
    """natpolicy's check of the data beside the rules, where natpolicy has one (the way UserPolicies.load calls
    it)."""
    try:
        from natpolicy.rego.data_conflicts import refuse_data_conflicts
    except ImportError:  # the check is newer than the generator
        return
    refuse_data_conflicts(policy_set.policies, policy_set.data)


def canonical(value: Any) -> str:
    """A set's elements in one order (each engine has its own), objects' keys sorted."""
    if isinstance(value, list):
        return json.dumps(sorted(json.dumps(v, sort_keys=True) for v in value))
    return json.dumps(value, sort_keys=True)


def run(args: Any, engines: list[Any]) -> int:
    """Run ``args.packages`` generated cases on ``engines``; print those whose answers differ from each other or
    that answer where OPA refuses."""
    differences = 0
    kinds: dict[tuple[str, ...], int] = {}
    for modules, data, conflict in random_cases(args.packages, args.seed):
        runs = [(engine.name, isolated(engine, modules, data, args.default_mode)) for engine in engines]
        key = tuple(kind for _, (kind, _) in runs) + (("conflict",) if conflict else ())
        kinds[key] = kinds.get(key, 0) + 1
        given = {canonical(value) for _, (kind, value) in runs if kind == "ok"}
        half = 0 < len(given) and any(kind == "error" for _, (kind, _) in runs) and not any(
            kind in ("refused", "crashed") for _, (kind, _) in runs)
        # OPA refuses the data beside a rule: any answer differs from OPA's
        differ = len(given) > 1 or (conflict and bool(given)) or half
        differences += differ
        if differ or args.all:
            print(f"{'DIFF' if differ else 'same'}{' (OPA refuses the data beside the rules)' if conflict else ''}:")
            for name, source in modules.items():
                print(f"  --- {name}\n" + "".join(f"    {line}\n" for line in source.splitlines()))
            print(f"  --- data: {json.dumps(data)}")
            for name, (kind, value) in runs:
                print(f"   {name}: {kind} {canonical(value) if kind == 'ok' else value}"[:400])
    summary = ", ".join(f"{'/'.join(k)} {n}" for k, n in sorted(kinds.items()))
    print(f"{differences} of {args.packages} answered differently ({summary})", file=sys.stderr)
    return 1 if differences else 0
