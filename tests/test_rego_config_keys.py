"""The conftest options as config keys: ``data``, ``combine``, ``rego-version``, ``fail-on-warn`` (docs/configuration.md).

Each key does what its flag does, flags win, paths are relative to the config
file and stay inside the repository, and on a pull request the GitHub
Action's gate keeps the base branch's values (``natpolicy.action_gate``).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult, PlanBuilder

pytest.importorskip("regopy")

Cli = Callable[..., CliResult]
V1 = "package main\n\nimport rego.v1\n\n"


def project(tmp_path: Path, config: str, source: str) -> Path:
    """A folder with a plan no built-in rule fires on, ``policy/p.rego`` and ``.natpolicy.yaml``."""
    root = tmp_path / "repo"
    (root / "policy").mkdir(parents=True)
    (root / "policy" / "p.rego").write_text(source, encoding="utf-8")
    (root / ".natpolicy.yaml").write_text("policy: [policy]\n" + config, encoding="utf-8")
    (PlanBuilder().create("null_resource.a", {"triggers": {"k": "v"}})
     .create("null_resource.b", {"triggers": {"k": "w"}}).write(root / "plan.json"))
    return root


def run(cli: Cli, root: Path, *args: str) -> CliResult:
    return cli("check", str(root / "plan.json"), "--config", str(root / ".natpolicy.yaml"), "--no-progress", *args)


def messages(result: CliResult) -> list[str]:
    assert result.out, result.err
    return sorted(f["message"] for f in result.json()["findings"] if "/" in f["rule_id"])


DATA_POLICY = V1 + ('deny contains msg if {\n  some rc in input.resource_changes\n'
                    '  not rc.change.after.triggers.k in data.allowed\n'
                    '  msg := concat(" ", [rc.address, "not allowed"])\n}\n')


def test_data_files_from_the_config_are_relative_to_it(cli: Cli, tmp_path: Path) -> None:
    root = project(tmp_path, "data: [lists/allowed.yaml]\n", DATA_POLICY)
    (root / "lists").mkdir()
    (root / "lists" / "allowed.yaml").write_text("allowed: [v]\n", encoding="utf-8")
    result = run(cli, root, "--format", "json")
    assert messages(result) == ["null_resource.b not allowed"]
    assert result.code == 1
    # --data replaces the key, as --policy replaces `policy`.
    (root / "both.json").write_text('{"allowed": ["v", "w"]}', encoding="utf-8")
    assert run(cli, root, "--data", str(root / "both.json")).code == 0


@pytest.mark.parametrize(("path", "says"), [
    ("missing.yaml", "data[0]: does not exist (paths are relative to the config file)"),
    ("../outside.yaml", "data[0]: resolves outside"),
])
def test_a_bad_data_path_in_the_config_is_one_line_and_exit_2(cli: Cli, tmp_path: Path, path: str, says: str) -> None:
    root = project(tmp_path, f"data: [{path}]\n", DATA_POLICY)
    (tmp_path / "outside.yaml").write_text("allowed: [v, w]\n", encoding="utf-8")
    result = run(cli, root)
    assert result.code == 2 and result.out == ""
    assert says in result.err and result.err.count("\n") == 1, result.err


def test_combine_from_the_config_gives_every_input_at_once(cli: Cli, tmp_path: Path) -> None:
    root = project(tmp_path, "combine: true\n", V1 + 'warn contains sprintf("%d inputs", [count(input)]) if true\n')
    (root / "app.json").write_text('{"kind": "Deployment"}', encoding="utf-8")
    result = run(cli, root, str(root / "app.json"), "--format", "json")
    assert messages(result) == ["2 inputs"]
    assert result.json()["findings"][0]["origin"] == "Combined"


V0_POLICY = ("package main\n\ndeny[msg] {\n  rc := input.resource_changes[_]\n"
             "  rc.change.after.triggers.k == \"w\"\n  msg := rc.address\n}\n")


def test_rego_version_from_the_config_reads_v0_and_the_flag_wins(cli: Cli, tmp_path: Path) -> None:
    from natpolicy.rego.engines import choose_engine, create_engine

    root = project(tmp_path, "rego-version: v0\n", V0_POLICY)
    engine = create_engine(choose_engine(None)[0])
    result = run(cli, root, "--format", "json")
    if getattr(engine, "reads_rego_v0", False) or getattr(engine, "compile_versions", None) is not None:
        assert messages(result) == ["null_resource.b"] and result.code == 1
    else:
        assert result.code == 2 and "cannot read Rego v0" in result.err
    flag = run(cli, root, "--rego-version", "v1")
    assert flag.code == 2 and "Rego v0 syntax" in flag.err and "p.rego:3:" in flag.err


@pytest.mark.parametrize(("config", "code"), [("", 0), ("fail-on-warn: true\n", 1), ("fail-on-warn: false\n", 0)])
def test_fail_on_warn_from_the_config(cli: Cli, tmp_path: Path, config: str, code: int) -> None:
    root = project(tmp_path, config, V1 + 'warn contains "consider tagging" if true\n')
    result = run(cli, root, "--format", "markdown")
    assert result.code == code, result.err
    assert ("**Gate: fail**" in result.out) == (code == 1)  # the summary says what the exit code does


def test_the_schema_refuses_a_bad_value_with_the_key(cli: Cli, tmp_path: Path) -> None:
    root = project(tmp_path, "rego-version: v2\n", V1 + 'deny contains "d" if true\n')
    result = run(cli, root)
    assert result.code == 2 and "rego-version" in result.err and result.err.count("\n") == 1


def test_the_action_gate_keeps_the_base_branchs_values(tmp_path: Path) -> None:
    from natpolicy.action_gate import merge
    from natpolicy.config import Config

    base = Config(fail_on_warn=True, rego_version="v0", data_files=(str(tmp_path / "base" / "d.yaml"),))
    pr = Config(fail_on_warn=False, rego_version="v1", combine=True,
                data_files=(str(tmp_path / "pr" / "d.yaml"), str(tmp_path / "pr" / "more.yaml")))

    def relative(path: str) -> str:
        return Path(path).name

    data, relaxed = merge(base, pr, relative, tmp_path / "copies")
    assert data["fail-on-warn"] is True and data["rego-version"] == "v0" and "combine" not in data
    said = {r.setting: r.what for r in relaxed}
    assert set(said) >= {"fail-on-warn", "combine", "rego-version", "data"}
    assert "more.yaml` was ignored" in " ".join(r.what for r in relaxed if r.setting == "data")
    # A pull request that only tightens keeps its own value.
    data, relaxed = merge(Config(), Config(fail_on_warn=True), relative, tmp_path / "copies")
    assert data["fail-on-warn"] is True and not relaxed
