"""The checking process does its Rego work once: a plan read once (the bytes the Rego side read and checked go on
to the plan loader and, as they are, to the engine's child), and no engine library loaded that it does not use."""
from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult, PlanBuilder
from natpolicy.errors import InputError
from natpolicy.loaders.inputs import load_inputs
from natpolicy.rego.inputs import set_aside

Cli = Callable[..., CliResult]
POLICY = """package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	not rc.change.after.tags.Owner
	msg := sprintf("%s has no Owner tag", [rc.address])
}
"""


def _plan(path: Path, *addresses: str) -> Path:
    builder = PlanBuilder()
    for address in addresses:
        builder.create(address, {"ami": "ami-1", "tags": {}}, unknown=["id"])
    return builder.write(path)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each file was read whole (natpolicy.loaders.plan_text.read_bytes reads through Path.read_bytes)."""
    counts: dict[str, int] = {}
    real = pathlib.Path.read_bytes

    def counting(self: pathlib.Path) -> bytes:
        counts[self.name] = counts.get(self.name, 0) + 1
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counting)
    return counts


@pytest.mark.parametrize("spelled", ["{dir}/plan.json", "{dir}/./plan.json", "{dir}/sub/../plan.json"])
def test_a_plan_checked_by_a_policy_is_read_from_disk_once(cli: Cli, tmp_path: Path, reads: dict[str, int],
                                                           spelled: str) -> None:
    pytest.importorskip("regorus")
    plan = _plan(tmp_path / "plan.json", "aws_instance.web")
    (tmp_path / "sub").mkdir()
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "p.rego").write_text(POLICY, encoding="utf-8")
    reads.clear()
    # However the path is spelled, the Rego side finds the text it read under the loader's name for the file.
    result = cli("check", spelled.format(dir=tmp_path), "--policy", str(policy), "--format", "json",
                 "--rego-engine", "regorus")
    assert result.code == 1, result.err
    assert [f["message"] for f in result.json()["findings"] if f["rule_id"] == "main/deny"] == [
        "aws_instance.web has no Owner tag"]
    assert reads["plan.json"] == 1
    # Without a policy the loader reads it itself, once, as always.
    reads.clear()
    assert cli("check", str(plan), "--format", "json").code in (0, 1)
    assert reads["plan.json"] == 1


def test_set_aside_keeps_the_bytes_of_plans_only(tmp_path: Path) -> None:
    plan = _plan(tmp_path / "plan.json", "aws_instance.web")
    (tmp_path / "state.json").write_text('{"kind": "Service"}', encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"resource_changes": [', encoding="utf-8")
    (tmp_path / "doc.yaml").write_text("kind: Service\n", encoding="utf-8")
    paths = [str(plan), str(tmp_path / "state.json"), str(tmp_path / "broken.json"), str(tmp_path / "doc.yaml")]
    aside = set_aside(paths, staged=False)
    # Keyed as the plan loader names its targets; a non-plan document or a broken file is not handed on.
    assert aside.plan_bytes == {str(plan): plan.read_bytes()}
    assert aside.loader_paths == [str(plan), str(tmp_path / "broken.json")]


def test_the_plan_loader_decodes_the_bytes_handed_to_it(tmp_path: Path, reads: dict[str, int]) -> None:
    on_disk = _plan(tmp_path / "plan.json", "aws_instance.on_disk")
    handed = _plan(tmp_path / "other.json", "aws_instance.handed").read_bytes()
    reads.clear()
    given = {str(on_disk): handed}
    model = load_inputs([str(on_disk)], plan_bytes=given)
    assert [r.address for r in model.resources] == ["aws_instance.handed"]
    assert given == {} and "plan.json" not in reads  # taken out as it was read: not kept for the run
    # Bytes for another path are not this plan's: the loader reads the file.
    model = load_inputs([str(on_disk)], plan_bytes={str(tmp_path / "elsewhere.json"): handed})
    assert [r.address for r in model.resources] == ["aws_instance.on_disk"]
    assert reads["plan.json"] == 1


def test_handed_bytes_that_are_no_plan_give_the_loaders_own_error(tmp_path: Path) -> None:
    path = _plan(tmp_path / "plan.json", "aws_instance.web")
    with pytest.raises(InputError) as handed:
        load_inputs([str(path)], plan_bytes={str(path): b'{"resource_changes": ['})
    path.write_bytes(b'{"resource_changes": [')
    with pytest.raises(InputError) as read:
        load_inputs([str(path)])
    assert str(handed.value) == str(read.value) and "malformed JSON" in str(read.value)


def test_a_plain_utf8_plan_goes_to_the_child_as_the_bytes_read_not_encoded_again(tmp_path: Path) -> None:
    pytest.importorskip("msgspec")  # the fast check decides that the bytes are the text's own UTF-8
    from natpolicy.rego.inputs import policy_documents
    from natpolicy.rego.plan_bytes import read_plan
    from natpolicy.rego.sandbox import job_payload

    plan = _plan(tmp_path / "plan.json", "aws_instance.caf\u00e9")
    aside = set_aside([str(plan)], staged=False)
    [doc] = policy_documents([str(plan)], aside, twins=False, staged=False, stdin=None)
    assert doc.utf8 is not None and doc.utf8 is aside.plan_bytes[str(plan)]  # the very object read
    assert doc.utf8 == doc.text.encode("utf-8") if doc.text is not None else False
    job = {"plans": [{"origin": doc.origin, "text": doc.text, "utf8": doc.utf8, "data": None}]}
    head, sent = job_payload(job)
    assert sent is doc.utf8 and b'"utf8"' not in head and b"text_bytes" in head
    # Without the bytes (a plan given as text alone), the text is encoded: the same bytes.
    assert job_payload({"plans": [{"origin": doc.origin, "text": doc.text, "data": None}]})[1] == doc.utf8
    # A byte-order mark, or JSON the fast check leaves to the reference decode: the text only, as before.
    text = doc.text or ""
    assert read_plan(b"\xef\xbb\xbf" + text.encode("utf-8"), "p").utf8 is None
    assert read_plan(text.encode("utf-16"), "p").utf8 is None
    assert read_plan(b'{"format_version": "1.2", "x": "\\ud83d\\ude00"}', "p").utf8 is None
    without_policy = policy_documents([str(plan)], None, twins=True, staged=False, stdin=None)
    assert [d.utf8 for d in without_policy] == [plan.read_bytes()]


@pytest.mark.parametrize(("error", "limit"), [({"kind": "runtime", "code": "timeout_error", "message": "x"}, True),
                                              ({"kind": "runtime", "message": "Statement count exceeded"}, True),
                                              ({"kind": "runtime", "message": "undefined function"}, False)])
def test_regopys_statement_limit_is_named_from_its_module(tmp_path: Path, error: dict[str, str], limit: bool) -> None:
    # evaluate.py imports engine_regopy only on this error path (the checking process never loads it otherwise).
    from natpolicy.rego.engine_regopy import STATEMENT_LIMIT
    from natpolicy.rego.evaluate import PolicySet, Query
    from natpolicy.rego.loading import read_policy

    (tmp_path / "p.rego").write_text(POLICY, encoding="utf-8")
    policy = read_policy(tmp_path / "p.rego", "p.rego")
    problem = str(PolicySet([policy], [Query("main", "deny", policy)]).problem(error))
    assert (f"hit rego-cpp's limit of {STATEMENT_LIMIT:,} statements per query" in problem) is limit
    assert problem.startswith("p.rego:5: evaluating data.main.deny")


def test_the_sections_a_policy_reads_go_to_the_pipe_as_the_plans_own_pieces_not_joined(tmp_path: Path) -> None:
    """The engine's text of a plan cut to the sections its policies read (stage._engine_text) is sent as the raw
    values' own buffers one after the other, never joined into a new copy in this process first."""
    pytest.importorskip("msgspec")
    from natpolicy.rego.inputs import policy_documents
    from natpolicy.rego.plan_bytes import sections_parts
    from natpolicy.rego.sandbox import job_payload
    from natpolicy.rego.stage import _engine_text

    plan = _plan(tmp_path / "plan.json", "aws_instance.a", "aws_instance.b")
    aside = set_aside([str(plan)], staged=False)
    [doc] = policy_documents([str(plan)], aside, twins=False, staged=False, stdin=None)
    keys = frozenset({"resource_changes", "format_version"})
    sent = _engine_text(doc, keys)
    head, *pieces = job_payload({"plans": [{"origin": doc.origin, "text": None, "utf8": sent, "data": None}]})
    assert any(piece is doc.sections["resource_changes"] for piece in pieces)  # the plan's own raw value
    text = b"".join(bytes(piece) for piece in pieces)
    assert text == b"".join(sections_parts(doc.sections, keys))
    assert json.loads(head)["plans"][0]["text_bytes"] == len(text)
    # Run in process (no pipe), the pieces are the same text.
    from natpolicy.rego.child import _plan_text

    job_plan = {"origin": doc.origin, "text": None, "utf8": sent, "data": None}
    assert _plan_text(job_plan) == text.decode("utf-8") and job_plan["text_utf8"] == text
