"""The operand-kind table (``natpolicy.rego.operand_kinds``) held to the engines: each listed operand given a value
of every kind, unguarded and guarded (``natpolicy.rego.builtin_errors``).

A kind the table says OPA checks must make the unguarded call stop on regorus (which fails where OPA does: a
value regorus answers is one OPA may answer too, which the guard would turn into a silent undefined) and be
undefined once guarded, on both engines; a kind it lets through must be answered alike guarded or not. The
kinds themselves are read from OPA's ``v1/topdown`` (operand_kinds' docstring and comments).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.builtin_errors import _ACCEPTS
from natpolicy.rego.engine import RegoEngine
from natpolicy.rego.engines import create_engine
from natpolicy.rego.operand_kinds import GUARDS, OPERAND_KINDS
from tests.rego_answers import ENGINES
from tests.rego_kinds import ACCEPTED, KIND_VALUES, guarded, kind_answers, kind_module, measured_rules

# regopy 1.5.2 answers these where OPA stops on the kind (measured; the guard makes them undefined, OPA's default):
# max, min and sort of an object (its values), urlquery.decode_object of anything that is no string ({}).
REGOPY_ANSWERS_A_KIND_OPA_REFUSES = {
    ("max", 0, "object"), ("min", 0, "object"), ("sort", 0, "object"),
    *(("urlquery.decode_object", 0, kind) for kind in KIND_VALUES if kind not in ("string", "number_text")),
}
# Answers that differ from one evaluation to the next: compared by outcome only.
_RANDOM = {"rand.intn"}


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> RegoEngine:
    return create_engine(request.param)


def test_every_kind_of_the_table_has_a_guard_and_a_reading_of_opas_source() -> None:
    used = {kind for kinds in OPERAND_KINDS.values() for kind in kinds if kind is not None}
    assert used <= set(GUARDS) and used <= set(ACCEPTED)
    for kind, (kinds, _elements) in _ACCEPTS.items():
        # the literal shortcut of builtin_errors agrees with the kinds OPA's source lets through
        readable = {k for k in ACCEPTED[kind] if k in ("null", "boolean", "number", "string", "object")}
        assert readable == kinds - {"array", "set"}, kind
        assert ("array" in kinds) == bool(ACCEPTED[kind] & {"array", "numbers_array", "objects_array"}), kind


# regopy beside google-re2 (tests/conftest.py) aborts the process on these: evaluated in a process of their own.
_APART = {"time.weekday"}
_APART_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.rego_kinds import kind_answers
from natpolicy.rego.engines import create_engine
source, entries = json.load(sys.stdin)
print(json.dumps(kind_answers(create_engine("regopy"), source, entries)))
"""


def answers(engine: RegoEngine, source: str, entries: list[str]) -> dict[str, tuple[str, Any]]:
    if engine.name == "regopy" and any(f"{name}(" in source for name in _APART):
        run = subprocess.run([sys.executable, "-c", _APART_SCRIPT, str(Path(__file__).parents[1])],
                             input=json.dumps([source, entries]), capture_output=True, text=True, timeout=300,
                             check=True)
        return {entry: (kind, value) for entry, (kind, value) in json.loads(run.stdout).items()}
    return kind_answers(engine, source, entries)


@pytest.mark.parametrize("name", sorted(OPERAND_KINDS))
def test_each_listed_operand_of_every_kind(engine: RegoEngine, name: str) -> None:
    if not engine.is_builtin(name):
        pytest.skip(f"{engine.name} has no {name} (refused before anything runs)")
    measured = list(measured_rules(name))
    entries = [rule for rule, _, _ in measured]
    source = kind_module(name)
    plain, safe = answers(engine, source, entries), answers(engine, guarded(source), entries)
    regopy_answered = set()
    for rule, index, given in measured:
        kind = OPERAND_KINDS[name][index]
        assert kind is not None
        where = f"{engine.name}: {name} operand {index + 1} ({kind}) given {given}"
        if "refused" in (plain[rule][0], safe[rule][0]):
            assert plain[rule][0] == safe[rule][0] == "refused", f"{where}: {plain[rule]}, guarded {safe[rule]}"
            continue
        if given in ACCEPTED[kind]:
            if name in _RANDOM:
                assert plain[rule][0] == safe[rule][0], where
            else:
                assert plain[rule][0] == safe[rule][0] and (plain[rule][0] == "error" or plain[rule] == safe[rule]), (
                    f"{where}: the guard changed {plain[rule]} into {safe[rule]}")
            continue
        assert safe[rule] == ("undefined", None), f"{where}, guarded: {safe[rule]}"
        if engine.name == "regorus":
            assert plain[rule][0] == "error", f"{where}: regorus answers {plain[rule]}, which OPA may answer too"
        elif plain[rule][0] == "value":
            regopy_answered.add((name, index, given))
    if engine.name == "regopy":
        expected = {item for item in REGOPY_ANSWERS_A_KIND_OPA_REFUSES if item[0] == name}
        assert regopy_answered == expected
