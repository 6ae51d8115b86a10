"""Files natpolicy writes: atomic, never through a link, never over an input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from planbuilder import PlanBuilder

Cli = Callable[..., CliResult]


def _open_sg_plan(path: Path, count: int = 1) -> Path:
    builder = PlanBuilder()
    for i in range(count):
        builder.create(f"aws_security_group.sg{i}", {"name": f"sg{i}", "ingress": [
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    return builder.write(path)


def _one_error_line(result: CliResult, *needles: str) -> None:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.splitlines()
    if lines[0].startswith("Error: "):  # a usage error click sees first: its line, then where help is
        assert lines[1:] == ["Try 'natpolicy check --help' for help."], result.err
        lines = lines[:1]
    assert len(lines) == 1 and lines[0].startswith(("natpolicy: error: ", "Error: ")), result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


# -- links and special files ---------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--output", "--also-output", "--create-baseline"])
def test_a_symlink_at_the_target_is_refused(tmp_path: Path, cli: Cli, option: str) -> None:
    plan = _open_sg_plan(tmp_path / "plan.json")
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = keep-me\n", encoding="utf-8")
    link = tmp_path / "natpolicy.sarif"
    link.symlink_to(secret)
    value = f"sarif={link}" if option == "--also-output" else str(link)
    result = cli("check", str(plan), option, value, "--force")
    _one_error_line(result, "natpolicy.sarif", "symbolic link")
    assert secret.read_text(encoding="utf-8") == "aws_secret_access_key = keep-me\n"
    assert link.is_symlink()


def test_a_fifo_at_the_target_is_refused_without_blocking(tmp_path: Path, cli: Cli) -> None:
    plan = _open_sg_plan(tmp_path / "plan.json")
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    _one_error_line(cli("check", str(plan), "-f", "json", "-o", str(fifo)), "report.json", "not a regular file")


def test_a_dangling_symlink_is_refused_too(tmp_path: Path, cli: Cli) -> None:
    plan = _open_sg_plan(tmp_path / "plan.json")
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "elsewhere" / "new.json")
    _one_error_line(cli("check", str(plan), "-o", str(link)), "symbolic link")
    assert not (tmp_path / "elsewhere").exists()


def test_export_rego_refuses_links_and_other_rego_without_force(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "policies"
    target.mkdir()
    (target / "mine.rego").write_text("package mine\n", encoding="utf-8")
    refused = cli("export-rego", str(target))
    _one_error_line(refused, "mine.rego", "--force")
    assert sorted(p.name for p in target.iterdir()) == ["mine.rego"]
    # With --force it writes beside them, but never through a link planted under one of its names.
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    (target / "DIFFERENCES.md").symlink_to(victim)
    linked = cli("export-rego", str(target), "--force")
    _one_error_line(linked, "DIFFERENCES.md", "symbolic link")
    assert victim.read_text(encoding="utf-8") == "precious\n"
    (target / "DIFFERENCES.md").unlink()
    assert cli("export-rego", str(target), "--force").code == 0
    assert (target / "mine.rego").read_text(encoding="utf-8") == "package mine\n"
    # A folder link is not followed either.
    (tmp_path / "alias").symlink_to(victim.parent / "nowhere")
    _one_error_line(cli("export-rego", str(tmp_path / "alias")), "not a directory")


# -- outputs that would replace inputs -------------------------------------------------------------

def test_an_output_that_is_an_input_is_refused(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _open_sg_plan(tmp_path / "plan.json")
    before = (tmp_path / "plan.json").read_bytes()
    _one_error_line(cli("check", "-o", "plan.json", "plan.json"), "--output plan.json", "being checked")
    _one_error_line(cli("check", "--also-output", "json=./plan.json", "."), "being checked")
    assert (tmp_path / "plan.json").read_bytes() == before
    (tmp_path / "vars.tfvars").write_text('x = 1\n', encoding="utf-8")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('resource "aws_vpc" "x" {}\n', encoding="utf-8")
    for args, shown in ((["-o", "infra/main.tf", "infra"], "infra/main.tf"),
                        (["-o", "infra/new.tofu", "infra"], "infra/new.tofu"),
                        (["-o", "vars.tfvars", "plan.json"], "vars.tfvars"),
                        (["-o", "infra", "plan.json"], "infra")):
        _one_error_line(cli("check", *args), shown)
    assert (tmp_path / "infra" / "main.tf").read_text(encoding="utf-8") == 'resource "aws_vpc" "x" {}\n'
    assert not (tmp_path / "infra" / "new.tofu").exists()
    # Two outputs of one run on one file, and a var file as the output.
    _one_error_line(cli("check", "plan.json", "-o", "r.json", "--also-output", "sarif=r.json"), "already written")
    (tmp_path / "v.json").write_text("{}", encoding="utf-8")
    _one_error_line(cli("check", "infra", "--var-file", "v.json", "-o", "v.json"), "being checked")
    assert not (tmp_path / "r.json").exists()
    # A report beside the plans, from an earlier run, is not an input: it may be replaced.
    assert cli("check", ".", "-f", "json", "-o", "report.json").code == 1
    assert cli("check", ".", "-f", "json", "-o", "report.json").code == 1
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["findings"] == 1


def test_replacing_a_baseline_needs_force(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _open_sg_plan(tmp_path / "plan.json")
    (tmp_path / "baseline.json").write_text("precious\n", encoding="utf-8")
    _one_error_line(cli("check", "plan.json", "--create-baseline", "baseline.json"), "baseline.json", "--force")
    assert (tmp_path / "baseline.json").read_text(encoding="utf-8") == "precious\n"
    assert cli("check", "plan.json", "--create-baseline", "baseline.json", "--force").code == 0
    assert cli("check", "plan.json", "--baseline", "baseline.json").code == 0
    assert cli("check", "plan.json", "--create-baseline", "new.json").code == 0  # a new file needs nothing
    # The baseline being read is an input to a report, not a place for one.
    _one_error_line(cli("check", "plan.json", "--baseline", "new.json", "-o", "new.json"), "being checked")
    assert json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["natpolicy_baseline"] == 1


# -- atomic replacement ----------------------------------------------------------------------------

def _natpolicy(*args: str, cwd: Path, preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "natpolicy", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=preexec)  # noqa: PLW1509 (no threads in this test)


def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    resource = pytest.importorskip("resource")
    _open_sg_plan(tmp_path / "plan.json", count=40)
    report = tmp_path / "report.json"
    report.write_text('{"old": "report"}\n', encoding="utf-8")

    def small_files() -> None:  # the report is far larger: the write fails with EFBIG part way
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = _natpolicy("check", "plan.json", "-f", "json", "-o", "report.json", "-q", cwd=tmp_path,
                      preexec=small_files)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert err.startswith("natpolicy: error: cannot write report.json") and err.count("\n") == 1, err
    assert report.read_text(encoding="utf-8") == '{"old": "report"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "report.json"]  # no temporary left


def test_concurrent_runs_never_leave_invalid_json(tmp_path: Path) -> None:
    for i in range(4):
        _open_sg_plan(tmp_path / f"plan{i}.json", count=30 + 10 * i)
    procs = [_natpolicy("check", f"plan{i % 4}.json", "-f", "json", "-o", "report.json", "-q", cwd=tmp_path)
             for i in range(6)]
    seen = []
    while any(p.poll() is None for p in procs):  # a reader during the writes sees an old or a new report
        if (tmp_path / "report.json").exists():
            seen.append(json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["findings"])
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
    final = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert final["summary"]["findings"] in (30, 40, 50, 60)
    assert set(seen) <= {30, 40, 50, 60}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("plan")) == ["report.json"]


def test_the_temporary_file_is_made_as_mkstemp_makes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """safe_write names and opens its temporary file itself (no tempfile import): same folder, prefix,
    suffix, length, mode and flags as ``tempfile.mkstemp``; a taken name is passed over."""
    import stat
    import tempfile

    from natpolicy import safe_write

    assert safe_write._TEMP_FLAGS == tempfile._bin_openflags  # type: ignore[attr-defined]
    assert safe_write._TEMP_ATTEMPTS == tempfile.TMP_MAX
    fd, temp = safe_write._make_temp(tmp_path, ".report.sarif.", ".tmp")
    os.close(fd)
    theirs_fd, theirs = tempfile.mkstemp(dir=tmp_path, prefix=".report.sarif.", suffix=".tmp")
    os.close(theirs_fd)
    assert os.path.isabs(temp) and os.path.dirname(temp) == os.path.dirname(theirs) == str(tmp_path)
    assert len(os.path.basename(temp)) == len(os.path.basename(theirs))
    assert os.path.basename(temp).startswith(".report.sarif.") and temp.endswith(".tmp")
    assert stat.S_IMODE(os.stat(temp).st_mode) == stat.S_IMODE(os.stat(theirs).st_mode) == 0o600

    (tmp_path / "x.00000000.tmp").write_text("taken")
    draws = iter([b"\x00" * 4, b"\x00" * 4, b"\x01" * 4])
    monkeypatch.setattr(safe_write.os, "urandom", lambda n: next(draws))
    fd, again = safe_write._make_temp(tmp_path, "x.", ".tmp")
    os.close(fd)
    assert os.path.basename(again) == "x.01010101.tmp"
    monkeypatch.setattr(safe_write.os, "urandom", lambda n: b"\x00" * 4)
    monkeypatch.setattr(safe_write, "_TEMP_ATTEMPTS", 3)
    with pytest.raises(FileExistsError, match="No usable temporary file name found"):
        safe_write._make_temp(tmp_path, "x.", ".tmp")


def test_a_report_write_imports_no_tempfile(tmp_path: Path) -> None:
    code = ("import sys\nfrom natpolicy.safe_write import write_text\n"
            f"write_text({str(tmp_path / 'r.txt')!r}, 'x')\nprint('tempfile' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    assert (tmp_path / "r.txt").read_text() == "x"
