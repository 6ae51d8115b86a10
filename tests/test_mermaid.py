"""The Mermaid flowcharts of NAT findings in ``--format markdown`` (issue 19).

A structural check always runs; mermaid's own parser (npm package ``mermaid``,
installed outside the checkout: ``npm install --prefix ~/.cache/natpolicy-mermaid mermaid``,
or ``NATPOLICY_MERMAID_DIR``) runs when node and that package are there, and
skips cleanly otherwise.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, CliResult
from natpolicy.check import Severity
from natpolicy.findings import Finding
from natpolicy.model import SourceLocation
from natpolicy.outputs.mermaid import MAX_NODES, nat_diagram

Cli = Callable[..., CliResult]
_BLOCK = re.compile(r"^ *```mermaid\n(.*?)^ *```", re.S | re.M)
_NODE = re.compile(r"^\s*(n\d+|more)(\[|\(\[|\{\{)\"([^\"]*)\"(\]|\]\)|\}\})(:::\w+)?$")
_EDGE = re.compile(r"^\s*(n\d+) (-->|-\.->)(\|\"[^\"]*\"\|)? (n\d+)$")
MERMAID_DIR = Path(os.environ.get("NATPOLICY_MERMAID_DIR", Path.home() / ".cache" / "natpolicy-mermaid"))


def _finding(details: dict[str, object], rule: str = "NAT001", address: str = "aws_nat_gateway.a") -> Finding:
    return Finding(rule_id=rule, rule_name="x", severity=Severity.HIGH, level="error", address=address,
                   resource_type="aws_nat_gateway", message="m", origin="plan.json",
                   location=SourceLocation("plan.json"), details=details)


def _table(i: int, subnets: int = 1, **extra: object) -> dict[str, object]:
    return {"address": f"aws_route_table.t[{i}]", "id": f"rtb-{i}", "destinations": ["0.0.0.0/0"],
            "subnets": [{"address": f"aws_subnet.s{i}[{j}]", "id": f"subnet-{i}-{j}"} for j in range(subnets)],
            "reason": "blackhole", **extra}


def structure_problems(block: str) -> list[str]:
    """Every line is a node, an edge, a class definition or the header; edges join declared nodes."""
    lines = block.strip("\n").split("\n")
    problems = [] if lines[0].strip() == "flowchart LR" else ["no flowchart header"]
    declared: set[str] = set()
    for line in lines[1:]:
        node, edge = _NODE.match(line), _EDGE.match(line)
        if node:
            declared.add(node.group(1))
        elif edge:
            missing = {edge.group(1), edge.group(4)} - declared
            problems += [f"edge to undeclared {m}" for m in sorted(missing)]
        elif not line.strip().startswith("classDef "):
            problems.append(f"unexpected line {line!r}")
    return problems


def _markdown_blocks(cli: Cli, plan: Path) -> list[str]:
    result = cli("check", str(plan), "--format", "markdown")
    assert result.code == 1, result.err
    return _BLOCK.findall(result.out)


def test_every_nat_finding_gets_a_well_formed_diagram(cli: Cli) -> None:
    [block] = _markdown_blocks(cli, FIXTURES / "plans" / "nat-deleted.json")
    assert structure_problems(block) == []
    assert "module.vpc.aws_route_table.private#91;1#93;" in block and ":::deleted" in block
    assert '-.->|"after apply"|' in block and "blackhole" not in block  # its route is deleted: "no route"


def test_live_tables_are_dashed_and_the_node_count_is_capped() -> None:
    many = [_table(i, subnets=2) for i in range(20)]
    live = {"route_tables": [{"id": "rtb-hand", "name": "hand", "subnets": ["subnet-x"],
                              "destinations": ["0.0.0.0/0"], "managed_here": False},
                             {"id": "rtb-1", "managed_here": True}]}
    block = nat_diagram(_finding({"gateway_id": "nat-1", "route_tables": many[:1], "live": live}))
    assert block is not None and structure_problems(block.split("\n", 1)[1].rsplit("```", 1)[0]) == []
    assert re.search(r'n\d+ -\.->\|"0\.0\.0\.0/0"\| n0', block)  # the live table's dashed edge to the gateway
    assert "rtb-hand (hand) — not managed here" in block and block.count("— not managed here") == 1
    capped = nat_diagram(_finding({"gateway_id": "nat-1", "route_tables": many}))
    assert capped is not None
    assert len(re.findall(r"^\s*n\d+[\[\(\{]", capped, re.M)) <= MAX_NODES
    assert re.search(r'more\["\+\d+ more"\]', capped)


def test_hostile_labels_cannot_break_out() -> None:
    evil = 'aws_nat_gateway.x["a\\"] --> evil\n```\n<script>|#"]'
    block = nat_diagram(_finding({"gateway_id": "nat-1", "route_tables": [_table(0)]}, address=evil))
    assert block is not None
    body = block.split("\n", 1)[1].rsplit("```", 1)[0]
    assert structure_problems(body) == [] and "```" not in body and "<script>" not in body


def test_a_finding_without_route_evidence_still_shows_the_gateway() -> None:
    block = nat_diagram(_finding({"gateway_id": "nat-1", "route_tables": [], "evidence": "partial"}))
    assert block is not None and "route tables not in this plan" in block


# -- mermaid's own parser, when node and the npm package are there ------------------------------------------
_PARSE = """
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const from = createRequire(process.argv[3] + '/');  // resolve the packages where npm put them
const load = (name) => import(pathToFileURL(from.resolve(name)).href);
const { JSDOM } = await load('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await load('mermaid');
mermaid.initialize({ startOnLoad: false });
const blocks = JSON.parse(process.argv[2]);
for (const block of blocks) { await mermaid.parse(block); }
console.log('parsed ' + blocks.length);
"""


def test_mermaid_parser_accepts_the_diagrams(cli: Cli, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir() \
            or not (MERMAID_DIR / "node_modules" / "jsdom").is_dir():
        pytest.skip(f"node and the npm packages mermaid + jsdom under {MERMAID_DIR} are needed")
    blocks = _markdown_blocks(cli, FIXTURES / "plans" / "nat-deleted.json")
    blocks.append(nat_diagram(_finding({"gateway_id": "nat-1", "route_tables": [_table(i, 2) for i in range(20)],
                                        "live_route_tables": [{"id": "rtb-h", "subnets": ["s-1"]}]}))
                  .split("\n", 1)[1].rsplit("```", 1)[0])  # type: ignore[union-attr]
    script = tmp_path / "parse.mjs"
    script.write_text(_PARSE, encoding="utf-8")
    out = subprocess.run([node, str(script), json.dumps(blocks), str(MERMAID_DIR)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith(f"parsed {len(blocks)}")
    broken = subprocess.run([node, str(script), json.dumps(['flowchart LR\n  n0["a"] --> n1{{"b" -->']),
                             str(MERMAID_DIR)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert broken.returncode != 0 and "Parse error" in broken.stderr  # the parser does reject what is wrong
