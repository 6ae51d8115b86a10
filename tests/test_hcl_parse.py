"""Parsing: line numbers, syntax errors, the content-keyed parse cache, parallel parsing."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.loaders.hcl import files as hcl_files
from natpolicy.loaders.hcl.loader import load_hcl
from natpolicy.loaders.hcl.modules import FileSource
from natpolicy.loaders.hcl.parse import ParseCache, parse_text

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
    ('resource "a" "b" {\n  x = 1\n', 2),  # end of input: the last line, not one past it
    ('a = "unterminated\n', 1),
    ('\n\nresource "a" {\n  = 1\n}\n', 4),
])
def test_syntax_errors_name_file_and_line(text: str, line: int) -> None:
    parsed = parse_text(text, "dir/bad.tf")
    assert parsed.body is None
    assert parsed.error is not None and parsed.error.startswith(f"dir/bad.tf:{line}: syntax error")


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on a tree can only come from the cache."""
    from natpolicy.loaders.hcl import parse

    def refuse(text: str) -> None:
        raise AssertionError("parsed, not read from the cache")

    monkeypatch.setattr(parse, "slim_tree", refuse)


def _packs(folder: Path) -> list[Path]:
    return sorted((folder / "packs").glob("*.pack"))


def test_cache_round_trip_gives_the_same_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ParseCache(tmp_path)
    first = parse_text(TEXT, "main.tf", cache)
    assert _packs(tmp_path) == []  # kept in memory until the run flushes ...
    cache.flush()
    assert len(_packs(tmp_path)) == 1  # ... then written as one pack
    cache.flush()
    assert len(_packs(tmp_path)) == 1  # nothing new: no empty pack
    _no_parsing(monkeypatch)
    assert parse_text(TEXT, "main.tf", cache) == first  # the same run
    again = parse_text(TEXT, "main.tf", ParseCache(tmp_path))  # a later run reads the pack
    assert again == first  # same blocks, lines and expression trees


def test_a_run_writes_its_new_trees_as_one_pack(tmp_path: Path) -> None:
    texts = [f'resource "aws_vpc" "v{i}" {{\n  cidr_block = "10.{i}.0.0/16"\n}}\n' for i in range(5)]
    cache = ParseCache(tmp_path)
    for text in texts:
        parse_text(text, "x.tf", cache)
    cache.flush()
    later = ParseCache(tmp_path)
    assert len(_packs(tmp_path)) == 1 and all(later.has(t) for t in texts)
    assert not later.has(TEXT)
    parse_text(TEXT, "main.tf", later)  # the next run stores only what is new
    later.flush()
    packs = _packs(tmp_path)
    assert len(packs) == 2 and packs[-1].stat().st_size < packs[0].stat().st_size


def test_a_cache_released_without_flush_still_writes_its_trees(tmp_path: Path) -> None:
    import gc

    cache = ParseCache(tmp_path)
    parse_text(TEXT, "main.tf", cache)
    del cache
    gc.collect()
    assert len(_packs(tmp_path)) == 1 and ParseCache(tmp_path).has(TEXT)


def test_a_tree_sent_back_encoded_is_stored_as_the_same_tree(tmp_path: Path) -> None:
    import marshal

    from natpolicy.loaders.hcl.parse import encode_tree, slim_tree

    tree = slim_tree(TEXT)
    direct, sent = ParseCache(tmp_path / "direct"), ParseCache(tmp_path / "sent")
    direct.put(TEXT, tree)
    sent.put_encoded(TEXT, marshal.dumps(encode_tree(tree)))
    direct.flush()
    sent.flush()
    read_direct, read_sent = ParseCache(tmp_path / "direct").get(TEXT), ParseCache(tmp_path / "sent").get(TEXT)
    assert read_direct is not None and read_sent is not None
    assert encode_tree(read_sent) == encode_tree(read_direct) == encode_tree(tree)


def test_a_cache_folder_removed_during_a_run_is_made_again(tmp_path: Path) -> None:
    import shutil

    cache = ParseCache(tmp_path / "cache")
    parse_text(TEXT, "main.tf", cache)
    cache.flush()
    shutil.rmtree(tmp_path / "cache")  # a cache cleaned up while the hook runs
    parse_text("a = 1\n", "other.tf", cache)
    cache.flush()
    assert ParseCache(tmp_path / "cache").has("a = 1\n")


def test_corrupt_or_unwritable_cache_just_parses(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    parse_text(TEXT, "main.tf", cache)
    cache.flush()
    for entry in _packs(tmp_path):
        entry.write_bytes(b"garbage")
    assert not ParseCache(tmp_path).has(TEXT)
    assert parse_text(TEXT, "main.tf", ParseCache(tmp_path)).body is not None
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    unwritable = ParseCache(blocked)
    assert parse_text(TEXT, "main.tf", unwritable).body is not None
    unwritable.flush()  # nothing to write into: no error
    assert blocked.read_text() == "x"


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    """zlib's checksum catches a changed byte inside an entry of a well-formed pack."""
    import marshal

    from natpolicy.loaders.hcl.pack_store import MAGIC

    cache = ParseCache(tmp_path)
    expected = parse_text(TEXT, "main.tf", cache)
    cache.flush()
    (pack,) = _packs(tmp_path)
    entries = marshal.loads(pack.read_bytes()[len(MAGIC):])
    (key, value), = entries.items()
    damaged = bytearray(value)
    damaged[len(damaged) // 2] ^= 0x40
    pack.write_bytes(MAGIC + marshal.dumps({key: bytes(damaged)}))
    reader = ParseCache(tmp_path)
    assert reader.has(TEXT) and reader.get(TEXT) is None
    assert parse_text(TEXT, "main.tf", reader) == expected


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
    monkeypatch.setattr(hcl_files, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(hcl_files, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(hcl_files, "PARALLEL_MIN_CPUS", 1)
    files = FileSource(cache=ParseCache(tmp_path / "cache"))
    files.prefetch(sorted(tmp_path.glob("*.tf")))
    parallel = load_hcl([tmp_path], display_root=tmp_path, cache_dir=tmp_path / "cache")
    assert [(r.address, r.after, r.location) for r in parallel.resources] == \
        [(r.address, r.after, r.location) for r in serial.resources]
    assert parallel.errors == serial.errors == ["broken.tf:1: syntax error: unexpected end of input"]


@pytest.mark.parametrize("text, message", [
    # A token spanning lines is shown by its first line only.
    ('resource "aws_vpc" "a" {\n  tags = {\n    Env = \n  }\n}\n', "x.tf:3: syntax error: unexpected '}'"),
    # A long token is never copied into the report: it may be a secret in a mistyped file.
    ('locals {\n  a = [1, 2\n  hunter2_super_secret_password_x = 3\n}\n',
     "x.tf:3: syntax error: unexpected text (31 characters, not shown)"),
    # Short ones are quoted with control and non-ASCII characters escaped.
    ('a = 1\n\u00e9t\u00e9 b\n', "x.tf:2: syntax error: unexpected '\\xe9t\\xe9 b'"),
    ('locals {\n  a = [1, 2\n  b = 3\n}\n', "x.tf:3: syntax error: unexpected 'b'"),
])
def test_syntax_errors_quote_only_short_tokens(text: str, message: str) -> None:
    assert parse_text(text, "x.tf").error == message


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov-venv")  # one worker builds and uses the venv: no race
def test_the_wrong_hcl2_module_is_a_clear_error(tmp_path: Path) -> None:
    """Checkov's bc-python-hcl2 is also imported as `hcl2`; HCL input then needs a clear error, plans still work."""
    import os
    import subprocess
    import sys

    from conftest import FIXTURES, ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import parity

    venv = parity.checkov_for_tests()  # Checkov's venv, where bc-python-hcl2 is installed
    if isinstance(venv, str):
        pytest.skip(venv)
    found = sorted(venv.glob("lib/python3*/site-packages/hcl2/__init__.py"))
    if not found:
        pytest.skip("no environment with bc-python-hcl2 (set NATPOLICY_CHECKOV_VENV)")
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "hcl2").symlink_to(found[0].parent)  # only Checkov's `hcl2`, first on the path
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    env = {**os.environ, "PYTHONPATH": str(shadow)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "natpolicy", "check", "--no-progress", *args],  # noqa: E731
                                       cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    hcl = run(".")
    assert hcl.returncode == 2
    assert hcl.stderr.startswith("natpolicy: error: HCL input needs python-hcl2 8.x")
    assert "comes from bc-python-hcl2 " in hcl.stderr and "Traceback" not in hcl.stderr
    assert len(hcl.stderr.strip().splitlines()) == 1
    # A plan checked from inside the Terraform folder skips the source mapping instead of failing.
    plan = run(str(FIXTURES / "plans" / "nat-deleted.json"))
    assert plan.returncode == 1, plan.stderr
    assert "NAT001" in plan.stdout
