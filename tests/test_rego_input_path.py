"""The plan reaches the Rego engine as the text Terraform wrote: read once, never rebuilt or re-serialised.

natpolicy.rego.plan_bytes checks the plan without building it, sandbox.job_payload
sends its bytes after the job (not inside its JSON), child.read_job reads them
back, and regorus' prepare_input_json hands the text to set_input_json as it
is. Here the whole path runs in one process, with counting hooks on the JSON
module and on the engine, so a round trip through Python objects would show.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, PlanBuilder

pytest.importorskip("regorus")

from natpolicy.rego import sandbox  # noqa: E402
from natpolicy.rego.child import read_job  # noqa: E402
from natpolicy.rego.engine_regorus import INPUT_DEPTH_LIMIT, RegorusEngine  # noqa: E402
from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job, interpret  # noqa: E402
from natpolicy.rego.loading import read_policy  # noqa: E402
from natpolicy.rego.sandbox import Limits, Outcome, job_payload, run_in_process, text_depth_over  # noqa: E402

Cli = Callable[..., CliResult]
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_instance"
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""


class CountingRegorus(RegorusEngine):
    """regorus, recording how each input reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[tuple[str, Any]] = []

    def prepare_input(self, document: Any) -> Any:
        self.inputs.append(("value", document))
        return super().prepare_input(document)

    def prepare_input_json(self, text: str | None, utf8: bytes | None = None) -> Any:
        # An ASCII text comes as its bytes alone (child.read_job): the same text, not decoded in the child.
        self.inputs.append(("text", text if text is not None else utf8.decode("utf-8") if utf8 is not None else None))
        return super().prepare_input_json(text, utf8)


def _plan(tmp_path: Path, name: str = "plan.json", encoding: str = "utf-8") -> tuple[Path, bytes]:
    builder = (PlanBuilder()
               .create("aws_instance.web", {"ami": "ami-1", "tags": {"Name": "caf\u00e9 \u2713"}})
               .create("aws_instance.db", {"ami": "ami-2", "tags": {"Owner": "team"}}))
    # Terraform's own layout would not survive a round trip: an odd indent, a key order json would keep,
    # a non-ASCII character json.dumps would escape, a number it would rewrite.
    text = builder.dumps(indent=3).replace('"format_version": "1.2"', '"format_version": "1.2", "weight": 1E2', 1)
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path, text.encode("utf-8")


def _policy(tmp_path: Path) -> Path:
    directory = tmp_path / "policy"
    directory.mkdir()
    (directory / "policy.rego").write_text(POLICY, encoding="utf-8")
    return directory


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Count every JSON (de)serialisation of a plan, and run the child's side in this process."""
    seen: dict[str, Any] = {"dumps": 0, "loads": 0, "payloads": [], "engine": None}
    real_dumps, real_loads = json.dumps, json.loads

    def dumps(value: Any, *args: Any, **kw: Any) -> str:
        if isinstance(value, dict) and "resource_changes" in value:
            seen["dumps"] += 1
        return real_dumps(value, *args, **kw)

    def loads(text: str | bytes, *args: Any, **kw: Any) -> Any:
        if (b'"resource_changes"' if isinstance(text, bytes) else '"resource_changes"') in text:
            seen["loads"] += 1
        return real_loads(text, *args, **kw)

    class InProcessChild:
        """sandbox.RunningChild's part, with the child's side run here on the bytes it would read."""

        def __init__(self, job: dict[str, Any], limits: Limits, spawned: Any = None) -> None:
            # The process spawned ahead for the run (sandbox.Spawned) is not taken: the run ends it.
            payload = job_payload(job)
            seen["payloads"].append(payload)
            engine = seen["engine"] = CountingRegorus()
            self.outcome = run_in_process(engine, read_job(io.BytesIO(b"".join(payload))))

        def wait(self, on_stage: Any = None) -> Outcome:
            return self.outcome

        def stop(self) -> None:
            pass

    monkeypatch.setattr(json, "dumps", dumps)
    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(sandbox, "RunningChild", InProcessChild)
    return seen


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_plan_reaches_regorus_as_terraform_wrote_it(cli: Cli, tmp_path: Path, counted: dict[str, Any],
                                                        encoding: str) -> None:
    pytest.importorskip("msgspec")  # without it the plan loader itself parses with json.loads
    plan, text = _plan(tmp_path, encoding=encoding)
    counted.update(dumps=0, loads=0)  # writing the plan here is no part of the run
    result = cli("check", str(plan), "--policy", str(_policy(tmp_path)), "--format", "json", "--rego-engine",
                 "regorus")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if f["rule_id"] == "main/deny"] == [
        "aws_instance.web has no Owner tag"]
    [payload] = counted["payloads"]
    loads = counted["loads"]  # before this test's own json.loads below
    assert b"ami-1" not in payload[0]
    if encoding == "utf-8":
        # The plan travels as its own bytes after the job line, cut down to the one section the policy can
        # read (natpolicy.rego.input_keys): that section's text is the file's, character for character, sent in
        # pieces (the section's own raw value among them: plan_bytes.sections_parts) ...
        sent = b"".join(bytes(piece) for piece in payload[1:])
        prefix = b'{"resource_changes":'
        assert sent.startswith(prefix) and sent.endswith(b"}")
        assert sent[len(prefix):-1] in text
        assert json.loads(sent) == {"resource_changes": json.loads(text)["resource_changes"]}
    else:
        # ... UTF-16 decoded as the loader decodes it, whole (no section is cut out of a re-encoded text) ...
        assert payload[1:] == [text]
        sent = text
    # ... and the engine gets that text, not a value written again.
    assert counted["engine"].inputs == [("text", sent.decode("utf-8"))]
    assert counted["dumps"] == 0
    if encoding == "utf-8":
        assert loads == 0  # the plan loader reads a UTF-16 plan with json.loads, for its own model


def test_other_documents_still_reach_the_engine_as_values(cli: Cli, tmp_path: Path,
                                                          counted: dict[str, Any]) -> None:
    (tmp_path / "service.yaml").write_text("kind: Service\nmetadata:\n  name: web\n", encoding="utf-8")
    directory = tmp_path / "policy"
    directory.mkdir()
    (directory / "p.rego").write_text('package main\n\nimport rego.v1\n\ndeny contains input.kind if input.kind\n',
                                      encoding="utf-8")
    result = cli("check", str(tmp_path / "service.yaml"), "--policy", str(directory), "--format", "json",
                 "--rego-engine", "regorus")
    assert result.code == 1, result.err
    assert counted["engine"].inputs == [("value", {"kind": "Service", "metadata": {"name": "web"}})]


def _one_rule_set() -> PolicySet:
    policy = read_policy(Path("p.rego"), "p.rego", 'package main\n\nimport rego.v1\n\ndeny contains "x" if true\n')
    return PolicySet([policy], [Query("main", "deny", policy)])


@pytest.mark.parametrize(("depth", "limit", "engine_named"), [
    (INPUT_DEPTH_LIMIT + 1, INPUT_DEPTH_LIMIT, True),  # over regorus' own limit only: named as its limit
    (300, 256, False),  # over natpolicy's limit for every engine: the same line as before
])
def test_a_plan_text_too_deep_for_the_engine_is_one_line(depth: int, limit: int, engine_named: bool) -> None:
    inner = depth - 1  # the plan's own object is the first level
    text = '{"format_version": "1.2", "resource_changes": [], "deep": ' + "[" * inner + "]" * inner + "}"
    assert text_depth_over(text, depth - 1) and not text_depth_over(text, depth)
    chosen = _one_rule_set()
    plans = [Plan("deep.json", None, None, text)]
    outcome = run_in_process(RegorusEngine(), build_job([chosen], plans, "regorus"))
    with pytest.raises(Exception, match=f"nested more than {limit} levels deep") as caught:
        interpret(outcome, [chosen], plans, Limits(), "regorus")
    assert str(caught.value).startswith("deep.json: ")
    assert ("the regorus engine" in str(caught.value)) is engine_named


def test_text_depth_ignores_brackets_inside_strings() -> None:
    text = json.dumps({"a": ["[[[[{{{{", "\\\"[[[", {"b": "]]]]"}]})
    assert not text_depth_over(text, 3)
    assert text_depth_over(text, 2)


def test_data_natpolicy_reads_the_change_keys_without_the_whole_plan() -> None:
    pytest.importorskip("msgspec")
    from natpolicy.rego.plan_bytes import change_keys

    plan = (PlanBuilder().create("aws_instance.a", {"ami": "x"})
            .replace("aws_instance.b", {"ami": "1"}, {"ami": "2"}).build())
    plan["resource_changes"].append({"address": "aws_instance.b", "deposed": "00aa", "change": {"actions": ["delete"]}})
    keys = change_keys(json.dumps(plan))
    assert keys == {"resource_changes": [{"address": rc.get("address"), "deposed": rc.get("deposed")}
                                         for rc in plan["resource_changes"]]}
    assert change_keys('{"format_version": "1.2"}') == {}
    # Another shape is the whole plan's to say: the caller parses it instead.
    assert change_keys('{"resource_changes": [1]}') is None
    assert change_keys('{"resource_changes": {"a": 1}}') is None
