"""Read-only git access for the deletion check: which repository, its files, their blobs.

git runs with fixed arguments only and is never asked to run anything from
the scanned repository: no hooks, filters, textconv or fsmonitor. Its
configuration is never changed either (a "dubious ownership" refusal is
reported with git's own advice, not worked around).
"""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from natpolicy.loaders.paths import TERRAFORM_SUFFIXES

__all__ = ["Git", "GitError", "GitRefused", "BlobReader", "TERRAFORM_FILES"]

TERRAFORM_FILES = TERRAFORM_SUFFIXES  # the files whose changes the hook and the diff look at
_BATCH = 256  # blob ids per cat-file request: 256 x 41 bytes stays far below a pipe's buffer
# core.fsmonitor may name a program; hooks never run for these read-only
# commands, and cat-file/ls-tree apply no filters or textconv drivers.
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=")


class GitError(Exception):
    """git is missing, or refused a command; the caller decides if that matters."""


class GitRefused(GitError):
    """The folder is in a git repository, but git will not read it (e.g. "dubious ownership")."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(reason)
        self.folder = folder
        self.reason = reason

    @property
    def hint(self) -> str:
        """git's own way out, for the refusals that have one."""
        if "dubious ownership" not in self.reason:
            return ""
        m = re.search(r"repository at '([^']+)'", self.reason)
        where = m.group(1) if m else str(self.folder)
        return (f"; if you trust this repository, `git config --global --add safe.directory {where}` "
                "lets git read it (common in CI containers; natpolicy never changes git's configuration)")

    @property
    def summary(self) -> str:
        """git's first line, without its ``fatal:`` prefix."""
        first = self.reason.strip().splitlines()[0] if self.reason.strip() else "git failed"
        return first.removeprefix("fatal: ")


class Git:
    """git with fixed arguments, run so that nothing of the repository's is executed."""

    def __init__(self, root: Path, git_dir: Path | None = None, common_dir: Path | None = None) -> None:
        self.root = root
        # Where an index may live: the work tree's .git, or for a linked
        # worktree <main>/.git/worktrees/<name>/ (and the common .git).
        self.index_folders = [p for p in (root, git_dir, common_dir) if p is not None]

    @classmethod
    def discover(cls, start: Path) -> Git | None:
        """The repository holding ``start``; ``None`` when there is none (or no git).

        Raises ``GitRefused`` when there is a repository git will not read:
        staying silent would quietly turn the deletion check off.
        """
        folder = start if start.is_dir() else start.parent
        try:
            out = _run(["git", *_SAFE, "-C", str(folder), "rev-parse", "--show-toplevel", "--absolute-git-dir",
                        "--git-common-dir"])
        except GitError as exc:
            reason = str(exc)
            if _not_a_work_tree(reason) or not _has_dot_git(folder):
                return None
            raise GitRefused(folder, reason) from None
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) < 3:
            return None
        top, git_dir, common = (Path(line) for line in lines[:3])
        if not common.is_absolute():  # older git prints it relative to the folder asked about
            common = Path(os.path.abspath(folder / common))
        return cls(top, git_dir, common)

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        return _run(["git", *_SAFE, "-C", str(self.root), *args], stdin, index_folders=self.index_folders)

    def commit(self, ref: str) -> str | None:
        try:
            out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
            return out.decode().strip()
        except GitError:
            return None

    def tree_files(self, commit: str) -> dict[str, str]:
        """Terraform files at ``commit``: repository path -> blob id (names only; no content is read)."""
        return {path: blob for mode, merged, blob, path in self._listing(commit)
                if merged and mode != b"120000" and wanted(path)}

    def index_files(self) -> dict[str, str]:
        """Terraform files in the index (staged content): repository path -> blob id."""
        return {path: blob for mode, merged, blob, path in self._listing(None)
                if merged and mode != b"120000" and wanted(path)}

    def tracked_files(self, commit: str | None) -> dict[str, str]:
        """Every regular file git tracks, in the index (``None``) or at ``commit``: path -> blob id.

        What HCL file functions may read: no symbolic links, submodules or
        conflict stages, and nothing the work tree holds beside them.
        """
        return {path: blob for mode, merged, blob, path in self._listing(commit)
                if merged and mode in (b"100644", b"100755")}

    def side_listing(self, commit: str | None) -> bytes:
        """Every entry a comparison side can read, from the index (``None``) or ``commit``: mode, blob id, path.

        The union of what ``tree_files``/``index_files`` and ``tracked_files`` keep, in one
        form for both: a staged index and the commit made from it give the same bytes, so
        they name the same side (``natpolicy.loaders.side_cache`` keys on it).
        """
        lines = sorted(f"{mode.decode()} {blob} {path}" for mode, usable, blob, path in self._listing(commit)
                       if usable and (mode in (b"100644", b"100755") or (mode != b"120000" and wanted(path))))
        return "\0".join(lines).encode("utf-8", "surrogateescape")

    def _listing(self, commit: str | None) -> Iterator[tuple[bytes, bool, str, str]]:
        """``(mode, usable, blob id, path)`` for each entry of the index (``None``) or of ``commit``.

        ``usable``: a blob at ``commit`` (not a submodule's commit), or an
        index entry at stage 0 (the merged content; conflict stages are not a
        configuration).
        """
        if commit is None:
            out = self.run("ls-files", "-s", "-z")
        else:
            out = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            fields = meta.split()
            if len(fields) < 3:
                continue
            # ls-files -s: mode blob stage; ls-tree: mode kind blob.
            mode, blob, usable = ((fields[0], fields[1], fields[2] == b"0") if commit is None
                                  else (fields[0], fields[2], fields[1] == b"blob"))
            yield mode, usable, blob.decode(), name.decode("utf-8", "surrogateescape")

    def blob_reader(self) -> BlobReader:
        return BlobReader(self)

    def staged_deletions(self) -> list[str]:
        """Repository paths deleted in the index relative to HEAD."""
        if self.commit("HEAD") is None:
            return []
        out = self.run("diff", "--cached", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv",
                       "-z", "--diff-filter=D", "HEAD", "--")
        return sorted(p for p in out.decode("utf-8", "surrogateescape").split("\0") if p)


class BlobReader:
    """One ``git cat-file --batch`` process, asked for blobs one at a time as modules need them.

    Starting git per blob would cost milliseconds each; reading every blob up
    front would read a whole repository for a one-folder root.
    """

    def __init__(self, git: Git) -> None:
        self._git = git
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, blobs: Sequence[str]) -> dict[str, str | None]:
        """Blob id -> text (``None``: no such blob); a folder's files in one round trip."""
        out: dict[str, str | None] = {}
        wanted = list(dict.fromkeys(blobs))
        # Requests are written ahead of the answers; a batch this small always fits
        # in the pipe, so neither side can block the other.
        for start in range(0, len(wanted), _BATCH):
            out.update(self._batch(wanted[start:start + _BATCH]))
        return out

    def _batch(self, blobs: list[str]) -> dict[str, str | None]:
        stdin, stdout = self._pipes()
        out: dict[str, str | None] = {}
        try:
            stdin.write(b"".join(blob.encode() + b"\n" for blob in blobs))
            stdin.flush()
            for blob in blobs:
                header = stdout.readline().split()
                if not header:
                    raise GitError("git cat-file stopped")
                if len(header) < 3 or header[1] == b"missing":
                    out[blob] = None
                    continue
                out[blob] = _read_exactly(stdout, int(header[2]) + 1)[:-1].decode("utf-8-sig", "replace")
        except OSError as exc:
            raise GitError(f"git cat-file stopped: {exc}") from None
        return out

    def raw(self, blob: str, limit: int) -> bytes | None:
        """One blob's bytes (``None``: missing); past ``limit`` bytes only ``limit + 1`` are kept."""
        stdin, stdout = self._pipes()
        try:
            stdin.write(blob.encode() + b"\n")
            stdin.flush()
            header = stdout.readline().split()
            if not header:
                raise GitError("git cat-file stopped")
            if len(header) < 3 or header[1] == b"missing":
                return None
            size = int(header[2])
            kept = _read_exactly(stdout, min(size, limit + 1))
            left = size - len(kept)
            while left > 0:  # the rest of a huge blob is read and dropped, never held
                left -= len(_read_exactly(stdout, min(left, 1 << 20)))
            stdout.read(1)  # the newline after the content
        except OSError as exc:
            raise GitError(f"git cat-file stopped: {exc}") from None
        return kept

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        if self._proc is None:
            try:
                self._proc = subprocess.Popen(["git", *_SAFE, "-C", str(self._git.root), "cat-file", "--batch"],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL, env=_env(None))
            except OSError as exc:
                raise GitError(str(exc)) from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def close(self) -> None:
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc.wait(timeout=30)
            self._proc = None


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise GitError("git cat-file stopped in the middle of a blob")
    return data


# What git needs from the caller's environment, and nothing else: the job's
# secrets (AWS_*, TF_TOKEN_*, GITHUB_TOKEN, ...) never reach git, and no other
# GIT_* variable (GIT_DIR and GIT_WORK_TREE, which a hook may inherit from the
# commit in progress, GIT_CONFIG_PARAMETERS, GIT_SSH_COMMAND, ...) steers it:
# -C decides the repository. HOME and XDG_CONFIG_HOME keep the user's global
# config, where a CI container's `safe.directory` lives; the system config
# stays read for the same reason (it is the machine owner's, not the repository's).
_GIT_ENV = ("PATH", "HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "TMPDIR",
            "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "HOMEDRIVE", "HOMEPATH", "TEMP", "TMP",
            # git's own switch for its "dubious ownership" refusal (its test suite's, and ours)
            "GIT_TEST_ASSUME_DIFFERENT_OWNER")


def _env(index_folders: Sequence[Path] | None) -> dict[str, str]:
    env = {name: os.environ[name] for name in _GIT_ENV if name in os.environ}
    # Read-only: never take the index lock, never prompt, never page.
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat", LC_ALL="C")
    index = os.environ.get("GIT_INDEX_FILE")
    if index and index_folders and any(_within(Path(index), folder) for folder in index_folders):
        # `git commit -a` / `git commit FILE` stage into a temporary index and
        # point hooks at it: that index is what is being committed. In a
        # linked worktree it lives under <main>/.git/worktrees/<name>/.
        env["GIT_INDEX_FILE"] = index
    return env


def _run(cmd: list[str], stdin: bytes | None = None, index_folders: Sequence[Path] | None = None) -> bytes:
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=_env(index_folders), check=False,
                              timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(str(exc)) from None
    if proc.returncode != 0:
        raise GitError(proc.stderr.decode("utf-8", "replace").strip() or f"git exited {proc.returncode}")
    return proc.stdout


def _not_a_work_tree(reason: str) -> bool:
    return "not a git repository" in reason or "must be run in a work tree" in reason


def _has_dot_git(folder: Path) -> bool:
    """Is there a repository git could have read? (Else a failure just means "no git here".)"""
    current = Path(os.path.abspath(folder))
    return any((f / ".git").exists() for f in (current, *current.parents))


def _within(path: Path, root: Path) -> bool:
    if not path.is_absolute():
        return False
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def wanted(path: str) -> bool:
    return path.endswith(TERRAFORM_FILES) and not re.search(r"(^|/)\.terraform/", path)
