"""Evaluated sides of a git comparison, kept across runs in the user's cache directory.

The pre-commit hook loads the staged configuration and ``HEAD``, and most of
its time goes to evaluating both (expressions, ``count``/``for_each``,
modules). Between two runs of the hook on the same commit neither side
changes, so each side's result is stored under a key that covers everything
its evaluation reads, and a later run with the same key reads it back
instead of evaluating again (``benchmarks/RESULTS-hcl.md`` has the numbers).

A wrong key would hide findings in a security gate, so the key is built from
*all* of the following, and a side is stored only when its load read nothing
else:

* the side's whole git listing: every path with its mode and blob id (the
  ``.tf`` files, the files ``file()``/``fileset()`` may read, nested modules),
  from the index or the commit the side is read from, in one form for both
  (so the index one run checked is found again once it is committed);
* the texts given from the disk (``--var-file``), with their paths;
* the roots, the display root, the repository's place and the working folder;
* ``--var`` values, the remote-module options, the evaluation budget
  (``hcl-budget``), whether variables are checked (the new side), and
  ``TF_WORKSPACE`` (``terraform.workspace``);
* natpolicy's version and the size and modification time of each of its source
  files, python-hcl2's, lark's and Python's versions.

Not stored (evaluated every time): a run with ``--var`` values or
``--var-file`` files (often secrets, which must not outlive the run), a side
that calls a remote module (read from ``.terraform/modules`` or the module
cache on disk, outside the listing), a side whose git listing or files could
not be read, or one holding a value the codec does not write. Entries are named by the key's SHA-256 under the cache
directory (never by anything in the repository), written atomically, and
read with ``marshal`` of plain containers (``natpolicy.loaders.side_codec``),
which cannot run code. ``NATPOLICY_NO_CACHE=1`` turns the cache off.
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from natpolicy.loaders.result import LoadResult
from natpolicy.records import record, replace

__all__ = ["SideCache", "SideKey", "WatchedReads", "code_fingerprint", "load_side", "side_key", "storable"]

_VERSION = "natpolicy-sides-1"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """natpolicy's version and its source files' sizes and times, and the parser's and Python's versions.

    A changed evaluator (an upgrade, or an edited checkout) must never read
    what the old one stored.
    """
    from importlib.util import find_spec

    import natpolicy

    parts = [_VERSION, getattr(natpolicy, "__version__", "?"), sys.version]
    # The parser's packages by their files (their versions are in them), found without importing
    # them: a run that reads every side back never needs the parser.
    tops = [os.path.dirname(os.path.realpath(natpolicy.__file__))]
    for name in ("hcl2", "lark"):
        spec = find_spec(name)
        if spec is not None and spec.origin:
            tops.append(os.path.dirname(os.path.realpath(spec.origin)))
        else:
            parts.append(f"{name}: not installed")
    for top in tops:
        parts.append(top)
        for current, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".lark")):
                    path = os.path.join(current, name)
                    try:
                        info = os.stat(path)
                    except OSError:
                        continue
                    parts.append(f"{path[len(top):]}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@record(frozen=True)
class SideKey:
    """What one side's evaluation reads, besides its git listing (see the module documentation)."""

    roots: tuple[str, ...]
    display_root: str
    repository: str
    variables: tuple[tuple[str, str], ...]
    var_files: tuple[tuple[str, str | None], ...]  # (absolute path, text read from the disk)
    modules: str
    check_inputs: bool  # --var/--var-file values checked against the declarations (the new side)

    def digest(self, listing: bytes) -> str:
        from natpolicy.loaders.hcl import budget

        fields = [code_fingerprint(), repr(self), repr(budget.limits()), os.getcwd(),
                  repr(os.environ.get("TF_WORKSPACE")), hashlib.sha256(listing).hexdigest()]
        return hashlib.sha256(repr(fields).encode("utf-8", "surrogatepass")).hexdigest()


def side_key(roots: Sequence[Path], display_root: Path, repository: Path, variables: Mapping[str, str] | None,
             var_files: Mapping[Path, str | None], modules: Any, check_inputs: bool) -> SideKey | None:
    """The key's parts, or ``None`` when the side must not be stored.

    Not with ``--var`` values or ``--var-file`` files: they often carry secrets (from the
    CI's environment, or a file kept out of git), and the evaluated side holds them;
    written into the cache they would outlive the run and leave their folder.
    Nor with remote-module settings given in code (what they read cannot be named).
    """
    from natpolicy.loaders.hcl.remote_modules import ModuleOptions

    if variables or var_files:
        return None
    if modules is not None and (not isinstance(modules, ModuleOptions) or modules.settings is not None):
        return None
    options = modules or ModuleOptions()
    return SideKey(
        roots=tuple(os.path.abspath(r) for r in roots),
        display_root=os.path.abspath(display_root),
        repository=os.path.abspath(repository),
        variables=tuple(sorted((variables or {}).items())),
        var_files=tuple(sorted((str(p), t) for p, t in var_files.items())),
        modules=f"download={options.download} require={options.require}",
        check_inputs=check_inputs,
    )


def storable(result: LoadResult) -> bool:
    """Did the load read only what the key covers? A remote module call reads the disk."""
    return not result.module_sources and not result.unloaded_modules


class SideCache:
    """Evaluated sides under ``<cache directory>/sides``; every problem with it just means evaluating."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @classmethod
    def for_user(cls) -> SideCache:
        from natpolicy.loaders.hcl.cache_dir import default_cache_dir

        parse_dir = default_cache_dir()  # NATPOLICY_CACHE_DIR / NATPOLICY_NO_CACHE, as for parse trees
        return cls(parse_dir / "sides" if parse_dir is not None else None)

    def _path(self, digest: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / digest[:2] / digest[2:]

    def get(self, digest: str) -> tuple[LoadResult, dict[Path, str | None]] | None:
        from natpolicy.loaders.side_codec import decode_side

        path = self._path(digest)
        if path is None:
            return None
        try:
            return decode_side(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None

    def put(self, digest: str, result: LoadResult, texts: dict[Path, str | None]) -> bool:
        from natpolicy.loaders.side_codec import Unencodable, encode_side

        path = self._path(digest)
        if path is None or not storable(result):
            return False
        try:
            data = encode_side(result, texts)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # atomic: two hooks at once never read half a file
        except (OSError, ValueError, RecursionError, Unencodable):
            return False
        return True


class WatchedReads:
    """A blob reader that remembers a failure: a side that could not read a file is not stored."""

    def __init__(self, raw: Callable[[str, int], bytes | None]) -> None:
        self._raw = raw
        self.failed = False

    def __call__(self, blob: str, limit: int) -> bytes | None:
        try:
            return self._raw(blob, limit)
        except Exception:
            self.failed = True
            raise


# A side's load: its result, the texts it read, and whether every read succeeded.
SideLoad = Callable[[], tuple[LoadResult, dict[Path, str | None], bool]]


def load_side(cache: SideCache, key: SideKey | None, listing: Callable[[], bytes],
              load: SideLoad) -> tuple[LoadResult, dict[Path, str | None]]:
    """``load()``, or what an earlier run stored under the same key (``listing``: git's listing of the side).

    The base side (``check_inputs`` off) also takes what the new side of an earlier run
    stored for the same listing, which is what happens after a commit: the index the last
    run checked is now ``HEAD``. Checking inputs only adds errors, and the remote modules
    that ``base_side`` reads differently are never stored, so a new side stored without
    errors is exactly what the base side would give.
    """
    if cache.directory is None or key is None:
        result, texts, _ = load()
        return result, texts
    try:
        seen = listing()
    except Exception:  # git could not list the side: evaluate, and store nothing
        result, texts, _ = load()
        return result, texts
    digest = key.digest(seen)
    found = cache.get(digest)
    if found is None and not key.check_inputs:
        stored = cache.get(replace(key, check_inputs=True).digest(seen))
        found = stored if stored is not None and not stored[0].errors else None
    if found is not None:
        return found
    result, texts, clean = load()
    if clean:
        cache.put(digest, result, texts)
    return result, texts
