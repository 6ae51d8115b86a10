"""Parsing: line numbers, syntax errors, the content-keyed parse cache, parallel parsing."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.hcl import modules
from natpolicy.hcl.loader import load_hcl
from natpolicy.hcl.modules import FileSource
from natpolicy.hcl.parse import ParseCache, parse_text

TEXT = '''\
# comment
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"

  tags = {
    Name = "a"
  }
}

locals {
  x = 1
}
'''


def test_blocks_carry_their_lines() -> None:
    parsed = parse_text(TEXT, "main.tf")
    assert parsed.error is None and parsed.body is not None
    vpc, locs = parsed.body.blocks
    assert (vpc.type, vpc.labels, vpc.start_line, vpc.end_line, vpc.file) == \
        ("resource", ("aws_vpc", "a"), 2, 8, "main.tf")
    assert (locs.type, locs.start_line, locs.end_line) == ("locals", 10, 12)
    assert vpc.body.attributes["cidr_block"].line == 3


@pytest.mark.parametrize("text, line", [
    ('resource "a" "b" {\n  x = [1,\n}\n', 3),
    ('resource "a" "b" {\n  x = 1\n', 3),
    ('a = "unterminated\n', 1),
    ('\n\nresource "a" {\n  = 1\n}\n', 4),
])
def test_syntax_errors_name_file_and_line(text: str, line: int) -> None:
    parsed = parse_text(text, "dir/bad.tf")
    assert parsed.body is None
    assert parsed.error is not None and parsed.error.startswith(f"dir/bad.tf:{line}: syntax error")


def test_cache_round_trip_gives_the_same_tree(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    first = parse_text(TEXT, "main.tf", cache)
    assert len(list(tmp_path.rglob("*"))) == 2  # one folder, one entry
    again = parse_text(TEXT, "main.tf", cache)
    assert again == first  # same blocks, lines and expression trees
    assert cache.get(TEXT) is not None


def test_corrupt_or_unwritable_cache_just_parses(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    parse_text(TEXT, "main.tf", cache)
    for entry in tmp_path.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"garbage")
    assert parse_text(TEXT, "main.tf", cache).body is not None
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert parse_text(TEXT, "main.tf", ParseCache(blocked)).body is not None


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATPOLICY_NO_CACHE", "1")
    assert ParseCache().directory is None
    monkeypatch.delenv("NATPOLICY_NO_CACHE")
    monkeypatch.setenv("NATPOLICY_CACHE_DIR", "/somewhere")
    assert ParseCache().directory == Path("/somewhere")


def test_parallel_parsing_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(6):
        (tmp_path / f"f{i}.tf").write_text(f'resource "aws_vpc" "v{i}" {{\n  cidr_block = "10.{i}.0.0/16"\n}}\n')
    (tmp_path / "broken.tf").write_text('resource "a" "b" {\n')
    serial = load_hcl([tmp_path], display_root=tmp_path, cache_dir=None)
    monkeypatch.setattr(modules, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(modules, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(modules, "PARALLEL_MIN_CPUS", 1)
    files = FileSource(cache=ParseCache(tmp_path / "cache"))
    files.prefetch(sorted(tmp_path.glob("*.tf")))
    parallel = load_hcl([tmp_path], display_root=tmp_path, cache_dir=tmp_path / "cache")
    assert [(r.address, r.after, r.location) for r in parallel.resources] == \
        [(r.address, r.after, r.location) for r in serial.resources]
    assert parallel.errors == serial.errors == ["broken.tf:2: syntax error: unexpected end of input"]
