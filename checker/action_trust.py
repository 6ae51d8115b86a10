"""What the GitHub Action trusts on a pull request: the base branch, not the PR.

On a ``pull_request`` event the checkout holds code the PR's author wrote. The
settings that decide the gate and the policies that run must not be theirs to
change, so this module reads them from the pull request's **base** commit
(``pull_request.base.sha`` in the event file), fetching it when a shallow
checkout lacks it:

- the ``config`` input's file, else the config file natpolicy would find, as
  it is on the base branch; every path the ``policy`` and ``baseline`` inputs
  name inside the repository, as they are on the base branch. A path that is
  not on the base branch is refused (the PR adds it);
- the PR's own config is compared with the base branch's, setting by setting
  (action_gate): where it tightens or only tunes the gate it is honoured;
  where it relaxes it the base branch's value is used and the job summary
  names the setting; policy paths only the PR names never run.

``trust-pr-config: true`` turns all of this off (the PR's files are used as
checked out) but the summary still names what the PR relaxed. Outside a pull
request (push, workflow_dispatch) the checkout is the trusted branch itself.

The base branch's files are copied under a private folder (``git cat-file``:
no filter, textconv or hook runs) and natpolicy is pointed at the copies.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from natpolicy.action_gate import Relaxed, copy_of, exception_key, merge
from natpolicy.config import CONFIG_NAMES, Config, find_config, load_config
from natpolicy.loaders.gitrepo import Git, GitError

__all__ = ["BaseTree", "PullRequest", "TrustError", "Trusted", "prepare", "pull_request"]

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_REGULAR = (b"100644", b"100755")


class TrustError(Exception):
    """The trusted settings cannot be established; one ``::error`` line, exit 2."""


@dataclass(frozen=True)
class PullRequest:
    base: str  # the base commit, pull_request.base.sha


def pull_request(env: Mapping[str, str]) -> PullRequest | None:
    """The pull request the event is about (or the merge queue's group); ``None`` for push, workflow_dispatch.

    Fails closed: a ``pull_request*`` event whose file names no base commit is
    an error, not a run on the PR's own settings.
    """
    name = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH", "")
    payload: Any = None
    if path:
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            if name.startswith("pull_request"):
                raise TrustError(f"cannot read the event file {path}: {exc}") from None
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    group = payload.get("merge_group") if isinstance(payload, dict) else None
    if isinstance(group, dict) and not isinstance(pr, dict):
        # A merge queue checks the PRs' changes on top of the target branch: that branch is the base.
        sha = group.get("base_sha")
    elif not isinstance(pr, dict):
        if name.startswith(("pull_request", "merge_group")):
            raise TrustError(f"the {name} event file has no {name if name == 'merge_group' else 'pull_request'} "
                             "object, so the base branch is unknown")
        return None
    else:
        base = pr.get("base")
        sha = base.get("sha") if isinstance(base, dict) else None
    if not isinstance(sha, str) or not _SHA.match(sha):
        field_name = "pull_request.base.sha" if isinstance(pr, dict) else "merge_group.base_sha"
        raise TrustError(f"the event's {field_name} is missing or not a commit id")
    return PullRequest(base=sha)


class BaseTree:
    """The repository's files as they are at the base commit, read with ``git cat-file``."""

    def __init__(self, git: Git, commit: str) -> None:
        self.git = git
        self.commit = commit
        self.root = Path(os.path.realpath(git.root))

    @classmethod
    def open(cls, folder: Path, commit: str) -> BaseTree:
        try:
            git = Git.discover(folder)
        except GitError as exc:
            raise TrustError(f"git cannot read the checkout at {folder}: {str(exc).strip().splitlines()[0]}") from None
        if git is None:
            raise TrustError(f"{folder} is not a git checkout, so the pull request's base branch cannot be read; "
                             "check out the repository with actions/checkout before natpolicy (or set "
                             "`trust-pr-config: true` if nothing in the workspace comes from the pull request)")
        if git.commit(commit) is None:
            _fetch(git, commit)
        return cls(git, commit)

    @property
    def short(self) -> str:
        return self.commit[:7]

    def relative(self, path: str | Path) -> str | None:
        """``path`` (relative to the working directory) as a repository path; ``None`` outside the repository.

        Lexical on purpose: a symlink the PR committed on the way must not
        decide where the base branch's file is looked up.
        """
        full = Path(os.path.normpath(Path(os.path.realpath(Path.cwd())) / path))
        try:
            rel = full.relative_to(self.root)
        except ValueError:
            return None
        return rel.as_posix() if str(rel) != "." else "."

    def entries(self, rel: str) -> dict[str, str]:
        """Regular files at or below ``rel`` at the base commit: repository path -> blob id."""
        try:
            out = self.git.run("--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", self.commit,
                               "--", rel)
        except GitError:
            return {}
        files = {}
        for entry in out.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            parts = meta.split()
            if len(parts) >= 3 and parts[1] == b"blob" and parts[0] in _REGULAR:
                files[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
        return files

    def copy(self, rel: str, into: Path) -> bool:
        """Write the base commit's files at ``rel`` under ``into`` (same layout); False when there are none."""
        files = self.entries(rel)
        for name, blob in files.items():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.git.run("cat-file", "blob", blob))
        return bool(files)


def _fetch(git: Git, commit: str) -> None:
    """Fetch the base commit from origin, one commit deep when the checkout is shallow."""
    try:
        shallow = git.run("rev-parse", "--is-shallow-repository").strip() == b"true"
        depth = ["--depth=1"] if shallow else []
        git.run("fetch", "--no-tags", "--no-recurse-submodules", "--quiet", *depth, "origin", commit)
    except GitError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "git failed"
        raise TrustError(f"the pull request's base commit {commit[:7]} is not in the checkout and fetching it from "
                         f"origin failed ({first}); check out with `fetch-depth: 0`, or fetch it in an earlier "
                         "step") from None
    if git.commit(commit) is None:
        raise TrustError(f"the pull request's base commit {commit[:7]} is not in origin")


@dataclass
class Trusted:
    """What the check step runs with, and what the summary must say about it."""

    pr: PullRequest | None = None
    base: BaseTree | None = None
    trust_pr: bool = False
    config: str | None = None  # for --config; None: natpolicy finds it as usual
    policies: list[str] = field(default_factory=list)  # for --policy, from the input
    baseline: str | None = None
    relaxed: list[Relaxed] = field(default_factory=list)
    base_exceptions: frozenset[tuple[str, str, str]] = frozenset()  # (rule, address, expires)
    pr_config: Config | None = None


def prepare(inputs: Mapping[str, Any], env: Mapping[str, str], workdir: Path) -> Trusted:
    """Settle the config, policies and baseline the check runs with; see the module docstring."""
    pr = pull_request(env)
    trust_pr = bool(inputs.get("trust-pr-config"))
    trusted = Trusted(pr=pr, trust_pr=trust_pr, config=inputs["config"] or None, policies=list(inputs["policy"]),
                      baseline=inputs["baseline"] or None)
    if pr is None:
        return trusted
    try:
        trusted.base = base = BaseTree.open(Path.cwd(), pr.base)
        copies = workdir / f"base-{base.short}"
        found = _configs(base, inputs, copies)
    except TrustError:
        if trust_pr:
            return trusted  # nothing to compare with, and nothing needs the base branch
        raise
    if found is None:
        # The config in play lies outside the repository: the workflow's, not the PR's.
        base_config = pr_config = None
    else:
        base_config, pr_config = found
    trusted.pr_config = pr_config
    if base_config is not None:
        trusted.base_exceptions = frozenset(exception_key(e) for e in base_config.exceptions)
    overridden = {"fail-on"} if inputs["fail-on"] else set()
    if inputs["policy"]:
        overridden.add("policy")
    effective, trusted.relaxed = merge(base_config or Config(), pr_config, base.relative, copies, overridden)
    if trust_pr:
        return trusted
    trusted.policies = [_from_base(base, p, "policy", copies) for p in inputs["policy"]]
    trusted.baseline = _from_base(base, inputs["baseline"], "baseline", copies) if inputs["baseline"] else None
    if found is None:
        return trusted
    # The base branch's policies, from its copies (a policy path the base config
    # gives as an absolute path into the checkout is copied too).
    named = base_config.policies if base_config else ()
    where = f"{base_config.path}: policy" if base_config else None
    effective["policy"] = list(dict.fromkeys(_from_base(base, p, "policy", copies, key=where) for p in named))
    if not effective["policy"]:
        del effective["policy"]
    # The same for data files (`data`): only the base branch's, from its copies.
    data_where = f"{base_config.path}: data" if base_config else None
    effective["data"] = list(dict.fromkeys(_from_base(base, p, "data", copies, key=data_where)
                                           for p in (base_config.data_files if base_config else ())))
    if not effective["data"]:
        del effective["data"]
    folder = workdir / "trusted-config"
    folder.mkdir()
    target = folder / ".natpolicy.yaml"
    target.write_text(json.dumps(effective, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    trusted.config = str(target)
    return trusted


def _from_base(base: BaseTree, path: str, what: str, copies: Path, key: str | None = None) -> str:
    """The base commit's copy of ``path`` when it lies in the repository; else ``path`` itself."""
    rel = base.relative(path)
    if rel is None or copy_of(path, copies) is not None:
        return path  # outside the repository: the workflow put it there, not the pull request
    if not base.copy(rel, copies):
        raise TrustError(f"{key or f'input `{what}`'}: {path} is not on the base branch ({base.short}). On a pull "
                         f"request natpolicy reads its {what} from the base branch, so that the pull request cannot "
                         "change it: merge it first, keep it outside the repository, or set `trust-pr-config: true`")
    return str(copies / rel)


def _configs(base: BaseTree, inputs: Mapping[str, Any], copies: Path) -> tuple[Config | None, Config | None] | None:
    """(the base branch's config, the PR's config), each ``None`` when there is none.

    ``None`` altogether when the config in play lies outside the repository.
    """
    given = inputs["config"]
    if given:
        rel = base.relative(given)
        if rel is None:
            return None
        pr = _pr_config(base, Path(given), given) if Path(given).is_file() else None
        if not base.entries(rel):
            raise TrustError(f"input `config`: {given} is not on the base branch ({base.short}). On a pull "
                             "request natpolicy reads its config from the base branch, so that the pull request "
                             "cannot change it: merge it first, or set `trust-pr-config: true`")
        return _load_base(base, rel, copies), pr
    start = next((p for p in inputs["path"] if p != "-"), ".")
    start_rel = base.relative(start if Path(start).is_dir() else Path(start).parent)
    if start_rel is None:
        return None
    found = find_config(Path(start))
    pr_config = _pr_config(base, found, base.relative(found) or str(found)) if found is not None else None
    # The same search natpolicy makes, over the base commit's files: copy the
    # candidates of every folder from the scanned one up to the top.
    mirror = copies / "search"
    for folder in (Path(start_rel), *Path(start_rel).parents):
        (mirror / folder).mkdir(parents=True, exist_ok=True)
        for name in (*CONFIG_NAMES, "pyproject.toml"):
            base.copy((folder / name).as_posix(), mirror)
    (mirror / ".git").mkdir(exist_ok=True)  # where natpolicy's search stops, as at the top of the checkout
    found_base = find_config(mirror / start_rel)
    if found_base is None:
        return None, pr_config
    return _load_base(base, found_base.relative_to(mirror.resolve()).as_posix(), copies), pr_config


def _pr_config(base: BaseTree, path: Path, shown: str) -> Config:
    """The PR's config file, read only when it is a file of the repository (not a link out of it, nor in .git)."""
    real = Path(os.path.realpath(path))
    try:
        inside = real.relative_to(base.root)
    except ValueError:
        inside = None
    if inside is None or inside.parts[:1] == (".git",):
        raise TrustError(f"{shown}: the pull request's config resolves outside the repository's files; refused")
    return load_config(path, display=shown)


def _load_base(base: BaseTree, rel: str, copies: Path) -> Config:
    """The base commit's config file at ``rel``, copied with the policies it names (relative to it)."""
    base.copy(rel, copies)
    target = copies / rel
    for policy in _raw_policies(target):
        base.copy(Path(os.path.normpath(Path(rel).parent / policy)).as_posix(), copies)
    return load_config(target, display=f"{rel} (base {base.short})")


def _raw_policies(path: Path) -> list[str]:
    """The relative ``policy`` entries of a (base branch, trusted) config file, before validation."""
    import yaml

    try:
        if path.name == "pyproject.toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # Python 3.10: the same parser, as a package
                import tomli as tomllib
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("natpolicy", {})
        else:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return []  # load_config says what is wrong
    items = data.get("policy") if isinstance(data, dict) else None
    return [p for p in items if isinstance(p, str) and not os.path.isabs(p)] if isinstance(items, list) else []


