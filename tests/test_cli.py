"""The command line: exit codes, selection, determinism, help, and secrets."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import natpolicy
from conftest import PlanBuilder
from natpolicy.check import ResourceCheck, Severity, Violation, rule_family
from natpolicy.registry import discover, select


def test_version_answers_without_heavy_imports() -> None:
    code = ("import sys; from natpolicy.cli import main; rc = main(['--version']); "
            "heavy = [m for m in ('click', 'hcl2', 'lark', 'jsonschema', 'yaml', 'regopy') if m in sys.modules]; "
            "print(rc, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"


def test_console_script_version() -> None:
    exe = Path(sys.executable).with_name("natpolicy")
    if not exe.exists():
        pytest.skip("console script not installed next to the interpreter")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("natpolicy ")


def test_help_lists_commands(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("check", "rules", "explain"):
        assert command in result.out


def test_unknown_option_is_usage_error(cli) -> None:
    result = cli("check", "--no-such-flag", "x.json")
    assert result.code == 2 and "No such option" in result.err


def test_unknown_rule_in_check_is_usage_error(tmp_path: Path, cli) -> None:
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = cli("check", str(path), "--check", "NOPE999")
    assert result.code == 2 and "unknown rule or family" in result.err


def test_rules_and_explain(cli) -> None:
    classes = discover()
    if not classes:
        pytest.skip("no rules shipped yet")
    listing = cli("rules")
    assert listing.code == 0
    for cls in classes:
        assert cls.id in listing.out
        doc = cli("explain", cls.id.lower())
        assert doc.code == 0
        for section in ("## What it does", "## Why it matters", "## Example", "## How to fix",
                        "### Terraform", "### AWS Console", "### AWS CLI", "### Python (boto3)"):
            assert section in doc.out, f"{cls.id} doc lacks {section}"
    as_json = json.loads(cli("rules", "--format", "json").out)
    assert {r["id"] for r in as_json} == {c.id for c in classes}


def test_explain_unknown_rule(cli) -> None:
    result = cli("explain", "XYZ123")
    assert result.code == 2 and "unknown rule" in result.err


def test_every_rule_is_well_formed() -> None:
    for cls in discover():
        assert issubclass(cls, ResourceCheck) == bool(cls.supported_types) or not issubclass(cls, ResourceCheck)
        # A rule lives in the package of its family: policies/sg/ holds SG001...
        assert cls.__module__.split(".")[-2] == rule_family(cls.id).lower(), cls.id
        assert cls.name and isinstance(cls.severity, Severity) and cls.categories
        assert cls.doc_path().is_file(), f"{cls.id} has no documentation beside its code"


def test_select_by_family_and_id() -> None:
    classes = discover()
    families = {rule_family(c.id) for c in classes}
    for fam in families:
        chosen = select(classes, [fam.lower()])
        assert chosen and all(c.id.startswith(fam) for c in chosen)
        rest = select(classes, [], [fam])
        assert not any(c.id.startswith(fam) for c in rest)


# -- exit codes -------------------------------------------------------------
class _AlwaysMedium(ResourceCheck):
    id = "TEST002"
    name = "always"
    severity = Severity.MEDIUM
    supported_types = ("aws_vpc",)

    def scan(self, resource, model):  # type: ignore[no-untyped-def]
        yield Violation(f"{resource.address} is a vpc")


def _run_with(tmp_path: Path, *flags: str) -> int:
    from natpolicy.app import CheckOptions, exit_code
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = run(load_inputs([str(path)]), [_AlwaysMedium()])
    opts = CheckOptions(paths=[str(path)])
    for flag in flags:
        key, _, value = flag.partition("=")
        setattr(opts, key, value or True)
    return exit_code(result, opts)


def test_exit_code_follows_fail_on_only(tmp_path: Path) -> None:
    assert _run_with(tmp_path) == 1
    assert _run_with(tmp_path, "fail_on=medium") == 1
    assert _run_with(tmp_path, "fail_on=high") == 0
    assert _run_with(tmp_path, "soft_fail") == 0


def test_fail_on_does_not_change_what_is_reported(tmp_path: Path, cli) -> None:
    builder = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).create(
        "aws_security_group.s", {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "from_port": 22,
                                             "to_port": 22, "protocol": "tcp", "self": False,
                                             "security_groups": [], "prefix_list_ids": []}]})
    path = builder.write(tmp_path / "p.json")
    low = cli("check", str(path), "--format", "json", "-q")
    crit = cli("check", str(path), "--format", "json", "-q", "--fail-on", "critical", "--soft-fail")
    assert low.json()["findings"] == crit.json()["findings"]
    assert crit.code == 0


def test_output_is_deterministic(tmp_path: Path, cli) -> None:
    builder = PlanBuilder()
    for i in range(5):
        builder.create(f"aws_ebs_volume.v{i}", {"encrypted": False})
        builder.create(f"aws_vpc.n{i}", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    path = builder.write(tmp_path / "p.json")
    first = cli("check", str(path), "--format", "sarif").out
    second = cli("check", str(path), "--format", "sarif").out
    assert first == second
    # No clock in the output: neither a timestamp field nor SARIF's invocation times.
    assert "timestamp" not in first.lower()
    assert "TimeUtc" not in first


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    # Set and dict iteration over strings follows PYTHONHASHSEED; output must not.
    builder = PlanBuilder()
    for i in range(4):
        builder.create(f"aws_ebs_volume.v{i}", {"encrypted": False, "tags": {f"k{i}": "v"}})
        builder.create(f"aws_security_group.g{i}", {"ingress": [
            {"protocol": "tcp", "from_port": p, "to_port": p, "cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"],
             "ipv6_cidr_blocks": ["::/0"]} for p in (22, 443, 8080)]}, unknown=["id"])
        builder.create(f"aws_security_group_rule.r{i}", {"type": "ingress", "security_group_id": "sg-1",
                                                          "protocol": "tcp", "from_port": 3389, "to_port": 3389,
                                                          "cidr_blocks": [f"{128 * (i % 2)}.0.0.0/1"]})
        builder.create(f"aws_vpc.n{i}", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    path = builder.write(tmp_path / "p.json")
    outputs: dict[str, set[bytes]] = {"sarif": set(), "json": set()}
    for seed in ("0", "1", "4242"):
        for fmt in outputs:
            env = {**os.environ, "PYTHONHASHSEED": seed}
            done = subprocess.run([sys.executable, "-m", "natpolicy", "check", str(path), "--format", fmt],
                                  capture_output=True, env=env, cwd=tmp_path, check=False)
            assert done.returncode == 1, done.stderr
            outputs[fmt].add(done.stdout)
    assert all(len(seen) == 1 for seen in outputs.values())


def test_json_report_matches_its_schema(tmp_path: Path, cli) -> None:
    import jsonschema

    import natpolicy.outputs as outputs_pkg

    schema = json.loads((Path(outputs_pkg.__file__).parent / "findings.schema.json").read_text())
    builder = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).create("aws_vpc.a", {}, unknown=["id"])
    report = cli("check", str(builder.write(tmp_path / "p.json")), "--format", "json").json()
    jsonschema.validate(report, schema)


def test_sensitive_values_never_reach_any_output(tmp_path: Path, cli) -> None:
    secret_cidr = "203.0.113.77/32"
    builder = PlanBuilder().create(
        "aws_security_group.s",
        {"ingress": [{"cidr_blocks": ["0.0.0.0/0", secret_cidr], "ipv6_cidr_blocks": [], "from_port": 22,
                      "to_port": 22, "protocol": "tcp", "self": False, "security_groups": [],
                      "prefix_list_ids": [], "description": "s3cr3t-description"}]},
        sensitive={"ingress": [{"cidr_blocks": True, "description": True}]})
    builder.create("aws_ebs_volume.v", {"encrypted": False, "tags": {"token": "tok-abcdef"}},
                   sensitive={"tags": {"token": True}})
    path = builder.write(tmp_path / "p.json")
    for fmt in ("text", "json", "sarif"):
        out = cli("check", str(path), "--format", fmt).out
        assert secret_cidr not in out and "s3cr3t-description" not in out and "tok-abcdef" not in out


# -- sensitive values, in every format ------------------------------------------------------
FORMATS = ("text", "json", "sarif", "github", "markdown")


def _findings_text(fmt: str, out: str) -> str:
    """The part of a report that comes from findings (SARIF's rule help quotes the docs, which name ports)."""
    if fmt == "sarif":
        return json.dumps(json.loads(out)["runs"][0]["results"])
    if fmt == "markdown":
        return out.replace("\\", "")  # markdown escapes `_` in addresses
    return out


def _sensitive_plan(tmp_path: Path) -> Path:
    def ingress(port: int, cidrs: list[str]) -> dict[str, object]:
        return {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": cidrs, "ipv6_cidr_blocks": [],
                "self": False, "security_groups": [], "prefix_list_ids": []}

    builder = PlanBuilder()
    # Ports marked sensitive: the service name would give the port away too.
    builder.create("aws_security_group_rule.rdp", {"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp",
                                                   "from_port": 3389, "to_port": 3389, "cidr_blocks": ["0.0.0.0/0"]},
                   unknown=["id"], sensitive=["from_port", "to_port", "protocol"])
    # A sensitive CIDR list that adds up to the internet.
    builder.create("aws_security_group.split", {"ingress": [ingress(8080, ["0.0.0.0/2", "64.0.0.0/2",
                                                                           "128.0.0.0/1"])]},
                   unknown=["id"], sensitive={"ingress": [{"cidr_blocks": True}]})
    # A sensitive value too short for the plan-wide scrubber: the rule must hide it itself.
    builder.create("aws_instance.app", {"ami": "ami-1", "root_block_device": [{"encrypted": True}],
                                        "ebs_block_device": [{"device_name": "sdq", "encrypted": False,
                                                              "snapshot_id": ""}]},
                   unknown=["id"], sensitive={"ebs_block_device": [{"device_name": True}]})
    # A sensitive value that is part of an address: the address stays as it is.
    builder.create("aws_db_instance.main", {"db_name": "main", "password": "hunter22"}, unknown=["id"],
                   sensitive=["db_name", "password"])
    builder.create("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown=["id"])
    return builder.write(tmp_path / "p.json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_sensitive_ports_cidrs_and_short_values_stay_hidden_in_every_format(tmp_path: Path, cli, fmt: str) -> None:
    result = cli("check", str(_sensitive_plan(tmp_path)), "--format", fmt, "--no-color")
    assert result.code == 1, result.err
    text = _findings_text(fmt, result.out)
    for leak in ("3389", "RDP", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "sdq", "hunter22"):
        assert leak not in text, f"{leak!r} leaked into {fmt}"
    assert "a sensitive administrative or database port" in text
    assert "(sensitive value)" in text
    # The scrubber never rewrites an address, even one holding a sensitive value.
    assert "aws_vpc.main has no flow log" in text
    assert "aws_vpc.(sensitive value)" not in text


def test_sarif_logical_location_matches_the_message_address(tmp_path: Path, cli) -> None:
    log = cli("check", str(_sensitive_plan(tmp_path)), "--format", "sarif").json()
    for res in log["runs"][0]["results"]:
        assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] in res["message"]["text"]


def test_details_are_scrubbed_like_messages(tmp_path: Path) -> None:
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.runner import run

    class _Leaky(ResourceCheck):
        """A careless rule: puts a raw value into its details, nested."""

        id = "TEST003"
        name = "leaky"
        supported_types = ("aws_db_instance",)

        def scan(self, resource, model):  # type: ignore[no-untyped-def]
            yield Violation(f"{resource.address} leaks", details={"raw": [{"password": resource.get("password")}]})

    builder = PlanBuilder().create("aws_db_instance.db", {"password": "hunter22"}, sensitive=["password"])
    result = run(load_inputs([str(builder.write(tmp_path / "p.json"))]), [_Leaky()])
    assert result.findings[0].details == {"raw": [{"password": "(sensitive value)"}]}


# -- the terminal report beside --output -------------------------------------------------------
def test_color_is_kept_on_the_terminal_when_writing_a_file(tmp_path: Path, cli) -> None:
    path = PlanBuilder().create("aws_ebs_volume.v", {"encrypted": False}).write(tmp_path / "p.json")
    for fmt, name in (("sarif", "out.sarif"), ("text", "out.txt")):
        out = tmp_path / name
        result = cli("check", str(path), "--format", fmt, "--output", str(out), "--color")
        assert "\x1b[" in result.out and "── HIGH" in result.out  # coloured and grouped
        assert "\x1b[" not in out.read_text(encoding="utf-8")  # the file never is
    plain = cli("check", str(path), "--format", "sarif", "--output", str(tmp_path / "o.sarif"), "--no-color")
    assert "\x1b[" not in plain.out and "EBS001" in plain.out


# -- a bug of ours: one line, exit 2 ---------------------------------------------------------------
def test_an_internal_error_is_one_line_and_exit_2(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import natpolicy.loaders.inputs as inputs

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("something\nwent wrong")

    monkeypatch.setattr(inputs, "load_inputs", broken)
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    monkeypatch.delenv("NATPOLICY_DEBUG", raising=False)
    result = cli("check", str(path))
    assert result.code == 2
    assert result.err.splitlines() == [
        "natpolicy: internal error: RuntimeError: something went wrong (this is a natpolicy bug; "
        "set NATPOLICY_DEBUG=1 for the traceback)"]
    monkeypatch.setenv("NATPOLICY_DEBUG", "1")
    with pytest.raises(RuntimeError, match="went wrong"):
        cli("check", str(path))


# -- text report layout --------------------------------------------------------------------------
def test_text_report_sizes_the_rule_column_to_the_longest_id(tmp_path: Path) -> None:
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.outputs import text
    from natpolicy.runner import run

    class _LongId(_AlwaysMedium):
        id = "main/denyhigh"

    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = run(load_inputs([str(path)]), [_LongId(), _AlwaysMedium()])
    lines = text.render(result, width=100).splitlines()
    heads = [line for line in lines if line.startswith(("main/", "TEST"))]
    assert heads == ["TEST002       medium   aws_vpc.a is a vpc", "main/denyhigh medium   aws_vpc.a is a vpc"]
    assert lines[1].startswith(" " * (14 + 9) + "at ")  # the location lines up under the message
    assert lines[-1] == "2 findings (2 medium) in 1 resource checked against 2 rules."


def test_text_summary_counts_in_the_singular(tmp_path: Path) -> None:
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.outputs import text
    from natpolicy.runner import run

    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    assert text.summary_line(run(load_inputs([str(path)]), [_AlwaysMedium()])) == \
        "1 finding (1 medium) in 1 resource checked against 1 rule."
    assert text.summary_line(run(load_inputs([str(path)]), [])) == "No findings: 1 resource checked against 0 rules."
    # An error (exit 2) leaves part of the run unchecked: the last line says so, never a plain "No findings".
    failed = run(load_inputs([str(path)]), [_AlwaysMedium()])
    failed.errors.append("p.rego:3: evaluating data.main.deny failed")
    assert text.summary_line(failed) == \
        "1 finding (1 medium) in 1 resource checked against 1 rule; incomplete: 1 error above."
    failed.findings.clear()
    assert text.summary_line(failed) == \
        "No findings in what was checked: 1 resource checked against 1 rule; incomplete: 1 error above."


def test_the_console_script_flushes_everything_before_its_fast_exit(tmp_path: Path) -> None:
    """`natpolicy` (and `python -m natpolicy`) end with os._exit: nothing written may be lost."""
    plan = PlanBuilder()
    for i in range(300):  # a report far larger than any pipe buffer
        plan.create(f"aws_ebs_volume.v{i}", {"size": 8, "encrypted": False})
    path = plan.write(tmp_path / "plan.json")
    # Buffered streams, as for most users (this machine's CI may set PYTHONUNBUFFERED).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    commands = [[sys.executable, "-m", "natpolicy"]]
    script = Path(sys.executable).with_name("natpolicy")
    if script.is_file():  # the installed console script
        commands.append([str(script)])
    for head in commands:
        run = subprocess.run([*head, "check", str(path), "-f", "sarif", "--also-output", f"json={tmp_path / 'r.json'}"],
                             capture_output=True, text=True, env=env)
        assert run.returncode == 1, run.stderr
        assert len(json.loads(run.stdout)["runs"][0]["results"]) == 300
        assert len(json.loads((tmp_path / "r.json").read_text())["findings"]) == 300
        # `--version` answers with print(), buffered when piped: only the flush saves it.
        version = subprocess.run([*head, "--version"], capture_output=True, text=True, env=env)
        assert (version.returncode, version.stdout) == (0, f"natpolicy {natpolicy.__version__}\n")
    # A reader that stops early (`| head`) gets no traceback either.
    proc = subprocess.Popen([sys.executable, "-m", "natpolicy", "check", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    assert "Traceback" not in proc.stderr.read().decode()
    proc.wait()


def test_the_console_script_runs_with_the_collector_paused_and_main_leaves_it_as_it_was() -> None:
    # run() turns the cyclic collector off for main() and the exit after it (imports and set-up hold no garbage
    # cycles worth collecting, and os._exit frees nothing); main() itself, as in-process callers use it, leaves
    # the collector as it found it.
    probe = """
import gc, natpolicy.cli as cli
real = cli.main
assert real(["--version"]) == 0 and gc.isenabled()
def spy():
    print("collector", "on" if gc.isenabled() else "off")
    return real(["--version"])
cli.main = spy
cli.run()
"""
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    version = f"natpolicy {natpolicy.__version__}"
    assert run.stdout.splitlines() == [version, "collector off", version]


# -- exact usage errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_rego_timeout_must_be_a_positive_finite_number(tmp_path: Path, cli, value: str) -> None:
    path = PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = cli("check", str(path), f"--rego-timeout={value}")
    assert result.code == 2 and "--rego-timeout" in result.err, result.err
    assert result.err.splitlines()[1:] == ["Try 'natpolicy check --help' for help."]


def test_an_empty_path_is_an_error_not_the_current_folder(tmp_path: Path, cli,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    PlanBuilder().create("aws_vpc.a", {}).write(tmp_path / "p.json")
    result = cli("check", "")
    assert result.code == 2 and result.out == "" and "empty path" in result.err and result.err.count("\n") == 2


def test_hcl_syntax_errors_reach_stderr_even_when_quiet(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "bad.tf").write_text('resource "aws_vpc" "x" {\n  cidr = \n', encoding="utf-8")
    result = cli("check", "infra", "-q", "-f", "json", "-o", "report.json")
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines() == ["natpolicy: error: infra/bad.tf:2: syntax error: invalid syntax"]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["errors"] == ["infra/bad.tf:2: syntax error: invalid syntax"]


def test_error_paths_are_the_display_paths_whatever_the_spelling(tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Issue 14: a plan error showed the path as typed, an HCL error the repository-relative one.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "bad.json").write_text("{", encoding="utf-8")
    (tmp_path / "infra" / "main.tf").write_text('resource "x" {\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "infra")
    for spelling in ("bad.json", "./bad.json", str(tmp_path / "infra" / "bad.json"), "../infra/bad.json"):
        result = cli("check", spelling)
        assert result.code == 2 and result.err.startswith("natpolicy: error: infra/bad.json: malformed JSON"), result.err
    assert cli("check", str(tmp_path / "infra" / "nope.json")).err == "natpolicy: error: infra/nope.json: no such file\n"
    assert "natpolicy: error: infra/main.tf:1: syntax error" in cli("check", ".").err
    outside = tmp_path.parent / "elsewhere.json"  # outside the repository: as given
    assert cli("check", str(outside)).err == f"natpolicy: error: {outside}: no such file\n"

