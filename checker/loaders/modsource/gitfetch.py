"""Fetching a git module source with ``git`` run so that nothing of the repository's can run.

git gets a clean, explicit environment and fixed arguments:
- ``GIT_ALLOW_PROTOCOL=https:ssh:git:file`` (never ``ext``, which runs a
  command; ``file`` serves local mirrors and is further gated by
  ``Settings.allow_file_sources``), and ``-c protocol.ext.allow=never``;
- no system or global configuration (``GIT_CONFIG_NOSYSTEM``,
  ``GIT_CONFIG_GLOBAL=/dev/null``), so no credential helper, filter,
  ``core.sshCommand`` or alias of the user's can be triggered by a hostile
  address; no hooks (``core.hooksPath=/dev/null``), no fsmonitor;
- no prompts (``GIT_TERMINAL_PROMPT=0``, ssh in batch mode), no submodules;
- ``core.symlinks=false``: a link in the repository is checked out as a
  small file holding its target, so a module can never point the loader at
  a file of the runner's;
- a timeout, after which git and its helpers are killed.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitFetchError", "GitSettings", "clone", "git_env", "remote_commit"]

_COMMIT = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_SAFE_CONFIG = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "protocol.ext.allow=never",
                "-c", "core.symlinks=false", "-c", "submodule.recurse=false", "-c", "advice.detachedHead=false",
                "-c", "credential.helper=", "-c", "core.askPass=")


class GitFetchError(Exception):
    """git failed or was refused; one line (git's first error line)."""


@dataclass(frozen=True)
class GitSettings:
    git: str
    timeout: float
    env: Mapping[str, str]


def is_commit(ref: str) -> bool:
    return bool(_COMMIT.fullmatch(ref))


def git_env(env: Mapping[str, str]) -> dict[str, str]:
    """Only what git needs: PATH and HOME (ssh keys), the ssh agent, and the safety settings."""
    clean = {k: env[k] for k in ("PATH", "HOME", "SSH_AUTH_SOCK", "SYSTEMROOT") if k in env}
    clean.update(GIT_ALLOW_PROTOCOL="https:ssh:git:file", GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1",
                 GIT_CONFIG_GLOBAL=os.devnull, GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C",
                 GIT_SSH_COMMAND="ssh -o BatchMode=yes", GIT_PROTOCOL_FROM_USER="0")
    return clean


def _run(args: Sequence[str], settings: GitSettings, cwd: Path | None = None) -> str:
    cmd = [settings.git, *_SAFE_CONFIG, *args]
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=git_env(settings.env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise GitFetchError(f"git could not start: {exc.strerror or exc}") from None
    try:
        out, err = proc.communicate(timeout=settings.timeout)
    except subprocess.TimeoutExpired:
        # git's helpers (git-remote-https, ssh) are in its session: end them all.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        raise GitFetchError(f"git {args[0]} timed out after {settings.timeout:g} s") from None
    if proc.returncode != 0:
        lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        first = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else "")
        raise GitFetchError(" ".join(first.split()) or f"git {args[0]} exited {proc.returncode}")
    return out.decode("utf-8", "replace")


def remote_commit(url: str, ref: str, settings: GitSettings) -> str | None:
    """The commit ``ref`` (branch, tag, or "" for the default branch) names on the remote; None if unknown there."""
    out = _run(["ls-remote", "--", url, *((ref, f"refs/tags/{ref}^{{}}") if ref else ("HEAD",))], settings)
    found: dict[str, str] = {}
    for line in out.splitlines():
        commit, _, name = line.partition("\t")
        found[name] = commit
    if not ref:
        return found.get("HEAD")
    # A peeled annotated tag names the commit; the tag object itself does not.
    for name in (f"refs/tags/{ref}^{{}}", f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if name in found:
            return found[name]
    return None


def clone(url: str, ref: str, depth: int | None, dest: Path, settings: GitSettings, *, by_commit: bool = False) -> str:
    """Check ``url`` out at ``ref`` into the new folder ``dest``; returns the commit. ``.git`` is removed.

    ``by_commit``: ``ref`` is a commit (full or abbreviated), not a branch or tag.
    """
    if ref and (by_commit or is_commit(ref)):
        # A commit cannot be named to --branch: full clone, then check it out (as go-getter does).
        _run(["clone", "--no-checkout", "--no-recurse-submodules", "--", url, str(dest)], settings)
        _run(["checkout", "--detach", ref, "--"], settings, cwd=dest)
    else:
        args = ["clone", "--depth", str(depth or 1), "--no-recurse-submodules", "--single-branch"]
        if ref:
            args += ["--branch", ref]
        _run([*args, "--", url, str(dest)], settings)
    commit = _run(["rev-parse", "HEAD"], settings, cwd=dest).strip()
    shutil.rmtree(dest / ".git", ignore_errors=True)
    _refuse_links(dest)
    return commit


def _refuse_links(dest: Path) -> None:
    """core.symlinks=false leaves none; a link found anyway is removed, never followed."""
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink():
                path.unlink()
