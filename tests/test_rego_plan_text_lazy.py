"""A plain plan's JSON text is decoded only where something reads it (``plan_bytes.PlanRead.text``).

The Rego stage sends the engine's child the file's own bytes (or the sections the policies can read), so a
run whose policies read neither ``data.natpolicy`` nor ``--combine``'s document never needs the plan as a
``str``: decoding it was about 12 ms of CPU for the 20 MB of the 10k plan. What reads it still gets the same
text, and every answer is the same.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from natpolicy.rego.child import evaluate_job
from natpolicy.rego.engines import create_engine, installed_engines
from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job
from natpolicy.rego.inputs import policy_documents
from natpolicy.rego.loading import read_policy
from natpolicy.rego.plan_bytes import read_plan

PLAN = FIXTURES / "plans" / "nat-deleted.json"
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	msg := sprintf("%s changes", [rc.address])
}
"""
# The CLI in this process, with PlanRead.text counting its reads (a property over the cached one).
COUNT_TEXT_READS = (
    "import sys\n"
    "from natpolicy.rego import plan_bytes\n"
    "reads = []\n"
    "lazy = plan_bytes.PlanRead.text\n"
    "def text(self):\n"
    "    reads.append(1)\n"
    "    return lazy.__get__(self, type(self))\n"
    "plan_bytes.PlanRead.text = property(text)\n"
    "from natpolicy import cli\n"
    "code = cli.main(sys.argv[1:])\n"
    "print('@@', code, len(reads))\n"
)


def test_a_plain_plan_is_read_without_its_text_and_decodes_the_same_when_asked() -> None:
    data = PLAN.read_bytes()
    read = read_plan(data, "plan.json")
    assert read.decoded is None and read.utf8 is data
    assert "text" not in vars(read)  # not decoded yet
    assert read.text == data.decode("utf-8")
    assert read.text is read.text  # decoded once


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf" + PLAN.read_bytes(),  # a byte-order mark: decoded the loader's way
                                  # a surrogate pair's escape: the reference decode reads the plan
                                  PLAN.read_bytes().replace(b"{", b'{"x": "\\ud83d\\ude00", ', 1)])
def test_text_a_decode_made_already_is_kept(data: bytes) -> None:
    read = read_plan(data, "plan.json")
    assert read.decoded is not None and read.utf8 is None
    assert read.text is read.decoded
    assert read.text == data.decode("utf-8-sig")


def test_documents_hand_the_plan_over_undecoded() -> None:
    [doc] = policy_documents([str(PLAN)], None, twins=False, staged=False, stdin=None)
    assert doc.plan and doc.utf8 == PLAN.read_bytes() and doc.read is not None
    assert "text" not in vars(doc.read)
    assert doc.text == PLAN.read_text(encoding="utf-8")  # what --combine and data.natpolicy read


def _run(tmp_path: Path, *extra: str) -> tuple[str, dict[str, object]]:
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "p.rego").write_text(POLICY, encoding="utf-8")
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-c", COUNT_TEXT_READS, "check", str(PLAN), "--policy",
                           str(tmp_path / "policy"), "--format", "json", "--output", str(out), "--no-progress",
                           *extra], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@ ")]
    assert lines, done.stderr
    return lines[0], json.loads(out.read_text(encoding="utf-8"))


def test_a_policy_run_never_decodes_the_plan(tmp_path: Path) -> None:
    line, report = _run(tmp_path)
    assert line == "@@ 1 0", report  # 1: the policy's findings were reported; 0: the text was never read
    assert "data.main.deny" in json.dumps(report)


def test_combine_reads_the_text_and_answers_the_same(tmp_path: Path) -> None:
    # --combine's document holds the plan as Python values: the text is decoded then (the test sees it read).
    line, report = _run(tmp_path, "--combine")
    assert line.startswith("@@ 1 ") and line != "@@ 1 0", report


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")
def test_a_job_run_in_process_reads_a_plan_given_as_utf8_alone() -> None:
    policy = read_policy(Path("p.rego"), "p.rego", POLICY)
    queries = [Query("main", "deny", policy)]

    def answers(plan: Plan) -> list[dict[str, object]]:
        events: list[dict[str, object]] = []
        job = build_job([PolicySet([policy], queries, undefined_builtin_errors=True)], [plan], "regorus")
        evaluate_job(create_engine("regorus"), job, events.append)
        return events

    text = PLAN.read_text(encoding="utf-8")
    given_text, given_utf8 = answers(Plan("plan.json", None, None, text)), answers(
        Plan("plan.json", None, None, None, text.encode("utf-8")))
    assert given_utf8 == given_text
    assert any(e.get("value") for e in given_text)


@pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")
@pytest.mark.parametrize("address", ["aws_instance.big", "aws_instance.caf\u00e9"])
def test_the_child_decodes_an_ascii_plan_it_cuts_for_regorus_never_and_answers_the_same(
        address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # read_job keeps an ASCII plan's bytes undecoded: regorus gets it cut to what the policy reads (input_pruning,
    # from 1 MiB), so its whole text is never a str in the child. A plan with any other character is decoded there.
    import io

    from natpolicy.rego import regorus_input
    from natpolicy.rego.child import read_job
    from natpolicy.rego.input_pruning import PRUNE_FROM_CHARS
    from natpolicy.rego.sandbox import job_payload

    resources = [{"address": f"aws_instance.r{i}", "type": "aws_instance", "change": {"after": {"pad": "x" * 200}}}
                 for i in range(PRUNE_FROM_CHARS // 200)]
    resources.append({"address": address, "type": "aws_instance", "change": {"after": {}}})
    text = json.dumps({"format_version": "1.2", "resource_changes": resources}, ensure_ascii=False)
    policy = read_policy(Path("p.rego"), "p.rego", POLICY)
    job = build_job([PolicySet([policy], [Query("main", "deny", policy)], undefined_builtin_errors=True)],
                    [Plan("plan.json", None, None, text)], "regorus")
    sent = read_job(io.BytesIO(b"".join(bytes(part) for part in job_payload(job))))
    ascii_only = text.isascii()
    assert (sent["plans"][0]["text"] is None) is ascii_only
    prepared: list[regorus_input.PreparedInput] = []
    real = regorus_input.prepared_input

    def keep(text: str | None, utf8: bytes | None = None) -> regorus_input.PreparedInput:
        prepared.append(real(text, utf8))
        return prepared[-1]

    engine = create_engine("regorus")
    from natpolicy.rego import engine_regorus

    monkeypatch.setattr(engine_regorus, "prepared_input", keep)
    events: list[dict[str, object]] = []
    evaluate_job(engine, sent, events.append)
    monkeypatch.undo()
    assert [p.text is None for p in prepared] == [ascii_only]
    whole: list[dict[str, object]] = []
    evaluate_job(create_engine("regorus"), build_job(
        [PolicySet([policy], [Query("main", "deny", policy)], undefined_builtin_errors=True)],
        [Plan("plan.json", None, None, text)], "regorus"), whole.append)
    assert events == whole and len(next(e["value"] for e in events if "value" in e)) == len(resources)
