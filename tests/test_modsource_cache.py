"""The content-addressed cache: where it lives, complete entries only, and concurrent runs."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modsource_fixtures import MAIN_TF, Server, serve, settings_for, tar_gz
from natpolicy.loaders.modsource import Resolved, Settings, default_cache_dir, resolve
from natpolicy.loaders.modsource.cache import Filled, ModuleCache


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve()


def test_cache_location_follows_xdg(tmp_path: Path) -> None:
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path), "HOME": "/h"}) == tmp_path / "natpolicy" / "modules"
    assert default_cache_dir({"XDG_CACHE_HOME": "relative/ignored", "HOME": "/h"}) == Path(
        "/h/.cache/natpolicy/modules")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/natpolicy/modules")
    settings = Settings(env={"XDG_CACHE_HOME": str(tmp_path)})
    assert settings.cache_root() == tmp_path / "natpolicy" / "modules"
    assert Settings(cache_dir=tmp_path / "c").cache_root() == tmp_path / "c"


def test_settings_repr_hides_the_environment() -> None:
    assert "secret-value" not in repr(Settings(env={"TF_TOKEN_example_com": "secret-value"}))


def test_an_entry_is_made_once_and_found_again(tmp_path: Path) -> None:
    cache = ModuleCache(tmp_path)
    calls: list[Path] = []

    def fill(package: Path, scratch: Path) -> Filled:
        calls.append(package)
        (package / "main.tf").write_text(MAIN_TF)
        return Filled(subdir="", resolved="abc")

    first = cache.store("registry", "h/ns/n/p", "1.0.0", fill)
    second = cache.store("registry", "h/ns/n/p", "1.0.0", fill)
    assert first == second and len(calls) == 1 and (first.folder / "main.tf").is_file()
    assert cache.package("registry", "h/ns/n/p", "1.0.1") is None
    assert [p.name for p in first.folder.parent.parent.iterdir()] == [first.folder.parent.name]  # no leftovers


def test_a_failed_fill_leaves_no_entry(tmp_path: Path) -> None:
    cache = ModuleCache(tmp_path)

    def fill(package: Path, scratch: Path) -> Filled:
        (package / "half.tf").write_text("#")
        raise OSError("network went away")

    with pytest.raises(OSError):
        cache.store("http", "https://e.com/m.zip", "", fill)
    assert cache.package("http", "https://e.com/m.zip", "") is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_concurrent_runs_never_corrupt_an_entry(tmp_path: Path) -> None:
    cache = ModuleCache(tmp_path)
    barrier = threading.Barrier(6)
    results: list[Path] = []
    errors: list[BaseException] = []

    def fill(package: Path, scratch: Path) -> Filled:
        for i in range(20):
            (package / f"f{i}.tf").write_text(f"# {threading.get_ident()}\n")
        time.sleep(0.05)  # every run is mid-fill when the first one renames
        return Filled()

    def run() -> None:
        try:
            barrier.wait()
            results.append(cache.store("registry", "h/ns/n/p", "1.0.0", fill).folder)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(results)) == 1
    folder = results[0]
    owners = {(folder / f"f{i}.tf").read_text() for i in range(20)}
    assert len(owners) == 1  # all files from the one run that won
    assert [p.name for p in folder.parent.parent.iterdir()] == [folder.parent.name]


def test_concurrent_resolutions_share_one_download(server: Server, tmp_path: Path) -> None:
    server.module("acme/vpc/aws", {"1.0.0": tar_gz({"main.tf": MAIN_TF})})
    settings = settings_for(tmp_path)
    out: list[Resolved] = []

    def run() -> None:
        result = resolve(f"{server.host}/acme/vpc/aws", "1.0.0", settings=settings)
        assert isinstance(result, Resolved)
        out.append(result)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and len({r.directory for r in out}) == 1
    assert (out[0].directory / "main.tf").read_text() == MAIN_TF


def test_natpolicy_cache_dir_holds_the_module_cache_too(tmp_path: Path) -> None:
    env = {"NATPOLICY_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": "/x", "HOME": "/h"}
    assert default_cache_dir(env) == tmp_path / "modules"
    assert default_cache_dir({"NATPOLICY_CACHE_DIR": "relative", "HOME": "/h"}) == Path("/h/.cache/natpolicy/modules")
