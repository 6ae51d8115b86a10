"""The parse cache's pack files (checker/loaders/hcl/pack_store.py): merged when they pile up,
safe with several hooks writing at once, and never trusted beyond what a reader can check."""
from __future__ import annotations

import hashlib
import marshal
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from natpolicy.loaders.hcl import pack_store
from natpolicy.loaders.hcl.pack_store import MAGIC, PackStore


def _key(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def _value(name: str) -> bytes:
    """The one right value for ``name``'s key: a reader can tell a wrong or mixed-up one."""
    return hashlib.sha512(name.encode()).digest() * 4


def _packs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pack"))


def test_entries_written_by_one_run_are_read_by_the_next(tmp_path: Path) -> None:
    PackStore(tmp_path).write({_key("a"): _value("a"), _key("b"): _value("b")})
    assert PackStore(tmp_path).read_all() == {_key("a"): _value("a"), _key("b"): _value("b")}
    assert len(_packs(tmp_path)) == 1 and not list(tmp_path.glob(".*"))  # no temporary file left


def test_nothing_to_write_writes_no_pack(tmp_path: Path) -> None:
    PackStore(tmp_path / "cache").write({})
    assert not (tmp_path / "cache").exists()


def test_packs_piling_up_are_merged_and_keep_every_entry(tmp_path: Path) -> None:
    store = PackStore(tmp_path)
    names = [f"run-{i}" for i in range(3 * pack_store.MAX_PACKS)]
    for name in names:
        store.write({_key(name): _value(name)})
        assert len(_packs(tmp_path)) <= pack_store.MAX_PACKS
    assert store.read_all() == {_key(n): _value(n) for n in names}


def test_at_the_limit_the_packs_are_left_as_they_are(tmp_path: Path) -> None:
    store = PackStore(tmp_path)
    for i in range(pack_store.MAX_PACKS):
        store.write({_key(str(i)): _value(str(i))})
    assert len(_packs(tmp_path)) == pack_store.MAX_PACKS  # one more write merges them
    store.write({_key("last"): _value("last")})
    assert len(_packs(tmp_path)) == 1


def test_a_merge_over_the_size_cap_keeps_the_newest_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = len(_value("x"))
    monkeypatch.setattr(pack_store, "MAX_PACKS", 3)
    monkeypatch.setattr(pack_store, "MAX_MERGED_BYTES", 2 * size)
    store = PackStore(tmp_path)
    for name in ("oldest", "older", "newer", "newest"):
        store.write({_key(name): _value(name)})
        time.sleep(0.001)  # names sort by the time written
    assert store.read_all() == {_key("newer"): _value("newer"), _key("newest"): _value("newest")}


@pytest.mark.parametrize("content", [
    b"garbage",
    MAGIC,  # nothing after the header
    MAGIC + marshal.dumps([_key("x"), _value("x")]),  # not a dict
    MAGIC + marshal.dumps({_key("x"): _value("x")})[:-7],  # cut short
    b"natpolicy-pack-0\n" + marshal.dumps({_key("x"): _value("x")}),  # another format
])
def test_a_malformed_pack_is_skipped_and_removed_by_the_next_merge(tmp_path: Path, content: bytes,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store = PackStore(tmp_path)
    store.write({_key("good"): _value("good")})
    (tmp_path / "0-bad.pack").write_bytes(content)
    assert store.read_all() == {_key("good"): _value("good")}
    monkeypatch.setattr(pack_store, "MAX_PACKS", 1)
    store.write({_key("more"): _value("more")})
    assert not (tmp_path / "0-bad.pack").exists()
    assert store.read_all() == {_key("good"): _value("good"), _key("more"): _value("more")}


def test_only_well_formed_entries_of_a_pack_are_read(tmp_path: Path) -> None:
    (tmp_path / "1-mixed.pack").write_bytes(MAGIC + marshal.dumps({
        _key("ok"): _value("ok"),
        b"short": _value("short"),  # not a 32-byte key
        _key("text"): "not bytes",
        7: _value("seven"),
    }))
    assert PackStore(tmp_path).read_all() == {_key("ok"): _value("ok")}


def test_temporary_files_are_never_read_and_stale_ones_are_removed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    stale, fresh = tmp_path / ".1-dead.pack.tmp", tmp_path / ".2-writing.pack.tmp"
    for path in (stale, fresh):
        path.write_bytes(MAGIC + marshal.dumps({_key("half"): _value("half")}))
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    store = PackStore(tmp_path)
    assert store.read_all() == {}
    monkeypatch.setattr(pack_store, "MAX_PACKS", 1)
    store.write({_key("a"): _value("a")})
    store.write({_key("b"): _value("b")})  # a merge: it clears what dead runs left
    assert not stale.exists() and fresh.exists()


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    PackStore(blocked / "packs").write({_key("a"): _value("a")})
    assert PackStore(blocked / "packs").read_all() == {}


def _writer(folder: str, worker: int, rounds: int) -> None:
    store = PackStore(Path(folder))
    for i in range(rounds):
        names = [f"w{worker}-r{i}-{j}" for j in range(3)]
        store.write({_key(n): _value(n) for n in names})


def _reader(folder: str, until: float) -> int:
    """Reads while the writers write and merge: every entry it sees must be the right one."""
    store, seen = PackStore(Path(folder)), 0
    while time.time() < until:
        for key, value in store.read_all().items():
            assert any(key == _key(n) and value == _value(n) for n in _names_for(key)), "a wrong entry was read"
            seen += 1
    return seen


_ALL_NAMES = [f"w{w}-r{i}-{j}" for w in range(4) for i in range(15) for j in range(3)]
_BY_KEY = {_key(n): n for n in _ALL_NAMES}


def _names_for(key: bytes) -> list[str]:
    return [_BY_KEY[key]] if key in _BY_KEY else []


def test_hooks_writing_and_merging_at_once_lose_nothing_and_mix_nothing(tmp_path: Path) -> None:
    """Four processes write 15 packs each (merging many times over) while a fifth reads."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(5) as pool:
        reading = pool.apply_async(_reader, (str(tmp_path), time.time() + 1.5))
        writes = [pool.apply_async(_writer, (str(tmp_path), w, 15)) for w in range(4)]
        for write in writes:
            write.get(timeout=60)
        assert reading.get(timeout=60) > 0
    assert PackStore(tmp_path).read_all() == {_key(n): _value(n) for n in _ALL_NAMES}
    assert not list(tmp_path.glob(".*.tmp"))
