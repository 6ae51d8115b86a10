"""The twins' own ``*_test.rego`` with ``opa test`` semantics, on every installed engine.

``opa test`` passes when every ``test_`` rule of the test packages is true;
an error (``object.get`` on ``null`` is one in OPA) fails it. regorus runs
the files whole, ``with`` included; regopy aborts on ``with``, so it runs the
part above the ``OPA only`` line (its cases are checked one by one in
tests/test_rego_twins.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.rego.engine import UNDEFINED
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.guards import engine_refusals
from natpolicy.rego.source import scan_module
from natpolicy.rego.twins import twin_files

OPA_ONLY = "# -- OPA only"
TESTS = [p for p in twin_files(include_tests=True) if p.name.endswith("_test.rego")]


def _test_rules(source: str) -> list[str]:
    return [rule for rule in scan_module(source).rules if rule.startswith("test_")]


@pytest.mark.parametrize("engine_name", installed_engines())
@pytest.mark.parametrize("test", TESTS, ids=[t.stem for t in TESTS])
def test_every_test_rule_of_the_twins_is_true(engine_name: str, test: Path) -> None:
    engine = create_engine(engine_name)
    source = test.read_text(encoding="utf-8")
    if engine_name == "regopy":
        source = source[:source.index(OPA_ONLY)]
    rules = _test_rules(source)
    if not rules:
        pytest.skip(f"no test_ rule of {test.name} runs on {engine_name}")
    package = scan_module(source).package.replace(".", "/")
    modules = {p.name: p.read_text(encoding="utf-8") for p in twin_files()}
    modules[test.name] = source
    compiled = engine.compile(modules, None, [f"{package}/{rule}" for rule in rules])
    prepared = engine.prepare_input({})
    failed = [rule for rule in rules if engine.evaluate(compiled, f"{package}/{rule}", prepared) is not True]
    assert failed == [], f"{test.name} on {engine_name}: {failed}"


def test_the_regorus_run_covers_the_opa_only_cases() -> None:
    # The `with` part is what regopy cannot run: regorus must actually run it.
    assert all("test_cases if" in t.read_text(encoding="utf-8").split(OPA_ONLY)[1] for t in TESTS)


@pytest.mark.parametrize("engine_name", installed_engines())
def test_no_guard_refuses_the_twins(engine_name: str) -> None:
    # Checked as refuse_for_engine checks them: beside the other twins (their library's functions among them).
    texts = {twin.name: twin.read_text(encoding="utf-8") for twin in twin_files()}
    packages = {name: scan_module(text).package for name, text in texts.items()}
    for name, text in texts.items():
        same = [t for n, t in texts.items() if n != name and packages[n] == packages[name]]
        other = [t for n, t in texts.items() if packages[n] != packages[name]]
        assert engine_refusals(text, engine_name, None, same, other) == [], name


def test_object_get_on_null_no_longer_stops_the_twins() -> None:
    # A created resource's `before` is null: OPA and regorus stop on object.get(null, ...).
    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    engine = create_engine("regorus")
    modules = {p.name: p.read_text(encoding="utf-8") for p in twin_files()}
    compiled = engine.compile(modules, None, ["natpolicy/rules/ebs/findings"])
    change = {"address": "aws_ebs_encryption_by_default.d", "mode": "managed", "type": "aws_ebs_encryption_by_default",
              "name": "d", "change": {"actions": ["create"], "before": None, "after": {"enabled": False},
                                      "after_unknown": {}}}
    found = engine.evaluate(compiled, "natpolicy/rules/ebs/findings",
                            engine.prepare_input({"resource_changes": [change]}))
    assert found is not UNDEFINED and [f["rule"] for f in found] == ["EBS005"]


def test_two_unencrypted_volumes_of_one_instance_are_two_findings_with_python_keys() -> None:
    engine = create_engine(installed_engines()[0])
    modules = {p.name: p.read_text(encoding="utf-8") for p in twin_files()}
    compiled = engine.compile(modules, None, ["natpolicy/rules/ebs/findings"])
    after = {"root_block_device": [{"encrypted": False}],
             "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": False},
                                  {"device_name": "/dev/sdg", "encrypted": False}]}
    change = {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
              "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}
    found = engine.evaluate(compiled, "natpolicy/rules/ebs/findings", engine.prepare_input({"resource_changes": [change]}))
    assert sorted(f["key"] for f in found if f["rule"] == "EBS002") == ["ebs:/dev/sdf", "ebs:/dev/sdg", "root"]
