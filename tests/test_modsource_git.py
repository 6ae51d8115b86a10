"""git sources cloned from local repositories (file:// is allowed here for local mirrors, as Settings says)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from modsource_fixtures import MAIN_TF, commit_files, git, make_repo, settings_for
from natpolicy.loaders.modsource import Origin, Resolved, Settings, Unresolved, resolve
from natpolicy.loaders.modsource.gitfetch import GitFetchError, GitSettings, clone, git_env


def _settings(tmp_path: Path, **changes: object) -> Settings:
    return settings_for(tmp_path, allow_file_sources=True, **changes)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "origin", {"main.tf": MAIN_TF + "# v1\n", "modules/nat/main.tf": "# nested v1\n"})
    git(path, "tag", "v1.0.0")
    git(path, "tag", "-a", "-m", "annotated", "v1.0.1")
    commit_files(path, {"main.tf": MAIN_TF + "# v2\n"}, "second")
    git(path, "checkout", "-q", "-b", "feature")
    commit_files(path, {"main.tf": MAIN_TF + "# feature\n"}, "feature")
    git(path, "checkout", "-q", "main")
    return path


def _last_line(result: Resolved | Unresolved, name: str = "main.tf") -> str:
    assert isinstance(result, Resolved), getattr(result, "message", result)
    return (result.directory / name).read_text().splitlines()[-1]


def test_default_branch(repo: Path, tmp_path: Path) -> None:
    result = resolve(f"git::file://{repo}", None, settings=_settings(tmp_path))
    assert _last_line(result) == "# v2"
    assert isinstance(result, Resolved)
    assert result.origin is Origin.GIT and result.version == git(repo, "rev-parse", "main")
    assert not (result.package_dir / ".git").exists()


@pytest.mark.parametrize(("ref", "expected"), [
    ("v1.0.0", "# v1"),  # lightweight tag
    ("v1.0.1", "# v1"),  # annotated tag
    ("feature", "# feature"),  # branch
    ("main", "# v2"),
])
def test_refs(repo: Path, tmp_path: Path, ref: str, expected: str) -> None:
    assert _last_line(resolve(f"git::file://{repo}?ref={ref}", None, settings=_settings(tmp_path))) == expected


def test_commit_full_and_abbreviated(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "v1.0.0")
    full = resolve(f"git::file://{repo}?ref={first}", None, settings=_settings(tmp_path))
    assert _last_line(full) == "# v1" and isinstance(full, Resolved) and full.version == first
    short = resolve(f"git::file://{repo}?ref={first[:10]}", None, settings=_settings(tmp_path / "other"))
    assert _last_line(short) == "# v1" and isinstance(short, Resolved) and short.version == first


def test_subdir_and_depth(repo: Path, tmp_path: Path) -> None:
    result = resolve(f"git::file://{repo}//modules/nat?ref=v1.0.0&depth=1", None, settings=_settings(tmp_path))
    assert _last_line(result) == "# nested v1"
    missing = resolve(f"git::file://{repo}//modules/none?ref=v1.0.0", None, settings=_settings(tmp_path))
    assert isinstance(missing, Unresolved) and "no subdirectory 'modules/none'" in missing.reason


def test_depth_needs_a_branch_or_tag(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "v1.0.0")
    result = resolve(f"git::file://{repo}?ref={first}&depth=1", None, settings=_settings(tmp_path))
    assert isinstance(result, Unresolved) and "depth requires ref to be a branch or tag" in result.reason


def test_checkouts_are_held_to_the_archive_limits(repo: Path, tmp_path: Path) -> None:
    many = resolve(f"git::file://{repo}", None, settings=_settings(tmp_path / "a", max_files=2))
    assert isinstance(many, Unresolved) and "more than 2 files and folders" in many.reason
    big = resolve(f"git::file://{repo}", None, settings=_settings(tmp_path / "b", max_extracted_bytes=10))
    assert isinstance(big, Unresolved) and "more than 10 bytes" in big.reason
    assert not list((tmp_path / "a" / "cache").rglob("*.tf"))


def test_unknown_ref(repo: Path, tmp_path: Path) -> None:
    result = resolve(f"git::file://{repo}?ref=nope", None, settings=_settings(tmp_path), module="vpc")
    assert isinstance(result, Unresolved) and "'nope' is neither a branch nor a tag" in result.reason


def test_file_sources_are_off_by_default(repo: Path, tmp_path: Path) -> None:
    result = resolve(f"git::file://{repo}", None, settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "file:// git sources are off" in result.reason


def test_second_run_and_offline_use_the_cache(repo: Path, tmp_path: Path) -> None:
    source = f"git::file://{repo}?ref=v1.0.0"
    first = resolve(source, None, settings=_settings(tmp_path))
    assert isinstance(first, Resolved)
    os.rename(repo, tmp_path / "gone")  # the remote disappears
    again = resolve(source, None, settings=_settings(tmp_path))
    assert isinstance(again, Resolved) and again.origin is Origin.CACHE and again.directory == first.directory
    assert "could not be reached" in again.notes[0] and first.version and first.version[:12] in again.notes[0]
    offline = resolve(source, None, settings=_settings(tmp_path, online=False))
    assert isinstance(offline, Resolved) and "downloads are off" in offline.notes[0]
    never = resolve(f"git::file://{repo}?ref=v9", None, settings=_settings(tmp_path), module="m")
    assert isinstance(never, Unresolved) and "not in the cache" in never.reason


def test_links_in_the_repository_are_checked_out_as_files(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"main.tf": MAIN_TF})
    os.symlink("/etc/passwd", origin / "creds.tf")
    commit_files(origin, {}, "a link")
    result = resolve(f"git::file://{origin}", None, settings=_settings(tmp_path))
    assert isinstance(result, Resolved)
    link = result.directory / "creds.tf"
    assert not link.is_symlink() and link.read_text() == "/etc/passwd"


def test_submodules_are_not_fetched(tmp_path: Path) -> None:
    inner = make_repo(tmp_path / "inner", {"secret.tf": "# inner\n"})
    outer = make_repo(tmp_path / "outer", {"main.tf": MAIN_TF})
    git(outer, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(inner), "sub")
    git(outer, "commit", "-q", "-m", "submodule")
    result = resolve(f"git::file://{outer}", None, settings=_settings(tmp_path))
    assert isinstance(result, Resolved)
    assert (result.directory / "sub").is_dir() and list((result.directory / "sub").iterdir()) == []


def test_user_configuration_and_hooks_never_run(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    hooks = home / "hooks"
    hooks.mkdir(parents=True)
    marker = tmp_path / "hook-ran"
    hook = hooks / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    (home / ".gitconfig").write_text(f"[core]\n\thooksPath = {hooks}\n")
    settings = _settings(tmp_path, env={"PATH": os.environ["PATH"], "HOME": str(home)})
    assert isinstance(resolve(f"git::file://{repo}", None, settings=settings), Resolved)
    assert not marker.exists()


def test_ext_transport_is_refused_even_past_the_parser(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    settings = GitSettings(git="git", timeout=30, env={"PATH": os.environ["PATH"]})
    with pytest.raises(GitFetchError):
        clone(f"ext::sh -c touch% {marker}", "", None, tmp_path / "dest", settings)
    assert not marker.exists()
    env = git_env({"PATH": "/bin", "HOME": "/h", "AWS_SECRET_ACCESS_KEY": "x", "GIT_DIR": "/evil"})
    assert env["GIT_ALLOW_PROTOCOL"] == "https:ssh:git:file" and env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_CONFIG_GLOBAL"] == os.devnull
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GIT_DIR" not in env


def test_git_times_out(tmp_path: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        port = silent.getsockname()[1]
        result = resolve(f"git::git://127.0.0.1:{port}/x.git?ref=main", None,
                         settings=_settings(tmp_path, git_timeout=1.0))
        assert isinstance(result, Unresolved) and "timed out after 1 s" in result.reason
    finally:
        silent.close()


def test_plain_http_git_is_refused_off_loopback(tmp_path: Path) -> None:
    result = resolve("git::http://example.com/x.git", None, settings=_settings(tmp_path))
    assert isinstance(result, Unresolved) and "plain HTTP" in result.reason
    loopback = resolve("git::http://127.0.0.1:9/x.git", None, settings=_settings(tmp_path))
    assert isinstance(loopback, Unresolved) and "plain HTTP" in loopback.reason
