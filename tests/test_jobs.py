"""``--jobs N``: plans read in worker processes give exactly the serial run's output and errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from natpolicy.loaders.plan_jobs import worker_count
from test_nat_routes import network_and_workload


def _plans(tmp_path: Path) -> list[str]:
    # A cross-plan case: the NAT gateway is deleted in the network plan, the route using it lives in the workload's.
    network, workload, _ = network_and_workload()
    return [str(FIXTURES / "plans" / "nat-deleted.json"), str(network.write(tmp_path / "network.json")),
            str(workload.write(tmp_path / "workload.json")), str(FIXTURES / "plans" / "nat-consolidated.json")]


def _run(cli, tmp_path: Path, jobs: str, *paths: str, stdin: str | None = None) -> tuple[int, str, str, str, str]:
    sarif, report = tmp_path / f"j{jobs}.sarif", tmp_path / f"j{jobs}.json"
    result = cli("check", *paths, "--jobs", jobs, "--format", "json", "--output", str(report),
                 "--also-output", f"sarif={sarif}", "--no-progress", stdin=stdin)
    return (result.code, result.out, result.err, report.read_text(encoding="utf-8") if report.exists() else "",
            sarif.read_text(encoding="utf-8") if sarif.exists() else "")


def test_several_plans_in_workers_give_the_serial_output(cli, tmp_path: Path) -> None:
    paths = _plans(tmp_path)
    serial = _run(cli, tmp_path, "1", *paths)
    assert serial[0] == 1 and '"NAT001"' in serial[3]
    # The cross-plan finding exists, so "identical" means something.
    assert "aws_route_table.app in plan" in serial[3] and "workload.json" in serial[3]
    assert _run(cli, tmp_path, "3", *paths) == serial


def test_stdin_beside_files_in_workers(cli, tmp_path: Path) -> None:
    paths = _plans(tmp_path)
    text = Path(paths[1]).read_text(encoding="utf-8")
    serial = _run(cli, tmp_path, "1", paths[0], "-", paths[2], stdin=text)
    assert _run(cli, tmp_path, "2", paths[0], "-", paths[2], stdin=text) == serial


@pytest.mark.parametrize("later", ["missing.json", "broken2.json"])
def test_the_first_broken_plan_is_the_one_reported(cli, tmp_path: Path, later: str) -> None:
    paths = _plans(tmp_path)
    (tmp_path / "broken.json").write_text('{"format_version": "1.2", "resource_changes": "x"}', encoding="utf-8")
    (tmp_path / "broken2.json").write_text("{", encoding="utf-8")
    args = (paths[0], str(tmp_path / "broken.json"), paths[2], str(tmp_path / later))
    serial = _run(cli, tmp_path, "1", *args)
    assert serial[0] == 2 and "broken.json" in serial[2] and len(serial[2].strip().splitlines()) == 1
    assert _run(cli, tmp_path, "3", *args) == serial


def test_worker_count(tmp_path: Path) -> None:
    small = [str(FIXTURES / "plans" / "nat-deleted.json"), str(FIXTURES / "plans" / "nat-consolidated.json")]
    large = []
    for name in ("a.json", "b.json", "c.json"):
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(50_000_000)  # sparse: three plans larger than a 10k-resource one
        large.append(str(path))
    assert worker_count(None, small) == 1
    # Not given: serial, however many and large the plans (workers have lost on every host measured).
    assert worker_count(None, large) == 1
    assert worker_count(2, large) == 2
    assert worker_count(8, small) == 2  # never more workers than plans
    assert worker_count(1, large) == 1
    assert worker_count(4, ["-", small[0]]) == 1  # stdin is read in this process
