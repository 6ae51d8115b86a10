"""OPA's default mode for builtin errors: every probe of ``tests/rego_probes/probes.yaml`` with its builtins'
operands guarded (``natpolicy.rego.builtin_errors``), as a ``--policy`` file runs unless
``--strict-builtin-errors`` is given.

A probe OPA refuses at run time because a builtin fails says what OPA's default mode answers instead
(``opa_default``: ``undefined``, or the value). Every other probe must be answered as in the strict run:
the same value, or refused or stopped. Guarding an operand may never turn OPA's stop into an answer it did
not document here, nor change an answer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from natpolicy.rego.builtin_errors import guard_operands, replaced_builtins
from natpolicy.rego.builtins import builtin_calls
from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError, RegoEngine
from natpolicy.rego.engines import create_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import scan_module
from tests.test_rego_conformance import ENGINES, KNOWN_SILENT, PROBES, outcome, probe_input


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> RegoEngine:
    return create_engine(request.param)


def guarded(probe: dict[str, Any]) -> str:
    source = probe["source"]
    policy = PolicyFile(Path("p.rego"), "p.rego", source, scan_module(source))
    calls = [call for _, call in builtin_calls([policy])]
    return guard_operands(source, calls, probe.get("rego_version") == "v0", replaced_builtins([source])).text


def default_answer(engine: RegoEngine, probe: dict[str, Any]) -> tuple[str, Any]:
    """("ok", value) | ("stop", message) of the guarded probe (refused first, as the strict run refuses it)."""
    kind, detail = outcome(engine, probe)
    if kind == "refused":
        return "stop", detail
    entry = f"p/{probe['rule']}"
    try:
        compiled = engine.compile({"p.rego": guarded(probe)}, None, [entry],
                                  rego_version=probe.get("rego_version", "v1"))
        return "ok", engine.evaluate(compiled, entry, probe_input(engine, probe))
    except (EvaluationError, PolicySyntaxError) as exc:
        return "stop", str(exc)


@pytest.mark.parametrize("probe", PROBES, ids=[p["name"] for p in PROBES])
def test_each_probe_in_opas_default_mode(engine: RegoEngine, probe: dict[str, Any]) -> None:
    if probe["name"] in KNOWN_SILENT.get(engine.name, set()):
        pytest.skip("a known silent difference (tests/test_rego_conformance.py KNOWN_SILENT, docs/rego.md)")
    kind, value = default_answer(engine, probe)
    if kind == "stop":
        return  # loud: a stop or a refusal is never a silent difference
    if "opa_default" in probe:
        expected = UNDEFINED if probe["opa_default"] == "undefined" else probe["opa_default"]
    elif probe.get("refused"):
        pytest.fail(f"{engine.name} answers {value!r} where OPA stops and no opa_default says otherwise")
    else:
        expected = UNDEFINED if probe.get("undefined") else probe.get("expect")
    assert value == expected, f"{engine.name}: {value!r}, OPA's default mode: {expected!r}"
