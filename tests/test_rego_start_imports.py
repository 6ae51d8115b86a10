"""What a run with --policy imports before its Rego can start, in natpolicy's process and in the engine's child.

Both pay every import at each run. The Rego modules' classes are ``natpolicy.records.record`` classes, not
``dataclasses.dataclass`` ones (which compile each generated method at import, and import ``dataclasses`` and
``inspect``: about 50 ms of CPU of a one-rule run on the 10k plan, parent and child together), and the result
keys hash with CPython's own SHA-256, not ``hashlib`` (which loads OpenSSL). Each process is checked in a fresh
interpreter, the child as the sandbox starts it (``-I``, an empty environment) and given a real job. The child
imports the module of a builtin few policies call (``units.parse``, ``lower``...) only when a policy calls it
(``natpolicy.rego.lazy_extensions``).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from natpolicy.rego.engines import installed_engines
from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job
from natpolicy.rego.loading import read_policy
from natpolicy.rego.sandbox import _import_paths, job_payload

SLOW = ("dataclasses", "inspect", "hashlib")
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	msg := sprintf("%s changes", [rc.address])
}
"""
PLAN = FIXTURES / "plans" / "nat-deleted.json"
CHECK_THEN_REPORT = (
    "import sys\n"
    "from natpolicy import cli\n"
    "code = cli.main(sys.argv[1:])\n"
    f"print('@@', code, sorted(m for m in {SLOW!r} if m in sys.modules))\n"
)


def test_a_policy_run_imports_none_of_them_in_natpolicys_process(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text(POLICY, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHECK_THEN_REPORT, "check", str(PLAN), "--policy",
                           str(tmp_path / "policy"), "--format", "json", "--output", str(tmp_path / "out.json"),
                           "--no-progress"], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@ ")]
    assert lines == ["@@ 1 []"], done.stderr  # 1: the policy's findings were reported
    assert "data.main.deny" in (tmp_path / "out.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", [e for e in ("regorus", "regopy") if e in installed_engines()])
def test_the_child_imports_none_of_them_for_its_job(engine: str) -> None:
    policy = read_policy(Path("p.rego"), "p.rego", POLICY)
    job = build_job([PolicySet([policy], [Query("main", "deny", policy)], undefined_builtin_errors=True)],
                    [Plan("plan.json", None, None, PLAN.read_text(encoding="utf-8"))], engine)
    # The child's own bootstrap (sandbox._BOOTSTRAP), then what it imported, on stderr (its stdout is the answers').
    code = ("import sys, json\nsys.path[:0] = json.loads(sys.argv[1])\nfrom natpolicy.rego.child import main\n"
            "code = main()\n"
            f"print('@@', code, sorted(m for m in {SLOW!r} if m in sys.modules), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(_import_paths()), engine],
                          input=b"".join(job_payload(job)), capture_output=True, env={}, check=False)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert {"done": True} in answers, done.stderr.decode()
    assert any(a.get("value") for a in answers if "value" in a)  # the rule answered its results
    lines = [line for line in done.stderr.decode().splitlines() if line.startswith("@@ ")]
    assert lines == ["@@ 0 []"], done.stderr.decode()


# The modules of OPA's builtins natpolicy computes for regorus that a policy rarely calls (lazy_extensions), and
# what only they import: a child whose policies call none of them imports none of them.
RARE = tuple(f"natpolicy.rego.{name}" for name in (
    "arith_opa", "boolean_keys", "case_opa", "cidr_opa", "duration_opa", "json_paths_opa", "json_valid_opa", "reachable_opa",
    "replace_opa", "semver_opa", "strings_opa", "subset_opa", "template_opa", "text_opa", "time_opa", "units_opa",
    "urlquery_opa")) + ("fractions", "random", "datetime")
CALLS_RARE = POLICY + """
n := units.parse("1K")

lowered := lower("AbC")

when := time.format(0)

picked := rand.intn("x", 1)
"""


def _child_modules(source: str, entrypoints: list[str], wanted: tuple[str, ...],
                   plan_text: str | None = None) -> tuple[list[Any], list[str]]:
    """The regorus child's answers to ``source``'s ``entrypoints`` on the plan (``plan_text``, else PLAN's), and
    which of ``wanted`` it imported; its ``main`` must return 0."""
    policy = read_policy(Path("p.rego"), "p.rego", source)
    text = PLAN.read_text(encoding="utf-8") if plan_text is None else plan_text
    job = build_job([PolicySet([policy], [Query("main", rule, policy) for rule in entrypoints],
                               undefined_builtin_errors=True)],
                    [Plan("plan.json", None, None, text)], "regorus")
    code = ("import sys, json\nsys.path[:0] = json.loads(sys.argv[1])\nfrom natpolicy.rego.child import main\n"
            "code = main()\n"
            f"print('@@', json.dumps([code, sorted(m for m in {wanted!r} if m in sys.modules)]), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(_import_paths()), "regorus"],
                          input=b"".join(job_payload(job)), capture_output=True, env={}, check=False)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert {"done": True} in answers, done.stderr.decode()
    [line] = [line for line in done.stderr.decode().splitlines() if line.startswith("@@ ")]
    returned, imported = json.loads(line[3:])
    assert returned == 0, done.stderr.decode()
    return [a["value"] for a in answers if "value" in a], imported


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")
def test_a_plain_policys_child_imports_no_rare_builtin() -> None:
    values, imported = _child_modules(POLICY, ["deny"], RARE)
    assert values and values[0]  # the rule answered its results
    assert imported == []


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")
def test_a_rare_builtin_is_imported_at_its_call_and_answers_as_opa() -> None:
    values, imported = _child_modules(CALLS_RARE, ["n", "lowered", "when", "picked"], RARE)
    assert values == [1000, "abc", "1970-01-01T00:00:00Z", 0]
    assert {"natpolicy.rego.units_opa", "natpolicy.rego.case_opa", "natpolicy.rego.time_opa",
            "natpolicy.rego.semver_opa"} <= set(imported)


class _Registrations:
    """What new_engine registers, by builtin name (regorus' Engine keeps no list of its extensions to read back)."""

    def __init__(self) -> None:
        self.added: dict[str, tuple[int, Any]] = {}

    def Engine(self) -> _Registrations:  # noqa: N802 - regorus' own name
        return self

    def add_extension(self, name: str, arity: int, function: Any) -> None:
        self.added[name] = (arity, function)


def test_every_builtin_registered_on_first_call_resolves_to_a_function() -> None:
    from natpolicy.rego.engine_regorus import new_engine
    from natpolicy.rego.lazy_extensions import OnFirstCall

    registrations = _Registrations()
    new_engine(registrations)
    lazy = {name: function for name, (_, function) in registrations.added.items() if isinstance(function, OnFirstCall)}
    assert {"units.parse", "lower", "net.cidr_contains", "rand.intn", "regex.template_match"} <= set(lazy)
    for name, function in lazy.items():
        assert function.module.removeprefix("natpolicy.rego.") in {m.removeprefix("natpolicy.rego.") for m in RARE}, name
        assert callable(function.resolve()), name


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")
def test_a_spawned_child_cutting_a_large_input_imports_msgspec_without_typing_extensions() -> None:
    # An input from PRUNE_FROM_CHARS on is cut with msgspec (input_pruning), whose plain import loads
    # typing_extensions and inspect (about 8 ms of the child's CPU); natpolicy.msgspec_import keeps them out.
    from natpolicy.rego.input_pruning import PRUNE_FROM_CHARS

    change = {"address": "aws_instance.web", "type": "aws_instance", "change": {"actions": ["create"],
              "after": {"ami": "ami-1", "user_data": "x" * 1000}}}
    count = PRUNE_FROM_CHARS // len(json.dumps(change)) + 1
    text = json.dumps({"format_version": "1.2", "resource_changes": [change] * count})
    values, imported = _child_modules(POLICY, ["deny"], ("msgspec", "typing_extensions", "inspect"), text)
    assert ["aws_instance.web changes"] in values
    assert imported == ["msgspec"]
