"""``resolve``: one module source (and version constraint) to a local folder, or a one-line reason.

Order for remote sources: the cache first (an exact version never changes),
then the network when ``Settings.online``; when the network fails, a cached
copy that may be out of date is used with a note saying so. Nothing from a
module is executed, and no failure escapes as an exception: every expected
failure is an ``Unresolved``.
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from natpolicy.loaders.modsource.address import (
    ModuleSource,
    SourceKind,
    parse_remote,
    parse_source,
    redact_userinfo,
)
from natpolicy.loaders.modsource.archive import ArchiveError
from natpolicy.loaders.modsource.cache import CacheEntry, Filled, ModuleCache
from natpolicy.loaders.modsource.fetchers import (
    FetchRefused,
    check_git_url,
    fill_package,
    git_settings,
    refuse_local_from_remote,
)
from natpolicy.loaders.modsource.gitfetch import GitFetchError, is_commit, remote_commit
from natpolicy.loaders.modsource.registry import (
    RegistryError,
    download_location,
    list_versions,
    modules_service,
)
from natpolicy.loaders.modsource.results import Origin, Resolved, Unresolved, one_line
from natpolicy.loaders.modsource.settings import Settings
from natpolicy.loaders.modsource.versions import (
    VersionError,
    newest_matching,
    parse_constraints,
    parse_version,
)
from natpolicy.loaders.modsource.web import FetchError

__all__ = ["resolve"]

_ABBREVIATED_COMMIT = re.compile(r"^[0-9a-f]{7,63}$")
_EXPECTED = (RegistryError, FetchError, FetchRefused, GitFetchError, ArchiveError, VersionError, OSError)


class _Fail(Exception):
    """An Unresolved on its way out of nested helpers."""


def resolve(source: str | ModuleSource, version_constraint: str | None = None, *, settings: Settings,
            module: str = "", base_dir: Path | None = None, package_root: Path | None = None) -> Resolved | Unresolved:
    """Resolve one ``module`` block's ``source`` (and ``version``).

    ``module`` names the call in messages (``vpc``, ``vpc.sg``). A local
    source needs ``base_dir`` (the calling module's folder) and stays inside
    ``package_root`` when given (a remote package's own folder).
    """
    parsed = source if isinstance(source, ModuleSource) else parse_source(source)

    def unresolved(reason: str) -> Unresolved:
        # git quotes URLs back in its errors: a password in one is hidden like in the source itself.
        return Unresolved(source=parsed.display, reason=redact_userinfo(one_line(reason)), module=module)

    try:
        if parsed.kind is SourceKind.UNSUPPORTED:
            return unresolved(parsed.reason)
        if version_constraint and version_constraint.strip() and parsed.kind is not SourceKind.REGISTRY:
            return unresolved("a version constraint applies only to registry modules (Terraform refuses it too)")
        if parsed.kind is SourceKind.LOCAL:
            return _local(parsed, base_dir, package_root)
        cache = ModuleCache(settings.cache_root())
        if parsed.kind is SourceKind.REGISTRY:
            return _registry(parsed, version_constraint, settings, cache)
        if parsed.kind is SourceKind.GIT:
            return _git(parsed, settings, cache)
        return _http(parsed, settings, cache)
    except _Fail as exc:
        return unresolved(str(exc))
    except _EXPECTED as exc:
        return unresolved(str(exc) or type(exc).__name__)


def _resolved(source: ModuleSource, entry: CacheEntry, version: str | None, origin: Origin,
              notes: list[str]) -> Resolved:
    subdir = os.path.join(entry.subdir, source.subdir) if entry.subdir and source.subdir else (
        entry.subdir or source.subdir)
    directory = Path(os.path.normpath(entry.folder / subdir)) if subdir else entry.folder
    real, root = Path(os.path.realpath(directory)), Path(os.path.realpath(entry.folder))
    if real != root and root not in real.parents:
        raise _Fail(f"subdirectory {subdir!r} leads outside the package")
    if not directory.is_dir():
        raise _Fail(f"the package has no subdirectory {subdir!r}")
    return Resolved(source=source, package_dir=entry.folder, directory=directory, version=version, origin=origin,
                    notes=tuple(notes))


def _local(source: ModuleSource, base_dir: Path | None, package_root: Path | None) -> Resolved | Unresolved:
    if base_dir is None:
        raise _Fail("a local path is read from the calling module's folder (no base_dir given)")
    directory = Path(os.path.normpath(base_dir / source.path))
    root = Path(os.path.realpath(package_root if package_root is not None else base_dir))
    real = Path(os.path.realpath(directory))
    if package_root is not None and real != root and root not in real.parents:
        raise _Fail("a local path may not leave its module package")
    if not real.is_dir():
        raise _Fail(f"{directory} is not a folder")
    return Resolved(source=source, package_dir=package_root or directory, directory=directory, version=None,
                    origin=Origin.LOCAL)


# -- registry ---------------------------------------------------------------------------------------

def _registry(source: ModuleSource, constraint: str | None, settings: Settings, cache: ModuleCache) -> Resolved:
    constraints = parse_constraints(constraint)
    notes: list[str] = []
    package = source.package
    exact = constraints.exact
    if exact is not None and constraints.allows(exact):
        # A pinned version already in the cache needs no version list at all.
        entry = cache.package("registry", package, str(exact))
        if entry is not None:
            return _resolved(source, entry, exact.original or str(exact), Origin.CACHE, notes)
    services: dict[str, str] = {}  # discovery is asked once per resolution

    def service() -> str:
        if "modules.v1" not in services:
            services["modules.v1"] = modules_service(source.host, settings)
        return services["modules.v1"]

    versions = _versions(source, settings, cache, notes, service)
    chosen = newest_matching(versions, constraints)
    if chosen is None:
        newest = sorted(versions, key=_sort_key)[-5:]
        raise _Fail(f"no version of {package} matches {constraints} (newest: {', '.join(reversed(newest)) or 'none'})")
    canonical = str(parse_version(chosen))
    entry = cache.package("registry", package, canonical)
    if entry is not None:
        return _resolved(source, entry, chosen, Origin.CACHE, notes)
    if not settings.online:
        raise _Fail(f"{package} {chosen} is not in the cache and downloads are off")
    location, answered_by = download_location(source, chosen, settings, service())
    inner = parse_remote(location)
    if inner.kind not in (SourceKind.GIT, SourceKind.HTTP):
        raise _Fail(f"{package} {chosen}: the registry's download location is unusable: {inner.reason}")
    refuse_local_from_remote(answered_by, inner)
    entry = cache.store("registry", package, canonical,
                        lambda pkg, scratch: _with_subdir(inner, fill_package(inner, pkg, scratch, settings)))
    return _resolved(source, entry, chosen, Origin.REGISTRY, notes)


def _with_subdir(inner: ModuleSource, filled: Filled) -> Filled:
    """The registry's location may name a subdirectory (``…//modules/x``) besides the one its fetch found."""
    subdir = os.path.join(filled.subdir, inner.subdir) if filled.subdir and inner.subdir else (
        filled.subdir or inner.subdir)
    return Filled(subdir=subdir, resolved=filled.resolved)


def _sort_key(text: str) -> tuple[int, object]:
    try:
        return (1, parse_version(text))
    except VersionError:
        return (0, text)


def _versions(source: ModuleSource, settings: Settings, cache: ModuleCache, notes: list[str],
              service: Callable[[], str]) -> tuple[str, ...]:
    cached = cache.read_list("versions", source.package)
    if cached is not None and cached.age() < settings.version_list_ttl:
        return cached.values
    if settings.online:
        try:
            fresh = list_versions(source, settings, service())
        except RegistryError as exc:
            if cached is None:
                raise
            notes.append(f"{source.package}: the registry could not be asked ({one_line(exc)}); used the version "
                         f"list cached {_ago(cached.fetched_at)}")
            return cached.values
        cache.write_list("versions", source.package, fresh)
        return tuple(fresh)
    if cached is None:
        raise _Fail(f"downloads are off and no version list of {source.package} is cached")
    notes.append(f"{source.package}: downloads are off; used the version list cached {_ago(cached.fetched_at)}")
    return cached.values


def _ago(when: float) -> str:
    minutes = max(0, int((time.time() - when) // 60))
    return f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"


# -- git --------------------------------------------------------------------------------------------

def _git(source: ModuleSource, settings: Settings, cache: ModuleCache) -> Resolved:
    check_git_url(source.url, settings)
    notes: list[str] = []
    ref_key = source.package  # url + ref: what the last resolution of this ref gave, for offline runs
    by_commit = False
    if is_commit(source.ref):
        commit: str | None = source.ref
    elif settings.online:
        try:
            commit = remote_commit(source.url, source.ref, git_settings(settings))
        except GitFetchError as exc:
            commit = _remembered(cache, ref_key, notes, f"could not be reached ({one_line(exc)})", source)
        if commit is None and _ABBREVIATED_COMMIT.fullmatch(source.ref):
            by_commit, commit = True, None
        elif commit is None:
            raise _Fail(f"{source.ref!r} is neither a branch nor a tag of {source.display}")
    else:
        commit = _remembered(cache, ref_key, notes, "was not asked (downloads are off)", source)
    if source.depth and (by_commit or is_commit(source.ref)):
        # go-getter clones with --depth N --branch REF, which a commit cannot be.
        raise _Fail("setting depth requires ref to be a branch or tag name (as in Terraform)")
    key = commit or source.ref  # an abbreviated commit names the same tree every time too
    entry = cache.package("git", source.url, key)
    if entry is not None:
        return _resolved(source, entry, entry.resolved or commit, Origin.CACHE, notes)
    if not settings.online:
        raise _Fail(f"{source.display} is not in the cache and downloads are off")
    expect = "" if by_commit or commit is None else commit
    entry = cache.store("git", source.url, key, lambda pkg, scratch: fill_package(
        source, pkg, scratch, settings, by_commit=by_commit, expect_commit=expect))
    if not is_commit(source.ref) and entry.resolved:
        cache.write_list("refs", ref_key, [entry.resolved])
    return _resolved(source, entry, entry.resolved or commit, Origin.GIT, notes)


def _remembered(cache: ModuleCache, ref_key: str, notes: list[str], why: str, source: ModuleSource) -> str:
    remembered = cache.read_list("refs", ref_key)
    if remembered is None or not remembered.values:
        raise _Fail(f"the repository {why}, and {source.ref or 'its default branch'} is not in the cache")
    notes.append(f"{source.display}: the repository {why}; used the commit {remembered.values[0][:12]} cached "
                 f"{_ago(remembered.fetched_at)}")
    return remembered.values[0]


# -- HTTP -------------------------------------------------------------------------------------------

def _http(source: ModuleSource, settings: Settings, cache: ModuleCache) -> Resolved:
    # A URL names one package; like Terraform, a later change behind the same URL is not looked for.
    entry = cache.package("http", source.package, "")
    if entry is not None:
        return _resolved(source, entry, None, Origin.CACHE, [])
    if not settings.online:
        raise _Fail(f"{source.display} is not in the cache and downloads are off")
    entry = cache.store("http", source.package, "",
                        lambda pkg, scratch: fill_package(source, pkg, scratch, settings))
    return _resolved(source, entry, entry.resolved or None, Origin.HTTP, [])
