"""Which Rego engine runs (`--rego-engine`, the `rego-engine` key, the fallback), end to end through the CLI."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult, PlanBuilder
from natpolicy.errors import InputError
from natpolicy.rego.engines import choose_engine, installed_engines

Cli = Callable[..., CliResult]
V1 = "package main\n\nimport rego.v1\n\n"
needs_both = pytest.mark.skipif(not {"regorus", "regopy"} <= set(installed_engines()),
                                reason="needs regorus and regopy installed")


def plan(tmp_path: Path) -> Path:
    return (PlanBuilder()
            .create("aws_instance.web", {"ami": "ami-1", "tags": {"Name": "web"}}, unknown=["id"])
            .create("aws_instance.api", {"ami": "ami-1", "tags": {}}, unknown=["id"])
            .write(tmp_path / "plan.json"))


def policy(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "policy"
    directory.mkdir(exist_ok=True)
    (directory / "p.rego").write_text(V1 + body, encoding="utf-8")
    return directory


CIDR = ('deny contains msg if {\n  net.cidr_contains("10.0.0.0/8", "10.1.2.3")\n'
        '  some rc in input.resource_changes\n  msg := rc.address\n}\n')


@needs_both
def test_regorus_is_the_default_and_answers_what_regopy_refuses(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, CIDR)
    default = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--format", "json")
    assert default.code == 1, default.err
    assert sorted(f["message"] for f in default.json()["findings"] if "/" in f["rule_id"]) == [
        "aws_instance.api", "aws_instance.web"]
    refused = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--rego-engine", "regopy")
    assert refused.code == 2
    [line] = [x for x in refused.err.splitlines() if x.startswith("natpolicy: error: ")]
    assert "p.rego:6:3: net.cidr_contains is not a builtin of regopy 1.5.2" in line


@needs_both
def test_the_config_key_chooses_the_engine_and_the_flag_wins(cli: Cli, tmp_path: Path) -> None:
    directory = policy(tmp_path, CIDR)
    config = tmp_path / "natpolicy.yaml"
    config.write_text("rego-engine: regopy\n", encoding="utf-8")
    by_config = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--config", str(config))
    assert by_config.code == 2 and "not a builtin of regopy" in by_config.err
    by_flag = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--config", str(config),
                  "--rego-engine", "regorus")
    assert by_flag.code == 1, by_flag.err


def test_an_unknown_engine_in_the_config_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "natpolicy.yaml"
    config.write_text("rego-engine: cpp\n", encoding="utf-8")
    result = cli("check", str(plan(tmp_path)), "--config", str(config))
    assert result.code == 2 and "rego-engine" in result.err


def test_the_default_falls_back_to_regopy_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    if "regopy" not in installed_engines():
        pytest.skip("regopy is not installed here")
    # A regorus of another version is not the one verified: as if its wheel did not install.
    monkeypatch.setitem(__import__("natpolicy.rego.engines", fromlist=["ENGINES"]).ENGINES, "regorus",
                        ("gordon-to-regorus", "0.0.1"))
    name, notes = choose_engine(None)
    assert name == "regopy" and notes and "Rego runs on regopy" in notes[0] and "0.0.1" in notes[0]
    with pytest.raises(InputError, match="verified against gordon-to-regorus==0.0.1"):
        choose_engine("regorus")  # asked for by name: no fallback


def test_opa_without_a_binary_is_one_line(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("check", str(plan(tmp_path)), "--policy", str(policy(tmp_path, CIDR)), "--rego-engine", "opa")
    assert result.code == 2
    assert [x for x in result.err.splitlines() if x.startswith("natpolicy: error: ")] == [
        "natpolicy: error: rego: --rego-engine opa needs an `opa` binary on PATH"]


def _policy_messages_on_regorus(cli: Cli, tmp_path: Path, head: str) -> list[str]:
    """The sorted messages of ``deny contains HEAD if { some rc in input.resource_changes }``, run on regorus."""
    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    directory = policy(tmp_path, f"deny contains {head} if {{\n  some rc in input.resource_changes\n}}\n")
    result = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--format", "json", "--rego-engine", "regorus")
    return sorted(f["message"] for f in result.json()["findings"] if "/" in f["rule_id"])


def test_a_head_undefined_for_one_resource_keeps_the_others_on_regorus(cli: Cli, tmp_path: Path) -> None:
    # aws_instance.api has no Name tag: OPA still reports web; regorus alone would report nothing.
    head = 'sprintf("%s is named %s", [rc.address, rc.change.after.tags.Name])'
    assert _policy_messages_on_regorus(cli, tmp_path, head) == ["aws_instance.web is named web"]


def test_regorus_prints_sprintf_as_opa_does_in_the_sandboxed_child(cli: Cli, tmp_path: Path) -> None:
    # natpolicy's sprintf replaces regorus' own in the child that runs the engine: widths and OPA's %!s(int=N).
    head = 'sprintf("%-18s|%s", [rc.address, count(rc.change.actions)])'
    assert _policy_messages_on_regorus(cli, tmp_path, head) == [
        "aws_instance.api  |%!s(int=1)", "aws_instance.web  |%!s(int=1)"]


def test_a_sprintf_verb_natpolicy_does_not_reproduce_is_refused_by_line(cli: Cli, tmp_path: Path) -> None:
    if "regorus" not in installed_engines():
        pytest.skip("regorus is not installed here")
    directory = policy(tmp_path, 'deny contains msg if {\n  some rc in input.resource_changes\n'
                                 '  msg := sprintf("%*s has no owner", [20, rc.address])\n}\n')
    result = cli("check", str(plan(tmp_path)), "--policy", str(directory), "--rego-engine", "regorus")
    assert result.code == 2
    [line] = [x for x in result.err.splitlines() if x.startswith("natpolicy: error: ")]
    assert "p.rego:7:18: sprintf verb '%*s': natpolicy does not reproduce OPA's `*` widths" in line


def test_a_missing_engine_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from natpolicy.rego.engines import ENGINES, engine_problem

    monkeypatch.setitem(ENGINES, "regorus", ("natpolicy-test-no-such-distribution", "1.0.0"))
    assert engine_problem("regorus") == ("Rego needs the optional dependency natpolicy-test-no-such-distribution"
                                         "==1.0.0: pip install 'natpolicy[rego]'")


def _dist_info(folder: Path, name: str, metadata: str) -> None:
    info = folder / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text(metadata, encoding="utf-8")


@pytest.mark.parametrize("layout", ["dist-info", "wrong version in the folder name", "no version header",
                                    "two candidates", "egg-info", "shadowed by a later entry", "absent"])
def test_the_installed_version_is_the_one_importlib_metadata_finds(
        layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    from natpolicy.rego.engines import ENGINES, engine_problem, installed_version

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    header = "Metadata-Version: 2.1\nName: np-probe.dist\n"
    if layout == "dist-info":
        _dist_info(first, "np_probe_dist-2.0.0.dist-info", header + "Version: 2.0.0\n\nVersion: 9\n")
    elif layout == "wrong version in the folder name":
        _dist_info(first, "NP.Probe_dist-1.0.0.dist-info", header + "Version: 2.0.0\n")
    elif layout == "no version header":
        _dist_info(first, "np_probe_dist-2.0.0.dist-info", header + "\nVersion: 2.0.0\n")
    elif layout == "two candidates":
        _dist_info(first, "np_probe_dist-2.0.0.dist-info", header + "Version: 2.0.0\n")
        _dist_info(first, "np_probe_dist-3.0.0.dist-info", header + "Version: 3.0.0\n")
    elif layout == "egg-info":
        (first / "np_probe_dist-2.0.0.egg-info").write_text(header + "Version: 2.0.0\n", encoding="utf-8")
    elif layout == "shadowed by a later entry":
        _dist_info(first, "np_probe_dist-2.0.0.dist-info", header + "Version: 2.0.0\n")
        _dist_info(second, "np_probe_dist-3.0.0.dist-info", header + "Version: 3.0.0\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    try:
        expected: str | None = metadata.version("np-probe.dist")
    except metadata.PackageNotFoundError:
        expected = None
    assert installed_version("np-probe.dist") == expected
    if layout in ("dist-info", "wrong version in the folder name", "shadowed by a later entry"):
        assert expected == "2.0.0"  # the header's first Version, never the folder name or a later entry
    if layout == "absent":
        assert expected is None
    monkeypatch.setitem(ENGINES, "regorus", ("np-probe.dist", "2.0.0"))
    problem = engine_problem("regorus")
    if expected == "2.0.0":
        assert problem is None
    elif expected is None:
        assert problem is not None and "optional dependency np-probe.dist==2.0.0" in problem
    else:
        assert problem == (f"natpolicy is verified against np-probe.dist==2.0.0, found {expected}; "
                           "pip install 'np-probe.dist==2.0.0'")


def test_the_real_engines_versions_read_as_importlib_metadata_reads_them() -> None:
    from importlib import metadata

    from natpolicy.rego.engines import ENGINES, installed_version

    for distribution, _ in ENGINES.values():
        if distribution:
            try:
                expected: str | None = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                expected = None
            assert installed_version(distribution) == expected


def test_the_regorus_engine_starts_without_importlib_metadata() -> None:
    # The child creates its engine on every Rego run: its version is read as the parent reads it (installed_version).
    pytest.importorskip("regorus")
    import json
    import subprocess
    import sys

    from natpolicy.rego.sandbox import _import_paths

    code = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1])\n"
            "from natpolicy.rego.engines import create_engine\ncreate_engine('regorus')\n"
            "print('importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(_import_paths())], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_engine_is_made_from_the_one_module_the_child_imports_first() -> None:
    # engines.ENGINE_CLASSES is both what create_engine makes and what child.main imports before its job comes.
    import importlib

    from natpolicy.rego.engines import ENGINE_CLASSES, ENGINES, create_engine

    assert set(ENGINE_CLASSES) == set(ENGINES)
    for name in installed_engines():
        module, class_name = ENGINE_CLASSES[name]
        engine = create_engine(name, {"binary": "opa"} if name == "opa" else None)
        assert type(engine) is getattr(importlib.import_module(module), class_name)
        assert type(engine).__module__ == module
