"""Rego from a pull request cannot read the environment, reach the network, hang, exhaust memory or crash the gate.

Every engine call of a run happens in one child process (natpolicy.rego.sandbox).
These tests run real policies through the real engine, with small limits set here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import SLOW_REGO_BODY, CliResult, PlanBuilder

pytest.importorskip("regopy")

from natpolicy.rego.engine import UNDEFINED  # noqa: E402
from natpolicy.rego.engines import installed_engines  # noqa: E402
from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job  # noqa: E402
from natpolicy.rego.loading import read_policy  # noqa: E402
from natpolicy.rego.sandbox import Limits, run_child  # noqa: E402

Cli = Callable[..., CliResult]
V1 = "package main\n\nimport rego.v1\n\n"
SECRET = "s3cr3t-natpolicy-env-value"
FORMATS = ("text", "json", "sarif", "github", "markdown")


def policy(tmp_path: Path, body: str, name: str = "p.rego") -> Path:
    directory = tmp_path / "policy"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(V1 + body, encoding="utf-8")
    return directory


def plan_with_ebs_finding(tmp_path: Path, **after: object) -> Path:
    """A plan with one built-in (Python) finding, EBS001, so a report without it shows it was lost."""
    return (PlanBuilder()
            .create("aws_ebs_volume.data", {"encrypted": False, "size": 10, **after}, unknown=["id"])
            .write(tmp_path / "plan.json"))


def natpolicy(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    # These runs test the sandbox against rego-cpp's failure modes (its crashes, its allocator):
    # regopy, whichever engine is the default; test_rego_engine_choice.py runs regorus end to end.
    engine = ("--rego-engine", "regopy") if args[:1] == ("check",) else ()
    return subprocess.run([sys.executable, "-m", "natpolicy", *args, *engine], capture_output=True, text=True,
                          timeout=120, env=env, **kw)  # type: ignore[call-overload]


def assert_failed_beside_python_findings(proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 2, one error line naming the policy and the cause, the Python findings still reported."""
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["EBS001"]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("natpolicy: error: ")]
    assert len(errors) == 1, proc.stderr
    for text in expected:
        assert text in errors[0], errors[0]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert report["errors"] == [errors[0].removeprefix("natpolicy: error: ")]


# -- 1. no environment, no network -------------------------------------------------------------
@pytest.mark.parametrize("engine", installed_engines())
def test_opa_runtime_has_no_environment_on_any_engine(engine: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Through the engine interface, as every engine runs: a secret in natpolicy's
    # own environment is not in the policy's.
    monkeypatch.setenv("NATPOLICY_TEST_SECRET_TOKEN", SECRET)
    path = tmp_path / "env.rego"
    path.write_text(V1 + "env := opa.runtime().env\nkeys := [k | opa.runtime().env[k]]\n", encoding="utf-8")
    leaked = read_policy(path, "env.rego")
    chosen = PolicySet([leaked], [Query("main", "env", leaked), Query("main", "keys", leaked)])
    outcome = run_child(build_job([chosen], [Plan("plan.json", {}, None)], engine), Limits(timeout=60))
    assert outcome.done, outcome
    assert outcome.values[(0, 0, 0)] in ({}, UNDEFINED)  # regorus has no opa.runtime().env at all
    assert outcome.values[(0, 0, 1)] == []
    assert SECRET not in json.dumps([v for v in outcome.values.values() if v is not UNDEFINED])


def test_a_policy_dumping_the_environment_leaks_nothing_in_any_format(tmp_path: Path) -> None:
    # Issue 13's attack: every variable, reversed so log masking misses it. opa.runtime() is refused before anything
    # runs (guards: no engine answers it as OPA does); the empty environment below that is the test above.
    directory = policy(tmp_path, 'warn contains msg if {\n  some k, v in opa.runtime().env\n'
                                 '  msg := concat("", [k, "=", strings.reverse(v)])\n}\n')
    plan = plan_with_ebs_finding(tmp_path)
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": SECRET, "GITHUB_TOKEN": SECRET}
    for fmt in FORMATS:
        proc = natpolicy("check", str(plan), "--policy", str(directory), "--format", fmt, env=env)
        assert proc.returncode == 2, proc.stderr
        assert "opa.runtime(): " in proc.stderr and "natpolicy refuses it" in proc.stderr
        for text in (proc.stdout, proc.stderr):
            assert SECRET not in text and SECRET[::-1] not in text
            assert "AWS_SECRET_ACCESS_KEY" not in text and "GITHUB_TOKEN" not in text


@pytest.mark.parametrize(("call", "name"), [
    ('_ := http.send({"method": "get", "url": "https://example.com"})', "http.send"),
    ('_ := net.lookup_ip_addr("example.com")', "net.lookup_ip_addr"),
])
def test_network_builtins_are_refused_whatever_the_engine(cli: Cli, tmp_path: Path, call: str, name: str) -> None:
    directory = policy(tmp_path, f'deny contains "x" if {{\n  {call}\n}}\n', "net.rego")
    result = cli("check", str(plan_with_ebs_finding(tmp_path)), "--policy", str(directory), "--format", "sarif")
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert "\n" not in line
    assert f"net.rego:6:{3 + call.index(name)}: {name} reaches the network" in line, line


# -- 2. limits: memory, time, crashes -----------------------------------------------------------------
@pytest.mark.parametrize("body", [
    # numbers.range(1, 2e9): an array of two billion numbers.
    'deny contains "x" if {\n  count(numbers.range(1, 2000000000)) > 0\n}\n',
    # concat doublings: 2^30 characters and more.
    ('deny contains "x" if {\n  s := concat("", [input.resource_changes[0].address | some _ in numbers.range(1, 4)])\n'
     '  t := concat("", [u | some _ in numbers.range(1, 100000); u := s])\n'
     '  v := concat("", [w | some _ in numbers.range(1, 100000); w := t])\n  count(v) > 0\n}\n'),
    # walk() over a value whose paths grow quadratically with its depth.
    ('deny contains "x" if {\n  deep := json.unmarshal(concat("", [concat("", ["[" | some _ in numbers.range(1, 3000)]), '
     'concat("", ["]" | some _ in numbers.range(1, 3000)])]))\n  count([p | walk(deep, [p, _])]) > 0\n}\n'),
])
def test_memory_bombs_stop_at_the_memory_limit(tmp_path: Path, body: str) -> None:
    directory = policy(tmp_path, body, "bomb.rego")
    proc = natpolicy("check", str(plan_with_ebs_finding(tmp_path)), "--policy", str(directory), "--format", "json",
                     "--rego-memory", "256", "--rego-timeout", "60")
    assert_failed_beside_python_findings(proc, "bomb.rego:5: evaluating data.main.deny (1/1) on ",
                                         "was stopped: the Rego engine used more than --rego-memory 256 MiB",
                                         "raise the limit with --rego-memory MIB")


def test_a_nested_json_text_that_crashes_the_engine_is_one_line(tmp_path: Path) -> None:
    # rego-cpp's json.unmarshal recurses once per level: 100,000 levels overflow its stack (SIGSEGV).
    plan = plan_with_ebs_finding(tmp_path, tags={"doc": "[" * 100_000 + "]" * 100_000})
    directory = policy(tmp_path, 'deny contains msg if {\n  some rc in input.resource_changes\n'
                                 '  msg := json.marshal(json.unmarshal(rc.change.after.tags.doc))\n}\n', "parse.rego")
    proc = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json")
    assert_failed_beside_python_findings(proc, "parse.rego:5: evaluating data.main.deny (1/1)",
                                         "crashed the Rego engine (SIGSEGV)")


@pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")
def test_the_engines_last_words_before_a_crash_are_not_called_print_output(tmp_path: Path) -> None:
    # rego-cpp 1.5.2 aborts while compiling a call of a rule that is no function (SIGABRT, measured). natpolicy
    # refuses that call on regopy before the engine sees it (regopy_rule_calls), so the crash is reached here
    # through the child alone, past the guards: what rego-cpp wrote on the way out shares the stream of print(),
    # so the notes label it as either.
    from natpolicy.model import ResourceModel
    from natpolicy.rego.printed_notes import printed_notes
    from natpolicy.runner import Scrubber

    body = 'r := [1] if input.a\nelse := [1, 2]\n\nhelper if { r(1) }\n\ndeny contains "x" if helper\n'
    directory = policy(tmp_path, body, "abort.rego")
    crashing = read_policy(directory / "abort.rego", "abort.rego")
    chosen = PolicySet([crashing], [Query("main", "deny", crashing)])
    outcome = run_child(build_job([chosen], [Plan("plan.json", {}, None)], "regopy"), Limits(timeout=60))
    assert outcome.stopped == "crash" and "SIGABRT" in outcome.detail, outcome
    notes = printed_notes(outcome.printed, outcome.printed_dropped, Scrubber(ResourceModel([])),
                           "Rego print() or the engine before it crashed")
    assert any(n.startswith("Rego print() or the engine before it crashed: terminate called") for n in notes), notes
    # Through the CLI the same policy is one line naming the call, and no process dies.
    proc = natpolicy("check", str(plan_with_ebs_finding(tmp_path)), "--policy", str(directory), "--format", "json",
                     "--rego-engine", "regopy")
    assert proc.returncode == 2 and "regopy 1.5.2 aborts the process compiling such a call" in proc.stderr
    assert "abort.rego:8:" in proc.stderr and "crashed the Rego engine" not in proc.stderr, proc.stderr


def test_the_timeout_covers_the_whole_stage_not_only_queries(tmp_path: Path) -> None:
    directory = policy(tmp_path, 'deny contains "x" if {\n' + SLOW_REGO_BODY + '}\n', "slow.rego")
    plan = plan_with_ebs_finding(tmp_path)
    slow = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json", "--rego-timeout", "2.5")
    assert_failed_beside_python_findings(slow, "slow.rego:5: evaluating data.main.deny (1/1)",
                                         "ran longer than --rego-timeout 2.5 s",
                                         "starting the engine, loading, compiling and evaluating")
    # A limit shorter than starting the engine stops it there, before any query.
    start = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json", "--rego-timeout", "0.001")
    assert_failed_beside_python_findings(start, "was stopped: Rego ran longer than --rego-timeout 0.001 s")
    assert "data.main.deny" not in start.stderr


def test_twins_that_fail_leave_the_python_rules_findings(tmp_path: Path) -> None:
    proc = natpolicy("check", str(plan_with_ebs_finding(tmp_path)), "--engine", "rego", "--format", "json",
                     "--rego-timeout", "0.001")
    assert_failed_beside_python_findings(proc, "--rego-timeout 0.001 s")
    assert "the built-in rules ran as Python checks, because Rego failed" in json.loads(proc.stdout)["notes"]


def test_a_value_nested_900_deep_is_one_input_error_line(tmp_path: Path) -> None:
    plan = plan_with_ebs_finding(tmp_path)
    # Written as text: building the value in Python would meet the recursion limit first.
    text = plan.read_text(encoding="utf-8").replace('"size": 10', '"deep": ' + "[" * 900 + "]" * 900 + ', "size": 10', 1)
    assert text.count("[" * 900) == 1
    plan.write_text(text, encoding="utf-8")
    # The policy reads the sections the value may be in: the engine is sent only what a policy can read
    # (natpolicy.rego.input_keys), and the first "size" is in one of these.
    directory = policy(tmp_path, 'deny contains "x" if count(input.resource_changes) + count(input.planned_values) > 0\n')
    for args in (("--policy", str(directory)), ("--engine", "rego")):
        proc = natpolicy("check", str(plan), *args, "--format", "json")
        assert_failed_beside_python_findings(proc, "plan.json: a value is nested more than 256 levels deep")


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS behaviour measured on Linux")
def test_an_address_space_limit_never_takes_the_python_findings_down(tmp_path: Path) -> None:
    import resource

    directory = policy(tmp_path, 'deny contains "x" if true\n')
    plan = plan_with_ebs_finding(tmp_path)
    limit = 3 * 2**30

    def soft_only() -> None:  # `ulimit -S -v`: the engine's process lifts it to the hard maximum
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))

    def hard() -> None:  # `ulimit -v`: nothing can lift it; the engine aborts as it starts
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    lifted = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json", preexec_fn=soft_only)
    assert lifted.returncode == 1, lifted.stderr
    assert sorted(f["rule_id"] for f in json.loads(lifted.stdout)["findings"]) == ["EBS001", "main/deny"]
    aborted = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json", preexec_fn=hard)
    assert_failed_beside_python_findings(aborted, "rego: starting the Rego engine failed (SIGABRT)", "ulimit -v")


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1"])
def test_rego_timeout_must_be_a_positive_number(cli: Cli, tmp_path: Path, value: str) -> None:
    result = cli("check", str(plan_with_ebs_finding(tmp_path)), "--engine", "rego", "--rego-timeout", value)
    assert result.code == 2 and "--rego-timeout" in result.err


# -- 4. print() output: a note like every other, scrubbed and escaped ---------------------------------
def test_print_output_is_a_scrubbed_escaped_note_never_raw_output(tmp_path: Path) -> None:
    plan = (PlanBuilder().create("aws_db_instance.db", {"password": "hunter2-secret", "engine": "postgres"},
                                 sensitive=["password"], unknown=["id"]).write(tmp_path / "plan.json"))
    directory = policy(tmp_path, 'deny contains "x" if {\n  some rc in input.resource_changes\n'
                                 '  print("pw", rc.change.after.password)\n'
                                 '  print("\\n::error file=x::forged\\u001b]0;title\\u0007")\n}\n')
    proc = natpolicy("check", str(plan), "--policy", str(directory), "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    notes = [n["message"]["text"] for n in json.loads(proc.stdout)["runs"][0]["invocations"][0]
             ["toolExecutionNotifications"]]
    assert "Rego print(): pw (sensitive value)" in notes
    # rego-cpp prints strings in their JSON-escaped form: no raw newline or escape survives.
    assert "Rego print(): \\n::error file=x::forged\\u001b]0;title\\u0007" in notes
    for text in (proc.stdout, proc.stderr):
        assert "hunter2-secret" not in text and "\x1b" not in text
    assert "forged" not in proc.stderr
    github = natpolicy("check", str(plan), "--policy", str(directory), "--format", "github")
    assert not [line for line in github.stdout.splitlines() if line.startswith("::error file=x")]


def test_print_output_is_bounded(tmp_path: Path) -> None:
    directory = policy(tmp_path, 'deny contains "x" if {\n  some i in numbers.range(1, 5000)\n'
                                 '  print(i, "-----------------------------------------------------------")\n}\n')
    proc = natpolicy("check", str(plan_with_ebs_finding(tmp_path)), "--policy", str(directory), "--format", "json")
    notes = [n for n in json.loads(proc.stdout)["notes"] if n.startswith("Rego print():")]
    assert len(notes) == 51
    assert notes[-1].endswith("byte(s) not shown") and "more line(s)" in notes[-1]


def test_raw_control_characters_in_engine_output_are_made_visible() -> None:
    # An engine that printed raw bytes (rego-cpp escapes strings, another might not).
    from natpolicy.model import ResourceModel
    from natpolicy.rego.printed_notes import printed_notes
    from natpolicy.runner import Scrubber

    notes = printed_notes(b"a\x1b]0;title\x07b\r::warning::x\xe2\x80\xa8y\n", 0, Scrubber(ResourceModel([])))
    assert notes == ["Rego print(): a\\x1b]0;title\\x07b\\x0d::warning::x\\u2028y"]


def test_a_lone_surrogate_in_a_plan_is_one_line_naming_the_plan(tmp_path: Path) -> None:
    # The plan loader refuses it before any engine sees it (it would crash the engine's conversion).
    plan = plan_with_ebs_finding(tmp_path, tags={"Name": "x"})
    plan.write_text(plan.read_text(encoding="utf-8").replace('"Name": "x"', '"Name": "\\ud800"'), encoding="utf-8")
    directory = policy(tmp_path, 'deny contains "x" if true\n')
    proc = natpolicy("check", str(plan), "--policy", str(directory), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    [error] = [line for line in proc.stderr.splitlines() if line.startswith("natpolicy: error: ")]
    assert "plan.json" in error and "surrogate" in error, error


def test_results_larger_than_a_quarter_of_the_memory_limit_are_stopped(tmp_path: Path) -> None:
    # Every answer is kept until the run ends: their sum is bounded too, not only the engine's memory.
    rules = "".join(f"deny_{i} contains big if true\n" for i in range(8))
    directory = policy(tmp_path, 'mb := concat("", ["0123456789abcdef" | some _ in numbers.range(1, 65536)])\n'
                                 'big := concat("", [mb | some _ in numbers.range(1, 20)])\n' + rules, "big.rego")
    proc = natpolicy("check", str(plan_with_ebs_finding(tmp_path)), "--policy", str(directory), "--format", "json",
                     "--rego-memory", "400")
    assert_failed_beside_python_findings(proc, "big.rego:", "results passed 100 MiB (a quarter of --rego-memory)")
