"""Where configuration text comes from: the work tree, given texts, or git blobs.

``FileSource`` is what the loader reads and parses files through. An
``Overlay`` stands in for (part of) the work tree: texts given outright
(``None`` = the file does not exist) and git blobs, read only when a module
that is actually loaded needs them. So a pre-commit run on one small root
reads that root's files, not every ``.tf`` blob in the repository.
"""
from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Literal

from natpolicy.gc_pause import paused_gc
from natpolicy.loaders.hcl.file_scope import never_read
from natpolicy.loaders.hcl.parse import (
    ParseCache,
    ParsedFile,
    decode_tree,
    encode_tree,
    file_from_tree,
    parse_text,
    slim_tree,
    tree_parser,
)
from natpolicy.loaders.paths import TF_SUFFIXES  # a leaf: plan-only runs read it without the HCL stack

__all__ = ["TF_SUFFIXES", "Overlay", "FileSource", "ParseMemo", "within", "not_utf8",
           "PARALLEL_MIN_FILES", "PARALLEL_MIN_CPUS", "PARALLEL_MIN_BYTES"]

# (display path, text) -> parsed file: both sides of a git comparison share
# the files they have in common, so each is decoded once, not twice.
ParseMemo = dict[tuple[str, str], ParsedFile]


def _abs(path: Path | str) -> Path:
    return Path(os.path.abspath(path))


def within(path: Path | str, folder: Path | str) -> bool:
    try:
        Path(path).relative_to(folder)
    except ValueError:
        return False
    return True


class Overlay:
    """Texts that replace the disk: given ones, and blobs fetched on first read.

    ``texts`` maps a path to its text (``None``: the file does not exist);
    ``blobs`` maps a path to a blob id; ``read_blobs`` turns ids into texts.
    The first read in a folder fetches all of that folder's blobs at once:
    a module is loaded whole, so they are all needed.
    """

    def __init__(self, texts: Mapping[Path, str | None] | None = None, blobs: Mapping[Path, str] | None = None,
                 read_blobs: Callable[[list[str]], Mapping[str, str | None]] | None = None) -> None:
        self._texts: dict[Path, str | None] = {_abs(k): v for k, v in (texts or {}).items()}
        self._blobs = {_abs(k): v for k, v in (blobs or {}).items() if _abs(k) not in self._texts}
        self._read_blobs = read_blobs
        self._read: dict[Path, str | None] = {}
        self._by_dir: dict[Path, dict[Path, bool]] | None = None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, Path) and (path in self._texts or path in self._blobs)

    def text(self, path: Path) -> str | None:
        """The text of ``path`` (an absolute path it holds); ``None`` if it does not exist."""
        if path in self._texts:
            return self._texts[path]
        if path not in self._read:
            if path not in self._blobs or self._read_blobs is None:
                return None
            folder = [p for p in self.names_in(path.parent) if p in self._blobs and p not in self._read]
            texts = self._read_blobs([self._blobs[p] for p in folder])
            for p in folder:
                self._read[p] = texts.get(self._blobs[p])
        return self._read[path]

    def names_in(self, directory: Path) -> dict[Path, bool]:
        """Paths the overlay knows directly in ``directory``: True exists, False deleted."""
        if self._by_dir is None:
            by_dir: dict[Path, dict[Path, bool]] = {}
            for path in self._blobs:
                by_dir.setdefault(path.parent, {})[path] = True
            for path, text in self._texts.items():
                by_dir.setdefault(path.parent, {})[path] = text is not None
            self._by_dir = by_dir
        return self._by_dir.get(directory, {})

    def texts_read(self) -> dict[Path, str | None]:
        """Every text given or fetched so far (what a later step may need to show)."""
        return {**self._read, **self._texts}


class FileSource:
    """Reads configuration files, from disk or from an ``Overlay``.

    With ``only_overrides`` the disk is not consulted at all, so a whole
    revision can be checked. Parses are memoised per file (a module called
    many times is parsed once) and, through ``parse_memo``, per content.
    ``boundary``: folders (the repository, else the scanned folder) that a
    symbolic link must not lead out of; such a file is skipped, never read,
    and listed in ``skipped_links``. Nothing under ``.terraform/`` or ``.git/``
    is read, except the module packages ``allow_package`` names (a remote
    module that ``terraform init`` installed, or the module cache): those are
    read from disk even in git mode (``.terraform/`` is not committed), and a
    symbolic link in one must stay inside it.
    """

    def __init__(self, overrides: Mapping[Path, str | None] | Overlay | None = None, only_overrides: bool = False,
                 display: Callable[[Path], str] = lambda p: p.as_posix(),
                 cache: ParseCache | None | Literal["default"] = "default", parse_memo: ParseMemo | None = None,
                 boundary: Iterable[Path] = (), max_bytes: int | None = None) -> None:
        self.overlay = overrides if isinstance(overrides, Overlay) else Overlay(overrides)
        self.max_bytes = max_bytes  # files on disk larger than this are not read (None: no limit)
        self._unreadable: dict[Path, str] = {}  # why a file on disk could not be read
        self.only_overrides = only_overrides
        self.display = display
        # "default": the user's parse cache (keyed by content, so git revisions share it too).
        self.cache: ParseCache | None = ParseCache() if cache == "default" else cache
        self.parse_memo: ParseMemo = parse_memo if parse_memo is not None else {}
        self.boundary = [Path(os.path.realpath(b)) for b in boundary]
        self.skipped_links: dict[str, None] = {}  # display paths, in the order met
        self.unparsed: dict[str, None] = {}  # display paths of files that did not parse
        self._parsed: dict[Path, ParsedFile] = {}
        self._disk: dict[Path, list[Path]] = {}
        self._packages: dict[Path, Path] = {}  # remote module package (absolute) -> its real path

    def allow_package(self, package: Path) -> None:
        """Let the files of a remote module package be read (see the class documentation)."""
        lexical = _abs(package)
        self._packages.setdefault(lexical, Path(os.path.realpath(lexical)))

    def _package_of(self, path: Path) -> Path | None:
        return next((p for p in self._packages if within(path, p)), None)

    def _on_disk(self, path: Path) -> bool:
        """May the disk be read for ``path`` (in git mode, only inside a module package)?"""
        return not self.only_overrides or self._package_of(path) is not None

    def read(self, path: Path) -> str | None:
        path = _abs(path)
        if path in self.overlay:
            return self.overlay.text(path)
        if not self._on_disk(path) or self._escapes(path):
            return None
        try:
            if self.max_bytes is not None and (size := path.stat().st_size) > self.max_bytes:
                self._unreadable[path] = f"not read: {size:,} bytes, over the limit of {self.max_bytes:,}"
                return None
            data = path.read_bytes()
        except OSError:
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self._unreadable[path] = not_utf8(data, exc)
            return None
        if _mostly_zeros(data):  # ASCII text in UTF-16 without a byte order mark is valid UTF-8, full of NULs
            self._unreadable[path] = ("1: cannot read file: Terraform files must be UTF-8, and this one looks like "
                                      f"{_UTF16_NO_BOM}")
            return None
        return text

    def _escapes(self, path: Path) -> bool:
        """Does a symbolic link make ``path`` lead out of the boundary (or out of its module package)?
        Is it under ``.terraform/`` or ``.git/``, outside a module package?"""
        package = self._package_of(path)
        if package is not None:
            if within(Path(os.path.realpath(path)), self._packages[package]):
                return False
            self.skipped_links.setdefault(self.display(path), None)
            return True
        if self._hidden(path):
            return True
        if not self.boundary:
            return False
        real = Path(os.path.realpath(path))
        if real == path or any(within(real, b) for b in self.boundary):
            return False
        self.skipped_links.setdefault(self.display(path), None)
        return True

    def _hidden(self, path: Path) -> bool:
        """Under ``.terraform/`` or ``.git/`` below the repository (or scanned folder): never read."""
        for top in self.boundary:
            for base in (top, _abs(top)):
                if within(path, base):
                    return any(never_read(part) for part in path.relative_to(base).parts)
        return False

    def _disk_files(self, directory: Path) -> list[Path]:
        found = self._disk.get(directory)
        if found is None:
            try:
                found = sorted(p for p in directory.iterdir() if p.suffix in TF_SUFFIXES and p.is_file())
            except OSError:
                found = []
            found = [p for p in found if not self._escapes(p)]
            self._disk[directory] = found
        return found

    def config_files(self, directory: Path) -> list[Path]:
        """The module's ``.tf``/``.tofu`` files; ``x.tofu`` replaces ``x.tf`` (OpenTofu)."""
        directory = _abs(directory)
        names: set[Path] = set(self._disk_files(directory)) if self._on_disk(directory) else set()
        for path, exists in self.overlay.names_in(directory).items():
            if path.suffix in TF_SUFFIXES:
                if exists:
                    names.add(path)
                else:
                    names.discard(path)
        tofu_stems = {p.stem for p in names if p.suffix == ".tofu"}
        return sorted(p for p in names if p.suffix == ".tofu" or p.stem not in tofu_stems)

    def list_dir(self, directory: Path) -> list[Path]:
        """Every file directly in ``directory`` (for ``*.auto.tfvars``), overlay applied."""
        directory = _abs(directory)
        found: set[Path] = set()
        if not self.only_overrides:
            try:
                found |= {p for p in directory.iterdir() if p.is_file() and not self._escapes(p)}
            except OSError:
                pass
        for path, exists in self.overlay.names_in(directory).items():
            if exists:
                found.add(path)
            else:
                found.discard(path)
        return sorted(found)

    def has_config(self, directory: Path) -> bool:
        return bool(self.config_files(directory))

    def parse(self, path: Path) -> ParsedFile:
        path = _abs(path)
        parsed = self._parsed.get(path)
        if parsed is None:
            text = self.read(path)
            display = self.display(path)
            if text is None:
                why = self._unreadable.get(path, "1: cannot read file")
                parsed = ParsedFile(display, None, f"{display}:{why}" if why[:1].isdigit() else f"{display}:1: {why}")
            else:
                parsed = self.parse_memo.get((display, text)) or parse_text(text, display, self.cache)
                self.parse_memo[(display, text)] = parsed
            if parsed.error:
                self.unparsed.setdefault(display, None)
            self._parsed[path] = parsed
        return parsed

    def prefetch(self, paths: Iterable[Path]) -> None:
        """Parse a large batch of uncached files in parallel, ahead of need.

        Worker processes cost ~0.1 s each to start, so they are used only for
        many files not yet in the cache; their trees come back as compact
        bytes and go into the cache. Anything else is left to be parsed (or
        loaded from the cache) lazily, when a module actually needs it.
        """
        # Measured on 2 CPUs (benchmarks/RESULTS-hcl.md): from 1.5x faster than serial
        # (idle machine) to 1.6x slower (other jobs on the CPUs); so only with spare cores.
        cpus = os.cpu_count() or 1
        if cpus < PARALLEL_MIN_CPUS:
            return
        workers = min(max(cpus - 1, 2), 4)
        pending: list[tuple[Path, str]] = []
        for path in paths:
            path = _abs(path)
            if path in self._parsed:
                continue
            text = self.read(path)
            if text is not None and (self.cache is None or not self.cache.has(text)):
                pending.append((path, text))
        if len(pending) < PARALLEL_MIN_FILES or sum(len(t) for _, t in pending) < PARALLEL_MIN_BYTES:
            return
        for (path, text), encoded in zip(pending, _parse_in_pool([t for _, t in pending], workers), strict=True):
            if encoded is None:
                continue  # a syntax error: parse() reports it, with its line, when needed
            tree = decode_tree(marshal.loads(encoded))
            if self.cache is not None:
                self.cache.put_encoded(text, encoded)
            self._parsed[path] = file_from_tree(tree, self.display(path))


_UTF16_NO_BOM = "UTF-16 without a byte order mark (every other byte is zero)"


def _mostly_zeros(data: bytes) -> bool:
    head = data[:64]
    return bool(head) and head.count(0) * 3 >= len(head)


def not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    """"LINE: cannot read file: ..." for a file that is not UTF-8, with what it looks like instead."""
    line = data.count(b"\n", 0, error.start) + 1
    head = data[:4]
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        looks = "UTF-32 (it starts with a UTF-32 byte order mark)"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        looks = "UTF-16 (it starts with a UTF-16 byte order mark)"
    elif _mostly_zeros(data):
        looks = _UTF16_NO_BOM
    elif 0 not in data[:8192]:
        looks = "Latin-1 (ISO-8859-1) or Windows-1252"
    else:
        looks = "a binary file"
    return (f"{line}: cannot read file: Terraform files must be UTF-8, and byte 0x{data[error.start]:02x} "
            f"on this line is not; the file looks like {looks}")


PARALLEL_MIN_FILES = 48
PARALLEL_MIN_CPUS = 4
PARALLEL_MIN_BYTES = 64 * 1024


def _parse_one(text: str) -> bytes | None:
    """Worker: parse one file; the tree travels back as marshal bytes (far cheaper than pickled objects)."""
    from lark.exceptions import LarkError

    try:
        with paused_gc():
            return marshal.dumps(encode_tree(slim_tree(text)))
    except (LarkError, RecursionError, ValueError):
        return None


def _parse_in_pool(texts: list[str], workers: int) -> list[bytes | None]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    tree_parser()  # the wrong `hcl2` is reported here, not as a worker's traceback
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
            return list(pool.map(_parse_one, texts, chunksize=max(1, len(texts) // (workers * 4))))
    except (OSError, RuntimeError):  # no processes allowed here: parse serially
        return [None] * len(texts)
