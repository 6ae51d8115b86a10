"""The benchmark plan generator and measuring harness (never timings: those live in benchmarks/)."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate_plan  # noqa: E402
import measure  # noqa: E402
import same_outputs  # noqa: E402
from natpolicy import registry  # noqa: E402
from natpolicy.loaders.plan_json import check_is_plan, plan_resources  # noqa: E402
from natpolicy.model import ResourceModel  # noqa: E402
from natpolicy.runner import run  # noqa: E402


def _findings(doc: dict[str, Any]) -> Counter[str]:
    # A JSON round trip: the checker must see exactly what the file holds.
    doc = json.loads(json.dumps(doc))
    check_is_plan(doc, "generated.json")
    model = ResourceModel(plan_resources(doc, origin="generated.json"))
    result = run(model, registry.instantiate(registry.discover()))
    assert not result.errors, result.errors
    return Counter(f.rule_id for f in result.findings)


@pytest.mark.parametrize(("n", "seed", "modules", "nat_deletions", "layout"), [
    (1500, 1, 0, 0, "units"),
    (1500, 7, 3, 0, "units"),
    (1200, 3, 0, 25, "units"),
    (1500, 1, 0, 0, "count"),
    (1200, 3, 0, 25, "count"),
])
def test_natpolicy_finds_exactly_what_the_generator_injected(n: int, seed: int, modules: int,
                                                             nat_deletions: int, layout: str) -> None:
    doc, stats = generate_plan.generate(n, seed, modules, nat_deletions, layout)
    expected = {rule: count for rule, count in generate_plan.expected_findings(stats).items() if count}
    assert dict(_findings(doc)) == expected
    if nat_deletions:
        assert stats["nat_delete"] >= nat_deletions


def test_generator_is_deterministic_and_seeded(tmp_path: Path) -> None:
    script = ROOT / "benchmarks" / "generate_plan.py"
    outs = []
    for seed in (5, 5, 6):
        out = tmp_path / f"p{len(outs)}.json"
        subprocess.run([sys.executable, str(script), "400", "-o", str(out), "--seed", str(seed)], check=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_generated_plan_has_the_shape_of_terraform_show_json() -> None:
    doc, stats = generate_plan.generate(1300, seed=2, modules=2, nat_deletions=3)
    assert doc["format_version"] == "1.2"
    assert {"planned_values", "resource_changes", "prior_state", "configuration"} <= set(doc)
    changes = doc["resource_changes"]
    assert 1200 <= len(changes) <= 1400
    actions = Counter(tuple(rc["change"]["actions"]) for rc in changes)
    assert actions[("no-op",)] and actions[("create",)] and actions[("delete",)] >= 3
    deleted = [rc for rc in changes if rc["change"]["actions"] == ["delete"]]
    assert all(rc["action_reason"] == "delete_because_no_resource_config" and rc["change"]["after"] is None
               for rc in deleted)
    # Module calls with their resources, and references in expressions.
    calls = doc["configuration"]["root_module"]["module_calls"]
    assert set(calls) == {"net_0", "net_1"}
    exprs = [r["expressions"] for c in calls.values() for r in c["module"]["resources"]]
    assert any("references" in e.get("vpc_id", {}) for e in exprs)
    # Checkov's blind spot is exercised both ways.
    prefixes = [rc["change"]["after"]["prefix_list_ids"] for rc in changes
                if rc["type"] == "aws_security_group_rule" and rc["change"]["after"]]
    assert None in prefixes and [] in prefixes
    assert all(rc.get("module_address", "").startswith("module.net_") for rc in changes)


def test_compact_plan_size_is_about_two_kilobytes_per_resource() -> None:
    doc, _ = generate_plan.generate(1000, seed=1)
    size = len(json.dumps(doc, separators=(",", ":")))
    assert 1_500_000 < size < 3_000_000


def test_stats_flag_reports_injections(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_plan.py"), "300",
                           "-o", str(tmp_path / "p.json"), "--stats"], capture_output=True, text=True, check=True)
    report = json.loads(proc.stderr)
    assert report["resources"] == len(json.loads((tmp_path / "p.json").read_text())["resource_changes"])
    assert set(report["expected"]) >= {"SG001", "SG002", "EBS001", "FLOW001", "NAT001"}


def test_run_once_measures_the_real_cli(tmp_path: Path) -> None:
    doc, _ = generate_plan.generate(200, seed=1)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    sample = measure.run_once(measure.natpolicy_cmd(plan, tmp_path / "out.sarif"))
    assert sample.code == 1  # the generated plan has findings
    assert sample.rss_mib > 5 and sample.wall > 0 and 0 < sample.cpu
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["runs"][0]["results"]


def test_run_once_refuses_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(RuntimeError, match="exited 2"):
        measure.run_once(measure.natpolicy_cmd(bad, tmp_path / "out.sarif"))


def test_replace_block_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\nintro\n", encoding="utf-8")
    measure.replace_block(path, "run.py", "first")
    measure.replace_block(path, "run.py", "second")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Results\n\nintro\n") and "second" in text and "first" not in text
    assert text.count("<!-- run.py -->") == 1


def test_count_layout_is_one_module_of_count_instances() -> None:
    doc, stats = generate_plan.generate(400, seed=4, nat_deletions=4, layout="count")
    gateways = [rc for rc in doc["resource_changes"] if rc["type"] == "aws_nat_gateway"]
    assert [rc["address"] for rc in gateways] == [f"module.vpc.aws_nat_gateway.this[{i}]" for i in range(len(gateways))]
    assert all(rc["module_address"] == "module.vpc" and rc["index"] == i for i, rc in enumerate(gateways))
    vpc_module = doc["configuration"]["root_module"]["module_calls"]["vpc"]["module"]
    blocks = {r["address"]: r for r in vpc_module["resources"]}
    # One configuration block per resource, its references naming no instance.
    assert blocks["aws_route.private_nat_gateway"]["expressions"]["nat_gateway_id"] == {
        "references": ["aws_nat_gateway.this", "count.index"]}
    assert "count_expression" in blocks["aws_nat_gateway.this"]
    assert sum(1 for rc in gateways if rc["change"]["actions"] == ["delete"]) >= 4


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        generate_plan.generate(100, layout="grid")


def test_the_phase_wrappers_still_fit_the_pipeline(tmp_path: Path) -> None:
    # benchmarks/phase_counts.py wraps loader, model, runner and report functions by name: a rename
    # would silently leave a phase unmarked. Without valgrind, the child run marks every phase and
    # writes the report the plain CLI writes.
    doc, _ = generate_plan.generate(200, seed=1)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    reports = []
    for name, command in (("plain", [sys.executable, "-m", "natpolicy"]),
                          ("marked", [sys.executable, str(ROOT / "benchmarks" / "phase_counts.py"), "--child"])):
        out = tmp_path / f"{name}.sarif"
        done = subprocess.run([*command, "check", str(plan), "--format", "sarif", "--output", str(out),
                               "--no-progress"], capture_output=True, text=True, check=False)
        assert done.returncode == 1, done.stderr
        reports.append((out.read_bytes(), done.stdout))
        if name == "marked":
            marks = [line.split(" ", 1)[1] for line in done.stderr.splitlines() if line.startswith("@@phase ")]
            for expected in ("msgspec decode", "resources from resource_changes", "prior_state resources",
                             "the model's indexes", "rule NAT001", "rule SG004", "suppressions",
                             "credential redaction", "render sarif", "render text"):
                assert expected in marks, marks
    assert reports[0] == reports[1]


def test_same_outputs_leaves_out_only_the_progress_line_of_a_slow_step(tmp_path: Path) -> None:
    # benchmarks/same_outputs.py compares two installs' reports byte for byte; the one line left out is
    # the progress line, whose presence follows the host's load (natpolicy.progress writes it so).
    progress = "natpolicy: checking plan.json\u2026 1.5 s\n".encode()
    error = b"natpolicy: error: plan.json: the step took 1.5 s\n"
    assert same_outputs._PROGRESS.sub(b"", progress + error + progress) == error
    plan = ROOT / "fixtures" / "plans" / "nat-deleted.json"
    here = tmp_path / "none"  # no install there: both runs import this environment's natpolicy
    sarif = same_outputs.run(here, ["check", str(plan), "--format", "sarif"], tmp_path / "a.sarif")
    again = same_outputs.run(here, ["check", str(plan), "--format", "sarif"], tmp_path / "b.sarif")
    assert sarif == again and sarif[0] == 1 and b'"NAT001"' in sarif[3]
    text = same_outputs.run(here, ["check", str(plan), "--format", "text"], tmp_path / "c.txt")
    assert text != sarif  # a different report is told apart


def test_same_outputs_fails_when_it_finds_nothing_to_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Run from a worktree with no corpus beside it, it once compared 0 cases and said "0 different".
    monkeypatch.setattr(same_outputs, "ROOT", tmp_path)
    monkeypatch.setattr(same_outputs, "CORPUS", tmp_path / "no-corpus")
    assert same_outputs.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "no case found" in capsys.readouterr().err
