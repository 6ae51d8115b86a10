"""Filling a cache entry from a git or HTTP package address (a source's or a registry's ``X-Terraform-Get``)."""
from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from natpolicy.loaders.modsource.address import (
    ModuleSource,
    SourceKind,
    parse_remote,
    redact_userinfo,
)
from natpolicy.loaders.modsource.archive import extract
from natpolicy.loaders.modsource.cache import Filled
from natpolicy.loaders.modsource.gitfetch import GitFetchError, GitSettings, clone
from natpolicy.loaders.modsource.hosts import is_loopback
from natpolicy.loaders.modsource.settings import Settings
from natpolicy.loaders.modsource.web import FetchError, check_url, fetch

__all__ = ["FetchRefused", "check_git_url", "fill_package", "git_settings", "is_local_address"]

# go-getter reads <meta name="terraform-get" content="…"> when the header is absent.
_META = re.compile(r"""<meta\s+name=["']terraform-get["']\s+content=["']([^"']+)["']""", re.IGNORECASE)


class FetchRefused(Exception):
    """A package address that may not be fetched; one line."""


def git_settings(settings: Settings) -> GitSettings:
    return GitSettings(git=settings.git, timeout=settings.git_timeout, env=settings.environ)


def is_local_address(source: ModuleSource) -> bool:
    """Does fetching ``source`` read this machine (a file:// URL or a loopback host)?"""
    parts = urllib.parse.urlsplit(source.url)
    return parts.scheme.lower() == "file" or is_loopback(parts.netloc.rpartition("@")[2])


def check_git_url(url: str, settings: Settings) -> None:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file" and not settings.allow_file_sources:
        raise FetchRefused(f"{redact_userinfo(url)}: file:// git sources are off (Settings.allow_file_sources)")
    if scheme == "http":
        # GIT_ALLOW_PROTOCOL leaves http out, loopback or not: say so before git does.
        raise FetchRefused(f"{redact_userinfo(url)} uses plain HTTP; git sources need https, ssh, git or file")


def fill_package(source: ModuleSource, package_dir: Path, scratch: Path, settings: Settings, *,
                 hops: int = 1, by_commit: bool = False, expect_commit: str = "") -> Filled:
    """Fetch ``source`` (GIT or HTTP) into the empty ``package_dir``; ``hops``: indirections still allowed.

    ``expect_commit``: the commit ``git ls-remote`` said the ref names; the
    entry is keyed by it, so a branch that moved in between is refused.
    """
    if source.kind is SourceKind.GIT:
        check_git_url(source.url, settings)
        commit = clone(source.url, source.ref, source.depth, package_dir, git_settings(settings), by_commit=by_commit)
        if expect_commit and commit != expect_commit:
            raise GitFetchError(f"{source.ref or 'the default branch'} moved while it was fetched; run again")
        check_tree(package_dir, max_bytes=settings.max_extracted_bytes, max_files=settings.max_files)
        return Filled(subdir="", resolved=commit)
    if source.kind is not SourceKind.HTTP:
        raise FetchRefused(f"{source.display}: {source.reason or 'not a git or HTTP package address'}")
    try:
        check_url(source.url)
    except FetchError as exc:
        raise FetchRefused(str(exc)) from None
    if source.archive:
        archive = scratch / "archive"
        fetch(source.url, timeout=settings.timeout, max_bytes=settings.max_download_bytes, dest=archive,
              total_seconds=settings.download_seconds)
        extract(archive, source.archive, package_dir, max_bytes=settings.max_extracted_bytes,
                max_files=settings.max_files)
        return Filled()
    if hops <= 0:
        raise FetchRefused(f"{source.display}: too many indirections (X-Terraform-Get pointing at another)")
    inner = parse_remote(http_location(source.url, settings))
    if inner.kind not in (SourceKind.GIT, SourceKind.HTTP):
        raise FetchRefused(f"{source.display} points at {inner.display}: {inner.reason or 'not a package address'}")
    refuse_local_from_remote(source.url, inner)
    filled = fill_package(inner, package_dir, scratch, settings, hops=hops - 1)
    return Filled(subdir=inner.subdir, resolved=filled.resolved)


def check_tree(folder: Path, *, max_bytes: int, max_files: int) -> None:
    """A checkout is held to the archive limits, so that no source kind is a way around them."""
    files = size = 0
    for current, dirs, names in os.walk(folder):
        files += len(names) + len(dirs)
        size += sum(os.lstat(os.path.join(current, name)).st_size for name in names)
        if files > max_files:
            raise FetchRefused(f"the checkout holds more than {max_files} files and folders")
        if size > max_bytes:
            raise FetchRefused(f"the checkout holds more than {max_bytes} bytes")


def refuse_local_from_remote(answered_by: str, inner: ModuleSource) -> None:
    """An answer from another machine may not send the fetch to this one (its loopback services or disk).

    ``answered_by`` is the URL whose answer named ``inner``; a loopback
    registry or mirror (the user's own) may point at loopback packages.
    """
    host = urllib.parse.urlsplit(answered_by).netloc.rpartition("@")[2]
    if is_local_address(inner) and not is_loopback(host):
        raise FetchRefused(f"{redact_userinfo(answered_by)} points at {inner.display}, on this machine; refused")


def http_location(url: str, settings: Settings) -> str:
    """go-getter's HTTP getter for a URL that is not an archive: ``?terraform-get=1`` names the package."""
    parts = urllib.parse.urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + "terraform-get=1"
    asked = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    answer = fetch(asked, timeout=settings.timeout, max_bytes=settings.max_response_bytes)
    location = answer.headers.get("X-Terraform-Get", "") or ""
    if not location:
        m = _META.search(answer.body.decode("utf-8", "replace"))
        location = m.group(1) if m else ""
    if not location:
        raise FetchRefused(f"{redact_userinfo(url)} is not an archive and names no module package (X-Terraform-Get)")
    if location.startswith(("/", "./", "../")):
        location = urllib.parse.urljoin(answer.url, location)
    return location
