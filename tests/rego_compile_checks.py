"""What the tests of natpolicy's Rego compile-time checks share (types, arity, undefined functions, METADATA).

Each of those test modules reads a policy's refusals with its line, the probe
file by name, and checks against a real engine that what natpolicy refuses
never answers on regorus once a query reaches it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from natpolicy.errors import InputError
from natpolicy.rego.guards import refuse_for_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.type_check import type_errors

PROBES: dict[str, dict[str, Any]] = {p["name"]: p for p in yaml.safe_load(
    (Path(__file__).parent / "rego_probes" / "probes.yaml").read_text(encoding="utf-8"))}


def type_errors_by_line(source: str, loaded: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line, message) of every type error in ``source``, its package names read from it, beside ``loaded``."""
    info = scan_module(source)
    return [(char_line_col(source, offset)[0], message)
            for offset, message in type_errors(source, set(info.rules) | info.import_aliases, (), loaded)]


def assert_refused_at(errors: list[tuple[int, str]], line: int, says: str) -> None:
    """The first error is on ``line``, says ``says``, and is one line naming OPA's refusal."""
    assert errors, "not refused"
    assert errors[0][0] == line and says in errors[0][1], errors
    assert "\n" not in errors[0][1] and "OPA refuses the whole module" in errors[0][1], errors


def refusal(files: dict[str, str], engine: str = "regorus") -> str:
    """The refusal of a set of policy files (several may share a package), or "" when none is refused."""
    policies = [PolicyFile(Path(name), name, text, scan_module(text)) for name, text in files.items()]
    try:
        refuse_for_engine(policies, engine)
    except InputError as exc:
        return f"{exc.source}: {exc.problem}"
    return ""


def regorus_never_answers(source: str, fails: bool = False) -> None:
    """``source`` (package p) loads on regorus, and its rule ``helper`` fails or (unless ``fails``) is undefined
    when reached."""
    regorus = pytest.importorskip("regorus")
    engine = regorus.Engine()
    try:
        engine.set_rego_v0(False)
        engine.add_policy("p.rego", source + "other := 1\n")
        assert engine.eval_rule("data.p.other") == 1  # loads, and answers a query that does not reach it
        try:
            value = engine.eval_rule("data.p.helper")
        except RuntimeError:
            return
    finally:
        # Dropped here, on this thread, even when an assertion fails (a traceback keeps this frame: see
        # conftest's raw_regorus).
        del engine
    assert not fails, f"helper answered {value!r}: regorus was to fail"
    assert value is None, value  # undefined, never a value


def assert_probes_as_opa(names: list[str], count: int, engine: str) -> None:
    """The ``count`` probes ``names`` answer on ``engine`` as OPA does: each ``-refused`` one refused, each near
    miss (OPA accepts it) neither a type error nor refused."""
    assert len(names) == count, names
    for name in names:
        source = PROBES[name]["source"]
        if name.endswith("-refused"):
            assert PROBES[name].get("refused") and refusal({"p.rego": source}, engine), name
        else:
            assert not PROBES[name].get("refused") and type_errors_by_line(source) == [], name
            assert refusal({"p.rego": source}, engine) == "", name
