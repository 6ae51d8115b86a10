"""Archive extraction refuses every shape that could write or point outside the module folder."""
from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from modsource_fixtures import MAIN_TF, Server, serve, settings_for, zip_bytes
from natpolicy.loaders.modsource import Resolved, Unresolved, resolve
from natpolicy.loaders.modsource.archive import ArchiveError, extract

LIMITS = {"max_bytes": 1_000_000, "max_files": 100}


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve()


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None, mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for info in members:
            body = (data or {}).get(info.name)
            if body is not None:
                info.size = len(body)
            tf.addfile(info, io.BytesIO(body) if body is not None else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if name.endswith("/") else kind
    info.linkname = link
    return info


def _zip(path: Path, entries: list[tuple[str, int, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, mode, body in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            zf.writestr(info, body)
    return path


def _refused(archive: Path, fmt: str, dest: Path, match: str, **limits: int) -> None:
    dest.mkdir()
    with pytest.raises(ArchiveError, match=match):
        extract(archive, fmt, dest, **{**LIMITS, **limits})


def test_a_plain_module_is_unpacked(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "m.tar.gz", [_info("m/"), _info("m/main.tf"), _info("m/link.tf", tarfile.SYMTYPE,
                                                                                     "main.tf"),
                                           _info("m/hard.tf", tarfile.LNKTYPE, "m/main.tf")],
                   {"m/main.tf": MAIN_TF.encode()})
    dest = tmp_path / "out"
    dest.mkdir()
    extract(archive, "tar.gz", dest, **LIMITS)
    assert (dest / "m" / "main.tf").read_text() == MAIN_TF
    assert os.readlink(dest / "m" / "link.tf") == "main.tf"
    assert (dest / "m" / "hard.tf").read_text() == MAIN_TF and not (dest / "m" / "hard.tf").is_symlink()


@pytest.mark.parametrize("fmt", ["tar.bz2", "tar.xz", "tgz"])
def test_other_tar_compressions(tmp_path: Path, fmt: str) -> None:
    mode = {"tar.bz2": "w:bz2", "tar.xz": "w:xz", "tgz": "w:gz"}[fmt]
    archive = _tar(tmp_path / f"m.{fmt}", [_info("main.tf")], {"main.tf": b"# x\n"}, mode=mode)
    dest = tmp_path / "out"
    dest.mkdir()
    extract(archive, fmt, dest, **LIMITS)
    assert (dest / "main.tf").read_text() == "# x\n"


def test_tar_absolute_path(tmp_path: Path) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("/tmp/evil.tf")], {"/tmp/evil.tf": b"x"}), "tgz", tmp_path / "o",
             "absolute path")


def test_tar_dotdot(tmp_path: Path) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("m/../../evil.tf")], {"m/../../evil.tf": b"x"}), "tgz", tmp_path / "o",
             "climbs out")
    assert not (tmp_path / "evil.tf").exists()


def test_tar_symlink_to_absolute_path(tmp_path: Path) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("creds.tf", tarfile.SYMTYPE, "/root/.aws/credentials")]), "tgz",
             tmp_path / "o", "absolute path")


def test_tar_symlink_climbing_out(tmp_path: Path) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("m/up", tarfile.SYMTYPE, "../../outside")]), "tgz", tmp_path / "o",
             "points outside")


def test_tar_chain_of_links_climbing_out(tmp_path: Path) -> None:
    # Each link looks harmless alone ("p/q" -> "r", "x" -> "."), together "x" is the folder's parent.
    members = [_info("p/"), _info("p/q", tarfile.SYMTYPE, "../r"), _info("x", tarfile.SYMTYPE, "p/q/../..")]
    _refused(_tar(tmp_path / "a.tgz", members), "tgz", tmp_path / "o", "through other links")


def test_tar_hardlink_leaving(tmp_path: Path) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("h.tf", tarfile.LNKTYPE, "/etc/passwd")]), "tgz", tmp_path / "o",
             "absolute path")
    _refused(_tar(tmp_path / "b.tgz", [_info("h.tf", tarfile.LNKTYPE, "../../etc/passwd")]), "tgz", tmp_path / "p",
             "climbs out")


@pytest.mark.parametrize(("kind", "word"), [(tarfile.CHRTYPE, "a device"), (tarfile.BLKTYPE, "a device"),
                                            (tarfile.FIFOTYPE, "a FIFO")])
def test_tar_special_files(tmp_path: Path, kind: bytes, word: str) -> None:
    _refused(_tar(tmp_path / "a.tgz", [_info("dev", kind)]), "tgz", tmp_path / "o", word)


def test_tar_too_many_files(tmp_path: Path) -> None:
    members = [_info(f"f{i}.tf") for i in range(11)]
    _refused(_tar(tmp_path / "a.tgz", members, {m.name: b"" for m in members}), "tgz", tmp_path / "o",
             "more than 10 members", max_files=10)


def test_tar_too_large_once_unpacked(tmp_path: Path) -> None:
    members = [_info("a.tf"), _info("b.tf")]
    _refused(_tar(tmp_path / "a.tgz", members, {"a.tf": b"x" * 600, "b.tf": b"y" * 600}), "tgz", tmp_path / "o",
             "more than 1000 bytes", max_bytes=1000)


def test_zip_absolute_and_dotdot(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "a.zip", [("/etc/evil.tf", 0o100644, b"x")]), "zip", tmp_path / "o", "absolute path")
    _refused(_zip(tmp_path / "b.zip", [("a/../../evil.tf", 0o100644, b"x")]), "zip", tmp_path / "p", "climbs out")
    _refused(_zip(tmp_path / "c.zip", [("..\\evil.tf", 0o100644, b"x")]), "zip", tmp_path / "q", "climbs out")


def test_zip_symlink_leaving(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "a.zip", [("l.tf", stat.S_IFLNK | 0o777, b"../../../etc/passwd")]), "zip",
             tmp_path / "o", "points outside")


def test_zip_device(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "a.zip", [("dev", stat.S_IFCHR | 0o600, b"")]), "zip", tmp_path / "o", "a device")


def test_zip_too_many_and_too_large(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "a.zip", [(f"{i}.tf", 0o100644, b"") for i in range(6)]), "zip", tmp_path / "o",
             "more than 5 members", max_files=5)
    # Highly compressible: small archive, large content (a zip bomb in miniature).
    _refused(_zip(tmp_path / "b.zip", [("big.tf", 0o100644, b"0" * 50_000)]), "zip", tmp_path / "p",
             "more than 10000 bytes", max_bytes=10_000)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "a.zip", [("a.tf", 0o100644, b"1"), ("a.tf", 0o100644, b"2")]), "zip", tmp_path / "o",
             "appears twice")


def test_refused_archive_through_resolve_leaves_nothing_in_the_cache(server: Server, tmp_path: Path) -> None:
    buffer = tmp_path / "evil.tar.gz"
    _tar(buffer, [_info("main.tf"), _info("../escape.tf")], {"main.tf": b"", "../escape.tf": b"x"})
    server.files["/files/evil.tar.gz"] = buffer.read_bytes()
    settings = settings_for(tmp_path)
    result = resolve(f"{server.base}/files/evil.tar.gz", None, settings=settings, module="bad")
    assert isinstance(result, Unresolved) and "climbs out" in result.reason
    assert not (tmp_path / "escape.tf").exists()
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert leftovers == []


def test_downloads_are_size_capped(server: Server, tmp_path: Path) -> None:
    server.files["/files/big.zip"] = b"z" * 5000
    result = resolve(f"{server.base}/files/big.zip", None, settings=settings_for(tmp_path, max_download_bytes=4000))
    assert isinstance(result, Unresolved) and "larger than the limit of 4000 bytes" in result.reason
    server.files["/files/ok.zip"] = zip_bytes({"main.tf": MAIN_TF})
    assert isinstance(resolve(f"{server.base}/files/ok.zip", None, settings=settings_for(tmp_path)), Resolved)
